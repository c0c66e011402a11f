// The invoke service: resolves what to run, picks a version by alias weights, admits it under the
// account, reserved and provisioned concurrency limits (concurrency/admission.ts), and asks the worker to
// run it. Synchronous invokes and DryRun live here;
// asynchronous (Event) invokes will be persisted by a durable queue whose dispatcher calls invoke().

import type { FunctionResolver } from '../control/index.js';
import { Errors, LambdaServiceError } from '../errors.js';
import type { InvocationOutcome, Worker } from '../worker/index.js';
import { pickCandidate } from './alias-routing.js';
import { Admission, type Lease, accountOnlyLimits } from './concurrency/admission.js';
import { throttled } from './concurrency/throttle.js';

export interface InvokeRequest {
  /** FunctionName path parameter: name, name:qualifier, partial or full ARN. */
  readonly functionName: string;
  readonly qualifier?: string;
  /** The invocation's request id (the API's x-amzn-RequestId). */
  readonly requestId: string;
  /** The event, already checked to be JSON; passed through untouched. */
  readonly payload: Buffer;
  /** X-Amz-Log-Type: Tail. */
  readonly tail: boolean;
  /** Decoded client context JSON (see client-context.ts). */
  readonly clientContext?: string;
  /** X-Amzn-Trace-Id of the caller, if any. */
  readonly traceId?: string;
}

export interface InvokerOptions {
  readonly resolver: FunctionResolver;
  readonly worker: Worker;
  /**
   * Concurrency admission (reserved and provisioned concurrency, the unreserved pool); without it only
   * the account limit applies.
   */
  readonly admission?: Admission;
  /** Account concurrency limit (config.concurrencyLimit) when no admission is given: beyond it, 429. */
  readonly concurrencyLimit?: number;
  /** Source of draws in [0, 1) for alias weights (Math.random by default). */
  readonly random?: () => number;
}

export interface Invoker {
  /**
   * Runs one invocation and returns its outcome; never rejects. Resolution failures (unknown function,
   * bad qualifier) and throttling are platform-error outcomes carrying the API error.
   */
  invoke(request: InvokeRequest): Promise<InvocationOutcome>;
  /** InvocationType DryRun: checks that the function and qualifier resolve; throws the API error if not. */
  dryRun(functionName: string, qualifier: string | undefined): void;
  /** Invocations running now. */
  inFlight(): number;
}

export function createInvoker(options: InvokerOptions): Invoker {
  const { resolver, worker } = options;
  const admission =
    options.admission ??
    new Admission(accountOnlyLimits(options.concurrencyLimit ?? Number.POSITIVE_INFINITY));
  const random = options.random ?? Math.random;

  return {
    invoke(req) {
      let target: ReturnType<FunctionResolver['resolve']>;
      try {
        target = resolver.resolve(req.functionName, req.qualifier);
      } catch (err) {
        return Promise.resolve(platformError(req.requestId, err));
      }
      const candidates = target.candidates;
      const chosen =
        candidates.length === 1 ? candidates[0] : candidates[pickCandidate(candidates, random())];
      if (chosen === undefined) {
        return Promise.resolve(
          platformError(req.requestId, Errors.service('The function has no version to run.')),
        );
      }
      const admitted = admission.admit(chosen.spec.functionName, chosen.spec.version);
      if (!admitted.admitted)
        return Promise.resolve(platformError(req.requestId, throttled(admitted.reason)));
      return runLeased(admitted.lease, req.requestId, () =>
        worker.run({
          requestId: req.requestId,
          payload: req.payload,
          invokedFunctionArn: target.invokedFunctionArn,
          traceId: req.traceId,
          clientContext: req.clientContext,
          spec: chosen.spec,
          tail: req.tail,
        }),
      );
    },
    dryRun(functionName, qualifier) {
      resolver.resolve(functionName, qualifier);
    },
    inFlight: () => admission.inFlight(),
  };
}

/**
 * Runs an admitted invocation and releases its concurrency lease however it ends: an outcome, a rejection
 * or a synchronous throw from the worker (which would otherwise hold the slot for good).
 */
async function runLeased(
  lease: Lease,
  requestId: string,
  run: () => Promise<InvocationOutcome>,
): Promise<InvocationOutcome> {
  try {
    return await run();
  } catch (err) {
    return platformError(requestId, err);
  } finally {
    lease.release();
  }
}

function platformError(requestId: string, err: unknown): InvocationOutcome {
  const error =
    err instanceof LambdaServiceError
      ? err
      : Errors.service('An internal error occurred while running the invocation.', { cause: err });
  return { kind: 'platform-error', requestId, error };
}
