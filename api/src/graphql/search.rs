//! Search: what a blob id, an object id, an address or an epoch number someone typed
//! names, so the explorer can go to its page.

use async_graphql::{Context, Enum, Error, Object, SimpleObject};
use diesel::prelude::*;
use walrus_indexer::schema::{blobs, epochs, nodes, proposals, stakes};

use super::{
    errors::bad_input,
    loaders::query,
    scalars::{blob_id_text, hex_id, parse_blob_id, parse_id},
};

/// What a search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SearchKind {
    /// A blob id (a `Blob` object's id resolves to its blob id).
    Blob,
    /// A storage node (its id, or its pool's).
    Node,
    /// A governance proposal.
    Proposal,
    /// An account (a `StakedWal` object's id resolves to its owner).
    Address,
    /// An epoch.
    Epoch,
}

/// Where a search leads.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct SearchHit {
    /// What was found.
    pub kind: SearchKind,
    /// Its id as its page takes it: a blob id, a node, proposal or account id (`0x` and
    /// hex), or an epoch number.
    pub id: String,
}

/// The search query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// What `text` names: a blob id (URL-safe base64), an object id of a `Blob`, node,
    /// proposal or `StakedWal`, an address (any other `0x` id), or an epoch number. `null`
    /// for a blob id or epoch never seen; an error for text that is none of these.
    async fn search(&self, ctx: &Context<'_>, text: String) -> Result<Option<SearchHit>, Error> {
        let text = text.trim().to_owned();
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            let Ok(epoch) = text.parse::<i32>() else {
                return Ok(None);
            };
            return query(ctx, move |connection| {
                let found = epochs::table
                    .filter(epochs::epoch.eq(epoch))
                    .count()
                    .get_result::<i64>(connection)?;
                Ok((found > 0).then(|| hit(SearchKind::Epoch, epoch.to_string())))
            })
            .await;
        }
        if text.starts_with("0x") {
            let id = parse_id(&text, "text")?;
            return query(ctx, move |connection| object(connection, id)).await;
        }
        let blob_id = parse_blob_id(&text).map_err(|_| {
            bad_input(format!(
                "{text:?} is not a blob id, an object id, an address or an epoch number"
            ))
        })?;
        query(ctx, move |connection| {
            let found = blobs::table
                .filter(blobs::blob_id.eq(&blob_id))
                .count()
                .get_result::<i64>(connection)?;
            Ok((found > 0).then(|| hit(SearchKind::Blob, blob_id_text(&blob_id))))
        })
        .await
    }
}

fn hit(kind: SearchKind, id: String) -> SearchHit {
    SearchHit { kind, id }
}

/// The page of the 32-byte `id`: the object it names, else the account.
fn object(connection: &mut PgConnection, id: Vec<u8>) -> QueryResult<Option<SearchHit>> {
    let blob: Option<Vec<u8>> = blobs::table
        .filter(blobs::object_id.eq(&id))
        .select(blobs::blob_id)
        .first(connection)
        .optional()?;
    if let Some(blob_id) = blob {
        return Ok(Some(hit(SearchKind::Blob, blob_id_text(&blob_id))));
    }
    let node = nodes::table
        .filter(nodes::node_id.eq(&id))
        .count()
        .get_result::<i64>(connection)?;
    if node > 0 {
        return Ok(Some(hit(SearchKind::Node, hex_id(&id))));
    }
    let proposal = proposals::table
        .filter(proposals::proposal_id.eq(&id))
        .count()
        .get_result::<i64>(connection)?;
    if proposal > 0 {
        return Ok(Some(hit(SearchKind::Proposal, hex_id(&id))));
    }
    let owner: Option<Vec<u8>> = stakes::table
        .filter(stakes::staked_wal_id.eq(&id))
        .select(stakes::owner)
        .first(connection)
        .optional()?;
    Ok(Some(hit(
        SearchKind::Address,
        hex_id(owner.as_deref().unwrap_or(&id)),
    )))
}
