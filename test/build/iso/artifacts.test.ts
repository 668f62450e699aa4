import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { artifactPaths, completedBuild } from '../../../build/iso/artifacts.js';
import { tempDir } from '../../support/stack.js';

describe('completedBuild', () => {
  it('takes a record cut short for no build at all, so the next build starts over rather than failing', () => {
    const out = tempDir('iso-artifacts-');
    const paths = artifactPaths(out, 'borgos-t');
    writeFileSync(paths.iso, 'iso bytes');
    writeFileSync(paths.inputs, JSON.stringify({ tag: 'borgos-t', isoBytes: 9, inputsHash: 'sha256:x' }));
    expect(completedBuild(out, 'borgos-t')).toMatchObject({ inputsHash: 'sha256:x' });
    writeFileSync(paths.inputs, '{"tag": "borgos-t", "isoBy');
    expect(completedBuild(out, 'borgos-t')).toBeUndefined();
    writeFileSync(paths.inputs, 'null');
    expect(completedBuild(out, 'borgos-t')).toBeUndefined();
  });
});
