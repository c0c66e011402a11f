// The async dispatcher: claims due events with a lease, runs each through the invoke path (so the same
// account and reserved concurrency limits apply as to sync invokes), and applies the retry policy. What an
// outcome leads to — finishing the event and routing its record, or putting it back for later — is one
// transaction, so a crash at any point either re-delivers the event or has fully handled it.

import type { Logger } from 'pino';
import { type FunctionResolver, LATEST, type Partition, qualifiedArn } from '../../control/index.js';
import type { DestinationRouter } from './destinations.js';
import type { EventInvokeConfigs } from './event-invoke-configs.js';
import type { AsyncEventStore } from './event-store.js';
import { invocationRecord } from './invocation-record.js';
import type {
  AsyncEvent,
  EventInvocationOutcome,
  EventInvoker,
  FailureCondition,
  LastResponse,
} from './model.js';
import { decide, isExpired } from './retry-policy.js';
import type { AsyncSettings } from './settings.js';

export interface AsyncDispatcherDeps {
  readonly events: AsyncEventStore;
  readonly configs: EventInvokeConfigs;
  readonly invoker: EventInvoker;
  readonly destinations: DestinationRouter;
  /** For the function's DeadLetterConfig at the time an event fails. */
  readonly resolver: FunctionResolver;
  readonly partition: Partition;
  readonly settings: AsyncSettings;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface DispatcherStats {
  /** Runs started (each attempt of each event). */
  readonly dispatched: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly throttled: number;
  readonly inFlight: number;
}

export class AsyncDispatcher {
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  private running = false;
  private counters = { dispatched: 0, succeeded: 0, failed: 0, retried: 0, throttled: 0 };

  constructor(private readonly deps: AsyncDispatcherDeps) {
    this.now = deps.now ?? Date.now;
    deps.destinations.onEventQueued = () => this.notify();
  }

  /** Starts dispatching. Leases left by a previous run of this process are expired first. */
  start(): void {
    if (this.running) return;
    const expired = this.deps.events.expireAllLeases();
    if (expired > 0)
      this.deps.log.info({ events: expired }, 'async events from a previous run are due again');
    this.running = true;
    this.notify();
  }

