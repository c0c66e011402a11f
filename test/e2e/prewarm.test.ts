// Pre-warmed runtimes end to end: a real server (namespace tier) and the AWS SDK. A cold start specialises
// a waiting runtime and the function sees exactly Lambda's environment, Init Duration is reported, and a
// server with the pool disabled cold-starts as before.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  InvokeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';
import { namespaceUnavailable } from '../sandbox/namespace-harness.js';

const skip = await namespaceUnavailable();
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let counter = 0;

async function coldInvoke(lambda: LambdaClient, extra: Partial<CreateFunctionCommandInput> = {}) {
  const name = extra.FunctionName ?? `prewarm-${++counter}`;
  await lambda.send(
    new CreateFunctionCommand({
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: await zipFixture('node-prewarm-probe') },
      Environment: { Variables: { STAGE: 'test' } },
      ...extra,
      FunctionName: name,
    }),
  );
  const started = Date.now();
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: '{}' }));
  const elapsed = Date.now() - started;
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  const body = JSON.parse(Buffer.from(out.Payload ?? []).toString()) as {
    env: Record<string, string>;
    taskFiles: string[];
    uptimeMs: number;
  };
  const tail = Buffer.from(out.LogResult ?? '', 'base64').toString();
  return { name, body, tail, elapsed };
}

async function waitUntilWarm(kindling: KindlingHandle): Promise<void> {
  // The pool fills in the background after start; give it time (a runtime starts in well under a second).
  void kindling;
  await new Promise((r) => setTimeout(r, 1500));
}

describe('pre-warmed runtimes (end to end)', { skip }, () => {
  let pooled: KindlingHandle;
  let unpooled: KindlingHandle;
  before(async () => {
    [pooled, unpooled] = await Promise.all([
      startKindling({ args: ['--sandbox', 'namespace'], env: { KINDLING_PREWARM_PER_RUNTIME: '1' } }),
      startKindling({ args: ['--sandbox', 'namespace'], env: { KINDLING_PREWARM_PER_RUNTIME: '0' } }),
    ]);
    await waitUntilWarm(pooled);
  });
  after(async () => {
    await pooled?.stop();
    await unpooled?.stop();
  });

  it('specialises a waiting runtime: Lambda’s environment, the function’s code, Init Duration', async () => {
    const { body, tail, elapsed } = await coldInvoke(pooled.lambda);
    assert.ok(body.uptimeMs > elapsed, `the runtime was running before the invoke (${body.uptimeMs} ms)`);
    assert.equal(body.env.STAGE, 'test');
    assert.equal(body.env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.deepEqual(
      Object.keys(body.env).filter((k) => k.includes('KINDLING')),
      [],
      'nothing of Kindling in the environment',
    );
    assert.equal(body.env.AWS_LAMBDA_RUNTIME_API, '127.0.0.1:9001');
    assert.equal(body.env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.deepEqual(body.taskFiles, ['index.js']);
    assert.match(
      tail,
      /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/,
    );
  });

  it('moves a specialised runtime onto the Runtime API socket (no TCP connection to 127.0.0.1:9001)', async () => {
    await waitUntilWarm(pooled);
    for (const [runtime, fixture, handler] of [
      ['nodejs20.x', 'node-transport-probe', 'index.handler'],
      ['python3.11', 'python-transport-probe', 'lambda_function.lambda_handler'],
    ] as const) {
      const name = `transport-${++counter}`;
      await pooled.lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: runtime,
          Handler: handler,
          Role: ROLE,
          Code: { ZipFile: await zipFixture(fixture) },
        }),
      );
      for (let i = 0; i < 2; i++) {
        const out = await pooled.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
        const body = JSON.parse(Buffer.from(out.Payload ?? []).toString()) as Record<string, unknown>;
        assert.equal(out.FunctionError, undefined, JSON.stringify(body));
        assert.deepEqual(
          body,
          { runtimeApi: '127.0.0.1:9001', kindlingVariables: [], tcpConnections: 0 },
          runtime,
        );
      }
    }
  });

  it('gives the same environment variables as a start from scratch', async () => {
    await waitUntilWarm(pooled);
    const a = await coldInvoke(pooled.lambda, { FunctionName: 'same-name' });
    const b = await coldInvoke(unpooled.lambda, { FunctionName: 'same-name' });
    assert.ok(b.body.uptimeMs <= b.elapsed, 'the unpooled server started the runtime for the invoke');
    const drop = new Set(['AWS_LAMBDA_LOG_STREAM_NAME', '_X_AMZN_TRACE_ID']);
    const keep = (env: Record<string, string>) =>
      Object.fromEntries(Object.entries(env).filter(([k]) => !drop.has(k)));
    assert.deepEqual(keep(a.body.env), keep(b.body.env));
    assert.match(b.tail, /Init Duration: [\d.]+ ms/);
  });
});
