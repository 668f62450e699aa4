-- Every decision the journal moves into the chain updated this index too, and nothing needs it: a page of all
-- decisions walks the table back from its end (see decisionsQuery), and the engine and platform pages keep theirs.
DROP INDEX audit_by_kind;
