//! Verification of the hash chains in the database: the whole log's, and one stream's own.

use crate::chain::{GENESIS_HASH, event_hash};
use crate::checkpoint::CHECKPOINT_STREAM;
use crate::error::StoreError;
use crate::event::{EventFilter, Verification};
use crate::row::{StoredRow, to_hash};
use crate::{EventStore, head_of, read_rows, statements, to_i64};

impl EventStore {
    /// Recomputes the hash chain over positions `from..=to` (default: the whole log) and reports
    /// the first position where it breaks.
    pub async fn verify(&self, from: Option<u64>, to: Option<u64>) -> Result<Verification, StoreError> {
        let pool = &self.inner.pool;
        let head = head_of(pool).await?;
        let from = from.unwrap_or(1).max(1);
        let to = to.unwrap_or(head.position).min(head.position);
        let mut verification = Verification {
            ok: true,
            checked: 0,
            first_bad_position: None,
            problem: None,
            head_position: from.saturating_sub(1),
            head_hash: GENESIS_HASH,
            checkpoints_checked: 0,
        };
        if from > head.position {
            // Nothing to check beyond the head: that is not tampering.
            verification.head_position = head.position;
            verification.head_hash = head.hash;
            return Ok(verification);
        }
        let mut expected_previous = GENESIS_HASH;
        if from > 1 {
            let previous = statements::hash_at(pool, to_i64(from - 1)).await?;
            match previous.as_deref().and_then(to_hash) {
                Some(hash) => expected_previous = hash,
                None => return Ok(verification.broken(from - 1, "the event before the range is missing or malformed")),
            }
            verification.head_hash = expected_previous;
        }
        let mut cursor = from - 1;
        // The last hash seen of each stream, to check each event's link to its stream's previous
        // one; a stream whose previous event lies before the range is looked up once.
        let mut stream_hashes: std::collections::HashMap<String, [u8; 32]> = std::collections::HashMap::new();
        let mut lookups: Vec<(String, u64)> = Vec::new();
        // The checkpoint events met, checked once their page is read.
        let mut checkpoints: Vec<(u64, String)> = Vec::new();
        while cursor < to {
            let limit = (to - cursor).min(10_000) as usize;
            let before = verification.checked;
            // The chain is checked as rows stream in; the first break stops the read.
            let mut broken: Option<(u64, &'static str)> = None;
            read_rows(pool, cursor, limit, &EventFilter::All, &mut |row: StoredRow| {
                if broken.is_some() {
                    return Ok(());
                }
                let position = row.position as u64;
                let problem = if position != cursor + 1 {
                    Some((cursor + 1, "the event is missing (gap in positions)"))
                } else if row.previous_hash.as_slice() != expected_previous.as_slice() {
                    Some((position, "previous_hash does not match the preceding event's hash"))
                } else {
                    match to_hash(&row.hash) {
                        None => Some((position, "the stored hash is malformed")),
                        Some(stored) if event_hash(&expected_previous, &row.hashed_fields()) != stored => {
                            Some((position, "the event's content does not match its hash"))
                        }
                        Some(_) if !links_to_stream(&row, &stream_hashes, &mut lookups) => {
                            Some((position, "stream_previous_hash is not the hash of the stream's previous event"))
                        }
                        Some(stored) => {
                            if row.stream_id == CHECKPOINT_STREAM {
                                checkpoints.push((position, row.payload.clone()));
                            }
                            // The stream's id is copied once per stream, not once per event.
                            match stream_hashes.get_mut(row.stream_id.as_str()) {
                                Some(last) => *last = stored,
                                None => {
                                    stream_hashes.insert(row.stream_id.clone(), stored);
                                }
                            }
                            expected_previous = stored;
                            cursor = position;
                            verification.checked += 1;
                            verification.head_position = position;
                            verification.head_hash = stored;
                            None
                        }
                    }
                };
                broken = problem;
                Ok(())
            })
            .await?;
            if let Some((position, problem)) = broken {
                return Ok(verification.broken(position, problem));
            }
            // Links to events before the range: checked against the stored hashes now.
            for (stream_id, version) in std::mem::take(&mut lookups) {
                let row = statements::stream_event(pool, &stream_id, to_i64(version)).await?;
                let link = row.as_ref().and_then(|r| r.stream_previous_hash.as_deref().map(<[u8]>::to_vec));
                let Some(row) = row else { continue };
                let previous = statements::stream_event(pool, &stream_id, to_i64(version) - 1).await?;
                let matches = previous.is_some_and(|p| link.as_deref() == Some(p.hash.as_slice()));
                if !matches {
                    return Ok(verification
                        .broken(row.position as u64, "stream_previous_hash is not the hash of the stream's previous event"));
                }
            }
            for (position, payload) in std::mem::take(&mut checkpoints) {
                let payload = serde_json::from_str(&payload).unwrap_or_default();
                verification.checkpoints_checked += 1;
                if let Some((signed, problem)) = self.checkpoint_problem(&payload).await? {
                    return Ok(verification.broken(if signed == 0 { position } else { signed }, problem));
                }
            }
            if verification.checked == before {
                return Ok(verification.broken(cursor + 1, "the event is missing"));
            }
        }
        Ok(verification)
    }

    /// Checks one stream's own chain (what a workshop's auditor can check with its events alone):
    /// each event hashes to its stored hash from its stored `previous_hash`, its versions follow
    /// one another, and each event's `stream_previous_hash` is its stream predecessor's hash.
    /// Positions `from..=to` bound the events checked (default: all of the stream).
    pub async fn verify_stream(&self, stream_id: &str, from: Option<u64>, to: Option<u64>) -> Result<Verification, StoreError> {
        let pool = &self.inner.pool;
        let from = from.unwrap_or(1).max(1);
        let to = to.unwrap_or(u64::MAX);
        let mut verification = Verification {
            ok: true,
            checked: 0,
            first_bad_position: None,
            problem: None,
            head_position: 0,
            head_hash: GENESIS_HASH,
            checkpoints_checked: 0,
        };
        let mut version = 0u64;
        let mut last_hash = GENESIS_HASH;
        // A range that starts later starts from the stream's last event before it, whose stored
        // hash the next event must link to: the cost is the range's, not the stream's.
        if from > 1
            && let Some(before) = statements::stream_event_before(pool, stream_id, to_i64(from)).await?
        {
            version = before.stream_version as u64;
            last_hash = to_hash(&before.hash).unwrap_or(GENESIS_HASH);
        }
        loop {
            let rows = statements::read_stream(pool, stream_id, to_i64(version + 1), 1_000).await?;
            if rows.is_empty() {
                break;
            }
            for row in rows {
                let position = row.position as u64;
                if position > to {
                    return Ok(verification);
                }
                let problem = if row.stream_version as u64 != version + 1 {
                    Some("an event of the stream is missing (gap in stream versions)")
                } else {
                    match (to_hash(&row.hash), to_hash(&row.previous_hash)) {
                        (Some(stored), Some(previous)) if event_hash(&previous, &row.hashed_fields()) == stored => {
                            match row.stream_previous_hash.as_deref() {
                                Some(link) if link != last_hash.as_slice() => {
                                    Some("stream_previous_hash is not the hash of the stream's previous event")
                                }
                                _ => None,
                            }
                        }
                        (Some(_), Some(_)) => Some("the event's content does not match its hash"),
                        _ => Some("a stored hash is malformed"),
                    }
                };
                if let Some(problem) = problem
                    && position >= from
                {
                    return Ok(verification.broken(position, problem));
                }
                version = row.stream_version as u64;
                last_hash = to_hash(&row.hash).unwrap_or(GENESIS_HASH);
                if position >= from {
                    verification.checked += 1;
                    verification.head_position = position;
                    verification.head_hash = last_hash;
                }
            }
        }
        Ok(verification)
    }
}

impl Verification {
    fn broken(mut self, position: u64, problem: &str) -> Self {
        self.ok = false;
        self.first_bad_position = Some(position);
        self.problem = Some(problem.to_owned());
        self
    }
}

/// Whether `row`'s link to its stream's previous event holds, as far as this pass has seen the
/// stream: unknown streams (their previous event lies before the range) are noted in `lookups`.
fn links_to_stream(
    row: &StoredRow,
    seen: &std::collections::HashMap<String, [u8; 32]>,
    lookups: &mut Vec<(String, u64)>,
) -> bool {
    let Some(link) = row.stream_previous_hash.as_deref() else {
        // Stored before streams were chained: only the global chain covers it.
        return true;
    };
    match seen.get(&row.stream_id) {
        Some(previous) => link == previous.as_slice(),
        None if row.stream_version == 1 => link == GENESIS_HASH.as_slice(),
        None => {
            lookups.push((row.stream_id.clone(), row.stream_version as u64));
            true
        }
    }
}
