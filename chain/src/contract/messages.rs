//! Mirror of `walrus::messages`: the header check and body decoding of certified messages.

use walrus_core::BlobId;

use super::{MoveAbort, ObjectId, abort::abort_codes, ensure};

const PROOF_OF_POSSESSION_MSG_TYPE: u8 = 0;
const BLOB_CERT_MSG_TYPE: u8 = 1;
const INVALID_BLOB_ID_MSG_TYPE: u8 = 2;
const INTENT_VERSION: u8 = 0;
const APP_ID_STORAGE: u8 = 3;

abort_codes!("messages" {
    /// The intent version or app id is not Walrus storage's.
    EInvalidIntent = 300,
    /// The message is of another type than expected.
    EWrongMessageType = 301,
    /// The body has bytes after its end.
    ETrailingBytes = 302,
    /// The blob persistence type is unknown.
    EInvalidPersistenceType = 303,
});

abort_codes!("bcs" {
    /// `sui::bcs::EOutOfRange`: reading past the end of the bytes.
    EOutOfRange = 0,
});

/// Reads BCS values front to back, aborting as `sui::bcs` does at the end of the bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MoveAbort> {
        ensure(self.bytes.len() >= n, EOutOfRange)?;
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, MoveAbort> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, MoveAbort> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn bytes32(&mut self) -> Result<[u8; 32], MoveAbort> {
        Ok(self.take(32)?.try_into().expect("32 bytes"))
    }
}

/// A message signed by a quorum, with the weight that signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedMessage {
    intent_type: u8,
    epoch: u32,
    signers_weight: u16,
    body: Vec<u8>,
}

/// A blob certification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedBlobMessage {
    epoch: u32,
    blob_id: BlobId,
    deletable_object_id: Option<ObjectId>,
}

/// An invalid-blob-id attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedInvalidBlobId {
    epoch: u32,
    blob_id: BlobId,
}

/// Parses a message's header.
pub fn new_certified_message(
    message: &[u8],
    signers_weight: u16,
) -> Result<CertifiedMessage, MoveAbort> {
    let mut reader = Reader { bytes: message };
    let intent_type = reader.u8()?;
    let intent_version = reader.u8()?;
    let app_id = reader.u8()?;
    ensure(
        intent_version == INTENT_VERSION && app_id == APP_ID_STORAGE,
        EInvalidIntent,
    )?;
    let epoch = reader.u32()?;
    Ok(CertifiedMessage {
        intent_type,
        epoch,
        signers_weight,
        body: reader.bytes.to_vec(),
    })
}

impl CertifiedMessage {
    /// Epoch the message was signed in.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Shard weight of the signers.
    pub fn signers_weight(&self) -> u16 {
        self.signers_weight
    }

    /// Intent type of the message.
    pub fn intent_type(&self) -> u8 {
        self.intent_type
    }

    /// Decodes a blob certification.
    pub fn certify_blob_message(self) -> Result<CertifiedBlobMessage, MoveAbort> {
        ensure(self.intent_type == BLOB_CERT_MSG_TYPE, EWrongMessageType)?;
        let mut reader = Reader { bytes: &self.body };
        let blob_id = BlobId(reader.bytes32()?);
        let deletable_object_id = match reader.u8()? {
            0 => None,
            1 => Some(ObjectId::new(reader.bytes32()?)),
            _ => return Err(EInvalidPersistenceType),
        };
        ensure(reader.bytes.is_empty(), ETrailingBytes)?;
        Ok(CertifiedBlobMessage {
            epoch: self.epoch,
            blob_id,
            deletable_object_id,
        })
    }

    /// Decodes an invalid-blob-id attestation.
    pub fn invalid_blob_id_message(self) -> Result<CertifiedInvalidBlobId, MoveAbort> {
        ensure(
            self.intent_type == INVALID_BLOB_ID_MSG_TYPE,
            EWrongMessageType,
        )?;
        let mut reader = Reader { bytes: &self.body };
        let blob_id = BlobId(reader.bytes32()?);
        ensure(reader.bytes.is_empty(), ETrailingBytes)?;
        Ok(CertifiedInvalidBlobId {
            epoch: self.epoch,
            blob_id,
        })
    }
}

