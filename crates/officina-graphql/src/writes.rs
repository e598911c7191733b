//! The per-person write rate limit: every mutation spends one token from its person's bucket.
//!
//! A token bucket per person: `burst` tokens at most, refilled at `per_second`. A person who
//! runs out is refused with `RATE_LIMITED` (reason `TOO_MANY_WRITES`) and told, in
//! `extensions.retryAfterMs`, when the next token comes; the refusal appends nothing. Reads are
//! not limited here (their cost is bounded by the depth and complexity limits).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use officina_domain::PersonId;

/// How many writes one person may make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriteRate {
    /// The sustained rate, in writes per second; 0 turns the limit off.
    pub per_second: f64,
    /// How many writes may come at once after a quiet moment.
    pub burst: u32,
}

impl Default for WriteRate {
    /// Ten writes a second, thirty at once: far beyond what a person does through a frontend
    /// (a live session, a retry storm), far below what would let one client crowd out the others.
    fn default() -> Self {
        Self { per_second: 10.0, burst: 30 }
    }
}

/// One person's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// The buckets of every person who wrote recently.
#[derive(Debug)]
pub struct WriteLimiter {
    rate: WriteRate,
    buckets: Mutex<HashMap<PersonId, Bucket>>,
}

/// How many people's buckets are kept before full ones (of people who have been quiet long
/// enough to be back at `burst`) are dropped: a bound on memory, whatever the number of people.
const MAX_BUCKETS: usize = 100_000;

impl WriteLimiter {
    /// A limiter allowing `rate` to each person.
    pub fn new(rate: WriteRate) -> Self {
        Self { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Spends one write of `person`'s share at `now`; when none is left, how long until one is.
    pub fn spend(&self, person: PersonId, now: Instant) -> Result<(), Duration> {
        let WriteRate { per_second, burst } = self.rate;
        let burst = f64::from(burst.max(1));
        if !per_second.is_finite() || per_second <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&person) {
            buckets.retain(|_, bucket| {
                bucket.tokens + now.saturating_duration_since(bucket.refilled_at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(person).or_insert(Bucket { tokens: burst, refilled_at: now });
        let elapsed = now.saturating_duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_writes_come_at_the_sustained_rate() {
        let limiter = WriteLimiter::new(WriteRate { per_second: 2.0, burst: 3 });
        let person = PersonId::from_u128(1);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.spend(person, start), Ok(()));
        }
        let wait = limiter.spend(person, start).expect_err("the burst is spent");
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(limiter.spend(person, start + Duration::from_millis(500)), Ok(()));
        // Another person has a share of their own.
        assert_eq!(limiter.spend(PersonId::from_u128(2), start), Ok(()));
    }

    #[test]
    fn a_quiet_person_is_back_to_a_full_burst_but_never_beyond() {
        let limiter = WriteLimiter::new(WriteRate { per_second: 1.0, burst: 2 });
        let person = PersonId::from_u128(1);
        let start = Instant::now();
        let later = start + Duration::from_secs(3600);
        assert_eq!(limiter.spend(person, start), Ok(()));
        assert_eq!(limiter.spend(person, later), Ok(()));
        assert_eq!(limiter.spend(person, later), Ok(()));
        assert!(limiter.spend(person, later).is_err());
    }
}
