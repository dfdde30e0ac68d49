-- What the checkpoints' written objects tell since effects carry them: each pool's exchange
-- rate per epoch, the shard map of each committee, and (in the existing epochs columns) the
-- prices of every epoch. Rows indexed before this migration keep NULL shards and prices.

-- Each pool's exchange rate as an epoch starts (from the Staking object the epoch change
-- wrote): wal_amount FROST against share_amount shares, both 0 for the flat rate of an
-- empty pool. u128 in the contract, hence NUMERIC.
CREATE TABLE pool_exchange_rates (
    node_id BYTEA NOT NULL,
    epoch INTEGER NOT NULL,
    wal_amount NUMERIC(39, 0) NOT NULL,
    share_amount NUMERIC(39, 0) NOT NULL,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX pool_exchange_rates_epoch ON pool_exchange_rates (epoch);

-- The shard indices each member holds (from the System object), so that one query returns
-- an epoch's committee with its shard map; NULL for committees indexed before this column.
ALTER TABLE committee_members ADD COLUMN shards INTEGER[];
