-- The indexer's schema: the chain's checkpoints, transactions and events, and the contract's
-- objects (blobs, storage, epochs, committees, nodes, pools, stakes, proposals) as the API
-- queries them. Ids and digests are BYTEA (32 bytes); amounts in FROST are BIGINT.

-- Where each pipeline stopped: everything up to checkpoint_hi_inclusive is written.
CREATE TABLE watermarks (
    pipeline TEXT PRIMARY KEY,
    checkpoint_hi_inclusive BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    timestamp_ms BIGINT NOT NULL
);

CREATE TABLE checkpoints (
    sequence_number BIGINT PRIMARY KEY,
    timestamp_ms BIGINT NOT NULL,
    transaction_count INTEGER NOT NULL,
    event_count INTEGER NOT NULL
);
CREATE INDEX checkpoints_timestamp ON checkpoints (timestamp_ms);

CREATE TABLE transactions (
    checkpoint BIGINT NOT NULL,
    position INTEGER NOT NULL,
    digest BYTEA NOT NULL UNIQUE,
    sender BYTEA NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    -- 'success' or 'aborted'; an abort names its call, Move module and code.
    status TEXT NOT NULL,
    abort_call INTEGER,
    abort_module TEXT,
    abort_code BIGINT,
    calls JSONB NOT NULL,
    created BYTEA[] NOT NULL,
    mutated BYTEA[] NOT NULL,
    deleted BYTEA[] NOT NULL,
    event_count INTEGER NOT NULL,
    PRIMARY KEY (checkpoint, position)
);
CREATE INDEX transactions_sender ON transactions (sender, checkpoint, position);

-- Every event, raw (type and BCS) and decoded (NULL when the type is unknown to this
-- indexer), with the blob or object it is about for the per-object histories.
CREATE TABLE events (
    checkpoint BIGINT NOT NULL,
    transaction_position INTEGER NOT NULL,
    event_index INTEGER NOT NULL,
    transaction_digest BYTEA NOT NULL,
    sender BYTEA NOT NULL,
    timestamp_ms BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    bcs BYTEA NOT NULL,
    contents JSONB,
    blob_id BYTEA,
    object_id BYTEA,
    PRIMARY KEY (checkpoint, transaction_position, event_index)
);
CREATE INDEX events_type ON events (event_type, checkpoint, transaction_position, event_index);
CREATE INDEX events_blob_id ON events (blob_id, checkpoint) WHERE blob_id IS NOT NULL;
CREATE INDEX events_object_id ON events (object_id, checkpoint) WHERE object_id IS NOT NULL;

