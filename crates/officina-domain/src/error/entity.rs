//! The kinds of things a command can reference, with the codes of their `NotFound` and
//! `AlreadyExists` errors.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of things a command can reference, for `NotFound` and `AlreadyExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Entity {
    /// A workshop (its stream).
    Workshop,
    /// An organization (its stream).
    Organization,
    /// A guideline (its stream).
    Guideline,
    /// A version of a guideline.
    GuidelineVersion,
    /// A member of the workshop.
    Member,
    /// A session of the workshop.
    Session,
    /// An agenda item.
    AgendaItem,
    /// A shared document.
    Document,
    /// A contribution.
    Contribution,
    /// A proposal.
    Proposal,
    /// A version of a proposal's text.
    TextVersion,
    /// A session's minutes.
    Minutes,
    /// A version of the minutes.
    MinutesVersion,
    /// A decision.
    Decision,
    /// A piece of guideline feedback.
    Feedback,
    /// A position stated on a proposal.
    Position,
    /// A person of the registry.
    Person,
}

impl Entity {
    pub(super) fn en(&self) -> &'static str {
        match self {
            Entity::Workshop => "workshop",
            Entity::Organization => "organization",
            Entity::Guideline => "guideline",
            Entity::GuidelineVersion => "guideline version",
            Entity::Member => "member",
            Entity::Session => "session",
            Entity::AgendaItem => "agenda item",
            Entity::Document => "document",
            Entity::Contribution => "contribution",
            Entity::Proposal => "proposal",
            Entity::TextVersion => "text version",
            Entity::Minutes => "minutes",
            Entity::MinutesVersion => "minutes version",
            Entity::Decision => "decision",
            Entity::Feedback => "feedback",
            Entity::Position => "position",
            Entity::Person => "person",
        }
    }

    /// The Italian noun with its definite article, and whether it is feminine.
    pub(super) fn it(&self) -> (&'static str, bool) {
        match self {
            Entity::Workshop => ("l'officina", true),
            Entity::Organization => ("l'organizzazione", true),
            Entity::Guideline => ("la linea guida", true),
            Entity::GuidelineVersion => ("la versione della linea guida", true),
            Entity::Member => ("il partecipante", false),
            Entity::Session => ("l'incontro", false),
            Entity::AgendaItem => ("il punto all'ordine del giorno", false),
            Entity::Document => ("il documento", false),
            Entity::Contribution => ("il contributo", false),
            Entity::Proposal => ("la proposta", true),
            Entity::TextVersion => ("la versione del testo", true),
            Entity::Minutes => ("il verbale", false),
            Entity::MinutesVersion => ("la versione del verbale", true),
            Entity::Decision => ("la decisione", true),
            Entity::Feedback => ("il riscontro", false),
            Entity::Position => ("la posizione", true),
            Entity::Person => ("la persona", true),
        }
    }

    #[cfg(test)]
    pub(super) fn code_stem(&self) -> &'static str {
        match self {
            Entity::Workshop => "WORKSHOP",
            Entity::Organization => "ORGANIZATION",
            Entity::Guideline => "GUIDELINE",
            Entity::GuidelineVersion => "GUIDELINE_VERSION",
            Entity::Member => "MEMBER",
            Entity::Session => "SESSION",
            Entity::AgendaItem => "AGENDA_ITEM",
            Entity::Document => "DOCUMENT",
            Entity::Contribution => "CONTRIBUTION",
            Entity::Proposal => "PROPOSAL",
            Entity::TextVersion => "TEXT_VERSION",
            Entity::Minutes => "MINUTES",
            Entity::MinutesVersion => "MINUTES_VERSION",
            Entity::Decision => "DECISION",
            Entity::Feedback => "FEEDBACK",
            Entity::Position => "POSITION",
            Entity::Person => "PERSON",
        }
    }

    /// Every entity, in declaration order.
    pub const ALL: &'static [Entity] = &[
        Entity::Workshop,
        Entity::Organization,
        Entity::Guideline,
        Entity::GuidelineVersion,
        Entity::Member,
        Entity::Session,
        Entity::AgendaItem,
        Entity::Document,
        Entity::Contribution,
        Entity::Proposal,
        Entity::TextVersion,
        Entity::Minutes,
        Entity::MinutesVersion,
        Entity::Decision,
        Entity::Feedback,
        Entity::Position,
        Entity::Person,
    ];
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.en())
    }
}

pub(super) fn not_found_code(entity: Entity) -> &'static str {
    match entity {
        Entity::Workshop => "WORKSHOP_NOT_FOUND",
        Entity::Organization => "ORGANIZATION_NOT_FOUND",
        Entity::Guideline => "GUIDELINE_NOT_FOUND",
        Entity::GuidelineVersion => "GUIDELINE_VERSION_NOT_FOUND",
        Entity::Member => "MEMBER_NOT_FOUND",
        Entity::Session => "SESSION_NOT_FOUND",
        Entity::AgendaItem => "AGENDA_ITEM_NOT_FOUND",
        Entity::Document => "DOCUMENT_NOT_FOUND",
        Entity::Contribution => "CONTRIBUTION_NOT_FOUND",
        Entity::Proposal => "PROPOSAL_NOT_FOUND",
        Entity::TextVersion => "TEXT_VERSION_NOT_FOUND",
        Entity::Minutes => "MINUTES_NOT_FOUND",
        Entity::MinutesVersion => "MINUTES_VERSION_NOT_FOUND",
        Entity::Decision => "DECISION_NOT_FOUND",
        Entity::Feedback => "FEEDBACK_NOT_FOUND",
        Entity::Position => "POSITION_NOT_FOUND",
        Entity::Person => "PERSON_NOT_FOUND",
    }
}

pub(super) fn already_exists_code(entity: Entity) -> &'static str {
    match entity {
        Entity::Workshop => "WORKSHOP_ALREADY_EXISTS",
        Entity::Organization => "ORGANIZATION_ALREADY_EXISTS",
        Entity::Guideline => "GUIDELINE_ALREADY_EXISTS",
        Entity::GuidelineVersion => "GUIDELINE_VERSION_ALREADY_EXISTS",
        Entity::Member => "MEMBER_ALREADY_EXISTS",
        Entity::Session => "SESSION_ALREADY_EXISTS",
        Entity::AgendaItem => "AGENDA_ITEM_ALREADY_EXISTS",
        Entity::Document => "DOCUMENT_ALREADY_EXISTS",
        Entity::Contribution => "CONTRIBUTION_ALREADY_EXISTS",
        Entity::Proposal => "PROPOSAL_ALREADY_EXISTS",
        Entity::TextVersion => "TEXT_VERSION_ALREADY_EXISTS",
        Entity::Minutes => "MINUTES_ALREADY_EXISTS",
        Entity::MinutesVersion => "MINUTES_VERSION_ALREADY_EXISTS",
        Entity::Decision => "DECISION_ALREADY_EXISTS",
        Entity::Feedback => "FEEDBACK_ALREADY_EXISTS",
        Entity::Position => "POSITION_ALREADY_EXISTS",
        Entity::Person => "PERSON_ALREADY_EXISTS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_codes_follow_the_entity_name() {
        for entity in Entity::ALL {
            assert_eq!(not_found_code(*entity), format!("{}_NOT_FOUND", entity.code_stem()));
            assert_eq!(already_exists_code(*entity), format!("{}_ALREADY_EXISTS", entity.code_stem()));
        }
    }
}
