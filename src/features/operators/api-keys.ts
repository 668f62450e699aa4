import { changeEntry } from '../../audit/chain.js';
import type { Actor } from '../../audit/chain.js';
import { hashSecret, newId, newSecret, nowIso, secretMatches } from '../../core/crypto/secrets.js';
import type { Db } from '../../core/db/database.js';
import { DomainError } from '../../core/errors.js';
import { ApiKeyRepository } from './api-key-repository.js';
import type { ApiKey, Role } from './api-key-repository.js';
import { AuditLogRepository } from '../../audit/audit-log.js';

export type PublicApiKey = Omit<ApiKey, 'key_hash'>;

const BOOTSTRAP: Actor = { actor: 'system:bootstrap', requestId: null };

/**
 * Operator keys look like `bok_<secret>.<key id>`: the id finds the row, the secret is compared in constant time.
 * Creating or revoking a key appends its audit entry in the same transaction; the entry never holds the key or its hash.
 */
export class ApiKeys {
  private readonly repo: ApiKeyRepository;
  private readonly audit: AuditLogRepository;

  constructor(private readonly db: Db) {
    this.repo = new ApiKeyRepository(db);
    this.audit = new AuditLogRepository(db);
  }

  private record(by: Actor, action: string, key: PublicApiKey): void {
    this.audit.append(changeEntry(by, action, { key_id: key.id, name: key.name, role: key.role }));
  }

  create(by: Actor, name: string, role: Role): { key: string; record: PublicApiKey } {
    const id = newId('key');
    const secret = newSecret('bok');
    const record: ApiKey = { id, name, role, key_hash: hashSecret(secret), created_at: nowIso(), revoked_at: null };
    const { key_hash: _h, ...pub } = record;
    this.db
      .transaction(() => {
        this.repo.insert(record);
        this.record(by, 'api_key.created', pub);
      })
      .immediate();
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

  /** Revokes a live key other than the caller's own (`self`), or throws; a refusal records nothing. */
  revoke(by: Actor, id: string, self: string | undefined): void {
    if (self === id) throw new DomainError('invalid', 'CANNOT_REVOKE_SELF', 'revoke this key with another admin key');
    const revoked = this.db
      .transaction(() => {
        const key = this.repo.get(id);
        if (!key || !this.repo.revoke(id, nowIso())) return false;
        this.record(by, 'api_key.revoked', key);
        return true;
      })
      .immediate();
    if (!revoked) throw new DomainError('not_found', 'API_KEY_NOT_FOUND', `no live API key ${id}`);
  }

  /** On a database with no keys yet, mints the first admin key; returns it once, or undefined. */
  bootstrapAdmin(): string | undefined {
    // One transaction, so two processes starting together cannot both mint one.
    return this.db.transaction(() => (this.repo.count() > 0 ? undefined : this.create(BOOTSTRAP, 'first admin', 'admin').key)).immediate();
  }
}