-- Current state of every Blob object; its history is in events (by blob_id and object_id).
CREATE TABLE blobs (
    object_id BYTEA PRIMARY KEY,
    blob_id BYTEA NOT NULL,
    owner BYTEA NOT NULL,
    size BIGINT NOT NULL,
    encoding_type SMALLINT NOT NULL,
    root_hash BYTEA NOT NULL,
    deletable BOOLEAN NOT NULL,
    storage_id BYTEA NOT NULL,
    registered_epoch INTEGER NOT NULL,
    registered_checkpoint BIGINT NOT NULL,
    registered_at_ms BIGINT NOT NULL,
    end_epoch INTEGER NOT NULL,
    certified_epoch INTEGER,
    certified_checkpoint BIGINT,
    certified_at_ms BIGINT,
    -- Set when the blob was deleted (deletable blobs) or burned; the row stays for history.
    deleted_epoch INTEGER,
    deleted_checkpoint BIGINT,
    -- Set when its blob id was proven inconsistently encoded.
    invalidated_epoch INTEGER,
    attributes JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX blobs_blob_id ON blobs (blob_id);
CREATE INDEX blobs_owner ON blobs (owner, object_id);
CREATE INDEX blobs_certified ON blobs (certified_epoch, object_id);
CREATE INDEX blobs_registered ON blobs (registered_epoch, object_id);
CREATE INDEX blobs_end_epoch ON blobs (end_epoch, object_id);
CREATE INDEX blobs_size ON blobs (size, object_id);

-- Storage resources; blob_object_id is set while the storage backs a blob.
CREATE TABLE storage (
    object_id BYTEA PRIMARY KEY,
    owner BYTEA NOT NULL,
    start_epoch INTEGER NOT NULL,
    end_epoch INTEGER NOT NULL,
    storage_size BIGINT NOT NULL,
    -- FROST paid, for storage bought with reserve_space; NULL for storage split off another.
    price BIGINT,
    created_checkpoint BIGINT NOT NULL,
    blob_object_id BYTEA,
    -- Set when the storage was fused into another (or into a blob's) and no longer exists.
    consumed_checkpoint BIGINT
);
CREATE INDEX storage_owner ON storage (owner, object_id);

CREATE TABLE epochs (
    epoch INTEGER PRIMARY KEY,
    start_checkpoint BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    -- Known for the genesis epoch (from create_system); later prices are not in checkpoints.
    storage_price_per_unit_size BIGINT,
    write_price_per_unit_size BIGINT,
    n_shards INTEGER NOT NULL,
    -- Rewards the epoch earned, paid at its end.
    rewards_total BIGINT,
    sync_done_checkpoint BIGINT,
    sync_done_ms BIGINT
);

-- The committee of each epoch, in member order (the order of audit scores), with shard counts.
CREATE TABLE committee_members (
    epoch INTEGER NOT NULL,
    position INTEGER NOT NULL,
    node_id BYTEA NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (epoch, position)
);
CREATE UNIQUE INDEX committee_members_node ON committee_members (node_id, epoch);

CREATE TABLE nodes (
    node_id BYTEA PRIMARY KEY,
    name TEXT NOT NULL,
    network_address TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    operator BYTEA NOT NULL,
    -- NULL when the registering transaction created several objects without events.
    cap_id BYTEA UNIQUE,
    registered_epoch INTEGER NOT NULL,
    registered_checkpoint BIGINT NOT NULL
);

-- The staking pool of each node (its id is the node's).
CREATE TABLE staking_pools (
    node_id BYTEA PRIMARY KEY REFERENCES nodes (node_id),
    commission_rate INTEGER NOT NULL,
    next_commission_rate INTEGER,
    storage_price_vote BIGINT,
    write_price_vote BIGINT,
    -- Principal staked and not withdrawn, in FROST.
    staked_principal BIGINT NOT NULL DEFAULT 0,
    rewards_total BIGINT NOT NULL DEFAULT 0,
    commission_total BIGINT NOT NULL DEFAULT 0,
    penalties_total BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE stakes (
    staked_wal_id BYTEA PRIMARY KEY,
    owner BYTEA NOT NULL,
    node_id BYTEA NOT NULL,
    principal BIGINT NOT NULL,
    staked_epoch INTEGER NOT NULL,
    activation_epoch INTEGER NOT NULL,
    staked_checkpoint BIGINT NOT NULL,
    withdraw_requested_epoch INTEGER,
    withdraw_epoch INTEGER,
    withdrawn_epoch INTEGER
);
CREATE INDEX stakes_owner ON stakes (owner, staked_wal_id);
CREATE INDEX stakes_node ON stakes (node_id, staked_wal_id);

CREATE TABLE withdrawals (
    staked_wal_id BYTEA PRIMARY KEY,
    owner BYTEA NOT NULL,
    node_id BYTEA NOT NULL,
    amount BIGINT NOT NULL,
    epoch INTEGER NOT NULL,
    checkpoint BIGINT NOT NULL,
    transaction_digest BYTEA NOT NULL
);
CREATE INDEX withdrawals_owner ON withdrawals (owner, checkpoint);

-- Rewards an epoch's committee earned: commission to the operator, the rest to the pool.
CREATE TABLE rewards (
    epoch INTEGER NOT NULL,
    node_id BYTEA NOT NULL,
    amount BIGINT NOT NULL,
    commission_rate INTEGER NOT NULL,
    commission BIGINT NOT NULL,
    pool_share BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX rewards_epoch ON rewards (epoch);

-- Scores each auditor gave each member (a later submission in the epoch replaces it).
CREATE TABLE audit_scores (
    epoch INTEGER NOT NULL,
    node_id BYTEA NOT NULL,
    auditor BYTEA NOT NULL,
    score INTEGER NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch, auditor)
);

CREATE TABLE penalties (
    epoch INTEGER NOT NULL,
    node_id BYTEA NOT NULL,
    burned BIGINT NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch)
);

CREATE TABLE proposals (
    proposal_id BYTEA PRIMARY KEY,
    proposer BYTEA NOT NULL,
    creator BYTEA NOT NULL,
    parameter SMALLINT NOT NULL,
    value BIGINT NOT NULL,
    epoch INTEGER NOT NULL,
    voting_end_epoch INTEGER NOT NULL,
    created_checkpoint BIGINT NOT NULL,
    votes_for BIGINT NOT NULL DEFAULT 0,
    votes_against BIGINT NOT NULL DEFAULT 0,
    votes_abstain BIGINT NOT NULL DEFAULT 0,
    executed_epoch INTEGER,
    executed_checkpoint BIGINT,
    passed BOOLEAN
);
CREATE INDEX proposals_epoch ON proposals (epoch, proposal_id);

CREATE TABLE votes (
    proposal_id BYTEA NOT NULL REFERENCES proposals (proposal_id),
    staked_wal_id BYTEA NOT NULL,
    voter BYTEA NOT NULL,
    choice SMALLINT NOT NULL,
    weight BIGINT NOT NULL,
    epoch INTEGER NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (proposal_id, staked_wal_id)
);
CREATE INDEX votes_voter ON votes (voter, checkpoint);
