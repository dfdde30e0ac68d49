//! Reading the shared certificate vectors in the chain's integration tests.

use serde_json::Value;

/// `testdata/vectors/certificates.json`.
pub fn certificates() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/vectors/certificates.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A hex string (with or without `0x`) as bytes.
pub fn bytes(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

/// A `0x` big-endian u256 as the little-endian bytes Rust keeps.
pub fn u256(value: &Value) -> [u8; 32] {
    let mut bytes: [u8; 32] = bytes(value).try_into().unwrap();
    bytes.reverse();
    bytes
}

/// The committee members of the vectors as `(node id, public key, weight)`.
pub fn members(vectors: &Value) -> Vec<(sui_sdk_types::Address, Vec<u8>, u16)> {
    vectors["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["node_address"].as_str().unwrap().parse().unwrap(),
                bytes(&m["public_key"]),
                m["weight"].as_u64().unwrap() as u16,
            )
        })
        .collect()
}
