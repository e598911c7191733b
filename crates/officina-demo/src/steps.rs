//! How the script records its steps: who acts, when, on which stream, and each workshop's cast
//! of ids.

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::ids::*;
use crate::{DemoCommand, DemoStep};

/// Accumulates the script.
pub(crate) struct Script {
    pub(crate) steps: Vec<DemoStep>,
}

impl Script {
    pub(crate) fn organization(&mut self, index: usize, now: DateTime<Utc>, command: organization::Command) {
        self.steps.push(DemoStep {
            stream: StreamRef::Organization(demo_organization_id(index)),
            actor: Actor::admin(DEMO_ADMIN),
            now,
            command: DemoCommand::Organization(command),
        });
    }

    /// Registers person `k` of workshop `n` (0: shared by every workshop), by `by`, with the
    /// organization they belong to.
    pub(crate) fn person(
        &mut self,
        by: PersonId,
        now: DateTime<Utc>,
        person: PersonId,
        (n, k): (u128, u128),
        organization: usize,
        for_workshop: Option<WorkshopId>,
    ) {
        let (display_name, email) = demo_person_data(n, k);
        let actor = if by == DEMO_ADMIN { Actor::admin(by) } else { Actor::person(by) };
        self.steps.push(DemoStep {
            stream: StreamRef::Person(person),
            actor,
            now,
            command: DemoCommand::Person(person::Command::RegisterPerson {
                person_id: person,
                data: person::PersonalData { display_name, email, organization_id: Some(demo_organization_id(organization)) },
                for_workshop,
                actor_leads_workshop: for_workshop.is_some(),
                already_registered: None,
            }),
        });
    }

    pub(crate) fn guideline(&mut self, now: DateTime<Utc>, command: guideline::Command) {
        self.steps.push(DemoStep {
            stream: StreamRef::Guideline(DEMO_GUIDELINE),
            actor: Actor::person(DEMO_LAB_RESEARCHER),
            now,
            command: DemoCommand::Guideline(command),
        });
    }
}

/// The people of one workshop and the ids it uses.
pub(crate) struct Cast {
    pub(crate) workshop: WorkshopId,
    pub(crate) n: u128,
    pub(crate) lead: PersonId,
    pub(crate) co: PersonId,
    pub(crate) partners: [PersonId; 3],
    pub(crate) observer: PersonId,
}

impl Cast {
    pub(crate) fn new(n: u128) -> Cast {
        let person = |k| PersonId::from_u128(uid(KIND_PERSON, n, k));
        Cast {
            workshop: demo_workshop_id(n),
            n,
            lead: person(1),
            co: person(2),
            partners: [person(3), person(4), person(5)],
            observer: person(6),
        }
    }

    pub(crate) fn member(&self, k: u128) -> MemberId {
        MemberId::from_u128(uid(KIND_MEMBER, self.n, k))
    }
    pub(crate) fn session(&self, k: u128) -> SessionId {
        SessionId::from_u128(uid(KIND_SESSION, self.n, k))
    }
    pub(crate) fn item(&self, k: u128) -> AgendaItemId {
        AgendaItemId::from_u128(uid(KIND_AGENDA, self.n, k))
    }
    pub(crate) fn document(&self, k: u128) -> DocumentId {
        DocumentId::from_u128(uid(KIND_DOCUMENT, self.n, k))
    }
    pub(crate) fn contribution(&self, k: u128) -> ContributionId {
        ContributionId::from_u128(uid(KIND_CONTRIBUTION, self.n, k))
    }
    pub(crate) fn proposal(&self, k: u128) -> ProposalId {
        ProposalId::from_u128(uid(KIND_PROPOSAL, self.n, k))
    }
    pub(crate) fn decision(&self, k: u128) -> DecisionId {
        DecisionId::from_u128(uid(KIND_DECISION, self.n, k))
    }
    pub(crate) fn minutes(&self, k: u128) -> MinutesId {
        MinutesId::from_u128(uid(KIND_MINUTES, self.n, k))
    }
    pub(crate) fn feedback(&self, k: u128) -> FeedbackId {
        FeedbackId::from_u128(uid(KIND_FEEDBACK, self.n, k))
    }
}

/// Appends the steps of one workshop.
pub(crate) struct WorkshopScript<'a> {
    pub(crate) script: &'a mut Script,
    pub(crate) cast: Cast,
}

impl WorkshopScript<'_> {
    pub(crate) fn step(&mut self, person: PersonId, now: DateTime<Utc>, command: workshop::Command) {
        let actor = if person == DEMO_ADMIN { Actor::admin(person) } else { Actor::person(person) };
        self.script.steps.push(DemoStep {
            stream: StreamRef::Workshop(self.cast.workshop),
            actor,
            now,
            command: DemoCommand::Workshop(command),
        });
    }
}
