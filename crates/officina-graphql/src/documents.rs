//! A cache of parsed GraphQL documents: frontends and live screens send the same few operations
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
