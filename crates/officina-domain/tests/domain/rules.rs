//! The decision rules as tables of cases, plus properties.

use officina_domain::tally::evaluate;
use officina_domain::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use Stance::{Abstain as A, Oppose as O, Support as S, SupportWithReservations as R};

fn orgs(n: u128) -> BTreeSet<OrganizationId> {
    (1..=n).map(OrganizationId::from_u128).collect()
}

/// Positions for organizations 1, 2, ... in order; `None` means no position.
fn positions(stances: &[Option<Stance>]) -> BTreeMap<OrganizationId, Stance> {
    stances.iter().enumerate().filter_map(|(i, s)| s.map(|s| (OrganizationId::from_u128(i as u128 + 1), s))).collect()
}

fn run(rule: DecisionRule, eligible: u128, stances: &[Option<Stance>], recused: &[u128]) -> Evaluation {
    let recused = recused.iter().map(|r| OrganizationId::from_u128(*r)).collect();
    evaluate(&rule, &orgs(eligible), &positions(stances), &recused)
}

/// A row: rule, organizations with a voting member, their positions, recused, expected reason.
type Case = (DecisionRule, u128, Vec<Option<Stance>>, Vec<u128>, Option<RejectionReason>);

const QM_2_3: DecisionRule = DecisionRule::qualified_majority(Ratio { num: 2, den: 3 });

#[test]
fn the_rules_decide_as_the_domain_page_defines() {
    use RejectionReason::*;
    let no = |reason| Some(reason);
    // (rule, organizations with a voting member, their positions, recused, expected reason)
    let cases: Vec<Case> = vec![
        // Consensus.
        (DecisionRule::consensus(), 3, vec![Some(S), Some(S), None], vec![], None),
        (DecisionRule::consensus(), 3, vec![Some(S), Some(A), Some(R)], vec![], None),
        (DecisionRule::consensus(), 3, vec![Some(S), Some(O), Some(S)], vec![], no(Opposition)),
        (DecisionRule::consensus(), 3, vec![Some(A), Some(A), None], vec![], no(NoSupport)),
        (DecisionRule::consensus(), 3, vec![Some(A), Some(A), Some(A)], vec![], no(NoSupport)),
        (DecisionRule::consensus(), 4, vec![Some(S), None, None, None], vec![], no(QuorumNotMet)),
        (DecisionRule::consensus(), 4, vec![Some(S), Some(S), None, None], vec![], None),
        (DecisionRule::consensus(), 0, vec![], vec![], no(NoEligibleOrganization)),
        // Majority.
        (DecisionRule::majority(), 3, vec![Some(S), Some(O), Some(S)], vec![], None),
        (DecisionRule::majority(), 4, vec![Some(S), Some(O), Some(A), None], vec![], no(MajorityNotReached)),
        (DecisionRule::majority(), 4, vec![Some(R), Some(O), Some(A), None], vec![], no(MajorityNotReached)),
        (DecisionRule::majority(), 4, vec![Some(R), Some(A), Some(A), None], vec![], None),
        (DecisionRule::majority(), 3, vec![Some(A), Some(A), Some(A)], vec![], no(MajorityNotReached)),
        (DecisionRule::majority(), 5, vec![Some(S), Some(S), None, None, None], vec![], no(QuorumNotMet)),
        (
            DecisionRule::majority().with_quorum(Ratio { num: 2, den: 5 }),
            5,
            vec![Some(S), Some(S), None, None, None],
            vec![],
            None,
        ),
        (DecisionRule::majority(), 0, vec![], vec![], no(NoEligibleOrganization)),
        // Qualified majority 2/3: exactly at the threshold passes.
        (QM_2_3, 3, vec![Some(S), Some(S), Some(O)], vec![], None),
        (QM_2_3, 5, vec![Some(S), Some(S), Some(O), Some(A), Some(A)], vec![], None),
        (QM_2_3, 4, vec![Some(S), Some(R), Some(O), Some(O)], vec![], no(ThresholdNotReached)),
        (QM_2_3, 5, vec![Some(S), Some(S), Some(S), Some(O), Some(O)], vec![], no(ThresholdNotReached)),
        (QM_2_3, 3, vec![Some(A), Some(A), Some(A)], vec![], no(ThresholdNotReached)),
        (QM_2_3, 4, vec![Some(S), None, None, None], vec![], no(QuorumNotMet)),
        (
            DecisionRule::qualified_majority(Ratio { num: 3, den: 5 }),
            5,
            vec![Some(S), Some(S), Some(S), Some(O), Some(O)],
            vec![],
            None,
        ),
        (QM_2_3, 0, vec![], vec![], no(NoEligibleOrganization)),
        // A support with reservations is a support for every rule: here it alone reaches the
        // threshold, the quorum, the majority, unanimity.
        (QM_2_3, 3, vec![Some(R), Some(R), Some(O)], vec![], None),
        (QM_2_3, 3, vec![Some(R), Some(O), Some(O)], vec![], no(ThresholdNotReached)),
        (DecisionRule::majority(), 3, vec![Some(R), Some(R), Some(O)], vec![], None),
        (DecisionRule::unanimity(), 2, vec![Some(R), Some(S)], vec![], None),
        (DecisionRule::consensus(), 2, vec![Some(R), Some(A)], vec![], None),
        // Recused organizations are not eligible and their positions stop counting.
        (DecisionRule::consensus(), 3, vec![Some(S), Some(O), None], vec![2], None),
        (DecisionRule::majority(), 3, vec![Some(S), Some(O), Some(O)], vec![3], no(MajorityNotReached)),
        (DecisionRule::majority(), 2, vec![Some(S), Some(S)], vec![1, 2], no(NoEligibleOrganization)),
        (DecisionRule::unanimity(), 3, vec![Some(S), Some(S), Some(O)], vec![3], None),
    ];
    for (i, (rule, eligible, stances, recused, expected)) in cases.into_iter().enumerate() {
        let evaluation = run(rule, eligible, &stances, &recused);
        assert_eq!(evaluation.reason, expected, "case {i}: {rule} {stances:?} recused {recused:?}");
        let outcome = if expected.is_none() { Outcome::Adopted } else { Outcome::Rejected };
        assert_eq!(evaluation.outcome, outcome, "case {i}");
        assert_eq!(evaluation.tally.would_pass, expected.is_none(), "case {i}");
    }
}

