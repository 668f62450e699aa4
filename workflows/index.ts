export { healthWorkflow } from './health.js';
export { grantExpiryWorkflow, grantRequestWorkflow } from './grant-request.js';
export { maintenanceWindowWorkflow } from './maintenance-window.js';
