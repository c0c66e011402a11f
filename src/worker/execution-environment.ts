// One execution environment: a sandbox running a runtime, its Runtime API listener and session, its log
// stream, and its lifecycle, driven by the state machine in environment-state.ts. It runs one invocation
// at a time and turns what happens (a response, an error, a timeout, an exit) into one outcome value.
// It knows nothing of pools: it reports each transition to its owner, which places and evicts.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FunctionVersionSpec } from '../control/model.js';
import { Errors } from '../errors.js';
import type { RuntimeApi, RuntimeApiListener } from '../runtime-api/index.js';
import { MAX_RESPONSE_BYTES } from '../runtime-api/index.js';
import { RuntimeSession, type RuntimeSessionEvents } from '../runtime-api/index.js';
import type { Sandbox, SandboxDriver, SandboxExit } from '../sandbox/index.js';
import type { FunctionLogs } from '../telemetry/logs.js';
import {
  billedDurationMs,
  endLine,
  reportLine,
  startLine,
  timeoutLine,
  timeoutMessage,
} from '../telemetry/report-lines.js';
import {
  type EnvironmentEvent,
  type EnvironmentState,
  isAvailable,
  isBusy,
  transition,
} from './environment-state.js';
import { type ExecutionRoleCredentials, guestEnvironment } from './guest-environment.js';
import type { Invocation } from './invocation.js';
import { launchPlan } from './launch-command.js';
import { EnvironmentLogStream, logStreamName } from './log-stream.js';
import {
  type EnvironmentErrorCause,
  type InvocationOutcome,
  errorDocument,
  responseTooLargeDocument,
  runtimeExitReason,
} from './outcome.js';
import type { PrewarmedRuntime, PrewarmedRuntimes } from './prewarmed-runtimes.js';
import type { StartQueue, StartRelease } from './start-queue.js';

/** What every environment of a worker shares. */
export interface EnvironmentContext {
  readonly driver: SandboxDriver;
  readonly runtimeApi: RuntimeApi;
  readonly logs: FunctionLogs;
  /** Host directory of Kindling's guest runtimes (dist/runtimes). */
  readonly runtimeDir: string;
  /** Where Unix-socket Runtime API endpoints are created, for drivers that need them. */
  readonly socketDir: string;
  readonly region: string;
  readonly credentials: ExecutionRoleCredentials;
  readonly initTimeoutMs: number;
  readonly freezeAfterMs: number;
  readonly keepAliveMs: number;
  /** How long SHUTDOWN subscribers get before the environment is killed. */
  readonly shutdownGraceMs: number;
  readonly onError: (err: unknown, context: string) => void;
  /** Runtimes started ahead of demand that a cold start can specialise (absent: every start is fresh). */
  readonly prewarmed?: PrewarmedRuntimes;
  /** Bounds how many environments start at once (start-queue.ts); absent: no bound. */
  readonly starts?: StartQueue;
}

const MIB = 1024 * 1024;

/** How an environment came to be (AWS_LAMBDA_INITIALIZATION_TYPE). */
export type InitializationType = 'on-demand' | 'provisioned-concurrency';

/**
 * What became of an environment initialised ahead of any invocation (see initialize()): ready, or ended
 * before init completed, with Lambda's error type when init itself failed (not when it was ended).
 */
export type InitResult = { readonly ok: true } | { readonly ok: false; readonly initFailure?: string };

export class ExecutionEnvironment implements RuntimeSessionEvents {
  readonly id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  readonly memoryMb: number;
  state: EnvironmentState = 'initializing';
  /**
   * Provisioned concurrency: initialised before any invocation, never expired for idleness and never
   * evicted for room (the worker leaves it out of eviction).
   */
  readonly provisioned: boolean;
  /** Why init failed (Lambda's error type), once it has. */
  initFailure: string | undefined;
  /** When it last became idle (performance.now()). */
  idleSince = 0;
  private readonly session: RuntimeSession;
  private readonly log: EnvironmentLogStream;
  private readonly timeoutMs: number;
  private readonly createdAt = performance.now();
  /** When init began: after waiting for a place to start or for a pre-warmed runtime, which are not init. */
  private initStartedAt = this.createdAt;
  /** The place this environment holds in the start queue until its init ends. */
  private releaseStart: StartRelease | null = null;
  private sandbox: Sandbox | null = null;
  private listener: RuntimeApiListener | null = null;
  private current: Invocation | null = null;
  private settle: ((outcome: InvocationOutcome) => void) | null = null;
  private invokeStartedAt = 0;
  private initDurationMs: number | undefined;
  private initTimer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private freezeTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private teardown: Promise<void> | null = null;
  /** The pre-warmed runtime this environment was specialised from, if it was. */
  private prewarmed: PrewarmedRuntime | null = null;
  private initWaiter: ((result: InitResult) => void) | null = null;

