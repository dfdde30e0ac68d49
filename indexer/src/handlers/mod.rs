//! One handler per pipeline: what it reads from a checkpoint and how it writes it.
//!
//! | pipeline | driver | tables |
//! |---|---|---|
//! | `checkpoints` | concurrent | `checkpoints`, `transactions` |
//! | `events` | concurrent | `events` |
//! | `blobs` | sequential | `blobs`, `storage` |
//! | `network` | sequential | `epochs`, `committee_members`, `pool_exchange_rates`, `nodes`, `staking_pools`, `stakes`, `withdrawals`, `rewards`, `audit_scores`, `penalties` |
//! | `governance` | sequential | `proposals`, `votes` |

pub mod blobs;
pub mod checkpoints;
pub mod events;
pub mod governance;
pub mod network;

/// Implements [`crate::sql::Columns`] for row structs.
macro_rules! columns {
    ($($row:ty => $count:literal),* $(,)?) => {
        $(impl $crate::sql::Columns for $row {
            const COLUMNS: usize = $count;
        })*
    };
}
pub(crate) use columns;

/// Implements [`crate::pipeline::Rows`] for a struct of row vectors.
macro_rules! rows {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::pipeline::Rows for $name {
            fn append(&mut self, later: Self) {
                $(self.$field.extend(later.$field);)*
            }
            fn row_count(&self) -> usize {
                0 $(+ self.$field.len())*
            }
        }
    };
}
pub(crate) use rows;
