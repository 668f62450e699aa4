import type { Actor } from '../../../audit/chain.js';
import { nowIso } from '../../../core/crypto/secrets.js';
import type { Db } from '../../../core/db/database.js';
import { MaintenanceRepository } from '../repositories/maintenance.js';
import type { MaintenanceWindow, WindowFilter, WindowStatus } from '../repositories/maintenance.js';
import type { PlatformStatus } from '../repositories/platforms.js';
import type { ChangeLog } from './change-log.js';
import { notFound } from './errors.js';
import type { PlatformService } from './platforms.js';

/**
 * Maintenance windows as rows, each change with its audit entry in one transaction. No Temporal here: the API's
 * MaintenanceService starts and cancels the flows, and the worker's activities move windows through this.
 */
export class WindowLedger {
  private readonly windows: MaintenanceRepository;

  constructor(
    db: Db,
    private readonly changes: ChangeLog,
    private readonly platforms: PlatformService,
  ) {
    this.windows = new MaintenanceRepository(db);
  }

  get(id: string): MaintenanceWindow | undefined {
    return this.windows.get(id);
  }

  list(filter: WindowFilter): MaintenanceWindow[] {
    return this.windows.list(filter);
  }

  create(by: Actor, window: Omit<MaintenanceWindow, 'status' | 'created_at'>): MaintenanceWindow {
    return this.changes.inTxn(() => {
      this.platforms.get(window.platform_id);
      const w: MaintenanceWindow = { ...window, status: 'scheduled', created_at: nowIso() };
      this.windows.insert(w);
      this.changes.record(
        by,
        'maintenance.scheduled',
        { window_id: w.id, starts_at: w.starts_at, ends_at: w.ends_at },
        { platform_id: w.platform_id },
      );
      return w;
    });
  }

  /**
   * Moves a window and its platform together: active → platform in maintenance; completed/cancelled → back
   * to the status it had before the first window began (or that an operator set since), once no other window
   * of that platform is under way. A disabled platform stays disabled throughout.
   */
  transition(by: Actor, id: string, status: Exclude<WindowStatus, 'scheduled'>): MaintenanceWindow {
    return this.changes.inTxn(() => {
      const w = this.windows.get(id);
      if (!w) throw notFound.window(id);
      if (w.status === status || w.status === 'completed' || w.status === 'cancelled') return w;
      const alone = !this.windows.list({ platform: w.platform_id, status: 'active' }).some((o) => o.id !== id);
      let platformStatus: PlatformStatus;
      if (status === 'active') platformStatus = this.platforms.windowBegins(w.platform_id);
      else if (w.status === 'active' && alone) platformStatus = this.platforms.windowsEnd(w.platform_id);
      else platformStatus = this.platforms.get(w.platform_id).status;
      this.windows.setStatus(id, status);
      this.changes.record(by, `maintenance.${status}`, { window_id: id, platform_status: platformStatus }, { platform_id: w.platform_id });
      return { ...w, status };
    });
  }
}