  /**
   * @param onTransition tells the environment's owner (its pool) of every state change, so the owner
   *   can place and evict without looking inside.
   */
  constructor(
    readonly spec: FunctionVersionSpec,
    private readonly ctx: EnvironmentContext,
    private readonly onTransition: (
      env: ExecutionEnvironment,
      from: EnvironmentState,
      to: EnvironmentState,
    ) => void,
    private readonly initializationType: InitializationType = 'on-demand',
  ) {
    this.provisioned = initializationType === 'provisioned-concurrency';
    this.memoryMb = spec.memorySize;
    this.timeoutMs = spec.timeout * 1000;
    this.session = new RuntimeSession(this, {
      functionName: spec.functionName,
      functionVersion: spec.version,
      handler: spec.handler,
    });
    this.log = new EnvironmentLogStream(
      ctx.logs,
      spec.logGroup,
      logStreamName(spec.version, new Date()),
      (err) => ctx.onError(err, 'appending function logs'),
    );
    this.log.holdsOutput(() => this.sandbox?.flushOutput?.());
  }

  /** Starts the environment for `inv` (a cold start) and runs it once init completes. */
  boot(inv: Invocation): Promise<InvocationOutcome> {
    const outcome = this.hold(inv);
    if (inv.tail) this.log.collectTail();
    this.startOrFail();
    return outcome;
  }

  /**
   * Starts the environment with no invocation waiting (provisioned concurrency): it becomes idle when
   * init completes. Resolves with the result of init; invocations then run on it like on any warm one.
   */
  initialize(): Promise<InitResult> {
    const result = new Promise<InitResult>((resolve) => {
      this.initWaiter = resolve;
    });
    this.startOrFail();
    return result;
  }

  /** Starts the sandbox; a failure to start is an init failure of this environment (Sandbox.Failure). */
  private startOrFail(): void {
    this.start().catch((err) => {
      this.ctx.onError(err, 'starting an execution environment');
      this.initFailed(
        'init',
        'Sandbox.Failure',
        errorDocument('Sandbox.Failure', 'Failed to start the environment'),
      );
    });
  }

  /** Runs `inv` on this warm environment (idle or frozen). */
  invoke(inv: Invocation): Promise<InvocationOutcome> {
    const wasFrozen = this.state === 'frozen';
    this.apply('invoke');
    const outcome = this.hold(inv);
    // Delivery need not wait for the thaw: the invocation waits in the socket until the runtime runs.
    if (wasFrozen) this.sandbox?.thaw().catch((err) => this.ctx.onError(err, 'thawing an environment'));
    this.begin(inv);
    return outcome;
  }

  /** Ends the environment on purpose; a busy one being drained finishes its invocation first. */
  end(
    event: Extract<EnvironmentEvent, 'evict' | 'keep-alive-expired' | 'drain' | 'shutdown'>,
  ): Promise<void> {
    if (this.state === 'dead') return this.teardown ?? Promise.resolve();
    const wasAvailable = isAvailable(this.state);
    this.apply(event);
    if (this.state === 'draining') return Promise.resolve();
    this.abandonInvocation();
    return this.destroy(wasAvailable);
  }

  /** Resolves when the environment's processes and listener are gone. */
  get ended(): Promise<void> {
    return this.teardown ?? Promise.resolve();
  }

  // --- Runtime API events -------------------------------------------------------------------------

  onReady(): void {
    if (this.state !== 'initializing' && this.state !== 'draining') return;
    if (this.initTimer !== null) clearTimeout(this.initTimer);
    this.endStart();
    // INIT ran with boosted CPU (as Lambda's does); invocations run with MemorySize's share.
    this.sandbox?.endInitBoost?.();
    const inv = this.current;
    // Initialised ahead of demand: no invocation pays for init, so none reports an Init Duration.
    if (inv === null) {
      this.apply('initialized');
      if (this.isDead()) void this.destroy(false);
      return;
    }
    this.initDurationMs = performance.now() - this.initStartedAt;
    this.apply('ready');
    this.begin(inv);
  }

  onResponse(requestId: string, body: Buffer): void {
    if (this.current?.requestId !== requestId) return;
    this.complete('success', body, '');
  }

