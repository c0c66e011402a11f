// Kindling's Node.js runtime (src/runtimes/nodejs), run as its own process against a Runtime API peer,
// observed as Lambda's control plane would: what it posts, what it logs, how it exits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guestsOf, parse } from './guest-session.js';
import { fixturesDir, stageFixture } from './guest.js';

const start = guestsOf('nodejs');

describe('nodejs runtime: invocations', () => {
  it('echoes the event of a CommonJS async handler', async () => {
    const { api } = await start('node-echo', 'index.handler');
    const outcome = await api.invoke({ hello: 'world', n: [1, 2, 3] });
    assert.equal(outcome.kind, 'response');
    assert.deepEqual(parse(outcome.body), { hello: 'world', n: [1, 2, 3] });
  });

  it('loads an ES module ("type": "module"), a nested export and an .mjs file', async () => {
    const esm = await start('node-esm', 'index.handler');
    const outcome = await esm.api.invoke({ a: 1 }, { requestId: 'esm-request' });
    assert.deepEqual(parse(outcome.body), {
      module: 'esm',
      sep: '/',
      event: { a: 1 },
      requestId: 'esm-request',
    });

    const nested = await start('node-esm', 'index.handlers.echo');
    assert.deepEqual(parse((await nested.api.invoke({ b: 2 })).body), { nested: true, event: { b: 2 } });

    const mjs = await start('node-esm', 'handler.handler');
    assert.deepEqual(parse((await mjs.api.invoke('x')).body), { mjs: true, event: 'x' });
  });

  it('answers callback handlers, and waits for an empty event loop unless told not to', async () => {
    const { api, guest } = await start('node-callback', 'index.handler');
    const waited = await api.invoke({ lingerMs: 400 });
    assert.deepEqual(parse(waited.body), { callback: true, event: { lingerMs: 400 } });
    assert.ok(waited.elapsedMs >= 350, `answered after ${waited.elapsedMs} ms, before the timer ran`);
    await guest.waitForOutput(/\tINFO\tlinger finished\n/);

    const immediate = await api.invoke({ lingerMs: 400, waitForEmptyEventLoop: false });
    assert.equal(immediate.kind, 'response');
    assert.ok(immediate.elapsedMs < 300, `answered after ${immediate.elapsedMs} ms`);

    const failed = await api.invoke({ fail: 'nope' });
    assert.equal(failed.kind, 'error');
    assert.equal(parse(failed.body).errorMessage, 'callback error: nope');
  });

  it('supports context.succeed / context.done and answers null for a handler that never answers', async () => {
    const succeed = await start('node-callback', 'index.succeed');
    assert.deepEqual(parse((await succeed.api.invoke({ s: 1 })).body), { succeeded: true, event: { s: 1 } });
    const done = await start('node-callback', 'index.done');
    assert.deepEqual(parse((await done.api.invoke({})).body), { done: true });
    const silent = await start('node-callback', 'index.silent');
    const outcome = await silent.api.invoke({});
    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.body, 'null');
  });

  it('reuses one process for consecutive invocations (warm start keeps module state)', async () => {
    const { api, guest } = await start('node-state', 'index.handler');
    const first = parse((await api.invoke({})).body);
    const second = parse((await api.invoke({})).body);
    const third = parse((await api.invoke({})).body);
    assert.deepEqual([first.invocations, second.invocations, third.invocations], [1, 2, 3]);
    assert.equal(first.pid, guest.process.pid);
    assert.equal(third.pid, guest.process.pid);
  });

  it('loads a module from a layer through NODE_PATH', async () => {
    const { api } = await start('node-layer-user', 'index.handler', {
      optDir: `${fixturesDir}/layer-greeting`,
    });
    const outcome = await api.invoke({ name: 'kindling' });
    assert.deepEqual(parse(outcome.body), { greeting: 'hello kindling from a layer' });
  });

  it('streams the response of an awslambda.streamifyResponse handler', async () => {
    const { api } = await start('node-streaming', 'index.handler');
    const outcome = await api.invoke({ last: 'four' });
    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.headers['lambda-runtime-function-response-mode'], 'streaming');
    assert.equal(outcome.headers['transfer-encoding'], 'chunked');
    assert.equal(outcome.headers['content-type'], 'text/plain');
    assert.equal(outcome.body, 'one two four');
    assert.equal(outcome.trailers['lambda-runtime-function-error-type'], undefined);
  });
});

