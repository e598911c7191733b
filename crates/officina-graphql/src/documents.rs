//! A cache of parsed GraphQL documents: frontends and live screens send the same few operations
//! over and over, with different variables, and parsing is the costliest step before execution.
//! Validation still runs on every request (it depends on the variables).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};

/// How many distinct documents are kept before the cache starts over.
const CAPACITY: usize = 512;
/// Documents longer than this are not kept (they are rarely repeated and would hold memory).
const LONGEST: usize = 16 * 1024;

/// The extension factory; one cache per schema, shared by every request.
#[derive(Default)]
pub struct DocumentCache {
    documents: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
}

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentCacheExtension { documents: self.documents.clone() })
    }
}

struct DocumentCacheExtension {
    documents: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
}

#[async_trait::async_trait]
impl Extension for DocumentCacheExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(query) {
            return Ok(document.clone());
        }
        let document = next.run(ctx, query, variables).await?;
        if query.len() <= LONGEST {
            let mut documents = self.documents.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if documents.len() >= CAPACITY {
                documents.clear();
            }
            documents.insert(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}
