//! `asOf` and `asOfTime`: answering `workshop`, `session`, `proposal` and `decision` as they
//! were at a past log position, with every nested field.
//!
//! A top-level field given `asOf` gets the workshop's past view from
//! [`officina_projections::TimeTravel`] and registers it under its response key (its alias, or
//! its name) in the request's [`PastViews`]. Every resolver below it reads through [`one`]
//! (batched) or [`read`] (direct), which look at the top-level field their path starts from, and
//! so read the past view instead of the present read models. No object type carries the
//! position: the whole subtree of a past field is past, and nothing under it can read the
//! present by mistake.
//!
//! What is answered from outside the log is the present on purpose, and said so in the schema:
//! who the viewer is and what they may read (`viewerCanRead`, the membership checks), and
//! people's personal data (which lives beside the log; an erasure applies to the past too).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;
use async_graphql::{Context, QueryPathSegment};
use chrono::{DateTime, Utc};
use officina_domain::WorkshopId;
use officina_projections::{PastView, ProjectionError, ReadModels};

use crate::error::{ApiError, fail};
use crate::loaders::{Loaders, Reads, loaders};
use crate::reasons::Reason;
use crate::request::{lang, services};
use crate::scalars::Position;

/// The most past views one request may ask for (distinct top-level fields with `asOf`): each may
/// cost a replay, and one request should not take the time-travel builder from everyone else.
pub const MAX_PAST_VIEWS_PER_REQUEST: usize = 4;

/// One past view as a request reads it: its read models and a loader over them.
pub struct PastReads {
    view: PastView,
    loaders: Loaders,
}

/// The past views a request's top-level fields asked for, by the field's response key, and how
/// many were asked for (top-level fields resolve concurrently, so each takes its place in the
/// count before it starts building).
#[derive(Default)]
pub struct PastViews {
    views: Mutex<HashMap<String, Arc<PastReads>>>,
    asked: AtomicUsize,
}

impl PastViews {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<PastReads>>> {
        self.views.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The response key of the top-level field that `ctx`'s path starts from.
fn root_key<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    let mut node = ctx.path_node.as_ref()?;
    while let Some(parent) = node.parent {
        node = parent;
    }
    match node.segment {
        QueryPathSegment::Name(name) => Some(name),
        QueryPathSegment::Index(_) => None,
    }
}

/// The past view the field at `ctx` reads, if its top-level field asked for one.
fn past(ctx: &Context<'_>) -> Option<Arc<PastReads>> {
    let views = ctx.data_opt::<PastViews>()?;
    let views = views.lock();
    if views.is_empty() {
        return None;
    }
    views.get(root_key(ctx)?).cloned()
}

/// One batched load, from the past view the field is under, or from the present.
pub async fn one<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<<Reads as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Error = Arc<ProjectionError>>,
{
    let loaded = match past(ctx) {
        Some(past) => past.loaders.load_one(key).await,
        None => match ctx.data_opt::<crate::replicas::ReplicaRead>() {
            Some(replica) => replica.0.loaders.load_one(key).await,
            None => ctx.data_unchecked::<Loaders>().load_one(key).await,
        },
    };
    loaded.map_err(|error| ApiError::from_read(&error).into_graphql(lang(ctx)))
}

/// The read models the field at `ctx` reads: its past view's, or the present ones.
pub fn read(ctx: &Context<'_>) -> ReadModels {
    match past(ctx) {
        Some(past) => past.view.read().clone(),
        None => services(ctx).read.clone(),
    }
}

/// The position a top-level field asks about: `asOf`, or the last position recorded at or
/// before `asOfTime`; `None` for the present. Refused: both at once, a position the log has not
/// reached, an instant still to come.
pub async fn position(
    ctx: &Context<'_>,
    as_of: Option<Position>,
    as_of_time: Option<DateTime<Utc>>,
) -> async_graphql::Result<Option<u64>> {
    let store = &services(ctx).store;
    let head = || async { store.head().await.map(|head| head.position).map_err(|e| ApiError::from(e).into_graphql(lang(ctx))) };
    match (as_of, as_of_time) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => fail(
            ctx,
            ApiError::validation(
                "asOfTime",
                Reason::ConflictingArguments,
                "Give either asOf (a position) or asOfTime (an instant), not both.",
                "Indicare asOf (una posizione) oppure asOfTime (un istante), non entrambi.",
            ),
        ),
        (Some(Position(position)), None) => {
            let head = head().await?;
            if position > head {
                return fail(
                    ctx,
                    ApiError::validation(
                        "asOf",
                        Reason::AsOfAhead,
                        format!("The log has reached position {head}; asOf {position} is not in the past."),
                        format!("Il registro è alla posizione {head}; asOf {position} non è nel passato."),
                    ),
                );
            }
            Ok(Some(position))
        }
        (None, Some(instant)) => {
            if instant > Utc::now() {
                return fail(
                    ctx,
                    ApiError::validation(
                        "asOfTime",
                        Reason::AsOfAhead,
                        "asOfTime is still to come: only the past can be answered.",
                        "asOfTime è nel futuro: si può rispondere solo sul passato.",
                    ),
                );
            }
            let position = store.position_at(instant).await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
            Ok(Some(position))
        }
    }
}

/// The position the field at `ctx` reads as of, when it is under a past top-level field.
pub fn as_of(ctx: &Context<'_>) -> Option<u64> {
    past(ctx).map(|past| past.view.position())
}

/// Takes one of the request's past views (a top-level field `asOf`, or a proposal's timeline);
/// `TOO_MANY_PAST_VIEWS` once they are all taken.
pub fn spend(ctx: &Context<'_>) -> async_graphql::Result<()> {
    let Some(views) = ctx.data_opt::<PastViews>() else {
        return Ok(());
    };
    if views.asked.fetch_add(1, Ordering::Relaxed) >= MAX_PAST_VIEWS_PER_REQUEST {
        return fail(
            ctx,
            ApiError::validation(
                "asOf",
                Reason::TooManyPastViews,
                format!(
                    "One request may ask for at most {MAX_PAST_VIEWS_PER_REQUEST} past views and timelines; send the others separately."
                ),
                format!(
                    "Una richiesta può chiedere al massimo {MAX_PAST_VIEWS_PER_REQUEST} viste passate e cronologie; inviare le altre a parte."
                ),
            ),
        );
    }
    Ok(())
}

/// Makes `workshop` as of `position` the view of the top-level field at `ctx` and everything
/// under it.
pub async fn enter(ctx: &Context<'_>, workshop: WorkshopId, position: u64) -> async_graphql::Result<()> {
    let Some(key) = root_key(ctx) else {
        return Ok(());
    };
    let Some(views) = ctx.data_opt::<PastViews>() else {
        return Ok(());
    };
    spend(ctx)?;
    let view = services(ctx).past.view(workshop, position).await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
    let reads = Arc::new(PastReads { loaders: loaders(view.read().clone()), view });
    views.lock().insert(key.to_owned(), reads);
    Ok(())
}
