//! DataLoaders: every lookup by id (nodes, pools, storage, epochs, proposals, exchange
//! rates) is batched into one query per request and tick, and cached for the request.

use std::{collections::HashMap, hash::Hash, marker::PhantomData};

use async_graphql::{Context, Error, dataloader::DataLoader};
use diesel::{PgConnection, QueryResult};

use super::errors::internal;
use crate::db::Db;

/// A lookup of values by key, many keys per query.
pub trait Lookup: Send + Sync + 'static {
    /// What is looked up by.
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    /// What is found.
    type Value: Clone + Send + Sync + 'static;
    /// The values of those `keys` that exist.
    fn load(
        connection: &mut PgConnection,
        keys: Vec<Self::Key>,
    ) -> QueryResult<HashMap<Self::Key, Self::Value>>;
}

/// The DataLoader's loader of a [`Lookup`].
pub struct Loader<L> {
    db: Db,
    lookup: PhantomData<L>,
}

impl<L: Lookup> async_graphql::dataloader::Loader<L::Key> for Loader<L> {
    type Value = L::Value;
    type Error = Error;

    async fn load(&self, keys: &[L::Key]) -> Result<HashMap<L::Key, L::Value>, Error> {
        let keys = keys.to_vec();
        self.db
            .run(move |connection| L::load(connection, keys))
            .await
            .map_err(internal)
    }
}

/// A request's loader of `L`, to put in the request's data.
pub fn loader<L: Lookup>(db: &Db) -> DataLoader<Loader<L>> {
    DataLoader::new(
        Loader {
            db: db.clone(),
            lookup: PhantomData,
        },
        tokio::spawn,
    )
}

/// Looks `key` up through the request's loader of `L`.
pub async fn load<L: Lookup>(ctx: &Context<'_>, key: L::Key) -> Result<Option<L::Value>, Error> {
    ctx.data::<DataLoader<Loader<L>>>()?.load_one(key).await
}

/// Runs `query` on the database of the request.
pub async fn query<T, F>(ctx: &Context<'_>, query: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
{
    ctx.data::<Db>()?.run(query).await.map_err(internal)
}

/// Declares `$name`, a [`Lookup`] of `$row`s by the bytes of `$table::$column` (a column the
/// row has under the same name), one query per batch.
macro_rules! lookup_by_id {
    ($(#[$doc:meta])* $name:ident, $table:ident :: $column:ident, $row:ty) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::graphql::loaders::Lookup for $name {
            type Key = Vec<u8>;
            type Value = $row;

            fn load(
                connection: &mut diesel::PgConnection,
                keys: Vec<Vec<u8>>,
            ) -> diesel::QueryResult<std::collections::HashMap<Vec<u8>, $row>> {
                use diesel::prelude::*;
                Ok($table::table
                    .filter($table::$column.eq_any(keys))
                    .select(<$row>::as_select())
                    .load(connection)?
                    .into_iter()
                    .map(|row: $row| (row.$column.clone(), row))
                    .collect())
            }
        }
    };
}
pub(crate) use lookup_by_id;
