-- For each engine, platform and action, the grant that ended last: while it is an expired one, a check says
-- grant_expired. Kept by a trigger, so a policy reload reads one row per action instead of every grant that
-- ever ended (a reload follows every policy change, on the API thread).
CREATE TABLE grant_last_ended (
  engine_id TEXT NOT NULL,
  platform_id TEXT NOT NULL,
  action_type TEXT NOT NULL,
  grant_id TEXT NOT NULL REFERENCES grants (id),
  PRIMARY KEY (engine_id, platform_id, action_type)
) STRICT, WITHOUT ROWID;

INSERT INTO grant_last_ended (engine_id, platform_id, action_type, grant_id)
SELECT engine_id, platform_id, action_type, id FROM (
  SELECT id, engine_id, platform_id, action_type,
         row_number() OVER (PARTITION BY engine_id, platform_id, action_type ORDER BY ended_at DESC) AS n
  FROM grants WHERE status != 'active'
) WHERE n = 1;

CREATE TRIGGER grants_ended AFTER UPDATE OF status ON grants WHEN old.status = 'active' AND new.status != 'active'
BEGIN
  INSERT INTO grant_last_ended (engine_id, platform_id, action_type, grant_id) VALUES (new.engine_id, new.platform_id, new.action_type, new.id)
  ON CONFLICT (engine_id, platform_id, action_type) DO UPDATE SET grant_id = excluded.grant_id;
END;
