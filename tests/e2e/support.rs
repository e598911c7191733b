//! `spawn_app()`: a fresh database and the real server on a free port, for one test.

use std::net::SocketAddr;
use std::path::PathBuf;

use officina_server::{AppState, bind, run};
use officina_store::EventStore;
use tokio::sync::oneshot;
use uuid::Uuid;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub store: EventStore,
    pub client: reqwest::Client,
    folder: PathBuf,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// A fresh SQLite file in its own folder.
pub fn fresh_sqlite() -> (PathBuf, String) {
    let folder = std::env::temp_dir().join(format!("officina-e2e-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("create a temporary folder");
    let url = format!("sqlite://{}?mode=rwc", folder.join("officina.db").display());
    (folder, url)
}

pub async fn spawn_app() -> TestApp {
    let (folder, database_url) = fresh_sqlite();
    let store = EventStore::connect(&database_url).await.expect("open the store");
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind port 0");
    let (stop, stopped) = oneshot::channel::<()>();
    let state = AppState { store: store.clone() };
    tokio::spawn(async move {
        let _ = run(listener, state, async move {
            let _ = stopped.await;
        })
        .await;
    });
    TestApp { address, store, client: reqwest::Client::new(), folder, stop: Some(stop) }
}
