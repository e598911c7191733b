//! Officina's GraphQL API: the schema of `../shared/design/graphql-contract.md`, split by domain
//! and merged here; resolvers read the read models (batched with DataLoader) and write through
//! the command service; subscriptions follow the log.
//!
//! Only this crate knows async-graphql. The server crate gives it a [`Services`] and, per
//! request, a [`request::Viewer`] (who asks) and a [`request::RequestInfo`] (language, request id).

// Shared machinery: errors and reasons, requests, ids, pages, batching, document checks.
pub mod checks;
pub mod codes;
pub mod commands;
pub mod connection;
pub mod documents;
pub mod enums;
pub mod error;
pub mod fetch;
pub mod ids;
pub mod loaders;
pub mod past;
pub mod reasons;
pub mod replicas;
pub mod request;
pub mod scalars;
pub mod share;
pub mod writes;

// The features: each holds its object types, inputs, queries and mutations.
pub mod audit;
pub mod checkpoints;
pub mod contributions;
pub mod decisions;
pub mod guidelines;
pub mod labels;
pub mod live;
pub mod members;
pub mod minutes;
pub mod organizations;
pub mod people;
pub mod positions;
pub mod proposals;
pub mod provenance;
pub mod relay;
pub mod reports;
pub mod sessions;
pub mod workshops;

use std::sync::Arc;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Data, Executor, MergedObject, MergedSubscription, Request, Response, Schema};
use futures_util::StreamExt;

pub use error::{ApiError, Code};
pub use reasons::Reason;
pub use request::{RequestInfo, Services, Viewer};
pub use writes::{WriteLimiter, WriteRate};

/// Every query of the API, feature by feature.
#[derive(MergedObject, Default)]
pub struct Query(
    relay::RelayQuery,
    members::MemberQuery,
    workshops::WorkshopQuery,
    organizations::OrganizationQuery,
    people::PersonQuery,
    guidelines::GuidelineQuery,
    sessions::SessionQuery,
    proposals::ProposalQuery,
    decisions::DecisionQuery,
    contributions::ContributionQuery,
    audit::AuditQuery,
    checkpoints::CheckpointQuery,
    reports::ReportQuery,
    labels::LabelQuery,
);

/// Every mutation of the API, feature by feature.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organizations::OrganizationMutation,
    people::PersonMutation,
    workshops::WorkshopMutation,
    members::MemberMutation,
    guidelines::GuidelineMutation,
    sessions::SessionMutation,
    minutes::MinutesMutation,
    contributions::ContributionMutation,
    proposals::ProposalMutation,
);

/// Every subscription of the API.
#[derive(MergedSubscription, Default)]
pub struct Subscription(audit::AuditSubscription, live::LiveSubscription);

/// The schema type.
pub type OfficinaSchema = Schema<Query, Mutation, Subscription>;

/// Limits that keep one request, or one person, from costing the server too much.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Deepest selection nesting accepted, introspection (`__schema`, `__type`) aside, so that
    /// the standard introspection query of every GraphQL tool passes while the same depth in
    /// data fields is refused (checked by [`checks`], not by async-graphql, which would count
    /// the introspection's `ofType` nesting). `usize::MAX` turns the check off.
    pub max_depth: usize,
    /// Highest complexity accepted: every field counts 1, and a paged list counts its children
    /// `first` times (20 when `first` is not given). `usize::MAX` turns the analysis off.
    pub max_complexity: usize,
    /// Whether clients may introspect the schema (GraphiQL needs it).
    pub introspection: bool,
    /// How many mutations one person may send.
    pub writes: WriteRate,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 12, max_complexity: 200_000, introspection: true, writes: WriteRate::default() }
    }
}

/// Builds the schema over `services`.
pub fn schema(services: Services, limits: Limits) -> OfficinaSchema {
    schema_with(services, limits, Arc::new(WriteLimiter::new(limits.writes)))
}

/// Builds the schema over `services`, spending writes from `writes`.
fn schema_with(services: Services, limits: Limits, writes: Arc<WriteLimiter>) -> OfficinaSchema {
    let read = services.read.clone();
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .data(loaders::loaders(read))
        .data(services)
        .data(writes);
    // `usize::MAX` is no limit at all (the hardening benchmark's baseline), not a huge one.
    if limits.max_complexity != usize::MAX {
        builder = builder.limit_complexity(limits.max_complexity);
    }
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema's SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), Subscription::default()).finish().sdl()
}

