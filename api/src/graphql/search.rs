//! Search: what a blob id, an object id, an address, an epoch number or a proposal number
//! someone typed names, so the explorer can go to its page.

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
    /// Its id as its page takes it: a blob id, a node or account id (`0x` and hex), an
    /// epoch number or a proposal number.
    pub id: String,
}

/// The search query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// What `text` names: a blob id (URL-safe base64), an object id of a `Blob`, node,
    /// proposal or `StakedWal`, an address (any other `0x` id), an epoch number (`7`) or a
    /// proposal number (`#7` or `proposal 7`). `null` for a blob id, epoch or proposal never
    /// seen; an error for text that is none of these.
    async fn search(&self, ctx: &Context<'_>, text: String) -> Result<Option<SearchHit>, Error> {
        let text = text.trim().to_owned();
        if let Some(number) = proposal_number(&text) {
            let Ok(number) = number.parse::<i32>() else {
                return Ok(None);
            };
            return query(ctx, move |connection| {
                let found = proposals::table
                    .filter(proposals::number.eq(number))
                    .count()
                    .get_result::<i64>(connection)?;
                Ok((found > 0).then(|| hit(SearchKind::Proposal, number.to_string())))
            })
            .await;
        }
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
                "{text:?} is not a blob id, an object id, an address, an epoch number or a \
                 proposal number (#N)"
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

/// The digits of a proposal number as typed: `#7` or `proposal 7` (any case).
fn proposal_number(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('#').or_else(|| {
        text.get(..8)
            .filter(|word| word.eq_ignore_ascii_case("proposal"))
            .map(|_| text[8..].trim_start())
    })?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
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
    let proposal: Option<i32> = proposals::table
        .filter(proposals::proposal_id.eq(&id))
        .select(proposals::number)
        .first(connection)
        .optional()?;
    if let Some(number) = proposal {
        return Ok(Some(hit(SearchKind::Proposal, number.to_string())));
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

#[cfg(test)]
mod tests {
    use super::proposal_number;

    #[test]
    fn a_proposal_number_is_hash_or_word_then_digits() {
        assert_eq!(proposal_number("#7"), Some("7"));
        assert_eq!(proposal_number("proposal 12"), Some("12"));
        assert_eq!(proposal_number("Proposal12"), Some("12"));
        for not in [
            "7",
            "#",
            "#7a",
            "proposal",
            "proposal x",
            "proposals 7",
            "#-1",
            "é#7",
        ] {
            assert_eq!(proposal_number(not), None, "{not}");
        }
    }
}
