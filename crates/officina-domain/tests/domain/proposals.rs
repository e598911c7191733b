//! Proposals, deliberation, positions, conflicts of interest and decisions.

use crate::support::*;
use officina_domain::workshop::{Command, Event, PositionRecord};
use officina_domain::*;

fn draft_with(rule: DecisionRule) -> Command {
    Command::DraftProposal {
        proposal_id: PROPOSAL,
        kind: ProposalKind::Decision,
        title: "Criteri di selezione".to_owned(),
        text: "Testo".to_owned(),
        cites: vec![],
        rule,
        binding: true,
    }
}

#[test]
fn a_partner_drafts_a_proposal_citing_contributions() {
    let mut w = World::running();
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    let command = Command::DraftProposal {
        proposal_id: PROPOSAL,
        kind: ProposalKind::InterpretiveThesis,
        title: "Tesi".to_owned(),
        text: "Lo spopolamento dipende dai servizi.".to_owned(),
        cites: vec![CONTRIBUTION, CONTRIBUTION],
        rule: DecisionRule::consensus(),
        binding: false,
    };
    given(&w).when(PARTNER_C, command).then(vec![Event::ProposalDrafted {
        proposal_id: PROPOSAL,
        kind: ProposalKind::InterpretiveThesis,
        title: "Tesi".to_owned(),
        text: "Lo spopolamento dipende dai servizi.".to_owned(),
        cites: vec![CONTRIBUTION],
        rule: DecisionRule::consensus(),
        binding: false,
        member_id: M_C,
        organization_id: ORG_C,
        at: t0(),
    }]);
}

#[test]
fn a_proposal_cites_only_existing_live_contributions() {
    let mut command = draft_with(DecisionRule::majority());
    if let Command::DraftProposal { cites, .. } = &mut command {
        cites.push(ContributionId::from_u128(1));
    }
    given(&World::running()).when(LEAD, command).then_error(DomainError::NotFound(Entity::Contribution));
}

#[test]
fn a_proposal_needs_a_title_a_text_and_a_fresh_id() {
    let mut command = draft_with(DecisionRule::majority());
    if let Command::DraftProposal { text, .. } = &mut command {
        text.clear();
    }
    given(&World::running()).when(LEAD, command).then_error(DomainError::FieldRequired { field: "text" });
    given(&World::with_draft(DecisionRule::majority()))
        .when(LEAD, draft_with(DecisionRule::majority()))
        .then_error(DomainError::AlreadyExists(Entity::Proposal));
}

#[test]
fn quorum_and_threshold_must_be_sensible_fractions() {
    let cases = [
        (DecisionRule::majority().with_quorum(Ratio { num: 0, den: 2 }), "quorum"),
        (DecisionRule::majority().with_quorum(Ratio { num: 3, den: 2 }), "quorum"),
        (DecisionRule::majority().with_quorum(Ratio { num: 1, den: 0 }), "quorum"),
        (DecisionRule::qualified_majority(Ratio { num: 1, den: 2 }), "threshold"),
        (DecisionRule::qualified_majority(Ratio { num: 5, den: 4 }), "threshold"),
        (DecisionRule::qualified_majority(Ratio { num: 2, den: 0 }), "threshold"),
    ];
    for (rule, field) in cases {
        let err = World::running().decide(LEAD, draft_with(rule)).expect_err("invalid rule");
        assert_eq!(err, DomainError::InvalidRatio { field }, "{rule:?}");
        assert_eq!(err.category(), ErrorCategory::Validation { field });
    }
    for rule in [
        DecisionRule::qualified_majority(Ratio { num: 2, den: 3 }),
        DecisionRule::qualified_majority(Ratio { num: 1, den: 1 }),
        DecisionRule::majority().with_quorum(Ratio::ONE),
    ] {
        assert_eq!(World::running().accepted(LEAD, draft_with(rule)), ["ProposalDrafted"], "{rule:?}");
    }
}

#[test]
fn facilitators_observers_and_auditors_do_not_draft_proposals() {
    for (person, role) in [(FACILITATOR, Role::Facilitator), (OBSERVER, Role::Observer), (AUDITOR, Role::Auditor)] {
        given(&World::running())
            .when(person, draft_with(DecisionRule::majority()))
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::DraftProposal });
    }
}

