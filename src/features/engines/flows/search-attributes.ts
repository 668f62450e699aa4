import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { flowKey } from '../../../core/temporal/flow-attribute.js';

/** What operators filter engine-control flows by in the Temporal UI, e.g. `BorgEngineId = "eng_…"`. */
export const engineIdKey = defineSearchAttributeKey('BorgEngineId', SearchAttributeType.KEYWORD);
export const platformKey = defineSearchAttributeKey('BorgPlatform', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [engineIdKey, platformKey, flowKey];
