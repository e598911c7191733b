//! The role matrix, as a table, checked both as data and through `decide`.

use crate::support::*;
use officina_domain::roles::is_allowed;
use officina_domain::workshop::Command;
use officina_domain::*;

/// The expected matrix: one row per command, one column per role, in the order
/// LEAD, CO_CONDUCTOR, FACILITATOR, PARTNER, LAB, OBSERVER, AUDITOR.
const MATRIX: &[(CommandKind, &str)] = &[
    (CommandKind::IdentifyWorkshop, "......."),
    (CommandKind::ChangeStage, "X......"),
    (CommandKind::AdoptGuideline, "XX....."),
    (CommandKind::GiveGuidelineFeedback, "XXXXX.."),
    (CommandKind::AdmitMember, "XX....."),
    (CommandKind::ChangeMemberRole, "X......"),
    (CommandKind::LeaveWorkshop, "XXXXXXX"),
    (CommandKind::ConveneSession, "XXX...."),
    (CommandKind::PostponeSession, "XXX...."),
    (CommandKind::AddAgendaItem, "XXX...."),
    (CommandKind::ShareDocument, "XXXXX.."),
    (CommandKind::CancelSession, "XXX...."),
    (CommandKind::ReorderAgenda, "XXX...."),
    (CommandKind::WithdrawAgendaItem, "XXX...."),
    (CommandKind::OpenSession, "XXX...."),
    (CommandKind::CheckInAttendance, "XXXXXXX"),
    (CommandKind::StartAgendaItem, "XXX...."),
    (CommandKind::CloseSession, "XXX...."),
    (CommandKind::DraftMinutes, "XXX...."),
    (CommandKind::ApproveMinutes, "XX....."),
    (CommandKind::PublishMinutes, "XXX...."),
    (CommandKind::SubmitContribution, "XXXXX.."),
    (CommandKind::ReviseContribution, "XXXXX.."),
    (CommandKind::WithdrawContribution, "XXXXX.."),
    (CommandKind::RecordDisposition, "XX....."),
    (CommandKind::DraftProposal, "XX.XX.."),
    (CommandKind::AmendProposal, "XX....."),
    (CommandKind::WithdrawProposal, "XX....."),
    (CommandKind::OpenDeliberation, "XX....."),
    (CommandKind::StatePosition, "XX.X..."),
    (CommandKind::DeclareInterest, "XXXXX.."),
    (CommandKind::RecordRecusal, "XXX...."),
    (CommandKind::WithdrawRecusal, "XXXXX.."),
    (CommandKind::SetDeliberationDeadline, "XX....."),
    (CommandKind::CloseAtDeadline, "......."),
    (CommandKind::CloseDeliberation, "XX....."),
];

const ROLES: [Role; 7] =
    [Role::Lead, Role::CoConductor, Role::Facilitator, Role::Partner, Role::Lab, Role::Observer, Role::Auditor];

#[test]
fn the_role_matrix_is_exactly_the_documented_table() {
    assert_eq!(MATRIX.len(), CommandKind::ALL.len(), "every command kind has a row");
    for (kind, row) in MATRIX {
        for (role, mark) in ROLES.iter().zip(row.chars()) {
            assert_eq!(is_allowed(*role, *kind), mark == 'X', "{kind} for {role}");
        }
        assert_eq!(allowed_roles(*kind).len(), row.chars().filter(|c| *c == 'X').count(), "{kind}");
    }
}

#[test]
fn observers_and_auditors_never_write_except_to_leave_or_check_themselves_in() {
    for kind in CommandKind::ALL {
        if matches!(*kind, CommandKind::LeaveWorkshop | CommandKind::CheckInAttendance) {
            continue;
        }
        assert!(!is_allowed(Role::Observer, *kind), "{kind}");
        assert!(!is_allowed(Role::Auditor, *kind), "{kind}");
    }
}

#[test]
fn only_voting_roles_state_positions() {
    for role in ROLES {
        assert_eq!(is_allowed(role, CommandKind::StatePosition), role.is_voting(), "{role}");
    }
}

