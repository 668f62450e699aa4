import type { Actor } from '../../../audit/chain.js';
import { hashSecret, newId, newSecret, nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { nameKey } from '../../../core/display-text.js';
import { DomainError } from '../../../core/errors.js';
import { EngineRepository } from '../repositories/engines.js';
import type { Engine, EngineFilter, EngineStatus } from '../repositories/engines.js';
import type { RegisterEngineBody } from '../schemas.js';
import type { ChangeLog } from './change-log.js';
import { notFound } from './errors.js';
import type { GrantLedger } from './grant-ledger.js';

/** An engine as the API shows it: everything but its key's hash. */
export type PublicEngine = Omit<Engine, 'key_hash'>;

const publicEngine = ({ key_hash: _hash, ...rest }: Engine): PublicEngine => rest;

/**
 * Engines as rows, each change with its audit entry in one transaction. No Temporal here: the API's EngineService
 * tells the flows a revocation ended; borgctl and tests write through this directly.
 */
export class EngineLedger {
  private readonly engines: EngineRepository;

  constructor(
    db: Db,
    private readonly changes: ChangeLog,
    private readonly grants: GrantLedger,
  ) {
    this.engines = new EngineRepository(db);
  }

  private engine(id: string): Engine {
    const engine = this.engines.get(id);
    if (!engine) throw notFound.engine(id);
    return engine;
  }

  get(id: string): PublicEngine {
    return publicEngine(this.engine(id));
  }

  has(id: string): boolean {
    return this.engines.get(id) !== undefined;
  }

  list(filter: EngineFilter): PublicEngine[] {
    return this.engines.list(filter).map(publicEngine);
  }

  /** Returns the engine and its key; the key is not stored and cannot be shown again. */
  register(by: Actor, input: RegisterEngineBody): { engine: PublicEngine; key: string } {
    return this.changes.inTxn(() => {
      // Compared as they look: "mailer" and "mailer" with a word joiner would be two engines nobody can tell apart.
      const looks = nameKey(input.name);
      const taken = this.engines.names().find((name) => nameKey(name) === looks);
      if (taken === input.name) throw new DomainError('conflict', 'ENGINE_EXISTS', `an engine named ${input.name} is already registered`);
      if (taken !== undefined) {
        throw new DomainError(
          'conflict',
          'ENGINE_EXISTS',
          `an engine named ${JSON.stringify(taken)} is already registered, and ${JSON.stringify(input.name)} reads the same`,
        );
      }
      const key = newSecret('bek');
      const at = nowIso();
      const engine: Engine = {
        id: newId('eng'),
        ...input,
        status: 'active',
        key_hash: hashSecret(key),
        created_at: at,
        key_rotated_at: at,
      };
      this.engines.insert(engine);
      this.changes.record(by, 'engine.registered', { name: input.name, capabilities: input.capabilities }, { engine_id: engine.id });
      return { engine: publicEngine(engine), key };
    });
  }

  /** The old key stops working at once. */
  rotateKey(by: Actor, id: string): { engine: PublicEngine; key: string } {
    return this.changes.inTxn(() => {
      const engine = this.engine(id);
      if (engine.status === 'revoked')
        throw new DomainError('conflict', 'ENGINE_REVOKED', `engine ${id} is revoked; register a new engine`);
      const key = newSecret('bek');
      const at = nowIso();
      this.engines.setKey(id, hashSecret(key), at);
      this.changes.record(by, 'engine.key_rotated', {}, { engine_id: id });
      return { engine: publicEngine({ ...engine, key_rotated_at: at }), key };
    });
  }

  /** Revoked, its grants and pending requests end with it: `endedFlows` are the flows that waited on them. */
  setStatus(by: Actor, id: string, status: EngineStatus): { engine: PublicEngine; endedFlows: string[] } {
    return this.changes.inTxn(() => {
      const engine = this.engine(id);
      if (engine.status === 'revoked') throw new DomainError('conflict', 'ENGINE_REVOKED', `engine ${id} is revoked for good`);
      // Already so: the audit log records what changed, and nothing did.
      if (engine.status === status) return { engine: publicEngine(engine), endedFlows: [] };
      this.engines.setStatus(id, status);
      this.changes.record(by, `engine.${status === 'active' ? 'resumed' : status}`, { from: engine.status }, { engine_id: id });
      const endedFlows = status === 'revoked' ? this.grants.closeAllOf(by, id) : [];
      return { engine: publicEngine({ ...engine, status }), endedFlows };
    });
  }
}
