//! A cache of parsed GraphQL documents, and the store of automatic persisted queries.
//!
//! Parsed documents: frontends and live screens send the same few operations
//! over and over, with different variables, and parsing is a costly step before execution.
//! Validation still runs on every request (it depends on the variables).
//!
//! It is applied to each request before execution ([`crate::Api`]), not as an async-graphql
//! extension: with any extension installed, async-graphql runs every field of every answer
//! through the extension chain, which cost the workshop page a third of its throughput.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// How many distinct documents are kept before the cache starts over.
const CAPACITY: usize = 512;
/// Documents longer than this are not kept (they are rarely repeated and would hold memory).
const LONGEST: usize = 16 * 1024;

/// Parsed documents by their text.
#[derive(Default)]
pub struct DocumentCache {
    documents: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// Gives `request` its parsed document, from the cache or by parsing it now (a document that
    /// does not parse is left for execution to report).
    pub fn prepare(&self, request: &mut Request) {
        let cached = self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&request.query).cloned();
        if let Some(document) = cached {
            request.set_parsed_query(document);
            return;
        }
        if request.query.len() > LONGEST {
            return;
        }
        let query = request.query.clone();
        if let Ok(document) = request.parsed_query() {
            let document = document.clone();
            let mut documents = self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if documents.len() >= CAPACITY {
                documents.clear();
            }
            documents.insert(query, document);
        }
    }
}

/// The documents of automatic persisted queries, by the hex SHA-256 of their text: a client
/// sends the hash alone, and the text only when the server answers that it does not know it.
#[derive(Default)]
pub struct PersistedQueries {
    queries: Mutex<HashMap<String, String>>,
}

impl PersistedQueries {
    /// The most documents kept before the store starts over (memory bound; a forgotten hash
    /// costs the client one round trip).
    const CAPACITY: usize = 2048;
    /// Documents longer than this are not kept.
    const LONGEST: usize = 64 * 1024;

    /// The document whose text hashes to `hash`, if known.
    pub fn get(&self, hash: &str) -> Option<String> {
        self.queries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(hash).cloned()
    }

    /// Remembers `query` under `hash` (the caller has checked that it is its SHA-256).
    pub fn insert(&self, hash: String, query: &str) {
        if query.len() > Self::LONGEST {
            return;
        }
        let mut queries = self.queries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if queries.len() >= Self::CAPACITY && !queries.contains_key(&hash) {
            queries.clear();
        }
        queries.insert(hash, query.to_owned());
    }
}