fn person_with(role: Role) -> (PersonId, MemberId, OrganizationId) {
    match role {
        Role::Lead => (LEAD, M_LEAD, ORG_MA),
        Role::CoConductor => (CO, M_CO, ORG_A),
        Role::Facilitator => (FACILITATOR, M_FAC, ORG_AGENCY),
        Role::Partner => (PARTNER_B, M_B, ORG_B),
        Role::Lab => (LAB, M_LAB, ORG_LAB),
        Role::Observer => (OBSERVER, M_OBS, ORG_UNI),
        Role::Auditor => (AUDITOR, M_AUD, ORG_EVAL),
    }
}

/// A plausible command of each kind for the given actor, in a workshop with an open session and
/// an open proposal.
fn sample(kind: CommandKind, member: MemberId, organization: OrganizationId) -> Command {
    let new_contribution = ContributionId::from_u128(0x7FF);
    match kind {
        CommandKind::IdentifyWorkshop => identify(),
        CommandKind::ChangeStage => Command::ChangeStage { to: Stage::Capitalization, report: None },
        CommandKind::AdoptGuideline => Command::AdoptGuideline { guideline_id: GUIDELINE, version: 2 },
        CommandKind::GiveGuidelineFeedback => Command::GiveGuidelineFeedback {
            feedback_id: FeedbackId::from_u128(1),
            guideline_id: GUIDELINE,
            version: 1,
            section: "1".to_owned(),
            worked: "ok".to_owned(),
            did_not_work: String::new(),
            suggestion: String::new(),
        },
        CommandKind::AdmitMember => admit(
            MemberId::from_u128(299),
            PersonId::from_u128(199),
            Role::Partner,
            org(OrganizationId::from_u128(399), "Nuovo", EccpCategory::SocialInclusionBody),
        ),
        CommandKind::ChangeMemberRole => Command::ChangeMemberRole { member_id: M_C2, role: Role::Observer },
        CommandKind::LeaveWorkshop => Command::LeaveWorkshop { member_id: member, reason: String::new() },
        CommandKind::ConveneSession => Command::ConveneSession {
            session_id: SessionId::from_u128(0x5FF),
            title: "t".to_owned(),
            starts_at: day(60),
            location: "l".to_owned(),
        },
        CommandKind::PostponeSession => {
            Command::PostponeSession { session_id: SESSION, starts_at: day(40), reason: "r".to_owned() }
        }
        CommandKind::AddAgendaItem => {
            Command::AddAgendaItem { session_id: SESSION, agenda_item_id: AgendaItemId::from_u128(0x5FF), title: "t".to_owned() }
        }
        CommandKind::ShareDocument => Command::ShareDocument {
            session_id: SESSION,
            document_id: DocumentId::from_u128(0x5FF),
            title: "t".to_owned(),
            document_ref: "r".to_owned(),
            public: false,
            content_hash: None,
        },
        CommandKind::CancelSession => Command::CancelSession { session_id: SESSION, reason: "r".to_owned() },
        CommandKind::ReorderAgenda => Command::ReorderAgenda { session_id: SESSION, order: vec![ITEM_1] },
        CommandKind::WithdrawAgendaItem => Command::WithdrawAgendaItem { session_id: SESSION, agenda_item_id: ITEM_1 },
        CommandKind::OpenSession => Command::OpenSession { session_id: SESSION, urgency: "u".to_owned() },
        CommandKind::CheckInAttendance => Command::CheckInAttendance { session_id: SESSION, member_id: M_C2 },
        CommandKind::StartAgendaItem => Command::StartAgendaItem { session_id: SESSION, agenda_item_id: ITEM_1 },
        CommandKind::CloseSession => Command::CloseSession { session_id: SESSION },
        CommandKind::DraftMinutes => {
            Command::DraftMinutes { session_id: SESSION, minutes_id: MinutesId::from_u128(1), text: "t".to_owned() }
        }
        CommandKind::ApproveMinutes => Command::ApproveMinutes { session_id: SESSION, version: 1 },
        CommandKind::PublishMinutes => Command::PublishMinutes { session_id: SESSION },
        CommandKind::SubmitContribution => submit(new_contribution, "t"),
        CommandKind::ReviseContribution => {
            Command::ReviseContribution { contribution_id: CONTRIBUTION, title: "t".to_owned(), body: "b".to_owned() }
        }
        CommandKind::WithdrawContribution => {
            Command::WithdrawContribution { contribution_id: CONTRIBUTION, reason: String::new() }
        }
        CommandKind::RecordDisposition => {
            Command::RecordDisposition { contribution_id: CONTRIBUTION, disposition: Disposition::Noted, reason: "r".to_owned() }
        }
        CommandKind::DraftProposal => Command::DraftProposal {
            proposal_id: ProposalId::from_u128(0x8FF),
            kind: ProposalKind::Decision,
            title: "t".to_owned(),
            text: "x".to_owned(),
            cites: vec![],
            rule: DecisionRule::majority(),
            binding: true,
        },
        CommandKind::AmendProposal => Command::AmendProposal { proposal_id: PROPOSAL, text: "x".to_owned(), note: String::new() },
        CommandKind::WithdrawProposal => Command::WithdrawProposal { proposal_id: PROPOSAL, reason: "r".to_owned() },
        CommandKind::OpenDeliberation => Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: None, closes_at: None },
        CommandKind::StatePosition => position(organization, Stance::Support),
        CommandKind::DeclareInterest => Command::DeclareInterest { proposal_id: PROPOSAL, description: "d".to_owned() },
        CommandKind::RecordRecusal => {
            Command::RecordRecusal { proposal_id: PROPOSAL, organization_id: ORG_C, reason: "r".to_owned() }
        }
        CommandKind::WithdrawRecusal => Command::WithdrawRecusal { proposal_id: PROPOSAL, organization_id: ORG_C },
        CommandKind::SetDeliberationDeadline => Command::SetDeliberationDeadline { proposal_id: PROPOSAL, closes_at: day(30) },
        CommandKind::CloseAtDeadline => {
            Command::CloseAtDeadline { proposal_id: PROPOSAL, decision_id: officina_domain::DecisionId::from_u128(0x9FF) }
        }
        CommandKind::CloseDeliberation => close(),
    }
}

