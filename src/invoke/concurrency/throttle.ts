// Throttling as callers see it (wire contract 2.3, 2.4): 429 TooManyRequestsException, "Rate Exceeded.",
// the Reason, and a Retry-After header. The async dispatcher reads the same outcome to decide that an
// event waits and is retried rather than failed (throttleOf).

import { Errors, type LambdaServiceError } from '../../errors.js';
import type { InvocationOutcome } from '../../worker/index.js';
import type { ThrottleReason } from './admission.js';

/** Seconds a throttled caller is told to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

export function throttled(reason: ThrottleReason): LambdaServiceError {
  return Errors.tooManyRequests('Rate Exceeded.', {
    extra: { Reason: reason },
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  });
}

export interface Throttle {
  /** TooManyRequestsException.Reason. */
  readonly reason: string;
  readonly retryAfterSeconds: number;
}

/** The throttle an outcome carries, if it is one (for retrying later instead of failing). */
export function throttleOf(outcome: InvocationOutcome): Throttle | undefined {
  if (outcome.kind !== 'platform-error' || outcome.error.code !== 'TooManyRequestsException')
    return undefined;
  const reason = outcome.error.extra.Reason;
  const retryAfter = Number(outcome.error.headers['Retry-After']);
  return {
    reason: typeof reason === 'string' ? reason : 'ConcurrentInvocationLimitExceeded',
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : RETRY_AFTER_SECONDS,
  };
}
