import { binariesStep } from '../binaries.js';
import { imagesStep } from '../images/step.js';
import { runtimePackagesStep } from '../runtime-packages.js';
import { goSdkContentStep } from '../sdk/go-content.js';
import { tsSdkContentStep } from '../sdk/ts-content.js';
import { sourcesStep } from '../sources.js';
import type { Step } from '../step.js';

/** Everything the local engine needs before it starts, in the order each piece needs the ones before it. */
export const buildSteps: readonly Step[] = [sourcesStep, binariesStep, runtimePackagesStep, imagesStep, goSdkContentStep, tsSdkContentStep];
