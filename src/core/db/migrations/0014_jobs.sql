-- A script an operator schedules onto devices. The row is the truth; its Temporal Schedule (job-<id>) follows it:
-- `revision` counts the row's changes and `synced_revision` is the one the schedule was last brought to.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- JSON {interpreter, content, args, env}
  script TEXT NOT NULL,
  script_sha256 TEXT NOT NULL,
  -- JSON {device_ids?, tags?, profile?, all?}
  targets TEXT NOT NULL,
  -- JSON, one of the schedule shapes (docs/jobs.md)
  schedule TEXT NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  timeout_s INTEGER NOT NULL CHECK (timeout_s > 0),
  dispatch_window_s INTEGER NOT NULL CHECK (dispatch_window_s > 0),
  overlap TEXT NOT NULL CHECK (overlap IN ('skip', 'buffer_one', 'allow')),
  revision INTEGER NOT NULL,
  synced_revision INTEGER,
  sync_error TEXT,
  -- Set when an operator deletes the job; the row goes once its schedule is gone too.
  deleted_at TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_unsynced ON jobs (id) WHERE synced_revision IS NOT revision OR deleted_at IS NOT NULL;

-- One run of a job: the workflow job-<job id>-<time>, whose id it shares. It keeps the job's script as it was.
CREATE TABLE job_runs (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  job_name TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'once', 'now')),
  script TEXT NOT NULL,
  script_sha256 TEXT NOT NULL,
  timeout_s INTEGER NOT NULL,
  dispatch_deadline TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled')),
  scheduled_at TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;
CREATE INDEX job_runs_by_job ON job_runs (job_id, started_at);
CREATE INDEX job_runs_by_start ON job_runs (started_at);

-- One device's part in a run; the target set is frozen when the run starts.
CREATE TABLE job_run_devices (
  run_id TEXT NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
  device_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (
    status IN ('pending', 'dispatched', 'running', 'succeeded', 'failed', 'timed_out', 'offline', 'skipped', 'cancelled')
  ),
  reason TEXT,
  exit_code INTEGER,
  signal TEXT,
  stdout TEXT,
  stderr TEXT,
  stdout_truncated INTEGER NOT NULL DEFAULT 0,
  stderr_truncated INTEGER NOT NULL DEFAULT 0,
  dispatched_at TEXT,
  started_at TEXT,
  finished_at TEXT,
  -- When its result is due: dispatch time plus the job's timeout.
  due_at TEXT,
  -- A result that came after the verdict (timed out, offline, cancelled): kept, verdict unchanged. JSON.
  late_result TEXT,
  PRIMARY KEY (run_id, device_id)
) STRICT;
-- What a device's long poll and the dispatcher look for.
CREATE INDEX job_run_devices_waiting ON job_run_devices (device_id) WHERE status IN ('pending', 'dispatched');
