//! Sessions: convening with notice, agenda, documents, opening, attendance, items, closing, minutes.

use crate::support::*;
use chrono::Duration;
use officina_domain::workshop::{Command, Event};
use officina_domain::*;

fn convene(id: SessionId, starts_at: chrono::DateTime<chrono::Utc>) -> Command {
    Command::ConveneSession { session_id: id, title: "Incontro".to_owned(), starts_at, location: "Online".to_owned() }
}

#[test]
fn convening_a_session_records_its_notice_in_working_days() {
    // Convened on Thursday 2 April 2026 for Monday 20 April: exactly 10 working days in between
    // (3 April, 7-10 April and 13-17 April; Easter Monday 6 April does not count).
    let mut w = World::running();
    w.now = at("2026-04-02T08:00:00Z");
    given(&w).when(FACILITATOR, convene(SESSION, at("2026-04-20T08:00:00Z"))).then(vec![Event::SessionConvened {
        session_id: SESSION,
        title: "Incontro".to_owned(),
        starts_at: at("2026-04-20T08:00:00Z"),
        location: "Online".to_owned(),
        by: Some(M_FAC),
        administrator: None,
        notice_working_days: 10,
        notice_shortfall: false,
        at: at("2026-04-02T08:00:00Z"),
    }]);
}

#[test]
fn a_short_notice_is_flagged_on_the_session_not_refused() {
    // One day later leaves 9 working days: a shortfall, recorded as a flag.
    let mut w = World::running();
    w.now = at("2026-04-03T08:00:00Z");
    w.run(LEAD, convene(SESSION, at("2026-04-20T08:00:00Z")));
    let session = &w.workshop().sessions[&SESSION];
    assert_eq!(session.notice_working_days, 9);
    assert!(session.notice_shortfall);
    assert!(session.has_notice_shortfall());
}

#[test]
fn a_session_must_start_after_it_is_convened() {
    let err = World::running().decide(LEAD, convene(SESSION, t0())).expect_err("past");
    assert_eq!(err, DomainError::SessionStartsBeforeConvening);
    assert_eq!(err.category(), ErrorCategory::Validation { field: "startsAt" });
}

#[test]
fn a_session_needs_a_title_and_a_fresh_id() {
    let mut command = convene(SESSION, day(30));
    if let Command::ConveneSession { title, .. } = &mut command {
        title.clear();
    }
    given(&World::running()).when(LEAD, command).then_error(DomainError::FieldRequired { field: "title" });
    given(&World::with_session()).when(LEAD, convene(SESSION, day(30))).then_error(DomainError::AlreadyExists(Entity::Session));
}

#[test]
fn partners_observers_and_auditors_do_not_convene_sessions() {
    for (person, role) in [(PARTNER_B, Role::Partner), (OBSERVER, Role::Observer), (AUDITOR, Role::Auditor), (LAB, Role::Lab)] {
        given(&World::running())
            .when(person, convene(SESSION, day(30)))
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::ConveneSession });
    }
}

#[test]
fn agenda_items_are_added_in_order() {
    let w = World::with_session();
    given(&w)
        .when(
            LEAD,
            Command::AddAgendaItem {
                session_id: SESSION,
                agenda_item_id: AgendaItemId::from_u128(0x513),
                title: "Varie".to_owned(),
            },
        )
        .then(vec![Event::AgendaItemAdded {
            session_id: SESSION,
            agenda_item_id: AgendaItemId::from_u128(0x513),
            title: "Varie".to_owned(),
            position: 3,
            by: Some(M_LEAD),
            administrator: None,
            at: t0(),
        }]);
    given(&w)
        .when(LEAD, Command::AddAgendaItem { session_id: SESSION, agenda_item_id: ITEM_1, title: "Doppio".to_owned() })
        .then_error(DomainError::AlreadyExists(Entity::AgendaItem));
    given(&w)
        .when(
            LEAD,
            Command::AddAgendaItem {
                session_id: SessionId::from_u128(1),
                agenda_item_id: AgendaItemId::from_u128(0x514),
                title: "x".to_owned(),
            },
        )
        .then_error(DomainError::NotFound(Entity::Session));
}

