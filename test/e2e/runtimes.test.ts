// The runtimes end to end: a real Kindling server, the real @aws-sdk/client-lambda, and the fixture
// functions of test/fixtures/functions for Node.js, Python and custom (provided) runtimes, including AWS's
// own aws-lambda-ric as a custom runtime's client. What is asserted is what a Lambda user observes.

import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { zipFixture, zipFolders } from '../runtimes/fixture-zip.js';
import { fixturesDir } from '../runtimes/guest.js';
import { namespaceUnavailable } from '../sandbox/namespace-harness.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
/** The tier the server runs on here: the namespace tier unless told otherwise (test/helpers/server.ts). */
const onNamespaceTier =
  (process.env.KINDLING_E2E_SANDBOX ?? 'namespace') === 'namespace' && !(await namespaceUnavailable());

let kindling: KindlingHandle;
let greetingLayerArn: string;
let ricLayerArn: string;

before(async () => {
  kindling = await startKindling();
  greetingLayerArn = await publishLayer(
    'greeting',
    await zipFolders([{ dir: join(fixturesDir, 'layer-greeting') }]),
  );
  const ric = resolve('node_modules/aws-lambda-ric');
  const prefix = 'nodejs/node_modules/aws-lambda-ric/';
  ricLayerArn = await publishLayer(
    'aws-lambda-ric',
    await zipFolders([
      { dir: join(ric, 'bin'), prefix: `${prefix}bin/` },
      { dir: join(ric, 'dist'), prefix: `${prefix}dist/` },
    ]),
  );
});

after(async () => {
  await kindling?.stop();
});

async function publishLayer(name: string, zip: Buffer): Promise<string> {
  const out = await kindling.lambda.send(
    new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
  );
  assert.ok(out.LayerVersionArn);
  return out.LayerVersionArn;
}

let counter = 0;
/** Creates a function from a fixture and waits until it is Active; returns its name. */
async function createFunction(
  fixture: string,
  runtime: string,
  handler: string,
  extra: Partial<CreateFunctionCommandInput> = {},
): Promise<string> {
  counter += 1;
  const name = `${fixture}-${counter}`;
  await kindling.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: runtime as CreateFunctionCommandInput['Runtime'],
      Handler: handler,
      Role: ROLE,
      Code: { ZipFile: await zipFixture(fixture) },
      MemorySize: 256,
      Timeout: 10,
      ...extra,
    }),
  );
  for (let i = 0; i < 300; i++) {
    const config = await kindling.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (config.State === 'Active') return name;
    if (config.State === 'Failed')
      throw new Error(`${name} failed: ${config.StateReasonCode} ${config.StateReason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become Active`);
}

interface Invoked {
  readonly out: InvokeCommandOutput;
  readonly payload: Record<string, unknown>;
  readonly log: string;
}

async function invoke(name: string, event: unknown = {}, clientContext?: unknown): Promise<Invoked> {
  const out = await kindling.lambda.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: 'Tail',
      ClientContext:
        clientContext === undefined
          ? undefined
          : Buffer.from(JSON.stringify(clientContext)).toString('base64'),
    }),
  );
  assert.equal(out.StatusCode, 200);
  const text = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
  return {
    out,
    payload: JSON.parse(text) as Record<string, unknown>,
    log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
  };
}

const TIMEOUT_MESSAGE = /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/;