#[test]
fn an_amendment_creates_a_new_text_version() {
    let amend =
        Command::AmendProposal { proposal_id: PROPOSAL, text: "Testo emendato".to_owned(), note: "Dopo il confronto".to_owned() };
    let mut w = World::with_draft(DecisionRule::majority());
    given(&w).when(LEAD, amend.clone()).then(vec![Event::ProposalAmended {
        proposal_id: PROPOSAL,
        version: 2,
        text: "Testo emendato".to_owned(),
        note: "Dopo il confronto".to_owned(),
        by: M_LEAD,
        at: t0(),
    }]);
    w.run(LEAD, amend.clone());
    let proposal = &w.workshop().proposals[&PROPOSAL];
    assert_eq!(proposal.current_version(), 2);
    assert_eq!(proposal.texts[0].text, "La tutela delle sorgenti è la prima priorità.");
    given(&w)
        .when(PARTNER_B, amend)
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::AmendProposal });
    given(&w)
        .when(LEAD, Command::AmendProposal { proposal_id: ProposalId::from_u128(1), text: "x".to_owned(), note: String::new() })
        .then_error(DomainError::NotFound(Entity::Proposal));
}

#[test]
fn a_proposal_is_withdrawn_with_a_reason_before_it_is_decided() {
    let withdraw = |reason: &str| Command::WithdrawProposal { proposal_id: PROPOSAL, reason: reason.to_owned() };
    let mut w = World::deliberating(DecisionRule::majority());
    given(&w).when(LEAD, withdraw("")).then_error(DomainError::FieldRequired { field: "reason" });
    given(&w).when(LEAD, withdraw("Superata")).then(vec![Event::ProposalWithdrawn {
        proposal_id: PROPOSAL,
        reason: "Superata".to_owned(),
        by: M_LEAD,
        at: t0(),
    }]);
    w.run(LEAD, withdraw("Superata"));
    given(&w).when(LEAD, withdraw("Ancora")).then_error(DomainError::ProposalNotActive { status: ProposalStatus::Withdrawn });
    given(&w)
        .when(LEAD, Command::AmendProposal { proposal_id: PROPOSAL, text: "x".to_owned(), note: String::new() })
        .then_error(DomainError::ProposalNotActive { status: ProposalStatus::Withdrawn });
    given(&w)
        .when(PARTNER_B, position(ORG_B, Stance::Support))
        .then_error(DomainError::DeliberationNotOpen { status: ProposalStatus::Withdrawn });
}

#[test]
fn only_the_lead_or_a_co_conductor_opens_deliberation_on_a_draft() {
    let open = Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: None, closes_at: None };
    let w = World::with_draft(DecisionRule::majority());
    given(&w).when(CO, open.clone()).then(vec![Event::DeliberationOpened {
        proposal_id: PROPOSAL,
        session_id: None,
        by: M_CO,
        at: t0(),
        closes_at: None,
    }]);
    for (person, role) in
        [(PARTNER_B, Role::Partner), (FACILITATOR, Role::Facilitator), (LAB, Role::Lab), (OBSERVER, Role::Observer)]
    {
        given(&w)
            .when(person, open.clone())
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::OpenDeliberation });
    }
    given(&World::deliberating(DecisionRule::majority()))
        .when(LEAD, open)
        .then_error(DomainError::ProposalNotDraft { status: ProposalStatus::Open });
}

#[test]
fn deliberation_happens_only_during_co_conduction() {
    let mut w = World::identified();
    w.run(LEAD, draft_with(DecisionRule::majority()));
    given(&w)
        .when(LEAD, Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: None, closes_at: None })
        .then_error(DomainError::NotInCoConduction { stage: Stage::Identified });
}

#[test]
fn deliberation_opened_in_a_session_needs_that_session_open() {
    let mut w = World::with_session();
    w.run(LEAD, draft_with(DecisionRule::majority()));
    let open = Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: Some(SESSION), closes_at: None };
    given(&w).when(LEAD, open.clone()).then_error(DomainError::SessionNotOpen { status: SessionStatus::Convened });
    w.now = day(21);
    w.run(FACILITATOR, Command::OpenSession { session_id: SESSION, urgency: String::new() });
    assert_eq!(w.accepted(LEAD, open), ["DeliberationOpened"]);
}

