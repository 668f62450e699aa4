import type { BaseLogger } from 'pino';
import type { Db } from '../../core/db/database.js';
import { DomainError, invalidFields } from '../../core/errors.js';
import { EventLog } from '../../core/events/event-log.js';
import { temporalUnavailable } from '../../core/temporal/bounded-calls.js';
import { AuditLogRepository } from '../../audit/audit-log.js';
import { changeEntry } from '../../audit/chain.js';
import type { Actor } from '../../audit/chain.js';
import { cursorNamesNothing } from '../../http/schemas/page.js';
import { newId } from '../../core/crypto/secrets.js';
import { scriptSha256 } from './dispatch/job-payload.js';
import type { JobTemporalClient } from './flows/temporal-client.js';
import type { JobDevices } from './ports.js';
import { JobRepository } from './repositories/jobs.js';
import type { JobDefinition, JobRow } from './repositories/jobs.js';
import { MAX_SCRIPT_BYTES } from './schemas.js';
import type { JobBody, JobRecord } from './schemas.js';
import { validateSchedule } from './schedule/validate.js';

const notFound = (id: string) => new DomainError('not_found', 'JOB_NOT_FOUND', `no job ${id}`);

/** Jobs as operators see them: the row is the truth, and every change brings the job's Temporal Schedule along. */
export class JobService {
  private readonly jobs: JobRepository;
  private readonly audit: AuditLogRepository;
  private readonly events: EventLog;

  constructor(
    private readonly db: Db,
    private readonly temporal: JobTemporalClient,
    private readonly devices: JobDevices,
    private readonly log: Pick<BaseLogger, 'warn' | 'debug'>,
  ) {
    this.jobs = new JobRepository(db);
    this.audit = new AuditLogRepository(db);
    this.events = new EventLog(db);
  }

  /** The checks a schema cannot make; the warnings for what is legal but likely not meant. */
  private check(body: JobBody): { definition: JobDefinition; warnings: string[] } {
    const problems = [];
    if (Buffer.byteLength(body.script.content, 'utf8') > MAX_SCRIPT_BYTES) {
      problems.push({ field: 'body.script.content', message: `must be at most ${MAX_SCRIPT_BYTES} bytes of UTF-8` });
    }
    const t = body.targets;
    const named = (t.device_ids?.length ?? 0) + (t.tags?.length ?? 0) + (t.profile ? 1 : 0);
    if (t.all === true && named > 0) problems.push({ field: 'body.targets', message: 'must not name devices, tags or a profile with all' });
    if (t.all !== true && named === 0)
      problems.push({ field: 'body.targets', message: 'must name device ids, tags, a profile, or all: true' });
    if (problems.length > 0) throw invalidFields(problems);
    const warnings = validateSchedule(body.schedule).map((w) => `${w.field} ${w.message}`);
    if (this.devices.matching(t).length === 0)
      warnings.push('body.targets match no device today; runs will find whichever match when they start');
    const script = { interpreter: body.script.interpreter, content: body.script.content, args: body.script.args, env: body.script.env };
    return {
      definition: {
        name: body.name,
        script: JSON.stringify(script),
        script_sha256: scriptSha256(script.content),
        targets: JSON.stringify(t),
        schedule: JSON.stringify(body.schedule),
        enabled: body.enabled ? 1 : 0,
        timeout_s: body.timeout_s,
        dispatch_window_s: body.dispatch_window_s,
        overlap: body.overlap,
      },
      warnings,
    };
  }

  /** Announces a change and audits it, in the transaction that made it. */
  private changed(by: Actor, action: string, row: JobRow): void {
    this.audit.append(changeEntry(by, `job.${action}`, { job_id: row.id, name: row.name, revision: row.revision }));
    this.events.append({
      type: 'job.schedule_changed',
      subject: row.id,
      data: { change: action, name: row.name, enabled: row.enabled === 1 },
    });
  }

  /**
   * Brings the schedule to the row now. When Temporal cannot be reached the change stands, the job says its
   * schedule is pending, and `heal` finishes it later: the row wins.
   */
  private async syncNow(id: string, quiet = false): Promise<string[]> {
    const row = this.jobs.getAny(id)!;
    try {
      await this.temporal.sync(row);
      if (row.deleted_at) this.jobs.purge(id);
      else this.jobs.markSynced(id, row.revision);
      return [];
    } catch (err) {
      // Temporal's outage is logged once, where its calls fail; each job that waits for it is a debug line.
      this.log[quiet ? 'debug' : 'warn']({ job_id: id, err }, 'job schedule not synced; retried in the background');
      this.jobs.markSyncFailed(id, (err as Error).message);
      return [
        'the schedule in Temporal could not be brought in line now (Temporal did not answer); it will be, as soon as Temporal answers',
      ];
    }
  }

