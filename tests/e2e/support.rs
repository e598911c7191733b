//! `spawn_app()`: a fresh database (see `officina-testing`) and the real server on a free port,
//! for one test, with a typed GraphQL client. Every suite runs on SQLite and, where a server is
//! available (always in CI), on PostgreSQL, each test on a database of its own.

use std::net::SocketAddr;
use std::time::Duration;

use officina_domain::PersonId;
use officina_graphql::{Limits, WriteRate};
use officina_server::{Authenticator, Config, Officina, ServerLimits, bind, run};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

/// The secret test tokens are signed with.
pub const TEST_SECRET: &[u8] = b"officina-end-to-end-test-secret";

use officina_testing::FreshDatabase;
pub use officina_testing::Kind as Db;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub officina: Officina,
    pub client: reqwest::Client,
    pub auth: Authenticator,
    /// The server's API, for tests that look at what it runs (shared subscriptions).
    pub api: officina_graphql::Api,
    pub database_url: String,
    database: Option<FreshDatabase>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Drop cannot await: the database is removed from a thread of its own.
        if let Some(database) = self.database.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    runtime.block_on(database.cleanup());
                }
            })
            .join();
        }
    }
}

/// The API limits of the test servers: the defaults, but for the write rate, which fixtures
/// that set up fifty workshops in a loop would exceed (the rate limit has tests of its own).
pub fn test_limits() -> Limits {
    Limits { writes: WriteRate { per_second: 100_000.0, burst: 100_000 }, ..Limits::default() }
}

/// Starts the real server on port 0 over a fresh database (a PostgreSQL one needs a server: see
/// `officina-testing`).
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, test_limits(), ServerLimits::default()).await
}

/// [`spawn_app`] with the given API and transport limits.
pub async fn spawn_app_with(db: Db, limits: Limits, server_limits: ServerLimits) -> TestApp {
    spawn_app_configured(db, |config, _| Config { api: limits, server: server_limits, ..config }).await
}

/// [`spawn_app`] with the configuration `configure` makes of the defaults (given the fresh
/// database's name, e.g. to name its replica).
pub async fn spawn_app_configured(db: Db, configure: impl FnOnce(Config, &str) -> Config) -> TestApp {
    spawn_app_on(FreshDatabase::of(db).await, configure).await
}

/// Starts the real server in-process on port 0 over `database`, which it drops with itself.
pub async fn spawn_app_on(database: FreshDatabase, configure: impl FnOnce(Config, &str) -> Config) -> TestApp {
    let database_url = database.url.clone();
    let name = database_url.rsplit('/').next().and_then(|last| last.split('?').next()).unwrap_or_default().to_owned();
    let defaults = Config { api: test_limits(), ..Config::new(database_url.clone()) };
    let config = configure(defaults, &name);
    let officina = Officina::open(&config).await.expect("open the database");
    // No clock leeway, so that expiry tests need not wait the production default of 30 s.
    let auth = Authenticator::shared_secret(TEST_SECRET, "officina", "officina").with_leeway(0);
    let state = officina.state(auth.clone());
    let api = state.api.clone();
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind port 0");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = run(listener, state, async move {
            let _ = stopped.await;
        })
        .await;
    });
    TestApp {
        address,
        officina,
        client: reqwest::Client::new(),
        auth,
        api,
        database_url,
        database: Some(database),
        stop: Some(stop),
    }
}

/// A person with a token.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
    pub token: String,
}

impl TestApp {
    /// Stops the in-process server (its store and read models stay usable).
    pub fn stop_serving(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A new person (a platform administrator when `admin`) with a valid token.
    pub fn person(&self, admin: bool) -> Person {
        let id = PersonId::from(Uuid::now_v7());
        let token = self.auth.issue(id, admin, None, Duration::from_secs(3600)).expect("issue a token");
        Person { id, token }
    }

    /// Posts a GraphQL operation and returns the whole JSON answer (`data` and `errors`).
    pub async fn gql(&self, who: Option<&Person>, query: &str, variables: Value) -> Value {
        self.gql_with(who, query, variables, &[]).await
    }

    pub async fn gql_with(&self, who: Option<&Person>, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
        let mut request = self.client.post(self.url("/graphql")).json(&json!({"query": query, "variables": variables}));
        if let Some(person) = who {
            request = request.bearer_auth(&person.token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("POST /graphql");
        assert_eq!(response.status(), 200, "GraphQL answers 200, errors travel in the body");
        response.json().await.expect("a JSON body")
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn ok(&self, who: Option<&Person>, query: &str, variables: Value) -> Value {
        let answer = self.gql(who, query, variables).await;
        assert!(answer.get("errors").is_none(), "unexpected errors: {answer:#}");
        answer["data"].clone()
    }

    /// Runs an operation that must fail with `code`; checks that the log did not move.
    pub async fn refused(&self, who: Option<&Person>, query: &str, variables: Value, code: &str) -> Value {
        let before = self.officina.store.head().await.expect("head");
        let answer = self.gql(who, query, variables).await;
        let errors = answer["errors"].as_array().unwrap_or_else(|| panic!("expected an error {code}, got {answer:#}"));
        assert_eq!(errors[0]["extensions"]["code"], code, "{answer:#}");
        assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
        let after = self.officina.store.head().await.expect("head");
        assert_eq!(before, after, "a refused request appends nothing");
        errors[0].clone()
    }

    /// The log's head position.
    pub async fn head(&self) -> u64 {
        self.officina.store.head().await.expect("head").position
    }
}

/// Generates one test per backend for each scenario `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::spawn_app($crate::support::Db::Sqlite).await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
                async fn $name() {
                    super::$name($crate::support::spawn_app($crate::support::Db::Postgres).await).await;
                }
            )*
        }
    };
}
