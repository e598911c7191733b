//! The committed SDL (`schema/schema.graphql`) is the contract frontends build against: it must
//! be exactly what the code serves. Regenerate it with
//! `OFFICINA_UPDATE_SCHEMA=1 cargo test -p officina-graphql --test schema`.

use std::path::PathBuf;

#[test]
fn the_committed_schema_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql");
    let generated = officina_graphql::sdl();
    if std::env::var_os("OFFICINA_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema/schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/schema.graphql differs from the schema the code serves; run \
         `OFFICINA_UPDATE_SCHEMA=1 cargo test -p officina-graphql --test schema` and commit the result"
    );
}

#[test]
fn the_schema_has_every_operation_of_the_contract() {
    let sdl = officina_graphql::sdl();
    let queries = ["me", "workshops", "workshop", "organizations", "guidelines", "session", "proposal", "decision", "events"];
    let mutations = [
        "registerOrganization",
        "identifyWorkshop",
        "advanceWorkshopStage",
        "admitMember",
        "changeMemberRole",
        "publishGuideline",
        "adoptGuideline",
        "giveGuidelineFeedback",
        "scheduleSession",
        "shareDocument",
        "openSession",
        "checkIn",
        "startAgendaItem",
        "closeSession",
        "submitContribution",
        "reviseContribution",
        "withdrawContribution",
        "tableProposal",
        "amendProposal",
        "openDeliberation",
        "statePosition",
        "closeDeliberation",
        "withdrawProposal",
    ];
    let subscriptions = ["workshopActivity", "sessionLive", "proposalTally", "events"];
    for name in queries.iter().chain(&mutations).chain(&subscriptions) {
        assert!(sdl.contains(&format!("\t{name}(")) || sdl.contains(&format!("\t{name}:")), "the schema lacks {name}");
    }
    for scalar in ["scalar Position", "scalar JSON", "scalar DateTime"] {
        assert!(sdl.contains(scalar), "the schema lacks {scalar}");
    }
}
