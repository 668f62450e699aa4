import type { Db } from '../../core/db/database.js';
import { MetaRepository } from '../../core/db/meta.js';

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
