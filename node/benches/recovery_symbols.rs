//! The work behind one `GET /v1/blobs/{id}/recoverySymbols/{kind}` answer on a node holding
//! 3 of 12 shards: for each held sliver of the source kind, its expansion (read from the
//! store and extended to `n` symbols with its Merkle tree) and the symbols towards the
//! targets with their proofs. `uncached` keeps no expansion (every request expands, as
//! before the cache); `cached` is the node's default cache, warm after the first request.
//!
//! `cargo bench -p walrus-node --bench recovery_symbols`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use walrus_core::{
    EncodingConfig, VerifiedBlobMetadata,
    encoding::{RecoverySymbol, SliverKind, encode},
};
use walrus_node::{expansions::DEFAULT_CAPACITY, storage::NodeStorage};

const N_SHARDS: u16 = 12;
const HELD: [u16; 3] = [0, 5, 9];
const MIB: usize = 1 << 20;

/// One answer: symbols towards primary slivers 1 and 2 from each held secondary sliver.
fn answer(storage: &NodeStorage, metadata: &VerifiedBlobMetadata) -> Vec<RecoverySymbol> {
    let mut symbols = Vec::new();
    for shard in HELD {
        let expanded = storage
            .expanded_sliver(shard, SliverKind::Secondary, metadata)
            .unwrap()
            .expect("the sliver is stored");
        symbols.extend([1, 2].map(|target| expanded.recovery_symbol(target).unwrap()));
    }
    symbols
}

fn bench_recovery_symbols(c: &mut Criterion) {
    let config = EncodingConfig::new(N_SHARDS).unwrap();
    let mut group = c.benchmark_group("recovery_symbols");
    group.sample_size(20);
    for (label, size) in [("1MiB", MIB), ("64MiB", 64 * MIB)] {
        let mut blob = vec![0u8; size];
        ChaCha8Rng::seed_from_u64(size as u64).fill_bytes(&mut blob);
        let encoded = encode(&blob, &config).unwrap();
        let metadata = encoded.metadata().clone();
        let blob_id = *encoded.blob_id();
        for (cache, capacity) in [("uncached", 0), ("cached", DEFAULT_CAPACITY)] {
            let dir = tempfile::tempdir().unwrap();
            let storage = NodeStorage::open(dir.path())
                .unwrap()
                .with_expansion_cache(capacity);
            for shard in HELD {
                let pair = encoded.sliver_pair(blob_id.pair_for_shard(shard, N_SHARDS));
                storage.put_sliver(shard, &blob_id, pair.secondary).unwrap();
            }
            group.bench_function(BenchmarkId::new(cache, label), |b| {
                b.iter(|| answer(&storage, &metadata))
            });
            let expansions = storage.expansions();
            println!(
                "recovery_symbols/{cache}/{label}: {} hits, {} misses",
                expansions.hits.get(),
                expansions.misses.get()
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_recovery_symbols);
criterion_main!(benches);
