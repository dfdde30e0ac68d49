//! The embedded migrations apply to an empty database and to the schema of the migration
//! before each (keeping its rows), revert completely and apply again.

use diesel::{
    ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _, connection::SimpleConnection as _,
    sql_types::Text,
};
use diesel_migrations::MigrationHarness as _;
use walrus_indexer::{db, indexer::TABLES, pg::TestDatabase, schema::committee_members};

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

/// Every table of the schema, sorted, without those in `added_later`.
fn expected(added_later: &[&str]) -> Vec<&'static str> {
    let mut tables: Vec<_> = TABLES
        .iter()
        .copied()
        .filter(|table| !added_later.contains(table))
        .collect();
    tables.sort();
    tables
}

/// How many migrations there are.
const MIGRATIONS: usize = 5;

/// Tables of the audits migration.
const AUDIT_TABLES: [&str; 2] = ["audits", "node_scores"];

#[test]
fn migrations_apply_revert_and_apply_again() {
    let database = TestDatabase::new().unwrap();
    let mut connection = database.connect().unwrap();
    assert!(tables(&mut connection).is_empty());
    assert_eq!(db::migrate(&mut connection).unwrap(), MIGRATIONS);
    assert_eq!(tables(&mut connection), expected(&[]));
    // Applying again finds nothing to do.
    assert_eq!(db::migrate(&mut connection).unwrap(), 0);
    connection.revert_all_migrations(db::MIGRATIONS).unwrap();
    assert!(tables(&mut connection).is_empty());
    assert_eq!(db::migrate(&mut connection).unwrap(), MIGRATIONS);
    assert_eq!(tables(&mut connection), expected(&[]));
}

#[test]
fn the_epoch_state_migration_applies_to_the_first_schema_and_keeps_its_rows() {
    let database = TestDatabase::new().unwrap();
    let mut connection = database.connect().unwrap();
    connection.run_next_migration(db::MIGRATIONS).unwrap();
    let before_epoch_state = [&["pool_exchange_rates"][..], &AUDIT_TABLES[..]].concat();
    assert_eq!(tables(&mut connection), expected(&before_epoch_state));
    // A committee indexed under the first schema (no shard map).
    diesel::sql_query(
        "INSERT INTO committee_members (epoch, position, node_id, weight) \
         VALUES (1, 0, '\\x01', 12)",
    )
    .execute(&mut connection)
    .unwrap();

    connection.run_next_migration(db::MIGRATIONS).unwrap();
    assert_eq!(tables(&mut connection), expected(&AUDIT_TABLES));
    // The old row stays, without shards; new rows carry them.
    diesel::insert_into(committee_members::table)
        .values((
            committee_members::epoch.eq(2),
            committee_members::position.eq(0),
            committee_members::node_id.eq(vec![1u8]),
            committee_members::weight.eq(2),
            committee_members::shards.eq(Some(vec![0, 1])),
        ))
        .execute(&mut connection)
        .unwrap();
    let shards: Vec<Option<Vec<i32>>> = committee_members::table
        .order(committee_members::epoch)
        .select(committee_members::shards)
        .load(&mut connection)
        .unwrap();
    assert_eq!(shards, [None, Some(vec![0, 1])]);

    // Exchange rates hold the contract's u128 amounts.
    diesel::sql_query(format!(
        "INSERT INTO pool_exchange_rates (node_id, epoch, wal_amount, share_amount) \
         VALUES ('\\x01', 2, {max}, {max})",
        max = u128::MAX
    ))
    .execute(&mut connection)
    .unwrap();

    // Reverting it returns to the previous schema with its rows.
    connection.revert_last_migration(db::MIGRATIONS).unwrap();
    assert_eq!(tables(&mut connection), expected(&before_epoch_state));
    let count: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM committee_members)",
    ))
    .get_result(&mut connection)
    .unwrap();
    assert_eq!(count, 2);
}

#[test]
fn the_audits_migration_applies_to_the_previous_schema_and_keeps_its_rows() {
    let database = TestDatabase::new().unwrap();
    let mut connection = database.connect().unwrap();
    // The two before it.
    for _ in 0..2 {
        connection.run_next_migration(db::MIGRATIONS).unwrap();
    }
    assert_eq!(tables(&mut connection), expected(&AUDIT_TABLES));
    // An epoch and a node indexed before audits existed.
    connection
        .batch_execute(
            "INSERT INTO epochs (epoch, start_checkpoint, start_ms, n_shards) VALUES (1, 5, 0, 12); \
             INSERT INTO nodes (node_id, name, network_address, public_key, operator, \
             registered_epoch, registered_checkpoint) \
             VALUES ('\\x01', 'n', 'a', '\\x02', '\\x03', 1, 5)",
        )
        .unwrap();

    connection.run_next_migration(db::MIGRATIONS).unwrap();
    assert_eq!(tables(&mut connection), expected(&[]));
    let seeds: Vec<Option<Vec<u8>>> = walrus_indexer::schema::epochs::table
        .select(walrus_indexer::schema::epochs::challenge_seed)
        .load(&mut connection)
        .unwrap();
    assert_eq!(seeds, [None]);
    // The result of a challenge is one of three.
    let bad = diesel::sql_query(
        "INSERT INTO audits VALUES (1, '\\x01', '\\x02', '\\x03', 0, 'primary', 0, 'maybe', NULL, 1, 0)",
    )
    .execute(&mut connection);
    assert!(bad.is_err(), "an unknown audit result was accepted");

    connection.revert_last_migration(db::MIGRATIONS).unwrap();
    assert_eq!(tables(&mut connection), expected(&AUDIT_TABLES));
    let count: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM epochs) + (SELECT count(*) FROM nodes)",
    ))
    .get_result(&mut connection)
    .unwrap();
    assert_eq!(count, 2);
}

#[test]
fn the_explorer_migration_numbers_the_proposals_there_and_keeps_them_on_revert() {
    use walrus_indexer::schema::proposals;
    let database = TestDatabase::new().unwrap();
    let mut connection = database.connect().unwrap();
    // The three before it.
    for _ in 0..3 {
        connection.run_next_migration(db::MIGRATIONS).unwrap();
    }
    // Two proposals indexed before numbers, the later one with the smaller id.
    connection
        .batch_execute(
            "INSERT INTO proposals (proposal_id, proposer, creator, parameter, value, epoch, \
             voting_end_epoch, created_checkpoint) VALUES \
             ('\\x09', '\\x02', '\\x03', 3, 9, 1, 2, 10), \
             ('\\x01', '\\x02', '\\x03', 4, 7, 2, 3, 20)",
        )
        .unwrap();

    connection.run_next_migration(db::MIGRATIONS).unwrap();
    let numbers: Vec<(Vec<u8>, i32)> = proposals::table
        .order(proposals::number)
        .select((proposals::proposal_id, proposals::number))
        .load(&mut connection)
        .unwrap();
    assert_eq!(numbers, [(vec![9], 1), (vec![1], 2)]);
    // A number is a proposal's only.
    let taken = diesel::sql_query(
        "INSERT INTO proposals (proposal_id, proposer, creator, parameter, value, epoch, \
         voting_end_epoch, created_checkpoint, number) VALUES ('\\x05', '\\x02', '\\x03', 3, 9, 1, 2, 30, 2)",
    )
    .execute(&mut connection);
    assert!(taken.is_err(), "a second proposal #2 was accepted");

    connection.revert_last_migration(db::MIGRATIONS).unwrap();
    let count: i64 = diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM proposals)",
    ))
    .get_result(&mut connection)
    .unwrap();
    assert_eq!(count, 2);
}
