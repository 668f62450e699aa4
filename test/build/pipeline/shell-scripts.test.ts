import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findShellScripts } from '../../../build/pipeline/shell-scripts.js';

let root: string;
const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'borg-shell-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('finds scripts by extension and by shell shebang, skipping dependencies and outputs', async () => {
  write('.ci/run', '#!/usr/bin/env bash\nset -e\n');
  write('iso/hooks/01-setup.sh', 'echo hi\n');
  write('iso/hooks/02-live.hook.chroot', '#!/bin/sh\necho live\n');
  write('device/bin/borg-update', '#!/bin/bash\n');
  write('tools/run.bash', 'echo\n');
  write('bin/start.ts', '#!/usr/bin/env -S node --import tsx\n');
  write('scripts/tool.py', '#!/usr/bin/env python3\n');
  write('README', 'plain text\n');
  write('node_modules/pkg/install.sh', 'echo\n');
  write('out/ISO/chroot/etc/init.sh', 'echo\n');
  write('.git/hooks/pre-commit', '#!/bin/sh\n');
  chmodSync(path.join(root, '.ci/run'), 0o755);
  expect(await findShellScripts(root)).toEqual([
    '.ci/run',
    'device/bin/borg-update',
    'iso/hooks/01-setup.sh',
    'iso/hooks/02-live.hook.chroot',
    'tools/run.bash',
  ]);
});
