//! Scalars and identifiers: amounts as decimal strings (`BigInt`, since GraphQL's `Int` is
//! 32 bits), ids and addresses as `0x` and 64 hex digits, blob ids in URL-safe base64.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use walrus_core::BlobId;

use super::errors::bad_input;

/// An integer of any size, written as a decimal string (amounts in FROST, checkpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigInt(pub i128);

#[Scalar]
impl ScalarType for BigInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => text
                .parse()
                .map(Self)
                .map_err(|_| InputValueError::custom(format!("{text:?} is not an integer"))),
            Value::Number(number) => number
                .as_i64()
                .map(|n| Self(i128::from(n)))
                .ok_or_else(|| InputValueError::custom("expected an integer")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<i64> for BigInt {
    fn from(value: i64) -> Self {
        Self(i128::from(value))
    }
}

/// `0x` and the hex of `bytes` (object ids, addresses, digests).
pub fn hex_id(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// The 32 bytes of a `0x`-prefixed hex id; `what` names the argument in the error.
pub fn parse_id(text: &str, what: &str) -> Result<Vec<u8>, async_graphql::Error> {
    text.strip_prefix("0x")
        .and_then(|digits| hex::decode(digits).ok())
        .filter(|bytes| bytes.len() == 32)
        .ok_or_else(|| {
            bad_input(format!(
                "{what} {text:?} is not an id: write 0x followed by 64 hex digits"
            ))
        })
}

/// The blob id stored as `bytes`, as users write it.
pub fn blob_id_text(bytes: &[u8]) -> String {
    <[u8; 32]>::try_from(bytes).map_or_else(|_| hex_id(bytes), |id| BlobId(id).to_string())
}

/// The bytes of a blob id written in URL-safe base64.
pub fn parse_blob_id(text: &str) -> Result<Vec<u8>, async_graphql::Error> {
    text.parse::<BlobId>()
        .map(|id| id.0.to_vec())
        .map_err(|error| bad_input(error.to_string()))
}
