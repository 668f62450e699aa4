import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack } from '../../../support/engine-control.js';
import type { Call, EngineCreds, TestStack } from '../../../support/engine-control.js';
import { tempDir } from '../../../support/stack.js';

/** Root outside a locked-down container: the test needs a small disk of its own. */
function canMountTmpfs(): boolean {
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir]);
    return true;
  } catch {
    return false;
  }
}

// The decision journal on a 64 KiB tmpfs: a disk that fills after a few hundred decisions.
describe.skipIf(!canMountTmpfs())("POST /actions/check when the decision journal's disk is full", () => {
  let s: TestStack;
  let engine: EngineCreds;
  let mount: string;

  beforeAll(async () => {
    const dataDir = tempDir();
    mount = join(dataDir, 'journal');
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
    s = await startTestStack(inject('temporalAddress'), undefined, { BORG_DATA_DIR: dataDir });
    engine = await s.registerEngine('mailer');
    expect((await s.putPlatform('gmail')).status).toBe(200);
    expect((await s.grant(engine.id, 'gmail', 'send_email')).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    if (mount) execFileSync('umount', [mount]);
  });

  const checks = (n: number): Promise<Call[]> =>
    Promise.all(
      Array.from({ length: n }, () =>
        s.call('POST', '/actions/check', { engine, body: { engine_id: engine.id, platform: 'gmail', action_type: 'send_email' } }),
      ),
    );

  it('answers 503 to every check it could not record, records every check it answered, and answers again once space is free', async () => {
    const answered: Call[] = [];
    const refused: Call[] = [];
    // 10 at a time, so checks share a journal write and a failed write fails them together.
    for (let round = 0; round < 100 && refused.length === 0; round++) {
      for (const res of await checks(10)) (res.status === 200 ? answered : refused).push(res);
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const res of refused) {
      expect(res).toEqual({
        status: 503,
        body: {
          error: {
            code: 'DECISION_LOG_UNAVAILABLE',
            message: expect.stringMatching(/^the decision could not be recorded, so none was made: ENOSPC/),
          },
        },
      });
    }
    expect(answered.every((res) => res.body.allowed === true)).toBe(true);

    // Moving the full segment into the audit log frees its space, and checks are answered again.
    const deadline = Date.now() + 15_000;
    let after: Call[] = [];
    while (Date.now() < deadline) {
      after = await checks(10);
      if (after.every((res) => res.status === 200)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(after.map((res) => res.status)).toEqual(Array(10).fill(200));

    const logged = await s.call('GET', `/decisions?engine_id=${engine.id}&limit=1000`);
    const ids = new Set((logged.body as { decision_id: string }[]).map((d) => d.decision_id));
    const given = [...answered, ...after].map((res) => res.body.decision_id as string);
    expect(given.filter((id) => !ids.has(id))).toEqual([]);
    const verified = await s.call('GET', '/audit/verify');
    expect(verified.body).toMatchObject({ ok: true });
  });
});
