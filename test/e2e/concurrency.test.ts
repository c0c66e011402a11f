// Reserved concurrency and the account limit end to end: a real Kindling server, the real
// @aws-sdk/client-lambda, and the worker-behaviours custom runtime ({"sleep": ms} holds an invocation).

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling, testCredentials, testRegion } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';
import { body, payload, rejection } from './sdk-helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

async function createFunction(lambda: LambdaClient, name: string, environment: Record<string, string> = {}) {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'unused',
      Role: ROLE,
      Code: { ZipFile: await zipFixture('worker-behaviours') },
      Timeout: 10,
      Environment: { Variables: environment },
    }),
  );
}

describe('Reserved concurrency (e2e)', () => {
  let k: KindlingHandle;

  before(async () => {
    k = await startKindling();
  });

  after(async () => {
    await k?.stop();
  });

  it('reserved 1: a second concurrent invoke gets 429 with the Reason and Retry-After', async () => {
    await createFunction(k.lambda, 'reserved-one');
    const put = await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-one', ReservedConcurrentExecutions: 1 }),
    );
    assert.equal(put.$metadata.httpStatusCode, 200);
    assert.equal(put.ReservedConcurrentExecutions, 1);

    const slow = k.lambda.send(
      new InvokeCommand({ FunctionName: 'reserved-one', Payload: payload({ sleep: 1500 }) }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const err = await rejection(
      k.lambda.send(new InvokeCommand({ FunctionName: 'reserved-one', Payload: payload({ echo: 2 }) })),
    );
    assert.ok(err instanceof TooManyRequestsException);
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.message, 'Rate Exceeded.');
    assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    assert.equal(err.retryAfterSeconds, '1');
    const first = await slow;
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined);
    // The slot is free again.
    const again = await k.lambda.send(
      new InvokeCommand({ FunctionName: 'reserved-one', Payload: payload({ echo: 3 }) }),
    );
    assert.deepEqual(body(again.Payload).event, { echo: 3 });
  });

  it('reserved 0 throttles every invoke; deleting the reservation lifts it', async () => {
    await createFunction(k.lambda, 'reserved-zero');
    await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-zero', ReservedConcurrentExecutions: 0 }),
    );
    for (let i = 0; i < 3; i++) {
      const err = await rejection(
        k.lambda.send(new InvokeCommand({ FunctionName: 'reserved-zero', Payload: payload({ echo: i }) })),
      );
      assert.equal(err.name, 'TooManyRequestsException');
      assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    }
    const get = await k.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'reserved-zero' }));
    assert.equal(get.ReservedConcurrentExecutions, 0);
    const fn = await k.lambda.send(new GetFunctionCommand({ FunctionName: 'reserved-zero' }));
    assert.deepEqual(fn.Concurrency, { ReservedConcurrentExecutions: 0 });

    const del = await k.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'reserved-zero' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const none = await k.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'reserved-zero' }));
    assert.equal(none.ReservedConcurrentExecutions, undefined);
    assert.equal(
      (await k.lambda.send(new GetFunctionCommand({ FunctionName: 'reserved-zero' }))).Concurrency,
      undefined,
    );
    const ok = await k.lambda.send(
      new InvokeCommand({ FunctionName: 'reserved-zero', Payload: payload({ echo: 'free' }) }),
    );
    assert.equal(ok.StatusCode, 200);
  });

  it('keeps 100 unreserved and reports the real numbers in GetAccountSettings', async () => {
    await createFunction(k.lambda, 'reserved-big');
    const before = await k.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(before.AccountLimit?.ConcurrentExecutions, 1000);
    // reserved-one holds 1.
    assert.equal(before.AccountLimit?.UnreservedConcurrentExecutions, 999);

    const err = await rejection(
      k.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'reserved-big',
          ReservedConcurrentExecutions: 900,
        }),
      ),
    );
    assert.equal(err.name, 'InvalidParameterValueException');
    assert.equal(err.$metadata && (err.$metadata as { httpStatusCode?: number }).httpStatusCode, 400);
    assert.equal(
      err.message,
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );

    await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-big', ReservedConcurrentExecutions: 899 }),
    );
    const after = await k.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(after.AccountLimit?.UnreservedConcurrentExecutions, 100);
    // Changing the same function's reservation does not count its old value twice.
    await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-big', ReservedConcurrentExecutions: 850 }),
    );
    assert.equal(
      (await k.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions,
      149,
    );

    // A deleted function gives its reservation back.
    await k.lambda.send(new DeleteFunctionCommand({ FunctionName: 'reserved-big' }));
    assert.equal(
      (await k.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.UnreservedConcurrentExecutions,
      999,
    );
  });

  it('answers AWS errors for bad requests', async () => {
    const missing = await rejection(
      k.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 }),
      ),
    );
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.match(
      missing.message,
      /Function not found: arn:aws:lambda:us-east-1:\d{12}:function:nope:\$LATEST/,
    );
    const qualified = await rejection(
      k.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'reserved-one:1',
          ReservedConcurrentExecutions: 1,
        }),
      ),
    );
    assert.equal(qualified.name, 'InvalidParameterValueException');
    const negative = await rejection(
      k.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'reserved-one', ReservedConcurrentExecutions: -1 }),
      ),
    );
    assert.equal(negative.name, 'ValidationException');
  });

  it('200 concurrent invokes with reserved 10: every request answered once, never more than 10 environments', async () => {
    await createFunction(k.lambda, 'pool');
    await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'pool', ReservedConcurrentExecutions: 10 }),
    );
    const client = new LambdaClient({
      endpoint: k.endpoint,
      region: testRegion,
      credentials: testCredentials,
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) },
    });
    let throttles = 0;
    const one = async (id: number) => {
      for (;;) {
        try {
          const out = await client.send(
            new InvokeCommand({ FunctionName: 'pool', Payload: payload({ id, sleep: 20 }) }),
          );
          return body(out.Payload) as { event: { id: number }; requestId: string; environment: string };
        } catch (err) {
          if (!(err instanceof TooManyRequestsException)) throw err;
          throttles++;
          await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
        }
      }
    };
    try {
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => one(i)));
      assert.deepEqual(
        results.map((r) => r.event.id),
        Array.from({ length: 200 }, (_, i) => i),
        'each caller got its own response',
      );
      assert.equal(new Set(results.map((r) => r.requestId)).size, 200, 'no response delivered twice');
      const environments = new Set(results.map((r) => r.environment)).size;
      assert.ok(environments <= 10, `${environments} environments for a reservation of 10`);
      assert.ok(throttles > 0, 'the reservation throttled the excess');
    } finally {
      client.destroy();
    }
  });

  it('drains on update: in-flight invokes finish, the next invoke runs the new configuration', async () => {
    await createFunction(k.lambda, 'drain', { GENERATION: 'one' });
    const inFlight = k.lambda.send(
      new InvokeCommand({ FunctionName: 'drain', Payload: payload({ sleep: 1200 }) }),
    );
    await new Promise((r) => setTimeout(r, 400));
    await k.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'drain',
        Environment: { Variables: { GENERATION: 'two' } },
      }),
    );
    const next = await k.lambda.send(
      new InvokeCommand({ FunctionName: 'drain', Payload: payload({ env: true }) }),
    );
    assert.equal(body(next.Payload).GENERATION, 'two');
    const finished = await inFlight;
    assert.equal(finished.StatusCode, 200);
    assert.equal(finished.FunctionError, undefined, 'the in-flight invoke completed on the old environment');
  });

  it('reservations persist across a restart', async () => {
    await k.restart();
    const get = await k.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'reserved-one' }));
    assert.equal(get.ReservedConcurrentExecutions, 1);
    const settings = await k.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 1000 - 1 - 10);
  });
});

