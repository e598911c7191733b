//! Input limits: every text has a maximum length and no control characters, required texts must
//! show something, lists have a maximum, dates a range. A refused command decides no event.

use crate::support::*;
use chrono::Duration;
use officina_domain::text::limits;
use officina_domain::workshop::Command;
use officina_domain::*;

fn convene(starts_at: chrono::DateTime<chrono::Utc>) -> Command {
    Command::ConveneSession { session_id: SESSION, title: "Incontro".to_owned(), starts_at, location: "Online".to_owned() }
}

#[test]
fn a_session_more_than_five_years_ahead_or_outside_2000_2100_is_refused() {
    let w = World::running();
    let refused = DomainError::DateOutOfRange { field: "startsAt", first_year: 2000, last_year: 2100, years_ahead: 5 };
    given(&w).when(LEAD, convene(at("+99999-01-01T00:00:00Z"))).then_error(refused.clone());
    given(&w).when(LEAD, convene(w.now + Duration::days(5 * 366))).then_error(refused);
    assert_eq!(w.decide(LEAD, convene(w.now + Duration::days(4 * 365))).map(|events| events.len()), Ok(1));
}

#[test]
fn a_nul_byte_or_a_line_break_in_a_title_is_refused() {
    for title in ["Ordine\u{0}del giorno", "Ordine\ndel giorno", "Ordine\u{1b}[31m"] {
        given(&World::running())
            .when(PARTNER_B, submit(CONTRIBUTION, title))
            .then_error(DomainError::InvalidCharacters { field: "title" });
    }
}

#[test]
fn a_body_may_span_lines_but_not_exceed_its_limit() {
    let body = |text: String| Command::SubmitContribution {
        contribution_id: CONTRIBUTION,
        kind: ContributionKind::Analysis,
        title: "Analisi".to_owned(),
        body: text,
        session_id: None,
        agenda_item_id: None,
        reply_to: None,
    };
    let w = World::running();
    assert_eq!(w.accepted(PARTNER_B, body("Primo punto.\n\tSecondo punto.".to_owned())), ["ContributionSubmitted"]);
    assert_eq!(w.accepted(PARTNER_B, body("é".repeat(limits::TEXT))), ["ContributionSubmitted"]);
    given(&w)
        .when(PARTNER_B, body("é".repeat(limits::TEXT + 1)))
        .then_error(DomainError::TextTooLong { field: "body", max: limits::TEXT });
}

#[test]
fn a_title_of_invisible_characters_only_is_missing() {
    given(&World::running())
        .when(PARTNER_B, submit(CONTRIBUTION, "\u{200B}\u{FEFF} \u{2060}"))
        .then_error(DomainError::FieldRequired { field: "title" });
}

#[test]
fn a_session_holds_at_most_fifty_agenda_items() {
    let mut w = World::with_session();
    let already = w.workshop().sessions[&SESSION].agenda.len();
    for n in already..limits::AGENDA_ITEMS {
        w.run(
            FACILITATOR,
            Command::AddAgendaItem {
                session_id: SESSION,
                agenda_item_id: AgendaItemId::from_u128(0x10_000 + n as u128),
                title: format!("Punto {n}"),
            },
        );
    }
    given(&w)
        .when(
            FACILITATOR,
            Command::AddAgendaItem {
                session_id: SESSION,
                agenda_item_id: AgendaItemId::from_u128(0x20_000),
                title: "Uno di troppo".into(),
            },
        )
        .then_error(DomainError::TooManyItems { field: "agenda", max: limits::AGENDA_ITEMS });
}

#[test]
fn a_proposal_cites_at_most_a_hundred_contributions() {
    let w = World::running();
    let command = Command::DraftProposal {
        proposal_id: PROPOSAL,
        kind: ProposalKind::Decision,
        title: "Decisione".to_owned(),
        text: "Testo".to_owned(),
        cites: (0..=limits::CITES as u128).map(ContributionId::from_u128).collect(),
        rule: DecisionRule::majority(),
        binding: false,
    };
    given(&w).when(LEAD, command).then_error(DomainError::TooManyItems { field: "cites", max: limits::CITES });
}

#[test]
fn every_new_refusal_is_a_validation_error_naming_its_field() {
    let errors = [
        DomainError::TextTooLong { field: "body", max: 1 },
        DomainError::InvalidCharacters { field: "title" },
        DomainError::TooManyItems { field: "agenda", max: 1 },
        DomainError::DateOutOfRange { field: "startsAt", first_year: 2000, last_year: 2100, years_ahead: 5 },
    ];
    for error in errors {
        assert!(matches!(error.category(), ErrorCategory::Validation { .. }), "{error:?}");
        assert_ne!(error.message(Lang::En), error.message(Lang::It));
    }
}
