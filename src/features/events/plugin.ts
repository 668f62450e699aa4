import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { EventLog } from '../../core/events/event-log.js';
import { startRetention } from '../../core/events/retention.js';
import { EventHub } from './hub.js';

export interface Events {
  /** The log itself: publish with `append`, inside the transaction of the change it announces. */
  log: EventLog;
  /** This process's open streams. */
  hub: EventHub;
}

declare module 'fastify' {
  interface FastifyInstance {
    events: Events;
  }
}

/** The operators' event stream: the log, the streams fed from it, and its retention. */
export default fp(
  async (app: FastifyInstance) => {
    const log = new EventLog(app.db);
    const hub = new EventHub(log, app.db, { onError: (err) => app.log.warn({ err }, 'could not read the event log for a stream') });
    app.decorate('events', { log, hub });
    // Every replica prunes: each batch is one short statement, and an event deleted twice is deleted once.
    const stopRetention = startRetention(log, {
      days: app.config.events.retentionDays,
      onError: (err) => app.log.warn({ err }, 'could not prune old events; trying again in a minute'),
    });
    // preClose: open streams would keep the server from closing, and onClose runs only once it has.
    app.addHook('preClose', async () => hub.close());
    app.addHook('onClose', async () => stopRetention());
  },
  { name: 'events', dependencies: ['db'] },
);
