//! The storage contract of events, and the error table.

use officina_demo as demo;
use officina_domain::workshop::Event;
use officina_domain::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn keys_are_camel_case(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                assert!(
                    !key.contains('_') && key.chars().next().is_some_and(|c| c.is_ascii_lowercase()),
                    "{path}.{key} is not camelCase"
                );
                keys_are_camel_case(inner, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_are_camel_case(v, path)),
        _ => {}
    }
}

#[test]
fn every_demo_event_round_trips_through_its_payload() {
    let run = demo::run_in_memory(&demo::script()).expect("runs");
    let mut types = BTreeSet::new();
    for (_, event) in &run.events {
        let payload = event.to_payload();
        assert!(payload.is_object(), "{}", event.event_type());
        keys_are_camel_case(&payload, event.event_type());
        assert_eq!(event.schema_version(), 1);
        let back = AnyEvent::from_payload(event.event_type(), &payload).expect("reads back");
        assert_eq!(&back, event);
        types.insert(event.event_type());
    }
    // The demo exercises every event type of every aggregate.
    let all: BTreeSet<&str> = workshop::Event::EVENT_TYPES
        .iter()
        .chain(organization::Event::EVENT_TYPES)
        .chain(guideline::Event::EVENT_TYPES)
        .chain(person::Event::EVENT_TYPES)
        .copied()
        .collect();
    assert_eq!(types, all);
}

#[test]
fn event_type_names_are_unique_across_aggregates() {
    let all: Vec<&str> = workshop::Event::EVENT_TYPES
        .iter()
        .chain(organization::Event::EVENT_TYPES)
        .chain(guideline::Event::EVENT_TYPES)
        .chain(person::Event::EVENT_TYPES)
        .copied()
        .collect();
    let unique: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len());
}

#[test]
fn a_position_payload_is_the_documented_json() {
    let event = Event::PositionStated {
        proposal_id: ProposalId::from_u128(1),
        organization_id: OrganizationId::from_u128(2),
        member_id: MemberId::from_u128(3),
        stance: Stance::SupportWithReservations,
        rationale: Some("Con verifica intermedia".to_owned()),
        text_version: 2,
        at: "2026-03-02T09:00:00Z".parse().expect("instant"),
    };
    assert_eq!(event.event_type(), "PositionStated");
    assert_eq!(
        event.to_payload(),
        serde_json::json!({
            "proposalId": "00000000-0000-0000-0000-000000000001",
            "organizationId": "00000000-0000-0000-0000-000000000002",
            "memberId": "00000000-0000-0000-0000-000000000003",
            "stance": "SUPPORT_WITH_RESERVATIONS",
            "rationale": "Con verifica intermedia",
            "textVersion": 2,
            "at": "2026-03-02T09:00:00Z"
        })
    );
}

#[test]
fn unknown_or_malformed_payloads_are_reported() {
    assert!(matches!(
        AnyEvent::from_payload("SomethingHappened", &serde_json::json!({})),
        Err(PayloadError::UnknownEventType(_))
    ));
    assert!(matches!(
        workshop::Event::from_payload("PositionStated", &serde_json::json!({"proposalId": 3})),
        Err(PayloadError::Invalid { .. })
    ));
    assert!(matches!(
        organization::Event::from_payload("PositionStated", &serde_json::json!({})),
        Err(PayloadError::UnknownEventType(_))
    ));
}

fn every_error() -> Vec<DomainError> {
    DomainError::examples()
}

#[test]
fn the_examples_cover_every_kind_of_error() {
    let kinds: BTreeSet<usize> = every_error().iter().map(DomainError::kind_index).collect();
    assert_eq!(kinds, (0..DomainError::KINDS).collect::<BTreeSet<_>>());
}

#[test]
fn the_cannot_vote_refusals_share_one_category_with_distinct_reasons() {
    let cannot_vote: Vec<DomainError> = every_error().into_iter().filter(DomainError::is_cannot_vote).collect();
    let reasons: BTreeSet<&str> = cannot_vote.iter().map(DomainError::code).collect();
    assert_eq!(reasons, ["DELIBERATION_NOT_OPEN", "LEAD_DOES_NOT_VOTE", "NOT_ELIGIBLE_TO_VOTE", "RECUSED"].into());
    assert!(cannot_vote.iter().all(|e| e.category() == ErrorCategory::RuleViolation));
}

#[test]
fn every_error_has_a_unique_stable_code_and_messages_in_both_languages() {
    let errors = every_error();
    let codes: BTreeSet<&str> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), errors.len(), "codes are unique");
    for error in &errors {
        let code = error.code();
        assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
        let en = error.message(Lang::En);
        let it = error.message(Lang::It);
        assert!(en.ends_with('.') && it.ends_with('.'), "{code}: {en} / {it}");
        assert_ne!(en, it, "{code}");
    }
}

#[test]
fn errors_fall_into_the_categories_the_outer_layers_map() {
    use DomainError::*;
    assert_eq!(NotAMember.category(), ErrorCategory::Forbidden);
    assert_eq!(NotFound(Entity::Proposal).category(), ErrorCategory::NotFound);
    assert_eq!(AlreadyExists(Entity::Workshop).category(), ErrorCategory::Conflict);
    assert_eq!(DeliberationNotOpen { status: ProposalStatus::Draft }.category(), ErrorCategory::RuleViolation);
    assert_eq!(InvalidRatio { field: "threshold" }.category(), ErrorCategory::Validation { field: "threshold" });
    assert_eq!(DeliberationNotOpen { status: ProposalStatus::Draft }.code(), "DELIBERATION_NOT_OPEN");
    assert_eq!(
        Recused.message(Lang::It),
        "La tua organizzazione ha dichiarato un conflitto di interessi su questa proposta e non può esprimere una posizione."
    );
}

