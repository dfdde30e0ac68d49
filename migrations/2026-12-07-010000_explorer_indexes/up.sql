-- Indexes in the order the explorer's lists are read (a Relay page is a keyset scan in its
-- sort key, after the filter), so a page reads its rows from an index instead of sorting
-- every matching row: the latest blobs (`/`), an account's blobs and stakes
-- (`/stakers/{address}`), a pool's stakers (`/nodes/{id}`), a proposal's votes and the
-- proposals (`/governance`, `/proposals/{n}`).
CREATE INDEX blobs_registered_checkpoint ON blobs (registered_checkpoint, object_id);
DROP INDEX blobs_owner;
CREATE INDEX blobs_owner ON blobs (owner, registered_checkpoint, object_id);
DROP INDEX stakes_owner;
CREATE INDEX stakes_owner ON stakes (owner, staked_checkpoint, staked_wal_id);
DROP INDEX stakes_node;
CREATE INDEX stakes_node ON stakes (node_id, staked_checkpoint, staked_wal_id);
CREATE INDEX votes_proposal ON votes (proposal_id, checkpoint, staked_wal_id);
CREATE INDEX proposals_created ON proposals (created_checkpoint, proposal_id);