#[test]
fn decide_enforces_the_role_matrix_for_every_command_and_role() {
    let mut world = World::deliberating(DecisionRule::majority());
    world.run(LEAD, Command::AdoptGuideline { guideline_id: GUIDELINE, version: 1 });
    world.run(
        FACILITATOR,
        Command::ConveneSession { session_id: SESSION, title: "s".to_owned(), starts_at: day(21), location: "l".to_owned() },
    );
    world.run(FACILITATOR, Command::AddAgendaItem { session_id: SESSION, agenda_item_id: ITEM_1, title: "i".to_owned() });
    for kind in CommandKind::ALL {
        if matches!(*kind, CommandKind::IdentifyWorkshop | CommandKind::CloseAtDeadline) {
            continue;
        }
        for role in ROLES {
            let (person, member, organization) = person_with(role);
            let command = sample(*kind, member, organization);
            assert_eq!(command.kind(), *kind);
            let result = world.decide(person, command);
            if is_allowed(role, *kind) {
                // Other checks may still refuse (only the author revises a contribution...), but
                // never the role matrix.
                if let Err(e) = &result {
                    assert!(
                        !matches!(e, DomainError::RoleNotAllowed { .. } | DomainError::NotEligibleToVote { .. }),
                        "{kind} by {role}: {e:?}"
                    );
                }
            } else {
                let expected = if *kind == CommandKind::StatePosition {
                    DomainError::NotEligibleToVote { role }
                } else {
                    DomainError::RoleNotAllowed { role, command: *kind }
                };
                assert_eq!(result, Err(expected), "{kind} by {role}");
            }
        }
    }
}
