// The worker: runs invocations on execution environments it keeps per function version and revision.
// Its boundary is a message interface (DESIGN §7): run(invocation) → outcome, drain, shutdown, stats.
// It places warm invocations on the most recently used idle environment, starts new environments for
// concurrent ones, keeps the sum of MemorySize of live environments under the host budget by evicting
// idle ones least-recently-used first, and answers 429 when nothing can make room (DESIGN §5).

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionVersionSpec } from '../control/model.js';
import { Errors, type LambdaServiceError } from '../errors.js';
import type { RuntimeApi } from '../runtime-api/index.js';
import type { SandboxDriver } from '../sandbox/index.js';
import type { FunctionLogs } from '../telemetry/logs.js';
import { EnvironmentPool } from './environment-pool.js';
import type { EnvironmentState } from './environment-state.js';
import { type EnvironmentContext, ExecutionEnvironment } from './execution-environment.js';
import type { ExecutionRoleCredentials } from './guest-environment.js';
import type { Invocation } from './invocation.js';
import type { InvocationOutcome } from './outcome.js';
import { makeRoom } from './placement.js';
import { PrewarmedRuntimes, type RuntimeFamily } from './prewarmed-runtimes.js';
import {
  type ProvisionedAllocation,
  ProvisionedConcurrency,
  type ProvisionedTarget,
} from './provisioned-concurrency.js';
import { StartQueue, defaultConcurrentStarts } from './start-queue.js';

export interface WorkerOptions {
  readonly driver: SandboxDriver;
  readonly runtimeApi: RuntimeApi;
  readonly logs: FunctionLogs;
  readonly region: string;
  /** config.memoryBudgetMb: the sum of MemorySize of live environments stays under it. */
  readonly memoryBudgetMb: number;
  /** config.keepAliveMs: idle environments are shut down after this long. */
  readonly keepAliveMs: number;
  /** Host directory of the guest runtimes; default <package root>/dist/runtimes. */
  readonly runtimeDir?: string;
  /** Directory for Unix-socket Runtime API endpoints (drivers with the 'unix' transport); default under tmpdir. */
  readonly socketDir?: string;
  /** Execution-role credentials the guest sees (AWS_ACCESS_KEY_ID, ...); placeholders by default. */
  readonly credentials?: ExecutionRoleCredentials;
  /** Lambda limits init to 10 s. */
  readonly initTimeoutMs?: number;
  /** An idle environment is frozen after this grace period (so back-to-back invokes skip freeze/thaw). */
  readonly freezeAfterMs?: number;
  /** How long extensions subscribed to SHUTDOWN get before their environment is killed. */
  readonly shutdownGraceMs?: number;
  /** Receives errors the worker survives (log them). */
  readonly onError?: (err: unknown, context: string) => void;
  /**
   * config.prewarmPerRuntime: runtimes kept started per language (Node.js, Python) for cold starts to
   * specialise (prewarmed-runtimes.ts); 0 or absent disables them. Used by drivers that re-root the
   * filesystem (the guest's /var/task is a directory the worker fills).
   */
  readonly prewarmPerRuntime?: number;
  /** Directory for pre-warmed environments' /var/task and /opt: on the code's filesystem (hard links). */
  readonly prewarmDir?: string;
  /**
   * How many environments start at once (start-queue.ts); more wait for a place, in order. Default: two
   * per core.
   */
  readonly concurrentStarts?: number;
}

export interface WorkerStats {
  readonly environments: number;
  readonly memoryInUseMb: number;
  readonly memoryBudgetMb: number;
  readonly byState: Readonly<Record<EnvironmentState, number>>;
  /** Environments starting now (at most concurrentStarts) and waiting for a place to start. */
  readonly starts: { readonly starting: number; readonly waiting: number };
  /** Pre-warmed runtimes waiting (ready) or being started, per language; absent when they are off. */
  readonly prewarmed?: Readonly<Record<RuntimeFamily, { readonly ready: number; readonly starting: number }>>;
}

export interface Worker {
  /** Runs one invocation; never rejects: every failure is an outcome. */
  run(invocation: Invocation): Promise<InvocationOutcome>;
  /**
   * Ends the environments of a function (or one of its versions): idle ones now, busy ones after their
   * invocation. Resolves when the idle ones are gone.
   */
  drain(functionArn: string, version?: string): Promise<void>;
  /** Ends every environment (in-flight invocations fail) and refuses new invocations. */
  shutdown(): Promise<void>;
  /**
   * Provisioned concurrency: keeps `target.count` environments of `target.spec` initialised, warm and
   * replaced when they die, under `key` (one per configuration); undefined ends them.
   */
  provision(key: string, target: ProvisionedTarget | undefined): void;
  /** What a provisioned-concurrency configuration has now; undefined when nothing is provisioned. */
  provisioned(key: string): ProvisionedAllocation | undefined;
  stats(): WorkerStats;
}