/// The API as the transport serves it: the schema, with parsed documents cached and every error
/// given a code. It is what HTTP handlers execute and what WebSocket connections subscribe
/// through.
#[derive(Clone)]
pub struct Api {
    schema: OfficinaSchema,
    documents: Arc<documents::DocumentCache>,
    /// Automatic persisted queries, by hash.
    persisted: Arc<documents::PersistedQueries>,
    /// The schema's types, for the checks async-graphql does not make.
    types: Arc<checks::SchemaTypes>,
    /// The deepest nesting of data fields accepted.
    max_depth: usize,
    /// What the API reads, for the checks made before a subscription joins a shared one.
    services: Services,
    /// The subscriptions that run once for many subscribers (`share.rs`).
    shared: Arc<share::Registry>,
    /// The read replicas queries may be answered from (`replicas.rs`).
    replicas: replicas::Replicas,
    /// The persons' write allowances, which mutations spend.
    writes: Arc<WriteLimiter>,
}

impl Api {
    /// The API over `services`, within `limits`.
    pub fn new(services: Services, limits: Limits) -> Self {
        let writes = Arc::new(WriteLimiter::new(limits.writes));
        let schema = schema_with(services.clone(), limits, writes.clone());
        let types = Arc::new(checks::SchemaTypes::from_sdl(&schema.sdl()));
        Self {
            schema,
            documents: Arc::default(),
            persisted: Arc::default(),
            types,
            max_depth: limits.max_depth,
            services,
            shared: Arc::default(),
            replicas: replicas::Replicas::default(),
            writes,
        }
    }

    /// Spends one write of `person`'s allowance, as a mutation does; when none is left, how
    /// long until one is. The writer of several nodes spends one for each command another node
    /// hands it, so that a person's allowance holds over every node at once.
    pub fn spend_write(&self, person: officina_domain::PersonId) -> Result<(), std::time::Duration> {
        self.writes.spend(person, std::time::Instant::now())
    }

    /// This API with queries answered from the read replicas `reads` when they have replayed
    /// what the client last saw, waiting for that at most `wait` (see `replicas.rs`).
    pub fn with_replicas(mut self, reads: Vec<officina_projections::ReadModels>, wait: std::time::Duration) -> Self {
        self.replicas = replicas::Replicas::new(&self.services, reads, wait);
        self
    }

    /// The read replicas.
    pub fn replicas(&self) -> &replicas::Replicas {
        &self.replicas
    }

    /// Runs a subscription for a subscriber whose connection carries `session` data: once for
    /// all the subscribers that ask the same thing with the same right to it, when it can be
    /// shared (see `share.rs`), on its own otherwise.
    pub fn subscribe(&self, mut request: Request, session: Arc<Data>) -> BoxStream<'static, share::Delivery> {
        if let Err(refused) = self.prepare(&mut request) {
            return futures_util::stream::once(async move { share::Delivery::Own(refused) }).boxed();
        }
        share::subscribe(self, request, session)
    }

    /// How many shared subscriptions run now.
    pub fn shared_subscriptions(&self) -> usize {
        self.shared.len()
    }

    /// The document of a persisted query, by the hex SHA-256 of its text.
    pub fn persisted_query(&self, hash: &str) -> Option<String> {
        self.persisted.get(hash)
    }

    /// Remembers a persisted query's document (its hash checked by the caller).
    pub fn persist_query(&self, hash: String, query: &str) {
        self.persisted.insert(hash, query);
    }

    /// Parses the request's document (from the cache when it can) and refuses what the
    /// specification refuses and async-graphql lets through.
    fn prepare(&self, request: &mut Request) -> Result<(), Box<Response>> {
        self.documents.prepare(request);
        let errors = match request.parsed_query() {
            Ok(document) => {
                let mut errors =
                    if self.max_depth == usize::MAX { Vec::new() } else { checks::depth_errors(document, self.max_depth) };
                errors.extend(self.types.check(document));
                errors
            }
            // A document that does not parse is reported by execution, with its location.
            Err(_) => Vec::new(),
        };
        if errors.is_empty() { Ok(()) } else { Err(Box::new(Response::from_errors(errors))) }
    }
}

