import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Which kind of flow a workflow is (`grant-request`, `enrollment`, …): every feature's flows carry it, so the Temporal UI filters by it. */
export const flowKey = defineSearchAttributeKey('BorgFlow', SearchAttributeType.KEYWORD);
