import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What operators filter flows by in the Temporal UI, e.g. `BorgEngineId = "eng_…"`. */
export const engineIdKey = defineSearchAttributeKey('BorgEngineId', SearchAttributeType.KEYWORD);
export const platformKey = defineSearchAttributeKey('BorgPlatform', SearchAttributeType.KEYWORD);
export const flowKey = defineSearchAttributeKey('BorgFlow', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [engineIdKey, platformKey, flowKey];
