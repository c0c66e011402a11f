// Pre-warmed runtimes on the namespace sandbox, through the worker with real sandboxes, a real Runtime API
// and real function logs: a cold start specialises a waiting runtime, and the function cannot tell (its
// environment, code and layers are exactly those of a fresh start), a waiting runtime serves one function
// only, the pool refills, and functions a waiting runtime cannot serve start as before.

import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FunctionVersionSpec } from '../../src/control/model.js';
import { createRuntimeApi } from '../../src/runtime-api/index.js';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { NamespaceDriver } from '../../src/sandbox/namespace/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteFunctionLogs, logsSchema } from '../../src/telemetry/log-store.js';
import { type InvocationOutcome, type Worker, createWorker } from '../../src/worker/index.js';
import { namespaceUnavailable } from '../sandbox/namespace-harness.js';
import { fixturesDir, json, sleep } from './harness.js';

const skip = await namespaceUnavailable();

interface Setup {
  readonly worker: Worker;
  spec(fixture: string, overrides?: Partial<FunctionVersionSpec>): FunctionVersionSpec;
  run(spec: FunctionVersionSpec): Promise<Extract<InvocationOutcome, { payload: Buffer }>>;
  close(): Promise<void>;
}

const root = mkdtempSync(join(tmpdir(), 'kindling-prewarm-'));
chmodSync(root, 0o755);
let counter = 0;

function layer(): string {
  const dir = join(root, 'layers', 'greeting');
  cpSync(join(fixturesDir, 'layer-greeting'), dir, { recursive: true });
  return dir;
}

function setup(name: string, prewarmPerRuntime: number): Setup {
  const dataDir = join(root, name);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const driver = new NamespaceDriver({ dataDir, hierarchy: cg.hierarchy });
  const db = openDatabase(join(dataDir, 'db'), [logsSchema]);
  const logs = createSqliteFunctionLogs(db);
  const worker = createWorker({
    driver,
    runtimeApi: createRuntimeApi(),
    logs,
    region: 'us-east-1',
    memoryBudgetMb: 8192,
    keepAliveMs: 60_000,
    socketDir: join(dataDir, 'sockets'),
    prewarmPerRuntime,
    prewarmDir: join(dataDir, 'prewarmed'),
    onError: (err, context) => process.stderr.write(`worker error (${context}): ${String(err)}\n`),
  });
  return {
    worker,
    spec(fixture, overrides = {}) {
      const codeDir = join(dataDir, 'code', `${fixture}-${++counter}`);
      cpSync(join(fixturesDir, fixture), codeDir, { recursive: true });
      const functionName = overrides.functionName ?? `prewarm-${counter}`;
      return {
        functionName,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
        version: '$LATEST',
        runtime: 'nodejs20.x',
        handler: 'index.handler',
        memorySize: 128,
        timeout: 10,
        ephemeralStorageSize: 512,
        environment: {},
        architectures: ['x86_64'],
        codeSha256: 'sha',
        codeDir,
        layers: [],
        revisionId: 'rev-1',
        logGroup: `/aws/lambda/${functionName}`,
        logFormat: 'Text',
        ...overrides,
      };
    },
    async run(spec) {
      const outcome = await worker.run({
        requestId: crypto.randomUUID(),
        payload: Buffer.from('{}'),
        invokedFunctionArn: spec.functionArn,
        spec,
        tail: false,
      });
      assert.equal(
        outcome.kind,
        'success',
        outcome.kind === 'platform-error'
          ? outcome.error.message
          : outcome.kind !== 'success'
            ? outcome.payload.toString()
            : '',
      );
      if (outcome.kind !== 'success') throw new Error('unreachable');
      return outcome;
    },
    async close() {
      await worker.shutdown();
      db.close();
    },
  };
}

/** Waits until every pre-warmed runtime of the worker is waiting for its function. */
async function poolFilled(worker: Worker, perRuntime: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = worker.stats().prewarmed;
    if (p !== undefined && p.nodejs.ready === perRuntime && p.python.ready === perRuntime) return;
    if (Date.now() > deadline) throw new Error(`the pool did not fill: ${JSON.stringify(p)}`);
    await sleep(50);
  }
}

/**
 * Runs a cold start once the pool is full and its runtimes have waited a while, and checks from inside that
 * the runtime was running before the invocation (taken from the pool, not started for it).
 */
async function pooledRun(s: Setup, spec: FunctionVersionSpec) {
  await poolFilled(s.worker, 1);
  await sleep(300);
  const started = Date.now();
  const outcome = await s.run(spec);
  const uptime = json(outcome.payload).uptimeMs as number;
  assert.ok(uptime > Date.now() - started, `a pre-warmed runtime (up ${uptime} ms)`);
  return outcome;
}

/** Variables that differ between any two environments of one function. */
const PER_ENVIRONMENT = new Set(['AWS_LAMBDA_LOG_STREAM_NAME', '_X_AMZN_TRACE_ID']);

function comparable(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !PER_ENVIRONMENT.has(k)));
}

