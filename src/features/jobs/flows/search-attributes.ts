import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { flowKey } from '../../../core/temporal/flow-attribute.js';

/** What operators find a job's schedule and runs by in the Temporal UI, e.g. `BorgJobId = "job_3f9a…"`. */
export const jobIdKey = defineSearchAttributeKey('BorgJobId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [jobIdKey, flowKey];
