import { JobPayloadRefusedError } from './errors.js';
import type { JobRefusalReason } from './errors.js';
import { verifyJobPayload } from './job-payload.js';
import type { VerifiedJob, VerifyJobOptions } from './job-payload.js';

/** What one `GET /api/agent/work` brought: the jobs to run, and the items refused (already logged). */
export interface WorkBatch {
  jobs: VerifiedJob[];
  refused: RefusedWork[];
}

/** A work item the device will not run. Its ids are the item's own, unsigned: undefined when it had none. */
export interface RefusedWork {
  runId: string | undefined;
  jobId: string | undefined;
  reason: JobRefusalReason;
  message: string;
}

/**
 * Verifies every item of a work reply on its own, so that one bad item costs only itself. An item's payload must
 * verify, and must name the same run and job as the item: a payload signed for one run cannot pose as another.
 */
export function verifyWork(items: readonly unknown[], options: VerifyJobOptions): WorkBatch {
  const batch: WorkBatch = { jobs: [], refused: [] };
  for (const item of items) {
    const { run_id: runId, job_id: jobId, payload } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const ids = { runId: typeof runId === 'string' ? runId : undefined, jobId: typeof jobId === 'string' ? jobId : undefined };
    try {
      const job = verifyJobPayload(payload as string, options);
      if (job.runId !== runId || job.jobId !== jobId) {
        throw new JobPayloadRefusedError(
          'envelope',
          `the item names run ${String(runId)} of job ${String(jobId)}, its payload run ${job.runId} of job ${job.jobId}`,
        );
      }
      batch.jobs.push(job);
    } catch (error) {
      if (!(error instanceof JobPayloadRefusedError)) throw error;
      batch.refused.push({ ...ids, reason: error.reason, message: error.message });
    }
  }
  return batch;
}