#[test]
fn a_partner_states_a_position_for_its_organization_on_a_text_version() {
    let w = World::deliberating(DecisionRule::majority());
    given(&w).when(PARTNER_B, position(ORG_B, Stance::Support)).then(vec![Event::PositionStated {
        proposal_id: PROPOSAL,
        organization_id: ORG_B,
        member_id: M_B,
        stance: Stance::Support,
        rationale: None,
        text_version: 1,
        at: t0(),
    }]);
}

#[test]
fn a_member_states_positions_only_for_their_own_organization() {
    let err =
        World::deliberating(DecisionRule::majority()).decide(PARTNER_B, position(ORG_C, Stance::Support)).expect_err("forbidden");
    assert_eq!(err, DomainError::NotOwnOrganization);
    assert_eq!(err.category(), ErrorCategory::Forbidden);
}

#[test]
fn non_voting_roles_are_not_eligible_to_vote() {
    for (person, role, organization) in [
        (FACILITATOR, Role::Facilitator, ORG_AGENCY),
        (LAB, Role::Lab, ORG_LAB),
        (OBSERVER, Role::Observer, ORG_UNI),
        (AUDITOR, Role::Auditor, ORG_EVAL),
    ] {
        let err = World::deliberating(DecisionRule::majority())
            .decide(person, position(organization, Stance::Support))
            .expect_err("not eligible");
        assert_eq!(err, DomainError::NotEligibleToVote { role });
        assert_eq!(err.code(), "NOT_ELIGIBLE_TO_VOTE");
        // "You cannot vote" is one category, whatever the reason (role, recusal, state).
        assert_eq!(err.category(), ErrorCategory::RuleViolation);
    }
}

#[test]
fn a_position_on_a_draft_or_closed_proposal_is_rejected() {
    given(&World::with_draft(DecisionRule::majority()))
        .when(PARTNER_B, position(ORG_B, Stance::Support))
        .then_error(DomainError::DeliberationNotOpen { status: ProposalStatus::Draft });
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(LEAD, close());
    let err = w.decide(PARTNER_C, position(ORG_C, Stance::Support)).expect_err("closed");
    assert_eq!(err, DomainError::DeliberationNotOpen { status: ProposalStatus::Rejected });
    assert_eq!(err.code(), "DELIBERATION_NOT_OPEN");
}

#[test]
fn opposing_or_reserving_requires_a_rationale() {
    for stance in [Stance::Oppose, Stance::SupportWithReservations] {
        for rationale in [None, Some("   ".to_owned())] {
            let command = Command::StatePosition {
                proposal_id: PROPOSAL,
                organization_id: Some(ORG_B),
                stance,
                rationale,
                text_version: Some(1),
            };
            let err = World::deliberating(DecisionRule::majority()).decide(PARTNER_B, command).expect_err("rationale");
            assert_eq!(err, DomainError::RationaleRequired { stance });
            assert_eq!(err.category(), ErrorCategory::Validation { field: "rationale" });
        }
    }
    for stance in [Stance::Support, Stance::Abstain] {
        let command = Command::StatePosition {
            proposal_id: PROPOSAL,
            organization_id: Some(ORG_B),
            stance,
            rationale: None,
            text_version: Some(1),
        };
        assert_eq!(World::deliberating(DecisionRule::majority()).accepted(PARTNER_B, command), ["PositionStated"]);
    }
}

#[test]
fn a_position_refers_to_an_existing_text_version() {
    let on_version = |text_version| Command::StatePosition {
        proposal_id: PROPOSAL,
        organization_id: Some(ORG_B),
        stance: Stance::Support,
        rationale: None,
        text_version: Some(text_version),
    };
    let w = World::deliberating(DecisionRule::majority());
    given(&w).when(PARTNER_B, on_version(2)).then_error(DomainError::NotFound(Entity::TextVersion));
    given(&w).when(PARTNER_B, on_version(0)).then_error(DomainError::NotFound(Entity::TextVersion));
}