/** <package root>/dist/runtimes, from src/worker (tsx) or dist/worker (compiled) alike. */
export const DEFAULT_RUNTIME_DIR = fileURLToPath(new URL('../../dist/runtimes', import.meta.url));

const PLACEHOLDER_CREDENTIALS: ExecutionRoleCredentials = {
  accessKeyId: 'ASIAKINDLINGEXECROLE',
  secretAccessKey: 'kindling/execution/role/placeholder/secret',
  sessionToken: 'kindling-execution-role-session-token',
};

export function createWorker(options: WorkerOptions): Worker {
  return new ExecutionWorker(options);
}

class ExecutionWorker implements Worker {
  private readonly ctx: EnvironmentContext;
  /** functionArn → version → the pool of its current revision. */
  private readonly pools = new Map<string, Map<string, EnvironmentPool>>();
  private readonly live = new Set<ExecutionEnvironment>();
  private inUseMb = 0;
  private closed = false;
  private readonly provisionedConcurrency: ProvisionedConcurrency;
  private readonly starts: StartQueue;

  constructor(private readonly options: WorkerOptions) {
    const socketDir = options.socketDir ?? join(tmpdir(), `kindling-runtime-api-${process.pid}`);
    const starts = new StartQueue(options.concurrentStarts ?? defaultConcurrentStarts());
    this.starts = starts;
    if (options.driver.capabilities.runtimeApiTransport === 'unix') mkdirSync(socketDir, { recursive: true });
    this.ctx = {
      driver: options.driver,
      runtimeApi: options.runtimeApi,
      logs: options.logs,
      runtimeDir: options.runtimeDir ?? DEFAULT_RUNTIME_DIR,
      socketDir,
      region: options.region,
      credentials: options.credentials ?? PLACEHOLDER_CREDENTIALS,
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
      freezeAfterMs: options.freezeAfterMs ?? 50,
      keepAliveMs: options.keepAliveMs,
      shutdownGraceMs: options.shutdownGraceMs ?? 2_000,
      onError: options.onError ?? (() => undefined),
      prewarmed: this.prewarmedRuntimes(options, socketDir, starts),
      starts,
    };
    this.ctx.prewarmed?.start();
    this.provisionedConcurrency = new ProvisionedConcurrency(
      (spec, onTransition) => this.startProvisioned(spec, onTransition),
      this.ctx.onError,
    );
  }

  private prewarmedRuntimes(
    options: WorkerOptions,
    socketDir: string,
    starts: StartQueue,
  ): PrewarmedRuntimes | undefined {
    const perRuntime = options.prewarmPerRuntime ?? 0;
    const { driver, runtimeApi } = options;
    if (perRuntime <= 0 || !driver.capabilities.filesystemIsolation || runtimeApi.openPrewarmed === undefined)
      return undefined;
    return new PrewarmedRuntimes({
      driver,
      runtimeApi,
      runtimeDir: options.runtimeDir ?? DEFAULT_RUNTIME_DIR,
      socketDir,
      slotsDir: options.prewarmDir ?? join(socketDir, '..', 'prewarmed'),
      perRuntime,
      // A burst of cold starts takes the waiting runtimes first; refilling waits until the burst is over,
      // rather than taking cores from the environments being started for it.
      deferRefill: () => starts.pending > 0,
      onError: options.onError ?? (() => undefined),
    });
  }

  run(inv: Invocation): Promise<InvocationOutcome> {
    if (this.closed) return refuse(inv, Errors.service('The worker is shutting down.'));
    const pool = this.poolFor(inv.spec);
    const warm = pool.takeWarm();
    if (warm !== undefined) return warm.invoke(inv);
    return this.coldStart(pool, inv);
  }

  private coldStart(pool: EnvironmentPool, inv: Invocation): Promise<InvocationOutcome> {
    if (!this.makeRoomFor(inv.spec.memorySize)) {
      return refuse(
        inv,
        Errors.tooManyRequests('Rate Exceeded.', { extra: { Reason: 'ConcurrentInvocationLimitExceeded' } }),
      );
    }
    const env = new ExecutionEnvironment(inv.spec, this.ctx, pool.onTransition);
    this.admit(pool, env);
    return env.boot(inv);
  }

