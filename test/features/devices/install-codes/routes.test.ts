import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { InstallCodeService } from '../../../../src/features/devices/install-codes/service.js';
import { startTestStack } from '../../../support/engine-control.js';
import type { TestStack } from '../../../support/engine-control.js';

interface AuditRow {
  actor: string;
  action: string;
  request_id: string | null;
  details: string;
}

const normalised = (code: string) => code.replaceAll('-', '');
const hashOf = (code: string) => createHash('sha256').update(normalised(code)).digest('hex');
const later = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('install codes over the API', () => {
  let s: TestStack;
  let codes: InstallCodeService;
  let adminId: string;
  const create = async (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const res = await s.call('POST', '/install-codes', { body: { ttl_s: 3600, max_uses: 1, tags: [], ...body }, headers });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { code: string; install_code: { id: string } & Record<string, unknown> };
  };
  const listed = async (id: string) => (await s.call('GET', '/install-codes')).body.find((c: { id: string }) => c.id === id);
  const entriesFor = (id: string): AuditRow[] =>
    (s.db.prepare("SELECT * FROM audit_log WHERE action LIKE 'install_code.%' ORDER BY seq").all() as AuditRow[]).filter(
      (r) => JSON.parse(r.details).install_code_id === id,
    );

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    codes = s.server.app.devices.installCodes;
    adminId = s.adminKey.slice(s.adminKey.lastIndexOf('.') + 1);
  });
  afterAll(() => s.close());

  it('returns the code once, at creation, and lists the record with its state but never the code or its hash', async () => {
    const before = Date.now();
    const made = await create({
      ttl_s: 86_400,
      max_uses: 5,
      tags: ['site:lab', 'rack-2'],
      profile: 'edge-iot',
      auto_approve: true,
      note: 'lab\nrack 2',
    });
    expect(made.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}$/);
    const record = made.install_code;
    expect(record).toEqual({
      id: expect.stringMatching(/^ic_[0-9a-f]{16}$/),
      tags: ['site:lab', 'rack-2'],
      profile: 'edge-iot',
      auto_approve: true,
      note: 'lab\nrack 2',
      max_uses: 5,
      uses: 0,
      expires_at: expect.any(String),
      created_at: expect.any(String),
      created_by: `operator:${adminId}`,
      last_used_at: null,
      revoked_at: null,
      state: 'active',
    });
    expect(Date.parse(record.expires_at as string) - Date.parse(record.created_at as string)).toBe(86_400_000);
    expect(Date.parse(record.created_at as string)).toBeGreaterThanOrEqual(before - 1);

    const list = await s.call('GET', '/install-codes', { operator: s.keyFor('reader') });
    expect(list.status).toBe(200);
    expect(list.body.find((c: { id: string }) => c.id === record.id)).toEqual(record);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(made.code);
    expect(text).not.toContain(normalised(made.code));
    expect(text).not.toContain(hashOf(made.code));
    expect(text).not.toContain('code_hash');
    // What is kept is the SHA-256 of the normalised code, and nothing else of it.
    const row = s.db.prepare('SELECT * FROM install_codes WHERE id = ?').get(record.id) as Record<string, unknown>;
    expect(row.code_hash).toBe(hashOf(made.code));
    expect(JSON.stringify(row)).not.toContain(normalised(made.code));
  });

  it('defaults to no profile, no automatic approval and no note', async () => {
    const { install_code } = await create({ tags: ['x'] });
    expect(install_code).toMatchObject({ profile: null, auto_approve: false, note: '', tags: ['x'] });
  });

  it('redeems the code however it is typed, one use each, until it is used up', async () => {
    const { code, install_code } = await create({ max_uses: 4, tags: ['site:lab'], profile: 'edge-iot' });
    const typed = [
      code.toLowerCase(),
      code.replaceAll('-', ' '),
      ` ${normalised(code).toLowerCase()} `,
      code.replaceAll('1', 'l').replaceAll('0', 'O').replace(/-/g, ' - '),
    ];
    for (const presented of typed) {
      expect(codes.redeem(presented, new Date().toISOString()), presented).toEqual({
        ok: true,
        code: { id: install_code.id, tags: ['site:lab'], profile: 'edge-iot', auto_approve: false },
      });
    }
    expect(codes.redeem(code, new Date().toISOString())).toEqual({ ok: false, reason: 'used_up' });
    expect(await listed(install_code.id)).toMatchObject({ uses: 4, max_uses: 4, state: 'used_up', last_used_at: expect.any(String) });
  });

  it('refuses an expired code, and takes no use of it', async () => {
    const { code, install_code } = await create({ ttl_s: 60, max_uses: 3 });
    expect(codes.redeem(code, later(61))).toEqual({ ok: false, reason: 'expired' });
    expect(codes.redeem(code, install_code.expires_at as string)).toEqual({ ok: false, reason: 'expired' });
    expect(codes.list(new Date(Date.now() + 61_000)).find((c) => c.id === install_code.id)).toMatchObject({ uses: 0, state: 'expired' });
    expect(codes.redeem(code, later(50))).toMatchObject({ ok: true });
    expect(await listed(install_code.id)).toMatchObject({ uses: 1, state: 'active' });
  });

  it('revokes a code: 204, then redemption fails as revoked; a second revoke or an unknown id is a 404', async () => {
    const { code, install_code } = await create({ max_uses: 3 });
    expect(codes.redeem(code, new Date().toISOString())).toMatchObject({ ok: true });
    const res = await s.call('DELETE', `/install-codes/${install_code.id}`, { operator: s.keyFor('operator') });
    expect(res.status).toBe(204);
    expect(codes.redeem(code, new Date().toISOString())).toEqual({ ok: false, reason: 'revoked' });
    expect(await listed(install_code.id)).toMatchObject({ uses: 1, state: 'revoked', revoked_at: expect.any(String) });

    const again = await s.call('DELETE', `/install-codes/${install_code.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toEqual({
      code: 'INSTALL_CODE_NOT_FOUND',
      message: `no unrevoked install code ${install_code.id}`,
      details: { id: install_code.id },
    });
    expect((await s.call('DELETE', '/install-codes/ic_nope')).body.error.code).toBe('INSTALL_CODE_NOT_FOUND');
  });

  it('answers a code that matches none, or cannot be one, as unknown, with nothing else', async () => {
    const failures = [
      codes.redeem('AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA', new Date().toISOString()),
      codes.redeem('not a code', new Date().toISOString()),
      codes.redeem('', new Date().toISOString()),
    ];
    for (const failure of failures) expect(failure).toEqual({ ok: false, reason: 'unknown' });
  });

  it('records who created and who revoked a code, under which request, without the code or its hash', async () => {
    const { code, install_code } = await create(
      { ttl_s: 600, max_uses: 2, tags: ['t1'], profile: 'edge-iot' },
      { 'x-request-id': 'req-ic-create' },
    );
    expect((await s.call('DELETE', `/install-codes/${install_code.id}`, { headers: { 'x-request-id': 'req-ic-revoke' } })).status).toBe(
      204,
    );
    const entries = entriesFor(install_code.id);
    expect(entries.map(({ actor, action, request_id, details }) => ({ actor, action, request_id, details: JSON.parse(details) }))).toEqual([
      {
        actor: `operator:${adminId}`,
        action: 'install_code.created',
        request_id: 'req-ic-create',
        details: {
          install_code_id: install_code.id,
          tags: ['t1'],
          profile: 'edge-iot',
          auto_approve: false,
          max_uses: 2,
          expires_at: install_code.expires_at,
        },
      },
      {
        actor: `operator:${adminId}`,
        action: 'install_code.revoked',
        request_id: 'req-ic-revoke',
        details: { install_code_id: install_code.id, tags: ['t1'], uses: 0 },
      },
    ]);
    const stored = JSON.stringify(s.db.prepare('SELECT * FROM audit_log').all());
    expect(stored).not.toContain(normalised(code));
    expect(stored).not.toContain(hashOf(code));
    expect((await s.call('GET', '/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('creates no code when its audit entry cannot be written', async () => {
    s.db.exec("CREATE TEMP TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END");
    try {
      expect((await s.call('POST', '/install-codes', { body: { ttl_s: 600, max_uses: 1, tags: ['unrecorded'] } })).status).toBe(500);
    } finally {
      s.db.exec('DROP TRIGGER audit_down');
    }
    expect((await s.call('GET', '/install-codes')).body.filter((c: { tags: string[] }) => c.tags.includes('unrecorded'))).toEqual([]);
  });

  it('lets readers list, and only operators and admins create and revoke', async () => {
    const reader = s.keyFor('reader');
    const created = await s.call('POST', '/install-codes', { operator: reader, body: { ttl_s: 600, max_uses: 1, tags: [] } });
    expect(created.status).toBe(403);
    expect(created.body.error.code).toBe('FORBIDDEN');
    const { install_code } = await create();
    expect((await s.call('DELETE', `/install-codes/${install_code.id}`, { operator: reader })).status).toBe(403);
    expect((await listed(install_code.id)).state).toBe('active');
    expect(
      (await s.call('POST', '/install-codes', { operator: s.keyFor('operator'), body: { ttl_s: 600, max_uses: 1, tags: [] } })).status,
    ).toBe(201);
    const stranger = await fetch(`${s.url}/install-codes`);
    expect(stranger.status).toBe(401);
  });

  const tagWords = 'must be 1 to 63 lowercase letters, digits, ".", "_", ":" or "-", starting with a letter or digit';
  const valid = { ttl_s: 600, max_uses: 1, tags: [] as unknown };
  it.each([
    [{ ttl_s: 59 }, 'body.ttl_s', 'must be >= 60'],
    [{ ttl_s: 365 * 86_400 + 1 }, 'body.ttl_s', 'must be <= 31536000'],
    [{ ttl_s: '600' }, 'body.ttl_s', 'must be integer'],
    [{ ttl_s: 60.5 }, 'body.ttl_s', 'must be integer'],
    [{ max_uses: 0 }, 'body.max_uses', 'must be >= 1'],
    [{ max_uses: 100_001 }, 'body.max_uses', 'must be <= 100000'],
    [{ tags: 'lab' }, 'body.tags', 'must be array'],
    [{ tags: ['Lab'] }, 'body.tags.0', tagWords],
    [{ tags: ['ok', '-lab'] }, 'body.tags.1', tagWords],
    [{ tags: ['a'.repeat(64)] }, 'body.tags.0', tagWords],
    [{ tags: ['lab', 'lab'] }, 'body.tags', 'must not repeat an item'],
    [{ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'body.tags', 'must NOT have more than 32 items'],
    [{ profile: 'Edge IoT' }, 'body.profile', 'must be 1 to 63 lowercase letters, digits or "-", starting with a letter or digit'],
    [{ auto_approve: 'yes' }, 'body.auto_approve', 'must be boolean'],
    [{ note: 'x'.repeat(501) }, 'body.note', 'must NOT have more than 500 characters'],
    [
      { note: 'bell\u0007' },
      'body.note',
      'must be text without control characters other than tabs and line breaks, or unpaired surrogates',
    ],
    [{ code: 'ABCD-EFGH' }, 'body.code', 'is not allowed'],
    [{ ttl_s: undefined }, 'body.ttl_s', 'is required'],
    [{ max_uses: undefined }, 'body.max_uses', 'is required'],
    [{ tags: undefined }, 'body.tags', 'is required'],
  ])('refuses %j with a 400 naming %s, and makes nothing', async (change, field, message) => {
    const count = (s.db.prepare('SELECT count(*) AS n FROM install_codes').get() as { n: number }).n;
    const res = await s.call('POST', '/install-codes', { body: { ...valid, ...change } });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: `${field} ${message}`,
      details: { fields: [{ field, message }] },
    });
    expect((s.db.prepare('SELECT count(*) AS n FROM install_codes').get() as { n: number }).n).toBe(count);
  });

  it('documents its routes with the roles they need', async () => {
    const spec = (await s.call('GET', '/docs/json')).body;
    expect(spec.paths['/install-codes'].post['x-required-role']).toBe('operator');
    expect(spec.paths['/install-codes'].get['x-required-role']).toBe('reader');
    expect(spec.paths['/install-codes/{id}'].delete['x-required-role']).toBe('operator');
    expect(Object.keys(spec.paths['/install-codes'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
  });
});
