import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventInvocationOutcome } from '../../../src/invoke/async/model.js';
import {
  LAMBDA_RETRY_SETTINGS,
  decide,
  isExpired,
  throttleDelay,
} from '../../../src/invoke/async/retry-policy.js';

const fnError: EventInvocationOutcome = {
  kind: 'function-error',
  payload: Buffer.from('{}'),
  functionError: 'Unhandled',
  executedVersion: '$LATEST',
};
const throttled: EventInvocationOutcome = { kind: 'throttled', message: 'Rate Exceeded.' };
const config = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600 };

describe('async retry policy', () => {
  it('retries a function error after ~1 minute, then ~2 minutes, then gives up (RetriesExhausted)', () => {
    const t0 = 1_000_000;
    const first = decide(
      { receivedAt: t0, failures: 0, throttles: 0 },
      fnError,
      config,
      LAMBDA_RETRY_SETTINGS,
      t0,
    );
    assert.deepEqual(first, { action: 'retry', at: t0 + 60_000, failures: 1, throttles: 0 });
    const second = decide(
      { receivedAt: t0, failures: 1, throttles: 0 },
      fnError,
      config,
      LAMBDA_RETRY_SETTINGS,
      t0 + 60_000,
    );
    assert.deepEqual(second, { action: 'retry', at: t0 + 180_000, failures: 2, throttles: 0 });
    const third = decide(
      { receivedAt: t0, failures: 2, throttles: 0 },
      fnError,
      config,
      LAMBDA_RETRY_SETTINGS,
      t0 + 180_000,
    );
    assert.deepEqual(third, { action: 'fail', condition: 'RetriesExhausted', failures: 3 });
  });

  it('honours MaximumRetryAttempts 0', () => {
    const d = decide(
      { receivedAt: 0, failures: 0, throttles: 0 },
      fnError,
      { ...config, maximumRetryAttempts: 0 },
      LAMBDA_RETRY_SETTINGS,
      0,
    );
    assert.deepEqual(d, { action: 'fail', condition: 'RetriesExhausted', failures: 1 });
  });

  it('keeps throttled events (backoff 1 s doubling to 5 min, not counted as attempts) until the max age', () => {
    assert.equal(throttleDelay(LAMBDA_RETRY_SETTINGS, 1), 1000);
    assert.equal(throttleDelay(LAMBDA_RETRY_SETTINGS, 4), 8000);
    assert.equal(throttleDelay(LAMBDA_RETRY_SETTINGS, 40), 300_000);
    const d = decide(
      { receivedAt: 0, failures: 1, throttles: 3 },
      throttled,
      config,
      LAMBDA_RETRY_SETTINGS,
      10,
    );
    assert.deepEqual(d, { action: 'retry', at: 10 + 8000, failures: 1, throttles: 4 });
    const late = decide(
      { receivedAt: 0, failures: 0, throttles: 9 },
      throttled,
      { ...config, maximumEventAgeInSeconds: 60 },
      LAMBDA_RETRY_SETTINGS,
      59_000,
    );
    assert.deepEqual(late, { action: 'fail', condition: 'EventAgeExceeded', failures: 0 });
  });

  it('discards with EventAgeExceeded when the retry would start past the maximum age', () => {
    const d = decide(
      { receivedAt: 0, failures: 0, throttles: 0 },
      fnError,
      { ...config, maximumEventAgeInSeconds: 60 },
      LAMBDA_RETRY_SETTINGS,
      1000,
    );
    assert.deepEqual(d, { action: 'fail', condition: 'EventAgeExceeded', failures: 1 });
    assert.equal(
      isExpired(
        { receivedAt: 0, failures: 0, throttles: 0 },
        { ...config, maximumEventAgeInSeconds: 60 },
        60_001,
      ),
      true,
    );
    assert.equal(
      isExpired(
        { receivedAt: 0, failures: 0, throttles: 0 },
        { ...config, maximumEventAgeInSeconds: 60 },
        60_000,
      ),
      false,
    );
  });

  it('drops events whose function is gone and completes successes', () => {
    assert.equal(
      decide(
        { receivedAt: 0, failures: 0, throttles: 0 },
        { kind: 'not-found', message: 'gone' },
        config,
        LAMBDA_RETRY_SETTINGS,
        0,
      ).action,
      'drop',
    );
    assert.equal(
      decide(
        { receivedAt: 0, failures: 2, throttles: 0 },
        { kind: 'success', payload: Buffer.from('1'), executedVersion: '1' },
        config,
        LAMBDA_RETRY_SETTINGS,
        0,
      ).action,
      'succeed',
    );
  });
});
