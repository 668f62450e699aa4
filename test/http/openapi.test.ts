import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/stack.js';

/**
 * Every operation of the API and its audience. A route lost in a move, or one guarded by another hook than
 * before, fails here; a new route is added here on purpose.
 */
const OPERATIONS: Record<string, string[]> = {
  'GET /health': ['public'],
  'GET /health/ready': ['public'],
  'GET /health/live': ['public'],
  'POST /engines/register': ['operator'],
  'POST /engines/validate': ['engine'],
  'GET /engines': ['operator'],
  'GET /engines/{id}': ['operator'],
  'POST /engines/{id}/rotate-key': ['operator'],
  'POST /engines/{id}/suspend': ['operator'],
  'POST /engines/{id}/resume': ['operator'],
  'POST /engines/{id}/revoke': ['operator'],
  'POST /actions/check': ['engine'],
  'GET /platforms/list': ['engine', 'operator'],
  'PUT /platforms/{id}': ['operator'],
  'POST /platforms/{id}/maintenance': ['operator'],
  'GET /maintenance': ['operator'],
  'POST /maintenance/{id}/cancel': ['operator'],
  'GET /grants': ['operator'],
  'POST /grants': ['operator'],
  'DELETE /grants/{id}': ['operator'],
  'POST /grants/request': ['engine'],
  'GET /grants/request/{id}': ['engine'],
  'GET /grant-requests': ['operator'],
  'POST /grant-requests/{id}/approve': ['operator'],
  'POST /grant-requests/{id}/deny': ['operator'],
  'GET /config/global': ['engine', 'operator'],
  'GET /flags': ['operator'],
  'PUT /flags/{name}': ['operator'],
  'DELETE /flags/{name}': ['operator'],
  'POST /log/engine_event': ['engine'],
  'GET /log/engine_events': ['operator'],
  'GET /decisions': ['operator'],
  'GET /audit/verify': ['operator'],
  'POST /api-keys': ['operator'],
  'GET /api-keys': ['operator'],
  'DELETE /api-keys/{id}': ['operator'],
  'POST /install-codes': ['operator'],
  'GET /install-codes': ['operator'],
  'DELETE /install-codes/{id}': ['operator'],
  'POST /devices/preauthorize': ['operator'],
  'GET /devices/preauthorizations': ['operator'],
  'DELETE /devices/preauthorizations/{fingerprint}': ['operator'],
  'GET /enrollments': ['operator'],
  'GET /enrollments/{reference}': ['operator'],
  'POST /enrollments/{reference}/approve': ['operator'],
  'POST /enrollments/{reference}/deny': ['operator'],
  'GET /devices': ['operator'],
  'GET /devices/{id}': ['operator'],
  'POST /devices/{id}/quarantine': ['operator'],
  'POST /devices/{id}/unquarantine': ['operator'],
  'POST /devices/{id}/revoke': ['operator'],
  'DELETE /devices/{id}': ['operator'],
  'POST /api/agent/enroll/request': ['agent'],
  'POST /api/agent/enroll/poll': ['agent'],
  'POST /api/agent/token/refresh': ['agent'],
  'POST /api/agent/heartbeat': ['agent'],
  'GET /api/agent/me': ['agent'],
  'GET /.well-known/jwks.json': ['public'],
  'POST /jobs': ['operator'],
  'GET /jobs': ['operator'],
  'GET /jobs/{id}': ['operator'],
  'PUT /jobs/{id}': ['operator'],
  'DELETE /jobs/{id}': ['operator'],
  'POST /jobs/{id}/pause': ['operator'],
  'POST /jobs/{id}/resume': ['operator'],
  'POST /jobs/{id}/run': ['operator'],
  'GET /jobs/{id}/runs': ['operator'],
  'GET /runs/{id}': ['operator'],
  'POST /runs/{id}/cancel': ['operator'],
  'GET /api/agent/work': ['agent'],
  'POST /api/agent/runs/{run}/progress': ['agent'],
  'POST /api/agent/runs/{run}/result': ['agent'],
  'GET /events': ['operator'],
};

interface Document {
  paths: Record<string, Record<string, { tags?: string[]; security?: Record<string, string[]>[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe('the OpenAPI document', () => {
  let app: FastifyInstance;
  let doc: Document;
  beforeAll(async () => {
    app = await buildTestApp('127.0.0.1:1');
    await app.ready();
    doc = app.swagger() as unknown as Document;
  });
  afterAll(() => app.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
    );

  it('has every operation of the API, each tagged with its audience', () => {
    expect(Object.fromEntries(operations().map(([name, op]) => [name, op.tags]))).toEqual(OPERATIONS);
  });

  it('describes every credential an operation asks for', () => {
    const named = new Set(operations().flatMap(([, op]) => (op.security ?? []).flatMap((s) => Object.keys(s))));
    expect([...named].sort()).toEqual(Object.keys(doc.components.securitySchemes).sort());
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['engineId', 'engineKey', 'operatorKey', 'deviceToken']);
  });

  // Rules the API enforces that a client generated from the document must know of.
  it('states the rules the schemas alone cannot: cursors that must exist, the text formats, a window that ends after it starts', () => {
    const text = JSON.stringify(doc);
    const param = (op: string, name: string) =>
      (doc.paths as Record<string, Record<string, { parameters?: { name: string; description?: string }[] }>>)[op.split(' ')[1]!]![
        op.split(' ')[0]!.toLowerCase()
      ]!.parameters!.find((p) => p.name === name)!.description;
    for (const list of ['GET /engines', 'GET /grants', 'GET /grant-requests', 'GET /maintenance'])
      expect(param(list, 'after')).toMatch(/must name an item of this list: one that names nothing is a 400/);
    expect(param('GET /log/engine_events', 'before')).toMatch(/must name an event: one that names nothing is a 400/);
    expect(text).toContain('A name: visible text without control characters');
    expect(text).toContain('Free text: text without control characters other than tabs and line breaks');
    expect(text).toContain('ends_at must be after starts_at and in the future');
    expect(text).toContain('within the years 1970-9999');
  });
});
