import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../../core/db/database.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

/** The process's one SQLite handle; its owner (the entry point) closes it after the server. */
export default fp(
  async (app: FastifyInstance, opts: { db: Db }) => {
    app.decorate('db', opts.db);
  },
  { name: 'db' },
);
