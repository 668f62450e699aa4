-- Newest-first pages walk an index in order and stop at the page's end; the indexes before made every
-- GET /decisions and GET /log/engine_events sort the whole table on the API thread first.
DROP INDEX audit_decisions;
-- Within one kind (and engine or platform) the index keeps rowid order, which is seq order.
CREATE INDEX audit_by_kind ON audit_log (kind);
CREATE INDEX audit_decisions_by_engine ON audit_log (kind, engine_id);
CREATE INDEX audit_decisions_by_platform ON audit_log (kind, platform_id);
DROP INDEX engine_events_by_engine;
CREATE INDEX engine_events_by_engine ON engine_events (engine_id, created_at, id);
CREATE INDEX engine_events_by_time ON engine_events (created_at, id);
