//! What every mutation shares: each turns one `input` into domain commands, runs them through
//! the command service (which authorizes, decides and appends), and answers with a payload of
//! the changed node and the position of the last event appended ([`payload!`]).
//!
//! New ids are minted here (UUID v7). A retried request (same `idempotencyKey`) is answered with
//! the ids its first arrival created, read back from the events it appended.

use async_graphql::Context;
use officina_app::{Executed, Organizations, Workshops};
use officina_domain::workshop::Command;
use officina_domain::{self as domain, Actor, OrganizationId, OrganizationRef, WorkshopId};
use uuid::Uuid;

use crate::error::{ApiError, ResultExt, fail};
use crate::request::{actor, command_request, services};

/// The id of something a mutation creates in a stream of its own (an organization, a workshop,
/// a guideline). With an idempotency key it is derived from the person and the key, so that a
/// retry names the same new stream and gets the first answer back; without one it is fresh.
pub(crate) fn created_id(actor: Actor, what: &str, idempotency_key: &Option<String>) -> Uuid {
    use sha2::{Digest, Sha256};
    match idempotency_key {
        None => Uuid::now_v7(),
        Some(key) => {
            let digest = Sha256::digest(format!("officina:{what}:{}:{key}", actor.person_id).as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            Uuid::new_v8(bytes)
        }
    }
}

/// Runs workshop commands for the viewer.
pub(crate) async fn on_workshop(
    ctx: &Context<'_>,
    workshop_id: WorkshopId,
    commands: Vec<Command>,
    idempotency_key: Option<String>,
    expected_version: Option<i32>,
) -> async_graphql::Result<Executed<domain::workshop::Event>> {
    let actor = actor(ctx)?;
    let request = command_request(ctx, actor, idempotency_key, expected_version)?;
    services(ctx).app.execute_all::<Workshops>(workshop_id, commands, &request).await.api(ctx)
}

/// The organization's name and category, for commands that carry them.
pub(crate) async fn organization_ref(
    ctx: &Context<'_>,
    field: &str,
    id: OrganizationId,
) -> async_graphql::Result<OrganizationRef> {
    let found = services(ctx)
        .app
        .inspect::<Organizations, _>(id, |state, _| state.organization.as_ref().map(|o| o.to_ref()))
        .await
        .api(ctx)?;
    match found {
        Some(reference) => Ok(reference),
        None => {
            let mut error = ApiError::not_found(domain::Entity::Organization, &id.to_string());
            error.field = Some(field.to_owned());
            fail(ctx, error)
        }
    }
}

macro_rules! payload {
    ($payload:ident, $field:ident, $node:ident, $id:ty, $load:path, $doc:literal) => {
        #[doc = $doc]
        #[allow(clippy::type_complexity)]
        pub struct $payload {
            id: $id,
            position: u64,
            version: u64,
            replayed: bool,
        }

        impl $payload {
            pub(crate) fn new<E>(id: $id, executed: &Executed<E>) -> Self {
                Self { id, position: executed.position, version: executed.stream_version, replayed: executed.replayed }
            }
        }

        #[doc = $doc]
        #[Object]
        impl $payload {
            /// The changed node, as it is now. Nullable on purpose: the change is committed before
            /// the node is read, so if reading it fails, the error is this field's alone and
            /// `position` still tells the client that its change landed (a retry would not be
            /// needed, and with an idempotency key would only replay it).
            async fn $field(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<$node>> {
                $load(ctx, self.id).await.map(Some)
            }
            /// The position of the last event appended: subscribe `after` it to hear what follows.
            async fn position(&self) -> Position {
                Position(self.position)
            }
            /// The version of the changed stream, for `expectedVersion` in the next mutation.
            async fn version(&self) -> i64 {
                crate::scalars::long(self.version)
            }
            /// True when this answers a retry of an earlier request with the same idempotency key.
            async fn replayed(&self) -> bool {
                self.replayed
            }
        }
    };
}
pub(crate) use payload;

pub(crate) fn version_u32(ctx: &Context<'_>, field: &str, version: i32) -> async_graphql::Result<u32> {
    match u32::try_from(version) {
        Ok(version) if version >= 1 => Ok(version),
        _ => fail(
            ctx,
            ApiError::validation(
                field,
                crate::reasons::Reason::InvalidVersion,
                "A version is a number from 1.",
                "Una versione è un numero a partire da 1.",
            ),
        ),
    }
}
