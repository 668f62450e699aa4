import type { Db } from '../lib/db/database.js';
import { createHealthActivities } from './health.js';

export interface ActivityDeps {
  db: Db;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
