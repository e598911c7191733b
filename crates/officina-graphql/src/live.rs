//! Live views for co-conduction sessions: `sessionLive` and `proposalTally`.
//!
//! Both follow the workshop's events in the log (never a queue of their own): each event that
//! can change what they show makes them read the read models again and push the new state.

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt, stream};
use officina_domain::event::DomainEvent;
use officina_domain::{ProposalId, SessionId, workshop, workshop_stream_id};
use officina_store::{EventFilter, RecordedEvent};

use crate::audit::follow;
use crate::decisions::Tally;
use crate::error::ApiError;
use crate::ids::parse;
use crate::request::{lang, services};
use crate::scalars::Position;
use crate::sessions::Session;

/// What a recorded workshop event is about, from the domain's own typed answer. An event this
/// code cannot read is treated as concerning everything: a live view that refreshes once too
/// often is better than one that misses a change.
fn concerns(event: &std::sync::Arc<RecordedEvent>) -> Option<workshop::Concerns> {
    workshop::Event::from_payload(&event.event_type, &event.payload).ok().map(|event| event.concerns())
}

/// The live subscriptions for co-conduction sessions: `sessionLive` and `proposalTally`.
#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// The live state of a session (attendance, the current agenda item, documents, its
    /// contributions with their dispositions, the proposals open in it with their tallies, the
    /// decisions taken in it, minutes): pushed now, then whenever something it shows changed, and
    /// only then.
    async fn session_live(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The session to follow, for the members and auditors (current or former) of its workshop and platform administrators."
        )]
        session_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Session>> + use<>> {
        let key: SessionId = parse(ctx, "sessionId", &session_id)?;
        // The head is read before the snapshot, and the follower starts from it: a change that
        // lands between the two is pushed (at worst once more than needed), never missed.
        let head = services(ctx).store.head().await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?.position;
        let first_fingerprint =
            services(ctx).read.session_fingerprint(key).await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
        let current = crate::fetch::session(ctx, key).await?;
        let workshop = current.0.workshop_id;
        let events = follow(ctx, Some(Position(head)), EventFilter::Stream(workshop_stream_id(workshop))).await?;
        let read = services(ctx).read.clone();
        let read_for_rows = read.clone();
        let lang = lang(ctx);
        let updates = events
            .ready_chunks(64)
            .filter(move |batch| {
                // Anything about this session, and anything that moves the tallies of the
                // proposals open in it.
                let relevant = batch.iter().any(|item| match item.as_ref().map(concerns) {
                    Ok(Some(about)) => about.session == Some(key) || about.proposal.is_some() || about.changes_eligibility,
                    Ok(None) | Err(_) => true,
                });
                std::future::ready(relevant)
            })
            .then(move |batch| {
                let read = read.clone();
                async move {
                    if let Some(Err(error)) = batch.into_iter().find(Result::is_err) {
                        return Some(Err(error));
                    }
                    // What the view shows, summed up: pushed only when it moved.
                    let fingerprint = match read.session_fingerprint(key).await {
                        Ok(fingerprint) => fingerprint,
                        Err(error) => return Some(Err(ApiError::from(error).into_graphql(lang))),
                    };
                    Some(Ok(fingerprint))
                }
            })
            .scan(first_fingerprint, |last, item| {
                let changed = match &item {
                    Some(Ok(fingerprint)) if *fingerprint == *last => None,
                    Some(Ok(fingerprint)) => {
                        *last = fingerprint.clone();
                        Some(true)
                    }
                    _ => Some(true),
                };
                std::future::ready(Some((changed, item)))
            })
            .filter_map(|(changed, item)| std::future::ready(changed.and(item)))
            .then(move |item| {
                let read = read_for_rows.clone();
                async move {
                    if let Err(error) = item {
                        return Err(error);
                    }
                    match read.session(key).await {
                        Ok(Some(row)) => Ok(Session(row)),
                        Ok(None) => {
                            Err(ApiError::not_found(officina_domain::Entity::Session, &key.to_string()).into_graphql(lang))
                        }
                        Err(error) => Err(ApiError::from(error).into_graphql(lang)),
                    }
                }
            });
        Ok(stream::once(async move { Ok(current) }).chain(updates))
    }

    /// The running tally of one proposal: pushed now, then on every position stated (and on
    /// every other change that moves it: amendments, recusals, members joining or leaving, the
    /// decision).
    async fn proposal_tally(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The proposal whose tally to follow, for the members and auditors (current or former) of its workshop and platform administrators."
        )]
        proposal_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Tally>> + use<>> {
        let key: ProposalId = parse(ctx, "proposalId", &proposal_id)?;
        let proposal = crate::fetch::proposal(ctx, key).await?;
        let read = services(ctx).read.clone();
        let lang = lang(ctx);
        let load = move |read: officina_projections::ReadModels| async move {
            match read.tallies(&[key]).await {
                Ok(mut tallies) => match tallies.remove(&key) {
                    Some(tally) => Ok(Tally(tally)),
                    None => Err(ApiError::not_found(officina_domain::Entity::Proposal, &key.to_string()).into_graphql(lang)),
                },
                Err(error) => Err(ApiError::from(error).into_graphql(lang)),
            }
        };
        // As for sessions: the head before the snapshot, so nothing falls between them.
        let head = services(ctx).store.head().await.map_err(|e| ApiError::from(e).into_graphql(lang))?.position;
        let first = match load(read.clone()).await {
            Ok(tally) => tally,
            Err(error) => return Err(error),
        };
        let events = follow(ctx, Some(Position(head)), EventFilter::Stream(workshop_stream_id(proposal.0.workshop_id))).await?;
        let updates = events
            .filter(move |item| {
                let relevant = match item.as_ref().map(concerns) {
                    Ok(Some(about)) => about.proposal == Some(key) || about.changes_eligibility,
                    Ok(None) | Err(_) => true,
                };
                std::future::ready(relevant)
            })
            .then(move |item| {
                let read = read.clone();
                async move {
                    match item {
                        Ok(_) => load(read).await,
                        Err(error) => Err(error),
                    }
                }
            });
        Ok(stream::once(async move { Ok(first) }).chain(updates))
    }
}
