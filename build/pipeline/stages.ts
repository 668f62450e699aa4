import type { StageName } from './cli.js';
import { imageStage } from './image.js';
import { isoStage } from './iso.js';
import { lintStage } from './lint.js';
import { releaseStage } from './release.js';
import type { Stage } from './stage.js';
import { testStage } from './test.js';

/** The stage matrix of DESIGN.md, in the order `ci` runs it. */
export const stages: Readonly<Record<StageName, Stage>> = {
  lint: lintStage,
  test: testStage,
  iso: isoStage,
  image: imageStage,
  release: releaseStage,
};
