// Bounded concurrent starts: the queue itself, and a worker under a burst of cold starts (real processes on
// the process sandbox): every invocation is answered exactly once, never more than the bound start at
// once, and the wait for a place is not part of Init Duration.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { InvocationOutcome } from '../../src/worker/index.js';
import { StartQueue } from '../../src/worker/start-queue.js';
import { type Harness, createHarness, json, sleep } from './harness.js';

function ran(o: InvocationOutcome) {
  assert.notEqual(o.kind, 'platform-error', o.kind === 'platform-error' ? o.error.message : '');
  if (o.kind === 'platform-error') throw new Error('unreachable');
  return o;
}

describe('start queue', () => {
  it('gives places up to its limit, then in order as places are released (twice releasing is once)', async () => {
    const q = new StartQueue(2);
    const a = await q.acquire();
    const b = await q.acquire();
    const order: string[] = [];
    const c = q.acquire().then((r) => {
      order.push('c');
      return r;
    });
    const d = q.acquire().then((r) => {
      order.push('d');
      return r;
    });
    await sleep(5);
    assert.deepEqual(order, []);
    assert.deepEqual([q.starting, q.waitingForPlace, q.pending], [2, 2, 4]);
    a();
    a();
    await sleep(5);
    assert.deepEqual(order, ['c'], 'a second release of the same place frees nothing more');
    b();
    const [rc, rd] = await Promise.all([c, d]);
    assert.deepEqual(order, ['c', 'd']);
    rc();
    rd();
    assert.deepEqual([q.starting, q.waitingForPlace], [0, 0]);
  });

  it('refuses a limit under one', () => {
    assert.throws(() => new StartQueue(0));
  });
});

describe('worker with bounded concurrent starts', () => {
  const harnesses: Harness[] = [];
  after(() => Promise.all(harnesses.map((h) => h.close())));

  it('serves 200 concurrent cold invokes: each answered once, at most the bound starting at once', async () => {
    const limit = 4;
    const h = createHarness({ concurrentStarts: limit, memoryBudgetMb: 200 * 128 });
    harnesses.push(h);
    const spec = h.spec('worker-behaviours');
    let maxStarting = 0;
    let sawWaiting = false;
    const sampler = setInterval(() => {
      const { starts } = h.worker.stats();
      maxStarting = Math.max(maxStarting, starts.starting);
      if (starts.waiting > 0) sawWaiting = true;
    }, 2);
    try {
      const invocations = Array.from({ length: 200 }, (_, i) => h.invocation(spec, { echo: i }));
      const outcomes = await Promise.all(invocations.map((inv) => h.worker.run(inv)));
      for (const [i, o] of outcomes.entries()) {
        const out = ran(o);
        assert.equal(out.kind, 'success');
        assert.equal(out.requestId, invocations[i]?.requestId);
        const body = json(out.payload);
        assert.deepEqual(body.event, { echo: i }, 'each invocation gets its own response');
        assert.equal(body.requestId, invocations[i]?.requestId);
      }
      assert.equal(new Set(outcomes.map((o) => o.requestId)).size, 200, 'no response delivered twice');
    } finally {
      clearInterval(sampler);
    }
    assert.ok(maxStarting <= limit, `${maxStarting} environments started at once (bound ${limit})`);
    assert.ok(sawWaiting, 'the burst queued for places');
    const stats = h.worker.stats();
    assert.deepEqual(stats.starts, { starting: 0, waiting: 0 }, 'every place was released');
    assert.equal(stats.environments, 200);
  });

  it('does not count the wait for a place in Init Duration', async () => {
    const h = createHarness({ concurrentStarts: 1 });
    harnesses.push(h);
    const spec = h.spec('worker-behaviours', { environment: { INIT_SLEEP_MS: '400' } });
    const started = performance.now();
    const timed = async () => {
      const o = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
      return { o, elapsed: performance.now() - started };
    };
    const [a, b] = await Promise.all([timed(), timed()]);
    const later = a.elapsed > b.elapsed ? a : b;
    assert.ok(later.elapsed >= 800, `one start waited for the other (${later.elapsed.toFixed(0)} ms)`);
    for (const { o } of [a, b]) {
      const init = o.metrics.initDurationMs ?? 0;
      assert.ok(init >= 400, `Init Duration ${init} ms covers the init`);
    }
    const init = later.o.metrics.initDurationMs ?? 0;
    assert.ok(init < later.elapsed - 300, `Init Duration ${init.toFixed(0)} ms leaves out the wait`);
  });
});
