// The invoke service component (invoker.ts).
export { pickCandidate } from './alias-routing.js';
export { decodeClientContext, MAX_CLIENT_CONTEXT_BYTES } from './client-context.js';
export { createInvoker, type InvokeRequest, type Invoker, type InvokerOptions } from './invoker.js';
export {
  type Concurrency,
  concurrencySchema,
  createConcurrency,
  type ProvisionedConcurrencyConfig,
  type Throttle,
  throttleOf,
} from './concurrency/index.js';
