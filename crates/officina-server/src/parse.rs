//! Reading a GraphQL request off HTTP: the body within its size and time limits, the JSON of a
//! POST or the parameters of a GET, and automatic persisted queries. Every way a request can be
//! malformed is a [`Malformed`] with its status and a coded `BAD_REQUEST` reason.

use std::time::Duration;

use async_graphql::Variables;
use async_graphql::parser::types::OperationType;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use officina_graphql::{ApiError, Reason};
use serde_json::Value;

/// Why a request cannot be executed, and the status to answer with.
#[derive(Debug)]
pub(crate) struct Malformed(pub(crate) StatusCode, pub(crate) Box<ApiError>);

fn malformed(reason: Reason, english: &str, italian: &str) -> Malformed {
    Malformed(StatusCode::BAD_REQUEST, Box::new(ApiError::because(reason, english, italian)))
}

/// Reads the whole body, refusing one larger than `max` bytes or slower than `timeout`.
pub(crate) async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Bytes, Malformed> {
    let read = async {
        let mut body = body;
        let mut collected: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| {
                malformed(
                    Reason::BodyUnreadable,
                    "The request body could not be read.",
                    "Il corpo della richiesta non è leggibile.",
                )
            })?;
            if let Ok(data) = frame.into_data() {
                if collected.len() + data.len() > max {
                    return Err(Malformed(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        Box::new(ApiError::because(
                            Reason::BodyTooLarge,
                            format!("The request body is larger than {max} bytes."),
                            format!("Il corpo della richiesta supera {max} byte."),
                        )),
                    ));
                }
                collected.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(collected))
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(Malformed(
            StatusCode::REQUEST_TIMEOUT,
            Box::new(ApiError::because(
                Reason::RequestTimeout,
                format!("The request body did not arrive within {} seconds.", timeout.as_secs()),
                format!("Il corpo della richiesta non è arrivato entro {} secondi.", timeout.as_secs()),
            )),
        )),
    }
}

/// A request as the client sent it, its shape checked, before its document is known: with
/// automatic persisted queries, the document may be only a hash the server must look up.
#[derive(Debug)]
pub(crate) struct Incoming {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    /// `extensions.persistedQuery.sha256Hash`, lower-case hex.
    persisted: Option<String>,
}

/// A GraphQL request from the JSON object of a POST body (or the parameters of a GET).
fn graphql_request(object: serde_json::Map<String, Value>) -> Result<Incoming, Malformed> {
    let operation_name = match object.get("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => {
            return Err(malformed(
                Reason::InvalidOperationName,
                "`operationName` must be a string.",
                "`operationName` deve essere una stringa.",
            ));
        }
    };
    let variables = match object.get("variables") {
        None | Some(Value::Null) => None,
        Some(variables @ Value::Object(_)) => Some(variables.clone()),
        Some(_) => {
            return Err(malformed(
                Reason::InvalidVariables,
                "`variables` must be a JSON object.",
                "`variables` deve essere un oggetto JSON.",
            ));
        }
    };
    let persisted = match object.get("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(extensions)) => match extensions.get("persistedQuery") {
            None | Some(Value::Null) => None,
            Some(persisted) => {
                let hash = persisted.get("sha256Hash").and_then(Value::as_str).map(str::to_ascii_lowercase);
                match (persisted.get("version").and_then(Value::as_i64), hash) {
                    (Some(1), Some(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => Some(hash),
                    _ => {
                        return Err(malformed(
                            Reason::InvalidExtensions,
                            "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}.",
                            "`extensions.persistedQuery` deve essere {\"version\": 1, \"sha256Hash\": \"<64 cifre esadecimali>\"}.",
                        ));
                    }
                }
            }
        },
        Some(_) => {
            return Err(malformed(
                Reason::InvalidExtensions,
                "`extensions` must be a JSON object.",
                "`extensions` deve essere un oggetto JSON.",
            ));
        }
    };
    let query = match object.get("query") {
        Some(Value::String(query)) => Some(query.clone()),
        None | Some(Value::Null) if persisted.is_some() => None,
        _ => {
            return Err(malformed(
                Reason::MissingQuery,
                "The request must carry the GraphQL document as a string in `query`.",
                "La richiesta deve contenere il documento GraphQL come stringa in `query`.",
            ));
        }
    };
    Ok(Incoming { query, operation_name, variables, persisted })
}