#[test]
fn the_latest_position_wins_and_all_are_kept() {
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_B, position(ORG_B, Stance::Oppose));
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    let proposal = &w.workshop().proposals[&PROPOSAL];
    assert_eq!(proposal.positions.len(), 2);
    assert_eq!(proposal.latest_positions()[&ORG_B].stance, Stance::Support);
    let tally = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    assert_eq!((tally.support, tally.oppose, tally.expressed), (1, 0, 1));
    // A second member of the same organization speaks with the same single voice.
    w.run(PARTNER_C, position(ORG_C, Stance::Support));
    w.run(PARTNER_C2, position(ORG_C, Stance::Abstain));
    let tally = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    assert_eq!((tally.support, tally.abstain, tally.expressed), (1, 1, 2));
}

#[test]
fn an_amendment_while_open_invalidates_no_position_but_shows_in_the_tally() {
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(LEAD, Command::AmendProposal { proposal_id: PROPOSAL, text: "Testo 2".to_owned(), note: String::new() });
    let live = w.state.tally(PROPOSAL).expect("tally");
    assert_eq!(live.text_version, 2);
    assert_eq!(live.evaluation.tally.support, 1);
    assert_eq!(live.positions_on_earlier_version, vec![ORG_B]);
    w.run(
        PARTNER_B,
        Command::StatePosition {
            proposal_id: PROPOSAL,
            organization_id: Some(ORG_B),
            stance: Stance::Support,
            rationale: None,
            text_version: Some(2),
        },
    );
    assert!(w.state.tally(PROPOSAL).expect("tally").positions_on_earlier_version.is_empty());
}

#[test]
fn declaring_an_interest_before_stating_recuses_the_organization() {
    let declare = Command::DeclareInterest { proposal_id: PROPOSAL, description: "Il comune è beneficiario diretto".to_owned() };
    let mut w = World::deliberating(DecisionRule::majority());
    given(&w).when(PARTNER_C2, declare.clone()).then(vec![Event::InterestDeclared {
        proposal_id: PROPOSAL,
        member_id: M_C2,
        organization_id: ORG_C,
        description: "Il comune è beneficiario diretto".to_owned(),
        at: t0(),
    }]);
    let before = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    w.run(PARTNER_C2, declare.clone());
    let after = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    assert_eq!(after.eligible + 1, before.eligible);
    let err = w.decide(PARTNER_C, position(ORG_C, Stance::Support)).expect_err("recused");
    assert_eq!(err, DomainError::Recused);
    assert_eq!(err.code(), "RECUSED");
    given(&w).when(PARTNER_C2, declare).then_error(DomainError::InterestAlreadyDeclared);
    given(&w)
        .when(PARTNER_C, Command::DeclareInterest { proposal_id: PROPOSAL, description: "Anche io".to_owned() })
        .then_error(DomainError::OrganizationAlreadyRecused);
    given(&w)
        .when(PARTNER_B, Command::DeclareInterest { proposal_id: PROPOSAL, description: String::new() })
        .then_error(DomainError::FieldRequired { field: "description" });
    given(&w)
        .when(OBSERVER, Command::DeclareInterest { proposal_id: PROPOSAL, description: "x".to_owned() })
        .then_error(DomainError::RoleNotAllowed { role: Role::Observer, command: CommandKind::DeclareInterest });
}

#[test]
fn after_stating_a_position_only_a_conducting_member_records_a_recusal() {
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Oppose));
    // A late self-recusal would silently remove the opposition and flip the outcome.
    given(&w)
        .when(PARTNER_C2, Command::DeclareInterest { proposal_id: PROPOSAL, description: "Ripensamento".to_owned() })
        .then_error(DomainError::InterestAfterPosition);
    let record =
        |org, reason: &str| Command::RecordRecusal { proposal_id: PROPOSAL, organization_id: org, reason: reason.to_owned() };
    given(&w)
        .when(PARTNER_B, record(ORG_C, "x"))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::RecordRecusal });
    given(&w).when(LEAD, record(ORG_C, " ")).then_error(DomainError::FieldRequired { field: "reason" });
    given(&w).when(LEAD, record(OrganizationId::from_u128(7), "x")).then_error(DomainError::NotFound(Entity::Organization));
    given(&w).when(FACILITATOR, record(ORG_C, "Beneficiario diretto del bando")).then(vec![Event::RecusalRecorded {
        proposal_id: PROPOSAL,
        organization_id: ORG_C,
        reason: "Beneficiario diretto del bando".to_owned(),
        by: M_FAC,
        at: t0(),
    }]);
    let before = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    w.run(FACILITATOR, record(ORG_C, "Beneficiario diretto del bando"));
    let after = w.state.tally(PROPOSAL).expect("tally").evaluation.tally;
    assert_eq!((after.eligible + 1, after.oppose + 1), (before.eligible, before.oppose), "its opposition stops counting");
    given(&w).when(LEAD, record(ORG_C, "Di nuovo")).then_error(DomainError::OrganizationAlreadyRecused);
    // The organization cannot withdraw a recusal a conducting member recorded.
    let withdraw = |org| Command::WithdrawRecusal { proposal_id: PROPOSAL, organization_id: org };
    given(&w)
        .when(PARTNER_C, withdraw(ORG_C))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::WithdrawRecusal });
    given(&w).when(LEAD, withdraw(ORG_B)).then_error(DomainError::NotRecused);
    w.run(LEAD, withdraw(ORG_C));
    assert_eq!(w.state.tally(PROPOSAL).expect("tally").evaluation.tally, before, "withdrawn, its position counts again");
    w.run(LEAD, close());
    given(&w).when(LEAD, record(ORG_C, "Tardi")).then_error(DomainError::ProposalNotActive { status: ProposalStatus::Rejected });
}

