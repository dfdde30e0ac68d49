-- Proposals are numbered from 1 in the order they were made (the contract gives them no
-- number; the explorer's URLs and search take it). Proposals indexed before are numbered by
-- checkpoint, then id.
ALTER TABLE proposals ADD COLUMN number INTEGER;
UPDATE proposals SET number = numbered.n
FROM (
    SELECT proposal_id, row_number() OVER (ORDER BY created_checkpoint, proposal_id) AS n
    FROM proposals
) AS numbered
WHERE proposals.proposal_id = numbered.proposal_id;
ALTER TABLE proposals ALTER COLUMN number SET NOT NULL;
CREATE UNIQUE INDEX proposals_number ON proposals (number);

-- Who signed a blob's certificate: bit i % 8 of byte i / 8 is set when member i (its
-- position) of the committee of the certification epoch signed. NULL for blobs certified
-- before it was recorded.
ALTER TABLE blobs ADD COLUMN certified_signers BYTEA;
