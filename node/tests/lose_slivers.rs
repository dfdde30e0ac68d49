//! The `node::lose_slivers` failpoint (a test binary of its own, since failpoints are
//! process-wide): a node told to lose 30 % of its slivers accepts their writes, then
//! finds nothing when they are read and fails exactly their audits.

use bytes::Bytes;
use walrus_chain::contract::ObjectId;
use walrus_core::{
    BlobId, EncodingConfig,
    audit::{AuditFailure, AuditRequest, MAX_AUDIT_CHALLENGES, check_answer, derive_challenges},
    encoding::{SliverKind, encode},
};
use walrus_node::{
    faults::{configure, sliver_draw},
    storage::{BlobInfo, ChainUpdate, Registration},
    testing::TestNode,
};

const N_SHARDS: u16 = 10;
const HELD: [u16; 9] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const BLOBS: u64 = 20;

fn certified() -> BlobInfo {
    BlobInfo {
        registrations: vec![Registration {
            object_id: ObjectId::ZERO,
            end_epoch: 10,
            deletable: false,
            certified: true,
        }],
        certified_epoch: Some(1),
        invalid: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_loses_the_configured_share_of_its_pairs_silently() {
    configure("node::lose_slivers=return(30)").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = TestNode::start(dir.path(), N_SHARDS, &HELD, 1).await;
    let client = node.client();
    let config = EncodingConfig::new(N_SHARDS).unwrap();
    let blobs: Vec<Vec<u8>> = (0..BLOBS)
        .map(|i| (0..500 + i).map(|b| (b * 13 + i) as u8).collect())
        .collect();
    let encoded: Vec<_> = blobs.iter().map(|b| encode(b, &config).unwrap()).collect();
    let mut update = ChainUpdate {
        cursor: 1,
        ..ChainUpdate::default()
    };
    for blob in &encoded {
        update.blobs.insert(*blob.blob_id(), Some(certified()));
    }
    node.context.storage.apply(&update).unwrap();

    // Every write is answered with success, lost or not.
    for blob in &encoded {
        let blob_id = blob.blob_id();
        client
            .put_metadata(blob_id, blob.metadata().metadata())
            .await
            .unwrap();
        for shard in HELD {
            let pair = blob.sliver_pair(blob_id.pair_for_shard(shard, N_SHARDS));
            for sliver in [pair.primary, pair.secondary] {
                client
                    .put_sliver(blob_id, pair.index, sliver.kind, Bytes::from(sliver.data))
                    .await
                    .unwrap();
            }
        }
    }

    let is_lost =
        |blob_id: &BlobId, shard: u16, kind: SliverKind| sliver_draw(blob_id, shard, kind) < 30;
    let mut lost = 0;
    for blob in &encoded {
        let blob_id = blob.blob_id();
        for shard in HELD {
            let pair = blob_id.pair_for_shard(shard, N_SHARDS);
            let read = client
                .sliver(blob.metadata(), pair, SliverKind::Primary)
                .await;
            if is_lost(blob_id, shard, SliverKind::Primary) {
                lost += 1;
                assert!(read.unwrap_err().is_not_found());
            } else {
                read.unwrap().verify(blob.metadata()).unwrap();
            }
        }
        let any_lost = HELD.iter().any(|shard| {
            [SliverKind::Primary, SliverKind::Secondary]
                .into_iter()
                .any(|kind| is_lost(blob_id, *shard, kind))
        });
        assert_eq!(client.status(blob_id).await.unwrap().stored, !any_lost);
    }
    let pairs = BLOBS as usize * HELD.len();
    assert!(
        (pairs * 15 / 100..pairs * 45 / 100).contains(&lost),
        "{lost} of {pairs} primary slivers lost"
    );

    // A lost sliver fails its audit, every other sliver passes.
    let ids: Vec<BlobId> = encoded.iter().map(|b| *b.blob_id()).collect();
    let challenges = derive_challenges(b"seed", 1, &[0; 32], &HELD, N_SHARDS, &ids, ids.len());
    assert_eq!(challenges.len(), pairs * 2);
    let mut failed = 0;
    for chunk in challenges.chunks(MAX_AUDIT_CHALLENGES) {
        let answers = client
            .audit(&AuditRequest {
                epoch: 1,
                challenges: chunk.to_vec(),
            })
            .await
            .unwrap();
        for (challenge, answer) in chunk.iter().zip(&answers) {
            let blob = encoded
                .iter()
                .find(|b| b.blob_id() == &challenge.blob_id)
                .unwrap();
            let result = check_answer(challenge, blob.metadata(), answer);
            if is_lost(&challenge.blob_id, challenge.shard, challenge.kind) {
                failed += 1;
                assert!(
                    matches!(result, Err(AuditFailure::Missing(_))),
                    "{result:?}"
                );
            } else {
                assert_eq!(result, Ok(()));
            }
        }
    }
    let lost_slivers = challenges
        .iter()
        .filter(|c| is_lost(&c.blob_id, c.shard, c.kind))
        .count();
    assert_eq!(failed, lost_slivers);
    assert!(
        failed >= lost,
        "{failed} audits failed, {lost} primary slivers alone were lost"
    );
}
