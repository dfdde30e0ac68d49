-- Storage audits: the seed each epoch's challenges derive from, the score each member of an
-- ended epoch was paid by, every challenge the auditors sent, and candidates removed for
-- lacking stake.

-- The epoch's 32-byte audit seed (AuditChallengeSeed); NULL for epochs before audits.
ALTER TABLE epochs ADD COLUMN challenge_seed BYTEA;

-- The score each member of an ended epoch's committee was paid by (AuditScoresApplied): the
-- full score when the other members that reported held fewer than 2f + 1 shards.
CREATE TABLE node_scores (
    epoch INTEGER NOT NULL,
    node_id BYTEA NOT NULL,
    score INTEGER NOT NULL,
    -- Shards of the other members that reported on the node.
    reporter_weight INTEGER NOT NULL,
    -- Consecutive epochs the node has now ended under the score bar.
    strikes INTEGER NOT NULL,
    checkpoint BIGINT NOT NULL,
    PRIMARY KEY (node_id, epoch)
);
CREATE INDEX node_scores_epoch ON node_scores (epoch);

-- Every challenge an auditor sent (written by the auditor, `walrus indexer --auditor`, not
-- by a pipeline): symbol `symbol_index` of the `sliver_kind` sliver that `shard` of `node_id`
-- stores for `blob_id`, and what came of it.
CREATE TABLE audits (
    epoch INTEGER NOT NULL,
    auditor BYTEA NOT NULL,
    node_id BYTEA NOT NULL,
    blob_id BYTEA NOT NULL,
    shard INTEGER NOT NULL,
    sliver_kind TEXT NOT NULL CHECK (sliver_kind IN ('primary', 'secondary')),
    symbol_index INTEGER NOT NULL,
    -- 'unverified': the auditor found no metadata to check the answer against (not counted).
    result TEXT NOT NULL CHECK (result IN ('passed', 'failed', 'timed_out', 'unverified')),
    -- Why it failed or could not be checked.
    reason TEXT,
    latency_ms INTEGER NOT NULL,
    audited_at_ms BIGINT NOT NULL,
    PRIMARY KEY (epoch, auditor, node_id, blob_id, shard, sliver_kind)
);
CREATE INDEX audits_node ON audits (node_id, epoch);

-- The epoch whose change removed a candidate that held too little stake (its pool closed).
ALTER TABLE nodes ADD COLUMN removed_epoch INTEGER;
