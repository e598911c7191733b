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
        /// Its codice fiscale, when given.
        codice_fiscale: Option<String>,
        /// What the registry knows: an organization already registered with the same name key
        /// and category, or the same codice fiscale (the caller looks it up; see [`name_key`]).
        already_registered: Option<OrganizationId>,
    },
    /// Rename the organization (platform administrators).
    RenameOrganization {
        /// The new name.
        name: String,
        /// Another organization already registered with the new name's key and this category.
        already_registered: Option<OrganizationId>,
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
        /// Its codice fiscale; absent when not given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        codice_fiscale: Option<String>,
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
        Command::RegisterOrganization { organization_id, name, category, codice_fiscale, already_registered } => {
            if state.organization.is_some() {
                return Err(DomainError::AlreadyExists(Entity::Organization));
            }
            let name = crate::text::line("name", name, crate::text::limits::TITLE)?;
            let codice_fiscale = codice_fiscale.map(|code| valid_tax_code(&code)).transpose()?;
            // One organization, one record: a second registration would split its history.
            if let Some(existing) = already_registered.filter(|existing| *existing != organization_id) {
                return Err(DomainError::OrganizationAlreadyRegistered { existing });
            }
            Ok(vec![Event::OrganizationRegistered {
                organization_id,
                name,
                category,
                codice_fiscale,
                registered_by: ctx.actor.person_id,
                at: ctx.now,
            }])
        }
        Command::RenameOrganization { name, already_registered } => {
            let organization = state.organization.as_ref().ok_or(DomainError::NotFound(Entity::Organization))?;
            let name = crate::text::line("name", name, crate::text::limits::TITLE)?;
            if name == organization.name {
                return Err(DomainError::NameUnchanged);
            }
            if let Some(existing) = already_registered.filter(|existing| *existing != organization.id) {
                return Err(DomainError::OrganizationAlreadyRegistered { existing });
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

/// An organization's name as compared for duplicates: lower case, letters and digits only, words
/// separated by one space ("Comune di  Sulmona." and "comune di sulmona" are one name).
pub fn name_key(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_alphanumeric() { c.to_lowercase().next().unwrap_or(c) } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A codice fiscale as recorded: upper case without spaces; 11 digits with the check digit of
/// Italian bodies (and VAT numbers), or the 16 letters and digits of a person's.
pub fn valid_tax_code(code: &str) -> Result<String, DomainError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if code.len() == 11 && digits.len() == 11 {
        let sum: u32 = digits[..10]
            .iter()
            .enumerate()
            .map(|(i, d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { *d })
            .sum();
        if (10 - sum % 10) % 10 == digits[10] {
            return Ok(code);
        }
    } else if code.len() == 16 && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        return Ok(code);
    }
    Err(DomainError::InvalidTaxCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_spacing_and_punctuation() {
        assert_eq!(name_key("  Comune di  Sulmona. "), "comune di sulmona");
        assert_eq!(name_key("CGIL – Abruzzo/Molise"), name_key("cgil abruzzo molise"));
        assert_ne!(name_key("Città di Roma"), name_key("Citta di Roma"), "accents are letters");
    }

    #[test]
    fn tax_codes_have_their_shape_and_check_digit() {
        // The codice fiscale of the Agenzia delle Entrate, and of the Presidenza del Consiglio.
        assert_eq!(valid_tax_code("06363391001"), Ok("06363391001".to_owned()));
        assert_eq!(valid_tax_code(" 80188230587 "), Ok("80188230587".to_owned()));
        assert_eq!(valid_tax_code("06363391002"), Err(DomainError::InvalidTaxCode), "a wrong check digit");
        assert_eq!(valid_tax_code("rssmra80a01h501u"), Ok("RSSMRA80A01H501U".to_owned()));
        assert_eq!(valid_tax_code("12345"), Err(DomainError::InvalidTaxCode));
        assert_eq!(valid_tax_code("RSSMRA80A01H501-"), Err(DomainError::InvalidTaxCode));
    }
}
