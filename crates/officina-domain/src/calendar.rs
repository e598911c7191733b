//! Italian working days, for the ECCP notice period (art. 11(b) of Regulation (EU) No 240/2014:
//! meeting notice and documents, as a general rule, not less than 10 working days before).
//!
//! Everything is computed by hand so the domain needs no time-zone database: Easter by the
//! Anonymous Gregorian algorithm (computus), national public holidays by law, and the Rome civil
//! date of an instant by the EU summer-time rule.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};

/// The minimum notice, in working days, that the ECCP asks for as a general rule.
pub const NOTICE_WORKING_DAYS: u32 = 10;

/// The year from which 4 October (San Francesco d'Assisi) is again a national holiday
/// (Law 151/2025).
pub const SAN_FRANCESCO_FROM_YEAR: i32 = 2026;

/// Easter Sunday of a Gregorian year, by the Anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher). `None` only for years chrono cannot represent.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Easter Monday (Lunedì dell'Angelo) of a year.
pub fn easter_monday(year: i32) -> Option<NaiveDate> {
    easter_sunday(year).and_then(|sunday| sunday.succ_opt())
}

/// Whether a date is an Italian national public holiday: 1 January, 6 January, Easter Monday,
/// 25 April, 1 May, 2 June, 15 August, 1 November, 8 December, 25 and 26 December, and from 2026
/// 4 October. (Easter Sunday falls on a Sunday and so is never a working day anyway.) Local patron
/// saints' days are not national holidays and are not counted.
pub fn is_italian_public_holiday(date: NaiveDate) -> bool {
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (1, 6) | (4, 25) | (5, 1) | (6, 2) | (8, 15) | (11, 1) | (12, 8) | (12, 25) | (12, 26)
    );
    let san_francesco = date.year() >= SAN_FRANCESCO_FROM_YEAR && date.month() == 10 && date.day() == 4;
    fixed || san_francesco || easter_monday(date.year()) == Some(date)
}

/// Whether a date is an Italian working day: Monday to Friday and not a national public holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !is_italian_public_holiday(date)
}

/// The number of working days strictly after `from` and strictly before `to`: the full working
/// days between sharing something on `from` and meeting on `to`. Neither the sharing day nor the
/// session day counts, and the count is 0 when `to` is not at least two days after `from`.
///
/// For example, a notice given on Thursday 2 April 2026 for Monday 20 April 2026 leaves exactly 10
/// working days: Friday 3 April, 7 to 10 April and 13 to 17 April (Easter Monday, 6 April, and the
/// weekends do not count).
///
/// Whole years are counted at once, so the cost grows with the number of years between the two
/// dates, not the number of days: a date far in the future, already in some log, stays cheap.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let (Some(first), Some(last)) = (from.succ_opt(), to.pred_opt()) else { return 0 };
    let mut count: u64 = 0;
    let mut day = first;
    while day <= last {
        let next_new_year = NaiveDate::from_ymd_opt(day.year() + 1, 1, 1);
        let whole_year_fits = day.ordinal() == 1 && next_new_year.is_some_and(|next| next <= last.succ_opt().unwrap_or(next));
        if whole_year_fits {
            count += u64::from(working_days_in_year(day.year()));
            match next_new_year {
                Some(next) => day = next,
                None => break,
            }
            continue;
        }
        if is_working_day(day) {
            count += 1;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// The working days of a whole year: its weekdays, less the national holidays that fall on one.
fn working_days_in_year(year: i32) -> u32 {
    let (Some(new_year), Some(next_new_year)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year + 1, 1, 1))
    else {
        return 0;
    };
    let days = u32::try_from((next_new_year - new_year).num_days()).unwrap_or(0);
    // 52 whole weeks hold 260 weekdays; the one or two days left over start on New Year's weekday.
    let mut weekdays = 260;
    let mut extra = new_year;
    for _ in 364..days {
        if !matches!(extra.weekday(), Weekday::Sat | Weekday::Sun) {
            weekdays += 1;
        }
        extra = extra.succ_opt().unwrap_or(extra);
    }
    let mut holidays: Vec<NaiveDate> = [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]
        .into_iter()
        .filter_map(|(month, day)| NaiveDate::from_ymd_opt(year, month, day))
        .chain(easter_monday(year))
        .chain((year >= SAN_FRANCESCO_FROM_YEAR).then(|| NaiveDate::from_ymd_opt(year, 10, 4)).flatten())
        .collect();
    // Easter Monday can fall on 25 April: a day off once, however many reasons it has.
    holidays.sort();
    holidays.dedup();
    let off = holidays.iter().filter(|date| !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)).count();
    weekdays - u32::try_from(off).unwrap_or(0)
}

