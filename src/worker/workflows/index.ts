export { healthWorkflow } from './health.js';
export { grantExpiryWorkflow, grantRequestWorkflow } from '../../features/engines/workflows/grant-request.js';
export { maintenanceWindowWorkflow } from '../../features/engines/workflows/maintenance-window.js';
export { enrollmentWorkflow } from '../../features/devices/workflows/enrollment.js';
export { jobHistoryPurgeWorkflow } from '../../features/jobs/workflows/job-history.js';
export { jobRunWorkflow } from '../../features/jobs/workflows/job-run.js';
