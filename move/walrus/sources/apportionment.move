// Shards for committee members: D'Hondt over their stake with a per-node cap, and the move
// from the previous assignment that moves as few shards as possible. The same rules as
// `chain/src/contract/apportionment.rs`; `testdata/vectors/apportionment.json` keeps them
// equal.
module walrus::apportionment;

// Abort codes (800..899).
/// No members, a zero total stake, or a cap too small to place every shard.
const EInvalidApportionment: u64 = 800;
/// The previous assignment does not have one entry per member or does not cover every shard
/// exactly once.
const EInvalidAssignment: u64 = 801;

/// Shards per member: each next shard goes to the member under `cap` with the largest
/// `stake / (shards + 1)`, the lower index on a tie.
public fun dhondt(stakes: &vector<u64>, n_shards: u16, cap: u16): vector<u16> {
    let n_members = stakes.length();
    let mut total: u128 = 0;
    stakes.do_ref!(|stake| total = total + (*stake as u128));
    assert!(
        n_members > 0 && total > 0 && n_members * (cap as u64) >= (n_shards as u64),
        EInvalidApportionment,
    );
    // Every member gets at least the floor of its quota n * stake / total, and those seats'
    // quotients are at least total / n, which no seat beyond the floors beats: starting from
    // the (capped) floors gives the same result as starting from zero, in at most one more
    // step per member.
    let mut shards = stakes.map_ref!(|stake| {
        let quota = (n_shards as u128) * (*stake as u128) / total;
        quota.min(cap as u128) as u16
    });
    let mut placed = 0u16;
    shards.do_ref!(|s| placed = placed + *s);
    (n_shards - placed).do!(|_| {
        let mut best = n_members;
        n_members.do!(|i| {
            if (shards[i] < cap) {
                let better = best == n_members || {
                    (stakes[i] as u128) * ((shards[best] as u128) + 1)
                        > (stakes[best] as u128) * ((shards[i] as u128) + 1)
                };
                if (better) best = i;
            }
        });
        *&mut shards[best] = shards[best] + 1;
    });
    shards
}

/// Moves as few shards as possible from `previous` (shard ids per member) to reach
/// `counts`: members above their count give up their highest ids, members below take the
/// lowest released ids.
public fun reassign(previous: vector<vector<u16>>, counts: &vector<u16>): vector<vector<u16>> {
    assert!(previous.length() == counts.length(), EInvalidAssignment);
    let mut n_shards = 0u64;
    counts.do_ref!(|count| n_shards = n_shards + (*count as u64));
    let mut seen = vector::tabulate!(n_shards, |_| false);
    previous.do_ref!(|shards| shards.do_ref!(|shard| {
        let index = *shard as u64;
        assert!(index < n_shards && !seen[index], EInvalidAssignment);
        *&mut seen[index] = true;
    }));
    assert!(seen.all!(|s| *s), EInvalidAssignment);
    let mut assignment = previous.map!(|shards| sorted(shards));
    let mut is_released = vector::tabulate!(n_shards, |_| false);
    assignment.length().do!(|i| {
        let shards = &mut assignment[i];
        while (shards.length() > (counts[i] as u64)) {
            *&mut is_released[shards.pop_back() as u64] = true;
        };
    });
    // Released shard ids, highest first, so that popping gives the lowest.
    let mut released = vector[];
    n_shards.do!(|k| {
        let shard = n_shards - 1 - k;
        if (is_released[shard]) released.push_back(shard as u16);
    });
    assignment.length().do!(|i| {
        let shards = &mut assignment[i];
        while (shards.length() < (counts[i] as u64)) {
            shards.push_back(released.pop_back());
        };
        *shards = sorted(*shards);
    });
    assignment
}

/// `values` in increasing order (insertion sort: assignments are small).
fun sorted(mut values: vector<u16>): vector<u16> {
    let length = values.length();
    let mut i = 1;
    while (i < length) {
        let mut j = i;
        while (j > 0 && values[j - 1] > values[j]) {
            values.swap(j - 1, j);
            j = j - 1;
        };
        i = i + 1;
    };
    values
}
