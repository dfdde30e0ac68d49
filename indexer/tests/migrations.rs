//! The embedded migrations apply to an empty database, revert completely and apply again.
//! (There is one migration so far; with a second one, this also applies the newest to the
//! schema of the one before.)

use diesel::{RunQueryDsl as _, sql_types::Text};
use diesel_migrations::MigrationHarness as _;
use walrus_indexer::{db, indexer::TABLES, pg::TestDatabase};

#[derive(diesel::QueryableByName)]
struct Table {
    #[diesel(sql_type = Text)]
    table_name: String,
}

fn tables(connection: &mut diesel::PgConnection) -> Vec<String> {
    diesel::sql_query(
        "SELECT table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
         ORDER BY table_name",
    )
    .load::<Table>(connection)
    .unwrap()
    .into_iter()
    .map(|t| t.table_name)
    .collect()
}

/// Every table of the schema, sorted.
fn expected() -> Vec<&'static str> {
    let mut tables = TABLES.to_vec();
    tables.sort();
    tables
}

#[test]
fn migrations_apply_revert_and_apply_again() {
    let database = TestDatabase::new().unwrap();
    let mut connection = database.connect().unwrap();
    assert!(tables(&mut connection).is_empty());
    assert_eq!(db::migrate(&mut connection).unwrap(), 1);
    assert_eq!(tables(&mut connection), expected());
    // Applying again finds nothing to do.
    assert_eq!(db::migrate(&mut connection).unwrap(), 0);
    connection.revert_all_migrations(db::MIGRATIONS).unwrap();
    assert!(tables(&mut connection).is_empty());
    assert_eq!(db::migrate(&mut connection).unwrap(), 1);
    assert_eq!(tables(&mut connection), expected());
}
