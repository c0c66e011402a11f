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
// What an invoke returns is the worker's one outcome value (STYLE §7); callers of the invoker, such as
// function URLs, read its type here rather than from the worker.
export type { InvocationOutcome } from '../worker/index.js';