#[test]
fn an_organization_withdraws_its_own_declaration_before_closing() {
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_C2, Command::DeclareInterest { proposal_id: PROPOSAL, description: "Dubbio".to_owned() });
    let withdraw = Command::WithdrawRecusal { proposal_id: PROPOSAL, organization_id: ORG_C };
    given(&w)
        .when(PARTNER_B, Command::WithdrawRecusal { proposal_id: PROPOSAL, organization_id: ORG_C })
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::WithdrawRecusal });
    given(&w).when(PARTNER_C, withdraw.clone()).then(vec![Event::RecusalWithdrawn {
        proposal_id: PROPOSAL,
        organization_id: ORG_C,
        by: M_C,
        at: t0(),
    }]);
    w.run(PARTNER_C, withdraw.clone());
    assert_eq!(w.accepted(PARTNER_C, position(ORG_C, Stance::Support)), ["PositionStated"], "it takes part again");
    given(&w).when(PARTNER_C, withdraw).then_error(DomainError::NotRecused);
    // It may declare again, as long as it has not stated a position.
    assert_eq!(
        w.accepted(PARTNER_C2, Command::DeclareInterest { proposal_id: PROPOSAL, description: "Di nuovo".to_owned() }),
        ["InterestDeclared"]
    );
}

#[test]
fn when_the_managing_authority_does_not_vote_it_is_not_eligible() {
    let mut w = World::deliberating(DecisionRule::majority().with_lead_votes(false));
    let with_lead = World::deliberating(DecisionRule::majority());
    let eligible = w.state.tally(PROPOSAL).expect("tally").evaluation.tally.eligible;
    let eligible_with_lead = with_lead.state.tally(PROPOSAL).expect("tally").evaluation.tally.eligible;
    assert_eq!(eligible + 1, eligible_with_lead);
    given(&w).when(LEAD, position(ORG_MA, Stance::Support)).then_error(DomainError::LeadDoesNotVote);
    assert!(DomainError::LeadDoesNotVote.is_cannot_vote());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Support));
    let events = w.run(LEAD, close());
    match &events[0] {
        Event::DecisionRecorded { eligible_organizations, rule, .. } => {
            assert!(!eligible_organizations.contains(&ORG_MA));
            assert!(!rule.lead_votes);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn closing_deliberation_records_the_whole_decision() {
    let mut w = World::deliberating(DecisionRule::majority());
    w.now = day(1);
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Oppose));
    w.run(LEAD, position(ORG_MA, Stance::Support));
    w.run(CO, Command::DeclareInterest { proposal_id: PROPOSAL, description: "Interesse diretto".to_owned() });
    let record = |org, member, stance: Stance| PositionRecord {
        organization_id: org,
        member_id: member,
        stance,
        rationale: stance.requires_rationale().then(|| "Perché serve più tempo.".to_owned()),
        text_version: 1,
        stated_at: day(1),
    };
    let expected_positions = {
        let mut positions = vec![
            record(ORG_B, M_B, Stance::Support),
            record(ORG_C, M_C, Stance::Oppose),
            record(ORG_MA, M_LEAD, Stance::Support),
        ];
        positions.sort_by_key(|p| p.organization_id);
        positions
    };
    given(&w).when(LEAD, close()).then(vec![Event::DecisionRecorded {
        decision_id: DECISION,
        proposal_id: PROPOSAL,
        outcome: Outcome::Adopted,
        rule: DecisionRule::majority(),
        tally: Tally {
            eligible: 3,
            expressed: 3,
            support: 2,
            support_with_reservations: 0,
            abstain: 0,
            oppose: 1,
            quorum_met: true,
            would_pass: true,
        },
        reason: None,
        eligible_organizations: vec![ORG_MA, ORG_B, ORG_C],
        recused_organizations: vec![ORG_A],
        positions: expected_positions,
        text_version: 1,
        session_id: None,
        binding: false,
        by: M_LEAD,
        at: day(1),
        at_deadline: false,
    }]);
    w.run(LEAD, close());
    assert_eq!(w.workshop().proposals[&PROPOSAL].status, ProposalStatus::Adopted);
    assert_eq!(w.workshop().decisions[&DECISION].outcome, Outcome::Adopted);
    given(&w).when(LEAD, close()).then_error(DomainError::DeliberationNotOpen { status: ProposalStatus::Adopted });
}

