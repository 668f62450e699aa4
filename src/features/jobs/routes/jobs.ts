import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../../../http/plugins/auth.js';
import { errorRef } from '../../../http/schemas/error.js';
import { idParams } from '../../../http/schemas/params.js';
import { operatorSecurity } from '../../../http/schemas/security.js';
import { jobBody, jobList, jobListQuery, jobRecord, runList, runListQuery, runStarted } from '../schemas.js';

const errors = { 400: errorRef, 401: errorRef, 403: errorRef, 404: errorRef, 503: errorRef };
// A script may be 64 KiB, and JSON escapes make it longer.
const BODY_LIMIT = 512 * 1024;

export default async function jobRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { jobs, runs } = app.jobs;
  const operator = app.requireRole('operator');
  const reader = app.requireRole('reader');

  app.post(
    '/jobs',
    {
      onRequest: operator,
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: 'Make a job: a script, the devices it runs on, and when',
        description:
          'A recurring job gets a Temporal Schedule, job-<id>; a now or once job starts its one run directly. The reply warns of what is legal but likely not meant, such as targets that match no device today.',
        security: operatorSecurity,
        body: jobBody,
        response: { 201: jobRecord, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await jobs.create(actorOf(request), request.body)),
  );

  app.get(
    '/jobs',
    {
      onRequest: reader,
      schema: {
        summary: 'Jobs, oldest first',
        security: operatorSecurity,
        querystring: jobListQuery,
        response: { 200: jobList, ...errors },
      },
    },
    async (request) => ({ jobs: jobs.list(request.query) }),
  );

  app.get(
    '/jobs/:id',
    {
      onRequest: reader,
      schema: {
        summary: 'One job, with its next fire times from Temporal',
        security: operatorSecurity,
        params: idParams,
        response: { 200: jobRecord, ...errors },
      },
    },
    async (request) => jobs.get(request.params.id),
  );

  app.put(
    '/jobs/:id',
    {
      onRequest: operator,
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: 'Replace a job; runs under way keep the script and targets they started with',
        security: operatorSecurity,
        params: idParams,
        body: jobBody,
        response: { 200: jobRecord, ...errors },
      },
    },
    async (request) => jobs.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/jobs/:id',
    {
      onRequest: operator,
      schema: {
        summary: 'Delete a job and its schedule; its runs stay in the history until they are purged',
        security: operatorSecurity,
        params: idParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await jobs.delete(actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  for (const [path, enabled, summary] of [
    ['pause', false, 'Pause a job: its schedule starts no run until it is resumed'],
    ['resume', true, 'Resume a paused job'],
  ] as const) {
    app.post(
      `/jobs/:id/${path}`,
      {
        onRequest: operator,
        schema: { summary, security: operatorSecurity, params: idParams, response: { 200: jobRecord, ...errors } },
      },
      async (request) => jobs.setEnabled(actorOf(request), request.params.id, enabled),
    );
  }

  app.post(
    '/jobs/:id/run',
    {
      onRequest: operator,
      schema: {
        summary: 'Run a job now, whatever its schedule (a paused job too)',
        security: operatorSecurity,
        params: idParams,
        response: { 202: runStarted, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send({ run_id: await jobs.runNow(actorOf(request), request.params.id) }),
  );

  app.get(
    '/jobs/:id/runs',
    {
      onRequest: reader,
      schema: {
        summary: "A job's runs, newest first, each with its counts by status",
        security: operatorSecurity,
        params: idParams,
        querystring: runListQuery,
        response: { 200: runList, ...errors },
      },
    },
    async (request) => ({ runs: runs.listForJob(request.params.id, request.query) }),
  );
}
