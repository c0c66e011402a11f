// The worker component: execution-environment pools behind a message interface (worker.ts).

export type { EnvironmentEvent, EnvironmentState } from './environment-state.js';
export type { ExecutionRoleCredentials } from './guest-environment.js';
export type { Invocation } from './invocation.js';
export type {
  ProvisionedAllocation,
  ProvisionedStatus,
  ProvisionedTarget,
} from './provisioned-concurrency.js';
export type { EnvironmentErrorCause, InvocationMetrics, InvocationOutcome } from './outcome.js';
export {
  createWorker,
  DEFAULT_RUNTIME_DIR,
  type Worker,
  type WorkerOptions,
  type WorkerStats,
} from './worker.js';
