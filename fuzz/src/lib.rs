//! What the fuzz targets share: a small blob encoded once (its metadata checks slivers,
//! symbols and proofs), a node key, and the round-trip check of BCS decoders.

use std::sync::OnceLock;

use serde::{Serialize, de::DeserializeOwned};
use walrus_core::{
    BlobId, EncodingConfig, VerifiedBlobMetadata,
    encoding::{EncodedBlob, SliverPair, encode},
    keys::bls::BlsKeyPair,
};

/// Shards of the fixture's network.
pub const N_SHARDS: u16 = 7;

/// A blob encoded at [`N_SHARDS`] shards, with its slivers.
pub struct Fixture {
    /// Its verified metadata.
    pub metadata: VerifiedBlobMetadata,
    /// Its sliver pairs, in pair order.
    pub pairs: Vec<SliverPair>,
    /// A node's key (fixed).
    pub key: BlsKeyPair,
}

impl Fixture {
    /// The blob id.
    pub fn blob_id(&self) -> &BlobId {
        self.metadata.blob_id()
    }
}

/// The fixture, built at the first use.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let blob: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        let config = EncodingConfig::new(N_SHARDS).expect("a valid shard count");
        let encoded: EncodedBlob<'_> = encode(&blob, &config).expect("a small blob encodes");
        Fixture {
            metadata: encoded.metadata().clone(),
            pairs: encoded.sliver_pairs().collect(),
            key: BlsKeyPair::from_secret_bytes(&[7; 32]).expect("a valid secret"),
        }
    })
}

/// Decodes `data` as BCS `T`; a value that decodes must encode back to exactly `data`
/// (BCS is canonical: two encodings of one value would make signatures malleable).
pub fn bcs_round_trip<T: Serialize + DeserializeOwned>(data: &[u8]) -> Option<T> {
    let value: T = bcs::from_bytes(data).ok()?;
    let encoded = bcs::to_bytes(&value).expect("a decoded value encodes");
    assert_eq!(
        encoded, data,
        "BCS decoding accepted a non-canonical encoding"
    );
    Some(value)
}
