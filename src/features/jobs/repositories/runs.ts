import type { Db } from '../../../core/db/database.js';

export type RunTrigger = 'schedule' | 'manual' | 'once' | 'now';
export type RunStatus = 'running' | 'finished' | 'cancelled';
export type DeviceRunStatus =
  'pending' | 'dispatched' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'offline' | 'skipped' | 'cancelled';

/** Statuses a device's part of a run ends in; the others still wait for the device. */
export const SETTLED: readonly DeviceRunStatus[] = ['succeeded', 'failed', 'timed_out', 'offline', 'skipped', 'cancelled'];

export interface RunRow {
  id: string;
  job_id: string;
  job_name: string;
  trigger: RunTrigger;
  /** JSON of the script as it was when the run started. */
  script: string;
  script_sha256: string;
  timeout_s: number;
  dispatch_deadline: string;
  status: RunStatus;
  scheduled_at: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface RunDeviceRow {
  run_id: string;
  device_id: string;
  status: DeviceRunStatus;
  reason: string | null;
  exit_code: number | null;
  signal: string | null;
  stdout: string | null;
  stderr: string | null;
  stdout_truncated: 0 | 1;
  stderr_truncated: 0 | 1;
  dispatched_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  due_at: string | null;
  late_result: string | null;
}

/** What a device reports when its script ended. */
export interface ReportedResult {
  outcome: 'succeeded' | 'failed' | 'timed_out';
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  started_at: string;
  finished_at: string;
}

/** A device's work as the dispatcher hands it out: the run's frozen script and its deadline. */
export interface ClaimedWork {
  run: RunRow;
  dueAt: string;
}

/** The only SQL on `job_runs` and `job_run_devices`. */
export class RunRepository {
  constructor(private readonly db: Db) {}

  /** Inserts a run and its frozen targets, once: a retried start finds the run it made. True if this call made it. */
  insert(run: RunRow, devices: { device_id: string; status: 'pending' | 'skipped'; reason: string | null }[]): boolean {
    return this.db.transaction(() => {
      const made =
        this.db
          .prepare(
            `INSERT INTO job_runs (id, job_id, job_name, trigger, script, script_sha256, timeout_s, dispatch_deadline, status,
               scheduled_at, started_at, finished_at)
             VALUES (@id, @job_id, @job_name, @trigger, @script, @script_sha256, @timeout_s, @dispatch_deadline, @status,
               @scheduled_at, @started_at, @finished_at) ON CONFLICT (id) DO NOTHING`,
          )
          .run(run).changes === 1;
      if (!made) return false;
      const add = this.db.prepare(
        'INSERT INTO job_run_devices (run_id, device_id, status, reason) VALUES (@run_id, @device_id, @status, @reason)',
      );
      for (const d of devices) add.run({ run_id: run.id, ...d });
      return true;
    })();
  }

  get(id: string): RunRow | undefined {
    return this.db.prepare<[string], RunRow>('SELECT * FROM job_runs WHERE id = ?').get(id);
  }

  /** A job's runs, newest first; `after` is the id of the last run of the previous page. */
  listForJob(jobId: string, page: { after?: string; limit: number }): RunRow[] {
    const after = page.after ? 'AND (started_at, id) < (SELECT started_at, id FROM job_runs WHERE id = @after)' : '';
    return this.db
      .prepare<Record<string, string | number>, RunRow>(
        `SELECT * FROM job_runs WHERE job_id = @job_id ${after} ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ job_id: jobId, limit: page.limit, ...(page.after ? { after: page.after } : {}) });
  }

  devices(runId: string): RunDeviceRow[] {
    return this.db.prepare<[string], RunDeviceRow>('SELECT * FROM job_run_devices WHERE run_id = ? ORDER BY device_id').all(runId);
  }

  device(runId: string, deviceId: string): RunDeviceRow | undefined {
    return this.db
      .prepare<[string, string], RunDeviceRow>('SELECT * FROM job_run_devices WHERE run_id = ? AND device_id = ?')
      .get(runId, deviceId);
  }

  counts(runId: string): Partial<Record<DeviceRunStatus, number>> {
    const rows = this.db
      .prepare<[string], { status: DeviceRunStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM job_run_devices WHERE run_id = ? GROUP BY status',
      )
      .all(runId);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * A device's work: its pending parts of running runs still within their dispatch window become dispatched
   * (due back after the timeout plus `graceS`), and parts dispatched before but not yet started are handed out
   * again, in case the answer that carried them was lost.
   */
  claimWork(deviceId: string, now: string, graceS: number): ClaimedWork[] {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare<Record<string, string>, RunRow & { device_status: DeviceRunStatus; due_at: string | null }>(
            `SELECT r.*, d.status AS device_status, d.due_at FROM job_run_devices d JOIN job_runs r ON r.id = d.run_id
           WHERE d.device_id = @device AND d.status IN ('pending', 'dispatched') AND r.status = 'running'
             AND ((d.status = 'pending' AND r.dispatch_deadline > @now) OR (d.status = 'dispatched' AND d.due_at > @now))
           ORDER BY r.started_at`,
          )
          .all({ device: deviceId, now });
        const dispatch = this.db.prepare(
          `UPDATE job_run_devices SET status = 'dispatched', dispatched_at = @now, due_at = @due
         WHERE run_id = @run AND device_id = @device AND status = 'pending'`,
        );
        return rows.map(({ device_status, due_at, ...run }) => {
          if (device_status === 'dispatched') return { run, dueAt: due_at! };
          const due = new Date(Date.parse(now) + (run.timeout_s + graceS) * 1000).toISOString();
          dispatch.run({ run: run.id, device: deviceId, now, due });
          return { run, dueAt: due };
        });
        // IMMEDIATE: a read that turns into a write must not meet the worker's write half-way (SQLITE_BUSY at once).
      })
      .immediate();
  }

  /** The device started the script; false if its part is not waiting for it. */
  started(runId: string, deviceId: string, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE job_run_devices SET status = 'running', started_at = @now
           WHERE run_id = @run AND device_id = @device AND status IN ('pending', 'dispatched')`,
        )
        .run({ run: runId, device: deviceId, now }).changes === 1
    );
  }

