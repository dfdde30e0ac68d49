//! Subscriptions over WebSocket: new certifications and new events, found by polling
//! Postgres for rows past the last checkpoint seen (or one the client names, to resume), up
//! to the checkpoint the pipeline that writes them has committed (so that no row of a
//! checkpoint still being written is skipped).

use std::time::Duration;

use async_graphql::{Context, Error, Subscription};
use diesel::prelude::*;
use futures::{Stream, StreamExt as _, stream};
use walrus_indexer::{
    handlers::{blobs::BlobsHandler, events::EventsHandler},
    pipeline::Handler as _,
    schema::{blobs, events},
    watermark,
};

use super::{blobs::BlobRow, errors::bad_input, events::EventRow, scalars::BigInt};
use crate::db::Db;

/// How often subscriptions poll.
#[derive(Debug, Clone, Copy)]
pub struct PollInterval(pub Duration);

/// Most checkpoints one poll reads.
const CHECKPOINTS_PER_POLL: i64 = 1_000;

/// The checkpoint `pipeline` has committed through (-1 before its first).
fn committed(connection: &mut PgConnection, pipeline: &str) -> QueryResult<i64> {
    Ok(watermark::read(connection, pipeline)?.map_or(-1, |mark| mark.checkpoint_hi_inclusive))
}

/// Rows of checkpoints after `after` (else after the pipeline's watermark when the stream
/// is first polled), polled every `interval`: `load(connection, after, through)` reads the
/// rows of checkpoints in `after + 1 ..= through`.
fn poll<T, F>(
    db: Db,
    interval: Duration,
    pipeline: &'static str,
    after: Option<i64>,
    load: F,
) -> impl Stream<Item = T>
where
    T: Send + 'static,
    F: Fn(&mut PgConnection, i64, i64) -> QueryResult<Vec<T>> + Clone + Send + Sync + 'static,
{
    stream::unfold(after, move |seen| {
        let db = db.clone();
        let load = load.clone();
        async move {
            tokio::time::sleep(interval).await;
            let result = db
                .run(move |connection| {
                    let mark = committed(connection, pipeline)?;
                    let Some(after) = seen else {
                        return Ok((mark, Vec::new()));
                    };
                    let through = mark.min(after + CHECKPOINTS_PER_POLL);
                    if through <= after {
                        return Ok((after, Vec::new()));
                    }
                    Ok((through, load(connection, after, through)?))
                })
                .await;
            match result {
                Ok((through, rows)) => Some((rows, Some(through))),
                Err(error) => {
                    tracing::warn!(%error, pipeline, "a subscription poll failed; retrying");
                    Some((Vec::new(), seen))
                }
            }
        }
    })
    .flat_map(stream::iter)
}

/// The checkpoint a subscription starts after, as given.
fn start(after_checkpoint: Option<BigInt>) -> Result<Option<i64>, Error> {
    after_checkpoint
        .map(|checkpoint| {
            i64::try_from(checkpoint.0)
                .ok()
                .filter(|c| *c >= -1)
                .ok_or_else(|| bad_input("`afterCheckpoint` must be a checkpoint number (or -1)"))
        })
        .transpose()
}

/// The subscriptions.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Blobs as they are certified, in certification order: after `afterCheckpoint` (to
    /// resume where a client stopped), else from now on.
    async fn certifications(
        &self,
        ctx: &Context<'_>,
        after_checkpoint: Option<BigInt>,
    ) -> Result<impl Stream<Item = BlobRow>, Error> {
        let db = ctx.data::<Db>()?.clone();
        let interval = ctx.data::<PollInterval>()?.0;
        Ok(poll(
            db,
            interval,
            BlobsHandler::NAME,
            start(after_checkpoint)?,
            |connection, after, through| {
                blobs::table
                    .filter(blobs::certified_checkpoint.gt(after))
                    .filter(blobs::certified_checkpoint.le(through))
                    .order((blobs::certified_checkpoint, blobs::object_id))
                    .select(BlobRow::as_select())
                    .load(connection)
            },
        ))
    }

    /// Events as they are indexed, in chain order: after `afterCheckpoint` (to resume where
    /// a client stopped), else from now on; only those of `type` (e.g. `BlobCertified`)
    /// when given.
    async fn events(
        &self,
        ctx: &Context<'_>,
        r#type: Option<String>,
        after_checkpoint: Option<BigInt>,
    ) -> Result<impl Stream<Item = EventRow>, Error> {
        let db = ctx.data::<Db>()?.clone();
        let interval = ctx.data::<PollInterval>()?.0;
        let event_type = r#type.as_deref().map(super::events::type_name);
        Ok(poll(
            db,
            interval,
            EventsHandler::NAME,
            start(after_checkpoint)?,
            move |connection, after, through| {
                let mut select = events::table
                    .filter(events::checkpoint.gt(after))
                    .filter(events::checkpoint.le(through))
                    .select(EventRow::as_select())
                    .into_boxed();
                if let Some(event_type) = &event_type {
                    select = select.filter(events::event_type.eq(event_type.clone()));
                }
                select
                    .order((
                        events::checkpoint,
                        events::transaction_position,
                        events::event_index,
                    ))
                    .load(connection)
            },
        ))
    }
}