#[test]
fn documents_are_timestamped_with_their_own_lead_time() {
    let mut w = World::with_session();
    // The session is on day 21 (Monday 23 March 2026); sharing on day 14 (Monday 16 March) leaves
    // 4 working days (17-20 March).
    w.now = day(14);
    given(&w)
        .when(
            PARTNER_B,
            Command::ShareDocument {
                session_id: SESSION,
                document_id: DocumentId::from_u128(0x550),
                title: "Nota tecnica".to_owned(),
                document_ref: "https://example.org/nota.pdf".to_owned(),
                public: false,
                content_hash: None,
            },
        )
        .then(vec![Event::DocumentShared {
            session_id: SESSION,
            document_id: DocumentId::from_u128(0x550),
            title: "Nota tecnica".to_owned(),
            document_ref: "https://example.org/nota.pdf".to_owned(),
            public: false,
            content_hash: None,
            by: M_B,
            lead_working_days: 4,
            shortfall: true,
            at: day(14),
        }]);
    w.now = t0();
    let events = given(&w)
        .when(
            LEAD,
            Command::ShareDocument {
                session_id: SESSION,
                document_id: DocumentId::from_u128(0x551),
                title: "Documento di base".to_owned(),
                document_ref: "prot. 55/2026".to_owned(),
                public: false,
                content_hash: None,
            },
        )
        .events();
    assert!(matches!(events[0], Event::DocumentShared { lead_working_days: 14, shortfall: false, .. }));
}

#[test]
fn a_document_needs_a_reference_and_an_open_or_coming_session() {
    let share = |id: u128, reference: &str| Command::ShareDocument {
        session_id: SESSION,
        document_id: DocumentId::from_u128(id),
        title: "Doc".to_owned(),
        document_ref: reference.to_owned(),
        public: false,
        content_hash: None,
    };
    let mut w = World::with_open_session();
    given(&w).when(LEAD, share(1, "")).then_error(DomainError::FieldRequired { field: "documentRef" });
    w.run(LEAD, share(1, "ref"));
    given(&w).when(LEAD, share(1, "ref")).then_error(DomainError::AlreadyExists(Entity::Document));
    w.run(LEAD, Command::CloseSession { session_id: SESSION });
    given(&w).when(LEAD, share(2, "ref")).then_error(DomainError::SessionClosed);
    given(&w)
        .when(
            LEAD,
            Command::AddAgendaItem { session_id: SESSION, agenda_item_id: AgendaItemId::from_u128(9), title: "x".to_owned() },
        )
        .then_error(DomainError::SessionClosed);
}

#[test]
fn a_facilitator_opens_a_session_once() {
    let mut w = World::with_session();
    w.now = day(21);
    let notice = w.workshop().sessions[&SESSION].notice_working_days;
    given(&w).when(FACILITATOR, open(SESSION, "")).then(vec![Event::SessionOpened {
        session_id: SESSION,
        by: M_FAC,
        at: day(21),
        urgency: None,
        notice_working_days: Some(notice),
        notice_shortfall: Some(false),
    }]);
    given(&World::with_open_session()).when(LEAD, open(SESSION, "")).then_error(DomainError::SessionAlreadyOpen);
    let mut closed = World::with_open_session();
    closed.run(LEAD, Command::CloseSession { session_id: SESSION });
    given(&closed).when(LEAD, open(SESSION, "")).then_error(DomainError::SessionClosed);
}

fn open(session_id: SessionId, urgency: &str) -> Command {
    Command::OpenSession { session_id, urgency: urgency.to_owned() }
}

