ALTER TABLE committee_members DROP COLUMN shards;
DROP TABLE pool_exchange_rates;
