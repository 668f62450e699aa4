import type { BaseLogger } from 'pino';
import type { EngineControl } from './control.js';
import type { EngineFlows, FlowState } from './flows.js';

/** A row older than this cannot still be waiting on its own route's call to Temporal (bounded to 10 s). */
const SETTLED_MS = 60_000;

/**
 * Whether a row's flow is gone for good: ended in Temporal, or never there although the row is old enough that
 * its own route's start has failed. A young row without a flow may be one another request is starting right now.
 */
export function flowLeftBehind(state: FlowState, createdAt: string, now = Date.now()): boolean {
  return state === 'ended' || (state === 'missing' && Date.parse(createdAt) < now - SETTLED_MS);
}

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
export async function reconcileFlows(control: EngineControl, flows: EngineFlows, log: Pick<BaseLogger, 'info'>): Promise<Reconciled> {
  const by = { actor: 'system', requestId: null };
  const done: Reconciled = { restarted: [], closed: [] };
  for (const w of control.windows.list().filter((w) => w.status === 'scheduled' || w.status === 'active')) {
    const state = await flows.state(w.workflow_id);
    if (state !== 'missing' || !flowLeftBehind(state, w.created_at)) continue;
    await flows.startMaintenance(w.workflow_id, w.platform_id, w.id, w.starts_at, w.ends_at);
    done.restarted.push(w.id);
  }
  for (const r of control.grants.listRequests({ status: 'pending' })) {
    if (!flowLeftBehind(await flows.state(r.workflow_id), r.created_at)) continue;
    control.closeRequestOfGoneFlow(by, r.id);
    done.closed.push(r.id);
  }
  if (done.restarted.length + done.closed.length > 0) log.info({ ...done }, 'flows a crash or a terminate left behind were put right');
  return done;
}
