-- Operators authenticate with role-scoped API keys; only a hash of each key is kept.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'reader')),
  key_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;

CREATE TABLE engines (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
  key_hash TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  key_rotated_at TEXT NOT NULL
) STRICT;

CREATE TABLE platforms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'maintenance', 'disabled')),
  version TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  engine_id TEXT NOT NULL REFERENCES engines (id),
  platform_id TEXT NOT NULL REFERENCES platforms (id),
  action_type TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
  created_at TEXT NOT NULL,
  ended_at TEXT
) STRICT;
CREATE INDEX grants_live ON grants (engine_id, platform_id, action_type) WHERE status = 'active';

-- An engine's request for a grant, decided by an operator through a workflow.
CREATE TABLE grant_requests (
  id TEXT PRIMARY KEY,
  engine_id TEXT NOT NULL REFERENCES engines (id),
  platform_id TEXT NOT NULL REFERENCES platforms (id),
  action_type TEXT NOT NULL,
  scopes TEXT NOT NULL,
  duration_s INTEGER,
  reason TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  decided_by TEXT,
  grant_id TEXT REFERENCES grants (id),
  workflow_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_at TEXT
) STRICT;

-- A flag with a platform and/or action_type is a gate: disabled, it denies matching checks.
CREATE TABLE feature_flags (
  name TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  platform_id TEXT,
  action_type TEXT,
  description TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE maintenance_windows (
  id TEXT PRIMARY KEY,
  platform_id TEXT NOT NULL REFERENCES platforms (id),
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'active', 'completed', 'cancelled')),
  workflow_id TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE engine_events (
  id TEXT PRIMARY KEY,
  engine_id TEXT NOT NULL REFERENCES engines (id),
  type TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT NOT NULL,
  request_id TEXT,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX engine_events_by_engine ON engine_events (engine_id, created_at);

-- Every policy decision and every state change, each row chained to the one before by hash.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY, -- rows are never deleted, so rowid order is append order
  -- UUIDv7, unique by construction; no index: nothing looks rows up by id, and each index costs every write.
  id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('decision', 'change')),
  request_id TEXT,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  engine_id TEXT,
  platform_id TEXT,
  action_type TEXT,
  allowed INTEGER,
  reason TEXT,
  details TEXT NOT NULL,
  created_at TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_decisions ON audit_log (kind, engine_id, created_at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Bumped by every change to what a check reads, so each API process knows when to reload its cache.
CREATE TABLE policy_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
) STRICT;
INSERT INTO policy_state (id, version) VALUES (1, 0);

CREATE TRIGGER engines_ins AFTER INSERT ON engines BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER engines_upd AFTER UPDATE ON engines BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER platforms_ins AFTER INSERT ON platforms BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER platforms_upd AFTER UPDATE ON platforms BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER grants_ins AFTER INSERT ON grants BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER grants_upd AFTER UPDATE ON grants BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER flags_ins AFTER INSERT ON feature_flags BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER flags_upd AFTER UPDATE ON feature_flags BEGIN UPDATE policy_state SET version = version + 1; END;
CREATE TRIGGER flags_del AFTER DELETE ON feature_flags BEGIN UPDATE policy_state SET version = version + 1; END;
