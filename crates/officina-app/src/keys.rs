//! The idempotency keys this process appended with lately, so that a retry is recognized before
//! it is decided.
//!
//! A keyed command is not looked up in the database before it is decided: the writer checks
//! every key inside the appending transaction and answers a recorded one with the first
//! append's outcome. That saves a query on every first arrival, but a retry that reaches the
//! writer has been decided and, when it was pipelined, has advanced the remembered state with
//! events that were never appended, which must then be read again from the log. A client that
//! retries usually retries through the same process (or, on several nodes, through the writer,
//! which every mutation reaches), so the keys appended here lately are remembered, and a command
//! bearing one is looked up first, as before. Only a hash of each key is kept: a collision costs
//! one lookup, never a wrong answer.

use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;

/// How many keys are remembered; beyond that the oldest are forgotten (about 1 MiB).
const REMEMBERED_KEYS: usize = 65_536;

#[derive(Default)]
pub(crate) struct RecentKeys {
    hasher: std::collections::hash_map::RandomState,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    set: HashSet<u64>,
    order: VecDeque<u64>,
}

impl RecentKeys {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `key` was appended with lately (or collides with one that was).
    pub(crate) fn contains(&self, key: &str) -> bool {
        let hash = self.hash(key);
        self.seen().set.contains(&hash)
    }

    /// Remembers that an append bearing `key` was handed to the writer.
    pub(crate) fn remember(&self, key: &str) {
        let hash = self.hash(key);
        let mut seen = self.seen();
        if seen.set.insert(hash) {
            seen.order.push_back(hash);
            while seen.order.len() > REMEMBERED_KEYS {
                if let Some(oldest) = seen.order.pop_front() {
                    seen.set.remove(&oldest);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_remembered_until_enough_newer_ones_push_it_out() {
        let keys = RecentKeys::default();
        assert!(!keys.contains("person:click-1"));
        keys.remember("person:click-1");
        keys.remember("person:click-1");
        assert!(keys.contains("person:click-1"));
        assert!(!keys.contains("person:click-2"));
        for n in 0..REMEMBERED_KEYS - 1 {
            keys.remember(&format!("other:{n}"));
        }
        assert!(keys.contains("person:click-1"), "still among the last {REMEMBERED_KEYS}");
        keys.remember("one more");
        assert!(!keys.contains("person:click-1"));
        assert_eq!(keys.seen().set.len(), REMEMBERED_KEYS);
    }
}
