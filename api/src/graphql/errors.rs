//! GraphQL errors with Apollo-style codes in `extensions.code`.

use async_graphql::{Error, ErrorExtensions as _};

use crate::db::DbError;

/// The client sent something invalid (an argument, a cursor, a page size).
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
/// The query is too deep or too complex.
pub const RESOURCE_EXHAUSTED: &str = "RESOURCE_EXHAUSTED";
/// The query ran past the time limit.
pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
/// Something failed inside the API.
pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";

/// An error with `code` in its extensions.
pub fn coded(message: impl Into<String>, code: &'static str) -> Error {
    Error::new(message).extend_with(|_, extensions| extensions.set("code", code))
}

/// A client mistake: says what was wrong and what to send instead.
pub fn bad_input(message: impl Into<String>) -> Error {
    coded(message, BAD_USER_INPUT)
}

/// A failed query, logged; the client learns only that it failed.
pub fn internal(error: DbError) -> Error {
    tracing::error!(%error, "a GraphQL query failed");
    coded(
        "the database query failed; retry later or tell the operator",
        INTERNAL_SERVER_ERROR,
    )
}