  async create(by: Actor, body: JobBody): Promise<JobRecord> {
    const { definition, warnings } = this.check(body);
    const now = new Date().toISOString();
    const row: JobRow = {
      ...definition,
      id: newId('job'),
      revision: 1,
      synced_revision: null,
      sync_error: null,
      deleted_at: null,
      created_at: now,
      created_by: by.actor,
      updated_at: now,
    };
    this.db.transaction(() => {
      this.jobs.insert(row);
      this.changed(by, 'created', row);
    })();
    warnings.push(...(await this.syncNow(row.id)));
    return { ...this.view(this.jobs.get(row.id)!), warnings };
  }

  async update(by: Actor, id: string, body: JobBody): Promise<JobRecord> {
    const { definition, warnings } = this.check(body);
    this.db.transaction(() => {
      if (this.jobs.update(id, definition, new Date().toISOString()) === undefined) throw notFound(id);
      this.changed(by, 'updated', this.jobs.get(id)!);
    })();
    warnings.push(...(await this.syncNow(id)));
    return { ...this.view(this.jobs.get(id)!), warnings };
  }

  async setEnabled(by: Actor, id: string, enabled: boolean): Promise<JobRecord> {
    this.db.transaction(() => {
      if (this.jobs.setEnabled(id, enabled, new Date().toISOString()) === undefined) throw notFound(id);
      this.changed(by, enabled ? 'resumed' : 'paused', this.jobs.get(id)!);
    })();
    const warnings = await this.syncNow(id);
    return { ...this.view(this.jobs.get(id)!), ...(warnings.length > 0 ? { warnings } : {}) };
  }

  async delete(by: Actor, id: string): Promise<void> {
    this.db.transaction(() => {
      const row = this.jobs.get(id);
      if (!row || !this.jobs.markDeleted(id, new Date().toISOString())) throw notFound(id);
      this.changed(by, 'deleted', row);
    })();
    await this.syncNow(id);
  }

  /** Starts a run at once, whatever the schedule says (a paused job too: the operator asked); the run's id. */
  async runNow(by: Actor, id: string): Promise<string> {
    const row = this.jobs.get(id);
    if (!row) throw notFound(id);
    let runId: string;
    try {
      runId = await this.temporal.startRun(id, 'manual');
    } catch (err) {
      throw temporalUnavailable('Temporal could not start the run, so nothing runs; try again in a moment', err);
    }
    this.audit.append(changeEntry(by, 'job.run_now', { job_id: id, run_id: runId }));
    return runId;
  }

  /** One job with its next fire times and missed fires from Temporal (null if Temporal did not answer). */
  async get(id: string): Promise<JobRecord> {
    const row = this.jobs.get(id);
    if (!row) throw notFound(id);
    let state: { next: string[]; missed: number } | null;
    try {
      state = (await this.temporal.scheduleState(id)) ?? { next: [], missed: 0 };
    } catch {
      state = null;
    }
    return { ...this.view(row), next_runs: state?.next ?? null, missed_fires: state?.missed ?? null };
  }

  list(query: { after?: string; limit?: number; enabled?: boolean }): JobRecord[] {
    if (query.after && !this.jobs.get(query.after)) throw cursorNamesNothing('after', 'job', query.after);
    return this.jobs
      .list({
        limit: query.limit ?? 1000,
        ...(query.after ? { after: query.after } : {}),
        ...(query.enabled !== undefined ? { enabled: query.enabled } : {}),
      })
      .map((row) => this.view(row));
  }

  /** Brings every lagging schedule in line; what the API runs now and then, and at start. */
  async heal(limit = 50): Promise<number> {
    let healed = 0;
    for (const row of this.jobs.unsynced(limit)) {
      if ((await this.syncNow(row.id, true)).length === 0) healed++;
    }
    return healed;
  }

  private view(row: JobRow): JobRecord {
    const script = JSON.parse(row.script) as Omit<JobRecord['script'], 'sha256'>;
    return {
      id: row.id,
      name: row.name,
      script: { ...script, sha256: row.script_sha256 },
      targets: JSON.parse(row.targets) as JobRecord['targets'],
      schedule: JSON.parse(row.schedule) as JobRecord['schedule'],
      enabled: row.enabled === 1,
      timeout_s: row.timeout_s,
      dispatch_window_s: row.dispatch_window_s,
      overlap: row.overlap,
      created_at: row.created_at,
      created_by: row.created_by,
      updated_at: row.updated_at,
      schedule_sync:
        row.synced_revision === row.revision
          ? { state: 'synced' }
          : { state: 'pending', ...(row.sync_error ? { error: 'Temporal did not answer; the API retries' } : {}) },
    };
  }
}
