-- How far each decision-journal segment has been moved into audit_log. Updated in the same
-- transaction as the rows it covers, so a crash can neither lose nor repeat a decision.
CREATE TABLE journal_offsets (
  segment TEXT PRIMARY KEY,
  offset INTEGER NOT NULL CHECK (offset >= 0)
) STRICT;
