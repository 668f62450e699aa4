import type { FastifyInstance } from 'fastify';
import { verifyChain } from '../../lib/audit/chain.js';
import type { DecisionFilter } from '../../lib/db/repositories/audit-log.js';
import { AppError } from '../../lib/errors.js';
import { errorRef } from '../schemas/error.js';
import { chainReport, decision, decisionQuery, operatorSecurity } from '../schemas/engine-control.js';

// RFC 3339 as the schema's date-time format accepts it: any one separator, any fraction, an offset as hh, hhmm or hh:mm.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d).(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:z|([+-])(\d\d)(?::?(\d\d))?)$/is;
// Outside these, toISOString writes a six-digit year, which no longer sorts as text against the stored times.
const EARLIEST = Date.parse('0000-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A query time in the form audit rows store it (UTC, milliseconds, `Z`), so comparing the text compares instants.
 * Parsed by hand: `Date.parse` refuses an hours-only offset and a leap second, both of which the schema accepts.
 */
function storedTime(field: string, value: string): string {
  const m = RFC3339.exec(value);
  let ms = Number.NaN;
  if (m) {
    const [, year, month, day, hour, minute, second, fraction = '', sign, offsetH = '0', offsetM = '0'] = m;
    // Stored times are whole milliseconds, so rounding a finer fraction up keeps `>= since` and `< until` exact.
    const millis = Number(fraction.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
    const t = new Date(0);
    t.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
    // A leap second (23:59:60) rolls over to the next day's first instant: JavaScript time has no leap seconds.
    t.setUTCHours(Number(hour), Number(minute), Number(second), millis);
    ms = t.getTime() - (sign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
  }
  if (!(ms >= EARLIEST && ms <= LATEST)) {
    const message = 'must be an RFC 3339 time within the years 0000-9999 in UTC';
    throw new AppError(400, 'VALIDATION_FAILED', `${field} ${message}`, { fields: [{ field, message }] });
  }
  return new Date(ms).toISOString();
}

export default async function auditRoutes(app: FastifyInstance): Promise<void> {
  const { audit, journal } = app.engineControl;
  const reader = app.requireRole('reader');

  app.get<{ Querystring: DecisionFilter }>(
    '/decisions',
    {
      onRequest: reader,
      schema: { summary: 'The decision log, newest first, filtered', tags: ['audit'], security: operatorSecurity, querystring: decisionQuery, response: { 200: { type: 'array', items: decision }, 400: errorRef, 401: errorRef, 403: errorRef } },
    },
    async (request) => {
      const { since, until } = request.query;
      const filter = { ...request.query, since: since && storedTime('querystring.since', since), until: until && storedTime('querystring.until', until) };
      await journal.flush();
      return audit.decisions(filter).map((row) => {
        const details = JSON.parse(row.details) as { message: string; required_scopes: string[] };
        return {
          seq: row.seq,
          decision_id: row.id,
          request_id: row.request_id,
          engine_id: row.engine_id,
          platform: row.platform_id,
          action_type: row.action_type,
          allowed: row.allowed === 1,
          reason: row.reason,
          message: details.message,
          required_scopes: details.required_scopes,
          created_at: row.created_at,
          hash: row.hash,
        };
      });
    },
  );

  app.get(
    '/audit/verify',
    {
      onRequest: reader,
      schema: { summary: 'Recompute the hash chain of the whole audit log and name the first broken link', tags: ['audit'], security: operatorSecurity, response: { 200: chainReport, 401: errorRef, 403: errorRef } },
    },
    async () => {
      await journal.flush();
      return verifyChain(audit.rows());
    },
  );
}
