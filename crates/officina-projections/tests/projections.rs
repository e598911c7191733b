//! The read models against both backends: every test gets a fresh database, feeds it events
//! through the store with the projector installed, and checks what the queries answer.

mod support;

use officina_domain::demo;
use support::{TestDb, raw_int, run_demo};

#[tokio::test]
async fn the_demo_history_projects_on_both_backends() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let domain = run_demo(&store).await;
        assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_workshops").await, demo::DEMO_WORKSHOPS as i64);
        let members: usize = domain.workshops.values().filter_map(|s| s.workshop.as_ref()).map(|w| w.members.len()).sum();
        assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_members").await, members as i64);
        let head = store.head().await.expect("head").position as i64;
        assert_eq!(raw_int(&store, "SELECT MAX(last_position) FROM rm_streams").await, head);
        db.cleanup().await;
    }
}
