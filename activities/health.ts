import type { Db } from '../lib/db/database.js';
import { MetaRepository } from '../lib/db/repositories/meta.js';

export interface DatabaseProbe {
  instanceId: string;
  schemaVersion: number;
}

export interface HealthActivities {
  probeDatabase(): Promise<DatabaseProbe>;
}

export function createHealthActivities(db: Db): HealthActivities {
  const meta = new MetaRepository(db);
  return {
    probeDatabase() {
      return Promise.resolve({ instanceId: meta.instanceId(), schemaVersion: meta.schemaVersion() });
    },
  };
}
