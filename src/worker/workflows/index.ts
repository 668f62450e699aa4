export { healthWorkflow } from './health.js';
export { grantExpiryWorkflow, grantRequestWorkflow } from '../../features/engines/workflows/grant-request.js';
export { maintenanceWindowWorkflow } from '../../features/engines/workflows/maintenance-window.js';
export { enrollmentWorkflow } from '../../features/devices/workflows/enrollment.js';
