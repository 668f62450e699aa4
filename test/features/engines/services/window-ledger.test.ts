import { describe, expect, it } from 'vitest';
import { ledgersOverNewDatabase } from './over-new-database.js';

describe('WindowLedger.transition', () => {
  const { platforms, windows } = ledgersOverNewDatabase();
  const by = { actor: 'operator:test', requestId: null };
  let n = 0;

  /** A platform in `status`, with a window already scheduled on it; the steps below drive it as its workflow would. */
  function platformWithWindow(status: 'active' | 'maintenance' | 'disabled'): { id: string; window: () => string } {
    n += 1;
    const id = `p${n}`;
    platforms.put(by, id, { name: id, version: '1', status });
    const window = (): string => {
      const w = windows.create(by, {
        id: `mw_${id}_${(n += 1)}`,
        platform_id: id,
        starts_at: '2030-01-01T00:00:00.000Z',
        ends_at: '2030-01-01T01:00:00.000Z',
        workflow_id: 'wf',
      });
      return w.id;
    };
    return { id, window };
  }
  const status = (id: string) => platforms.get(id).status;

  it.each([
    ['active', 'active'],
    ['maintenance', 'maintenance'],
    ['disabled', 'disabled'],
  ] as const)('returns a platform that was %s before its window to %s', (before, after) => {
    const { id, window } = platformWithWindow(before);
    const w = window();
    windows.transition(by, w, 'active');
    expect(status(id)).toBe(before === 'disabled' ? 'disabled' : 'maintenance');
    windows.transition(by, w, 'completed');
    expect(status(id)).toBe(after);
  });

  it('returns to the status it had before the first of overlapping windows, when the last one ends', () => {
    const { id, window } = platformWithWindow('active');
    const [first, second] = [window(), window()];
    windows.transition(by, first, 'active');
    windows.transition(by, second, 'active');
    windows.transition(by, first, 'completed');
    expect(status(id)).toBe('maintenance');
    windows.transition(by, second, 'cancelled');
    expect(status(id)).toBe('active');
  });

  it('keeps maintenance an operator sends while the window runs, though the platform already reads maintenance (issue 20, defect 1)', () => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    windows.transition(by, w, 'active');
    platforms.put(by, id, { name: id, version: '2', status: 'maintenance' });
    windows.transition(by, w, 'completed');
    expect(status(id)).toBe('maintenance');
  });

  it('leaves a platform whose update leaves its status out to the status it returns to', () => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    windows.transition(by, w, 'active');
    platforms.put(by, id, { name: id, version: '2' });
    windows.transition(by, w, 'completed');
    expect(status(id)).toBe('active');
  });

  it('keeps what an operator set during overlapping windows on a platform that was disabled when they began', () => {
    const { id, window } = platformWithWindow('disabled');
    const [first, second] = [window(), window()];
    windows.transition(by, first, 'active');
    platforms.put(by, id, { name: id, version: '2', status: 'maintenance' });
    windows.transition(by, second, 'active');
    windows.transition(by, first, 'completed');
    windows.transition(by, second, 'completed');
    expect(status(id)).toBe('maintenance');
  });

  it.each(['disabled', 'active'] as const)('keeps a status an operator set to %s while the window ran', (set) => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    windows.transition(by, w, 'active');
    platforms.put(by, id, { name: id, version: '2', status: set });
    windows.transition(by, w, 'completed');
    expect(status(id)).toBe(set);
  });

  it('keeps a status an operator set through setStatus while the window ran, even the maintenance it reads', () => {
    const { id, window } = platformWithWindow('active');
    const w = window();
    windows.transition(by, w, 'active');
    platforms.setStatus(by, id, 'maintenance');
    windows.transition(by, w, 'completed');
    expect(status(id)).toBe('maintenance');
  });
});
