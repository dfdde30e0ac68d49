//! The blobs an epoch's challenges are drawn from, read from the indexer's tables.
//!
//! Every member stores a sliver pair of every certified blob on each of its shards, so the
//! set is the same for every member: the blob ids certified before the epoch started (their
//! `certified_checkpoint` is before the epoch's start checkpoint), stored at least until the
//! epoch's end (`end_epoch > epoch`), and still live when the auditor reads them (not
//! deleted, not proven invalid). Auditors that read the set at different moments of the epoch
//! differ only by the blobs deleted or invalidated in between, which no node must keep.

use diesel::{PgConnection, prelude::*, sql_types};

use crate::{schema::epochs, watermark};

/// The pipeline whose tables the set is read from.
const BLOBS_PIPELINE: &str = "blobs";

#[derive(QueryableByName)]
struct BlobIdRow {
    #[diesel(sql_type = sql_types::Bytea)]
    blob_id: Vec<u8>,
}

/// The blob ids to challenge in `epoch`, or `None` while the indexer has not yet written the
/// epoch's start or every blob certified before it.
pub fn certified_blob_ids(
    connection: &mut PgConnection,
    epoch: u32,
) -> QueryResult<Option<Vec<[u8; 32]>>> {
    let epoch = i32::try_from(epoch).unwrap_or(i32::MAX);
    let Some(start) = epochs::table
        .find(epoch)
        .select(epochs::start_checkpoint)
        .first::<i64>(connection)
        .optional()?
    else {
        return Ok(None);
    };
    let indexed = watermark::read(connection, BLOBS_PIPELINE)?
        .is_some_and(|mark| mark.checkpoint_hi_inclusive >= start);
    if !indexed {
        return Ok(None);
    }
    let rows: Vec<BlobIdRow> = diesel::sql_query(
        "SELECT DISTINCT blob_id FROM blobs \
         WHERE certified_checkpoint < $1 AND end_epoch > $2 \
           AND deleted_checkpoint IS NULL AND invalidated_epoch IS NULL \
         ORDER BY blob_id",
    )
    .bind::<sql_types::BigInt, _>(start)
    .bind::<sql_types::Integer, _>(epoch)
    .load(connection)?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|row| row.blob_id.try_into().ok())
            .collect(),
    ))
}
