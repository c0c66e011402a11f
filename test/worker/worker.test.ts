// The worker with real processes: a custom-runtime fixture (test/fixtures/functions/worker-behaviours)
// on the process sandbox, real Runtime API listeners, real SQLite function logs.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { InvocationOutcome } from '../../src/worker/index.js';
import { type Harness, createHarness, json, sleep } from './harness.js';

function ran(o: InvocationOutcome) {
  assert.notEqual(o.kind, 'platform-error', o.kind === 'platform-error' ? o.error.message : '');
  if (o.kind === 'platform-error') throw new Error('unreachable');
  return o;
}

describe('worker', () => {
  let h: Harness;
  before(() => {
    h = createHarness({ freezeAfterMs: 30 });
  });
  after(() => h.close());

  it('runs a cold invoke, then reuses the warm environment', async () => {
    const spec = h.spec('worker-behaviours');
    const first = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    assert.equal(first.kind, 'success');
    assert.equal(first.executedVersion, '$LATEST');
    assert.ok(first.metrics.initDurationMs !== undefined && first.metrics.initDurationMs > 0);
    const second = ran(await h.worker.run(h.invocation(spec, { echo: 2 })));
    assert.equal(second.kind, 'success');
    assert.equal(second.metrics.initDurationMs, undefined, 'no Init Duration on a warm invoke');
    const a = json(first.kind === 'success' ? first.payload : Buffer.alloc(0));
    const b = json(second.kind === 'success' ? second.payload : Buffer.alloc(0));
    assert.equal(a.pid, b.pid, 'same environment');
    assert.deepEqual(b.event, { echo: 2 });
    assert.equal(h.worker.stats().environments, 1);
  });

  it('hands the runtime the /next headers of contract 2.5', async () => {
    const spec = h.spec('worker-behaviours');
    const inv = h.invocation(
      spec,
      { echo: true },
      { clientContext: '{"custom":{"a":"b"}}', traceId: 'Root=1-abc' },
    );
    const before = Date.now();
    const o = ran(await h.worker.run(inv));
    const headers = json(o.payload).headers as Record<string, string>;
    assert.equal(headers['lambda-runtime-aws-request-id'], inv.requestId);
    assert.equal(headers['lambda-runtime-invoked-function-arn'], spec.functionArn);
    assert.equal(headers['lambda-runtime-trace-id'], 'Root=1-abc');
    assert.equal(headers['lambda-runtime-client-context'], '{"custom":{"a":"b"}}');
    assert.equal(headers['lambda-runtime-cognito-identity'], undefined);
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    assert.ok(deadline >= before + 3000 && deadline <= Date.now() + 3000, `deadline ${deadline}`);

    const plain = ran(await h.worker.run(h.invocation(spec, { echo: true })));
    const plainHeaders = json(plain.payload).headers as Record<string, string>;
    assert.equal(plainHeaders['lambda-runtime-client-context'], undefined, 'only when present');
    assert.match(
      plainHeaders['lambda-runtime-trace-id'] ?? '',
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    );
  });

  it('gives the guest exactly the environment of contract 2.6', async () => {
    const spec = h.spec('worker-behaviours', {
      environment: { GREETING: 'hi', TZ: 'Europe/Paris' },
      memorySize: 256,
    });
    const env = json(ran(await h.worker.run(h.invocation(spec, { env: true }))).payload) as Record<
      string,
      string
    >;
    assert.equal(env.GREETING, 'hi');
    assert.equal(env.TZ, 'Europe/Paris', 'TZ is not reserved: the function may set it');
    assert.equal(env._HANDLER, 'index.handler');
    assert.equal(env.LAMBDA_TASK_ROOT, spec.codeDir);
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, spec.functionName);
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
    assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, spec.logGroup);
    assert.match(env.AWS_LAMBDA_LOG_STREAM_NAME ?? '', /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_DEFAULT_REGION, 'us-east-1');
    assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && env.AWS_SESSION_TOKEN);
    assert.match(env.AWS_LAMBDA_RUNTIME_API ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(env.AWS_EXECUTION_ENV, undefined, 'not for provided.*');
    assert.equal(env.LANG, 'en_US.UTF-8');
    assert.equal(env.PWD, spec.codeDir);
    assert.ok(env.PATH?.includes('/usr/bin'));
    assert.ok(env.LD_LIBRARY_PATH?.includes(spec.codeDir));
    assert.equal(env.HOME, undefined, "nothing of the server's environment leaks in");
    assert.equal(env.KINDLING_ACCESS_KEY_ID, undefined);
  });

  it('returns a function error with the posted body', async () => {
    const spec = h.spec('worker-behaviours');
    const o = ran(await h.worker.run(h.invocation(spec, { fail: 'boom' })));
    assert.equal(o.kind, 'function-error');
    assert.equal(o.kind === 'function-error' && o.errorType, 'Function.FixtureError');
    assert.deepEqual(json(o.payload), { errorMessage: 'boom', errorType: 'FixtureError', stackTrace: [] });
    const again = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    assert.equal(again.kind, 'success', 'the environment survives a function error');
  });

  it('times out: Sandbox.Timedout, the timeout line, and a fresh environment next', async () => {
    const spec = h.spec('worker-behaviours', { timeout: 1 });
    const warm = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    const inv = h.invocation(spec, { sleep: 5000 });
    const o = ran(await h.worker.run(inv));
    assert.equal(o.kind, 'environment-error');
    assert.equal(o.kind === 'environment-error' && o.cause, 'timeout');
    assert.equal(
      o.payload.toString(),
      `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${inv.requestId} Error: Task timed out after 1.00 seconds"}`,
    );
    assert.ok(o.metrics.durationMs >= 1000 && o.metrics.durationMs < 1500);
    const next = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    assert.notEqual(json(next.payload).pid, json(warm.payload).pid, 'the timed-out environment was killed');
    assert.ok(next.metrics.initDurationMs !== undefined, 'cold again');
    await sleep(50);
    const lines = h.messages(spec);
    assert.ok(
      lines.some((l) =>
        new RegExp(
          `^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z ${inv.requestId} Task timed out after 1\\.00 seconds$`,
        ).test(l),
      ),
      lines.join('\n'),
    );
  });

  it('reports a runtime exit mid-invoke as Runtime.ExitError', async () => {
    const spec = h.spec('worker-behaviours');
    const inv = h.invocation(spec, { exit: 2 });
    const o = ran(await h.worker.run(inv));
    assert.equal(o.kind, 'environment-error');
    assert.equal(
      o.payload.toString(),
      `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ${inv.requestId} Error: Runtime exited with error: exit status 2"}`,
    );
    const zero = h.invocation(spec, { exit: 0 });
    assert.equal(
      json(ran(await h.worker.run(zero)).payload).errorMessage,
      `RequestId: ${zero.requestId} Error: Runtime exited without providing a reason`,
    );
    const killed = h.invocation(spec, { kill: true });
    assert.equal(
      json(ran(await h.worker.run(killed)).payload).errorMessage,
      `RequestId: ${killed.requestId} Error: Runtime exited with error: signal: killed`,
    );
    assert.equal(ran(await h.worker.run(h.invocation(spec, { echo: 1 }))).kind, 'success');
  });

  it('gives the invoke the init error the runtime posted', async () => {
    const spec = h.spec('worker-behaviours', { environment: { INIT_MODE: 'error' } });
    const o = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    assert.equal(o.kind, 'environment-error');
    assert.equal(o.kind === 'environment-error' && o.cause, 'init');
    assert.equal(o.kind === 'environment-error' && o.errorType, 'Runtime.ImportModuleError');
    assert.equal(json(o.payload).errorType, 'Runtime.ImportModuleError');
  });

  it('reports a runtime that exits during init', async () => {
    const spec = h.spec('worker-behaviours', { environment: { INIT_MODE: 'exit' } });
    const inv = h.invocation(spec, { echo: 1 });
    const o = ran(await h.worker.run(inv));
    assert.equal(
      o.payload.toString(),
      `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ${inv.requestId} Error: Runtime exited with error: exit status 3"}`,
    );
  });

  it('limits init', async () => {
    const local = createHarness({ initTimeoutMs: 300 });
    try {
      const spec = local.spec('worker-behaviours', { environment: { INIT_SLEEP_MS: '5000' } });
      const o = ran(await local.worker.run(local.invocation(spec, { echo: 1 })));
      assert.equal(o.kind, 'environment-error');
      assert.equal(o.kind === 'environment-error' && o.cause, 'init');
      assert.equal(json(o.payload).errorType, 'Sandbox.Timedout');
      assert.equal(local.worker.stats().environments, 0);
    } finally {
      await local.close();
    }
  });

  it('reports a missing bootstrap as Lambda does', async () => {
    const spec = h.spec('worker-behaviours', { codeDir: h.dir });
    const o = ran(await h.worker.run(h.invocation(spec, {})));
    assert.deepEqual(json(o.payload), {
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
    });
  });

  it('refuses a response over 6 MiB + 100 bytes', async () => {
    const spec = h.spec('worker-behaviours');
    const o = ran(await h.worker.run(h.invocation(spec, { big: 6 * 1024 * 1024 + 200 })));
    assert.equal(o.kind, 'function-error');
    assert.equal(
      o.payload.toString(),
      '{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}',
    );
    assert.equal(ran(await h.worker.run(h.invocation(spec, { echo: 1 }))).kind, 'success');
  });

  it('writes START, output, END and REPORT to the log stream, and the tail of exactly one invocation', async () => {
    const spec = h.spec('worker-behaviours', { memorySize: 256 });
    const cold = h.invocation(spec, { log: ['cold line'] }, { tail: true });
    const o1 = ran(await h.worker.run(cold));
    const inv = h.invocation(spec, { log: ['hello', 'world'], stderr: 'oops' }, { tail: true });
    const o2 = ran(await h.worker.run(inv));
    const tail = Buffer.from(o2.logTail ?? '', 'base64').toString();
    const tailLines = tail.split('\n');
    assert.equal(tailLines[0], `START RequestId: ${inv.requestId} Version: $LATEST`);
    assert.ok(tailLines.includes('hello') && tailLines.includes('world') && tailLines.includes('oops'), tail);
    assert.ok(!tail.includes('cold line'), 'only this invocation');
    assert.equal(tailLines.at(-3), `END RequestId: ${inv.requestId}`);
    assert.match(
      tailLines.at(-2) ?? '',
      new RegExp(
        `^REPORT RequestId: ${inv.requestId}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB\\tMax Memory Used: \\d+ MB\\t$`,
      ),
    );
    const coldTail = Buffer.from(o1.logTail ?? '', 'base64').toString();
    assert.match(
      coldTail,
      /Init Duration: \d+\.\d{2} ms\t\n$/,
      'Init Duration last, on the cold invoke only',
    );
    assert.ok(coldTail.includes('init '), 'the cold tail includes init output');
    await sleep(20);
    const lines = h.messages(spec);
    const start = lines.indexOf(`START RequestId: ${inv.requestId} Version: $LATEST`);
    assert.ok(start > 0);
    assert.deepEqual(lines.slice(start + 1, start + 3), ['hello', 'world']);
    assert.ok(lines.indexOf(`END RequestId: ${inv.requestId}`) > start);
    const streams = h.logs.listStreams(spec.logGroup);
    assert.equal(streams.length, 1);
  });

  it('keeps the tail to the last 4 KB', async () => {
    const spec = h.spec('worker-behaviours');
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} ${'y'.repeat(40)}`);
    const o = ran(await h.worker.run(h.invocation(spec, { log: lines }, { tail: true })));
    const tail = Buffer.from(o.logTail ?? '', 'base64');
    assert.equal(tail.length, 4096);
    assert.match(tail.toString(), /REPORT RequestId: .*\t\n$/);
  });

  it('runs concurrent invokes on separate environments and freezes idle ones', async () => {
    const spec = h.spec('worker-behaviours');
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => h.worker.run(h.invocation(spec, { sleep: 200 }))),
    );
    const pids = new Set(outcomes.map((o) => json(ran(o).payload).pid));
    assert.equal(pids.size, 4);
    await sleep(150);
    for (const pid of pids) {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      assert.equal(state, 'T', `environment ${pid} is frozen while idle`);
    }
    const thawed = ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    assert.equal(thawed.kind, 'success');
    assert.ok(pids.has(json(thawed.payload).pid), 'a frozen environment is thawed and reused');
  });

  it('drains environments of an older revision', async () => {
    const spec = h.spec('worker-behaviours');
    const slow = h.worker.run(h.invocation(spec, { sleep: 300 }));
    await sleep(100);
    const v2 = { ...spec, revisionId: 'rev-2' };
    const fresh = ran(await h.worker.run(h.invocation(v2, { echo: 1 })));
    const inFlight = ran(await slow);
    assert.equal(inFlight.kind, 'success', 'in-flight invocations of the old revision finish');
    assert.notEqual(json(fresh.payload).pid, json(inFlight.payload).pid);
    await sleep(100);
    let alive = true;
    try {
      process.kill(json(inFlight.payload).pid as number, 0);
    } catch {
      alive = false;
    }
    assert.equal(alive, false, 'the old environment ends once its invocation is done');
  });

  it('drain() ends a function’s environments', async () => {
    const spec = h.spec('worker-behaviours');
    ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
    const before = h.worker.stats().environments;
    await h.worker.drain(spec.functionArn);
    assert.equal(h.worker.stats().environments, before - 1);
  });
});

describe('worker memory budget and keep-alive', () => {
  it('evicts idle environments least-recently-used first, and answers 429 when nothing can go', async () => {
    const h = createHarness({ memoryBudgetMb: 256 });
    try {
      const a = h.spec('worker-behaviours');
      const b = h.spec('worker-behaviours');
      const c = h.spec('worker-behaviours');
      ran(await h.worker.run(h.invocation(a, { echo: 1 })));
      ran(await h.worker.run(h.invocation(b, { echo: 1 })));
      assert.equal(h.worker.stats().memoryInUseMb, 256);
      // c needs room: a is the least recently used.
      ran(await h.worker.run(h.invocation(c, { echo: 1 })));
      assert.equal(h.worker.stats().memoryInUseMb, 256);
      const bWarm = ran(await h.worker.run(h.invocation(b, { echo: 1 })));
      assert.equal(bWarm.metrics.initDurationMs, undefined, 'b stayed warm');
      // Both environments busy: a third function cannot start.
      const busy = [
        h.worker.run(h.invocation(b, { sleep: 300 })),
        h.worker.run(h.invocation(c, { sleep: 300 })),
      ];
      const refused = await h.worker.run(h.invocation(a, { echo: 1 }));
      assert.equal(refused.kind, 'platform-error');
      assert.equal(refused.kind === 'platform-error' && refused.error.code, 'TooManyRequestsException');
      assert.equal(refused.kind === 'platform-error' && refused.error.status, 429);
      await Promise.all(busy);
    } finally {
      await h.close();
    }
  });

  it('shuts idle environments down after keepAliveMs', async () => {
    const h = createHarness({ keepAliveMs: 150 });
    try {
      const spec = h.spec('worker-behaviours');
      ran(await h.worker.run(h.invocation(spec, { echo: 1 })));
      assert.equal(h.worker.stats().environments, 1);
      await sleep(400);
      assert.equal(h.worker.stats().environments, 0);
      assert.equal(h.worker.stats().memoryInUseMb, 0);
    } finally {
      await h.close();
    }
  });
});
