//! Relay cursor pagination on keyset queries: `first`/`after` walk forward, `last`/`before`
//! backward, pages hold 20 rows unless asked (at most 50), and a cursor is the opaque
//! (base64 JSON) sort key of its row, so pages stay stable while rows are added.

use async_graphql::{
    Context, Error, OutputType,
    connection::{Connection, Edge},
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use diesel::{
    dsl::sql,
    expression::SqlLiteral,
    sql_types::{BigInt, Bool},
};
use serde_json::Value;

use super::{errors::bad_input, loaders::query};

/// Rows in a page unless `first` or `last` says otherwise.
pub const DEFAULT_PAGE: usize = 20;
/// The most rows a page may hold.
pub const MAX_PAGE: usize = 50;

/// One value of a row's sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    /// An integer column.
    Int(i64),
    /// A bytes column (ids).
    Bytes(Vec<u8>),
}

/// How a list is sorted: the key's columns (unique together), all in one direction.
#[derive(Debug, Clone, Copy)]
pub struct SortKey {
    /// Names the list and sort, so that a cursor of another list is refused.
    pub tag: &'static str,
    /// The key's columns, comma-separated SQL.
    pub columns: &'static str,
    /// Whether the list runs from the largest key down.
    pub descending: bool,
}

/// The complexity of a list field: its page size (as asked, else the default) times the
/// complexity of a row.
pub fn cost(first: Option<i32>, last: Option<i32>, row: usize) -> usize {
    let rows = first
        .or(last)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_PAGE);
    rows.max(1).saturating_mul(row)
}

/// The Relay arguments of a list, checked.
#[derive(Debug, Clone)]
pub struct Page {
    key: SortKey,
    limit: usize,
    after: Option<Vec<KeyPart>>,
    before: Option<Vec<KeyPart>>,
    backward: bool,
}

/// The four Relay arguments as a list receives them.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    /// Rows from the start (or after `after`).
    pub first: Option<i32>,
    /// Cursor the page starts after.
    pub after: Option<String>,
    /// Rows from the end (or before `before`).
    pub last: Option<i32>,
    /// Cursor the page ends before.
    pub before: Option<String>,
}

impl PageArgs {
    /// The arguments as a resolver receives them.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }
}

impl Page {
    /// Checks `args` for a list sorted by `key`.
    pub fn new(args: PageArgs, key: SortKey) -> Result<Self, Error> {
        let size = |count: i32, name: &str| {
            usize::try_from(count)
                .ok()
                .filter(|count| *count <= MAX_PAGE)
                .ok_or_else(|| {
                    bad_input(format!(
                        "`{name}` is {count}: ask for 0 to {MAX_PAGE} rows and page with cursors"
                    ))
                })
        };
        let (limit, backward) = match (args.first, args.last) {
            (Some(_), Some(_)) => {
                return Err(bad_input(
                    "give `first` or `last`, not both: `first` pages forward, `last` backward",
                ));
            }
            (Some(first), None) => (size(first, "first")?, false),
            (None, Some(last)) => (size(last, "last")?, true),
            (None, None) => (DEFAULT_PAGE, args.before.is_some() && args.after.is_none()),
        };
        let decode = |cursor: Option<String>| cursor.map(|c| decode(&c, key)).transpose();
        Ok(Self {
            key,
            limit,
            after: decode(args.after)?,
            before: decode(args.before)?,
            backward,
        })
    }

    /// The condition keeping rows strictly between the cursors, if any.
    pub fn filter(&self) -> Option<SqlLiteral<Bool>> {
        let (after_op, before_op) = if self.key.descending {
            ("<", ">")
        } else {
            (">", "<")
        };
        let conditions: Vec<String> = [(&self.after, after_op), (&self.before, before_op)]
            .into_iter()
            .filter_map(|(cursor, op)| {
                cursor
                    .as_ref()
                    .map(|parts| format!("({}) {op} ({})", self.key.columns, literals(parts)))
            })
            .collect();
        (!conditions.is_empty()).then(|| sql(&conditions.join(" AND ")))
    }

    /// The order to fetch rows in: the list's, or its reverse when paging backward.
    pub fn order(&self) -> SqlLiteral<BigInt> {
        let direction = if self.key.descending != self.backward {
            "DESC"
        } else {
            "ASC"
        };
        let columns: Vec<String> = self
            .key
            .columns
            .split(',')
            .map(|column| format!("{} {direction}", column.trim()))
            .collect();
        sql(&columns.join(", "))
    }

    /// Rows to fetch: one more than the page, to know whether more follow.
    pub fn fetch(&self) -> i64 {
        self.limit as i64 + 1
    }

    /// The connection of the fetched rows (in [`Self::order`]), in list order.
    pub fn connection<T: OutputType>(
        &self,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> Vec<KeyPart>,
    ) -> Connection<String, T> {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        if self.backward {
            rows.reverse();
        }
        let (has_previous, has_next) = if self.backward {
            (more, self.before.is_some())
        } else {
            (self.after.is_some(), more)
        };
        let mut connection = Connection::new(has_previous, has_next);
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(encode(&key(&row), self.key), row)),
        );
        connection
    }
}

/// A page of a list sorted by `key`: `fetch` loads the rows of a [`Page`] (filtered by
/// [`Page::filter`], in [`Page::order`], [`Page::fetch`] of them), `row_key` gives a row's key.
pub async fn paginate<T, F>(
    ctx: &Context<'_>,
    args: PageArgs,
    key: SortKey,
    fetch: F,
    row_key: impl Fn(&T) -> Vec<KeyPart>,
) -> Result<Connection<String, T>, Error>
where
    T: OutputType + Send + 'static,
    F: FnOnce(&mut diesel::PgConnection, &Page) -> diesel::QueryResult<Vec<T>> + Send + 'static,
{
    let page = Page::new(args, key)?;
    let (page, rows) = query(ctx, move |connection| {
        let rows = fetch(connection, &page)?;
        Ok((page, rows))
    })
    .await?;
    Ok(page.connection(rows, row_key))
}

/// The opaque cursor of a row's key.
fn encode(parts: &[KeyPart], key: SortKey) -> String {
    let values: Vec<Value> = parts
        .iter()
        .map(|part| match part {
            KeyPart::Int(n) => Value::from(*n),
            KeyPart::Bytes(bytes) => Value::from(hex::encode(bytes)),
        })
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::json!([key.tag, values]).to_string())
}

/// The key in a cursor, which must belong to the list of `key`.
fn decode(cursor: &str, key: SortKey) -> Result<Vec<KeyPart>, Error> {
    let invalid = || {
        bad_input(format!(
            "cursor {cursor:?} is not one of this list's: pass a cursor from this list and \
             sort, as a previous page returned it"
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let (tag, values): (String, Vec<Value>) =
        serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let arity = key.columns.split(',').count();
    if tag != key.tag || values.len() != arity {
        return Err(invalid());
    }
    values
        .into_iter()
        .map(|value| match value {
            Value::Number(n) => n.as_i64().map(KeyPart::Int),
            Value::String(text) => hex::decode(text).ok().map(KeyPart::Bytes),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(invalid)
}

/// SQL literals of a decoded key: integers and hex bytes only, so nothing a client sends
/// reaches the SQL text unchecked.
fn literals(parts: &[KeyPart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            KeyPart::Int(n) => n.to_string(),
            KeyPart::Bytes(bytes) => format!("'\\x{}'::bytea", hex::encode(bytes)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
