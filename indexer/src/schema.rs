//! Diesel's view of the tables in `migrations/` (kept in step with them by the migration
//! tests, which insert through these definitions).

diesel::table! {
    /// Where each pipeline stopped.
    watermarks (pipeline) {
        pipeline -> Text,
        checkpoint_hi_inclusive -> BigInt,
        epoch -> BigInt,
        timestamp_ms -> BigInt,
    }
}

diesel::table! {
    /// Sealed checkpoints.
    checkpoints (sequence_number) {
        sequence_number -> BigInt,
        timestamp_ms -> BigInt,
        transaction_count -> Integer,
        event_count -> Integer,
    }
}

diesel::table! {
    /// Executed transactions.
    transactions (checkpoint, position) {
        checkpoint -> BigInt,
        position -> Integer,
        digest -> Bytea,
        sender -> Bytea,
        timestamp_ms -> BigInt,
        status -> Text,
        abort_call -> Nullable<Integer>,
        abort_module -> Nullable<Text>,
        abort_code -> Nullable<BigInt>,
        calls -> Jsonb,
        created -> Array<Bytea>,
        mutated -> Array<Bytea>,
        deleted -> Array<Bytea>,
        event_count -> Integer,
    }
}

diesel::table! {
    /// Every event, raw and decoded.
    events (checkpoint, transaction_position, event_index) {
        checkpoint -> BigInt,
        transaction_position -> Integer,
        event_index -> Integer,
        transaction_digest -> Bytea,
        sender -> Bytea,
        timestamp_ms -> BigInt,
        event_type -> Text,
        bcs -> Bytea,
        contents -> Nullable<Jsonb>,
        blob_id -> Nullable<Bytea>,
        object_id -> Nullable<Bytea>,
    }
}

diesel::table! {
    /// Current state of every blob object.
    blobs (object_id) {
        object_id -> Bytea,
        blob_id -> Bytea,
        owner -> Bytea,
        size -> BigInt,
        encoding_type -> SmallInt,
        root_hash -> Bytea,
        deletable -> Bool,
        storage_id -> Bytea,
        registered_epoch -> Integer,
        registered_checkpoint -> BigInt,
        registered_at_ms -> BigInt,
        end_epoch -> Integer,
        certified_epoch -> Nullable<Integer>,
        certified_checkpoint -> Nullable<BigInt>,
        certified_at_ms -> Nullable<BigInt>,
        deleted_epoch -> Nullable<Integer>,
        deleted_checkpoint -> Nullable<BigInt>,
        invalidated_epoch -> Nullable<Integer>,
        attributes -> Jsonb,
        certified_signers -> Nullable<Bytea>,
    }
}

