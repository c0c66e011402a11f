// The process sandbox tier (see process-driver.ts).
export { ProcessDriver, type ProcessDriverOptions } from './process-driver.js';
