// Concurrency: reserved and provisioned concurrency, the unreserved pool, and admission (429s with AWS's
// Reason). `createConcurrency` builds the service; its settings tables are `concurrencySchema`.

export {
  Admission,
  type AdmissionDecision,
  type AdmissionLimits,
  type Lease,
  type ThrottleReason,
  accountOnlyLimits,
} from './admission.js';
export {
  type AccountConcurrencyFigures,
  type Concurrency,
  type ConcurrencyOptions,
  type ProvisionedConcurrencyConfig,
  createConcurrency,
} from './concurrency-service.js';
export { UNRESERVED_MINIMUM, unreservedMinimum } from './limits.js';
export { concurrencySchema } from './schema.js';
export { RETRY_AFTER_SECONDS, type Throttle, throttled, throttleOf } from './throttle.js';