#[test]
fn unanimity_names_who_abstained_opposed_or_did_not_express() {
    let evaluation = run(DecisionRule::unanimity(), 5, &[Some(S), Some(A), Some(O), None, Some(R)], &[]);
    assert_eq!(
        evaluation.reason,
        Some(RejectionReason::NotUnanimous {
            abstained: vec![OrganizationId::from_u128(2)],
            opposed: vec![OrganizationId::from_u128(3)],
            not_expressed: vec![OrganizationId::from_u128(4)],
        })
    );
    assert_eq!(run(DecisionRule::unanimity(), 2, &[Some(S), Some(R)], &[]).outcome, Outcome::Adopted);
    assert_eq!(run(DecisionRule::unanimity(), 0, &[], &[]).reason, Some(RejectionReason::NoEligibleOrganization));
}

#[test]
fn when_everyone_abstains_every_rule_rejects() {
    let all_abstain = [Some(A), Some(A), Some(A)];
    for rule in [DecisionRule::consensus(), DecisionRule::unanimity(), DecisionRule::majority(), QM_2_3] {
        let evaluation = run(rule, 3, &all_abstain, &[]);
        assert_eq!(evaluation.outcome, Outcome::Rejected, "{rule}");
        assert!(evaluation.tally.quorum_met, "{rule}");
        assert_eq!(evaluation.tally.expressed, 3);
    }
}

/// Nobody taking sides never adopts a qualified-majority proposal, whatever the threshold (even
/// one the domain would never accept, passed to the evaluation directly).
#[test]
fn a_qualified_majority_with_nobody_on_either_side_is_not_reached_even_at_a_zero_threshold() {
    let zero = DecisionRule::qualified_majority(Ratio { num: 0, den: 1 });
    let evaluation = run(zero, 3, &[Some(A), Some(A), Some(A)], &[]);
    assert_eq!(evaluation.reason, Some(RejectionReason::ThresholdNotReached));
    assert_eq!(run(zero, 3, &[Some(A), Some(O), Some(A)], &[]).reason, None, "0 of 1 meets a zero threshold");
}

