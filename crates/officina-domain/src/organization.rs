//! The organization aggregate: a body taking part in workshops, with its ECCP category.
//!
//! Organizations live in their own streams (`organization-<uuid>`) because one organization takes
//! part in many workshops. Workshops keep a copy of the facts they need (name and category at
//! admission), passed in by the app layer.

use crate::context::Context;
use crate::error::{DomainError, Entity};
use crate::event::event_names;
use crate::ids::{OrganizationId, PersonId};
use crate::values::{EccpCategory, OrganizationRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state of an organization stream; `Default` means the stream does not exist yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The organization, once registered.
    pub organization: Option<Organization>,
}

/// A registered organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: OrganizationId,
    /// Its current name.
    pub name: String,
    /// Its ECCP category.
    pub category: EccpCategory,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// Earlier names, oldest first.
    pub previous_names: Vec<String>,
}

impl Organization {
    /// The facts a workshop command needs about this organization.
    pub fn to_ref(&self) -> OrganizationRef {
        OrganizationRef { id: self.id, name: self.name.clone(), category: self.category }
    }
}

/// A command on an organization stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Command {
    /// Register a new organization (platform administrators).
    RegisterOrganization {
        /// The new id, chosen by the caller.
        organization_id: OrganizationId,
        /// Its name.
        name: String,
        /// Its ECCP category.
        category: EccpCategory,
    },
    /// Rename the organization (platform administrators).
    RenameOrganization {
        /// The new name.
        name: String,
    },
}

/// An event of an organization stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all_fields = "camelCase")]
pub enum Event {
    /// An organization was registered.
    OrganizationRegistered {
        /// Its id.
        organization_id: OrganizationId,
        /// Its name.
        name: String,
        /// Its ECCP category.
        category: EccpCategory,
        /// Who registered it.
        registered_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// An organization was renamed.
    OrganizationRenamed {
        /// Its id.
        organization_id: OrganizationId,
        /// The new name.
        name: String,
        /// The name it had before.
        previous_name: String,
        /// Who renamed it.
        renamed_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The organization this event creates, if it creates one (exhaustive).
    pub fn created(&self) -> Option<OrganizationId> {
        match self {
            Event::OrganizationRegistered { organization_id, .. } => Some(*organization_id),
            Event::OrganizationRenamed { .. } => None,
        }
    }
}
event_names!(Event { OrganizationRegistered, OrganizationRenamed });

/// Decides what a command does to an organization stream.
pub fn decide(state: &State, command: Command, ctx: &Context) -> Result<Vec<Event>, DomainError> {
    if !ctx.actor.platform_admin {
        return Err(DomainError::PlatformAdminRequired);
    }
    match command {
        Command::RegisterOrganization { organization_id, name, category } => {
            if state.organization.is_some() {
                return Err(DomainError::AlreadyExists(Entity::Organization));
            }
            let name = crate::text::line("name", name, crate::text::limits::TITLE)?;
            Ok(vec![Event::OrganizationRegistered {
                organization_id,
                name,
                category,
                registered_by: ctx.actor.person_id,
                at: ctx.now,
            }])
        }
        Command::RenameOrganization { name } => {
            let organization = state.organization.as_ref().ok_or(DomainError::NotFound(Entity::Organization))?;
            let name = crate::text::line("name", name, crate::text::limits::TITLE)?;
            if name == organization.name {
                return Err(DomainError::NameUnchanged);
            }
            Ok(vec![Event::OrganizationRenamed {
                organization_id: organization.id,
                name,
                previous_name: organization.name.clone(),
                renamed_by: ctx.actor.person_id,
                at: ctx.now,
            }])
        }
    }
}

/// Applies an event to an organization stream's state.
pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::OrganizationRegistered { organization_id, name, category, at, .. } => {
            state.organization = Some(Organization {
                id: *organization_id,
                name: name.clone(),
                category: *category,
                registered_at: *at,
                previous_names: Vec::new(),
            });
        }
        Event::OrganizationRenamed { name, previous_name, .. } => {
            if let Some(org) = state.organization.as_mut() {
                org.previous_names.push(previous_name.clone());
                org.name = name.clone();
            }
        }
    }
    state
}