#[test]
fn before_its_start_a_session_opens_only_by_the_lead_with_the_urgency_stated() {
    // Convened on day 0 for day 21; on day 14 (Monday 16 March 2026) it is a week early.
    let mut w = World::with_session();
    w.now = day(14);
    given(&w).when(FACILITATOR, open(SESSION, "")).then_error(DomainError::SessionNotStarted);
    given(&w).when(FACILITATOR, open(SESSION, "Scadenza del bando")).then_error(DomainError::SessionNotStarted);
    given(&w).when(LEAD, open(SESSION, " \n ")).then_error(DomainError::SessionNotStarted);
    // 9 working days between Tuesday 3 March and Friday 13 March: the notice counts to the opening.
    given(&w).when(LEAD, open(SESSION, "Scadenza del bando")).then(vec![Event::SessionOpened {
        session_id: SESSION,
        by: M_LEAD,
        at: day(14),
        urgency: Some("Scadenza del bando".to_owned()),
        notice_working_days: Some(9),
        notice_shortfall: Some(true),
    }]);
    w.run(LEAD, open(SESSION, "Scadenza del bando"));
    let session = &w.workshop().sessions[&SESSION];
    assert_eq!((session.notice_working_days, session.notice_shortfall, session.status), (9, true, SessionStatus::Open));
    // On time, anyone who runs sessions opens it, and an urgency given anyway is not recorded.
    let mut on_time = World::with_session();
    on_time.now = day(21);
    let events = given(&on_time).when(FACILITATOR, open(SESSION, "Nessuna")).events();
    assert!(matches!(&events[0], Event::SessionOpened { urgency: None, .. }));
}

#[test]
fn a_session_is_cancelled_before_it_opens_and_then_nothing_more_happens_to_it() {
    let cancel = |reason: &str| Command::CancelSession { session_id: SESSION, reason: reason.to_owned() };
    let mut w = World::with_session();
    given(&w).when(LEAD, cancel(" ")).then_error(DomainError::FieldRequired { field: "reason" });
    given(&w)
        .when(PARTNER_B, cancel("No"))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::CancelSession });
    given(&w).when(FACILITATOR, cancel("Emergenza maltempo")).then(vec![Event::SessionCancelled {
        session_id: SESSION,
        reason: "Emergenza maltempo".to_owned(),
        by: Some(M_FAC),
        administrator: None,
        at: t0(),
    }]);
    w.run(FACILITATOR, cancel("Emergenza maltempo"));
    assert_eq!(w.workshop().sessions[&SESSION].status, SessionStatus::Cancelled);
    w.now = day(21);
    given(&w).when(LEAD, open(SESSION, "")).then_error(DomainError::SessionCancelled);
    given(&w).when(LEAD, cancel("Di nuovo")).then_error(DomainError::SessionCancelled);
    given(&w)
        .when(LEAD, Command::PostponeSession { session_id: SESSION, starts_at: day(40), reason: "r".to_owned() })
        .then_error(DomainError::SessionCancelled);
    given(&w)
        .when(
            LEAD,
            Command::AddAgendaItem { session_id: SESSION, agenda_item_id: AgendaItemId::from_u128(9), title: "x".to_owned() },
        )
        .then_error(DomainError::SessionCancelled);
    given(&World::with_open_session()).when(LEAD, cancel("Tardi")).then_error(DomainError::SessionAlreadyOpen);
}

