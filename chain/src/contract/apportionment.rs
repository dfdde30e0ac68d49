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
    let mut shards = vec![0u16; stakes.len()];
    for _ in 0..n_shards {
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
    let mut released = Vec::new();
    for (shards, count) in assignment.iter_mut().zip(counts) {
        shards.sort_unstable();
        while shards.len() > usize::from(*count) {
            released.push(shards.pop().expect("longer than count"));
        }
    }
    released.sort_unstable();
    let mut released = released.into_iter();
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
