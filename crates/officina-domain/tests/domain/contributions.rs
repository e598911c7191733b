//! Contributions: submission, replies, revisions, withdrawal and dispositions.

use crate::support::*;
use officina_domain::workshop::{Command, Event};
use officina_domain::*;

const OTHER: ContributionId = ContributionId::from_u128(0x701);

#[test]
fn a_member_contributes_on_behalf_of_their_organization() {
    given(&World::running()).when(PARTNER_B, submit(CONTRIBUTION, "Dati ARTA")).then(vec![Event::ContributionSubmitted {
        contribution_id: CONTRIBUTION,
        kind: ContributionKind::Evidence,
        title: "Dati ARTA".to_owned(),
        body: "Dati ARTA: testo del contributo.".to_owned(),
        member_id: M_B,
        organization_id: ORG_B,
        session_id: None,
        agenda_item_id: None,
        reply_to: None,
        at: t0(),
    }]);
}

#[test]
fn a_contribution_on_an_agenda_item_belongs_to_its_session() {
    let w = World::with_session();
    let on_item = |session_id, agenda_item_id| Command::SubmitContribution {
        contribution_id: CONTRIBUTION,
        kind: ContributionKind::Question,
        title: "Domanda".to_owned(),
        body: "Quali criteri?".to_owned(),
        session_id,
        agenda_item_id,
        reply_to: None,
    };
    let events = given(&w).when(PARTNER_C, on_item(None, Some(ITEM_2))).events();
    assert!(matches!(events[0], Event::ContributionSubmitted { session_id: Some(SESSION), agenda_item_id: Some(ITEM_2), .. }));
    given(&w).when(PARTNER_C, on_item(Some(SessionId::from_u128(1)), None)).then_error(DomainError::NotFound(Entity::Session));
    given(&w)
        .when(PARTNER_C, on_item(None, Some(AgendaItemId::from_u128(1))))
        .then_error(DomainError::NotFound(Entity::AgendaItem));
    let mut other = w.clone();
    let second = SessionId::from_u128(0x502);
    other.run(
        LEAD,
        Command::ConveneSession {
            session_id: second,
            title: "Secondo".to_owned(),
            starts_at: day(50),
            location: "Online".to_owned(),
        },
    );
    given(&other).when(PARTNER_C, on_item(Some(second), Some(ITEM_2))).then_error(DomainError::AgendaItemNotInSession);
}

#[test]
fn a_contribution_needs_a_title_a_body_and_a_fresh_id() {
    let mut empty = submit(CONTRIBUTION, "x");
    if let Command::SubmitContribution { body, .. } = &mut empty {
        body.clear();
    }
    given(&World::running()).when(PARTNER_B, empty).then_error(DomainError::FieldRequired { field: "body" });
    given(&World::running()).when(PARTNER_B, submit(CONTRIBUTION, " ")).then_error(DomainError::FieldRequired { field: "title" });
    let mut w = World::running();
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    given(&w).when(PARTNER_C, submit(CONTRIBUTION, "y")).then_error(DomainError::AlreadyExists(Entity::Contribution));
}

#[test]
fn a_reply_names_an_existing_live_contribution() {
    let reply = |to| Command::SubmitContribution {
        contribution_id: OTHER,
        kind: ContributionKind::Comment,
        title: "Risposta".to_owned(),
        body: "D'accordo in parte.".to_owned(),
        session_id: None,
        agenda_item_id: None,
        reply_to: Some(to),
    };
    let mut w = World::running();
    given(&w).when(PARTNER_C, reply(CONTRIBUTION)).then_error(DomainError::NotFound(Entity::Contribution));
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    assert_eq!(w.accepted(PARTNER_C, reply(CONTRIBUTION)), ["ContributionSubmitted"]);
    w.run(PARTNER_B, Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: String::new() });
    given(&w).when(PARTNER_C, reply(CONTRIBUTION)).then_error(DomainError::ContributionWithdrawn);
}

#[test]
fn observers_and_auditors_do_not_contribute() {
    for (person, role) in [(OBSERVER, Role::Observer), (AUDITOR, Role::Auditor)] {
        given(&World::running())
            .when(person, submit(CONTRIBUTION, "x"))
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::SubmitContribution });
    }
}