#[test]
fn the_agenda_is_reordered_and_items_withdrawn_before_the_session_opens() {
    let mut w = World::with_session();
    let reorder = |order: Vec<AgendaItemId>| Command::ReorderAgenda { session_id: SESSION, order };
    given(&w).when(LEAD, reorder(vec![ITEM_2])).then_error(DomainError::AgendaOrderMismatch);
    given(&w).when(LEAD, reorder(vec![ITEM_2, ITEM_2])).then_error(DomainError::AgendaOrderMismatch);
    given(&w).when(LEAD, reorder(vec![ITEM_2, ITEM_1, AgendaItemId::from_u128(9)])).then_error(DomainError::AgendaOrderMismatch);
    w.run(FACILITATOR, reorder(vec![ITEM_2, ITEM_1]));
    let agenda: Vec<_> = w.workshop().sessions[&SESSION].agenda.iter().map(|i| (i.id, i.position)).collect();
    assert_eq!(agenda, vec![(ITEM_2, 1), (ITEM_1, 2)]);

    let withdraw = |item| Command::WithdrawAgendaItem { session_id: SESSION, agenda_item_id: item };
    given(&w)
        .when(PARTNER_B, withdraw(ITEM_2))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::WithdrawAgendaItem });
    let withdrawn = w.run(LEAD, withdraw(ITEM_2));
    assert!(
        matches!(&withdrawn[..], [Event::AgendaItemWithdrawn { agenda_item_id: ITEM_2, order, .. }] if *order == vec![ITEM_1]),
        "the event records the agenda left: {withdrawn:?}"
    );
    let agenda: Vec<_> = w.workshop().sessions[&SESSION].agenda.iter().map(|i| (i.id, i.position)).collect();
    assert_eq!(agenda, vec![(ITEM_1, 1)], "the items after it move up");
    given(&w).when(LEAD, withdraw(ITEM_2)).then_error(DomainError::AgendaItemWithdrawn);
    given(&w).when(LEAD, withdraw(AgendaItemId::from_u128(9))).then_error(DomainError::NotFound(Entity::AgendaItem));
    // A new item goes after the remaining ones.
    let added = given(&w)
        .when(
            LEAD,
            Command::AddAgendaItem {
                session_id: SESSION,
                agenda_item_id: AgendaItemId::from_u128(0x520),
                title: "Varie".to_owned(),
            },
        )
        .events();
    assert!(matches!(&added[0], Event::AgendaItemAdded { position: 2, .. }));
    // Once the session is open, the agenda stays as it was announced.
    w.now = day(21);
    w.run(LEAD, open(SESSION, ""));
    given(&w).when(LEAD, reorder(vec![ITEM_1])).then_error(DomainError::SessionAlreadyOpen);
    given(&w).when(LEAD, withdraw(ITEM_1)).then_error(DomainError::SessionAlreadyOpen);
    given(&w)
        .when(LEAD, Command::StartAgendaItem { session_id: SESSION, agenda_item_id: ITEM_2 })
        .then_error(DomainError::AgendaItemWithdrawn);
}

#[test]
fn members_check_themselves_in_and_conducting_members_check_in_others() {
    let check_in = |member_id| Command::CheckInAttendance { session_id: SESSION, member_id };
    let w = World::with_open_session();
    for (person, member) in [(PARTNER_B, M_B), (OBSERVER, M_OBS), (AUDITOR, M_AUD), (LAB, M_LAB)] {
        assert_eq!(w.accepted(person, check_in(member)), ["AttendanceCheckedIn"], "{member:?} checks in alone");
    }
    given(&w).when(PARTNER_B, check_in(M_C)).then_error(DomainError::NotOwnAttendance);
    given(&w).when(OBSERVER, check_in(M_B)).then_error(DomainError::NotOwnAttendance);
    for person in [LEAD, CO, FACILITATOR] {
        assert_eq!(w.accepted(person, check_in(M_B)), ["AttendanceCheckedIn"]);
    }
}

#[test]
fn attendance_is_checked_in_once_per_member_while_the_session_is_open() {
    let check_in = |member_id| Command::CheckInAttendance { session_id: SESSION, member_id };
    given(&World::with_session())
        .when(FACILITATOR, check_in(M_B))
        .then_error(DomainError::SessionNotOpen { status: SessionStatus::Convened });
    let mut w = World::with_open_session();
    given(&w).when(FACILITATOR, check_in(M_B)).then(vec![Event::AttendanceCheckedIn {
        session_id: SESSION,
        member_id: M_B,
        organization_id: ORG_B,
        by: M_FAC,
        at: day(21),
    }]);
    w.run(FACILITATOR, check_in(M_B));
    given(&w).when(FACILITATOR, check_in(M_B)).then_error(DomainError::AlreadyCheckedIn);
    given(&w).when(FACILITATOR, check_in(MemberId::from_u128(1))).then_error(DomainError::NotFound(Entity::Member));
    // Observers attend too, checked in by whoever runs the session.
    assert_eq!(w.accepted(FACILITATOR, check_in(M_OBS)), ["AttendanceCheckedIn"]);
    // A partner checks itself in, but nobody else.
    assert_eq!(w.accepted(PARTNER_C, check_in(M_C)), ["AttendanceCheckedIn"]);
    given(&w).when(PARTNER_C, check_in(M_C2)).then_error(DomainError::NotOwnAttendance);
}

