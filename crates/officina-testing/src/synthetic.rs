//! Synthetic histories for benchmarks: workshops of any size, made of the events a real one has.

use chrono::{TimeZone, Utc};
use officina_domain::workshop::Event;
use officina_domain::*;
use uuid::Uuid;

/// A workshop's identification, 60 members, 10 proposals in deliberation, then contributions
/// (two in three) and positions stated on the proposals (one in three).
pub fn workshop_history(workshop: WorkshopId, count: usize) -> Vec<AnyEvent> {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("an instant");
    let authority = OrganizationRef {
        id: OrganizationId::new(Uuid::now_v7()),
        name: "Regione Abruzzo".into(),
        category: EccpCategory::ManagingAuthority,
    };
    let lead = MemberId::new(Uuid::now_v7());
    let mut events = vec![Event::WorkshopIdentified {
        workshop_id: workshop,
        name: "OPS Bench".into(),
        theme: "Time travel".into(),
        programming_cycle: "2021-2027".into(),
        cycle_phase: CyclePhase::Implementation,
        territory: "Abruzzo".into(),
        regions: vec!["13".into()],
        provinces: Vec::new(),
        programme: "PR FESR".into(),
        managing_authority: authority.clone(),
        identified_by: PersonId::new(Uuid::now_v7()),
        at,
    }];
    let mut members = Vec::new();
    for n in 0..60 {
        let organization = OrganizationRef {
            id: OrganizationId::new(Uuid::now_v7()),
            name: format!("Partner {n}"),
            category: EccpCategory::EconomicSocialPartner,
        };
        let member_id = MemberId::new(Uuid::now_v7());
        members.push((member_id, organization.id));
        events.push(Event::MemberAdmitted {
            member_id,
            person_id: PersonId::new(Uuid::now_v7()),
            role: Role::Partner,
            organization,
            mandate_reference: "Delibera 12/2026".into(),
            admitted_by: Some(lead),
            administrator: None,
            at,
        });
    }
    let proposals: Vec<ProposalId> = (0..10).map(|_| ProposalId::new(Uuid::now_v7())).collect();
    for &proposal_id in &proposals {
        events.push(Event::ProposalDrafted {
            proposal_id,
            kind: ProposalKind::PriorityHypothesis,
            title: "Priorità".into(),
            text: "Una priorità del programma.".into(),
            cites: Vec::new(),
            rule: DecisionRule::majority(),
            binding: true,
            member_id: lead,
            organization_id: authority.id,
            at,
        });
        events.push(Event::DeliberationOpened { proposal_id, session_id: None, by: lead, at, closes_at: None });
    }
    let mut n = 0usize;
    while events.len() < count {
        let (member_id, organization_id) = members[n % members.len()];
        let event = if n % 3 == 2 {
            Event::PositionStated {
                proposal_id: proposals[n % proposals.len()],
                organization_id,
                member_id,
                stance: [Stance::Support, Stance::Abstain, Stance::Oppose][n % 3],
                rationale: Some("Per le ragioni dette in sessione.".into()),
                text_version: 1,
                at,
            }
        } else {
            Event::ContributionSubmitted {
                contribution_id: ContributionId::new(Uuid::now_v7()),
                kind: ContributionKind::Analysis,
                title: "Analisi dei fabbisogni".into(),
                body: "Un testo di qualche riga sui fabbisogni del territorio.".into(),
                member_id,
                organization_id,
                session_id: None,
                agenda_item_id: None,
                reply_to: None,
                at,
            }
        };
        events.push(event);
        n += 1;
    }
    events.into_iter().map(AnyEvent::Workshop).collect()
}
