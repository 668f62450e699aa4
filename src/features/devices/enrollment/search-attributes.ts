import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { flowKey } from '../../../core/temporal/flow-attribute.js';

/** What operators find a device's flows by in the Temporal UI, e.g. `BorgDeviceFingerprint = "3f9a…"` or `BorgHostname = "kiosk-7"`. */
export const fingerprintKey = defineSearchAttributeKey('BorgDeviceFingerprint', SearchAttributeType.KEYWORD);
export const hostnameKey = defineSearchAttributeKey('BorgHostname', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [fingerprintKey, hostnameKey, flowKey];