#[test]
fn agenda_items_are_taken_in_turn_once_each() {
    let start = |item| Command::StartAgendaItem { session_id: SESSION, agenda_item_id: item };
    given(&World::with_session())
        .when(FACILITATOR, start(ITEM_1))
        .then_error(DomainError::SessionNotOpen { status: SessionStatus::Convened });
    let mut w = World::with_open_session();
    given(&w).when(FACILITATOR, start(ITEM_1)).then(vec![Event::AgendaItemStarted {
        session_id: SESSION,
        agenda_item_id: ITEM_1,
        by: M_FAC,
        at: day(21),
    }]);
    w.run(FACILITATOR, start(ITEM_1));
    given(&w).when(FACILITATOR, start(ITEM_1)).then_error(DomainError::AgendaItemAlreadyStarted);
    given(&w).when(FACILITATOR, start(AgendaItemId::from_u128(1))).then_error(DomainError::NotFound(Entity::AgendaItem));
    w.run(FACILITATOR, start(ITEM_2));
    assert_eq!(w.workshop().sessions[&SESSION].current_item, Some(ITEM_2));
    // An item of another session cannot be started here.
    let other = SessionId::from_u128(0x501);
    w.run(FACILITATOR, convene(other, day(60)));
    w.run(
        FACILITATOR,
        Command::AddAgendaItem { session_id: other, agenda_item_id: AgendaItemId::from_u128(0x521), title: "x".to_owned() },
    );
    given(&w).when(FACILITATOR, start(AgendaItemId::from_u128(0x521))).then_error(DomainError::AgendaItemNotInSession);
}

#[test]
fn an_open_session_is_closed_once() {
    given(&World::with_session())
        .when(LEAD, Command::CloseSession { session_id: SESSION })
        .then_error(DomainError::SessionNotOpen { status: SessionStatus::Convened });
    let mut w = World::with_open_session();
    w.advance(Duration::hours(3));
    given(&w).when(FACILITATOR, Command::CloseSession { session_id: SESSION }).then(vec![Event::SessionClosed {
        session_id: SESSION,
        by: M_FAC,
        at: day(21) + Duration::hours(3),
    }]);
    w.run(FACILITATOR, Command::CloseSession { session_id: SESSION });
    given(&w).when(FACILITATOR, Command::CloseSession { session_id: SESSION }).then_error(DomainError::SessionClosed);
}

const MINUTES: MinutesId = MinutesId::from_u128(0x5A0);

fn draft(text: &str) -> Command {
    Command::DraftMinutes { session_id: SESSION, minutes_id: MINUTES, text: text.to_owned() }
}

fn closed_session() -> World {
    let mut w = World::with_open_session();
    w.run(FACILITATOR, Command::CloseSession { session_id: SESSION });
    w
}

#[test]
fn minutes_are_drafted_after_the_session_closes_and_every_version_is_kept() {
    given(&World::with_open_session()).when(FACILITATOR, draft("Verbale")).then_error(DomainError::SessionNotClosed);
    let mut w = closed_session();
    given(&w).when(FACILITATOR, draft("Verbale v1")).then(vec![Event::MinutesDrafted {
        session_id: SESSION,
        minutes_id: MINUTES,
        version: 1,
        text: "Verbale v1".to_owned(),
        by: M_FAC,
        at: day(21),
    }]);
    w.run(FACILITATOR, draft("Verbale v1"));
    w.run(FACILITATOR, draft("Verbale v2"));
    let minutes = w.workshop().sessions[&SESSION].minutes.clone().expect("minutes");
    assert_eq!(minutes.versions.len(), 2);
    assert_eq!(minutes.versions[0].text, "Verbale v1");
    // A later draft is the next version of the same minutes, whatever id it proposes.
    let other_id = Command::DraftMinutes { session_id: SESSION, minutes_id: MinutesId::from_u128(1), text: "v3".to_owned() };
    let events = given(&w).when(FACILITATOR, other_id).events();
    assert!(matches!(&events[0], Event::MinutesDrafted { minutes_id: MINUTES, version: 3, .. }), "{events:?}");
    given(&w).when(FACILITATOR, draft("")).then_error(DomainError::FieldRequired { field: "text" });
}

