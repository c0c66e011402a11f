// Invoke end to end: a real Kindling server, the real @aws-sdk/client-lambda, and the worker-behaviours
// custom runtime (test/fixtures/functions/worker-behaviours), whose event says what to do.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandInput,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

describe('Invoke (e2e)', () => {
  let k: KindlingHandle;
  const fn = 'behaviours';

  before(async () => {
    k = await startKindling();
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Code: { ZipFile: await zipFixture('worker-behaviours') },
        Timeout: 1,
      }),
    );
    await active(fn);
  });

  after(async () => {
    await k?.stop();
  });

  async function active(name: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const c = await k.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not become Active`);
  }

  const invoke = (event: unknown, extra: Partial<InvokeCommandInput> = {}) =>
    k.lambda.send(
      new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(event)), ...extra }),
    );
  const body = (p: Uint8Array | undefined) => JSON.parse(Buffer.from(p ?? []).toString());

  it('echoes, then reuses the warm environment', async () => {
    const first = await invoke({ echo: 1 }, { LogType: 'Tail' });
    assert.equal(first.StatusCode, 200);
    assert.equal(first.ExecutedVersion, '$LATEST');
    assert.deepEqual(body(first.Payload).event, { echo: 1 });
    assert.match(Buffer.from(first.LogResult ?? '', 'base64').toString(), /Init Duration: [\d.]+ ms\t\n$/);
    const second = await invoke({ echo: 2 }, { LogType: 'Tail' });
    assert.equal(body(second.Payload).environment, body(first.Payload).environment, 'same environment');
    assert.doesNotMatch(Buffer.from(second.LogResult ?? '', 'base64').toString(), /Init Duration/);
  });

  it('reports function errors with X-Amz-Function-Error and status 200', async () => {
    const out = await invoke({ fail: 'nope' });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(body(out.Payload).errorMessage, 'nope');
  });

  it('times out as Lambda does', async () => {
    const out = await invoke({ sleep: 3000 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(
      Buffer.from(out.Payload ?? []).toString(),
      `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds"}`,
    );
  });

  it('reports a runtime exit', async () => {
    const out = await invoke({ exit: 1 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.deepEqual(body(out.Payload), {
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: exit status 1`,
    });
  });

  it('returns the tail of exactly this invocation and passes the client context', async () => {
    await invoke({ echo: 'warm up' });
    const out = await invoke(
      { log: ['first line', 'second line'] },
      { LogType: 'Tail', ClientContext: Buffer.from('{"custom":{"k":"v"}}').toString('base64') },
    );
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString();
    const id = out.$metadata.requestId;
    assert.ok(tail.startsWith(`START RequestId: ${id} Version: $LATEST\n`), tail);
    assert.ok(tail.includes('first line\nsecond line\n'));
    assert.ok(tail.includes(`END RequestId: ${id}\n`));
    assert.match(
      tail,
      new RegExp(
        `REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\t`,
      ),
    );
    assert.equal(body(out.Payload).headers['lambda-runtime-client-context'], '{"custom":{"k":"v"}}');
  });

  it('routes an alias by weight', async () => {
    const v1 = await k.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    await k.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        Environment: { Variables: { VERSION_TAG: '2' } },
      }),
    );
    await active(fn);
    const v2 = await k.lambda.send(new PublishVersionCommand({ FunctionName: fn }));
    await k.lambda.send(
      new CreateAliasCommand({
        FunctionName: fn,
        Name: 'live',
        FunctionVersion: v1.Version,
        RoutingConfig: { AdditionalVersionWeights: { [v2.Version ?? '']: 0.5 } },
      }),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const out = await invoke({ echo: i }, { Qualifier: 'live' });
      seen.add(out.ExecutedVersion ?? '');
      assert.match(
        body(out.Payload).headers['lambda-runtime-invoked-function-arn'],
        /:function:behaviours:live$/,
      );
    }
    assert.deepEqual([...seen].sort(), [v1.Version, v2.Version].sort());
    const pinned = await invoke({ echo: 1 }, { Qualifier: v2.Version });
    assert.equal(pinned.ExecutedVersion, v2.Version);
  });

  it('answers DryRun with 204', async () => {
    const out = await invoke({}, { InvocationType: 'DryRun' });
    assert.equal(out.StatusCode, 204);
    await assert.rejects(
      k.lambda.send(new InvokeCommand({ FunctionName: 'missing', InvocationType: 'DryRun' })),
      { name: 'ResourceNotFoundException' },
    );
  });

  it('answers 413 beyond 6 MB and 400 for a payload that is not JSON', async () => {
    await assert.rejects(
      k.lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.alloc(6291457, 0x20) })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'RequestTooLargeException');
        assert.equal(err.$metadata?.httpStatusCode, 413);
        return true;
      },
    );
    await assert.rejects(
      k.lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from('{oops') })),
      {
        name: 'InvalidRequestContentException',
      },
    );
  });

  it('runs 20 concurrent invokes', async () => {
    const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => invoke({ i, sleep: 100 })));
    outs.forEach((out, i) => {
      assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
      assert.equal(body(out.Payload).event.i, i);
    });
    assert.ok(
      new Set(outs.map((o) => body(o.Payload).environment)).size > 1,
      'concurrent invokes get their own environments',
    );
  });
});