  onError(requestId: string, errorType: string, body: Buffer): void {
    if (this.current?.requestId !== requestId) return;
    this.complete('function-error', body, errorType);
  }

  onResponseTooLarge(requestId: string): void {
    if (this.current?.requestId !== requestId) return;
    this.complete(
      'function-error',
      responseTooLargeDocument(MAX_RESPONSE_BYTES),
      'Function.ResponseSizeTooLarge',
    );
  }

  onInitError(errorType: string, body: Buffer): void {
    // After init an /init/error means nothing (Lambda ignores it too).
    if (this.session.isReady) return;
    const payload = body.length > 0 ? body : errorDocument(errorType, '');
    this.initFailed('init', errorType, payload);
  }

  // --- lifecycle ------------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const { ctx, spec } = this;
    const prewarmed = await ctx.prewarmed?.take(spec);
    if (prewarmed !== undefined) return this.specialise(prewarmed);
    if (ctx.starts !== undefined) {
      this.releaseStart = await ctx.starts.acquire();
      if (this.isDead()) return this.endStart();
    }
    this.initStartedAt = performance.now();
    const transport = ctx.driver.capabilities.runtimeApiTransport;
    this.listener = await ctx.runtimeApi.open(
      this.session,
      transport,
      transport === 'unix' ? join(ctx.socketDir, `${this.id}.sock`) : undefined,
    );
    if (this.isDead()) return void this.listener.close();
    const layout = ctx.driver.layout({
      id: this.id,
      codeDir: spec.codeDir,
      runtimeDir: ctx.runtimeDir,
      runtimeApi: this.listener.endpoint,
    });
    const plan = await launchPlan(spec, layout);
    if (!plan.ok)
      return this.initFailed('init', plan.errorType, errorDocument(plan.errorType, plan.errorMessage));
    const env = guestEnvironment({
      spec,
      layout,
      region: ctx.region,
      credentials: ctx.credentials,
      logStreamName: this.log.stream,
      hostExecutables: plan.hostExecutables,
      initializationType: this.initializationType,
    });
    this.initTimer = setTimeout(() => this.onInitTimeout(), ctx.initTimeoutMs);
    const sandbox = await ctx.driver.start({
      id: this.id,
      codeDir: spec.codeDir,
      layerDirs: spec.layers.map((l) => l.dir),
      runtimeDir: ctx.runtimeDir,
      hostExecutables: plan.hostExecutables,
      command: plan.command,
      env,
      memoryMb: spec.memorySize,
      ephemeralStorageMb: spec.ephemeralStorageSize,
      runtimeApi: this.listener.endpoint,
      networkEgress: true,
      onOutput: (chunk) => this.log.output(chunk),
      initCpuBoost: true,
    });
    this.sandbox = sandbox;
    sandbox.exited.then(
      (exit) => this.onExit(exit),
      (err) => ctx.onError(err, 'watching an environment'),
    );
    if (this.session.isReady) sandbox.endInitBoost?.();
    // Ended (shut down, init failed) while the sandbox was starting: nothing else will stop it.
    if (this.isDead()) await sandbox.destroy();
  }

  /**
   * A cold start on a pre-warmed runtime (prewarmed-runtimes.ts): the sandbox and runtime are running
   * already; this gives them the function. Init Duration covers the specialisation and the handler load.
   */
  private async specialise(prewarmed: PrewarmedRuntime): Promise<void> {
    const { ctx, spec } = this;
    if (this.isDead()) return prewarmed.destroy();
    this.initStartedAt = performance.now();
    this.prewarmed = prewarmed;
    this.listener = prewarmed.listener;
    this.sandbox = prewarmed.sandbox;
    prewarmed.listener.attach(this.session);
    prewarmed.onOutput((chunk) => this.log.output(chunk));
    prewarmed.sandbox.exited.then(
      (exit) => this.onExit(exit),
      (err) => ctx.onError(err, 'watching an environment'),
    );
    this.initTimer = setTimeout(() => this.onInitTimeout(), ctx.initTimeoutMs);
    const env = guestEnvironment({
      spec,
      layout: prewarmed.layout,
      region: ctx.region,
      credentials: ctx.credentials,
      logStreamName: this.log.stream,
      hostExecutables: prewarmed.hostExecutables,
      initializationType: this.initializationType,
    });
    prewarmed.specialise(spec, env);
  }

  private onInitTimeout(): void {
    this.initTimer = null;
    if (this.session.isReady) return;
    const requestId = this.current?.requestId ?? '';
    const seconds = this.ctx.initTimeoutMs / 1000;
    this.log.line(
      `INIT_REPORT Init Duration: ${(performance.now() - this.initStartedAt).toFixed(2)} ms\tPhase: init\tStatus: timeout`,
    );
    this.initFailed(
      'init',
      'Sandbox.Timedout',
      errorDocument('Sandbox.Timedout', `RequestId: ${requestId} Error: ${timeoutMessage(seconds)}`),
      'init-timeout',
    );
  }

  private onTimeout(): void {
    const inv = this.current;
    if (!isBusy(this.state) || inv === null || !this.session.isReady) return;
    this.log.line(timeoutLine(new Date(), inv.requestId, this.spec.timeout));
    this.session.abandon();
    const message = `RequestId: ${inv.requestId} Error: ${timeoutMessage(this.spec.timeout)}`;
    this.complete(
      'environment-error',
      errorDocument('Sandbox.Timedout', message),
      'Sandbox.Timedout',
      'timeout',
    );
  }

  private onExit(exit: SandboxExit): void {
    if (this.state === 'dead') return;
    if (!this.session.isReady)
      this.initFailure ??= exit.outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
    const inv = this.current;
    if (inv !== null) {
      const errorType = exit.outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
      const payload = errorDocument(
        errorType,
        `RequestId: ${inv.requestId} Error: ${runtimeExitReason(exit)}`,
      );
      if (!this.session.isReady) {
        this.initFailed('init', errorType, payload, 'exit');
      } else {
        this.session.abandon();
        this.complete('environment-error', payload, errorType, exit.outOfMemory ? 'out-of-memory' : 'exit');
      }
      return;
    }
    this.apply('exit');
    void this.destroy(false);
  }

  /** Init failed: the invocation that started this environment gets the init error; the environment ends. */
  private initFailed(
    cause: EnvironmentErrorCause,
    errorType: string,
    payload: Buffer,
    event: EnvironmentEvent = 'init-failed',
  ): void {
    if (this.state === 'dead') return;
    if (this.initTimer !== null) clearTimeout(this.initTimer);
    this.initFailure ??= errorType;
    const inv = this.current;
    if (inv !== null) {
      this.invokeStartedAt = this.initStartedAt;
      this.log.begin(startLine(inv.requestId, this.spec.version), inv.tail);
    }
    this.finish('environment-error', payload, errorType, cause, event);
  }

  /** The current invocation ended with this result. */
  private complete(
    kind: 'success' | 'function-error' | 'environment-error',
    payload: Buffer,
    errorType: string,
    cause: EnvironmentErrorCause = 'exit',
  ): void {
    const event: EnvironmentEvent =
      kind === 'environment-error' ? (cause === 'timeout' ? 'timeout' : 'exit') : 'complete';
    this.finish(kind, payload, errorType, cause, event);
  }

  private finish(
    kind: 'success' | 'function-error' | 'environment-error',
    payload: Buffer,
    errorType: string,
    cause: EnvironmentErrorCause,
    event: EnvironmentEvent,
  ): void {
    const inv = this.current;
    const settle = this.settle;
    this.current = null;
    this.settle = null;
    this.apply(event);
    if (this.state === 'dead') void this.destroy(false);
    if (inv === null || settle === null) return;
    const durationMs = performance.now() - this.invokeStartedAt;
    const initDurationMs = this.initDurationMs;
    this.initDurationMs = undefined;
    const bytes = this.sandbox?.maxMemoryUsedBytes();
    const maxMemoryUsedMb = bytes === undefined ? 0 : Math.max(1, Math.round(bytes / MIB));
    const metrics = {
      durationMs,
      billedDurationMs: billedDurationMs(durationMs),
      memorySizeMb: this.memoryMb,
      maxMemoryUsedMb,
      initDurationMs,
    };
    const base = { requestId: inv.requestId, executedVersion: this.spec.version, metrics };
    const outcome: InvocationOutcome =
      kind === 'success'
        ? { ...base, kind, payload }
        : kind === 'function-error'
          ? { ...base, kind, errorType, payload }
          : { ...base, kind, cause, errorType, payload };
    const report = reportLine({
      requestId: inv.requestId,
      durationMs,
      memorySizeMb: this.memoryMb,
      maxMemoryUsedMb,
      initDurationMs,
    });
    if (inv.tail) {
      this.log.end(endLine(inv.requestId), report, (logTail) => settle({ ...outcome, logTail }));
    } else {
      this.log.end(endLine(inv.requestId), report);
      settle(outcome);
    }
  }

  private hold(inv: Invocation): Promise<InvocationOutcome> {
    this.current = inv;
    return new Promise<InvocationOutcome>((resolve) => {
      this.settle = resolve;
    });
  }

  private begin(inv: Invocation): void {
    this.invokeStartedAt = performance.now();
    this.log.begin(startLine(inv.requestId, this.spec.version), inv.tail);
    // One timer per environment, re-armed per invocation: when it fires while busy, the invocation that
    // re-armed it last (the current one) has run for the whole timeout.
    if (this.timeoutTimer === null)
      this.timeoutTimer = setTimeout(() => this.onTimeout(), this.timeoutMs).unref();
    else this.timeoutTimer.refresh();
    this.session.deliver(inv, Date.now() + this.timeoutMs);
  }

  /** An invocation held by an environment ended on purpose (worker shutdown) gets a platform error. */
  private abandonInvocation(): void {
    const inv = this.current;
    const settle = this.settle;
    this.current = null;
    this.settle = null;
    this.session.abandon();
    if (inv !== null && settle !== null) {
      settle({
        kind: 'platform-error',
        requestId: inv.requestId,
        error: Errors.service('The execution environment was shut down before the invocation completed.'),
      });
    }
  }

  /** A fresh read of the state (it may change while start() awaits). */
  private isDead(): boolean {
    return this.state === 'dead';
  }

  private apply(event: EnvironmentEvent): void {
    const from = this.state;
    const to = transition(from, event);
    this.state = to;
    if (to === 'idle') this.enterIdle();
    if (to === 'dead') this.clearTimers();
    if (this.initWaiter !== null && (to === 'idle' || to === 'dead')) {
      const settle = this.initWaiter;
      this.initWaiter = null;
      const failure = this.initFailure;
      settle(
        to === 'idle'
          ? { ok: true }
          : failure === undefined
            ? { ok: false }
            : { ok: false, initFailure: failure },
      );
    }
    if (from !== to) this.onTransition(this, from, to);
  }

  private enterIdle(): void {
    this.idleSince = performance.now();
    if (this.freezeTimer === null) {
      this.freezeTimer = setTimeout(() => this.onFreezeTimer(), this.ctx.freezeAfterMs).unref();
    } else this.freezeTimer.refresh();
    if (this.provisioned) return;
    if (this.keepAliveTimer === null) {
      this.keepAliveTimer = setTimeout(() => this.onKeepAliveTimer(), this.ctx.keepAliveMs).unref();
    } else this.keepAliveTimer.refresh();
  }

  private onFreezeTimer(): void {
    if (this.state !== 'idle' || this.sandbox === null || !this.ctx.driver.capabilities.freeze) return;
    this.apply('freeze');
    // Nothing waits for the frozen state: asking is enough (and costs no polling) where the driver can.
    try {
      if (this.sandbox.requestFreeze !== undefined) this.sandbox.requestFreeze();
      else this.sandbox.freeze().catch((err) => this.ctx.onError(err, 'freezing an environment'));
    } catch (err) {
      this.ctx.onError(err, 'freezing an environment');
    }
  }

  private onKeepAliveTimer(): void {
    if (!isAvailable(this.state)) return;
    void this.end('keep-alive-expired');
  }

  /** Init is over (or never began): the next environment may start. */
  private endStart(): void {
    const release = this.releaseStart;
    this.releaseStart = null;
    release?.();
  }

  private clearTimers(): void {
    this.endStart();
    for (const t of [this.initTimer, this.timeoutTimer, this.freezeTimer, this.keepAliveTimer]) {
      if (t !== null) clearTimeout(t);
    }
  }

  /** Kills the sandbox and closes the listener; extensions that asked for SHUTDOWN hear of it first. */
  private destroy(graceful: boolean): Promise<void> {
    this.teardown ??= (async () => {
      const sandbox = this.sandbox;
      if (graceful && sandbox !== null && this.session.extensions.hasShutdownSubscribers) {
        await sandbox.thaw().catch(() => undefined);
        await this.session.shutdown('spindown', this.ctx.shutdownGraceMs);
      }
      await sandbox?.destroy().catch((err) => this.ctx.onError(err, 'destroying an environment'));
      await this.listener?.close();
      await this.prewarmed?.release().catch((err) => this.ctx.onError(err, 'removing an environment'));
      this.log.close();
    })();
    return this.teardown;
  }
}
