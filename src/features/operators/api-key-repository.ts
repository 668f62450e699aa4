import type { Db } from '../../core/db/database.js';

/** Strongest first. */
export const ROLES = ['admin', 'operator', 'reader'] as const;

export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  insert(k: ApiKey): void {
    this.db
      .prepare(
        'INSERT INTO api_keys (id, name, role, key_hash, created_at, revoked_at) VALUES (@id, @name, @role, @key_hash, @created_at, @revoked_at)',
      )
      .run(k);
  }

  get(id: string): ApiKey | undefined {
    return this.db.prepare<[string], ApiKey>('SELECT * FROM api_keys WHERE id = ?').get(id);
  }

  list(): ApiKey[] {
    return this.db.prepare<[], ApiKey>('SELECT * FROM api_keys ORDER BY created_at').all();
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM api_keys').get()!.n;
  }

  revoke(id: string, at: string): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }
}
