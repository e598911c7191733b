//! The capitalization report over GraphQL and on the command line: the same report, the same
//! digest; members and auditors only; `asOf` a past position.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixture;
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    the_report_of_a_workshop_is_the_same_on_graphql_and_on_the_command_line,
}

const REPORT: &str = "query($id: ID!, $at: Position, $lang: ReportLanguage) {
  capitalizationReport(workshopId: $id, asOf: $at, lang: $lang) {
    workshopId position hash digest json markdown
    indicators { participationRate consensusShare categoriesRepresented categoryBalance averageNoticeWorkingDays } } }";

async fn the_report_of_a_workshop_is_the_same_on_graphql_and_on_the_command_line(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let before_decision = app.head().await;
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    fixture::state(&app, &w.partners[1], &proposal, "OPPOSE", Some("Non ci sono le risorse.")).await;
    fixture::state(&app, &w.lead, &proposal, "SUPPORT", None).await;
    app.ok(Some(&w.lead), fixture::CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    let head = app.head().await;

    let answer = app.ok(Some(&w.auditor), REPORT, json!({"id": w.id, "lang": "EN"})).await;
    let report = &answer["capitalizationReport"];
    assert_eq!(report["position"], head.to_string());
    let structured = &report["json"];
    assert_eq!(structured["workshop"]["name"], "OPS Regione Lazio");
    assert_eq!(structured["decisions"].as_array().map(Vec::len), Some(1));
    let decision = &structured["decisions"][0];
    assert_eq!(
        (decision["eligible"].as_u64(), decision["expressed"].as_u64(), decision["oppose"].as_u64()),
        (Some(4), Some(3), Some(1))
    );
    assert_eq!(report["indicators"]["participationRate"].as_f64(), Some(0.75));
    assert_eq!(report["indicators"]["consensusShare"].as_f64(), Some(0.0));
    let markdown = report["markdown"].as_str().expect("markdown");
    assert!(markdown.starts_with("# Capitalization report: OPS Regione Lazio"), "{markdown}");
    assert!(markdown.contains(report["digest"].as_str().expect("digest")));
    let italian = app.ok(Some(&w.lead), REPORT, json!({"id": w.id, "lang": "IT"})).await;
    assert!(
        italian["capitalizationReport"]["markdown"].as_str().is_some_and(|m| m.starts_with("# Rapporto di capitalizzazione"))
    );
    assert_eq!(italian["capitalizationReport"]["digest"], report["digest"], "the language is the Markdown's only");

    // The command line builds the same report from the log: the same bytes, the same digest.
    let file = std::env::temp_dir().join(format!("officina-report-{}.json", uuid::Uuid::now_v7()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(["report", "--workshop", w.id.as_str(), "--as-of", &head.to_string(), "--format", "json", "--out"])
        .arg(&file)
        .env("OFFICINA_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run officina report");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let bytes = std::fs::read(&file).expect("the report");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert_eq!(hex::encode(Sha256::digest(text.trim_end().as_bytes())), report["digest"].as_str().expect("digest"));
    assert_eq!(serde_json::from_str::<Value>(&text).expect("json"), *structured);
    let _ = std::fs::remove_file(&file);

    // As of before the proposal: no decision yet.
    let earlier = app.ok(Some(&w.lead), REPORT, json!({"id": w.id, "at": before_decision})).await;
    assert_eq!(earlier["capitalizationReport"]["json"]["decisions"], json!([]));
    assert_eq!(earlier["capitalizationReport"]["position"], before_decision.to_string());

    // Members, auditors and administrators only.
    app.refused(None, REPORT, json!({"id": w.id}), "UNAUTHENTICATED").await;
    app.refused(Some(&w.outsider), REPORT, json!({"id": w.id}), "FORBIDDEN").await;
    let ahead = app.refused(Some(&w.lead), REPORT, json!({"id": w.id, "at": head + 100}), "VALIDATION").await;
    assert_eq!(ahead["extensions"]["reason"], "AS_OF_AHEAD");
}
