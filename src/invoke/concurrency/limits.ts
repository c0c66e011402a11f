// Lambda's concurrency arithmetic as pure functions over plain data: the unreserved pool, and the rules a
// reservation or a provisioned-concurrency configuration must keep, with AWS's messages. No I/O here.
//
//   account limit = Σ reserved concurrency + unreserved pool
//   unreserved pool = account limit − Σ reserved − Σ provisioned of functions without a reservation
//   a function with a reservation: Σ its provisioned ≤ reserved; its on-demand invokes ≤ reserved − Σ provisioned
//   every function without one shares the unreserved pool, which never drops below its minimum (100)

import { Errors, validationMessage } from '../../errors.js';

/** Lambda keeps at least this much concurrency unreserved (less only when the account limit is lower). */
export const UNRESERVED_MINIMUM = 100;

/** Everything configured, as the rules need it. */
export interface ConcurrencyPicture {
  readonly accountLimit: number;
  /** Function name → ReservedConcurrentExecutions. */
  readonly reserved: ReadonlyMap<string, number>;
  /** Function name → qualifier → RequestedProvisionedConcurrentExecutions. */
  readonly provisioned: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** The minimum unreserved concurrency of an account with this limit (AWS: 100, or the limit if lower). */
export function unreservedMinimum(accountLimit: number): number {
  return Math.min(UNRESERVED_MINIMUM, accountLimit);
}

/** Σ provisioned concurrency of a function, optionally leaving one qualifier out. */
export function provisionedSum(
  p: ConcurrencyPicture,
  functionName: string,
  exceptQualifier?: string,
): number {
  let sum = 0;
  for (const [qualifier, n] of p.provisioned.get(functionName) ?? [])
    if (qualifier !== exceptQualifier) sum += n;
  return sum;
}

/**
 * UnreservedConcurrentExecutions: the account limit less every reservation and the provisioned
 * concurrency of functions without one; `except` leaves one function out (to test a change to it).
 */
export function unreservedConcurrency(p: ConcurrencyPicture, except?: string): number {
  let taken = 0;
  for (const [name, r] of p.reserved) if (name !== except) taken += r;
  for (const name of p.provisioned.keys()) {
    if (name !== except && !p.reserved.has(name)) taken += provisionedSum(p, name);
  }
  return p.accountLimit - taken;
}

/** PutFunctionConcurrency's rules; throws AWS's error when `reserved` breaks one. */
export function checkReservation(p: ConcurrencyPicture, functionName: string, reserved: number): void {
  if (!Number.isInteger(reserved) || reserved < 0) {
    throw Errors.validation(
      validationMessage([
        {
          value: reserved,
          field: 'reservedConcurrentExecutions',
          constraint: 'Member must have value greater than or equal to 0',
        },
      ]),
    );
  }
  const minimum = unreservedMinimum(p.accountLimit);
  if (unreservedConcurrency(p, functionName) - reserved < minimum) {
    throw Errors.invalidParameterValue(
      `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`,
    );
  }
  const provisioned = provisionedSum(p, functionName);
  if (reserved < provisioned) {
    throw Errors.invalidParameterValue(
      `Specified ReservedConcurrentExecutions for function is less than the function's provisioned concurrency [${provisioned}].`,
    );
  }
}

/** PutProvisionedConcurrencyConfig's rules; throws AWS's error when `requested` breaks one. */
export function checkProvisioned(
  p: ConcurrencyPicture,
  functionName: string,
  qualifier: string,
  requested: number,
): void {
  if (!Number.isInteger(requested) || requested < 1) {
    throw Errors.validation(
      validationMessage([
        {
          value: requested,
          field: 'provisionedConcurrentExecutions',
          constraint: 'Member must have value greater than or equal to 1',
        },
      ]),
    );
  }
  const others = provisionedSum(p, functionName, qualifier);
  const reserved = p.reserved.get(functionName);
  if (reserved !== undefined) {
    if (reserved < others + requested) {
      throw Errors.invalidParameterValue(
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
      );
    }
    return;
  }
  // Without a reservation, provisioned concurrency comes out of the unreserved pool.
  const available = unreservedConcurrency(p, functionName) - others;
  if (requested > available) {
    throw Errors.invalidParameterValue(
      `Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${available}].`,
    );
  }
  const minimum = unreservedMinimum(p.accountLimit);
  if (available - requested < minimum) {
    throw Errors.invalidParameterValue(
      `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`,
    );
  }
}
