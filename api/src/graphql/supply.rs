//! The WAL supply: the genesis supply less what penalties burned (the only burns), in all
//! and per epoch.

use std::collections::HashMap;

use async_graphql::{Context, Error, Object, SimpleObject};
use diesel::{dsl::sql, expression::SqlLiteral, prelude::*, sql_types::Text};
use walrus_chain::contract::wal::{FROST_PER_WAL, TOTAL_SUPPLY_WAL};
use walrus_indexer::schema::penalties;

use super::{
    errors::{INTERNAL_SERVER_ERROR, coded},
    loaders::{Lookup, query},
    scalars::BigInt,
};

/// FROST minted at genesis (5,000,000,000 WAL).
pub const GENESIS_SUPPLY: i128 = TOTAL_SUPPLY_WAL as i128 * FROST_PER_WAL as i128;

/// The WAL supply, in FROST.
#[derive(Debug, Clone, SimpleObject)]
pub struct Supply {
    /// FROST minted at genesis.
    genesis: BigInt,
    /// FROST burned by penalties in all.
    burned: BigInt,
    /// FROST in existence now: the genesis supply less what was burned.
    current: BigInt,
}

/// The `SUM(burned)` of penalties, as text (a `NUMERIC` does not fit an `i64`).
fn burned_sum() -> SqlLiteral<Text> {
    sql("COALESCE(SUM(burned), 0)::text")
}

/// The FROST in `text`, a sum Postgres computed.
fn frost(text: &str) -> Result<i128, diesel::result::Error> {
    text.parse().map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("a sum of burned FROST reads {text:?}").into(),
        )
    })
}

/// FROST burned by the penalties at each epoch's end, by epoch.
pub struct BurnedIn;

impl Lookup for BurnedIn {
    type Key = i32;
    type Value = i128;

    fn load(connection: &mut PgConnection, keys: Vec<i32>) -> QueryResult<HashMap<i32, i128>> {
        let sums: Vec<(i32, String)> = penalties::table
            .filter(penalties::epoch.eq_any(&keys))
            .group_by(penalties::epoch)
            .select((penalties::epoch, burned_sum()))
            .load(connection)?;
        let mut burned: HashMap<i32, i128> = keys.into_iter().map(|epoch| (epoch, 0)).collect();
        for (epoch, sum) in sums {
            burned.insert(epoch, frost(&sum)?);
        }
        Ok(burned)
    }
}

/// The supply queries.
#[derive(Default)]
pub struct SupplyQuery;

#[Object]
impl SupplyQuery {
    /// The WAL supply now.
    async fn supply(&self, ctx: &Context<'_>) -> Result<Supply, Error> {
        let burned = query(ctx, |connection| {
            let sum = penalties::table
                .select(burned_sum())
                .first::<String>(connection)?;
            frost(&sum)
        })
        .await?;
        let current = GENESIS_SUPPLY.checked_sub(burned).ok_or_else(|| {
            coded(
                "the indexed penalties burned more than the genesis supply; tell the operator",
                INTERNAL_SERVER_ERROR,
            )
        })?;
        Ok(Supply {
            genesis: BigInt(GENESIS_SUPPLY),
            burned: BigInt(burned),
            current: BigInt(current),
        })
    }
}
