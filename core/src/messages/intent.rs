//! Intents: the three-byte header that says what a signed message is for.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Intent type of a proof of possession of a BLS key.
pub const PROOF_OF_POSSESSION_MSG_TYPE: u8 = 0;
/// Intent type of a storage confirmation, aggregated into a blob certificate.
pub const BLOB_CERT_MSG_TYPE: u8 = 1;
/// Intent type of an attestation that a blob id is invalid (inconsistently encoded).
pub const INVALID_BLOB_ID_MSG_TYPE: u8 = 2;
/// The only intent version so far.
pub const INTENT_VERSION: u8 = 0;
/// The application id of Walrus storage messages.
pub const APP_ID_STORAGE: u8 = 3;

/// The header of every signed protocol message: what kind of message it is, the version of
/// its format and the application it belongs to.
///
/// BCS: `intent_type u8 | intent_version u8 | app_id u8`, the field order of the Move
/// contract's `walrus::messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Intent {
    /// What the message is, e.g. [`BLOB_CERT_MSG_TYPE`].
    pub intent_type: u8,
    /// The version of the message format, [`INTENT_VERSION`].
    pub intent_version: u8,
    /// The application, [`APP_ID_STORAGE`] for Walrus.
    pub app_id: u8,
}

impl Intent {
    /// The intent of a proof of possession.
    pub const PROOF_OF_POSSESSION: Self = Self::storage(PROOF_OF_POSSESSION_MSG_TYPE);
    /// The intent of a storage confirmation.
    pub const BLOB_CERT: Self = Self::storage(BLOB_CERT_MSG_TYPE);
    /// The intent of an invalid-blob-id attestation.
    pub const INVALID_BLOB_ID: Self = Self::storage(INVALID_BLOB_ID_MSG_TYPE);

    /// A Walrus storage intent of the given type, at the current version.
    pub const fn storage(intent_type: u8) -> Self {
        Self {
            intent_type,
            intent_version: INTENT_VERSION,
            app_id: APP_ID_STORAGE,
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "(type {}, version {}, app {})",
            self.intent_type, self.intent_version, self.app_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_move_contract() {
        assert_eq!(
            Intent::PROOF_OF_POSSESSION,
            Intent {
                intent_type: 0,
                intent_version: 0,
                app_id: 3
            }
        );
        assert_eq!(Intent::BLOB_CERT.intent_type, 1);
        assert_eq!(Intent::INVALID_BLOB_ID.intent_type, 2);
    }

    #[test]
    fn bcs_is_three_bytes_in_order() {
        let encoded = bcs::to_bytes(&Intent::storage(7)).expect("bcs");
        assert_eq!(encoded, [7, 0, 3]);
        assert_eq!(
            bcs::from_bytes::<Intent>(&[2, 0, 3]).expect("decode"),
            Intent::INVALID_BLOB_ID
        );
    }

    #[test]
    fn display_names_each_field() {
        assert_eq!(Intent::BLOB_CERT.to_string(), "(type 1, version 0, app 3)");
    }
}