/// The request to execute: its document given, or looked up by its persisted hash (automatic
/// persisted queries: a hash the server does not know is `PERSISTED_QUERY_NOT_FOUND`, and the
/// client sends the text with the hash; a text that does not hash to it is refused).
pub(crate) fn resolve(incoming: Incoming, api: &officina_graphql::Api) -> Result<async_graphql::Request, Malformed> {
    let query = match (incoming.query, incoming.persisted) {
        (Some(query), None) => query,
        (Some(query), Some(hash)) => {
            use sha2::{Digest, Sha256};
            if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                return Err(malformed(
                    Reason::PersistedQueryMismatch,
                    "The persisted query's sha256Hash is not the SHA-256 of the query sent with it.",
                    "Lo sha256Hash della query persistente non è lo SHA-256 della query inviata.",
                ));
            }
            api.persist_query(hash, &query);
            query
        }
        (None, Some(hash)) => match api.persisted_query(&hash) {
            Some(query) => query,
            // Apollo's clients look for this exact message as well as the code.
            None => {
                return Err(Malformed(
                    StatusCode::OK,
                    Box::new(ApiError::because(
                        Reason::PersistedQueryNotFound,
                        "PersistedQueryNotFound",
                        "PersistedQueryNotFound",
                    )),
                ));
            }
        },
        (None, None) => {
            return Err(malformed(
                Reason::MissingQuery,
                "The request must carry the GraphQL document as a string in `query`.",
                "La richiesta deve contenere il documento GraphQL come stringa in `query`.",
            ));
        }
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = incoming.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = incoming.variables {
        request = request.variables(Variables::from_json(variables));
    }
    Ok(request)
}

/// Parses a POST body: one JSON object (batches are not supported).
pub(crate) fn parse_body(body: &[u8]) -> Result<Incoming, Malformed> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(
            Reason::EmptyBody,
            "The request has no body: send a JSON object with the GraphQL document in `query`.",
            "La richiesta non ha corpo: inviare un oggetto JSON con il documento GraphQL in `query`.",
        ));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(malformed(
            Reason::InvalidUtf8,
            "The request body is not valid UTF-8.",
            "Il corpo della richiesta non è UTF-8 valido.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Err(malformed(
            Reason::MalformedJson,
            "The request body is not valid JSON.",
            "Il corpo della richiesta non è JSON valido.",
        )),
        Ok(Value::Object(object)) => graphql_request(object),
        Ok(Value::Array(_)) => Err(malformed(
            Reason::BatchNotSupported,
            "Batched requests are not supported: send one operation per request.",
            "Le richieste multiple non sono supportate: inviare un'operazione per richiesta.",
        )),
        Ok(_) => Err(malformed(
            Reason::NotAnObject,
            "The request body must be a JSON object with the GraphQL document in `query`.",
            "Il corpo della richiesta deve essere un oggetto JSON con il documento GraphQL in `query`.",
        )),
    }
}

/// Parses the parameters of a GET: `query`, `operationName`, and `variables` and `extensions`
/// as JSON text.
pub(crate) fn parse_query_string(query: &str) -> Result<Incoming, Malformed> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| {
        malformed(
            Reason::MalformedQueryString,
            "The URL's query string cannot be read.",
            "La query string dell'URL non è leggibile.",
        )
    })?;
    let mut object = serde_json::Map::new();
    for (name, value) in pairs {
        let value = match name.as_str() {
            "variables" | "extensions" if !value.is_empty() => serde_json::from_str(&value).map_err(|_| {
                malformed(
                    Reason::MalformedJson,
                    "`variables` and `extensions` in the URL must be JSON.",
                    "`variables` ed `extensions` nell'URL devono essere JSON.",
                )
            })?,
            "variables" | "extensions" => Value::Null,
            _ => Value::String(value),
        };
        object.insert(name, value);
    }
    graphql_request(object)
}