describe('pre-warmed runtimes', { skip }, () => {
  let pooled: Setup;
  let fresh: Setup;
  before(async () => {
    pooled = setup('pooled', 1);
    fresh = setup('fresh', 0);
    await poolFilled(pooled.worker, 1);
  });
  after(async () => {
    await pooled?.close();
    await fresh?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('specialises a waiting Node.js runtime: exactly the function’s environment, code and layers', async () => {
    const overrides = {
      functionName: 'same-function',
      environment: { GREETING: 'hi', TZ: 'Europe/Paris' },
      layers: [{ arn: 'arn:aws:lambda:us-east-1:000000000000:layer:greeting:1', dir: layer() }],
    };
    const a = await pooledRun(pooled, pooled.spec('node-prewarm-probe', overrides));
    const started = Date.now();
    const b = await fresh.run(fresh.spec('node-prewarm-probe', overrides));
    const pa = json(a.payload);
    const pb = json(b.payload);
    assert.ok((pb.uptimeMs as number) <= Date.now() - started, 'the fresh start started for its invocation');
    const envA = pa.env as Record<string, string>;
    assert.deepEqual(comparable(envA), comparable(pb.env as Record<string, string>));
    assert.equal(envA._KINDLING_PREWARMED, undefined);
    assert.equal(envA.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.equal(envA.GREETING, 'hi');
    assert.equal(pa.timeZone, 'Europe/Paris', 'the function’s TZ took effect');
    assert.deepEqual(pa.taskFiles, ['index.js']);
    assert.deepEqual(pa.optFiles, ['README.md', 'nodejs', 'python']);
    assert.equal(pa.layerModule, 'hello prewarm from a layer', 'NODE_PATH reaches the layer');
    assert.equal(pa.cwd, '/var/task');
    assert.ok(
      a.metrics.initDurationMs !== undefined && a.metrics.initDurationMs > 0,
      'Init Duration reported',
    );
  });

  it('specialises a waiting Python runtime the same way', async () => {
    await poolFilled(pooled.worker, 1);
    const overrides = {
      functionName: 'same-python',
      runtime: 'python3.12',
      handler: 'lambda_function.lambda_handler',
      environment: { GREETING: 'hi', TZ: 'Asia/Tokyo' },
    };
    const a = json((await pooledRun(pooled, pooled.spec('python-prewarm-probe', overrides))).payload);
    const b = json((await fresh.run(fresh.spec('python-prewarm-probe', overrides))).payload);
    assert.deepEqual(
      comparable(a.env as Record<string, string>),
      comparable(b.env as Record<string, string>),
    );
    assert.deepEqual(a.taskFiles, ['lambda_function.py']);
    assert.equal(a.cwd, '/var/task');
    assert.deepEqual(a.tzname, b.tzname, 'the function’s TZ took effect');
  });

  it('never lets one waiting runtime serve two functions, and refills the pool', async () => {
    const first = pooled.spec('node-prewarm-probe', { environment: { WHO: 'first' } });
    const second = pooled.spec('node-prewarm-probe', { environment: { WHO: 'second' } });
    const a = json((await pooledRun(pooled, first)).payload);
    // The pool refilled after the take, and the second function's cold start takes the new runtime.
    const b = json((await pooledRun(pooled, second)).payload);
    assert.equal((b.env as Record<string, string>).WHO, 'second');
    // The first function's environment is still its own: the second got another runtime.
    const again = json((await pooled.run(first)).payload);
    assert.equal((again.env as Record<string, string>).WHO, 'first');
    assert.deepEqual(again.taskFiles, ['index.js']);
    assert.equal((again.uptimeMs as number) >= (a.uptimeMs as number), true, 'the same environment, warm');
    assert.equal(pooled.worker.stats().environments >= 2, true);
    await poolFilled(pooled.worker, 1);
  });

  it('starts functions a waiting runtime cannot serve as before', async () => {
    await poolFilled(pooled.worker, 1);
    const started = Date.now();
    // NODE_OPTIONS is read when the process starts: it needs a runtime started with it.
    const options = json(
      (
        await pooled.run(
          pooled.spec('node-prewarm-probe', { environment: { NODE_OPTIONS: '--max-old-space-size=100' } }),
        )
      ).payload,
    );
    assert.ok((options.uptimeMs as number) <= Date.now() - started, 'started for its invocation');
    assert.equal((options.env as Record<string, string>).NODE_OPTIONS, '--max-old-space-size=100');
    // A custom runtime has no pre-warmed runtime at all.
    const provided = await pooled.run(
      pooled.spec('provided-echo', { runtime: 'provided.al2023', handler: 'bootstrap' }),
    );
    assert.ok(provided.metrics.initDurationMs !== undefined);
    assert.deepEqual(
      pooled.worker.stats().prewarmed,
      { nodejs: { ready: 1, starting: 0 }, python: { ready: 1, starting: 0 } },
      'the pool was not touched',
    );
  });

  it('runs without a pool when it is disabled', async () => {
    assert.equal(fresh.worker.stats().prewarmed, undefined);
    const o = await fresh.run(fresh.spec('node-echo'));
    assert.ok(o.metrics.initDurationMs !== undefined);
  });
});