/// Every event of the demo, mutated: any field replaced with a value of any JSON shape.
fn mutated_demo_payloads() -> impl proptest::strategy::Strategy<Value = (String, Value)> {
    use proptest::prelude::*;
    let run = demo::run_in_memory(&demo::script()).expect("runs");
    let events: Vec<(String, Value)> =
        run.events.iter().map(|(_, event)| (event.event_type().to_owned(), event.to_payload())).collect();
    let replacement = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        Just(Value::String("+99999-01-01T00:00:00Z".into())),
        Just(Value::String("-262143-01-01T00:00:00Z".into())),
        Just(serde_json::json!({"num": 0, "den": 0})),
        Just(serde_json::json!([])),
    ];
    (proptest::sample::select(events), any::<proptest::sample::Index>(), replacement).prop_map(
        |((kind, payload), index, value)| {
            let mut payload = payload;
            if let Value::Object(fields) = &mut payload
                && !fields.is_empty()
            {
                let key = fields.keys().nth(index.index(fields.len())).cloned().unwrap_or_default();
                fields.insert(key, value);
            }
            (kind, payload)
        },
    )
}

proptest::proptest! {
    /// Decoding a stored payload never panics, whatever the log holds: it reads back, or it is
    /// reported as malformed.
    #[test]
    fn any_payload_decodes_or_is_reported_without_panicking((kind, payload) in mutated_demo_payloads()) {
        let decoded = AnyEvent::from_payload(&kind, &payload);
        if let Ok(event) = decoded {
            // What decodes, encodes again to a payload that decodes to the same event.
            proptest::prop_assert_eq!(AnyEvent::from_payload(event.event_type(), &event.to_payload()).ok(), Some(event));
        }
    }

    /// Arbitrary JSON under any known or unknown type name is refused, never a panic.
    #[test]
    fn arbitrary_json_never_panics(kind in proptest::sample::select(workshop::Event::EVENT_TYPES), text in ".{0,64}") {
        let _ = AnyEvent::from_payload(kind, &Value::String(text.clone()));
        let _ = AnyEvent::from_payload(&text, &serde_json::json!({}));
    }
}

/// The typed answers to "what is this event about" agree with the ids its payload carries, for
/// every event of the demo: live views and mutations rely on them instead of payload keys.
#[test]
fn what_an_event_concerns_and_creates_agrees_with_its_payload() {
    let run = demo::run_in_memory(&demo::script()).expect("runs");
    let id_at = |payload: &Value, key: &str| payload.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut created = 0;
    for (_, event) in &run.events {
        let AnyEvent::Workshop(event) = event else { continue };
        let payload = event.to_payload();
        let about = event.concerns();
        assert_eq!(about.session.map(|id| id.to_string()), id_at(&payload, "sessionId"), "{}", event.event_type());
        assert_eq!(about.proposal.map(|id| id.to_string()), id_at(&payload, "proposalId"), "{}", event.event_type());
        assert_eq!(about.contribution.map(|id| id.to_string()), id_at(&payload, "contributionId"), "{}", event.event_type());
        assert_eq!(about.changes_eligibility, event.event_type().starts_with("Member"), "{}", event.event_type());
        if let Some(entity) = event.created() {
            created += 1;
            let (key, id) = match entity {
                workshop::Created::Workshop(id) => ("workshopId", id.to_string()),
                workshop::Created::Member(id) => ("memberId", id.to_string()),
                workshop::Created::Session(id) => ("sessionId", id.to_string()),
                workshop::Created::AgendaItem(id) => ("agendaItemId", id.to_string()),
                workshop::Created::Document(id) => ("documentId", id.to_string()),
                workshop::Created::Minutes(id) => ("minutesId", id.to_string()),
                workshop::Created::Contribution(id) => ("contributionId", id.to_string()),
                workshop::Created::Proposal(id) => ("proposalId", id.to_string()),
                workshop::Created::Decision(id) => ("decisionId", id.to_string()),
                workshop::Created::Feedback(id) => ("feedbackId", id.to_string()),
            };
            assert_eq!(id_at(&payload, key), Some(id), "{}", event.event_type());
        }
    }
    assert!(created > 100, "{created} creations in the demo");
}

#[test]
fn italian_messages_never_show_internal_names() {
    let wire: Vec<String> = Role::ALL
        .iter()
        .map(|v| v.as_str().to_owned())
        .chain(Stage::ALL.iter().map(|v| v.as_str().to_owned()))
        .chain(ProposalStatus::ALL.iter().map(|v| v.as_str().to_owned()))
        .chain(SessionStatus::ALL.iter().map(|v| v.as_str().to_owned()))
        .chain(EccpCategory::ALL.iter().map(|v| v.as_str().to_owned()))
        .chain(Stance::ALL.iter().map(|v| v.as_str().to_owned()))
        .chain(CommandKind::ALL.iter().map(|k| format!("{k:?}")))
        .collect();
    for error in DomainError::examples() {
        let message = error.message(Lang::It);
        for word in message.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            assert!(!wire.iter().any(|name| name == word), "{}: «{word}» in {message}", error.code());
        }
    }
}
