// Provisioned concurrency inside the worker: for each configuration (a function's version or alias), keeps
// the requested number of environments initialised ahead of demand (AWS_LAMBDA_INITIALIZATION_TYPE
// provisioned-concurrency), warm for as long as the configuration exists, and replaces any that die.
// The worker starts the environments (in the version's pool, so warm invokes find them) and leaves them
// out of keep-alive expiry and eviction; this module only decides how many there should be and reports
// how many there are (GetProvisionedConcurrencyConfig's Allocated / Available / Status).

import type { FunctionVersionSpec } from '../control/model.js';
import type { EnvironmentState } from './environment-state.js';
import type { ExecutionEnvironment } from './execution-environment.js';

/** What one configuration should have. */
export interface ProvisionedTarget {
  /** The version to keep environments of (an alias's configuration resolves to its version). */
  readonly spec: FunctionVersionSpec;
  /** RequestedProvisionedConcurrentExecutions. */
  readonly count: number;
  /**
   * Changes when the configuration is put again (its LastModified): a FAILED configuration tries again
   * only then, as in Lambda.
   */
  readonly generation: string;
}

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

/** What one configuration has, as GetProvisionedConcurrencyConfig reports it. */
export interface ProvisionedAllocation {
  readonly requested: number;
  /** Environments initialised and alive. */
  readonly allocated: number;
  /** Of those, the ones that can take an invocation (Lambda reports these equal once allocated). */
  readonly available: number;
  readonly status: ProvisionedStatus;
  readonly statusReason?: string;
}

/** Starts one provisioned environment; returns why not when it cannot (no room under the budget). */
export type StartProvisioned = (
  spec: FunctionVersionSpec,
  onTransition: (env: ExecutionEnvironment, from: EnvironmentState, to: EnvironmentState) => void,
) => ExecutionEnvironment | { readonly refused: string };

/** How long a dead provisioned environment waits before it is replaced (a crash loop stays slow). */
const REPLACE_DELAY_MS = 100;

interface Allocation {
  target: ProvisionedTarget;
  readonly envs: Set<ExecutionEnvironment>;
  failure: string | undefined;
  /** READY once every requested environment was initialised; replacements do not undo it. */
  reachedReady: boolean;
  replaceTimer: NodeJS.Timeout | null;
}

export class ProvisionedConcurrency {
  private readonly allocations = new Map<string, Allocation>();
  /** Environments ended on purpose (scaled down, re-targeted): their end is not a failure. */
  private readonly retired = new WeakSet<ExecutionEnvironment>();
  private stopped = false;

