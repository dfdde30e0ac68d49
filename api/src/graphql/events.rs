//! Explorer queries about events: the chain's events, filtered, and one object's history.

use async_graphql::{Context, Error, InputObject, Object, connection::Connection};
use diesel::prelude::*;
use walrus_indexer::schema::events;

use super::{
    loaders::query,
    page::{KeyPart, Page, PageArgs, SortKey, cost},
    scalars::{BigInt, blob_id_text, hex_id, parse_blob_id, parse_id},
};

/// A row of `events`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    checkpoint: i64,
    transaction_position: i32,
    event_index: i32,
    transaction_digest: Vec<u8>,
    sender: Vec<u8>,
    timestamp_ms: i64,
    event_type: String,
    contents: Option<serde_json::Value>,
    blob_id: Option<Vec<u8>>,
    object_id: Option<Vec<u8>>,
}

impl EventRow {
    /// Its place in the chain, the key of every event list.
    pub fn key(&self) -> Vec<KeyPart> {
        vec![
            KeyPart::Int(self.checkpoint),
            KeyPart::Int(i64::from(self.transaction_position)),
            KeyPart::Int(i64::from(self.event_index)),
        ]
    }
}

/// The key of event lists.
const COLUMNS: &str = "checkpoint, transaction_position, event_index";

/// An event emitted by a transaction.
#[Object(name = "Event")]
impl EventRow {
    /// Its type, e.g. `events::BlobCertified`.
    async fn r#type(&self) -> &str {
        &self.event_type
    }
    /// The checkpoint of its transaction.
    async fn checkpoint(&self) -> BigInt {
        self.checkpoint.into()
    }
    /// Its transaction's position in the checkpoint.
    async fn transaction_position(&self) -> i32 {
        self.transaction_position
    }
    /// Its position among the transaction's events.
    async fn event_index(&self) -> i32 {
        self.event_index
    }
    /// Its transaction's digest.
    async fn transaction_digest(&self) -> String {
        hex_id(&self.transaction_digest)
    }
    /// Who sent the transaction.
    async fn sender(&self) -> String {
        hex_id(&self.sender)
    }
    /// The checkpoint's time (ms since the Unix epoch).
    async fn timestamp_ms(&self) -> BigInt {
        self.timestamp_ms.into()
    }
    /// Its fields as JSON (`null` for a type this indexer does not know).
    async fn contents(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.contents.clone().map(async_graphql::Json)
    }
    /// The blob id it is about, if any.
    async fn blob_id(&self) -> Option<String> {
        self.blob_id.as_deref().map(blob_id_text)
    }
    /// The object it is about, if any.
    async fn object_id(&self) -> Option<String> {
        self.object_id.as_deref().map(hex_id)
    }
}

/// What to list events by; every field narrows the list.
#[derive(Debug, Default, InputObject)]
pub struct EventFilter {
    /// Only events of this type (`BlobCertified` or `events::BlobCertified`).
    r#type: Option<String>,
    /// Only events about this blob id.
    blob_id: Option<String>,
    /// Only events about this object.
    object_id: Option<String>,
    /// Only events of transactions sent by this address.
    sender: Option<String>,
    /// Only events in this checkpoint or later.
    from_checkpoint: Option<BigInt>,
    /// Only events in this checkpoint or earlier.
    to_checkpoint: Option<BigInt>,
}

/// The full type name of `name` (`BlobCertified` means `events::BlobCertified`).
pub fn type_name(name: &str) -> String {
    if name.contains("::") {
        name.to_owned()
    } else {
        format!("events::{name}")
    }
}

/// A checkpoint bound as a column value (bounds past the column's range clamp to it).
fn checkpoint_bound(value: BigInt) -> i64 {
    i64::try_from(value.0).unwrap_or(if value.0 < 0 { i64::MIN } else { i64::MAX })
}

/// The event queries.
#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// Events, filtered, oldest first (newest first with `newestFirst`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        #[graphql(default)] newest_first: bool,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, EventRow>, Error> {
        let filter = filter.unwrap_or_default();
        let page = Page::new(
            PageArgs::new(first, after, last, before),
            SortKey {
                tag: "events",
                columns: COLUMNS,
                descending: newest_first,
            },
        )?;
        let blob_id = filter.blob_id.as_deref().map(parse_blob_id).transpose()?;
        let object_id = filter
            .object_id
            .as_deref()
            .map(|id| parse_id(id, "objectId"))
            .transpose()?;
        let sender = filter
            .sender
            .as_deref()
            .map(|id| parse_id(id, "sender"))
            .transpose()?;
        let event_type = filter.r#type.as_deref().map(type_name);
        let from = filter.from_checkpoint.map(checkpoint_bound);
        let to = filter.to_checkpoint.map(checkpoint_bound);
        let (page, rows) = query(ctx, move |connection| {
            let mut select = events::table.select(EventRow::as_select()).into_boxed();
            if let Some(event_type) = event_type {
                select = select.filter(events::event_type.eq(event_type));
            }
            if let Some(blob_id) = blob_id {
                select = select.filter(events::blob_id.eq(blob_id));
            }
            if let Some(object_id) = object_id {
                select = select.filter(events::object_id.eq(object_id));
            }
            if let Some(sender) = sender {
                select = select.filter(events::sender.eq(sender));
            }
            if let Some(from) = from {
                select = select.filter(events::checkpoint.ge(from));
            }
            if let Some(to) = to {
                select = select.filter(events::checkpoint.le(to));
            }
            load_page!(page, select, connection).map(|rows| (page, rows))
        })
        .await?;
        Ok(page.connection(rows, EventRow::key))
    }
}

/// The events about `object_id`, and those about `blob_id` that name no object (the
/// invalidation of a blob id), oldest first.
pub async fn object_history(
    ctx: &Context<'_>,
    object_id: Vec<u8>,
    blob_id: Option<Vec<u8>>,
    args: PageArgs,
) -> Result<Connection<String, EventRow>, Error> {
    let page = Page::new(
        args,
        SortKey {
            tag: "history",
            columns: COLUMNS,
            descending: false,
        },
    )?;
    let (page, rows) = query(ctx, move |connection| {
        let mut select = events::table.select(EventRow::as_select()).into_boxed();
        select = match blob_id {
            Some(blob_id) => select.filter(
                events::object_id
                    .eq(object_id)
                    .or(events::blob_id.eq(blob_id).and(events::object_id.is_null())),
            ),
            None => select.filter(events::object_id.eq(object_id)),
        };
        load_page!(page, select, connection).map(|rows| (page, rows))
    })
    .await?;
    Ok(page.connection(rows, EventRow::key))
}
