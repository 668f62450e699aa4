/** The schedule of a job, `job-<hex>` for job `job_<hex>`; the runs it starts are `job-<hex>-<scheduled time>`. */
export const jobScheduleId = (jobId: string): string => `job-${jobId.replace(/^job_/, '')}`;

/** A run started without the schedule (run now, once, now), named like the schedule's runs: `job-<hex>-<time>`. */
export const directRunId = (jobId: string, at: Date): string => `${jobScheduleId(jobId)}-${at.toISOString()}`;

/**
 * The daily history purge's schedule and the workflow id prefix of its runs: one per task queue, so control
 * planes sharing a Temporal namespace (or tests) each purge their own database.
 */
export const historyPurgeScheduleId = (taskQueue: string): string => `jobs-history-purge-${taskQueue}`;
