// The invoke service's concurrency leases: however an invocation ends, including a worker that throws
// instead of answering, its slot of the function's reserved concurrency comes back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FunctionResolver, FunctionVersionSpec } from '../../src/control/model.js';
import { Admission } from '../../src/invoke/concurrency/admission.js';
import { createInvoker } from '../../src/invoke/index.js';
import type { Worker } from '../../src/worker/index.js';
import { type Harness, createHarness } from '../worker/harness.js';

describe('invoker', () => {
  let h: Harness;
  let echo: FunctionVersionSpec;

  before(() => {
    h = createHarness();
    echo = h.spec('worker-behaviours', { functionName: 'reserved-one' });
  });
  after(() => h.close());

  it('gives a failed invocation’s reserved concurrency back', async () => {
    const resolver: FunctionResolver = {
      resolve: () => ({ invokedFunctionArn: echo.functionArn, candidates: [{ spec: echo, weight: 1 }] }),
    };
    // ReservedConcurrentExecutions 1: a leaked slot would throttle every later invoke.
    const admission = new Admission({
      accountLimit: 10,
      reserved: new Map([['reserved-one', 1]]),
      unreservedPool: 9,
      provisionedByFunction: new Map(),
      provisionedByVersion: new Map(),
    });
    const failures: Array<'throw' | 'reject'> = ['throw', 'reject'];
    const worker: Worker = {
      ...h.worker,
      run(inv) {
        const failure = failures.shift();
        if (failure === 'throw') throw new Error('worker failed before answering');
        if (failure === 'reject') return Promise.reject(new Error('worker failed while running'));
        return h.worker.run(inv);
      },
    };
    const invoker = createInvoker({ resolver, worker, admission });
    const invoke = (requestId: string) =>
      invoker.invoke({
        functionName: 'reserved-one',
        requestId,
        payload: Buffer.from('{"a":1}'),
        tail: false,
      });

    for (const requestId of ['req-throw', 'req-reject']) {
      const outcome = await invoke(requestId);
      assert.equal(outcome.kind, 'platform-error');
      assert.equal(outcome.kind === 'platform-error' && outcome.error.code, 'ServiceException');
      assert.equal(outcome.requestId, requestId);
      assert.equal(invoker.inFlight(), 0);
    }
    const ok = await invoke('req-ok');
    assert.equal(ok.kind, 'success', JSON.stringify(ok));
    assert.equal(invoker.inFlight(), 0);
  });
});
