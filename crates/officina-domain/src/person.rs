//! The person registry: who may be admitted to workshops.
//!
//! A person's stream (`person-<uuid>`) records that they were registered, by whom and for which
//! workshop, and that their personal data was erased; it never holds the data itself. Names and
//! e-mail addresses are personal data (GDPR art. 4): the app layer keeps them in their own table
//! beside the log, where an erasure deletes them, while the log, which can never be edited, only
//! ever names the person by id. So an erasure removes a person's data without breaking the
//! hash chain or any workshop's history.
//!
//! The data still passes through [`decide`], so its rules (what a display name and an e-mail
//! address may be, one registration per address) are checked here like every other rule.

use crate::context::Context;
use crate::error::{DomainError, Entity};
use crate::event::event_names;
use crate::ids::{OrganizationId, PersonId, WorkshopId};
use crate::text::{self, limits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest e-mail address accepted (RFC 5321's path limit less the angle brackets).
pub const EMAIL_MAX: usize = 254;

/// The state of a person stream; `Default` means the person is not registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The person, once registered.
    pub person: Option<Person>,
}

/// A registered person, as the log knows them (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their id: the subject of their sign-in token.
    pub id: PersonId,
    /// When they were registered.
    pub registered_at: DateTime<Utc>,
    /// When their personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
}

impl State {
    /// Whether the person is registered and their data not erased: whether they can be admitted.
    pub fn is_admissible(&self) -> bool {
        self.person.as_ref().is_some_and(|p| p.erased_at.is_none())
    }
}

/// What a registration records about a person, validated: kept beside the log, never in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalData {
    /// The name shown to other participants.
    pub display_name: String,
    /// The e-mail address, as given (without surrounding spaces).
    pub email: String,
    /// The organization they belong to, when given.
    pub organization_id: Option<OrganizationId>,
}

/// A command on a person stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Command {
    /// Register a person: by a platform administrator, or by a lead of the workshop named.
    RegisterPerson {
        /// The id: the subject of the person's sign-in token.
        person_id: PersonId,
        /// Their personal data.
        data: PersonalData,
        /// The workshop they are registered for, when a workshop's lead registers them.
        for_workshop: Option<WorkshopId>,
        /// Whether the actor is a current lead of `for_workshop` (the caller looks it up).
        actor_leads_workshop: bool,
        /// A person already registered with the same e-mail address (the caller looks it up).
        already_registered: Option<PersonId>,
    },
    /// Erase the person's personal data (platform administrators): the registration stays, as
    /// a fact with no name attached.
    ErasePersonalData,
}

/// An event of a person stream: facts about the registration, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all_fields = "camelCase")]
pub enum Event {
    /// A person was registered.
    PersonRegistered {
        /// Their id.
        person_id: PersonId,
        /// The workshop they were registered for, when a lead registered them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_workshop: Option<WorkshopId>,
        /// Who registered them.
        registered_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A person's personal data was erased.
    PersonalDataErased {
        /// Their id.
        person_id: PersonId,
        /// Who erased it.
        erased_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The person this event registers, if it registers one (exhaustive).
    pub fn created(&self) -> Option<PersonId> {
        match self {
            Event::PersonRegistered { person_id, .. } => Some(*person_id),
            Event::PersonalDataErased { .. } => None,
        }
    }
}
event_names!(Event { PersonRegistered, PersonalDataErased });

/// Checks and normalizes a person's data: a one-line display name, a plausible e-mail address.
pub fn valid_data(data: PersonalData) -> Result<PersonalData, DomainError> {
    let display_name = text::line("displayName", data.display_name, limits::TITLE)?;
    let email = valid_email(&data.email)?;
    Ok(PersonalData { display_name, email, organization_id: data.organization_id })
}

/// An e-mail address as recorded: without surrounding spaces, one `@` between a non-empty local
/// part and a domain of dot-separated labels, no spaces or control characters.
pub fn valid_email(email: &str) -> Result<String, DomainError> {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(DomainError::InvalidEmail);
    };
    let plausible = email.chars().count() <= EMAIL_MAX
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
        && email.chars().all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"'));
    if plausible { Ok(email.to_owned()) } else { Err(DomainError::InvalidEmail) }
}

/// An e-mail address as compared for duplicates: without case (`Mario.Rossi@Regione.it` and
/// `mario.rossi@regione.it` are one person).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Decides what a command does to a person stream.
pub fn decide(state: &State, command: Command, ctx: &Context) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::RegisterPerson { person_id, data, for_workshop, actor_leads_workshop, already_registered } => {
            let allowed = ctx.actor.platform_admin || (for_workshop.is_some() && actor_leads_workshop);
            if !allowed {
                return Err(DomainError::RegistrationNotAllowed);
            }
            if state.person.is_some() {
                return Err(DomainError::AlreadyExists(Entity::Person));
            }
            valid_data(data)?;
            // One person, one registration: a second one would split who they are between ids.
            if let Some(existing) = already_registered.filter(|existing| *existing != person_id) {
                return Err(DomainError::PersonAlreadyRegistered { existing });
            }
            Ok(vec![Event::PersonRegistered { person_id, for_workshop, registered_by: ctx.actor.person_id, at: ctx.now }])
        }
        Command::ErasePersonalData => {
            if !ctx.actor.platform_admin {
                return Err(DomainError::PlatformAdminRequired);
            }
            let person = state.person.as_ref().ok_or(DomainError::NotFound(Entity::Person))?;
            if person.erased_at.is_some() {
                return Err(DomainError::PersonErased);
            }
            Ok(vec![Event::PersonalDataErased { person_id: person.id, erased_by: ctx.actor.person_id, at: ctx.now }])
        }
    }
}

