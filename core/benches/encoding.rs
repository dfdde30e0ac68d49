//! Encode, decode, check one sliver and recover one sliver at n = 10, 100, 1000 for blobs of
//! 1 B, 1 MiB, 64 MiB and 256 MiB (and 1 GiB with `WALRUS_BENCH_1GIB=1`). Throughput is in
//! bytes of unencoded data (for a check: of the sliver; for recovery: of the rebuilt sliver).
//!
//! `cargo bench -p walrus-core --bench encoding`; filter with e.g. `-- encode/n1000`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use walrus_core::{
    EncodingConfig,
    encoding::{
        RecoverySymbol, Sliver, SliverKind, SliverReceiver, decode, encode, recover_sliver,
    },
};

const MIB: usize = 1 << 20;

fn sizes() -> Vec<(&'static str, usize)> {
    let mut sizes = vec![
        ("1B", 1),
        ("1MiB", MIB),
        ("64MiB", 64 * MIB),
        ("256MiB", 256 * MIB),
    ];
    if std::env::var_os("WALRUS_BENCH_1GIB").is_some() {
        sizes.push(("1GiB", 1024 * MIB));
    }
    sizes
}

fn random_blob(size: usize) -> Vec<u8> {
    let mut blob = vec![0u8; size];
    ChaCha8Rng::seed_from_u64(size as u64).fill_bytes(&mut blob);
    blob
}

fn bench_encoding(c: &mut Criterion) {
    for n in [10u16, 100, 1000] {
        let config = EncodingConfig::new(n).unwrap();
        for (label, size) in sizes() {
            let blob = random_blob(size);
            let id = BenchmarkId::new(format!("n{n}"), label);

            let mut group = c.benchmark_group("encode");
            group.sample_size(if size >= 64 * MIB { 10 } else { 20 });
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(id.clone(), &blob, |b, blob| {
                b.iter(|| encode(blob, &config).unwrap())
            });
            group.finish();

            let encoded = encode(&blob, &config).unwrap();
            let metadata = encoded.metadata().clone();
            // The last p rows: every source row must be computed, the worst case.
            let p = config.primary_source_symbols() as u16;
            let slivers: Vec<Sliver> = (n - p..n).map(|i| encoded.primary_sliver(i)).collect();
            let mut group = c.benchmark_group("decode");
            group.sample_size(if size >= 64 * MIB { 10 } else { 20 });
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(id.clone(), &slivers, |b, slivers| {
                b.iter(|| decode(&metadata, slivers).unwrap())
            });
            group.finish();

            // Check primary sliver 0 against the metadata: whole, and as a reader that hashed
            // its symbols while they arrived has left to do.
            let sliver = encoded.primary_sliver(0);
            let mut receiver = SliverReceiver::new(&metadata, SliverKind::Primary, 0).unwrap();
            receiver.push(&sliver.data).unwrap();
            let received = receiver.finish().unwrap();
            let mut group = c.benchmark_group("verify_primary_sliver");
            group.sample_size(20);
            group.throughput(Throughput::Bytes(sliver.data.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("n{n}/whole"), label),
                &sliver,
                |b, sliver| b.iter(|| sliver.verify(&metadata).unwrap()),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("n{n}/after_arrival"), label),
                &received,
                |b, received| b.iter(|| received.verify(&metadata).unwrap()),
            );
            group.finish();

            // Rebuild primary sliver 0 from one symbol of each of the last s secondary
            // slivers (recovery positions, so the decoder computes).
            let s = config.secondary_source_symbols() as u16;
            let symbols: Vec<RecoverySymbol> = (n - s..n)
                .map(|j| {
                    encoded
                        .secondary_sliver(j)
                        .expand(&config)
                        .unwrap()
                        .recovery_symbol(0)
                        .unwrap()
                })
                .collect();
            drop(encoded);
            let sliver_size = config.primary_sliver_size(metadata.symbol_size());
            let mut group = c.benchmark_group("recover_primary_sliver");
            group.sample_size(20);
            group.throughput(Throughput::Bytes(sliver_size));
            group.bench_with_input(id, &symbols, |b, symbols| {
                b.iter(|| recover_sliver(&metadata, SliverKind::Primary, 0, symbols).unwrap())
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_encoding);
criterion_main!(benches);
