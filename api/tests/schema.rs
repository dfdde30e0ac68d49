//! The checked-in `api/schema.graphql` is the schema the API serves; a change to the
//! schema must be checked in on purpose.

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");

#[test]
fn the_checked_in_schema_is_the_served_one() {
    let served = walrus_api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(PATH, &served).unwrap();
    }
    let checked_in = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        checked_in == served,
        "api/schema.graphql differs from the schema the API serves; if the change is \
         intended, regenerate it with `UPDATE_SCHEMA=1 cargo test -p walrus-api --test schema` \
         (or `walrus api --print-schema > api/schema.graphql`) and check it in"
    );
}
