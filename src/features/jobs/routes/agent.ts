import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorRef } from '../../../http/schemas/error.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef };
const deviceSecurity = [{ deviceToken: [] }];
export const MAX_WAIT_S = 60;
// 64 KiB of UTF-8 is at most 65,536 characters.
const MAX_OUTPUT_CHARS = 64 * 1024;
// Output is capped on the device at 64 KiB a stream, and JSON writes a control character in six bytes.
const RESULT_BODY_LIMIT = 1024 * 1024;

const runParams = Type.Object({ run: Type.String({ minLength: 1, maxLength: 200 }) });
const output = Type.String({ maxLength: MAX_OUTPUT_CHARS, description: 'At most 64 KiB of UTF-8, capped by the device' });
const time = Type.String({ format: 'date-time' });

const workQuery = Type.Object(
  {
    wait: Type.Integer({
      minimum: 0,
      maximum: MAX_WAIT_S,
      default: 30,
      description: `Seconds to wait for work when there is none, 0 to ${MAX_WAIT_S}`,
    }),
  },
  { additionalProperties: false },
);
const workItem = Type.Object({
  run_id: Type.String(),
  job_id: Type.String(),
  payload: Type.String({
    description: 'A compact JWS (EdDSA, typ borg-job+jws) signed with the job-signing key: verify it before running anything',
  }),
});
const progressBody = Type.Object({ state: Type.Literal('running') }, { additionalProperties: false });
const resultBody = Type.Object(
  {
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('timed_out')]),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    signal: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    stdout: output,
    stderr: output,
    stdout_truncated: Type.Boolean(),
    stderr_truncated: Type.Boolean(),
    started_at: time,
    finished_at: time,
  },
  { additionalProperties: false },
);

/** The calls a device makes for its jobs: take work, say it started, report how it ended. */
export default async function agentJobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { runs, deviceOf } = app.jobs;
  const device = app.auth.anyOf('device');

  app.get(
    '/api/agent/work',
    {
      onRequest: device,
      schema: {
        summary: "A device's work: answered at once when there is some, else when some comes or `wait` runs out",
        description:
          'Each item is for this device only and signed. Work handed out and not yet started is handed out again, so a lost answer loses nothing: report progress before running a script, and run each run_id once.',
        security: deviceSecurity,
        querystring: workQuery,
        response: { 200: Type.Object({ items: Type.Array(workItem) }), ...errors },
      },
    },
    async (request) => {
      const gone = new AbortController();
      request.raw.once('close', () => gone.abort());
      return { items: await runs.work(deviceOf(request)!, request.query.wait, gone.signal) };
    },
  );

  app.post(
    '/api/agent/runs/:run/progress',
    {
      onRequest: device,
      schema: {
        summary: 'A device starts the script of a run',
        security: deviceSecurity,
        params: runParams,
        body: progressBody,
        response: { 200: Type.Object({ status: Type.String() }), ...errors },
      },
    },
    async (request) => runs.progress(deviceOf(request)!, request.params.run),
  );

  app.post(
    '/api/agent/runs/:run/result',
    {
      onRequest: device,
      bodyLimit: RESULT_BODY_LIMIT,
      schema: {
        summary: "A device reports how a run's script ended; sending it again gets the same answer",
        description:
          'A result that comes after the run gave its verdict (timed out, offline, cancelled) is kept as late and changes nothing (late: true).',
        security: deviceSecurity,
        params: runParams,
        body: resultBody,
        response: { 200: Type.Object({ status: Type.String(), late: Type.Boolean() }), ...errors },
      },
    },
    async (request) => runs.result(deviceOf(request)!, request.params.run, request.body),
  );
}