#[test]
fn a_rejection_records_why() {
    let mut w = World::deliberating(DecisionRule::consensus());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Oppose));
    w.run(LEAD, position(ORG_MA, Stance::Support));
    let events = given(&w).when(LEAD, close()).events();
    assert!(matches!(
        &events[0],
        Event::DecisionRecorded { outcome: Outcome::Rejected, reason: Some(RejectionReason::Opposition), .. }
    ));
    w.run(LEAD, close());
    assert_eq!(w.workshop().proposals[&PROPOSAL].status, ProposalStatus::Rejected);
}

#[test]
fn closing_needs_a_fresh_decision_id_and_an_open_session_if_one_is_named() {
    let mut w = World::with_open_session();
    w.run(PARTNER_B, submit(CONTRIBUTION, "x"));
    w.run(LEAD, draft_with(DecisionRule::majority()));
    w.run(LEAD, Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: Some(SESSION), closes_at: None });
    let in_session = Command::CloseDeliberation { proposal_id: PROPOSAL, decision_id: DECISION, session_id: Some(SESSION) };
    let events = given(&w).when(LEAD, in_session.clone()).events();
    assert!(matches!(events[0], Event::DecisionRecorded { session_id: Some(SESSION), binding: true, .. }));
    w.run(FACILITATOR, Command::CloseSession { session_id: SESSION });
    given(&w).when(LEAD, in_session).then_error(DomainError::SessionClosed);

    let mut w = World::deliberating(DecisionRule::majority());
    w.run(LEAD, close());
    let second = ProposalId::from_u128(0x801);
    w.run(
        LEAD,
        Command::DraftProposal {
            proposal_id: second,
            kind: ProposalKind::UnifiedPosition,
            title: "Posizione unitaria".to_owned(),
            text: "Testo".to_owned(),
            cites: vec![],
            rule: DecisionRule::majority(),
            binding: false,
        },
    );
    w.run(LEAD, Command::OpenDeliberation { proposal_id: second, session_id: None, closes_at: None });
    given(&w)
        .when(LEAD, Command::CloseDeliberation { proposal_id: second, decision_id: DECISION, session_id: None })
        .then_error(DomainError::AlreadyExists(Entity::Decision));
}

#[test]
fn only_the_lead_or_a_co_conductor_closes_deliberation() {
    for (person, role) in [(PARTNER_B, Role::Partner), (FACILITATOR, Role::Facilitator), (AUDITOR, Role::Auditor)] {
        given(&World::deliberating(DecisionRule::majority()))
            .when(person, close())
            .then_error(DomainError::RoleNotAllowed { role, command: CommandKind::CloseDeliberation });
    }
}