#[test]
fn only_the_latest_minutes_version_is_approved_and_only_once() {
    let approve = |version| Command::ApproveMinutes { session_id: SESSION, version };
    given(&closed_session()).when(LEAD, approve(1)).then_error(DomainError::NotFound(Entity::Minutes));
    let mut w = closed_session();
    w.run(FACILITATOR, draft("v1"));
    w.run(FACILITATOR, draft("v2"));
    given(&w).when(LEAD, approve(1)).then_error(DomainError::MinutesVersionNotLatest { latest: 2 });
    given(&w).when(LEAD, approve(3)).then_error(DomainError::NotFound(Entity::MinutesVersion));
    given(&w)
        .when(FACILITATOR, approve(2))
        .then_error(DomainError::RoleNotAllowed { role: Role::Facilitator, command: CommandKind::ApproveMinutes });
    given(&w).when(CO, approve(2)).then(vec![Event::MinutesApproved {
        session_id: SESSION,
        minutes_id: MINUTES,
        version: 2,
        by: M_CO,
        at: day(21),
    }]);
    w.run(CO, approve(2));
    given(&w).when(LEAD, approve(2)).then_error(DomainError::MinutesAlreadyApproved);
    // A new draft after approval needs a new approval.
    w.run(FACILITATOR, draft("v3"));
    given(&w).when(FACILITATOR, Command::PublishMinutes { session_id: SESSION }).then_error(DomainError::MinutesNotApproved);
}

#[test]
fn approved_minutes_are_published_and_then_final() {
    let publish = Command::PublishMinutes { session_id: SESSION };
    let mut w = closed_session();
    w.run(FACILITATOR, draft("v1"));
    given(&w).when(FACILITATOR, publish.clone()).then_error(DomainError::MinutesNotApproved);
    w.run(LEAD, Command::ApproveMinutes { session_id: SESSION, version: 1 });
    given(&w).when(FACILITATOR, publish.clone()).then(vec![Event::MinutesPublished {
        session_id: SESSION,
        minutes_id: MINUTES,
        version: 1,
        by: M_FAC,
        at: day(21),
    }]);
    w.run(FACILITATOR, publish.clone());
    assert_eq!(w.workshop().sessions[&SESSION].minutes.as_ref().map(|m| m.status), Some(MinutesStatus::Published));
    given(&w).when(FACILITATOR, publish).then_error(DomainError::MinutesAlreadyPublished);
    given(&w).when(FACILITATOR, draft("v2")).then_error(DomainError::MinutesAlreadyPublished);
    given(&w)
        .when(LEAD, Command::ApproveMinutes { session_id: SESSION, version: 1 })
        .then_error(DomainError::MinutesAlreadyPublished);
}

fn postpone(starts_at: chrono::DateTime<chrono::Utc>, reason: &str) -> Command {
    Command::PostponeSession { session_id: SESSION, starts_at, reason: reason.to_owned() }
}

