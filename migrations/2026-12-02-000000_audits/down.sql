ALTER TABLE nodes DROP COLUMN removed_epoch;
DROP TABLE audits;
DROP TABLE node_scores;
ALTER TABLE epochs DROP COLUMN challenge_seed;
