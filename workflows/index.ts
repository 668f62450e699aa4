export { healthWorkflow } from './health.js';