describe('nodejs runtime: context and environment', () => {
  it('gives the handler the context fields AWS gives it, and the trace id per invocation', async () => {
    const { api } = await start('node-context', 'index.handler', { functionName: 'ctx-fn' });
    const deadlineMs = Date.now() + 5_000;
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:ctx-fn:live';
    const outcome = await api.invoke(
      { env: ['AWS_REGION', 'AWS_EXECUTION_ENV', 'TZ', 'LAMBDA_TASK_ROOT'] },
      {
        requestId: 'c0ffee00-0000-4000-8000-000000000001',
        deadlineMs,
        invokedFunctionArn: arn,
        traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        clientContext: { custom: { k: 'v' }, env: {}, client: {} },
        cognitoIdentity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' },
      },
    );
    const ctx = parse(outcome.body);
    assert.equal(ctx.awsRequestId, 'c0ffee00-0000-4000-8000-000000000001');
    assert.equal(ctx.functionName, 'ctx-fn');
    assert.equal(ctx.functionVersion, '$LATEST');
    assert.equal(ctx.invokedFunctionArn, arn);
    assert.equal(ctx.memoryLimitInMB, '256');
    assert.equal(ctx.logGroupName, '/aws/lambda/ctx-fn');
    assert.equal(ctx.logStreamName, '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef');
    assert.deepEqual(ctx.clientContext, { custom: { k: 'v' }, env: {}, client: {} });
    assert.deepEqual(ctx.identity, { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' });
    assert.equal(ctx.callbackWaitsForEmptyEventLoop, true);
    const remaining = ctx.remainingTimeInMillis as number;
    assert.ok(remaining > 3_000 && remaining <= 5_000, `remaining ${remaining}`);
    assert.equal(ctx.traceId, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    const env = ctx.env as Record<string, string>;
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.equal(env.TZ, ':UTC');
    assert.equal(env.LAMBDA_TASK_ROOT, ctx.cwd);

    // The next invocation without a trace header does not see the previous one's trace id.
    assert.equal(parse((await api.invoke({})).body).traceId, null);
  });
});

describe('nodejs runtime: errors', () => {
  it('reports a thrown Error subclass as AWS does: errorType, errorMessage, trace', async () => {
    const { api, guest } = await start('node-error', 'index.handler');
    const outcome = await api.invoke({ amount: -1 });
    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.headers['lambda-runtime-function-error-type'], 'ValidationError');
    const body = parse(outcome.body);
    assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
    assert.equal(body.errorType, 'ValidationError');
    assert.equal(body.errorMessage, 'invalid amount: -1');
    const trace = body.trace as string[];
    assert.equal(trace[0], 'ValidationError: invalid amount: -1');
    assert.match(trace[1] as string, /^ {4}at .*index\.js:\d+:\d+\)?$/);
    // The log line AWS's runtime writes for it, with the error's own properties.
    await guest.waitForOutput('Invoke Error');
    const line = guest
      .output()
      .split('\n')
      .find((l) => l.includes('Invoke Error'));
    assert.ok(line, guest.output());
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\tERROR\tInvoke Error \t\{/);
    const logged = JSON.parse(line.split('\t').slice(4).join('\t')) as Record<string, unknown>;
    assert.equal(logged.errorType, 'ValidationError');
    assert.equal(logged.field, 'amount');

    // The environment stays usable after a function error.
    assert.equal((await api.invoke({ amount: 2 })).kind, 'error');
  });

  it('reports synchronous throws, rejected non-Errors and unserialisable results', async () => {
    const sync = await start('node-error', 'index.sync');
    const syncBody = parse((await sync.api.invoke({})).body);
    assert.equal(syncBody.errorType, 'TypeError');
    assert.equal(syncBody.errorMessage, 'sync failure');

    const rejected = await start('node-error', 'index.rejectString');
    const rejectedBody = parse((await rejected.api.invoke({})).body);
    assert.deepEqual(rejectedBody, { errorType: 'string', errorMessage: 'plain string', trace: [] });

    const circular = await start('node-error', 'index.circular');
    const circularBody = parse((await circular.api.invoke({})).body);
    assert.equal(circularBody.errorType, 'Error');
    assert.equal(circularBody.errorMessage, 'Unable to stringify response body');
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection and exits', async () => {
    const { api, guest } = await start('node-error', 'index.unhandled');
    const outcome = await api.invoke({});
    assert.equal(outcome.kind, 'error');
    const body = parse(outcome.body);
    assert.equal(body.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.equal(body.errorMessage, 'Error: nobody handles this');
    assert.equal((await guest.exited).code, 128);
  });

  it('exits without an answer when the handler calls process.exit', async () => {
    const { api, guest } = await start('node-exit', 'index.handler');
    const outcome = api.invoke({});
    const exit = await guest.exited;
    assert.equal(exit.code, 1);
    await guest.waitForOutput('about to exit');
    assert.match(guest.output(), /\tINFO\tabout to exit\n/);
    const settled = await Promise.race([
      outcome.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('none'), 100)),
    ]);
    assert.equal(settled, 'none');
  });
});

