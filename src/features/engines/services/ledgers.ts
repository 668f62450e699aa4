import type { Db } from '../../../core/db/database.js';
import { ChangeLog } from './change-log.js';
import { EngineLedger } from './engine-ledger.js';
import { GrantLedger } from './grant-ledger.js';
import { PlatformService } from './platforms.js';
import { WindowLedger } from './window-ledger.js';

export interface EngineLedgers {
  changes: ChangeLog;
  platforms: PlatformService;
  engines: EngineLedger;
  grants: GrantLedger;
  windows: WindowLedger;
}

/** Engine control's state changes over one database, without Temporal: what the worker's activities, the API's services and borgctl build on. */
export function engineLedgers(db: Db): EngineLedgers {
  const changes = new ChangeLog(db);
  const platforms = new PlatformService(db, changes);
  const grants = new GrantLedger(db, changes, platforms);
  return { changes, platforms, grants, engines: new EngineLedger(db, changes, grants), windows: new WindowLedger(db, changes, platforms) };
}
