//! Assembling a report from one workshop's read models.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use officina_domain::{OrganizationId, Role, RuleMethod, SessionStatus, Stance, WorkshopId};
use officina_projections::{ProjectionError, ReadModels};
use serde::Serialize;

use crate::indicators::Indicators;
use crate::{Report, Source};

/// An organization as a report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Its id.
    pub id: String,
    /// Its name (as of the report's position).
    pub name: String,
    /// Its ECCP category (art. 3), as a wire name.
    pub category: String,
}

/// Which workshop, and what it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its theme.
    pub theme: String,
    /// The programming cycle (e.g. `2021-2027`).
    pub programming_cycle: String,
    /// The phase of the cycle, as a wire name.
    pub cycle_phase: String,
    /// The territory, in words.
    pub territory: String,
    /// ISTAT region codes.
    pub regions: Vec<String>,
    /// Provinces, if any.
    pub provinces: Vec<String>,
    /// The programme.
    pub programme: String,
    /// The Managing Authority.
    pub managing_authority: Organization,
    /// The stage reached, as a wire name.
    pub stage: String,
    /// When it was identified.
    pub identified_at: DateTime<Utc>,
    /// When it last changed stage, if it did.
    pub stage_changed_at: Option<DateTime<Utc>>,
}

/// One change of stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageEntry {
    /// The stage left, as a wire name.
    pub from: String,
    /// The stage reached, as a wire name.
    pub to: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The log position of the change.
    pub position: u64,
}

/// An organization of the partnership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    /// The organization.
    pub organization: Organization,
    /// The roles its members held, as wire names, sorted.
    pub roles: Vec<String>,
    /// When its first member was admitted.
    pub joined_at: DateTime<Utc>,
    /// When its last member left; null while one is still a member.
    pub left_at: Option<DateTime<Utc>>,
}

/// A session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEntry {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its status, as a wire name.
    pub status: String,
    /// When it was to start (after any postponement).
    pub starts_at: DateTime<Utc>,
    /// When it was convened.
    pub convened_at: DateTime<Utc>,
    /// The notice given, in Italian working days.
    pub notice_working_days: u32,
    /// Whether the notice was shorter than the 10 working days the Code of Conduct asks for.
    pub notice_shortfall: bool,
    /// How many times it was postponed.
    pub postponements: u32,
    /// The urgency given for opening it before its time; null when it opened on time or not yet.
    pub opening_urgency: Option<String>,
    /// Organizations present, by ECCP category (wire name → count).
    pub attendance_by_category: BTreeMap<String, u32>,
    /// How many organizations were present.
    pub organizations_present: u32,
}

/// The knowledge produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Contributions {
    /// Every contribution submitted.
    pub submitted: u32,
    /// Those withdrawn by their authors.
    pub withdrawn: u32,
    /// Not withdrawn, by kind (wire name → count).
    pub by_kind: BTreeMap<String, u32>,
    /// Not withdrawn, by the ECCP category of the author's organization.
    pub by_category: BTreeMap<String, u32>,
    /// Not withdrawn, by their latest disposition (wire name → count).
    pub dispositions: BTreeMap<String, u32>,
    /// Not withdrawn and still without a disposition.
    pub pending: u32,
}

/// The proposals tabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Proposals {
    /// How many were tabled.
    pub tabled: u32,
    /// By kind (wire name → count).
    pub by_kind: BTreeMap<String, u32>,
    /// By status (wire name → count).
    pub by_status: BTreeMap<String, u32>,
}

/// The positions of one ECCP category in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CategoryPositions {
    /// `SUPPORT`.
    pub support: u32,
    /// `SUPPORT_WITH_RESERVATIONS`.
    pub support_with_reservations: u32,
    /// `ABSTAIN`.
    pub abstain: u32,
    /// `OPPOSE`.
    pub oppose: u32,
}

