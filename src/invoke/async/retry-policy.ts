// Lambda's retry policy for asynchronous events, as pure functions over plain values (no clock, no I/O):
// - a function error is retried up to MaximumRetryAttempts (0–2) times, after ~1 minute then ~2 minutes;
// - a throttle or a platform fault is retried with exponential backoff (1 s doubling up to 5 minutes), for
//   as long as the event is younger than MaximumEventAgeInSeconds — throttled events wait, never drop;
// - an event older than MaximumEventAgeInSeconds is discarded to the failure destination. A retry that
//   would start after that age is discarded at once rather than held until it expires: the outcome is the
//   same, and the failure destination hears of it sooner.

import type { EventInvocationOutcome, FailureCondition } from './model.js';

export interface RetrySettings {
  /** Delay before the first retry of a function error; the second waits twice as long (Lambda: 60 s). */
  readonly retryBaseMs: number;
  /** First delay after a throttle (Lambda: about 1 s). */
  readonly throttleBaseMs: number;
  /** Longest delay between throttled attempts (Lambda: 5 minutes). */
  readonly throttleMaxMs: number;
}

export const LAMBDA_RETRY_SETTINGS: RetrySettings = {
  retryBaseMs: 60_000,
  throttleBaseMs: 1_000,
  throttleMaxMs: 300_000,
};

export interface RetryState {
  readonly receivedAt: number;
  readonly failures: number;
  readonly throttles: number;
}

export interface EffectiveConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
}

export type EventDecision =
  | { readonly action: 'succeed' }
  | { readonly action: 'retry'; readonly at: number; readonly failures: number; readonly throttles: number }
  | { readonly action: 'fail'; readonly condition: FailureCondition; readonly failures: number }
  | { readonly action: 'drop'; readonly reason: string };

const deadline = (state: RetryState, config: EffectiveConfig) =>
  state.receivedAt + config.maximumEventAgeInSeconds * 1000;

/** Whether an event is too old to run at all. */
export const isExpired = (state: RetryState, config: EffectiveConfig, now: number): boolean =>
  now > deadline(state, config);

/** Delay before retry number `n` (1-based) of a function error. */
export const functionErrorDelay = (settings: RetrySettings, n: number): number =>
  settings.retryBaseMs * 2 ** (n - 1);

/** Delay after throttle number `n` (1-based). */
export const throttleDelay = (settings: RetrySettings, n: number): number =>
  Math.min(settings.throttleMaxMs, settings.throttleBaseMs * 2 ** Math.min(n - 1, 30));

/** What to do with an event after one run. */
export function decide(
  state: RetryState,
  outcome: EventInvocationOutcome,
  config: EffectiveConfig,
  settings: RetrySettings,
  now: number,
): EventDecision {
  switch (outcome.kind) {
    case 'success':
      return { action: 'succeed' };
    case 'not-found':
      return { action: 'drop', reason: outcome.message };
    case 'function-error': {
      const failures = state.failures + 1;
      if (failures > config.maximumRetryAttempts)
        return { action: 'fail', condition: 'RetriesExhausted', failures };
      const at = now + functionErrorDelay(settings, failures);
      if (at > deadline(state, config)) return { action: 'fail', condition: 'EventAgeExceeded', failures };
      return { action: 'retry', at, failures, throttles: state.throttles };
    }
    case 'throttled':
    case 'service-error': {
      const throttles = state.throttles + 1;
      const at = now + throttleDelay(settings, throttles);
      if (at > deadline(state, config))
        return { action: 'fail', condition: 'EventAgeExceeded', failures: state.failures };
      return { action: 'retry', at, failures: state.failures, throttles };
    }
  }
}
