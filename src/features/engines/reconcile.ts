import type { BaseLogger } from 'pino';
import type { GrantService } from './services/grants.js';
import type { MaintenanceService } from './services/maintenance.js';

export interface Reconciled {
  /** Windows whose flow never started (the process died between the row and Temporal), started now. */
  restarted: string[];
  /** Pending requests whose flow is gone, closed as expired (`system:flow-gone`). */
  closed: string[];
}

/**
 * At start: the rows a crash left waiting on flows that Temporal never got, or that were terminated there.
 * A window's flow is started again only when Temporal never had it; one an operator terminated stays as it is.
 */
export async function reconcileFlows(
  services: { maintenance: MaintenanceService; grants: GrantService },
  log: Pick<BaseLogger, 'info'>,
): Promise<Reconciled> {
  const done: Reconciled = {
    restarted: await services.maintenance.restartLostFlows(),
    closed: await services.grants.closeRequestsOfGoneFlows({ actor: 'system', requestId: null }),
  };
  if (done.restarted.length + done.closed.length > 0) log.info({ ...done }, 'flows a crash or a terminate left behind were put right');
  return done;
}
