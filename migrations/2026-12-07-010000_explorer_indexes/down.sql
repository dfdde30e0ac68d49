DROP INDEX proposals_created;
DROP INDEX votes_proposal;
DROP INDEX stakes_node;
CREATE INDEX stakes_node ON stakes (node_id, staked_wal_id);
DROP INDEX stakes_owner;
CREATE INDEX stakes_owner ON stakes (owner, staked_wal_id);
DROP INDEX blobs_owner;
CREATE INDEX blobs_owner ON blobs (owner, object_id);
DROP INDEX blobs_registered_checkpoint;