#[test]
fn a_postponement_moves_the_start_and_counts_the_notice_again_from_today() {
    // Convened on day 0 for day 21 (15 working days of notice). Postponed on day 14 (Monday
    // 16 March 2026) to day 28 (Monday 30 March): 9 working days in between (17-20 and
    // 23-27 March), so the new date comes with a shortfall although the first did not.
    let mut w = World::with_session();
    assert!(!w.workshop().sessions[&SESSION].notice_shortfall);
    w.now = day(14);
    given(&w).when(FACILITATOR, postpone(day(28), "Sciopero dei trasporti")).then(vec![Event::SessionPostponed {
        session_id: SESSION,
        previous_starts_at: day(21),
        starts_at: day(28),
        reason: "Sciopero dei trasporti".to_owned(),
        by: Some(M_FAC),
        administrator: None,
        notice_working_days: 9,
        notice_shortfall: true,
        at: day(14),
    }]);
    w.run(FACILITATOR, postpone(day(28), "Sciopero dei trasporti"));
    let session = &w.workshop().sessions[&SESSION];
    assert_eq!(session.starts_at, day(28));
    assert_eq!((session.notice_working_days, session.notice_shortfall), (9, true));
    assert_eq!(session.status, SessionStatus::Convened);
    // It may be postponed again; the notice always counts from the latest announcement.
    w.now = day(15);
    w.run(LEAD, postpone(day(56), "Calendario del Consiglio regionale"));
    let session = &w.workshop().sessions[&SESSION];
    assert_eq!(session.starts_at, day(56));
    assert!(!session.notice_shortfall);
}

#[test]
fn a_session_that_opened_or_closed_cannot_be_postponed() {
    let mut w = World::with_session();
    w.now = day(21);
    w.run(LEAD, open(SESSION, ""));
    given(&w).when(LEAD, postpone(day(40), "Troppo tardi")).then_error(DomainError::SessionAlreadyOpen);
    w.run(LEAD, Command::CloseSession { session_id: SESSION });
    given(&w).when(LEAD, postpone(day(40), "Troppo tardi")).then_error(DomainError::SessionClosed);
}

#[test]
fn a_postponement_needs_a_reason_a_future_start_and_a_session() {
    let w = World::with_session();
    given(&w).when(LEAD, postpone(day(40), "  ")).then_error(DomainError::FieldRequired { field: "reason" });
    let err = w.decide(LEAD, postpone(t0(), "Ieri")).expect_err("a start in the past");
    assert_eq!(err, DomainError::SessionStartsBeforeConvening);
    assert_eq!(err.category(), ErrorCategory::Validation { field: "startsAt" });
    assert!(matches!(w.decide(LEAD, postpone(at("2099-01-01T09:00:00Z"), "Lontano")), Err(DomainError::DateOutOfRange { .. })));
    given(&w)
        .when(LEAD, Command::PostponeSession { session_id: SessionId::from_u128(1), starts_at: day(40), reason: "r".to_owned() })
        .then_error(DomainError::NotFound(Entity::Session));
}

#[test]
fn partners_observers_and_auditors_do_not_postpone_sessions() {
    for (person, role) in [(PARTNER_B, Role::Partner), (OBSERVER, Role::Observer), (AUDITOR, Role::Auditor), (LAB, Role::Lab)] {
        given(&World::with_session())
            .when(person, postpone(day(40), "r"))
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::PostponeSession });
    }
}

#[test]
fn a_public_document_carries_the_hash_of_its_content() {
    let w = World::with_session();
    let share = |public: bool, content_hash: Option<&str>| Command::ShareDocument {
        session_id: SESSION,
        document_id: DocumentId::from_u128(0x560),
        title: "Documento di inquadramento".to_owned(),
        document_ref: "https://example.org/inquadramento.pdf".to_owned(),
        public,
        content_hash: content_hash.map(str::to_owned),
    };
    given(&w).when(LEAD, share(true, None)).then_error(DomainError::FieldRequired { field: "contentHash" });
    given(&w).when(LEAD, share(true, Some("abc"))).then_error(DomainError::InvalidContentHash);
    given(&w).when(LEAD, share(false, Some(&"g".repeat(64)))).then_error(DomainError::InvalidContentHash);
    let hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    let events = given(&w).when(LEAD, share(true, Some(hash))).events();
    match &events[..] {
        [Event::DocumentShared { public: true, content_hash: Some(recorded), .. }] => {
            assert_eq!(recorded, &hash.to_ascii_lowercase(), "recorded in lower case");
        }
        other => panic!("{other:?}"),
    }
}
