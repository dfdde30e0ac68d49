//! Expanded slivers kept in memory. A recovery symbol (and an audit answer) is one symbol of
//! a stored sliver's full expansion with its Merkle proof, so answering one means extending
//! the sliver to `n` symbols and hashing all of them. A node rebuilding a sliver asks every
//! peer for symbols of the same blob, and the peers rebuilding the same blob ask again: the
//! cache keeps each expansion once, bounded by bytes (quick_cache's CLOCK-Pro policy, a
//! scan-resistant relative of LRU), and counts hits and misses on `/metrics`.
//!
//! Entries are keyed by blob, shard and kind; the store drops them whenever it deletes the
//! sliver they came from, so that a deleted sliver is never served from memory.

use std::sync::Arc;

use prometheus::IntCounter;
use quick_cache::{Weighter, sync::Cache};
use walrus_core::{BlobId, encoding::ExpandedSliver, encoding::SliverKind};

/// Default bytes of expansions a node keeps (`expansion_cache_bytes` in its configuration).
pub const DEFAULT_CAPACITY: u64 = 256 * 1024 * 1024;

/// One stored sliver: blob, shard, kind.
pub type SliverKey = (BlobId, u16, SliverKind);

/// Weighs an expansion by the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct ByBytes;

impl Weighter<SliverKey, Arc<ExpandedSliver>> for ByBytes {
    fn weight(&self, _key: &SliverKey, expanded: &Arc<ExpandedSliver>) -> u64 {
        expanded.byte_len() as u64
    }
}

/// Expansions of stored slivers, bounded by bytes.
#[derive(Clone)]
pub struct ExpansionCache {
    cache: Arc<Cache<SliverKey, Arc<ExpandedSliver>, ByBytes>>,
    /// Lookups answered from memory.
    pub hits: IntCounter,
    /// Lookups not found in memory (the sliver was read and expanded, or not found).
    pub misses: IntCounter,
}

/// A rough number of expansions the capacity holds, for the cache's table sizing.
const ESTIMATED_ENTRY_BYTES: u64 = 64 * 1024;

impl ExpansionCache {
    /// A cache holding up to `capacity` bytes of expansions (0: none).
    pub fn new(capacity: u64) -> Self {
        let items = (capacity / ESTIMATED_ENTRY_BYTES).clamp(16, 1 << 16) as usize;
        Self {
            cache: Arc::new(Cache::with_weighter(items, capacity.max(1), ByBytes)),
            hits: IntCounter::new(
                "node_expansion_cache_hits_total",
                "Sliver expansions served from memory (recovery symbols, audits)",
            )
            .expect("valid metric"),
            misses: IntCounter::new(
                "node_expansion_cache_misses_total",
                "Sliver expansions not found in memory (recovery symbols, audits)",
            )
            .expect("valid metric"),
        }
    }

    /// The expansion of `key`, from memory or else from `expand` (then kept); an error of
    /// `expand` is returned and nothing is kept. Blocks while another thread expands the
    /// same sliver, so each is expanded once: call it off the async threads.
    pub fn get_or_expand<E>(
        &self,
        key: SliverKey,
        expand: impl FnOnce() -> Result<ExpandedSliver, E>,
    ) -> Result<Arc<ExpandedSliver>, E> {
        let mut expanded = false;
        let result = self.cache.get_or_insert_with(&key, || {
            expanded = true;
            expand().map(Arc::new)
        });
        if expanded {
            self.misses.inc();
        } else {
            self.hits.inc();
        }
        result
    }

    /// Forgets the expansion of one sliver.
    pub fn forget(&self, key: &SliverKey) {
        self.cache.remove(key);
    }

    /// Forgets every expansion of a blob on `shards`.
    pub fn forget_blob(&self, blob_id: &BlobId, shards: &[u16]) {
        for shard in shards {
            for kind in [SliverKind::Primary, SliverKind::Secondary] {
                self.forget(&(*blob_id, *shard, kind));
            }
        }
    }

    /// Forgets every expansion of a shard's slivers.
    pub fn forget_shard(&self, shard: u16) {
        self.cache.retain(|(_, held, _), _| *held != shard);
    }

    /// Bytes of expansions held.
    pub fn weight(&self) -> u64 {
        self.cache.weight()
    }
}

#[cfg(test)]
mod tests {
    use walrus_core::{
        EncodingConfig,
        encoding::{Sliver, encode},
    };

    use super::*;

    fn primary(blob: &[u8], pair: u16) -> (Sliver, EncodingConfig) {
        let config = EncodingConfig::new(10).unwrap();
        let encoded = encode(blob, &config).unwrap();
        (encoded.sliver_pair(pair).primary, config)
    }

    #[test]
    fn expansions_are_computed_once_and_forgotten_with_their_sliver() {
        let (sliver, config) = primary(&[9; 3000], 2);
        let cache = ExpansionCache::new(DEFAULT_CAPACITY);
        let key = (BlobId([1; 32]), 4, SliverKind::Primary);
        let expand = || sliver.expand(&config);
        let first = cache.get_or_expand(key, expand).unwrap();
        let again = cache
            .get_or_expand(key, || -> Result<ExpandedSliver, ()> { panic!("cached") })
            .unwrap();
        assert_eq!(first.root(), again.root());
        assert_eq!((cache.hits.get(), cache.misses.get()), (1, 1));
        assert_eq!(cache.weight(), first.byte_len() as u64);

        cache.forget_blob(&key.0, &[4]);
        cache.get_or_expand(key, expand).unwrap();
        assert_eq!(cache.misses.get(), 2);
        cache.forget_shard(4);
        assert_eq!(cache.weight(), 0);
    }

    #[test]
    fn failures_are_not_kept_and_the_capacity_holds() {
        let (sliver, config) = primary(&[3; 3000], 1);
        let size = sliver.expand(&config).unwrap().byte_len() as u64;
        let cache = ExpansionCache::new(size * 2);
        let key = |shard| (BlobId([2; 32]), shard, SliverKind::Primary);
        assert!(cache.get_or_expand(key(0), || Err("damaged")).is_err());
        assert_eq!(cache.weight(), 0);
        for shard in 0..10 {
            cache
                .get_or_expand(key(shard), || sliver.expand(&config))
                .unwrap();
        }
        assert!(cache.weight() <= size * 2, "{}", cache.weight());
    }
}