  /** Tells the dispatcher an event may be due now (called after an event is accepted). */
  notify(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.pump();
    });
  }

  /** Stops claiming events and waits (up to `graceMs`) for the running ones; unfinished ones stay leased. */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((r) => {
        timeout = setTimeout(r, graceMs);
      }),
    ]);
    clearTimeout(timeout);
  }

  stats(): DispatcherStats {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  private pump(): void {
    if (!this.running) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { maxInFlight, leaseMs, idlePollMs } = this.deps.settings;
    const free = maxInFlight - this.inFlight.size;
    if (free > 0) {
      const now = this.now();
      for (const event of this.deps.events.claim(now, now + leaseMs, free)) {
        const run = this.run(event)
          .catch((err: unknown) =>
            this.deps.log.error({ err, requestId: event.requestId }, 'async event run failed'),
          )
          .finally(() => {
            this.inFlight.delete(run);
            this.notify();
          });
        this.inFlight.add(run);
      }
    }
    if (this.inFlight.size < maxInFlight) {
      const next = this.deps.events.nextDueAt();
      if (next !== undefined) {
        const delay = Math.min(Math.max(0, next - this.now()), idlePollMs);
        this.timer = setTimeout(() => this.pump(), delay);
        this.timer.unref();
      }
    }
  }

  private async run(event: AsyncEvent): Promise<void> {
    const config = this.deps.configs.effective(event.functionName, event.qualifier);
    if (isExpired(event, config, this.now())) {
      this.finishFailed(event, 'EventAgeExceeded', event.lastResponse, event.invokeCount, event.failures);
      return;
    }
    this.counters.dispatched++;
    const outcome = await this.invoke(event);
    const ran = outcome.kind === 'success' || outcome.kind === 'function-error';
    const invokeCount = event.invokeCount + (ran ? 1 : 0);
    const response = lastResponseOf(outcome) ?? event.lastResponse;
    const decision = decide(event, outcome, config, this.deps.settings, this.now());
    switch (decision.action) {
      case 'succeed':
        this.counters.succeeded++;
        this.deps.events.transaction(() => {
          this.deps.events.complete(event.seq);
          if (config.onSuccess !== undefined) {
            this.deps.destinations.deliverRecord(
              config.onSuccess,
              this.record(event, 'Success', invokeCount, response),
            );
          }
        });
        return;
      case 'retry':
        if (ran) this.counters.retried++;
        else this.counters.throttled++;
        this.deps.events.reschedule(event.seq, {
          at: decision.at,
          invokeCount,
          failures: decision.failures,
          throttles: decision.throttles,
          ...(response !== undefined ? { lastResponse: response } : {}),
        });
        return;
      case 'fail':
        this.finishFailed(event, decision.condition, response, invokeCount, decision.failures, outcome);
        return;
      case 'drop':
        this.deps.log.warn({ requestId: event.requestId, reason: decision.reason }, 'async event dropped');
        this.deps.events.complete(event.seq);
        return;
    }
  }

  private async invoke(event: AsyncEvent): Promise<EventInvocationOutcome> {
    try {
      return await this.deps.invoker.invoke({
        functionName: event.functionName,
        ...(event.qualifier !== undefined ? { qualifier: event.qualifier } : {}),
        payload: event.payload,
        requestId: event.requestId,
      });
    } catch (err) {
      this.deps.log.error({ err, requestId: event.requestId }, 'async invoke failed inside the platform');
      return { kind: 'service-error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private finishFailed(
    event: AsyncEvent,
    condition: FailureCondition,
    response: LastResponse | undefined,
    invokeCount: number,
    failures: number,
    outcome?: EventInvocationOutcome,
  ): void {
    this.counters.failed++;
    const config = this.deps.configs.effective(event.functionName, event.qualifier);
    const deadLetterArn = this.deadLetterTarget(event);
    this.deps.events.transaction(() => {
      this.deps.events.complete(event.seq);
      if (config.onFailure !== undefined) {
        this.deps.destinations.deliverRecord(
          config.onFailure,
          this.record(event, condition, invokeCount, response),
        );
      }
      if (deadLetterArn !== undefined) {
        const { code, message } = deadLetterError(response, outcome, condition);
        this.deps.destinations.deliverDeadLetter(deadLetterArn, event, code, message);
      }
    });
    this.deps.log.info({ requestId: event.requestId, condition, failures }, 'async event failed');
  }

  private record(
    event: AsyncEvent,
    condition: 'Success' | FailureCondition,
    invokeCount: number,
    response?: LastResponse,
  ) {
    return invocationRecord({
      requestId: event.requestId,
      qualifiedFunctionArn: qualifiedArn(this.deps.partition, event.functionName, event.qualifier ?? LATEST),
      condition,
      approximateInvokeCount: invokeCount,
      requestPayload: event.payload,
      ...(response !== undefined ? { response } : {}),
      now: this.now(),
    });
  }

  private deadLetterTarget(event: AsyncEvent): string | undefined {
    try {
      const target = this.deps.resolver.resolve(event.functionName, event.qualifier);
      return target.candidates[0]?.spec.deadLetterTargetArn;
    } catch {
      return undefined;
    }
  }
}

function lastResponseOf(outcome: EventInvocationOutcome): LastResponse | undefined {
  if (outcome.kind === 'success')
    return { executedVersion: outcome.executedVersion, payload: outcome.payload };
  if (outcome.kind === 'function-error') {
    return {
      executedVersion: outcome.executedVersion,
      payload: outcome.payload,
      functionError: outcome.functionError,
    };
  }
  return undefined;
}

/** The DLQ's ErrorCode / ErrorMessage: the function's error when it ran (status 200), else the platform's. */
function deadLetterError(
  response: LastResponse | undefined,
  outcome: EventInvocationOutcome | undefined,
  condition: FailureCondition,
): { code: number; message: string } {
  if (response?.functionError !== undefined) {
    const text = response.payload.toString('utf8');
    try {
      const parsed = JSON.parse(text) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') return { code: 200, message: parsed.errorMessage };
    } catch {
      // Not JSON: the payload itself is the message.
    }
    return { code: 200, message: text };
  }
  if (outcome?.kind === 'throttled') return { code: 429, message: outcome.message };
  if (outcome?.kind === 'service-error') return { code: 500, message: outcome.message };
  return {
    code: 429,
    message: condition === 'EventAgeExceeded' ? 'Event age exceeded the maximum' : 'Retries exhausted',
  };
}
