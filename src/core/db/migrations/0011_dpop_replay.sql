-- The jti of every DPoP proof accepted within its iat window (RFC 9449 §11.1), so a replayed proof is refused
-- by every API replica and after a restart. Keyed by the proof key's thumbprint and the jti: one client's ids
-- cannot collide with another's, and a replay (same proof, same key) always hits the same row. Rows past
-- expires_at can no longer match an acceptable proof and are pruned by expiry.
CREATE TABLE dpop_jtis (
  jkt TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (jkt, jti)
) STRICT, WITHOUT ROWID;
CREATE INDEX dpop_jtis_by_expiry ON dpop_jtis (expires_at);
