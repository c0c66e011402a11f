// Provisioned concurrency end to end: a real Kindling server, the real @aws-sdk/client-lambda, and the
// worker-behaviours custom runtime ({"env": true} returns its environment, {"exit": 1} ends its process).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetProvisionedConcurrencyConfigCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
  InvokeCommand,
  type InvokeCommandInput,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';
import { body, payload, rejection } from './sdk-helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const FN = 'provisioned';

const tail = (logResult: string | undefined) => Buffer.from(logResult ?? '', 'base64').toString();

describe('Provisioned concurrency (e2e)', () => {
  let k: KindlingHandle;

  before(async () => {
    k = await startKindling();
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: FN,
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Code: { ZipFile: await zipFixture('worker-behaviours') },
        Timeout: 5,
        Environment: { Variables: { GENERATION: 'one' } },
        Publish: true,
      }),
    );
  });

  after(async () => {
    await k?.stop();
  });

  const invoke = (event: unknown, extra: Partial<InvokeCommandInput> = {}) =>
    k.lambda.send(
      new InvokeCommand({ FunctionName: FN, Payload: payload(event), LogType: 'Tail', ...extra }),
    );

  async function until(
    qualifier: string,
    accept: (c: GetProvisionedConcurrencyConfigCommandOutput) => boolean,
  ): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
    let last: GetProvisionedConcurrencyConfigCommandOutput | undefined;
    for (let i = 0; i < 200; i++) {
      last = await k.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: qualifier }),
      );
      if (accept(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`provisioned concurrency of ${qualifier} never got there: ${JSON.stringify(last)}`);
  }

  it('initialises the environments: IN_PROGRESS, then READY', async () => {
    const put = await k.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: FN,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.match(put.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const ready = await until('1', (c) => c.Status === 'READY');
    assert.equal(ready.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(ready.AvailableProvisionedConcurrentExecutions, 2);

    const list = await k.lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: FN }));
    assert.equal(list.ProvisionedConcurrencyConfigs?.length, 1);
    assert.match(list.ProvisionedConcurrencyConfigs?.[0]?.FunctionArn ?? '', /:function:provisioned:1$/);
    assert.equal(list.ProvisionedConcurrencyConfigs?.[0]?.Status, 'READY');

    // Provisioned concurrency of a function without a reservation comes out of the unreserved pool.
    const settings = await k.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 998);
  });

  it('invokes on it report no Init Duration and see the provisioned initialization type', async () => {
    const out = await invoke({ env: true }, { Qualifier: '1' });
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '1');
    assert.equal(body(out.Payload).AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');
    const log = tail(out.LogResult);
    assert.match(log, /REPORT RequestId: /);
    assert.doesNotMatch(log, /Init Duration/);
  });

  it('replaces an environment that dies, and the next invoke is still warm', async () => {
    await k.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: FN,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    await until('1', (c) => c.Status === 'READY' && c.AllocatedProvisionedConcurrentExecutions === 1);
    const crashed = await invoke({ exit: 1 }, { Qualifier: '1' });
    assert.equal(crashed.FunctionError, 'Unhandled');
    assert.equal(body(crashed.Payload).errorType, 'Runtime.ExitError');
    const recovered = await until('1', (c) => c.AllocatedProvisionedConcurrentExecutions === 1);
    assert.equal(recovered.Status, 'READY');
    const out = await invoke({ env: true }, { Qualifier: '1' });
    assert.equal(body(out.Payload).AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');
    assert.doesNotMatch(tail(out.LogResult), /Init Duration/);
  });

  it('refuses $LATEST and answers 404 for a qualifier without a configuration', async () => {
    const latest = await rejection(
      k.lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: FN,
          Qualifier: '$LATEST',
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
    );
    assert.equal(latest.name, 'InvalidParameterValueException');
    assert.equal(
      latest.message,
      'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
    );

    await k.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'idle', FunctionVersion: '1' }));
    const absent = await rejection(
      k.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: 'idle' })),
    );
    assert.equal(absent.name, 'ProvisionedConcurrencyConfigNotFoundException');
    assert.equal((absent.$metadata as { httpStatusCode?: number }).httpStatusCode, 404);

    const conflict = await rejection(
      k.lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: FN,
          Qualifier: 'idle',
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
    );
    assert.equal(conflict.name, 'ResourceConflictException');

    const missing = await rejection(
      k.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '42' })),
    );
    assert.equal(missing.name, 'ResourceNotFoundException');
  });

  it('counts against the reserved concurrency', async () => {
    await k.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: FN, ReservedConcurrentExecutions: 2 }),
    );
    const over = await rejection(
      k.lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: FN,
          Qualifier: '1',
          ProvisionedConcurrentExecutions: 3,
        }),
      ),
    );
    assert.equal(over.name, 'InvalidParameterValueException');
    assert.equal(
      over.message,
      'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    );
    const under = await rejection(
      k.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: FN, ReservedConcurrentExecutions: 0 })),
    );
    assert.equal(under.name, 'InvalidParameterValueException');

    // Reserved 2, provisioned 1: one provisioned invoke plus one on-demand invoke at a time.
    const slow = [1, 2].map(() => invoke({ sleep: 1200 }, { Qualifier: '1' }));
    await new Promise((r) => setTimeout(r, 300));
    const third = await rejection(invoke({ echo: 3 }, { Qualifier: '1' }));
    assert.equal(third.name, 'TooManyRequestsException');
    assert.equal(third.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    for (const out of await Promise.all(slow)) assert.equal(out.FunctionError, undefined);
  });

  it('follows an alias to its new version, and goes away when deleted', async () => {
    await k.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: FN,
        Environment: { Variables: { GENERATION: 'two' } },
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const v2 = await k.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    assert.equal(v2.Version, '2');
    await k.lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '1' }));
    await k.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
    await k.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: FN,
        Qualifier: 'live',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    await until('live', (c) => c.Status === 'READY');

    await k.lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '2' }));
    await new Promise((r) => setTimeout(r, 1500));
    await until('live', (c) => c.AllocatedProvisionedConcurrentExecutions === 1);
    const out = await invoke({ env: true }, { Qualifier: 'live' });
    assert.equal(out.ExecutedVersion, '2');
    assert.equal(body(out.Payload).GENERATION, 'two');
    assert.equal(body(out.Payload).AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');
    assert.doesNotMatch(tail(out.LogResult), /Init Duration/);
  });

  it('initialises the environments again after a restart', async () => {
    await k.restart();
    const ready = await until('live', (c) => c.Status === 'READY');
    assert.equal(ready.AllocatedProvisionedConcurrentExecutions, 1);
    const out = await invoke({ env: true }, { Qualifier: 'live' });
    assert.equal(body(out.Payload).AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');
    assert.doesNotMatch(tail(out.LogResult), /Init Duration/);

    const del = await k.lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: 'live' }),
    );
    assert.equal(del.$metadata.httpStatusCode, 204);
    const gone = await rejection(
      k.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: 'live' })),
    );
    assert.equal(gone.name, 'ProvisionedConcurrencyConfigNotFoundException');
  });
});

describe('Provisioned concurrency init failure (e2e)', () => {
  let k: KindlingHandle;

  before(async () => {
    k = await startKindling();
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'broken',
        Runtime: 'provided.al2023',
        Handler: 'unused',
        Role: ROLE,
        Code: { ZipFile: await zipFixture('worker-behaviours') },
        Environment: { Variables: { INIT_MODE: 'error' } },
        Publish: true,
      }),
    );
  });

  after(async () => {
    await k?.stop();
  });

  it('reports FAILED with a StatusReason when init fails', async () => {
    await k.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: 'broken',
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 1,
      }),
    );
    let status: string | undefined;
    let reason: string | undefined;
    for (let i = 0; i < 200 && status !== 'FAILED'; i++) {
      const c = await k.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'broken', Qualifier: '1' }),
      );
      status = c.Status;
      reason = c.StatusReason;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 'FAILED');
    assert.match(reason ?? '', /FUNCTION_ERROR_INIT_FAILURE/);
  });
});