#[test]
fn a_member_leaving_while_deliberation_is_open_takes_their_voice_away() {
    // Organization B's only voting member leaves: B is no longer eligible and its support no
    // longer counts; organization C keeps its voice through its second member.
    let mut w = World::deliberating(DecisionRule::majority());
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Oppose));
    assert!(w.state.tally(PROPOSAL).expect("tally").evaluation.tally.quorum_met);
    w.run(PARTNER_B, Command::LeaveWorkshop { member_id: M_B, reason: "Fine mandato".to_owned() });
    w.run(PARTNER_C, Command::LeaveWorkshop { member_id: M_C, reason: "Sostituito".to_owned() });
    let events = given(&w).when(LEAD, close()).events();
    match &events[0] {
        Event::DecisionRecorded { tally, outcome, reason, eligible_organizations, positions, .. } => {
            assert_eq!(eligible_organizations, &vec![ORG_MA, ORG_A, ORG_C]);
            assert_eq!((tally.eligible, tally.expressed, tally.support, tally.oppose), (3, 1, 0, 1));
            assert_eq!(*outcome, Outcome::Rejected);
            assert_eq!(*reason, Some(RejectionReason::QuorumNotMet));
            assert_eq!(positions.len(), 1);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_deliberation_with_a_deadline_closes_by_itself_once_the_deadline_comes() {
    let mut w = World::with_draft(DecisionRule::majority());
    let open = |closes_at| Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: None, closes_at: Some(closes_at) };
    let err = w.decide(LEAD, open(t0())).expect_err("a deadline in the past");
    assert_eq!((err.clone(), err.category()), (DomainError::DeadlineInPast, ErrorCategory::Validation { field: "closesAt" }));
    assert!(matches!(w.decide(LEAD, open(at("2099-01-01T00:00:00Z"))), Err(DomainError::DateOutOfRange { .. })));
    w.run(LEAD, open(day(2)));
    let at_deadline = |id| Command::CloseAtDeadline { proposal_id: PROPOSAL, decision_id: DecisionId::from_u128(id) };
    given(&w).when(OUTSIDER, at_deadline(0x901)).then_error(DomainError::DeadlineNotReached);
    w.run(PARTNER_B, position(ORG_B, Stance::Support));
    w.run(PARTNER_C, position(ORG_C, Stance::Support));

    // The lead extends it before it passes; a partner cannot.
    let extend = |closes_at| Command::SetDeliberationDeadline { proposal_id: PROPOSAL, closes_at };
    given(&w)
        .when(PARTNER_B, extend(day(5)))
        .then_error(DomainError::RoleNotAllowed { role: Role::Partner, command: CommandKind::SetDeliberationDeadline });
    w.now = day(1);
    w.run(CO, extend(day(3)));

    // Once it passes, nothing changes it any more, and anyone (the server) may close it.
    w.now = day(3);
    given(&w).when(PARTNER_B, position(ORG_B, Stance::Oppose)).then_error(DomainError::DeadlinePassed);
    given(&w).when(LEAD, extend(day(9))).then_error(DomainError::DeadlinePassed);
    given(&w)
        .when(PARTNER_B, Command::DeclareInterest { proposal_id: PROPOSAL, description: "x".to_owned() })
        .then_error(DomainError::DeadlinePassed);
    let events = given(&w).when(OUTSIDER, at_deadline(0x901)).events();
    match &events[..] {
        [Event::DecisionRecorded { outcome, by, at_deadline, at, tally, .. }] => {
            assert_eq!((*outcome, *by, *at_deadline, *at), (Outcome::Adopted, M_CO, true, day(3)), "in the name of who set it");
            assert_eq!(tally.support, 2);
        }
        other => panic!("{other:?}"),
    }
    w.run(OUTSIDER, at_deadline(0x901));
    given(&w).when(OUTSIDER, at_deadline(0x902)).then_error(DomainError::DeliberationNotOpen { status: ProposalStatus::Adopted });
}

#[test]
fn without_a_deadline_a_deliberation_never_closes_by_itself_and_the_lead_may_close_early() {
    let mut w = World::deliberating(DecisionRule::majority());
    given(&w)
        .when(LEAD, Command::CloseAtDeadline { proposal_id: PROPOSAL, decision_id: DecisionId::from_u128(0x901) })
        .then_error(DomainError::DeadlineNotReached);
    w.run(LEAD, Command::SetDeliberationDeadline { proposal_id: PROPOSAL, closes_at: day(10) });
    // Closing before the deadline is the lead's call, as always.
    let events = w.run(LEAD, close());
    assert!(matches!(&events[0], Event::DecisionRecorded { at_deadline: false, .. }));
}
