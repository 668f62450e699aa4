import { condition, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { EngineControlActivities } from '../activities.js';
import { engineControlActivityOptions } from './activity-options.js';

const { transitionWindow } = proxyActivities<EngineControlActivities>(engineControlActivityOptions);

export interface MaintenanceWindowInput {
  windowId: string;
  startsAt: string;
  endsAt: string;
}

export type WindowPhase = 'scheduled' | 'active' | 'completed' | 'cancelled';

export const cancelSignal = defineSignal('cancel');
export const phaseQuery = defineQuery<WindowPhase>('phase');

async function waitOrCancel(until: string, cancelled: () => boolean): Promise<void> {
  const ms = Date.parse(until) - Date.now();
  if (ms > 0) await condition(cancelled, ms);
}

/**
 * Puts a platform into maintenance at the window's start and back to active at its end, on
 * durable timers. A `cancel` signal before the start drops the window; during it, ends it early.
 */
export async function maintenanceWindowWorkflow(input: MaintenanceWindowInput): Promise<WindowPhase> {
  let phase: WindowPhase = 'scheduled';
  let cancelled = false;
  setHandler(phaseQuery, () => phase);
  setHandler(cancelSignal, () => {
    cancelled = true;
  });
  const by = workflowInfo().workflowId;

  await waitOrCancel(input.startsAt, () => cancelled);
  if (cancelled) {
    phase = await transitionWindow(input.windowId, 'cancelled', by);
    return phase;
  }
  phase = await transitionWindow(input.windowId, 'active', by);
  await waitOrCancel(input.endsAt, () => cancelled);
  phase = await transitionWindow(input.windowId, cancelled ? 'cancelled' : 'completed', by);
  return phase;
}
