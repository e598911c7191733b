//! Italian working days checked against known calendars.

use chrono::NaiveDate;
use officina_domain::calendar::*;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

#[test]
fn the_national_holidays_of_2026_are_recognised() {
    let holidays = [
        d(2026, 1, 1),
        d(2026, 1, 6),
        d(2026, 4, 6), // Easter Monday
        d(2026, 4, 25),
        d(2026, 5, 1),
        d(2026, 6, 2),
        d(2026, 8, 15),
        d(2026, 10, 4), // San Francesco, again a holiday from 2026
        d(2026, 11, 1),
        d(2026, 12, 8),
        d(2026, 12, 25),
        d(2026, 12, 26),
    ];
    let mut date = d(2026, 1, 1);
    let mut found = Vec::new();
    while date < d(2027, 1, 1) {
        if is_italian_public_holiday(date) {
            found.push(date);
        }
        date = date.succ_opt().expect("next day");
    }
    assert_eq!(found, holidays);
}

#[test]
fn easter_monday_moves_with_easter() {
    assert!(is_italian_public_holiday(d(2025, 4, 21)));
    assert!(!is_italian_public_holiday(d(2025, 4, 14)));
    assert!(is_italian_public_holiday(d(2024, 4, 1)));
    assert!(is_italian_public_holiday(d(2027, 3, 29)));
    assert!(!is_working_day(d(2026, 4, 6)));
    assert!(is_working_day(d(2026, 4, 7)));
}

#[test]
fn san_francesco_is_a_holiday_only_from_2026() {
    assert!(!is_italian_public_holiday(d(2024, 10, 4)));
    assert!(!is_italian_public_holiday(d(2025, 10, 4)));
    assert!(is_italian_public_holiday(d(2027, 10, 4)));
    // Friday 1 October 2027 to Wednesday 6 October: only Tuesday 5 counts (4 October is a Monday holiday).
    assert_eq!(working_days_between(d(2027, 10, 1), d(2027, 10, 6)), 1);
}

#[test]
fn weekends_are_never_working_days() {
    assert!(!is_working_day(d(2026, 3, 7)));
    assert!(!is_working_day(d(2026, 3, 8)));
    assert!(is_working_day(d(2026, 3, 9)));
}

#[test]
fn working_days_count_strictly_between_the_two_dates() {
    // Monday to the next Monday: Tuesday to Friday.
    assert_eq!(working_days_between(d(2026, 3, 2), d(2026, 3, 9)), 4);
    assert_eq!(working_days_between(d(2026, 3, 2), d(2026, 3, 3)), 0);
    assert_eq!(working_days_between(d(2026, 3, 2), d(2026, 3, 2)), 0);
    assert_eq!(working_days_between(d(2026, 3, 9), d(2026, 3, 2)), 0);
}

#[test]
fn working_days_around_easter_25_april_and_1_may() {
    // Thursday 17 April 2025 to Monday 5 May 2025: 18, 22, 23, 24, 28, 29, 30 April and 2 May.
    assert_eq!(working_days_between(d(2025, 4, 17), d(2025, 5, 5)), 8);
    // Thursday 2 April 2026 to Monday 20 April 2026: exactly the ECCP's 10 working days.
    assert_eq!(working_days_between(d(2026, 4, 2), d(2026, 4, 20)), 10);
}

#[test]
fn working_days_around_2_june_15_august_and_1_november() {
    // Friday 29 May 2026 to Friday 5 June 2026: 1, 3 and 4 June (2 June is a holiday).
    assert_eq!(working_days_between(d(2026, 5, 29), d(2026, 6, 5)), 3);
    // Wednesday 13 August 2025 to Tuesday 19 August 2025: 14 and 18 August (15 August is a Friday holiday).
    assert_eq!(working_days_between(d(2025, 8, 13), d(2025, 8, 19)), 2);
    // Thursday 30 October 2025 to Wednesday 5 November 2025: 31 October, 3 and 4 November
    // (1 November 2025 is a Saturday anyway).
    assert_eq!(working_days_between(d(2025, 10, 30), d(2025, 11, 5)), 3);
}