describe('nodejs runtime: init errors', () => {
  const cases: { name: string; fixture: string; handler: string; errorType: string; message: RegExp }[] = [
    {
      name: 'a missing module',
      fixture: 'node-echo',
      handler: 'missing.handler',
      errorType: 'Runtime.ImportModuleError',
      message: /^Error: Cannot find module 'missing'\nRequire stack:\n- /,
    },
    {
      name: 'a missing export',
      fixture: 'node-echo',
      handler: 'index.nothing',
      errorType: 'Runtime.HandlerNotFound',
      message: /^index\.nothing is undefined or not exported$/,
    },
    {
      name: 'a malformed handler name',
      fixture: 'node-echo',
      handler: 'index',
      errorType: 'Runtime.MalformedHandlerName',
      message: /^Bad handler$/,
    },
    {
      name: 'a handler outside the task root',
      fixture: 'node-echo',
      handler: '../index.handler',
      errorType: 'Runtime.MalformedHandlerName',
      message: /^'\.\.\/index\.handler' is not a valid handler name\./,
    },
  ];
  for (const c of cases) {
    it(`posts ${c.errorType} to /runtime/init/error for ${c.name}, then exits`, async () => {
      const { api, guest } = await start(c.fixture, c.handler);
      const initError = await api.initError;
      assert.equal(initError.headers['lambda-runtime-function-error-type'], c.errorType);
      const body = parse(initError.body);
      assert.equal(body.errorType, c.errorType);
      assert.match(body.errorMessage as string, c.message);
      assert.ok(Array.isArray(body.trace));
      assert.equal((body.trace as string[])[0]?.startsWith(`${c.errorType}: `), true);
      assert.equal((await guest.exited).code, 129);
      await guest.waitForOutput('Uncaught Exception');
      assert.match(guest.output(), /\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime\./);
      assert.equal(api.nextRequests, 0);
    });
  }

  it('reports a syntax error in the handler module as Runtime.UserCodeSyntaxError', async () => {
    const taskRoot = stageFixture('node-echo');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${taskRoot}/broken.js`, 'exports.handler = async (event) => {{ return event; };\n');
    const { api, guest } = await start('node-echo', 'broken.handler', { taskRoot });
    const body = parse((await api.initError).body);
    assert.equal(body.errorType, 'Runtime.UserCodeSyntaxError');
    assert.match(body.errorMessage as string, /^SyntaxError: /);
    assert.equal((await guest.exited).code, 129);
  });

  it('reports an exception thrown by the module at load time with its own type', async () => {
    const taskRoot = stageFixture('node-echo');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${taskRoot}/throws.js`, "throw new RangeError('bad config');\n");
    const { api } = await start('node-echo', 'throws.handler', { taskRoot });
    const body = parse((await api.initError).body);
    assert.equal(body.errorType, 'RangeError');
    assert.equal(body.errorMessage, 'bad config');
  });
});

describe('nodejs runtime: logs', () => {
  it('prints console output as "<date>\\t<requestId>\\t<LEVEL>\\t<message>" lines', async () => {
    const { api, guest } = await start('node-logs', 'index.handler');
    const outcome = await api.invoke(
      { name: 'kindling' },
      { requestId: '11111111-2222-4333-8444-555555555555' },
    );
    assert.deepEqual(parse(outcome.body), { logged: true });
    await guest.waitForOutput('raw stdout line\n');
    const lines = guest.output().split('\n');
    const prefix = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t11111111-2222-4333-8444-555555555555\t/;
    const expect = (level: string, message: string): void => {
      const line = lines.find((l) => l.endsWith(`\t${level}\t${message}`));
      assert.ok(line, `no ${level} line "${message}" in:\n${guest.output()}`);
      const date = prefix.exec(line)?.[1];
      assert.ok(date, line);
      assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000);
    };
    expect('INFO', 'hello kindling, you are 42');
    expect('INFO', 'info line');
    expect('WARN', 'warn line');
    expect('ERROR', 'error line');
    expect('DEBUG', 'debug line');
    expect('INFO', '{ nested: { value: 1 } }');
    // A multi-line message stays one line (one log event): its newlines become carriage returns.
    expect('INFO', 'first\rsecond');
    assert.ok(lines.includes('raw stdout line'));
  });

  it('writes JSON records with AWS_LAMBDA_LOG_FORMAT=JSON and drops levels below AWS_LAMBDA_LOG_LEVEL', async () => {
    const { api, guest } = await start('node-logs', 'index.handler', {
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'INFO' },
    });
    await api.invoke({ name: 'json' }, { requestId: 'json-request' });
    await guest.waitForOutput('raw stdout line\n');
    const records = guest
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const hello = records.find((r) => r.message === 'hello json, you are 42');
    assert.ok(hello, guest.output());
    assert.equal(hello.level, 'INFO');
    assert.equal(hello.requestId, 'json-request');
    assert.match(hello.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(records.find((r) => r.level === 'WARN')?.message, 'warn line');
    assert.deepEqual(records.find((r) => typeof r.message === 'object')?.message, { nested: { value: 1 } });
    assert.equal(
      records.some((r) => r.level === 'DEBUG'),
      false,
    );
  });
});
