// Admission as Lambda counts concurrency: provisioned first, then the reservation, then the unreserved pool.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Admission,
  type AdmissionLimits,
  accountOnlyLimits,
  versionKey,
} from '../../../src/invoke/concurrency/admission.js';

function limits(over: Partial<AdmissionLimits>): AdmissionLimits {
  return { ...accountOnlyLimits(10), ...over };
}

describe('Admission', () => {
  it('holds the account limit and frees a slot on release', () => {
    const a = new Admission(accountOnlyLimits(2));
    const one = a.admit('f', '$LATEST');
    const two = a.admit('g', '$LATEST');
    assert.ok(one.admitted && two.admitted);
    assert.deepEqual(a.admit('f', '$LATEST'), {
      admitted: false,
      reason: 'ConcurrentInvocationLimitExceeded',
    });
    one.lease.release();
    one.lease.release(); // a second release is a no-op
    assert.equal(a.inFlight(), 1);
    assert.ok(a.admit('f', '$LATEST').admitted);
    assert.equal(a.admit('h', '$LATEST').admitted, false);
  });

  it('limits a reserved function to its reservation and keeps it out of the unreserved pool', () => {
    const a = new Admission(limits({ reserved: new Map([['r', 1]]), unreservedPool: 1 }));
    assert.ok(a.admit('r', '1').admitted);
    assert.deepEqual(a.admit('r', '1'), {
      admitted: false,
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    // The unreserved pool still has its one slot.
    assert.ok(a.admit('u', '$LATEST').admitted);
    assert.deepEqual(a.admit('v', '$LATEST'), {
      admitted: false,
      reason: 'ConcurrentInvocationLimitExceeded',
    });
  });

  it('throttles everything at reserved 0', () => {
    const a = new Admission(limits({ reserved: new Map([['z', 0]]) }));
    assert.deepEqual(a.admit('z', '$LATEST'), {
      admitted: false,
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });

  it('runs on provisioned concurrency first, then on-demand within reserved − provisioned', () => {
    const a = new Admission(
      limits({
        reserved: new Map([['p', 3]]),
        provisionedByFunction: new Map([['p', 2]]),
        provisionedByVersion: new Map([[versionKey('p', '1'), 2]]),
      }),
    );
    const kinds = [a.admit('p', '1'), a.admit('p', '1'), a.admit('p', '1')].map((d) =>
      d.admitted ? d.lease.kind : d.reason,
    );
    assert.deepEqual(kinds, ['provisioned', 'provisioned', 'on-demand']);
    assert.equal(a.admit('p', '1').admitted, false);
    // Another version has no provisioned concurrency: only on-demand room, which is taken.
    assert.equal(a.admit('p', '2').admitted, false);
  });

  it('releases a lease where it was counted even after the limits change', () => {
    const a = new Admission(limits({ reserved: new Map([['r', 1]]) }));
    const held = a.admit('r', '$LATEST');
    assert.ok(held.admitted);
    a.update(limits({ unreservedPool: 1 }));
    const u = a.admit('r', '$LATEST');
    assert.ok(u.admitted, 'without its reservation r uses the unreserved pool');
    held.lease.release();
    assert.equal(a.admit('x', '$LATEST').admitted, false, 'the pool is still taken by the second lease');
  });
});
