import type { Actor } from '../../../audit/chain.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import type { EngineStatus } from '../repositories/engines.js';
import type { EngineListQuery, RegisterEngineBody } from '../schemas.js';
import type { EngineTemporalClient } from '../flows/temporal-client.js';
import type { EngineLedger, PublicEngine } from './engine-ledger.js';

/** What the API does with engines: the ledger's changes, and telling the flows a revocation ended. */
export class EngineService {
  constructor(
    private readonly ledger: EngineLedger,
    private readonly temporal: EngineTemporalClient,
  ) {}

  get(id: string): PublicEngine {
    return this.ledger.get(id);
  }

  list(query: EngineListQuery): PublicEngine[] {
    if (query.after && !this.ledger.has(query.after)) throw cursorNamesNothing('after', 'engine', query.after);
    return this.ledger.list(query);
  }

  register(by: Actor, input: RegisterEngineBody): { engine: PublicEngine; key: string } {
    return this.ledger.register(by, input);
  }

  rotateKey(by: Actor, id: string): { engine: PublicEngine; key: string } {
    return this.ledger.rotateKey(by, id);
  }

  setStatus(by: Actor, id: string, status: EngineStatus): PublicEngine {
    const { engine, endedFlows } = this.ledger.setStatus(by, id, status);
    // Its grants and requests ended with it; their flows need not wait for their own timers.
    this.temporal.closeInBackground(endedFlows, by.requestId);
    return engine;
  }
}