impl Api {
    /// What a request is, for metrics and logs: its operation type and first root field
    /// (`mutation:statePosition`), named only from the schema's own fields, so that no client
    /// can make up labels.
    pub fn operation_label(&self, request: &mut Request) -> String {
        use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
        // From the parsed-document cache when it can: a node forwarding mutations asks this of
        // every request before anything else.
        self.documents.prepare(request);
        let operation_name = request.operation_name.clone();
        let Ok(document) = request.parsed_query() else { return "invalid".to_owned() };
        let operation = match (&document.operations, &operation_name) {
            (DocumentOperations::Single(operation), _) => Some(&operation.node),
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name.as_str()).map(|o| &o.node),
            (DocumentOperations::Multiple(_), None) => None,
        };
        let Some(operation) = operation else { return "invalid".to_owned() };
        let (kind, root) = match operation.ty {
            OperationType::Query => ("query", "Query"),
            OperationType::Mutation => ("mutation", "Mutation"),
            OperationType::Subscription => ("subscription", "Subscription"),
        };
        let field = operation.selection_set.node.items.iter().find_map(|selection| match &selection.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        });
        match field {
            Some(field) if field.starts_with("__") => format!("{kind}:introspection"),
            Some(field) if self.types.has_field(root, field) => format!("{kind}:{field}"),
            _ => format!("{kind}:unknown"),
        }
    }
}

impl Api {
    /// Sends a query to a read replica that has replayed what the client last saw (the
    /// request's [`replicas::ReadAfter`]), when there are replicas; returns where it goes.
    async fn route(&self, request: Request, operation: &str) -> (Request, Option<String>) {
        if self.replicas.is_empty() || !operation.starts_with("query:") || operation == "query:introspection" {
            return (request, None);
        }
        let at_least = request
            .data
            .get(&std::any::TypeId::of::<replicas::ReadAfter>())
            .and_then(|value| value.downcast_ref::<replicas::ReadAfter>())
            .map(|read_after| read_after.0);
        match self.replicas.choose(at_least).await {
            replicas::Source::Replica(replica) => {
                metrics::counter!("officina_reads_total", "source" => "replica", "reason" => "").increment(1);
                let source = format!("replica-{}", replica.name);
                (request.data(replica.services.clone()).data(replicas::ReplicaRead(replica)), Some(source))
            }
            replicas::Source::Primary(reason) => {
                metrics::counter!("officina_reads_total", "source" => "primary", "reason" => reason).increment(1);
                (request, Some("primary".to_owned()))
            }
        }
    }
}

/// The code of a response for metrics: `OK`, or its first error's code.
fn response_code(response: &Response) -> String {
    match response.errors.first() {
        None => "OK".to_owned(),
        Some(error) => error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .map_or_else(|| "INTERNAL".to_owned(), |code| code.to_string().trim_matches('"').to_owned()),
    }
}

impl Executor for Api {
    async fn execute(&self, mut request: Request) -> Response {
        let started = std::time::Instant::now();
        let refused = self.prepare(&mut request);
        let operation = self.operation_label(&mut request);
        // The transport's request span names the operation in every log line it holds.
        tracing::Span::current().record("operation", operation.as_str());
        let response = match refused {
            Err(refused) => *refused,
            Ok(()) => {
                let (request, source) = self.route(request, &operation).await;
                let request = request.data(past::PastViews::default());
                let mut response = codes::with_codes(self.schema.execute(request).await);
                if let Some(source) = source
                    && let Ok(value) = source.parse()
                {
                    response.http_headers.insert("x-officina-read-from", value);
                }
                response
            }
        };
        let code = response_code(&response);
        metrics::histogram!("officina_request_seconds", "operation" => operation.clone()).record(started.elapsed().as_secs_f64());
        metrics::counter!("officina_requests_total", "operation" => operation, "code" => code).increment(1);
        response
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        if let Err(refused) = self.prepare(&mut request) {
            return futures_util::stream::once(async move { *refused }).boxed();
        }
        self.schema.execute_stream_with_session_data(request, session_data.unwrap_or_default()).map(codes::with_codes).boxed()
    }
}
