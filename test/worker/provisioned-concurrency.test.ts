// Provisioned environments in the worker, with real processes: initialised ahead of demand, kept past the
// keep-alive period, never evicted for room, scaled down and removed on request.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InvocationOutcome } from '../../src/worker/index.js';
import { type Harness, createHarness, json, sleep } from './harness.js';

function ran(o: InvocationOutcome) {
  if (o.kind === 'platform-error') assert.fail(o.error.message);
  return o;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  assert.fail(`never: ${what}`);
}

describe('worker: provisioned concurrency', () => {
  let h: Harness;
  before(() => {
    // A short keep-alive and room for exactly three 128 MB environments.
    h = createHarness({ keepAliveMs: 100, memoryBudgetMb: 384 });
  });
  after(() => h.close());

  it('keeps provisioned environments past keep-alive and out of eviction', async () => {
    const spec = h.spec('worker-behaviours', { version: '1' });
    h.worker.provision('p:1', { spec, count: 2, generation: 'a' });
    assert.equal(h.worker.provisioned('p:1')?.status, 'IN_PROGRESS');
    await until(() => h.worker.provisioned('p:1')?.status === 'READY', 'READY');
    assert.deepEqual(h.worker.provisioned('p:1'), {
      requested: 2,
      allocated: 2,
      available: 2,
      status: 'READY',
    });

    await sleep(400); // well past keep-alive
    assert.equal(h.worker.provisioned('p:1')?.allocated, 2);
    const warm = ran(await h.worker.run(h.invocation(spec, { env: true })));
    assert.equal(warm.metrics.initDurationMs, undefined);
    assert.equal(json(warm.payload).AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');

    // Another function fills the last 128 MB; a further one finds no room (provisioned ones stay).
    const other = h.spec('worker-behaviours');
    ran(await h.worker.run(h.invocation(other, { sleep: 300 })));
    const busy = h.worker.run(h.invocation(h.spec('worker-behaviours'), { sleep: 300 }));
    const refused = await h.worker.run(h.invocation(h.spec('worker-behaviours'), { echo: 1 }));
    assert.equal(refused.kind, 'platform-error');
    assert.equal(h.worker.provisioned('p:1')?.allocated, 2, 'never evicted for room');
    await busy;
  });

  it('scales down and ends everything when removed', async () => {
    await until(() => h.worker.stats().environments === 2, 'only the provisioned environments remain');
    h.worker.provision('p:1', {
      spec: h.spec('worker-behaviours', { functionName: 'p', version: '1' }),
      count: 1,
      generation: 'b',
    });
    // A new version for the same key: the old environments end, one new one initialises.
    await until(() => h.worker.provisioned('p:1')?.status === 'READY', 'READY again');
    await until(() => h.worker.stats().environments === 1, 'scaled to one');
    h.worker.provision('p:1', undefined);
    assert.equal(h.worker.provisioned('p:1'), undefined);
    await until(() => h.worker.stats().environments === 0, 'all ended');
  });
});