diesel::table! {
    /// Storage resources.
    storage (object_id) {
        object_id -> Bytea,
        owner -> Bytea,
        start_epoch -> Integer,
        end_epoch -> Integer,
        storage_size -> BigInt,
        price -> Nullable<BigInt>,
        created_checkpoint -> BigInt,
        blob_object_id -> Nullable<Bytea>,
        consumed_checkpoint -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Epochs.
    epochs (epoch) {
        epoch -> Integer,
        start_checkpoint -> BigInt,
        start_ms -> BigInt,
        storage_price_per_unit_size -> Nullable<BigInt>,
        write_price_per_unit_size -> Nullable<BigInt>,
        n_shards -> Integer,
        rewards_total -> Nullable<BigInt>,
        sync_done_checkpoint -> Nullable<BigInt>,
        sync_done_ms -> Nullable<BigInt>,
        challenge_seed -> Nullable<Bytea>,
    }
}

diesel::table! {
    /// Committees per epoch.
    committee_members (epoch, position) {
        epoch -> Integer,
        position -> Integer,
        node_id -> Bytea,
        weight -> Integer,
        shards -> Nullable<Array<Integer>>,
    }
}

diesel::table! {
    /// Each pool's exchange rate as an epoch starts.
    pool_exchange_rates (node_id, epoch) {
        node_id -> Bytea,
        epoch -> Integer,
        wal_amount -> Numeric,
        share_amount -> Numeric,
    }
}

diesel::table! {
    /// Registered storage nodes.
    nodes (node_id) {
        node_id -> Bytea,
        name -> Text,
        network_address -> Text,
        public_key -> Bytea,
        operator -> Bytea,
        cap_id -> Nullable<Bytea>,
        registered_epoch -> Integer,
        registered_checkpoint -> BigInt,
        removed_epoch -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Staking pools, one per node.
    staking_pools (node_id) {
        node_id -> Bytea,
        commission_rate -> Integer,
        next_commission_rate -> Nullable<Integer>,
        storage_price_vote -> Nullable<BigInt>,
        write_price_vote -> Nullable<BigInt>,
        staked_principal -> BigInt,
        rewards_total -> BigInt,
        commission_total -> BigInt,
        penalties_total -> BigInt,
    }
}

diesel::table! {
    /// Stakes (`StakedWal` objects).
    stakes (staked_wal_id) {
        staked_wal_id -> Bytea,
        owner -> Bytea,
        node_id -> Bytea,
        principal -> BigInt,
        staked_epoch -> Integer,
        activation_epoch -> Integer,
        staked_checkpoint -> BigInt,
        withdraw_requested_epoch -> Nullable<Integer>,
        withdraw_epoch -> Nullable<Integer>,
        withdrawn_epoch -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Withdrawals of stake.
    withdrawals (staked_wal_id) {
        staked_wal_id -> Bytea,
        owner -> Bytea,
        node_id -> Bytea,
        amount -> BigInt,
        epoch -> Integer,
        checkpoint -> BigInt,
        transaction_digest -> Bytea,
    }
}

diesel::table! {
    /// Rewards per node and epoch.
    rewards (node_id, epoch) {
        epoch -> Integer,
        node_id -> Bytea,
        amount -> BigInt,
        commission_rate -> Integer,
        commission -> BigInt,
        pool_share -> BigInt,
    }
}

diesel::table! {
    /// Audit scores per epoch, node and auditor.
    audit_scores (node_id, epoch, auditor) {
        epoch -> Integer,
        node_id -> Bytea,
        auditor -> Bytea,
        score -> Integer,
        checkpoint -> BigInt,
    }
}

diesel::table! {
    /// Penalties.
    penalties (node_id, epoch) {
        epoch -> Integer,
        node_id -> Bytea,
        burned -> BigInt,
        checkpoint -> BigInt,
    }
}

diesel::table! {
    /// Governance proposals with their tally.
    proposals (proposal_id) {
        proposal_id -> Bytea,
        proposer -> Bytea,
        creator -> Bytea,
        parameter -> SmallInt,
        value -> BigInt,
        epoch -> Integer,
        voting_end_epoch -> Integer,
        created_checkpoint -> BigInt,
        votes_for -> BigInt,
        votes_against -> BigInt,
        votes_abstain -> BigInt,
        executed_epoch -> Nullable<Integer>,
        executed_checkpoint -> Nullable<BigInt>,
        passed -> Nullable<Bool>,
        number -> Integer,
    }
}

diesel::table! {
    /// Votes on proposals.
    votes (proposal_id, staked_wal_id) {
        proposal_id -> Bytea,
        staked_wal_id -> Bytea,
        voter -> Bytea,
        choice -> SmallInt,
        weight -> BigInt,
        epoch -> Integer,
        checkpoint -> BigInt,
    }
}

diesel::table! {
    /// The score each member of an ended epoch was paid by.
    node_scores (node_id, epoch) {
        epoch -> Integer,
        node_id -> Bytea,
        score -> Integer,
        reporter_weight -> Integer,
        strikes -> Integer,
        checkpoint -> BigInt,
    }
}

diesel::table! {
    /// Every challenge the auditors sent and its result.
    audits (epoch, auditor, node_id, blob_id, shard, sliver_kind) {
        epoch -> Integer,
        auditor -> Bytea,
        node_id -> Bytea,
        blob_id -> Bytea,
        shard -> Integer,
        sliver_kind -> Text,
        symbol_index -> Integer,
        result -> Text,
        reason -> Nullable<Text>,
        latency_ms -> Integer,
        audited_at_ms -> BigInt,
    }
}
