import type { Db } from '../../core/db/database.js';
import { DeviceRepository } from '../../features/devices/repositories/devices.js';
import type { JobDevices, TargetDevice } from '../../features/jobs/ports.js';

// Pages of the device list read to resolve tags, a profile or all; bounds one statement's work.
const PAGE = 1000;

/** Jobs' view of the devices feature, for the worker's activities and the API alike. */
export function jobDevices(db: Db): JobDevices {
  const repository = new DeviceRepository(db);
  const everyPage = (filter: { tag?: string; profile?: string }): TargetDevice[] => {
    const found: TargetDevice[] = [];
    for (let after: string | undefined; ;) {
      const page = repository.list({ ...filter, limit: PAGE, ...(after ? { after } : {}) });
      found.push(...page.map((d) => ({ id: d.id, status: d.status })));
      if (page.length < PAGE) return found;
      after = page.at(-1)!.id;
    }
  };
  return {
    matching(targets) {
      const found = new Map<string, TargetDevice>();
      const add = (devices: TargetDevice[]) => devices.forEach((d) => found.set(d.id, d));
      if (targets.all) add(everyPage({}));
      for (const id of targets.device_ids ?? []) {
        const device = repository.get(id);
        if (device) add([{ id: device.id, status: device.status }]);
      }
      for (const tag of targets.tags ?? []) add(everyPage({ tag }));
      if (targets.profile) add(everyPage({ profile: targets.profile }));
      return [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
