// Custom runtimes (provided.*): the fixtures' own `bootstrap` executables against a Runtime API peer,
// including AWS's unmodified aws-lambda-ric started from a layer. These pin down the fixtures other tests use
// and show that the peer protocol the Kindling runtimes are tested against is the one AWS's client speaks.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Guest, stageFixture, startGuest } from './guest.js';
import { RuntimeApiPeer } from './runtime-api-peer.js';

const running: { api: RuntimeApiPeer; guest: Guest }[] = [];

after(async () => {
  for (const { api, guest } of running) {
    await guest.kill();
    await api.close();
  }
});

/** A layer holding the installed aws-lambda-ric package at nodejs/node_modules/aws-lambda-ric. */
function ricLayer(): string {
  const layer = mkdtempSync(join(tmpdir(), 'kindling-ric-layer-'));
  const from = resolve('node_modules/aws-lambda-ric');
  const to = join(layer, 'nodejs/node_modules/aws-lambda-ric');
  for (const part of ['package.json', 'bin', 'dist'])
    cpSync(join(from, part), join(to, part), { recursive: true });
  process.on('exit', () => rmSync(layer, { recursive: true, force: true }));
  return layer;
}

describe('provided runtime fixtures', () => {
  it('provided-echo: a hand-written bootstrap loops on the Runtime API', async () => {
    const api = await RuntimeApiPeer.start();
    const guest = startGuest({
      runtime: 'provided',
      taskRoot: stageFixture('provided-echo'),
      handler: 'function.handler',
      runtimeApi: api.address,
    });
    running.push({ api, guest });
    const first = await api.invoke({ n: 1 }, { requestId: 'provided-1' });
    assert.equal(first.kind, 'response');
    const body = JSON.parse(first.body) as Record<string, unknown>;
    assert.deepEqual(body.event, { n: 1 });
    assert.equal(body.requestId, 'provided-1');
    assert.equal(body.handler, 'function.handler');
    const failed = await api.invoke({ fail: 'custom failure' });
    assert.equal(failed.kind, 'error');
    assert.equal(failed.headers['lambda-runtime-function-error-type'], 'Function.CustomRuntimeError');
    assert.equal((await api.invoke({ n: 3 })).kind, 'response', 'the same process serves the next event');
    await guest.waitForOutput('custom runtime handling provided-1');
  });

  it("provided-ric: AWS's aws-lambda-ric, unmodified, runs the handler from a layer", async () => {
    const api = await RuntimeApiPeer.start();
    const guest = startGuest({
      runtime: 'provided',
      taskRoot: stageFixture('provided-ric'),
      handler: 'index.handler',
      runtimeApi: api.address,
      optDir: ricLayer(),
      functionName: 'ric-fn',
    });
    running.push({ api, guest });
    const outcome = await api.invoke(
      { hello: 'ric' },
      {
        requestId: 'ric-request-1',
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ric-fn',
      },
    );
    assert.equal(outcome.kind, 'response', outcome.body);
    assert.deepEqual(JSON.parse(outcome.body), {
      event: { hello: 'ric' },
      client: 'aws-lambda-ric',
      awsRequestId: 'ric-request-1',
      functionName: 'ric-fn',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ric-fn',
    });
    const failed = await api.invoke({ fail: 'ric failure' });
    assert.equal(failed.kind, 'error');
    const error = JSON.parse(failed.body) as Record<string, unknown>;
    assert.equal(error.errorType, 'Error');
    assert.equal(error.errorMessage, 'ric failure');
    // The log line format Kindling's Node.js runtime reproduces, as AWS's client writes it.
    await guest.waitForOutput('handled by aws-lambda-ric');
    assert.match(
      guest.output(),
      /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tric-request-1\tINFO\thandled by aws-lambda-ric\n/,
    );
  });
});