/// A decision and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionEntry {
    /// Its id.
    pub id: String,
    /// The proposal's title.
    pub proposal_title: String,
    /// The proposal's kind, as a wire name.
    pub proposal_kind: String,
    /// Adopted or rejected, as a wire name.
    pub outcome: String,
    /// The rule's method, as a wire name.
    pub method: String,
    /// The qualified majority's threshold, `n/d`; null for other methods.
    pub threshold: Option<String>,
    /// The quorum, `n/d`.
    pub quorum: String,
    /// Whether the quorum was met.
    pub quorum_met: bool,
    /// Organizations eligible.
    pub eligible: u32,
    /// Organizations that expressed a position.
    pub expressed: u32,
    /// `SUPPORT` positions counted.
    pub support: u32,
    /// `SUPPORT_WITH_RESERVATIONS` positions counted.
    pub support_with_reservations: u32,
    /// `ABSTAIN` positions counted.
    pub abstain: u32,
    /// `OPPOSE` positions counted.
    pub oppose: u32,
    /// The organizations recused for a conflict of interest.
    pub recused: Vec<Organization>,
    /// The positions counted, by ECCP category.
    pub positions_by_category: BTreeMap<String, CategoryPositions>,
    /// The text version decided.
    pub text_version: u32,
    /// Whether it binds the partnership.
    pub binding: bool,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// The log position of its `DecisionRecorded` event: its provenance
    /// (`decision(id) { events }`, `proposal(id) { timeline }`).
    pub position: u64,
}

/// A Guideline version the workshop adopted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Adoption {
    /// The Guideline's id.
    pub guideline_id: String,
    /// Its title.
    pub title: String,
    /// The version adopted.
    pub version: u32,
    /// When.
    pub adopted_at: DateTime<Utc>,
}

/// Structured feedback on a Guideline, what the workshop asks the Labs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    /// The Guideline's id.
    pub guideline_id: String,
    /// The version it is about.
    pub version: u32,
    /// The section of the Guideline.
    pub section: String,
    /// The organization that gave it.
    pub organization: Organization,
    /// What worked.
    pub worked: String,
    /// What did not.
    pub did_not_work: String,
    /// What to change.
    pub suggestion: String,
}

/// The Guidelines tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Guidelines {
    /// The versions adopted.
    pub adopted: Vec<Adoption>,
    /// The feedback given, by Guideline, version and section.
    pub feedback: Vec<Feedback>,
}

fn ratio(r: officina_domain::Ratio) -> String {
    format!("{}/{}", r.num, r.den)
}

