// The guest runtimes against Kindling's own Runtime API server (src/runtime-api) rather than the test peer:
// the two sides of the contract meet here before the worker puts them together.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  type RuntimeApiListener,
  RuntimeSession,
  type RuntimeSessionEvents,
  createRuntimeApi,
} from '../../src/runtime-api/index.js';
import { type Guest, type GuestOptions, stageFixture, startGuest } from './guest.js';

type Outcome =
  | { kind: 'response'; body: string }
  | { kind: 'error'; errorType: string; body: string }
  | { kind: 'init-error'; errorType: string; body: string };

/** One environment: a session on a real Runtime API listener, with a guest runtime attached. */
class Environment {
  #settle: ((outcome: Outcome) => void) | undefined;
  readonly initError: Promise<Extract<Outcome, { kind: 'init-error' }>>;
  readonly session: RuntimeSession;
  listener!: RuntimeApiListener;
  guest!: Guest;

  constructor() {
    let resolveInit!: (o: Extract<Outcome, { kind: 'init-error' }>) => void;
    this.initError = new Promise((r) => {
      resolveInit = r;
    });
    const events: RuntimeSessionEvents = {
      onReady: () => {},
      onResponse: (_id, body) => this.#settle?.({ kind: 'response', body: body.toString() }),
      onError: (_id, errorType, body) => this.#settle?.({ kind: 'error', errorType, body: body.toString() }),
      onResponseTooLarge: () => {},
      onInitError: (errorType, body) => resolveInit({ kind: 'init-error', errorType, body: body.toString() }),
    };
    this.session = new RuntimeSession(events, {
      functionName: 'f',
      functionVersion: '$LATEST',
      handler: 'h',
    });
  }

  invoke(event: unknown): Promise<Outcome> {
    return new Promise((resolve) => {
      this.#settle = resolve;
      this.session.deliver(
        {
          requestId: randomUUID(),
          payload: Buffer.from(JSON.stringify(event)),
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        },
        Date.now() + 10_000,
      );
    });
  }
}

const environments: Environment[] = [];

async function start(
  runtime: GuestOptions['runtime'],
  fixture: string,
  handler: string,
  extra: Partial<GuestOptions> = {},
): Promise<Environment> {
  const env = new Environment();
  env.listener = await createRuntimeApi().open(env.session, 'tcp');
  const endpoint = env.listener.endpoint;
  assert.equal(endpoint.kind, 'tcp');
  env.guest = startGuest({
    runtime,
    taskRoot: stageFixture(fixture),
    handler,
    runtimeApi: endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : '',
    ...extra,
  });
  environments.push(env);
  return env;
}

after(async () => {
  for (const env of environments) {
    await env.guest.kill();
    await env.listener.close();
  }
});

const cases = [
  { runtime: 'nodejs', fixture: 'node-state', handler: 'index.handler', errorFixture: 'node-error' },
  {
    runtime: 'python',
    fixture: 'python-state',
    handler: 'lambda_function.lambda_handler',
    errorFixture: 'python-error',
  },
] as const;

describe("guest runtimes against Kindling's Runtime API", () => {
  for (const c of cases) {
    it(`${c.runtime}: serves consecutive invocations from one process`, async () => {
      const env = await start(c.runtime, c.fixture, c.handler);
      const outcomes = [await env.invoke({}), await env.invoke({}), await env.invoke({})];
      assert.deepEqual(
        outcomes.map(
          (o) => o.kind === 'response' && (JSON.parse(o.body) as { invocations: number }).invocations,
        ),
        [1, 2, 3],
      );
    });

    it(`${c.runtime}: reports a function error and stays usable`, async () => {
      const handler = c.runtime === 'nodejs' ? 'index.handler' : 'lambda_function.lambda_handler';
      const env = await start(c.runtime, c.errorFixture, handler);
      const failed = await env.invoke({ amount: 1 });
      assert.equal(failed.kind, 'error');
      assert.equal((JSON.parse(failed.body) as { errorType: string }).errorType, 'ValidationError');
      assert.equal((await env.invoke({ amount: 2 })).kind, 'error');
    });

    it(`${c.runtime}: reports an import failure on /runtime/init/error`, async () => {
      const env = await start(c.runtime, c.fixture, 'missing.handler');
      const init = await env.initError;
      assert.equal(init.errorType, 'Runtime.ImportModuleError');
      assert.equal((JSON.parse(init.body) as { errorType: string }).errorType, 'Runtime.ImportModuleError');
    });
  }

  it('waits on /next across a pause longer than any keep-alive timeout', async () => {
    const env = await start('nodejs', 'node-echo', 'index.handler');
    assert.equal((await env.invoke({ n: 1 })).kind, 'response');
    await new Promise((r) => setTimeout(r, 6_000));
    const later = await env.invoke({ n: 2 });
    assert.deepEqual(later, { kind: 'response', body: '{"n":2}' });
  });
});
