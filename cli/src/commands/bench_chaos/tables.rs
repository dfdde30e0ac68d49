//! The indexer's tables compared between two databases: each table's row count and a digest
//! of its rows in a canonical order, both databases read in one snapshot each.

use anyhow::{Context, Result};
use diesel::{
    Connection, PgConnection, QueryableByName, RunQueryDsl,
    sql_types::{BigInt, Nullable, Text},
};
use serde::Serialize;

/// One table's contents, summarized.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct TableDigest {
    /// The table.
    #[diesel(sql_type = Text)]
    pub table: String,
    /// Its rows.
    #[diesel(sql_type = BigInt)]
    pub rows: i64,
    /// md5 of its rows as text, sorted.
    #[diesel(sql_type = Text)]
    pub digest: String,
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName)]
struct Watermark {
    #[diesel(sql_type = Nullable<BigInt>)]
    checkpoint: Option<i64>,
}

/// Every table of the indexer's schema (not diesel's migration list), summarized in one
/// snapshot of the database at `url`.
pub fn digests(url: &str) -> Result<Vec<TableDigest>> {
    let mut connection = PgConnection::establish(url)
        .with_context(|| format!("cannot connect to the indexer's database {url}"))?;
    connection
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(|connection| {
            let tables: Vec<TableName> = diesel::sql_query(
                "SELECT table_name::text AS table_name FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
                 AND table_name NOT LIKE '\\_\\_%' ORDER BY table_name",
            )
            .load(connection)?;
            tables
                .into_iter()
                .map(|table| {
                    diesel::sql_query(format!(
                        "SELECT '{name}' AS table, count(*) AS rows, \
                         coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') AS digest \
                         FROM \"{name}\" t",
                        name = table.table_name
                    ))
                    .get_result::<TableDigest>(connection)
                })
                .collect::<Result<Vec<_>, diesel::result::Error>>()
        })
        .with_context(|| format!("cannot read the indexer's tables in {url}"))
}

/// The checkpoint up to which every pipeline has written (`None` before they all started).
pub fn watermark(url: &str, pipelines: usize) -> Result<Option<i64>> {
    let mut connection = PgConnection::establish(url)
        .with_context(|| format!("cannot connect to the indexer's database {url}"))?;
    let row: Watermark = diesel::sql_query(format!(
        "SELECT CASE WHEN count(*) >= {pipelines} THEN min(checkpoint_hi_inclusive) END \
         AS checkpoint FROM watermarks"
    ))
    .get_result(&mut connection)
    .with_context(|| format!("cannot read the watermarks in {url}"))?;
    Ok(row.checkpoint)
}
