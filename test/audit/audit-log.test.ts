import { join } from 'node:path';
import { setImmediate } from 'node:timers';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditFields } from '../../src/audit/chain.js';
import type { Db } from '../../src/core/db/database.js';
import { openMigratedDatabase } from '../../src/core/db/open.js';
import { AuditLogRepository } from '../../src/audit/audit-log.js';
import type { DecisionFilter } from '../../src/audit/audit-log.js';
import { tempDir } from '../support/stack.js';

/** Decision `i` of a log: three engines, two actions, every third one denied, one ms apart. */
function decisionRow(i: number): AuditFields {
  const allowed = i % 3 !== 0;
  return {
    id: `dec-${i}`,
    kind: 'decision',
    request_id: `req-${i}`,
    actor: `engine:eng_${i % 3}`,
    action: 'action.check',
    engine_id: `eng_${i % 3}`,
    platform_id: i % 2 === 0 ? 'gmail' : 'slack',
    action_type: i % 5 === 0 ? 'delete' : 'send',
    allowed: allowed ? 1 : 0,
    reason: allowed ? 'granted' : 'no_grant',
    details: JSON.stringify({ message: 'm', required_scopes: [] }),
    created_at: new Date(Date.UTC(2030, 0, 1) + i).toISOString(),
  };
}

describe('AuditLogRepository.decisions', () => {
  let db: Db;
  let audit: AuditLogRepository;
  const written: AuditFields[] = [];

  beforeEach(() => {
    db = openMigratedDatabase({ file: join(tempDir(), 'borg.db'), autoMigrate: true, log: pino({ level: 'silent' }) });
    audit = new AuditLogRepository(db);
    written.length = 0;
    for (let i = 1; i <= 120; i++) {
      const row = decisionRow(i);
      written.push(row);
      audit.append(row);
      // Changes between decisions: a page must skip them, and a slice may hold none but them.
      if (i % 10 === 0) audit.append({ ...row, id: `chg-${i}`, kind: 'change', action: 'grant.created', allowed: null, reason: null });
    }
  });
  afterEach(() => db.close());

  /** What a page must hold, worked out from the rows written rather than from SQL. */
  const expected = (filter: DecisionFilter, beforeId?: string): string[] => {
    const matches = written.filter(
      (r) =>
        (filter.engine_id === undefined || r.engine_id === filter.engine_id) &&
        (filter.platform === undefined || r.platform_id === filter.platform) &&
        (filter.action_type === undefined || r.action_type === filter.action_type) &&
        (filter.allowed === undefined || r.allowed === (filter.allowed ? 1 : 0)) &&
        (filter.since === undefined || r.created_at >= filter.since) &&
        (filter.until === undefined || r.created_at < filter.until),
    );
    const newestFirst = matches.reverse();
    const from = beforeId === undefined ? 0 : newestFirst.findIndex((r) => r.id === beforeId) + 1;
    return newestFirst.slice(from, from + filter.limit).map((r) => r.id);
  };

  const at = (i: number): string => decisionRow(i).created_at;
  const filters: [string, DecisionFilter][] = [
    ['no filter', { limit: 25 }],
    ['an engine', { engine_id: 'eng_1', limit: 15 }],
    ['a platform and an action', { platform: 'gmail', action_type: 'delete', limit: 50 }],
    ['denials in a time range', { allowed: false, since: at(20), until: at(90), limit: 7 }],
    ['an action that matches a few rows at the far end', { action_type: 'delete', until: at(16), limit: 50 }],
    ['nothing', { engine_id: 'eng_9', limit: 10 }],
  ];

  it.each(filters)('gives the same page by %s in slices of 7 seqs as the rows written say', async (_name, filter) => {
    const ids = (await audit.decisions(filter, 7)).map((r) => r.id);
    expect(ids).toEqual(expected(filter));
    expect(ids.length).toBeLessThanOrEqual(filter.limit);
  });

  it('pages on from a cursor across slice boundaries without skipping or repeating a row', async () => {
    const filter: DecisionFilter = { allowed: true, limit: 9 };
    const seen: string[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await audit.decisions({ ...filter, before }, 5);
      expect(page.map((r) => r.id)).toEqual(expected(filter, seen.at(-1)));
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
      before = page.at(-1)!.seq;
    }
    expect(seen).toEqual(expected({ ...filter, limit: Infinity }));
  });

  it('lets other work run between slices, and leaves out what is appended meanwhile', async () => {
    let turns = 0;
    let appended = 0;
    const other = (): void => {
      turns++;
      if (appended < 5) audit.append(decisionRow(1000 + appended++));
    };
    let stop = false;
    const loop = (): void => {
      if (stop) return;
      other();
      setImmediate(loop);
    };
    setImmediate(loop);
    const page = await audit.decisions({ limit: 200 }, 10);
    stop = true;
    // 132 rows in slices of 10: the loop had a turn between each two of the 14 statements.
    expect(turns).toBeGreaterThanOrEqual(13);
    expect(appended).toBe(5);
    expect(page.map((r) => r.id)).toEqual(expected({ limit: 200 }));
  });
});
