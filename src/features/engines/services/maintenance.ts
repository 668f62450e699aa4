import type { Actor } from '../../../audit/chain.js';
import { newId } from '../../../core/crypto/secrets.js';
import { DomainError, invalidFields } from '../../../core/errors.js';
import { utcTime } from '../../../core/time.js';
import { cursorNamesNothing } from '../../../http/schemas/page.js';
import type { MaintenanceWindow } from '../repositories/maintenance.js';
import type { MaintenanceBody, WindowListQuery } from '../schemas.js';
import { flowLeftBehind, startOrUndo } from '../flows/temporal-client.js';
import type { EngineTemporalClient } from '../flows/temporal-client.js';
import { workflowIds } from '../flows/workflow-ids.js';
import { notFound } from './errors.js';
import type { WindowLedger } from './window-ledger.js';

/** Window times are bounded so that they sort as text and mean something: 1970 to 9999. */
export const WINDOW_YEARS = { first: 1970, last: 9999 } as const;

const FIRST = new Date(Date.UTC(WINDOW_YEARS.first, 0, 1)).toISOString();

/** A window's time as stored (UTC, milliseconds), or a 400 naming `field`: outside the years 1970-9999 a window means nothing. */
function windowTime(field: string, value: string): string {
  const outside = () =>
    invalidFields([{ field, message: `must be an RFC 3339 time within the years ${WINDOW_YEARS.first}-${WINDOW_YEARS.last} in UTC` }]);
  let at: string;
  try {
    at = utcTime(field, value);
  } catch {
    throw outside();
  }
  if (at < FIRST) throw outside();
  return at;
}

/** How a cancel went: the window's flow applies it (`flow`), or the flow no longer ran and it was cancelled here (`here`). */
export interface Cancelled {
  window: MaintenanceWindow;
  by: 'flow' | 'here';
}

/** What the API does with maintenance windows: each in the ledger, with the durable flow that opens and closes it. */
export class MaintenanceService {
  constructor(
    private readonly ledger: WindowLedger,
    private readonly temporal: EngineTemporalClient,
  ) {}

  list(query: WindowListQuery): MaintenanceWindow[] {
    if (query.after && !this.ledger.get(query.after)) throw cursorNamesNothing('after', 'maintenance window', query.after);
    return this.ledger.list(query);
  }

  /** The window, then its flow; if Temporal does not confirm the flow, the window is cancelled again. */
  async schedule(by: Actor, platformId: string, body: MaintenanceBody): Promise<MaintenanceWindow> {
    const starts_at = windowTime('body.starts_at', body.starts_at);
    const ends_at = windowTime('body.ends_at', body.ends_at);
    if (ends_at <= starts_at) throw invalidFields([{ field: 'body.ends_at', message: 'must be after body.starts_at' }]);
    if (Date.parse(ends_at) <= Date.now()) throw invalidFields([{ field: 'body.ends_at', message: 'must be in the future' }]);
    const id = newId('mw');
    const workflow_id = workflowIds.maintenance(platformId, id);
    const window = this.ledger.create(by, { id, platform_id: platformId, starts_at, ends_at, workflow_id });
    await startOrUndo(
      () => this.temporal.startMaintenance(workflow_id, platformId, id, starts_at, ends_at),
      () => this.ledger.transition({ actor: 'system', requestId: by.requestId }, id, 'cancelled'),
      'Temporal did not confirm the start of the maintenance workflow; the window was cancelled',
    );
    return window;
  }

  async cancel(by: Actor, id: string): Promise<Cancelled> {
    const window = this.ledger.get(id);
    if (!window) throw notFound.window(id);
    if (window.status === 'completed' || window.status === 'cancelled')
      throw new DomainError('conflict', 'WINDOW_ENDED', `window ${window.id} is already ${window.status}`);
    if (await this.temporal.cancelMaintenance(window.workflow_id)) return { window, by: 'flow' };
    return { window: this.ledger.transition(by, window.id, 'cancelled'), by: 'here' };
  }

  /**
   * At start: windows still to come or under way whose flow Temporal never had (the process died between the row and
   * Temporal) get it started; returns their ids. One an operator terminated stays as it is.
   */
  async restartLostFlows(): Promise<string[]> {
    const restarted: string[] = [];
    for (const w of this.ledger.list({}).filter((w) => w.status === 'scheduled' || w.status === 'active')) {
      const state = await this.temporal.state(w.workflow_id);
      if (state !== 'missing' || !flowLeftBehind(state, w.created_at)) continue;
      await this.temporal.startMaintenance(w.workflow_id, w.platform_id, w.id, w.starts_at, w.ends_at);
      restarted.push(w.id);
    }
    return restarted;
  }
}
