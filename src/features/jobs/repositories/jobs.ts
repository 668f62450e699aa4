import type { Db } from '../../../core/db/database.js';

export type OverlapPolicy = 'skip' | 'buffer_one' | 'allow';

export interface JobRow {
  id: string;
  name: string;
  /** JSON of the script: interpreter, content, args, env. */
  script: string;
  script_sha256: string;
  /** JSON of the targets. */
  targets: string;
  /** JSON of the schedule. */
  schedule: string;
  enabled: 0 | 1;
  timeout_s: number;
  dispatch_window_s: number;
  overlap: OverlapPolicy;
  revision: number;
  synced_revision: number | null;
  sync_error: string | null;
  deleted_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
}

/** What an operator sets; the rest of a row is bookkeeping. */
export type JobDefinition = Pick<
  JobRow,
  'name' | 'script' | 'script_sha256' | 'targets' | 'schedule' | 'enabled' | 'timeout_s' | 'dispatch_window_s' | 'overlap'
>;

/** The only SQL on `jobs`. */
export class JobRepository {
  constructor(private readonly db: Db) {}

  insert(row: JobRow): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, name, script, script_sha256, targets, schedule, enabled, timeout_s, dispatch_window_s, overlap,
           revision, synced_revision, sync_error, deleted_at, created_at, created_by, updated_at)
         VALUES (@id, @name, @script, @script_sha256, @targets, @schedule, @enabled, @timeout_s, @dispatch_window_s, @overlap,
           @revision, @synced_revision, @sync_error, @deleted_at, @created_at, @created_by, @updated_at)`,
      )
      .run(row);
  }

  /** A job that is not deleted. */
  get(id: string): JobRow | undefined {
    return this.db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ? AND deleted_at IS NULL').get(id);
  }

  /** A job, deleted or not: what bringing its schedule in line reads. */
  getAny(id: string): JobRow | undefined {
    return this.db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
  }

  /** Oldest first; `after` is the id of the last job of the previous page. */
  list(page: { after?: string; limit: number; enabled?: boolean }): JobRow[] {
    const where = ['deleted_at IS NULL'];
    const params: Record<string, string | number> = { limit: page.limit };
    if (page.enabled !== undefined) {
      where.push('enabled = @enabled');
      params.enabled = page.enabled ? 1 : 0;
    }
    if (page.after) {
      where.push('(created_at, id) > (SELECT created_at, id FROM jobs WHERE id = @after)');
      params.after = page.after;
    }
    return this.db
      .prepare<Record<string, string | number>, JobRow>(
        `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT @limit`,
      )
      .all(params);
  }

  /** Replaces what an operator set and counts a revision; the new revision, or undefined if no such job. */
  update(id: string, definition: JobDefinition, now: string): number | undefined {
    return this.db
      .prepare<Record<string, unknown>, { revision: number }>(
        `UPDATE jobs SET name = @name, script = @script, script_sha256 = @script_sha256, targets = @targets, schedule = @schedule,
           enabled = @enabled, timeout_s = @timeout_s, dispatch_window_s = @dispatch_window_s, overlap = @overlap,
           revision = revision + 1, updated_at = @now
         WHERE id = @id AND deleted_at IS NULL RETURNING revision`,
      )
      .get({ ...definition, id, now })?.revision;
  }

  setEnabled(id: string, enabled: boolean, now: string): number | undefined {
    return this.db
      .prepare<Record<string, unknown>, { revision: number }>(
        `UPDATE jobs SET enabled = @enabled, revision = revision + 1, updated_at = @now
         WHERE id = @id AND deleted_at IS NULL RETURNING revision`,
      )
      .get({ id, enabled: enabled ? 1 : 0, now })?.revision;
  }

  markDeleted(id: string, now: string): boolean {
    return (
      this.db.prepare('UPDATE jobs SET deleted_at = @now, revision = revision + 1 WHERE id = @id AND deleted_at IS NULL').run({ id, now })
        .changes === 1
    );
  }

  /** Records that the schedule now reflects `revision`, unless the row moved on meanwhile. */
  markSynced(id: string, revision: number): void {
    this.db
      .prepare('UPDATE jobs SET synced_revision = @revision, sync_error = NULL WHERE id = @id AND revision = @revision')
      .run({ id, revision });
  }

  markSyncFailed(id: string, error: string): void {
    this.db.prepare('UPDATE jobs SET sync_error = @error WHERE id = @id').run({ id, error });
  }

  /** Removes a deleted job's row once its schedule is gone; its runs stay until history purges them. */
  purge(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ? AND deleted_at IS NOT NULL').run(id);
  }

  /** Jobs whose schedule lags their row, or that wait for their schedule's deletion. */
  unsynced(limit: number): JobRow[] {
    return this.db
      .prepare<[number], JobRow>('SELECT * FROM jobs WHERE synced_revision IS NOT revision OR deleted_at IS NOT NULL LIMIT ?')
      .all(limit);
  }
}