  /** Room for a new environment under the memory budget, evicting idle ones if needed; false if none. */
  private makeRoomFor(memoryMb: number): boolean {
    // The common case needs no look at the environments (and no copy of them).
    if (this.inUseMb + memoryMb <= this.options.memoryBudgetMb) return true;
    const room = makeRoom({
      memoryMb,
      inUseMb: this.inUseMb,
      budgetMb: this.options.memoryBudgetMb,
      // Provisioned environments are never evicted for room (they are what was paid for).
      environments: [...this.live]
        .filter((e) => !e.provisioned)
        .map((e) => ({ id: e.id, memoryMb: e.memoryMb, state: e.state, idleSince: e.idleSince })),
    });
    if (room.kind === 'full') return false;
    if (room.kind === 'evict') {
      const victims = new Set(room.victims);
      for (const env of this.live) if (victims.has(env.id)) void env.end('evict');
    }
    return true;
  }

  private admit(pool: EnvironmentPool, env: ExecutionEnvironment): void {
    pool.add(env);
    this.live.add(env);
    this.inUseMb += env.memoryMb;
  }

  /** A provisioned environment in the version's pool, so that warm invokes find it. */
  private startProvisioned(
    spec: FunctionVersionSpec,
    onTransition: (env: ExecutionEnvironment, from: EnvironmentState, to: EnvironmentState) => void,
  ): ExecutionEnvironment | { readonly refused: string } {
    if (this.closed) return { refused: 'the worker is shutting down' };
    if (!this.makeRoomFor(spec.memorySize)) {
      return {
        refused: `INSUFFICIENT_CAPACITY (no room for ${spec.memorySize} MB under the host memory budget)`,
      };
    }
    const pool = this.poolFor(spec);
    const env = new ExecutionEnvironment(
      spec,
      this.ctx,
      (e, from, to) => {
        pool.onTransition(e, from, to);
        onTransition(e, from, to);
      },
      'provisioned-concurrency',
    );
    this.admit(pool, env);
    return env;
  }

  provision(key: string, target: ProvisionedTarget | undefined): void {
    if (this.closed) return;
    this.provisionedConcurrency.set(key, target);
  }

  provisioned(key: string): ProvisionedAllocation | undefined {
    return this.provisionedConcurrency.allocation(key);
  }

  private poolFor(spec: FunctionVersionSpec): EnvironmentPool {
    let versions = this.pools.get(spec.functionArn);
    if (versions === undefined) {
      versions = new Map();
      this.pools.set(spec.functionArn, versions);
    }
    const pool = versions.get(spec.version);
    if (pool !== undefined && pool.revisionId === spec.revisionId) return pool;
    // New code or configuration: the old revision's environments drain, new ones start.
    if (pool !== undefined) this.drainPool(pool);
    const fresh = new EnvironmentPool(spec.functionArn, spec.version, spec.revisionId, (env) =>
      this.ended(env),
    );
    versions.set(spec.version, fresh);
    return fresh;
  }

  private ended(env: ExecutionEnvironment): void {
    if (this.live.delete(env)) this.inUseMb -= env.memoryMb;
  }

  private drainPool(pool: EnvironmentPool): Promise<void> {
    return Promise.all([...pool.environments].map((env) => env.end('drain'))).then(() => undefined);
  }

  drain(functionArn: string, version?: string): Promise<void> {
    const versions = this.pools.get(functionArn);
    if (versions === undefined) return Promise.resolve();
    const pools =
      version === undefined ? [...versions.values()] : [versions.get(version)].filter((p) => p !== undefined);
    for (const pool of pools) versions.delete(pool.version);
    if (versions.size === 0) this.pools.delete(functionArn);
    return Promise.all(pools.map((p) => this.drainPool(p))).then(() => undefined);
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.provisionedConcurrency.stop();
    const prewarmed = this.ctx.prewarmed?.shutdown();
    const envs = [...this.live];
    await Promise.all(envs.map((env) => env.end('shutdown')));
    await Promise.all(envs.map((env) => env.ended));
    await prewarmed;
    await this.options.driver
      .shutdown?.()
      .catch((err) => this.ctx.onError(err, 'shutting the sandbox driver down'));
    this.pools.clear();
  }

  stats(): WorkerStats {
    const byState: Record<EnvironmentState, number> = {
      initializing: 0,
      idle: 0,
      busy: 0,
      frozen: 0,
      draining: 0,
      dead: 0,
    };
    for (const env of this.live) byState[env.state]++;
    return {
      environments: this.live.size,
      memoryInUseMb: this.inUseMb,
      memoryBudgetMb: this.options.memoryBudgetMb,
      byState,
      starts: { starting: this.starts.starting, waiting: this.starts.waitingForPlace },
      ...(this.ctx.prewarmed !== undefined && { prewarmed: this.ctx.prewarmed.counts() }),
    };
  }
}

function refuse(inv: Invocation, error: LambdaServiceError): Promise<InvocationOutcome> {
  return Promise.resolve<InvocationOutcome>({ kind: 'platform-error', requestId: inv.requestId, error });
}
