import type { Db } from '../lib/db/database.js';
import { createEngineControlActivities } from './engine-control.js';
import { createHealthActivities } from './health.js';

export interface ActivityDeps {
  db: Db;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps.db),
    ...createEngineControlActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
