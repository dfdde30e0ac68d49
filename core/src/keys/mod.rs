//! Keys used by Walrus.
//!
//! - [`bls`]: BLS12-381 min-pk keys of storage nodes (48-byte public keys in G1, 96-byte
//!   signatures in G2, ciphersuite `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_`), which is
//!   what Sui's `sui::bls12381::bls12381_min_pk_verify` checks on chain. Nodes sign storage
//!   confirmations with them and certificates aggregate those signatures.
//! - [`account`]: ed25519 Sui account keys and Sui addresses, so that one key works on the
//!   embedded ledger and on Sui.

pub mod account;
pub mod bls;

pub use account::{AccountKeyError, AccountKeyPair};
pub use bls::{BlsError, BlsKeyPair, BlsPublicKey, BlsSignature};