/// Applies an event to a person stream's state.
pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::PersonRegistered { person_id, at, .. } => {
            state.person = Some(Person { id: *person_id, registered_at: *at, erased_at: None });
        }
        Event::PersonalDataErased { at, .. } => {
            if let Some(person) = state.person.as_mut() {
                person.erased_at = Some(*at);
            }
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Actor;

    fn data(email: &str) -> PersonalData {
        PersonalData { display_name: "Maria Rossi".to_owned(), email: email.to_owned(), organization_id: None }
    }

    fn register(by: Actor, for_workshop: Option<WorkshopId>, leads: bool) -> Result<Vec<Event>, DomainError> {
        let ctx = Context::new("2026-03-02T09:00:00Z".parse().unwrap(), by);
        let command = Command::RegisterPerson {
            person_id: PersonId::from_u128(7),
            data: data("maria.rossi@regione.sardegna.it"),
            for_workshop,
            actor_leads_workshop: leads,
            already_registered: None,
        };
        decide(&State::default(), command, &ctx)
    }

    #[test]
    fn e_mail_addresses_have_a_plausible_shape() {
        assert_eq!(valid_email(" Maria.Rossi@Regione.Sardegna.it "), Ok("Maria.Rossi@Regione.Sardegna.it".to_owned()));
        for bad in [
            "",
            "maria",
            "@regione.it",
            "maria@",
            "maria@regione",
            "maria@@regione.it",
            "ma ria@regione.it",
            "maria@regione..it",
            "maria@-regione.it",
            "<maria@regione.it>",
            "maria@regi\none.it",
        ] {
            assert_eq!(valid_email(bad), Err(DomainError::InvalidEmail), "{bad:?}");
        }
        assert_eq!(valid_email(&format!("{}@regione.it", "m".repeat(250))), Err(DomainError::InvalidEmail));
        assert_eq!(email_key("Maria.Rossi@Regione.it"), email_key("maria.rossi@regione.IT"));
    }

    #[test]
    fn administrators_and_a_workshops_leads_register_people() {
        let admin = Actor::admin(PersonId::from_u128(1));
        let lead = Actor::person(PersonId::from_u128(2));
        let workshop = Some(WorkshopId::from_u128(3));
        assert!(register(admin, None, false).is_ok());
        assert!(register(lead, workshop, true).is_ok());
        assert_eq!(register(lead, workshop, false), Err(DomainError::RegistrationNotAllowed));
        assert_eq!(register(lead, None, true), Err(DomainError::RegistrationNotAllowed));
    }

    #[test]
    fn an_erased_person_stays_registered_and_cannot_be_admitted() {
        let admin = Context::new("2026-03-02T09:00:00Z".parse().unwrap(), Actor::admin(PersonId::from_u128(1)));
        let registered = register(admin.actor, None, false).unwrap();
        let state = registered.iter().fold(State::default(), evolve);
        assert!(state.is_admissible());
        let erased = decide(&state, Command::ErasePersonalData, &admin).unwrap();
        let state = erased.iter().fold(state, evolve);
        assert!(state.person.is_some() && !state.is_admissible());
        assert_eq!(decide(&state, Command::ErasePersonalData, &admin), Err(DomainError::PersonErased));
        let someone = Context::new(admin.now, Actor::person(PersonId::from_u128(2)));
        assert_eq!(decide(&state, Command::ErasePersonalData, &someone), Err(DomainError::PlatformAdminRequired));
    }
}
