//! The person registry: the personal data beside the log, the facts in it.
//!
//! A registration writes the person's data first, then appends the fact; if the append does not
//! land, the data is deleted again, so no one's data stays without a registration. An erasure
//! deletes the data first, then appends the fact, so the data is gone even if the append fails
//! (and a retry records it). Both are decided by the domain before anything is written, so a
//! refused request writes nothing anywhere.

use chrono::Duration;
use officina_domain::person::{self, PersonalData};
use officina_domain::{Context, DomainError, PersonId, Role, WorkshopId};
use officina_store::{Inserted, PersonalRecord};

use crate::{AppError, CommandRequest, CommandService, Executed, Persons, Workshops};

/// How old a row of personal data without a registration must be before it counts as left over
/// from a crash (and not as a registration still on its way to the log).
const LEFTOVER_AFTER_SECONDS: i64 = 60;

impl CommandService {
    /// Registers `person_id` with `data`: by a platform administrator, or by a lead of
    /// `for_workshop`. One person per e-mail address.
    pub async fn register_person(
        &self,
        person_id: PersonId,
        data: PersonalData,
        for_workshop: Option<WorkshopId>,
        request: &CommandRequest,
    ) -> Result<Executed<person::Event>, AppError> {
        let ctx = Context::new(request.now.unwrap_or_else(|| self.now()), request.actor);
        let actor_leads_workshop = match for_workshop {
            Some(workshop) => {
                self.inspect::<Workshops, _>(workshop, |state, _| {
                    let member = state.workshop.as_ref().and_then(|w| w.current_member_of(ctx.actor.person_id));
                    member.is_some_and(|m| m.role == Role::Lead)
                })
                .await?
            }
            None => false,
        };
        let data = person::valid_data(data)?;
        let email_key = person::email_key(&data.email);
        let already_registered = self.registered_with_email(&email_key, person_id, &ctx).await?;
        let command = person::Command::RegisterPerson {
            person_id,
            data: data.clone(),
            for_workshop,
            actor_leads_workshop,
            already_registered,
        };
        let registered = self.inspect::<Persons, _>(person_id, |state, _| state.person.is_some()).await?;
        if registered {
            // A retry of a registration that landed gets its first answer back; anything else is
            // refused by the domain. The data on record is left as it is either way.
            return self.execute::<Persons>(person_id, command, request).await;
        }
        person::decide(&person::State::default(), command.clone(), &ctx)?;
        let record = PersonalRecord {
            person_id: person_id.uuid(),
            display_name: data.display_name,
            email: data.email,
            email_key,
            organization_id: data.organization_id.map(|id| id.uuid()),
            recorded_at_micros: ctx.now.timestamp_micros(),
        };
        let inserted = match self.store().insert_personal_data(&record).await? {
            Inserted::New => true,
            // The same registration, retried while the first was on its way to the log.
            Inserted::PersonExists => false,
            Inserted::EmailTaken(other) => {
                return Err(DomainError::PersonAlreadyRegistered { existing: PersonId::from(other.person_id) }.into());
            }
        };
        let executed = self.execute::<Persons>(person_id, command, request).await;
        // A registration that may have landed keeps its data (a retry with its key finds it).
        if executed.as_ref().is_err_and(|error| !error.may_have_taken_effect())
            && inserted
            && let Err(error) = self.store().delete_personal_data(person_id.uuid()).await
        {
            tracing::error!(%error, person = %person_id, "the data of a registration that did not land could not be deleted");
        }
        executed
    }

    /// Erases the personal data of `person_id` (platform administrators): the data is deleted,
    /// the registration stays in the log as a fact with no name attached.
    pub async fn erase_personal_data(
        &self,
        person_id: PersonId,
        request: &CommandRequest,
    ) -> Result<Executed<person::Event>, AppError> {
        let ctx = Context::new(request.now.unwrap_or_else(|| self.now()), request.actor);
        let state = self.inspect::<Persons, _>(person_id, |state, _| state.clone()).await?;
        // Once erased, only a retry of the erasure is answered (with its first answer); every
        // other request is refused by the domain, and there is no data left to delete.
        let already_erased = state.person.as_ref().is_some_and(|p| p.erased_at.is_some());
        if !already_erased {
            person::decide(&state, person::Command::ErasePersonalData, &ctx)?;
            self.store().delete_personal_data(person_id.uuid()).await?;
        }
        self.execute::<Persons>(person_id, person::Command::ErasePersonalData, request).await
    }

    /// The person registered with this e-mail address, other than `person_id`. A row of data
    /// whose registration never reached the log, left by a crash, is deleted once it is old
    /// enough; a younger one belongs to a registration on its way, and counts.
    async fn registered_with_email(
        &self,
        email_key: &str,
        person_id: PersonId,
        ctx: &Context,
    ) -> Result<Option<PersonId>, AppError> {
        let Some(row) = self.store().personal_data_by_email(email_key).await? else {
            return Ok(None);
        };
        let other = PersonId::from(row.person_id);
        if other == person_id {
            return Ok(None);
        }
        let in_log = self.inspect::<Persons, _>(other, |state, _| state.person.is_some()).await?;
        let leftover = ctx.now.timestamp_micros() - row.recorded_at_micros
            > Duration::seconds(LEFTOVER_AFTER_SECONDS).num_microseconds().unwrap_or(i64::MAX);
        if !in_log && leftover {
            self.store().delete_personal_data(row.person_id).await?;
            return Ok(None);
        }
        Ok(Some(other))
    }
}