/// The earliest year a date given to the platform may fall in.
pub const FIRST_YEAR: i32 = 2000;
/// The latest year a date given to the platform may fall in.
pub const LAST_YEAR: i32 = 2100;
/// How many years ahead of now a session may be scheduled.
pub const MAX_YEARS_AHEAD: i32 = 5;

/// Refuses an instant outside the years [`FIRST_YEAR`]..=[`LAST_YEAR`] or more than
/// [`MAX_YEARS_AHEAD`] years after `now`: a date is part of the log forever, so one mistyped
/// or hostile value must not be able to reach it.
pub fn check_date(field: &'static str, instant: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), crate::DomainError> {
    let latest = now.checked_add_months(chrono::Months::new(12 * MAX_YEARS_AHEAD as u32)).unwrap_or(now);
    if instant.year() < FIRST_YEAR || instant.year() > LAST_YEAR || instant > latest {
        return Err(crate::DomainError::DateOutOfRange {
            field,
            first_year: FIRST_YEAR,
            last_year: LAST_YEAR,
            years_ahead: MAX_YEARS_AHEAD,
        });
    }
    Ok(())
}

/// The last Sunday of a month at 01:00 UTC: when EU summer time starts (March) or ends (October).
fn last_sunday_0100_utc(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_of_next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(year, month + 1, 1)? };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    let sunday = last - Duration::days(i64::from(back));
    Some(Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0)?))
}

/// The offset of Rome's civil time from UTC at an instant: +2 hours (CEST) from the last Sunday of
/// March at 01:00 UTC until the last Sunday of October at 01:00 UTC, +1 hour (CET) otherwise.
pub fn rome_offset_hours(instant: DateTime<Utc>) -> i64 {
    let year = instant.year();
    match (last_sunday_0100_utc(year, 3), last_sunday_0100_utc(year, 10)) {
        (Some(start), Some(end)) if instant >= start && instant < end => 2,
        _ => 1,
    }
}

/// The civil date in Rome at an instant.
pub fn rome_date(instant: DateTime<Utc>) -> NaiveDate {
    (instant + Duration::hours(rome_offset_hours(instant))).date_naive()
}

/// The notice lead time, in working days, between an instant of sharing (or convening) and the
/// instant a session starts, both read as Rome civil dates.
pub fn notice_working_days(shared_at: DateTime<Utc>, session_at: DateTime<Utc>) -> u32 {
    working_days_between(rome_date(shared_at), rome_date(session_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn easter_follows_the_computus() {
        let known = [
            (2019, 4, 21),
            (2020, 4, 12),
            (2021, 4, 4),
            (2022, 4, 17),
            (2023, 4, 9),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
            (2000, 4, 23),
            (1818, 3, 22),
            (2285, 3, 22),
        ];
        for (y, m, day) in known {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "Easter {y}");
        }
    }

    #[test]
    fn rome_date_switches_with_summer_time() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("valid instant");
        // 23:30 UTC in winter is 00:30 the next day in Rome.
        assert_eq!(rome_date(at("2026-01-15T23:30:00Z")), d(2026, 1, 16));
        // 22:30 UTC in summer is 00:30 the next day in Rome.
        assert_eq!(rome_date(at("2026-07-15T22:30:00Z")), d(2026, 7, 16));
        assert_eq!(rome_date(at("2026-07-15T21:30:00Z")), d(2026, 7, 15));
        // Summer time starts on 29 March 2026 at 01:00 UTC and ends on 25 October 2026 at 01:00 UTC.
        assert_eq!(rome_offset_hours(at("2026-03-29T00:59:59Z")), 1);
        assert_eq!(rome_offset_hours(at("2026-03-29T01:00:00Z")), 2);
        assert_eq!(rome_offset_hours(at("2026-10-25T00:59:59Z")), 2);
        assert_eq!(rome_offset_hours(at("2026-10-25T01:00:00Z")), 1);
        // New Year's Eve at 23:30 UTC is already the next year in Rome.
        assert_eq!(rome_date(at("2025-12-31T23:30:00Z")), d(2026, 1, 1));
    }
}