describe('Node.js runtime through Kindling', () => {
  it('echoes the event and logs START / END / REPORT around the function lines', async () => {
    const name = await createFunction('node-echo', 'nodejs20.x', 'index.handler');
    const { out, payload, log } = await invoke(name, { hello: 'node' });
    assert.equal(out.FunctionError, undefined);
    assert.equal(out.ExecutedVersion, '$LATEST');
    assert.deepEqual(payload, { hello: 'node' });
    assert.match(log, /START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    assert.match(log, /END RequestId: [0-9a-f-]{36}\n/);
    assert.match(log, /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t/);
  });

  it('loads ES modules', async () => {
    const name = await createFunction('node-esm', 'nodejs20.x', 'index.handler');
    const { payload } = await invoke(name, { a: 1 });
    assert.equal(payload.module, 'esm');
    assert.deepEqual(payload.event, { a: 1 });
  });

  it('reports a thrown error as FunctionError Unhandled with errorType, errorMessage and trace', async () => {
    const name = await createFunction('node-error', 'nodejs20.x', 'index.handler');
    const { out, payload, log } = await invoke(name, { amount: -5 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'ValidationError');
    assert.equal(payload.errorMessage, 'invalid amount: -5');
    assert.equal((payload.trace as string[])[0], 'ValidationError: invalid amount: -5');
    assert.match(log, /\tERROR\tInvoke Error \t\{"errorType":"ValidationError"/);
  });

  it('times out as Sandbox.Timedout and starts a fresh environment afterwards', async () => {
    const name = await createFunction('node-timeout', 'nodejs20.x', 'index.handler', { Timeout: 1 });
    const { out, payload } = await invoke(name, { sleepMs: 5_000 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Sandbox.Timedout');
    assert.match(payload.errorMessage as string, TIMEOUT_MESSAGE);
    const quick = await invoke(name, { sleepMs: 10 });
    assert.equal(quick.out.FunctionError, undefined);
    assert.equal(quick.payload.slept, true);
  });

  it('keeps module state in a warm environment', async () => {
    const name = await createFunction('node-state', 'nodejs20.x', 'index.handler');
    const first = await invoke(name);
    const second = await invoke(name);
    assert.equal(first.payload.invocations, 1);
    assert.equal(second.payload.invocations, 2);
    assert.equal(first.payload.environment, second.payload.environment, 'same environment');
  });

  it('gives handlers the context fields, the client context and the function environment', async () => {
    const name = await createFunction('node-context', 'nodejs20.x', 'index.handler', {
      Environment: { Variables: { GREETING: 'hello from env' } },
    });
    const { payload } = await invoke(
      name,
      { env: ['GREETING', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION', 'AWS_EXECUTION_ENV'] },
      { custom: { k: 'v' }, env: {}, client: {} },
    );
    assert.equal(payload.functionName, name);
    assert.equal(payload.functionVersion, '$LATEST');
    assert.equal(payload.memoryLimitInMB, '256');
    assert.match(
      payload.invokedFunctionArn as string,
      new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:function:${name}$`),
    );
    assert.equal(payload.logGroupName, `/aws/lambda/${name}`);
    assert.match(payload.awsRequestId as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual((payload.clientContext as { custom: unknown }).custom, { k: 'v' });
    const remaining = payload.remainingTimeInMillis as number;
    assert.ok(remaining > 8_000 && remaining <= 10_000, `remaining ${remaining}`);
    assert.deepEqual(payload.env, {
      GREETING: 'hello from env',
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    });
  });

  it('resolves modules from a layer', async () => {
    const name = await createFunction('node-layer-user', 'nodejs20.x', 'index.handler', {
      Layers: [greetingLayerArn],
    });
    assert.deepEqual((await invoke(name, { name: 'e2e' })).payload, { greeting: 'hello e2e from a layer' });
  });

  it('reports process.exit in the handler as Runtime.ExitError', async () => {
    const name = await createFunction('node-exit', 'nodejs20.x', 'index.handler');
    const { out, payload } = await invoke(name);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Runtime.ExitError');
  });

  it('writes console lines as "<date>\\t<requestId>\\tINFO\\t<message>"', async () => {
    const name = await createFunction('node-logs', 'nodejs20.x', 'index.handler');
    const { log } = await invoke(name, { name: 'logs' });
    assert.match(
      log,
      /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tINFO\thello logs, you are 42\n/,
    );
    assert.match(log, /\tWARN\twarn line\n/);
  });
});

describe("Kindling's runtime clients and the Runtime API", () => {
  for (const [runtime, handler] of [
    ['nodejs20.x', 'index.handler'],
    ['python3.11', 'lambda_function.lambda_handler'],
  ] as const) {
    const fixture = runtime.startsWith('nodejs') ? 'node-transport-probe' : 'python-transport-probe';
    it(`${runtime}: the handler sees Lambda's AWS_LAMBDA_RUNTIME_API and nothing of Kindling's`, async () => {
      const name = await createFunction(fixture, runtime, handler);
      const results = [];
      for (let i = 0; i < 3; i++) results.push((await invoke(name)).payload);
      for (const payload of results) {
        assert.deepEqual(payload.kindlingVariables, []);
        if (onNamespaceTier) {
          assert.equal(payload.runtimeApi, '127.0.0.1:9001');
          // The runtime client reaches the Runtime API over its Unix socket, not over TCP to 127.0.0.1:9001.
          assert.equal(payload.tcpConnections, 0, 'no TCP connection to the Runtime API');
        }
      }
    });
  }
});

describe('Python runtime through Kindling', () => {
  it('echoes the event', async () => {
    const name = await createFunction('python-echo', 'python3.11', 'lambda_function.lambda_handler');
    const { out, payload } = await invoke(name, { hello: 'python' });
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(payload, { hello: 'python' });
  });

  it('reports a raised exception with errorMessage, errorType, requestId and stackTrace', async () => {
    const name = await createFunction('python-error', 'python3.11', 'lambda_function.lambda_handler');
    const { out, payload, log } = await invoke(name, { amount: 7 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'ValidationError');
    assert.equal(payload.errorMessage, 'invalid amount: 7');
    assert.match(payload.requestId as string, /^[0-9a-f-]{36}$/);
    assert.equal((payload.stackTrace as string[]).length, 2);
    assert.match(log, /\[ERROR\] ValidationError: invalid amount: 7\r/);
  });

  it('times out as Sandbox.Timedout', async () => {
    const name = await createFunction('python-timeout', 'python3.11', 'lambda_function.lambda_handler', {
      Timeout: 1,
    });
    const { out, payload } = await invoke(name, { sleepMs: 5_000 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal(payload.errorType, 'Sandbox.Timedout');
    assert.match(payload.errorMessage as string, TIMEOUT_MESSAGE);
  });

  it('keeps module state in a warm environment', async () => {
    const name = await createFunction('python-state', 'python3.11', 'lambda_function.lambda_handler');
    const first = await invoke(name);
    const second = await invoke(name);
    assert.deepEqual([first.payload.invocations, second.payload.invocations], [1, 2]);
    assert.equal(first.payload.pid, second.payload.pid);
  });

  it('gives handlers the context, the function environment and layers', async () => {
    const name = await createFunction('python-context', 'python3.11', 'pkg.handler.lambda_handler', {
      Environment: { Variables: { GREETING: 'hello from env' } },
      Layers: [greetingLayerArn],
    });
    const { payload, log } = await invoke(name, { env: ['GREETING', 'AWS_EXECUTION_ENV'], useLayer: true });
    assert.equal(payload.function_name, name);
    assert.equal(payload.memory_limit_in_mb, '256');
    assert.equal(payload.log_group_name, `/aws/lambda/${name}`);
    assert.deepEqual(payload.env, { GREETING: 'hello from env', AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11' });
    assert.equal(payload.greeting, 'hello python from a layer');
    assert.match(log, /\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tcontext requested\n/);
  });
});

describe('Custom runtimes through Kindling', () => {
  it('runs a bootstrap from the code (provided-echo)', async () => {
    const name = await createFunction('provided-echo', 'provided.al2023', 'function.handler');
    const { out, payload } = await invoke(name, { hello: 'provided' });
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(payload.event, { hello: 'provided' });
    assert.equal(payload.handler, 'function.handler');
    // A custom runtime gets Lambda's contract only: AWS_LAMBDA_RUNTIME_API, over TCP.
    assert.deepEqual(payload.kindlingVariables, []);
    if (onNamespaceTier) assert.equal(payload.runtimeApi, '127.0.0.1:9001');
    assert.deepEqual((await invoke(name, { again: true })).payload.event, { again: true }, 'warm');
    const failed = await invoke(name, { fail: 'custom' });
    assert.equal(failed.out.FunctionError, 'Unhandled');
    assert.equal(failed.payload.errorType, 'CustomRuntimeError');
  });

  it("runs AWS's aws-lambda-ric from a layer as the runtime client (provided-ric)", async () => {
    const name = await createFunction('provided-ric', 'provided.al2023', 'index.handler', {
      Layers: [ricLayerArn],
    });
    const { out, payload, log } = await invoke(name, { hello: 'ric' });
    assert.equal(out.FunctionError, undefined, JSON.stringify(payload));
    assert.equal(payload.client, 'aws-lambda-ric');
    assert.deepEqual(payload.event, { hello: 'ric' });
    assert.equal(payload.functionName, name);
    assert.match(log, /\tINFO\thandled by aws-lambda-ric\n/);
    const failed = await invoke(name, { fail: 'ric failure' });
    assert.equal(failed.out.FunctionError, 'Unhandled');
    assert.equal(failed.payload.errorMessage, 'ric failure');
  });
});
