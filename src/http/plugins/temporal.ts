import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface TemporalHandle {
  client: Client;
  namespace: string;
  taskQueue: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    temporal: TemporalHandle;
  }
}

export default fp(
  async (app: FastifyInstance, opts: TemporalHandle) => {
    app.decorate('temporal', opts);
  },
  { name: 'temporal' },
);
