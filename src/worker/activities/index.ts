import type { Db } from '../../core/db/database.js';
import { createEnrollmentActivities } from '../../features/devices/enrollment/activities.js';
import { createEngineControlActivities } from '../../features/engines/activities.js';
import { createJobHistoryActivities, createJobRunActivities } from '../../features/jobs/activities.js';
import { jobDevices } from './job-devices.js';
import { createHealthActivities } from './health.js';

export interface ActivityDeps {
  db: Db;
}

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createHealthActivities(deps.db),
    ...createEngineControlActivities(deps.db),
    ...createEnrollmentActivities(deps.db),
    ...createJobRunActivities(deps.db, jobDevices(deps.db)),
    ...createJobHistoryActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