#[test]
fn the_author_revises_a_contribution_and_the_old_version_is_kept() {
    let revise = Command::ReviseContribution {
        contribution_id: CONTRIBUTION,
        title: "Dati ARTA 2025".to_owned(),
        body: "Aggiornati.".to_owned(),
    };
    let mut w = World::running();
    w.run(PARTNER_B, submit(CONTRIBUTION, "Dati ARTA"));
    given(&w).when(PARTNER_B, revise.clone()).then(vec![Event::ContributionRevised {
        contribution_id: CONTRIBUTION,
        version: 2,
        title: "Dati ARTA 2025".to_owned(),
        body: "Aggiornati.".to_owned(),
        by: M_B,
        at: t0(),
    }]);
    w.run(PARTNER_B, revise.clone());
    let contribution = &w.workshop().contributions[&CONTRIBUTION];
    assert_eq!(contribution.versions.len(), 2);
    assert_eq!(contribution.versions[0].title, "Dati ARTA");
    given(&w).when(PARTNER_C, revise.clone()).then_error(DomainError::NotContributionAuthor);
    given(&w).when(LEAD, revise).then_error(DomainError::NotContributionAuthor);
}

#[test]
fn a_withdrawn_contribution_stays_in_history_and_cannot_change() {
    let mut w = World::running();
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    given(&w)
        .when(PARTNER_C, Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: String::new() })
        .then_error(DomainError::NotContributionAuthor);
    given(&w)
        .when(PARTNER_B, Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: "Superato".to_owned() })
        .then(vec![Event::ContributionWithdrawn {
            contribution_id: CONTRIBUTION,
            reason: "Superato".to_owned(),
            by: M_B,
            at: t0(),
        }]);
    w.run(PARTNER_B, Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: "Superato".to_owned() });
    assert!(w.workshop().contributions[&CONTRIBUTION].withdrawn.is_some());
    given(&w)
        .when(PARTNER_B, Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: String::new() })
        .then_error(DomainError::ContributionWithdrawn);
    given(&w)
        .when(
            PARTNER_B,
            Command::ReviseContribution { contribution_id: CONTRIBUTION, title: "t".to_owned(), body: "b".to_owned() },
        )
        .then_error(DomainError::ContributionWithdrawn);
    given(&w)
        .when(
            LEAD,
            Command::RecordDisposition { contribution_id: CONTRIBUTION, disposition: Disposition::Noted, reason: "r".to_owned() },
        )
        .then_error(DomainError::ContributionWithdrawn);
    given(&w)
        .when(PARTNER_B, Command::ReviseContribution { contribution_id: OTHER, title: "t".to_owned(), body: "b".to_owned() })
        .then_error(DomainError::NotFound(Entity::Contribution));
}

#[test]
fn the_lead_or_a_co_conductor_records_a_disposition_with_a_reason() {
    let dispose = |disposition, reason: &str| Command::RecordDisposition {
        contribution_id: CONTRIBUTION,
        disposition,
        reason: reason.to_owned(),
    };
    let mut w = World::running();
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    assert_eq!(w.workshop().pending_dispositions(), vec![CONTRIBUTION]);
    given(&w).when(CO, dispose(Disposition::PartlyAccepted, "Recepito al punto 2")).then(vec![Event::DispositionRecorded {
        contribution_id: CONTRIBUTION,
        contribution_version: 1,
        disposition: Disposition::PartlyAccepted,
        reason: "Recepito al punto 2".to_owned(),
        by: M_CO,
        at: t0(),
    }]);
    given(&w).when(CO, dispose(Disposition::Rejected, "")).then_error(DomainError::FieldRequired { field: "reason" });
    given(&w)
        .when(PARTNER_C, dispose(Disposition::Accepted, "ok"))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::RecordDisposition });
    given(&w)
        .when(FACILITATOR, dispose(Disposition::Accepted, "ok"))
        .then_error(DomainError::RoleNotAllowed { role: Role::Facilitator, command: CommandKind::RecordDisposition });
    w.run(LEAD, dispose(Disposition::Accepted, "Recepito"));
    assert!(w.workshop().pending_dispositions().is_empty());
}