  constructor(
    private readonly start: StartProvisioned,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  /**
   * Sets what configuration `key` should have; undefined removes it (its environments end, busy ones after
   * their invocation). Idempotent: calling it again with the same target changes nothing.
   */
  set(key: string, target: ProvisionedTarget | undefined): void {
    const current = this.allocations.get(key);
    if (target === undefined || target.count <= 0) {
      if (current !== undefined) this.remove(key, current);
      return;
    }
    if (current === undefined) {
      const fresh: Allocation = {
        target,
        envs: new Set(),
        failure: undefined,
        reachedReady: false,
        replaceTimer: null,
      };
      this.allocations.set(key, fresh);
      this.fill(fresh);
      return;
    }
    const previous = current.target;
    current.target = target;
    if (!sameVersion(previous.spec, target.spec)) {
      // An alias moved to another version (or the version's environments were rebuilt): start over.
      for (const env of current.envs) this.retire(env);
      current.envs.clear();
      current.reachedReady = false;
      current.failure = undefined;
    } else if (previous.generation !== target.generation) {
      current.failure = undefined;
      if (previous.count !== target.count) current.reachedReady = false;
    }
    // Scale down: end the surplus, those not yet initialised first.
    const surplus = current.envs.size - target.count;
    if (surplus > 0) {
      const order = [...current.envs].sort((a, b) => rank(a) - rank(b));
      for (const env of order.slice(0, surplus)) {
        current.envs.delete(env);
        this.retire(env);
      }
    }
    this.fill(current);
  }

  allocation(key: string): ProvisionedAllocation | undefined {
    const a = this.allocations.get(key);
    return a === undefined ? undefined : this.describe(a);
  }

  private describe(a: Allocation): ProvisionedAllocation {
    let allocated = 0;
    for (const env of a.envs) if (env.state !== 'initializing' && env.state !== 'dead') allocated++;
    if (allocated >= a.target.count) a.reachedReady = true;
    const status: ProvisionedStatus =
      a.failure !== undefined ? 'FAILED' : a.reachedReady ? 'READY' : 'IN_PROGRESS';
    return {
      requested: a.target.count,
      allocated,
      available: allocated,
      status,
      ...(a.failure !== undefined ? { statusReason: a.failure } : {}),
    };
  }

  /** Stops replacing environments (the worker is shutting down and ends them all itself). */
  stop(): void {
    this.stopped = true;
    for (const a of this.allocations.values()) if (a.replaceTimer !== null) clearTimeout(a.replaceTimer);
    this.allocations.clear();
  }

  private remove(key: string, a: Allocation): void {
    if (a.replaceTimer !== null) clearTimeout(a.replaceTimer);
    for (const env of a.envs) this.retire(env);
    this.allocations.delete(key);
  }

  private retire(env: ExecutionEnvironment): void {
    this.retired.add(env);
    void env.end('drain');
  }

  /** Starts environments until the target count is reached (unless the configuration failed). */
  private fill(a: Allocation): void {
    if (this.stopped || a.failure !== undefined) return;
    while (a.envs.size < a.target.count) {
      const started = this.start(a.target.spec, (env, _from, to) => this.onTransition(a, env, to));
      if ('refused' in started) {
        a.failure = `Provisioned Concurrency configuration failed to be applied. Reason: ${started.refused}`;
        return;
      }
      a.envs.add(started);
      started.initialize().then(
        () => {
          // Ended on purpose or by a drain before init completed: not a failure of the function.
          if (started.initFailure === undefined || this.retired.has(started) || !this.isCurrent(a)) return;
          a.failure = `Provisioned Concurrency configuration failed to be applied. Reason: FUNCTION_ERROR_INIT_FAILURE (${started.initFailure})`;
        },
        (err: unknown) => this.onError(err, 'initialising a provisioned environment'),
      );
    }
  }

  private isCurrent(a: Allocation): boolean {
    for (const value of this.allocations.values()) if (value === a) return true;
    return false;
  }

  private onTransition(a: Allocation, env: ExecutionEnvironment, to: EnvironmentState): void {
    if (to === 'idle' && !a.reachedReady) this.describe(a);
    if (to !== 'dead') return;
    if (!a.envs.delete(env) || this.retired.has(env) || this.stopped) return;
    // Died before init completed: the init failure is reported (initialize() settles with it); no retry.
    if (env.initFailure !== undefined) return;
    // Died while warm (crash, timeout, out of memory): replace it, as Lambda does.
    if (a.replaceTimer !== null) return;
    a.replaceTimer = setTimeout(() => {
      a.replaceTimer = null;
      if (this.isCurrent(a)) this.fill(a);
    }, REPLACE_DELAY_MS);
    a.replaceTimer.unref();
  }
}

function sameVersion(a: FunctionVersionSpec, b: FunctionVersionSpec): boolean {
  return a.functionArn === b.functionArn && a.version === b.version && a.revisionId === b.revisionId;
}

/** Which environments to end first when scaling down: initialising, then idle, then busy. */
function rank(env: ExecutionEnvironment): number {
  switch (env.state) {
    case 'initializing':
      return 0;
    case 'idle':
    case 'frozen':
      return 1;
    default:
      return 2;
  }
}