/// Without eligible organizations there is no quorum to meet, whatever the rule's quorum.
#[test]
fn no_eligible_organization_meets_no_quorum() {
    // A zero quorum too (which the domain never accepts, passed to the evaluation directly):
    // 0 of 0 is no share at all.
    let no_quorum = DecisionRule::majority().with_quorum(Ratio { num: 0, den: 1 });
    for rule in [DecisionRule::consensus(), DecisionRule::unanimity(), DecisionRule::majority(), QM_2_3, no_quorum] {
        let evaluation = run(rule, 0, &[], &[]);
        assert!(!evaluation.tally.quorum_met, "{rule}");
        assert!(!evaluation.tally.would_pass, "{rule}");
        assert_eq!(evaluation.tally, Tally { eligible: 0, expressed: 0, ..Tally::default() });
    }
}

/// Each rejection reason's stable name is the one its payload carries.
#[test]
fn rejection_reasons_are_named_as_in_their_payloads() {
    let none = Vec::new;
    let reasons = [
        RejectionReason::NoEligibleOrganization,
        RejectionReason::QuorumNotMet,
        RejectionReason::Opposition,
        RejectionReason::NoSupport,
        RejectionReason::NotUnanimous { abstained: none(), opposed: none(), not_expressed: none() },
        RejectionReason::MajorityNotReached,
        RejectionReason::ThresholdNotReached,
    ];
    let names: Vec<&str> = reasons.iter().map(RejectionReason::as_str).collect();
    assert_eq!(
        names,
        [
            "NO_ELIGIBLE_ORGANIZATION",
            "QUORUM_NOT_MET",
            "OPPOSITION",
            "NO_SUPPORT",
            "NOT_UNANIMOUS",
            "MAJORITY_NOT_REACHED",
            "THRESHOLD_NOT_REACHED"
        ]
    );
    for reason in &reasons {
        assert_eq!(serde_json::to_value(reason).expect("JSON")["reason"], reason.as_str(), "{reason:?}");
    }
}

#[test]
fn positions_of_organizations_without_a_voting_member_do_not_count() {
    // Organization 9 stated a position but has no voting member now.
    let mut stances = positions(&[Some(S), Some(O)]);
    stances.insert(OrganizationId::from_u128(9), S);
    let evaluation = evaluate(&DecisionRule::majority(), &orgs(2), &stances, &BTreeSet::new());
    assert_eq!((evaluation.tally.eligible, evaluation.tally.expressed, evaluation.tally.support), (2, 2, 1));
    assert_eq!(evaluation.reason, Some(RejectionReason::MajorityNotReached));
}

#[test]
fn the_quorum_is_met_exactly_at_the_fraction() {
    // 2 of 4 meets one half; 1 of 3 does not; 2 of 3 meets two thirds.
    assert!(run(DecisionRule::majority(), 4, &[Some(S), Some(S), None, None], &[]).tally.quorum_met);
    assert!(!run(DecisionRule::majority(), 3, &[Some(S), None, None], &[]).tally.quorum_met);
    let two_thirds = DecisionRule::majority().with_quorum(Ratio { num: 2, den: 3 });
    assert!(run(two_thirds, 3, &[Some(S), Some(S), None], &[]).tally.quorum_met);
    assert!(!run(two_thirds, 4, &[Some(S), Some(S), None, None], &[]).tally.quorum_met);
}

fn stance() -> impl Strategy<Value = Option<Stance>> {
    prop_oneof![Just(None), Just(Some(S)), Just(Some(R)), Just(Some(A)), Just(Some(O))]
}

fn quorum() -> impl Strategy<Value = Ratio> {
    (1u32..=12).prop_flat_map(|den| (1..=den).prop_map(move |num| Ratio { num, den }))
}

