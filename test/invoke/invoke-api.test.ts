// Invoke through the real API layer (router, SigV4, error encoding) with @aws-sdk/client-lambda, on a
// real worker running the worker-behaviours custom runtime. The resolver is a plain table standing in
// for the control plane, which is not under test here.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import pino from 'pino';
import { credentialLookup } from '../../src/api/credentials.js';
import { registerInvokeOperations } from '../../src/api/operations/invoke.js';
import { Router } from '../../src/api/router.js';
import { createApiServer } from '../../src/api/server.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';
import type { FunctionResolver, FunctionVersionSpec, InvokeTarget } from '../../src/control/model.js';
import { Errors } from '../../src/errors.js';
import { createInvoker, pickCandidate } from '../../src/invoke/index.js';
import { type Harness, createHarness } from '../worker/harness.js';

const credentials = { accessKeyId: 'AKIDINVOKETEST', secretAccessKey: 'invoke-test-secret' };

describe('Invoke API', () => {
  let h: Harness;
  let server: ReturnType<typeof createApiServer>;
  let lambda: LambdaClient;
  const targets = new Map<string, InvokeTarget>();
  let echo: FunctionVersionSpec;

  before(async () => {
    h = createHarness();
    echo = h.spec('worker-behaviours', { functionName: 'echo', timeout: 1 });
    const v1 = { ...h.spec('worker-behaviours', { functionName: 'weighted' }), version: '1' };
    const v2 = { ...v1, version: '2', revisionId: 'rev-v2' };
    targets.set('echo', { invokedFunctionArn: echo.functionArn, candidates: [{ spec: echo, weight: 1 }] });
    targets.set('weighted:live', {
      invokedFunctionArn: `${v1.functionArn}:live`,
      alias: 'live',
      candidates: [
        { spec: v1, weight: 0.5 },
        { spec: v2, weight: 0.5 },
      ],
    });
    const resolver: FunctionResolver = {
      resolve(name, qualifier) {
        const t = targets.get(qualifier === undefined ? name : `${name}:${qualifier}`);
        if (t === undefined)
          throw Errors.resourceNotFound(
            `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`,
          );
        return t;
      },
    };
    const router = new Router();
    registerInvokeOperations(router, createInvoker({ resolver, worker: h.worker, concurrencyLimit: 30 }));
    server = createApiServer({
      router,
      verifier: new SigV4Verifier(credentialLookup([credentials])),
      log: pino({ level: 'silent' }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  after(async () => {
    lambda.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await h.close();
  });

  const invoke = (
    input: Omit<ConstructorParameters<typeof InvokeCommand>[0], 'FunctionName'> & { FunctionName?: string },
  ) => lambda.send(new InvokeCommand({ FunctionName: 'echo', ...input }));
  const body = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload ?? []).toString());

  it('echoes the payload with status 200 and X-Amz-Executed-Version', async () => {
    const out = await invoke({ Payload: Buffer.from('{"echo":"hi"}') });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(body(out.Payload).event, { echo: 'hi' });
    assert.equal(body(out.Payload).headers['lambda-runtime-aws-request-id'], out.$metadata.requestId);
  });

  it('passes an empty payload as {}', async () => {
    const out = await invoke({});
    assert.deepEqual(body(out.Payload).event, {});
  });

  it('reports function errors as 200 with X-Amz-Function-Error: Unhandled', async () => {
    const out = await invoke({ Payload: Buffer.from('{"fail":"bad thing"}') });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(body(out.Payload).errorMessage, 'bad thing');
  });

  it('reports a timeout as Sandbox.Timedout', async () => {
    const out = await invoke({ Payload: Buffer.from('{"sleep":3000}') });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.deepEqual(body(out.Payload), {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds`,
    });
  });

  it('returns the log tail and passes the client context', async () => {
    const context = { custom: { user: 'ünï' }, env: { a: 1 } };
    const out = await invoke({
      Payload: Buffer.from('{"log":["tail me"]}'),
      LogType: 'Tail',
      ClientContext: Buffer.from(JSON.stringify(context)).toString('base64'),
    });
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString();
    assert.match(tail, new RegExp(`START RequestId: ${out.$metadata.requestId} Version: \\$LATEST\\n`));
    assert.ok(tail.includes('tail me\n'));
    assert.match(tail, /REPORT RequestId: .*\t\n$/);
    assert.deepEqual(JSON.parse(body(out.Payload).headers['lambda-runtime-client-context']), context);
  });

  it('refuses a client context that is not base64 JSON or is too long', async () => {
    await assert.rejects(invoke({ ClientContext: 'not json!' }), { name: 'InvalidRequestContentException' });
    const big = Buffer.from(JSON.stringify({ custom: { x: 'y'.repeat(3000) } })).toString('base64');
    await assert.rejects(invoke({ ClientContext: big }), { name: 'InvalidRequestContentException' });
  });

  it('routes an alias by weight and reports the version that ran', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const out = await invoke({ FunctionName: 'weighted', Qualifier: 'live', Payload: Buffer.from('{}') });
      seen.add(out.ExecutedVersion ?? '');
      assert.equal(
        body(out.Payload).headers['lambda-runtime-invoked-function-arn'],
        'arn:aws:lambda:us-east-1:000000000000:function:weighted:live',
      );
    }
    assert.deepEqual([...seen].sort(), ['1', '2']);
    assert.equal(pickCandidate([{ weight: 0.9 }, { weight: 0.1 }], 0.89), 0);
    assert.equal(pickCandidate([{ weight: 0.9 }, { weight: 0.1 }], 0.9), 1);
    assert.equal(pickCandidate([{ weight: 0.9 }, { weight: 0.1 }], 0.999999), 1);
  });

  it('answers DryRun with 204 and an unknown function with 404', async () => {
    const out = await invoke({ InvocationType: 'DryRun' });
    assert.equal(out.StatusCode, 204);
    await assert.rejects(invoke({ FunctionName: 'nope' }), { name: 'ResourceNotFoundException' });
    await assert.rejects(invoke({ FunctionName: 'nope', InvocationType: 'DryRun' }), {
      name: 'ResourceNotFoundException',
    });
  });

  it('refuses Event until the durable queue exists', async () => {
    await assert.rejects(invoke({ InvocationType: 'Event' }), {
      name: 'InvalidParameterValueException',
      message: 'Event invocation is not supported yet',
    });
  });

  it('answers 400 for a payload that is not JSON and 413 beyond 6 MB', async () => {
    await assert.rejects(
      invoke({ Payload: Buffer.from('{nope') }),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'InvalidRequestContentException');
        assert.equal(err.$metadata?.httpStatusCode, 400);
        assert.match(err.message, /^Could not parse request body into json: /);
        return true;
      },
    );
    await assert.rejects(invoke({ Payload: Buffer.from([0x22, 0xff, 0x22]) }), {
      name: 'InvalidRequestContentException',
    });
    const big = Buffer.from(JSON.stringify('x'.repeat(6291456)));
    await assert.rejects(
      invoke({ Payload: big }),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'RequestTooLargeException');
        assert.equal(err.$metadata?.httpStatusCode, 413);
        assert.equal(
          err.message,
          'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
        );
        return true;
      },
    );
  });

  it('runs 20 concurrent invokes', async () => {
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invoke({ Payload: Buffer.from(JSON.stringify({ i, sleep: 100 })) }),
      ),
    );
    outs.forEach((out, i) => {
      assert.equal(out.FunctionError, undefined);
      assert.equal(body(out.Payload).event.i, i);
    });
  });

  it('answers 429 beyond the account concurrency limit', async () => {
    const outs = await Promise.allSettled(
      Array.from({ length: 32 }, () => invoke({ Payload: Buffer.from('{"sleep":200}') })),
    );
    const refused = outs.filter((o) => o.status === 'rejected');
    assert.equal(refused.length, 2);
    assert.equal((refused[0] as PromiseRejectedResult).reason.name, 'TooManyRequestsException');
  });
});
