import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { ApiKeys } from '../../src/features/operators/api-keys.js';
import type { Role } from '../../src/features/operators/api-key-repository.js';
import { startWorker } from '../../src/worker/worker.js';
import type { WorkerHandle } from '../../src/worker/worker.js';
import { startTestApi } from './stack.js';
import type { TestApi } from './stack.js';

export interface Call {
  status: number;
  body: any;
}

export interface EngineCreds {
  id: string;
  key: string;
}

export interface TestStack extends TestApi {
  adminKey: string;
  keyFor(role: Role): string;
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; operator?: string; engine?: EngineCreds; raw?: string; headers?: Record<string, string> },
  ): Promise<Call>;
  /** Registers an engine through the API and returns its credentials. */
  registerEngine(name?: string): Promise<EngineCreds>;
  putPlatform(id: string, status?: string): Promise<Call>;
  grant(engineId: string, platform: string, action: string, scopes?: string[], expiresAt?: string): Promise<Call>;
  worker: WorkerHandle | undefined;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
}

/** The real API (and, on demand, a real worker) on a private task queue and a fresh database. */
/** `apiLog` receives the API's log lines (none by default); `env` adds settings (a data dir of the test's own). */
export async function startTestStack(temporalAddress: string, apiLog?: Logger, env: Record<string, string> = {}): Promise<TestStack> {
  const api = await startTestApi(temporalAddress, { TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`, ...env }, apiLog);
  const keys = new ApiKeys(api.db);
  const by = { actor: 'test', requestId: null };
  const adminKey = keys.create(by, 'test admin', 'admin').key;
  const log = pino({ level: 'silent' });

  const stack: TestStack = {
    ...api,
    adminKey,
    worker: undefined,
    keyFor: (role) => keys.create(by, `test ${role}`, role).key,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const operator = opts.operator ?? (opts.engine ? undefined : adminKey);
      if (operator) headers.authorization = `Bearer ${operator}`;
      if (opts.engine) Object.assign(headers, { 'x-engine-id': opts.engine.id, 'x-engine-key': opts.engine.key });
      let payload: string | undefined = opts.raw;
      if (opts.body !== undefined) payload = JSON.stringify(opts.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${api.url}${path}`, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async registerEngine(name = `engine-${randomUUID().slice(0, 8)}`) {
      const res = await stack.call('POST', '/engines/register', {
        body: { name, capabilities: [{ platform: 'gmail', action_type: 'send_email' }] },
      });
      if (res.status !== 201) throw new Error(`register failed: ${JSON.stringify(res.body)}`);
      return { id: res.body.engine_id as string, key: res.body.key as string };
    },
    putPlatform: (id, status = 'active') => stack.call('PUT', `/platforms/${id}`, { body: { name: id, status, version: '1.0' } }),
    grant: (engineId, platform, action, scopes = ['mail.send'], expiresAt) =>
      stack.call('POST', '/grants', {
        body: { engine_id: engineId, platform, action_type: action, scopes, ...(expiresAt ? { expires_at: expiresAt } : {}) },
      }),
    async startWorker() {
      stack.worker = await startWorker({ temporal: api.config.temporal, address: temporalAddress, db: api.db, log, jobs: api.config.jobs });
    },
    async stopWorker() {
      await stack.worker?.stop();
      stack.worker = undefined;
    },
    async close() {
      await stack.stopWorker();
      await api.close();
    },
  };
  return stack;
}