/// Builds the report from `read`, the workshop's read models at `source.position`.
pub(crate) async fn build(read: &ReadModels, workshop: WorkshopId, source: Source) -> Result<Option<Report>, ProjectionError> {
    let ids = [workshop];
    let Some(row) = read.workshops_by_ids(&ids).await?.remove(&workshop) else {
        return Ok(None);
    };
    let members = read.members_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let sessions = read.sessions_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let contributions = read.contributions_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let proposals = read.proposals_by_workshop(&ids, None).await?.remove(&workshop).unwrap_or_default();
    let decisions = read.decisions_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let adoptions = read.adoptions_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let feedback = read.feedback_by_workshop(&ids).await?.remove(&workshop).unwrap_or_default();
    let stages: Vec<StageEntry> = read
        .stage_changes_by_workshop(&ids)
        .await?
        .remove(&workshop)
        .unwrap_or_default()
        .into_iter()
        .map(|g| StageEntry {
            from: g.from.as_str().to_owned(),
            to: g.to.as_str().to_owned(),
            at: g.changed_at,
            position: g.position,
        })
        .collect();

    // Every organization named anywhere, with its name and category as of the position.
    let mut named: BTreeSet<OrganizationId> = members.iter().map(|m| m.organization.id).collect();
    named.insert(row.managing_authority.id);
    named.extend(contributions.iter().map(|c| c.organization_id));
    named.extend(feedback.iter().map(|f| f.organization_id));
    for decision in &decisions {
        named.extend(decision.recused_organizations.iter().copied());
        named.extend(decision.positions.iter().map(|p| p.organization_id));
    }
    let named: Vec<OrganizationId> = named.into_iter().collect();
    let rows = read.organizations_by_ids(&named).await?;
    let organization = |id: OrganizationId| -> Organization {
        match rows.get(&id) {
            Some(o) => Organization { id: id.to_string(), name: o.name.clone(), category: o.category.as_str().to_owned() },
            None => {
                // Known to the workshop only by the reference its events carry.
                let known = members.iter().map(|m| &m.organization).find(|o| o.id == id);
                Organization {
                    id: id.to_string(),
                    name: known.map(|o| o.name.clone()).unwrap_or_default(),
                    category: known.map(|o| o.category.as_str().to_owned()).unwrap_or_default(),
                }
            }
        }
    };
    let category_of = |id: OrganizationId| organization(id).category;

    let identity = Identity {
        id: workshop.to_string(),
        name: row.name.clone(),
        theme: row.theme.clone(),
        programming_cycle: row.programming_cycle.clone(),
        cycle_phase: row.cycle_phase.as_str().to_owned(),
        territory: row.territory.clone(),
        regions: row.regions.clone(),
        provinces: row.provinces.clone(),
        programme: row.programme.clone(),
        managing_authority: organization(row.managing_authority.id),
        stage: row.stage.as_str().to_owned(),
        identified_at: row.identified_at,
        stage_changed_at: row.stage_changed_at,
    };

    // The partnership: one entry per organization, its members' roles, its first admission, and
    // its last departure once none is left.
    let mut by_organization: BTreeMap<OrganizationId, Vec<&officina_projections::MemberRow>> = BTreeMap::new();
    for member in &members {
        by_organization.entry(member.organization.id).or_default().push(member);
    }
    let mut partnership: Vec<Partner> = by_organization
        .iter()
        .map(|(&id, rows)| {
            let roles: BTreeSet<&str> = rows.iter().map(|m| m.role.as_str()).collect();
            let joined_at = rows.iter().map(|m| m.admitted_at).min().unwrap_or(row.identified_at);
            let left_at =
                if rows.iter().any(|m| m.left_at.is_none()) { None } else { rows.iter().filter_map(|m| m.left_at).max() };
            Partner { organization: organization(id), roles: roles.into_iter().map(str::to_owned).collect(), joined_at, left_at }
        })
        .collect();
    partnership.sort_by(|a, b| {
        (&a.organization.category, &a.organization.name, &a.organization.id).cmp(&(
            &b.organization.category,
            &b.organization.name,
            &b.organization.id,
        ))
    });

    let session_ids: Vec<_> = sessions.iter().map(|s| s.id).collect();
    let attendance = read.attendance_by_session(&session_ids).await?;
    let mut session_entries: Vec<SessionEntry> = sessions
        .iter()
        .map(|s| {
            let present: BTreeSet<OrganizationId> =
                attendance.get(&s.id).map(|rows| rows.iter().map(|a| a.organization_id).collect()).unwrap_or_default();
            let mut attendance_by_category: BTreeMap<String, u32> = BTreeMap::new();
            for &id in &present {
                *attendance_by_category.entry(category_of(id)).or_default() += 1;
            }
            SessionEntry {
                id: s.id.to_string(),
                title: s.title.clone(),
                status: s.status.as_str().to_owned(),
                starts_at: s.starts_at,
                convened_at: s.convened_at,
                notice_working_days: s.notice_working_days,
                notice_shortfall: s.notice_shortfall,
                postponements: s.postponements,
                opening_urgency: s.opening_urgency.clone(),
                attendance_by_category,
                organizations_present: present.len() as u32,
            }
        })
        .collect();
    session_entries.sort_by(|a, b| (a.convened_at, &a.id).cmp(&(b.convened_at, &b.id)));

    let mut knowledge = Contributions { submitted: contributions.len() as u32, ..Contributions::default() };
    for c in &contributions {
        if c.withdrawn_at.is_some() {
            knowledge.withdrawn += 1;
            continue;
        }
        *knowledge.by_kind.entry(c.kind.as_str().to_owned()).or_default() += 1;
        *knowledge.by_category.entry(category_of(c.organization_id)).or_default() += 1;
        match c.disposition {
            Some(d) => *knowledge.dispositions.entry(d.as_str().to_owned()).or_default() += 1,
            None => knowledge.pending += 1,
        }
    }

    let mut tabled = Proposals { tabled: proposals.len() as u32, ..Proposals::default() };
    for p in &proposals {
        *tabled.by_kind.entry(p.kind.as_str().to_owned()).or_default() += 1;
        *tabled.by_status.entry(p.status.as_str().to_owned()).or_default() += 1;
    }

    let mut decision_entries: Vec<DecisionEntry> = decisions
        .iter()
        .map(|d| {
            let proposal = proposals.iter().find(|p| p.id == d.proposal_id);
            let mut positions_by_category: BTreeMap<String, CategoryPositions> = BTreeMap::new();
            for p in &d.positions {
                let entry = positions_by_category.entry(category_of(p.organization_id)).or_default();
                match p.stance {
                    Stance::Support => entry.support += 1,
                    Stance::SupportWithReservations => entry.support_with_reservations += 1,
                    Stance::Abstain => entry.abstain += 1,
                    Stance::Oppose => entry.oppose += 1,
                }
            }
            let (method, threshold) = match d.rule.method {
                RuleMethod::Consensus => ("CONSENSUS", None),
                RuleMethod::Unanimity => ("UNANIMITY", None),
                RuleMethod::Majority => ("MAJORITY", None),
                RuleMethod::QualifiedMajority { threshold } => ("QUALIFIED_MAJORITY", Some(ratio(threshold))),
            };
            let mut recused: Vec<Organization> = d.recused_organizations.iter().map(|&id| organization(id)).collect();
            recused.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            DecisionEntry {
                id: d.id.to_string(),
                proposal_title: proposal.map(|p| p.title.clone()).unwrap_or_default(),
                proposal_kind: proposal.map(|p| p.kind.as_str().to_owned()).unwrap_or_default(),
                outcome: d.outcome.as_str().to_owned(),
                method: method.to_owned(),
                threshold,
                quorum: ratio(d.rule.quorum),
                quorum_met: d.tally.quorum_met,
                eligible: d.tally.eligible,
                expressed: d.tally.expressed,
                support: d.tally.support,
                support_with_reservations: d.tally.support_with_reservations,
                abstain: d.tally.abstain,
                oppose: d.tally.oppose,
                recused,
                positions_by_category,
                text_version: d.text_version,
                binding: d.binding,
                decided_at: d.decided_at,
                position: d.position,
            }
        })
        .collect();
    decision_entries.sort_by_key(|d| d.position);

    let guideline_ids: Vec<_> = adoptions
        .iter()
        .map(|a| a.guideline_id)
        .chain(feedback.iter().map(|f| f.guideline_id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let guideline_rows = read.guidelines_by_ids(&guideline_ids).await?;
    let mut guidelines = Guidelines {
        adopted: adoptions
            .iter()
            .map(|a| Adoption {
                guideline_id: a.guideline_id.to_string(),
                title: guideline_rows.get(&a.guideline_id).map(|g| g.title.clone()).unwrap_or_default(),
                version: a.version,
                adopted_at: a.adopted_at,
            })
            .collect(),
        feedback: feedback
            .iter()
            .map(|f| Feedback {
                guideline_id: f.guideline_id.to_string(),
                version: f.version,
                section: f.section.clone(),
                organization: organization(f.organization_id),
                worked: f.worked.clone(),
                did_not_work: f.did_not_work.clone(),
                suggestion: f.suggestion.clone(),
            })
            .collect(),
    };
    guidelines
        .adopted
        .sort_by(|a, b| (a.adopted_at, &a.guideline_id, a.version).cmp(&(b.adopted_at, &b.guideline_id, b.version)));
    guidelines.feedback.sort_by(|a, b| {
        (&a.guideline_id, a.version, &a.section, &a.organization.name).cmp(&(
            &b.guideline_id,
            b.version,
            &b.section,
            &b.organization.name,
        ))
    });

    let current_partners: Vec<&Partner> = partnership
        .iter()
        .filter(|p| p.left_at.is_none() && p.roles.iter().any(|r| r != Role::Auditor.as_str() && r != Role::Observer.as_str()))
        .collect();
    let indicators = Indicators::compute(
        &session_entries.iter().filter(|s| s.status != SessionStatus::Cancelled.as_str()).collect::<Vec<_>>(),
        &contributions,
        &decision_entries,
        &current_partners,
    );

    Ok(Some(Report {
        workshop: identity,
        stages,
        partnership,
        sessions: session_entries,
        contributions: knowledge,
        proposals: tabled,
        decisions: decision_entries,
        guidelines,
        indicators,
        source,
    }))
}
