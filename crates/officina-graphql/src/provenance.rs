//! Where a decision comes from: the events of its proposal, and the tally after each of them,
//! so that an auditor steps through a deliberation (`Proposal.timeline`) and sees exactly which
//! events produced a decision (`Decision.events`).

use async_graphql::{Context, Object};
use officina_domain::{DomainEvent, workshop, workshop_stream_id};
use officina_projections::{ProposalRow, ProposalTally};
use officina_store::{EventFilter, RecordedEvent};

use crate::audit::RecordedEventObject;
use crate::decisions::Tally;
use crate::error::{ApiError, fail};
use crate::reasons::Reason;
use crate::request::{lang, services};
use crate::scalars::Position;

/// The most steps one `timeline` call gives; the next call goes on `after` the last one.
pub const MAX_TIMELINE_STEPS: usize = 100;

/// How many events are read per statement while the proposal's events are looked for.
const PAGE: usize = 1_000;

/// One step of a deliberation: an event of the proposal, and its tally right after it.
pub struct TimelineStep {
    event: RecordedEvent,
    tally: Option<ProposalTally>,
}

/// One step of a deliberation: an event of the proposal (drafted, amended, opened, a position
/// stated, an interest declared or a recusal recorded, deliberation extended or closed...), and
/// the proposal's tally right after it, as closing deliberation then would have counted it.
#[Object]
impl TimelineStep {
    /// The event, with its position, payload, author and hash.
    async fn event(&self) -> RecordedEventObject {
        RecordedEventObject(std::sync::Arc::new(self.event.clone()))
    }
    /// The tally right after the event (the recorded one once decided); null only before the
    /// proposal existed.
    async fn tally(&self) -> Option<Tally> {
        self.tally.clone().map(Tally)
    }
}

/// The events of `proposal` after position `after` and up to `until`, at most `limit`, from its
/// workshop's stream (read from the proposal's creation on, through the stream's index).
pub(crate) async fn proposal_events(
    ctx: &Context<'_>,
    proposal: &ProposalRow,
    after: u64,
    until: u64,
    limit: usize,
) -> async_graphql::Result<Vec<RecordedEvent>> {
    let store = &services(ctx).store;
    let filter = EventFilter::Stream(workshop_stream_id(proposal.workshop_id));
    let mut cursor = after.max(proposal.created_position.saturating_sub(1));
    let mut found = Vec::new();
    while found.len() < limit {
        let page = store.read_all(cursor, PAGE, &filter).await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
        let full = page.len() == PAGE;
        let Some(last) = page.last().map(|event| event.position) else {
            break;
        };
        for event in page {
            if event.position > until || found.len() >= limit {
                return Ok(found);
            }
            let concerns = workshop::Event::from_payload(&event.event_type, &event.payload)
                .is_ok_and(|parsed| parsed.concerns().proposal == Some(proposal.id));
            if concerns {
                found.push(event);
            }
        }
        if !full {
            break;
        }
        cursor = last;
    }
    Ok(found)
}

/// The last position a field under `ctx` may see: its past view's, or the log's head.
pub(crate) async fn horizon(ctx: &Context<'_>) -> async_graphql::Result<u64> {
    match crate::past::as_of(ctx) {
        Some(position) => Ok(position),
        None => services(ctx).store.head().await.map(|head| head.position).map_err(|e| ApiError::from(e).into_graphql(lang(ctx))),
    }
}

/// `Proposal.timeline`.
pub(crate) async fn timeline(
    ctx: &Context<'_>,
    proposal: &ProposalRow,
    after: Option<Position>,
    first: Option<i32>,
) -> async_graphql::Result<Vec<TimelineStep>> {
    let limit = match first {
        None => MAX_TIMELINE_STEPS,
        Some(first) if (0..=MAX_TIMELINE_STEPS as i32).contains(&first) => first as usize,
        Some(_) => {
            return fail(
                ctx,
                ApiError::validation(
                    "first",
                    Reason::InvalidPageSize,
                    format!("`first` must be between 0 and {MAX_TIMELINE_STEPS}."),
                    format!("`first` deve essere compreso tra 0 e {MAX_TIMELINE_STEPS}."),
                ),
            );
        }
    };
    // Each timeline replays part of the history: it counts as a past view of the request.
    crate::past::spend(ctx)?;
    let until = horizon(ctx).await?;
    let events = proposal_events(ctx, proposal, after.map_or(0, |p| p.0), until, limit).await?;
    let steps: Vec<u64> = events.iter().map(|event| event.position).collect();
    let tallies = services(ctx)
        .past
        .tallies_after(proposal.workshop_id, proposal.id, &steps)
        .await
        .map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
    Ok(events.into_iter().zip(tallies).map(|(event, tally)| TimelineStep { event, tally }).collect())
}
