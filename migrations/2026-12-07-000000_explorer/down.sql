ALTER TABLE blobs DROP COLUMN certified_signers;
DROP INDEX proposals_number;
ALTER TABLE proposals DROP COLUMN number;