describe('Account concurrency limit (e2e)', () => {
  let k: KindlingHandle;

  before(async () => {
    k = await startKindling({ env: { KINDLING_CONCURRENCY_LIMIT: '2' } });
    await createFunction(k.lambda, 'busy');
  });

  after(async () => {
    await k?.stop();
  });

  it('throttles beyond KINDLING_CONCURRENCY_LIMIT with ConcurrentInvocationLimitExceeded', async () => {
    const settings = await k.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 2);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 2);

    const slow = [1, 2].map(() =>
      k.lambda.send(new InvokeCommand({ FunctionName: 'busy', Payload: payload({ sleep: 1500 }) })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const err = await rejection(
      k.lambda.send(new InvokeCommand({ FunctionName: 'busy', Payload: payload({ echo: 3 }) })),
    );
    assert.equal(err.name, 'TooManyRequestsException');
    assert.equal(err.Reason, 'ConcurrentInvocationLimitExceeded');
    assert.equal(err.retryAfterSeconds, '1');
    for (const out of await Promise.all(slow)) assert.equal(out.StatusCode, 200);
  });

  it('never reserves below the minimum unreserved (the whole limit when it is under 100)', async () => {
    const err = await rejection(
      k.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'busy', ReservedConcurrentExecutions: 1 }),
      ),
    );
    assert.equal(err.name, 'InvalidParameterValueException');
    assert.match(err.message, /below its minimum value of \[2\]\.$/);
  });
});
