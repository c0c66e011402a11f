// The concurrency rules and AWS's messages for breaking them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConcurrencyPicture,
  checkProvisioned,
  checkReservation,
  unreservedConcurrency,
} from '../../../src/invoke/concurrency/limits.js';

const picture = (
  reserved: Record<string, number>,
  provisioned: Record<string, Record<string, number>> = {},
  accountLimit = 1000,
): ConcurrencyPicture => ({
  accountLimit,
  reserved: new Map(Object.entries(reserved)),
  provisioned: new Map(Object.entries(provisioned).map(([f, q]) => [f, new Map(Object.entries(q))])),
});

const throwsCode = (fn: () => void, code: string, message?: RegExp) =>
  assert.throws(fn, (err: { code?: string; message: string }) => {
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });

describe('concurrency limits', () => {
  it('computes the unreserved pool from reservations and unreserved provisioned concurrency', () => {
    assert.equal(unreservedConcurrency(picture({ a: 100, b: 50 })), 850);
    // Provisioned concurrency inside a reservation is not counted twice.
    assert.equal(unreservedConcurrency(picture({ a: 100 }, { a: { '1': 60 }, b: { live: 5 } })), 895);
  });

  it('keeps 100 unreserved, not counting the function’s own old reservation', () => {
    const p = picture({ a: 500, b: 300 });
    checkReservation(p, 'a', 600);
    throwsCode(
      () => checkReservation(p, 'a', 601),
      'InvalidParameterValueException',
      /minimum value of \[100\]\.$/,
    );
    throwsCode(() => checkReservation(p, 'c', -1), 'ValidationException');
  });

  it('uses the whole limit as the minimum when the limit is under 100', () => {
    throwsCode(
      () => checkReservation(picture({}, {}, 10), 'a', 1),
      'InvalidParameterValueException',
      /\[10\]/,
    );
  });

  it('refuses a reservation below the function’s provisioned concurrency', () => {
    throwsCode(
      () => checkReservation(picture({}, { a: { '1': 5 } }), 'a', 4),
      'InvalidParameterValueException',
    );
    checkReservation(picture({}, { a: { '1': 5 } }), 'a', 5);
  });

  it('keeps provisioned concurrency within the reservation, or within the unreserved pool', () => {
    const reserved = picture({ a: 3 }, { a: { '1': 2 } });
    checkProvisioned(reserved, 'a', '1', 3);
    throwsCode(
      () => checkProvisioned(reserved, 'a', 'live', 2),
      'InvalidParameterValueException',
      /^Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function$/,
    );
    checkProvisioned(picture({ x: 800 }), 'b', '1', 100);
    throwsCode(
      () => checkProvisioned(picture({ x: 800 }), 'b', '1', 101),
      'InvalidParameterValueException',
      /minimum/,
    );
    throwsCode(() => checkProvisioned(picture({}), 'b', '1', 0), 'ValidationException');
  });
});
