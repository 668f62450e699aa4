-- Install codes: what an operator hands out for devices to enroll with. Only the SHA-256 of a code is kept.
CREATE TABLE install_codes (
  id TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',
  profile TEXT,
  auto_approve INTEGER NOT NULL DEFAULT 0 CHECK (auto_approve IN (0, 1)),
  note TEXT NOT NULL DEFAULT '',
  max_uses INTEGER NOT NULL CHECK (max_uses > 0),
  uses INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
) STRICT;

-- A device key an operator approved before the device ever asked: its first enrollment is approved at once.
CREATE TABLE device_preauthorizations (
  fingerprint TEXT PRIMARY KEY,
  hostname TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  used_at TEXT
) STRICT;

-- One device's request to enroll, decided by an operator through the enroll-<fingerprint> workflow.
CREATE TABLE enrollments (
  reference TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  public_key TEXT NOT NULL,
  hostname TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  profile TEXT,
  install_code_id TEXT,
  approval TEXT NOT NULL CHECK (approval IN ('operator', 'install_code', 'preauthorized')),
  server_nonce TEXT NOT NULL,
  client_address TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  reason TEXT,
  device_id TEXT,
  decided_by TEXT,
  decided_at TEXT,
  deadline_at TEXT NOT NULL,
  delivered_at TEXT,
  created_at TEXT NOT NULL
) STRICT;
-- At most one pending enrollment per key: a repeated request finds it instead of making another.
CREATE UNIQUE INDEX enrollments_pending_key ON enrollments (fingerprint) WHERE status = 'pending';
CREATE INDEX enrollments_by_status ON enrollments (status, created_at);

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  public_key TEXT NOT NULL,
  -- RFC 7638 thumbprint of the device key: its DPoP key, which every token of the device is bound to.
  jkt TEXT NOT NULL,
  hostname TEXT NOT NULL UNIQUE,
  tags TEXT NOT NULL DEFAULT '[]',
  profile TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'quarantined', 'revoked')),
  -- Quarantine and revoke raise it: every access token carrying an older one is refused.
  token_version INTEGER NOT NULL DEFAULT 0,
  enrollment_reference TEXT NOT NULL,
  enrolled_at TEXT NOT NULL,
  status_changed_at TEXT NOT NULL,
  status_reason TEXT,
  last_seen_at TEXT,
  inventory TEXT
) STRICT;
CREATE INDEX devices_by_status ON devices (status, id);
CREATE INDEX devices_by_last_seen ON devices (last_seen_at);

-- Refresh tokens rotate on every use; all tokens descending from one enrollment's first are a family (RFC 9700 §4.14.2).
CREATE TABLE refresh_families (
  id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
  jkt TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_reason TEXT
) STRICT;
CREATE INDEX refresh_families_by_device ON refresh_families (device_id);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  rotated_at TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- Hits per key and minute for the enrollment endpoints, shared by every API replica on this database.
CREATE TABLE rate_limit_hits (
  key TEXT NOT NULL,
  minute INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (key, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limit_hits_by_minute ON rate_limit_hits (minute);
