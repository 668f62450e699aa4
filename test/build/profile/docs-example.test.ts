/** The examples users copy must pass the checker they will run them through. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import profileSchema from '../../../build/profiles/schema/profile.schema.json' with { type: 'json' };
import { repoRoot, runTsx } from '../pipeline/run-tsx.js';

const dir = mkdtempSync(join(tmpdir(), 'borg-docs-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as edge-iot.yaml (the name the examples use) and runs the checker on it. */
function checkAsEdgeIot(text: string) {
  const file = join(dir, 'edge-iot.yaml');
  writeFileSync(file, text);
  return runTsx('build/profile/check.ts', [file]);
}

describe('documented profile examples', () => {
  it("docs/iso.md's example profile passes build/profile/check.ts", async () => {
    const docs = readFileSync(join(repoRoot, 'docs/iso.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toContain('ssh_authorized_keys');
    const { code, stderr } = await checkAsEdgeIot(example ?? '');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it("the schema's example key passes, and an elided key is still refused", async () => {
    const description = profileSchema.properties.users.items.properties.ssh_authorized_keys.description;
    const key = /e\.g\. (.+)$/.exec(description)?.[1] ?? '';
    const profile = (k: string) =>
      `profile: edge-iot\ndescription: d\nservices: [ssh]\nusers:\n  - name: ops\n    ssh_authorized_keys: [${JSON.stringify(k)}]\n`;
    expect(await checkAsEdgeIot(profile(key))).toMatchObject({ code: 0, stderr: '' });
    const elided = await checkAsEdgeIot(profile('ssh-ed25519 AAAA... ops@laptop'));
    expect(elided.code).toBe(1);
    expect(elided.stderr).toContain(
      'users[0].ssh_authorized_keys[0]: got "ssh-ed25519 AAAA... ops@laptop"; expected an OpenSSH public key: ssh-ed25519,',
    );
  });
});