/// The kind of operation a request would run, when its document parses.
pub(crate) fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match &document.operations {
        async_graphql::parser::types::DocumentOperations::Single(operation) => Some(operation.node.ty),
        async_graphql::parser::types::DocumentOperations::Multiple(operations) => match name {
            Some(name) => operations.get(name.as_str()).map(|operation| operation.node.ty),
            None if operations.len() == 1 => operations.values().next().map(|operation| operation.node.ty),
            None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason<T>(result: Result<T, Malformed>) -> Option<String> {
        result.err().and_then(|Malformed(_, error)| error.reason)
    }

    #[test]
    fn every_malformed_body_has_its_reason() {
        assert_eq!(reason(parse_body(b"")).as_deref(), Some("EMPTY_BODY"));
        assert_eq!(reason(parse_body(b"  \n")).as_deref(), Some("EMPTY_BODY"));
        assert_eq!(reason(parse_body(b"{\"query\": ")).as_deref(), Some("MALFORMED_JSON"));
        assert_eq!(reason(parse_body(b"[{\"query\": \"{ me { personId } }\"}]")).as_deref(), Some("BATCH_NOT_SUPPORTED"));
        assert_eq!(reason(parse_body(b"\"{ me }\"")).as_deref(), Some("NOT_AN_OBJECT"));
        assert_eq!(reason(parse_body(b"{\"query\": \"\xff\"}")).as_deref(), Some("INVALID_UTF8"));
        assert_eq!(reason(parse_body(b"{\"query\": 5}")).as_deref(), Some("MISSING_QUERY"));
        assert_eq!(reason(parse_body(b"{\"query\": \"{a}\", \"variables\": [1]}")).as_deref(), Some("INVALID_VARIABLES"));
        assert!(parse_body(b"{\"query\": \"{ me { personId } }\", \"variables\": null}").is_ok());
        // Persisted queries: a hash may stand for the query, and must look like one.
        let hash = "a".repeat(64);
        let persisted = format!("{{\"extensions\": {{\"persistedQuery\": {{\"version\": 1, \"sha256Hash\": \"{hash}\"}}}}}}");
        assert_eq!(parse_body(persisted.as_bytes()).ok().and_then(|i| i.persisted), Some(hash));
        let bad = b"{\"extensions\": {\"persistedQuery\": {\"version\": 2, \"sha256Hash\": \"ab\"}}}";
        assert_eq!(reason(parse_body(bad)).as_deref(), Some("INVALID_EXTENSIONS"));
    }

    #[test]
    fn a_mutation_is_recognised_whatever_the_operation_chosen() {
        let incoming = parse_query_string("query=mutation%20%7B%20x%20%7D").expect("parses");
        let mut single = async_graphql::Request::new(incoming.query.expect("a query"));
        assert_eq!(operation_type(&mut single), Some(OperationType::Mutation));
        let document = "query A { a } mutation B { b }";
        let mut chosen = async_graphql::Request::new(document).operation_name("B");
        assert_eq!(operation_type(&mut chosen), Some(OperationType::Mutation));
        let mut query = async_graphql::Request::new(document).operation_name("A");
        assert_eq!(operation_type(&mut query), Some(OperationType::Query));
    }

    proptest::proptest! {
        /// Whatever bytes arrive, parsing answers with a request or with a coded reason, and
        /// never panics.
        #[test]
        fn any_body_is_parsed_or_refused_with_a_reason(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            if let Err(Malformed(status, error)) = parse_body(&body) {
                proptest::prop_assert!(status.is_client_error());
                proptest::prop_assert!(error.reason.is_some());
            }
        }

        /// JSON of any shape, too: objects with any fields of any type.
        #[test]
        fn any_json_is_parsed_or_refused_with_a_reason(value in json_value()) {
            let body = value.to_string();
            if let Err(Malformed(status, error)) = parse_body(body.as_bytes()) {
                proptest::prop_assert!(status.is_client_error());
                proptest::prop_assert!(error.reason.is_some());
            }
        }

        /// And any query string of a GET.
        #[test]
        fn any_query_string_is_parsed_or_refused_with_a_reason(query in ".{0,200}") {
            if let Ok(Incoming { query: Some(query), .. }) = parse_query_string(&query) {
                let _ = operation_type(&mut async_graphql::Request::new(query));
            }
        }
    }

    /// JSON values, with the fields of a GraphQL request more likely than chance would make them.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,40}".prop_map(Value::String),
            Just(Value::String("{ workshops { totalCount } }".into())),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("query".to_owned()),
                        Just("variables".to_owned()),
                        Just("operationName".to_owned()),
                        Just("extensions".to_owned()),
                        "[a-z]{1,8}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }
}