impl CertifiedBlobMessage {
    /// Epoch of the certification.
    pub fn certified_epoch(&self) -> u32 {
        self.epoch
    }

    /// The certified blob id.
    pub fn certified_blob_id(&self) -> BlobId {
        self.blob_id
    }

    /// The object id a deletable blob's certification is bound to.
    pub fn deletable_object_id(&self) -> Option<ObjectId> {
        self.deletable_object_id
    }
}

impl CertifiedInvalidBlobId {
    /// Epoch of the attestation.
    pub fn invalid_epoch(&self) -> u32 {
        self.epoch
    }

    /// The invalid blob id.
    pub fn invalid_blob_id(&self) -> BlobId {
        self.blob_id
    }
}

/// The bytes of a proof of possession that `sui_address` holds BLS key `public_key`.
pub fn proof_of_possession_message(
    epoch: u32,
    sui_address: ObjectId,
    public_key: &[u8],
) -> Vec<u8> {
    let mut message = vec![PROOF_OF_POSSESSION_MSG_TYPE, INTENT_VERSION, APP_ID_STORAGE];
    message.extend_from_slice(&epoch.to_le_bytes());
    message.extend_from_slice(sui_address.as_bytes());
    message.extend_from_slice(public_key);
    message
}

#[cfg(test)]
mod tests {
    use walrus_core::messages::{
        BlobCertificationBody, BlobPersistenceType, InvalidBlobIdBody, ProtocolMessage,
    };

    use super::*;

    #[test]
    fn decodes_what_core_signs() {
        let object_id = ObjectId::new([0x12; 32]);
        let body = BlobCertificationBody {
            blob_id: BlobId([7; 32]),
            blob_type: BlobPersistenceType::Deletable { object_id },
        };
        let bytes = ProtocolMessage::new(4, body).to_bcs();
        let certified = new_certified_message(&bytes, 9).unwrap();
        assert_eq!((certified.epoch(), certified.signers_weight()), (4, 9));
        let blob = certified.certify_blob_message().unwrap();
        assert_eq!(blob.certified_blob_id(), BlobId([7; 32]));
        assert_eq!(blob.deletable_object_id(), Some(object_id));
        let invalid = ProtocolMessage::new(
            5,
            InvalidBlobIdBody {
                blob_id: BlobId([8; 32]),
            },
        );
        let invalid = new_certified_message(&invalid.to_bcs(), 1)
            .unwrap()
            .invalid_blob_id_message()
            .unwrap();
        assert_eq!(
            (invalid.invalid_epoch(), invalid.invalid_blob_id()),
            (5, BlobId([8; 32]))
        );
    }

    #[test]
    fn aborts_match_the_move_module() {
        assert_eq!(
            new_certified_message(&[1, 0, 2, 1, 0, 0, 0], 1),
            Err(EInvalidIntent)
        );
        assert_eq!(new_certified_message(&[1, 0, 3], 1), Err(EOutOfRange));
        let permanent = ProtocolMessage::new(
            1,
            BlobCertificationBody {
                blob_id: BlobId([1; 32]),
                blob_type: BlobPersistenceType::Permanent,
            },
        )
        .to_bcs();
        let message = |bytes: &[u8]| new_certified_message(bytes, 1).unwrap();
        assert_eq!(
            message(&permanent).invalid_blob_id_message(),
            Err(EWrongMessageType)
        );
        let mut trailing = permanent.clone();
        trailing.push(0);
        assert_eq!(
            message(&trailing).certify_blob_message(),
            Err(ETrailingBytes)
        );
        let mut unknown = permanent.clone();
        *unknown.last_mut().unwrap() = 2;
        assert_eq!(
            message(&unknown).certify_blob_message(),
            Err(EInvalidPersistenceType)
        );
        let mut invalid = permanent;
        invalid[0] = 2;
        assert_eq!(
            message(&invalid).certify_blob_message(),
            Err(EWrongMessageType)
        );
    }
}