  /** Stores a device's result as its verdict if its part still waits for one; else keeps it aside as late, once. */
  recordResult(runId: string, deviceId: string, result: ReportedResult): { status: DeviceRunStatus; late: boolean } | undefined {
    return this.db
      .transaction(() => {
        const row = this.device(runId, deviceId);
        if (!row) return undefined;
        if (!SETTLED.includes(row.status)) {
          this.db
            .prepare(
              `UPDATE job_run_devices SET status = @outcome, exit_code = @exit_code, signal = @signal, stdout = @stdout,
               stderr = @stderr, stdout_truncated = @stdout_truncated, stderr_truncated = @stderr_truncated,
               started_at = COALESCE(started_at, @started_at), finished_at = @finished_at, reason = NULL
             WHERE run_id = @run AND device_id = @device`,
            )
            .run({
              ...result,
              stdout_truncated: result.stdout_truncated ? 1 : 0,
              stderr_truncated: result.stderr_truncated ? 1 : 0,
              run: runId,
              device: deviceId,
            });
          return { status: result.outcome, late: false };
        }
        // A device's own result, repeated, is the same result: idempotent.
        const own = (['succeeded', 'failed', 'timed_out'] as DeviceRunStatus[]).includes(row.status) && row.finished_at !== null;
        if (own) return { status: row.status, late: false };
        if (row.late_result === null) {
          this.db
            .prepare('UPDATE job_run_devices SET late_result = @late WHERE run_id = @run AND device_id = @device')
            .run({ late: JSON.stringify(result), run: runId, device: deviceId });
        }
        return { status: row.status, late: true };
      })
      .immediate();
  }

  /**
   * Gives the verdicts that time decides: `offline` to parts never picked up within the dispatch window,
   * `timed_out` to parts whose result is overdue. Returns the parts it settled, the parts still open, and the
   * next time one falls due.
   */
  settleDue(runId: string, now: string): { settled: RunDeviceRow[]; open: number; nextDue: string | null } {
    return this.db.transaction(() => {
      const settled = [
        ...this.db
          .prepare<Record<string, string>, RunDeviceRow>(
            `UPDATE job_run_devices SET status = 'offline', reason = 'not picked up within the dispatch window'
             WHERE run_id = @run AND status = 'pending'
               AND (SELECT dispatch_deadline FROM job_runs WHERE id = @run) <= @now RETURNING *`,
          )
          .all({ run: runId, now }),
        ...this.db
          .prepare<Record<string, string>, RunDeviceRow>(
            `UPDATE job_run_devices SET status = 'timed_out', reason = 'no result within the timeout'
             WHERE run_id = @run AND status IN ('dispatched', 'running') AND due_at <= @now RETURNING *`,
          )
          .all({ run: runId, now }),
      ];
      const next = this.db
        .prepare<Record<string, string>, { open: number; next_due: string | null }>(
          `SELECT COUNT(*) AS open, MIN(CASE WHEN d.status = 'pending' THEN r.dispatch_deadline ELSE d.due_at END) AS next_due
           FROM job_run_devices d JOIN job_runs r ON r.id = d.run_id
           WHERE d.run_id = @run AND d.status IN ('pending', 'dispatched', 'running')`,
        )
        .get({ run: runId })!;
      return { settled, open: next.open, nextDue: next.next_due };
    })();
  }

  /** Ends a run: `cancelled` also settles every part still open as cancelled. False if it had ended already. */
  end(runId: string, status: 'finished' | 'cancelled', now: string): boolean {
    return this.db.transaction(() => {
      const ended =
        this.db
          .prepare(`UPDATE job_runs SET status = @status, finished_at = @now WHERE id = @run AND status = 'running'`)
          .run({ run: runId, status, now }).changes === 1;
      if (ended && status === 'cancelled') {
        this.db
          .prepare(
            `UPDATE job_run_devices SET status = 'cancelled', reason = 'the run was cancelled'
             WHERE run_id = ? AND status IN ('pending', 'dispatched', 'running')`,
          )
          .run(runId);
      }
      return ended;
    })();
  }

  /** The newest part's rowid: the dispatcher's high-water mark. */
  lastPartRowid(): number {
    return this.db.prepare<[], { n: number | null }>('SELECT MAX(rowid) AS n FROM job_run_devices').get()!.n ?? 0;
  }

  /** Devices with pending parts added after `rowid`, and the new high-water mark. */
  pendingSince(rowid: number): { devices: string[]; last: number } {
    const rows = this.db
      .prepare<[number], { rowid: number; device_id: string; status: DeviceRunStatus }>(
        'SELECT rowid, device_id, status FROM job_run_devices WHERE rowid > ? ORDER BY rowid',
      )
      .all(rowid);
    return {
      devices: [...new Set(rows.filter((r) => r.status === 'pending').map((r) => r.device_id))],
      last: rows.at(-1)?.rowid ?? rowid,
    };
  }

  /** Deletes up to `limit` ended runs that started before `before`, with their parts; how many went. */
  purgeStartedBefore(before: string, limit: number): number {
    return this.db
      .prepare(`DELETE FROM job_runs WHERE id IN (SELECT id FROM job_runs WHERE started_at < @before AND status != 'running' LIMIT @limit)`)
      .run({ before, limit }).changes;
  }
}
