import type { ActivityOptions } from '@temporalio/workflow';

/**
 * For the engine-control activities. No limit on attempts: a database down for an hour must not lose a grant's
 * expiry or a window's end. A refusal the activity knows to be final comes back non-retryable instead.
 */
export const engineControlActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '1 minute' },
};
