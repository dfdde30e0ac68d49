//! Mirror of `walrus::apportionment`: shards for committee members by D'Hondt with a per-node
//! cap, and moving as few shards as possible from the previous assignment.

use super::{MoveAbort, abort::abort_codes, ensure};

abort_codes!("apportionment" {
    /// No members, a zero total stake, or a cap too small to place every shard.
    EInvalidApportionment = 800,
    /// The previous assignment does not have one entry per member or does not cover every
    /// shard exactly once.
    EInvalidAssignment = 801,
});

/// Shards per member: D'Hondt over `stakes` (each next shard goes to the member with the
/// largest `stake / (shards + 1)`, the lower index on a tie) with at most `cap` shards each.
pub fn dhondt(stakes: &[u64], n_shards: u16, cap: u16) -> Result<Vec<u16>, MoveAbort> {
    let total: u128 = stakes.iter().map(|s| u128::from(*s)).sum();
    let capacity = stakes.len() as u64 * u64::from(cap);
    ensure(
        !stakes.is_empty() && total > 0 && capacity >= u64::from(n_shards),
        EInvalidApportionment,
    )?;
    // D'Hondt gives every member at least the floor of its quota n * stake / total, and those
    // seats' quotients are all at least total / n, which no seat beyond the floors beats: so
    // starting from the floors (capped) and going on greedily gives the same result as
    // starting from zero, in at most one step per member.
    let mut shards: Vec<u16> = stakes
        .iter()
        .map(|stake| {
            let quota = u128::from(n_shards) * u128::from(*stake) / total;
            quota.min(u128::from(cap)) as u16
        })
        .collect();
    let placed: u16 = shards.iter().sum();
    for _ in placed..n_shards {
        // The member with the largest quotient stake / (shards + 1) that is under the cap:
        // compare a / b > c / d as a * d > c * b.
        let mut best: Option<usize> = None;
        for (i, stake) in stakes.iter().enumerate() {
            if shards[i] >= cap {
                continue;
            }
            let better = match best {
                None => true,
                Some(j) => {
                    u128::from(*stake) * (u128::from(shards[j]) + 1)
                        > u128::from(stakes[j]) * (u128::from(shards[i]) + 1)
                }
            };
            if better {
                best = Some(i);
            }
        }
        let winner = best.expect("capacity covers every shard");
        shards[winner] += 1;
    }
    Ok(shards)
}

/// Moves as few shards as possible from `previous` (shard ids per member) to reach `counts`:
/// members above their count give up their highest shard ids, members below take the lowest
/// released ids.
pub fn reassign(previous: &[Vec<u16>], counts: &[u16]) -> Result<Vec<Vec<u16>>, MoveAbort> {
    ensure(previous.len() == counts.len(), EInvalidAssignment)?;
    let n_shards: usize = counts.iter().map(|c| usize::from(*c)).sum();
    let mut seen = vec![false; n_shards];
    for shard in previous.iter().flatten() {
        let index = usize::from(*shard);
        ensure(index < n_shards && !seen[index], EInvalidAssignment)?;
        seen[index] = true;
    }
    ensure(seen.iter().all(|s| *s), EInvalidAssignment)?;
    let mut assignment: Vec<Vec<u16>> = previous.to_vec();
    let mut is_released = vec![false; n_shards];
    for (shards, count) in assignment.iter_mut().zip(counts) {
        shards.sort_unstable();
        while shards.len() > usize::from(*count) {
            is_released[usize::from(shards.pop().expect("longer than count"))] = true;
        }
    }
    let mut released = (0..n_shards)
        .filter(|shard| is_released[*shard])
        .map(|shard| shard as u16);
    for (shards, count) in assignment.iter_mut().zip(counts) {
        while shards.len() < usize::from(*count) {
            shards.push(
                released
                    .next()
                    .expect("released shards cover the missing ones"),
            );
        }
        shards.sort_unstable();
    }
    Ok(assignment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhondt_follows_stake_and_the_cap() {
        assert_eq!(dhondt(&[300, 200, 100], 6, 6).unwrap(), vec![3, 2, 1]);
        assert_eq!(dhondt(&[100, 100], 3, 3).unwrap(), vec![2, 1]);
        assert_eq!(dhondt(&[1000, 1, 1], 6, 3).unwrap(), vec![3, 2, 1]);
        assert_eq!(dhondt(&[0, 5], 2, 2).unwrap(), vec![0, 2]);
        assert_eq!(dhondt(&[], 1, 1), Err(EInvalidApportionment));
        assert_eq!(dhondt(&[0, 0], 1, 1), Err(EInvalidApportionment));
        assert_eq!(dhondt(&[1, 1], 5, 2), Err(EInvalidApportionment));
    }

    /// D'Hondt from zero, one shard at a time: the definition the fast path must match.
    fn dhondt_by_definition(stakes: &[u64], n_shards: u16, cap: u16) -> Vec<u16> {
        let mut shards = vec![0u16; stakes.len()];
        for _ in 0..n_shards {
            let winner = (0..stakes.len())
                .filter(|i| shards[*i] < cap)
                .reduce(|best, i| {
                    let left = u128::from(stakes[i]) * (u128::from(shards[best]) + 1);
                    let right = u128::from(stakes[best]) * (u128::from(shards[i]) + 1);
                    if left > right { i } else { best }
                })
                .unwrap();
            shards[winner] += 1;
        }
        shards
    }

    #[test]
    fn starting_from_the_quotas_gives_the_same_shards() {
        let mut state = 12345u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % bound
        };
        for _ in 0..2000 {
            let members = 1 + next(12) as usize;
            let n_shards = 1 + next(300) as u16;
            let cap = 1 + next(u64::from(n_shards)) as u16;
            // Small stakes make ties and exact quotas common.
            let stakes: Vec<u64> = (0..members).map(|_| next(6)).collect();
            let Ok(fast) = dhondt(&stakes, n_shards, cap) else {
                continue;
            };
            assert_eq!(
                fast,
                dhondt_by_definition(&stakes, n_shards, cap),
                "{stakes:?} {n_shards} {cap}"
            );
        }
    }

    #[test]
    fn reassignment_moves_only_what_must_move() {
        let previous = vec![vec![0, 1, 2], vec![3, 4], vec![5]];
        let next = reassign(&previous, &[2, 2, 2]).unwrap();
        assert_eq!(next, vec![vec![0, 1], vec![3, 4], vec![2, 5]]);
        assert_eq!(reassign(&previous, &[3, 2, 1]).unwrap(), previous);
        assert_eq!(reassign(&previous, &[3, 3]), Err(EInvalidAssignment));
        assert_eq!(reassign(&[vec![0, 0]], &[2]), Err(EInvalidAssignment));
        assert_eq!(reassign(&[vec![0, 5]], &[2]), Err(EInvalidAssignment));
    }
}
