import { hashSecret, newId, newSecret, nowIso, secretMatches } from '../crypto/secrets.js';
import type { Db } from '../db/database.js';
import { ApiKeyRepository } from '../db/repositories/api-keys.js';
import type { ApiKey, Role } from '../db/repositories/api-keys.js';

export type PublicApiKey = Omit<ApiKey, 'key_hash'>;

/** Operator keys look like `bok_<secret>.<key id>`: the id finds the row, the secret is compared in constant time. */
export class ApiKeys {
  private readonly repo: ApiKeyRepository;

  constructor(db: Db) {
    this.repo = new ApiKeyRepository(db);
  }

  create(name: string, role: Role): { key: string; record: PublicApiKey } {
    const id = newId('key');
    const secret = newSecret('bok');
    const record: ApiKey = { id, name, role, key_hash: hashSecret(secret), created_at: nowIso(), revoked_at: null };
    this.repo.insert(record);
    const { key_hash: _h, ...pub } = record;
    return { key: `${secret}.${id}`, record: pub };
  }

  /** The live key a presented token belongs to, or undefined. */
  authenticate(token: string): PublicApiKey | undefined {
    const dot = token.lastIndexOf('.');
    if (dot < 0) return undefined;
    const record = this.repo.get(token.slice(dot + 1));
    if (!record || record.revoked_at !== null || !secretMatches(token.slice(0, dot), record.key_hash)) return undefined;
    const { key_hash: _h, ...pub } = record;
    return pub;
  }

  list(): PublicApiKey[] {
    return this.repo.list().map(({ key_hash: _h, ...pub }) => pub);
  }

  revoke(id: string): boolean {
    return this.repo.revoke(id, nowIso());
  }

  /** On a database with no keys yet, mints the first admin key; returns it once, or undefined. */
  bootstrapAdmin(): string | undefined {
    if (this.repo.count() > 0) return undefined;
    return this.create('first admin', 'admin').key;
  }
}