#[test]
fn working_days_around_8_december_and_christmas() {
    // Friday 5 December 2025 to Monday 29 December 2025: 9-12, 15-19, 22-24 December.
    assert_eq!(working_days_between(d(2025, 12, 5), d(2025, 12, 29)), 12);
    // Over the new year: 29-31 December 2025, 2 and 5 January 2026, 7-9 January (1 and 6 are holidays).
    assert_eq!(working_days_between(d(2025, 12, 24), d(2026, 1, 12)), 8);
}

#[test]
fn notice_is_read_on_rome_dates() {
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("valid instant");
    // Shared at 23:30 UTC on Wednesday 1 April 2026, which is already Thursday 2 April in Rome.
    assert_eq!(notice_working_days(at("2026-04-01T23:30:00Z"), at("2026-04-20T07:00:00Z")), 10);
    assert_eq!(notice_working_days(at("2026-04-01T21:30:00Z"), at("2026-04-20T07:00:00Z")), 11);
}

/// The plain day-by-day count the fast one must agree with.
fn working_days_one_by_one(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut count = 0;
    let mut day = from;
    while let Some(next) = day.succ_opt() {
        if next >= to {
            break;
        }
        count += u32::from(is_working_day(next));
        day = next;
    }
    count
}

#[test]
fn a_date_ten_thousand_years_away_is_counted_quickly_and_exactly() {
    // 2026 to 2031 one by one, and far away: the cost grows with years, not days.
    assert_eq!(working_days_between(d(2026, 3, 2), d(2031, 7, 9)), working_days_one_by_one(d(2026, 3, 2), d(2031, 7, 9)));
    let started = std::time::Instant::now();
    let far = working_days_between(d(2026, 1, 1), d(99_999, 1, 1));
    assert!(far > 24_000_000, "{far}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn dates_outside_the_accepted_range_are_refused() {
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("valid instant");
    let now = at("2026-03-02T09:00:00Z");
    assert!(check_date("startsAt", at("2031-03-02T09:00:00Z"), now).is_ok());
    for refused in ["2031-03-02T09:00:01Z", "+99999-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2101-01-01T00:00:00Z"] {
        let error = check_date("startsAt", at(refused), now).expect_err(refused);
        assert_eq!(error.code(), "DATE_OUT_OF_RANGE");
        assert_eq!(error.category(), officina_domain::ErrorCategory::Validation { field: "startsAt" });
    }
}

proptest! {
    #[test]
    fn whole_years_at_once_agree_with_counting_day_by_day(a in 0i64..40_000, span in 0i64..3_000) {
        let from = d(1990, 1, 1) + chrono::Duration::days(a);
        let to = from + chrono::Duration::days(span);
        prop_assert_eq!(working_days_between(from, to), working_days_one_by_one(from, to));
    }

    #[test]
    fn working_days_add_up_over_consecutive_spans(a in 0i64..3000, b in 0i64..200, c in 0i64..200) {
        let start = d(2020, 1, 1) + chrono::Duration::days(a);
        let middle = start + chrono::Duration::days(b + 1);
        let end = middle + chrono::Duration::days(c + 1);
        let split = working_days_between(start, middle) + u32::from(is_working_day(middle)) + working_days_between(middle, end);
        prop_assert_eq!(working_days_between(start, end), split);
    }

    #[test]
    fn easter_is_always_a_sunday_between_22_march_and_25_april(year in 1583i32..4000) {
        use chrono::Datelike;
        let easter = easter_sunday(year).expect("representable year");
        prop_assert_eq!(easter.weekday(), chrono::Weekday::Sun);
        prop_assert!(easter >= d(year, 3, 22) && easter <= d(year, 4, 25));
    }
}