fn threshold() -> impl Strategy<Value = Ratio> {
    (1u32..=12).prop_flat_map(|den| (den / 2 + 1..=den).prop_map(move |num| Ratio { num, den }))
}

fn rule() -> impl Strategy<Value = DecisionRule> {
    (quorum(), threshold(), 0u8..4).prop_map(|(quorum, threshold, method)| {
        let method = match method {
            0 => RuleMethod::Consensus,
            1 => RuleMethod::Unanimity,
            2 => RuleMethod::Majority,
            _ => RuleMethod::QualifiedMajority { threshold },
        };
        DecisionRule { method, quorum, lead_votes: true }
    })
}

proptest! {
    #[test]
    fn a_further_support_never_turns_a_passing_majority_into_a_failing_one(
        stances in prop::collection::vec(stance(), 1..12),
        quorum in quorum(),
        index in any::<prop::sample::Index>(),
    ) {
        let rule = DecisionRule::majority().with_quorum(quorum);
        let n = stances.len() as u128;
        let before = run(rule, n, &stances, &[]);
        let mut more = stances.clone();
        more[index.index(stances.len())] = Some(S);
        let after = run(rule, n, &more, &[]);
        if before.tally.would_pass {
            prop_assert!(after.tally.would_pass);
        }
    }

    #[test]
    fn a_further_support_never_breaks_a_passing_qualified_majority(
        stances in prop::collection::vec(stance(), 1..12),
        rule in (quorum(), threshold()).prop_map(|(q, t)| DecisionRule::qualified_majority(t).with_quorum(q)),
        index in any::<prop::sample::Index>(),
    ) {
        let n = stances.len() as u128;
        let before = run(rule, n, &stances, &[]);
        let mut more = stances.clone();
        more[index.index(stances.len())] = Some(S);
        if before.tally.would_pass {
            prop_assert!(run(rule, n, &more, &[]).tally.would_pass);
        }
    }

    #[test]
    fn unanimity_passing_implies_consensus_passing(
        stances in prop::collection::vec(stance(), 0..12),
        quorum in quorum(),
    ) {
        let n = stances.len() as u128;
        let unanimity = run(DecisionRule::unanimity().with_quorum(quorum), n, &stances, &[]);
        let consensus = run(DecisionRule::consensus().with_quorum(quorum), n, &stances, &[]);
        if unanimity.tally.would_pass {
            prop_assert!(consensus.tally.would_pass);
        }
    }

    #[test]
    fn the_tally_always_adds_up_to_expressed(
        stances in prop::collection::vec(stance(), 0..12),
        rule in rule(),
        recused in prop::collection::btree_set(1u128..14, 0..4),
        extra in prop::collection::vec(stance(), 0..3),
    ) {
        let n = stances.len() as u128;
        let mut all = stances.clone();
        all.extend(extra); // positions of organizations that are not eligible
        let recused: Vec<u128> = recused.into_iter().collect();
        let t = run(rule, n, &all, &recused).tally;
        prop_assert_eq!(t.support + t.support_with_reservations + t.abstain + t.oppose, t.expressed);
        prop_assert!(t.expressed <= t.eligible);
        let eligible_expected = (1..=n).filter(|i| !recused.contains(i)).count() as u32;
        prop_assert_eq!(t.eligible, eligible_expected);
    }

    #[test]
    fn a_lower_threshold_passes_whatever_a_higher_one_passes(
        stances in prop::collection::vec(stance(), 1..12),
        a in threshold(),
        b in threshold(),
    ) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        let n = stances.len() as u128;
        if run(DecisionRule::qualified_majority(high), n, &stances, &[]).tally.would_pass {
            prop_assert!(run(DecisionRule::qualified_majority(low), n, &stances, &[]).tally.would_pass);
        }
    }

    #[test]
    fn with_no_eligible_organization_every_rule_rejects(
        rule in rule(),
        stances in prop::collection::vec(stance(), 0..5),
    ) {
        let evaluation = run(rule, 0, &stances, &[]);
        prop_assert_eq!(evaluation.reason, Some(RejectionReason::NoEligibleOrganization));
    }
}
