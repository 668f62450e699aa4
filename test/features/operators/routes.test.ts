import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../support/engine-control.js';
import type { TestStack } from '../../support/engine-control.js';

interface AuditRow {
  kind: string;
  actor: string;
  action: string;
  request_id: string | null;
  details: string;
}

describe('operator API keys in the audit log', () => {
  let s: TestStack;
  let adminId: string;
  const entriesFor = (keyId: string): AuditRow[] =>
    (s.db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[]).filter(
      (r) => r.kind === 'change' && r.action.startsWith('api_key.') && JSON.parse(r.details).key_id === keyId,
    );

  beforeAll(async () => {
    s = await startTestStack(inject('temporalAddress'));
    adminId = s.adminKey.slice(s.adminKey.lastIndexOf('.') + 1);
  });
  afterAll(() => s.close());

  it('records who created and who revoked a key, under which request, without the key or its hash', async () => {
    const made = await s.call('POST', '/api-keys', { body: { name: 'ci', role: 'reader' }, headers: { 'x-request-id': 'req-key-create' } });
    expect(made.status).toBe(201);
    const { id } = made.body.record;
    expect((await s.call('DELETE', `/api-keys/${id}`, { headers: { 'x-request-id': 'req-key-revoke' } })).status).toBe(204);

    const entries = entriesFor(id);
    expect(entries.map(({ actor, action, request_id, details }) => ({ actor, action, request_id, details: JSON.parse(details) }))).toEqual([
      {
        actor: `operator:${adminId}`,
        action: 'api_key.created',
        request_id: 'req-key-create',
        details: { key_id: id, name: 'ci', role: 'reader' },
      },
      {
        actor: `operator:${adminId}`,
        action: 'api_key.revoked',
        request_id: 'req-key-revoke',
        details: { key_id: id, name: 'ci', role: 'reader' },
      },
    ]);
    const hash = (s.db.prepare('SELECT key_hash FROM api_keys WHERE id = ?').get(id) as { key_hash: string }).key_hash;
    const stored = JSON.stringify(s.db.prepare('SELECT * FROM audit_log').all());
    expect(stored).not.toContain(made.body.key.split('.')[0]);
    expect(stored).not.toContain(hash);

    const verify = await s.call('GET', '/audit/verify');
    expect(verify.body).toMatchObject({
      ok: true,
      checked: (s.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n,
    });
  });

  it('records nothing when there is no live key to revoke', async () => {
    const made = await s.call('POST', '/api-keys', { body: { name: 'twice', role: 'operator' } });
    expect((await s.call('DELETE', `/api-keys/${made.body.record.id}`)).status).toBe(204);
    expect((await s.call('DELETE', `/api-keys/${made.body.record.id}`)).status).toBe(404);
    expect((await s.call('DELETE', '/api-keys/key_nope')).status).toBe(404);
    expect(entriesFor(made.body.record.id).map((r) => r.action)).toEqual(['api_key.created', 'api_key.revoked']);
    expect(entriesFor('key_nope')).toEqual([]);
  });

  it('creates no key when its audit entry cannot be written', async () => {
    s.db.exec("CREATE TEMP TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END");
    try {
      expect((await s.call('POST', '/api-keys', { body: { name: 'unrecorded', role: 'admin' } })).status).toBe(500);
    } finally {
      s.db.exec('DROP TRIGGER audit_down');
    }
    expect((await s.call('GET', '/api-keys')).body.map((k: { name: string }) => k.name)).not.toContain('unrecorded');
  });
});
