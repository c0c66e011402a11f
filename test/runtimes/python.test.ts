// Kindling's Python runtime (src/runtimes/python/bootstrap.py), run as its own process against a Runtime API
// peer, observed as Lambda's control plane would: what it posts, what it logs, how it exits.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { guestsOf, parse } from './guest-session.js';
import { fixturesDir, stageFixture } from './guest.js';

const start = guestsOf('python');

describe('python runtime: invocations', () => {
  it('echoes the event', async () => {
    const { api } = await start('python-echo', 'lambda_function.lambda_handler');
    const outcome = await api.invoke({ hello: 'world', n: [1, 2.5, null, true], s: 'é' });
    assert.equal(outcome.kind, 'response');
    assert.equal(outcome.headers['content-type'], 'application/json');
    assert.deepEqual(parse(outcome.body), { hello: 'world', n: [1, 2.5, null, true], s: 'é' });
  });

  it('reuses one process for consecutive invocations (warm start keeps module state)', async () => {
    const { api, guest } = await start('python-state', 'lambda_function.lambda_handler');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(parse((await api.invoke({})).body));
    assert.deepEqual(
      results.map((r) => r.invocations),
      [1, 2, 3],
    );
    assert.ok(results.every((r) => r.pid === guest.process.pid));
  });

  it('gives the handler the context AWS gives it, loads a handler inside a package, and finds layers', async () => {
    const { api, guest } = await start('python-context', 'pkg.handler.lambda_handler', {
      functionName: 'py-ctx',
      optDir: `${fixturesDir}/layer-greeting`,
    });
    const deadlineMs = Date.now() + 4_000;
    const outcome = await api.invoke(
      { env: ['AWS_REGION', 'AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT'], useLayer: true },
      {
        requestId: 'py-request-1',
        deadlineMs,
        invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:py-ctx:7',
        traceId: 'Root=1-65a0f1e2-0123456789abcdef01234567;Parent=1234567890abcdef;Sampled=0',
        clientContext: { custom: { tenant: 'a' }, env: {}, client: {} },
        cognitoIdentity: { cognitoIdentityId: 'id-7', cognitoIdentityPoolId: 'pool-7' },
      },
    );
    assert.equal(outcome.kind, 'response', outcome.body);
    const ctx = parse(outcome.body);
    assert.equal(ctx.aws_request_id, 'py-request-1');
    assert.equal(ctx.function_name, 'py-ctx');
    assert.equal(ctx.function_version, '$LATEST');
    assert.equal(ctx.invoked_function_arn, 'arn:aws:lambda:us-east-1:000000000000:function:py-ctx:7');
    assert.equal(ctx.memory_limit_in_mb, '256');
    assert.equal(ctx.log_group_name, '/aws/lambda/py-ctx');
    assert.equal(ctx.log_stream_name, '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef');
    const remaining = ctx.remaining_time_in_millis as number;
    assert.ok(remaining > 2_000 && remaining <= 4_000, `remaining ${remaining}`);
    assert.deepEqual(ctx.client_context_custom, { tenant: 'a' });
    assert.equal(ctx.identity_id, 'id-7');
    assert.equal(ctx.trace_id, 'Root=1-65a0f1e2-0123456789abcdef01234567;Parent=1234567890abcdef;Sampled=0');
    assert.equal((ctx.sys_path_head as string[])[0], ctx.cwd);
    assert.deepEqual(ctx.env, {
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_python3.11',
      LAMBDA_TASK_ROOT: ctx.cwd,
    });
    assert.equal(ctx.greeting, 'hello python from a layer');

    // logging goes out as Lambda's "[LEVEL]\t<date>Z\t<request id>\t<message>" line; print unbuffered.
    await guest.waitForOutput('printed line\n');
    assert.match(
      guest.output(),
      /^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tpy-request-1\tcontext requested\n/m,
    );
    assert.match(guest.output(), /^printed line\n/m);
    // Without a trace header the next invocation does not inherit the previous trace id.
    assert.equal(parse((await api.invoke({})).body).trace_id, null);
  });
});

describe('python runtime: errors', () => {
  it("reports a raised exception as AWS's Python runtime does", async () => {
    const { api, guest } = await start('python-error', 'lambda_function.lambda_handler');
    const outcome = await api.invoke({ amount: -3 }, { requestId: 'py-error-1' });
    assert.equal(outcome.kind, 'error');
    assert.equal(outcome.headers['lambda-runtime-function-error-type'], 'ValidationError');
    const body = parse(outcome.body);
    assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(body.errorMessage, 'invalid amount: -3');
    assert.equal(body.errorType, 'ValidationError');
    assert.equal(body.requestId, 'py-error-1');
    const trace = body.stackTrace as string[];
    assert.equal(trace.length, 2, 'the trace starts in the function code, not in the runtime');
    assert.match(trace[0] as string, /^ {2}File ".*lambda_function\.py", line \d+, in lambda_handler\n/);
    assert.match(trace[1] as string, /in check\n {4}raise ValidationError/);
    // One log event: lines joined by \r, indentation as NO-BREAK SPACEs.
    await guest.waitForOutput('[ERROR]');
    assert.match(
      guest.output(),
      /^\[ERROR\] ValidationError: invalid amount: -3\rTraceback \(most recent call last\):\r\u00a0\u00a0File /m,
    );
    assert.equal((await api.invoke({ amount: 1 })).kind, 'error', 'the environment stays usable');
  });

  it('reports a result JSON cannot represent as Runtime.MarshalError', async () => {
    const { api } = await start('python-error', 'lambda_function.unserializable');
    const body = parse((await api.invoke({})).body);
    assert.equal(body.errorType, 'Runtime.MarshalError');
    assert.equal(
      body.errorMessage,
      'Unable to marshal response: Object of type set is not JSON serializable',
    );
  });

  const initCases: {
    name: string;
    handler: string;
    errorType: string;
    message: string | RegExp;
    file?: string;
  }[] = [
    {
      name: 'a missing module',
      handler: 'nope.lambda_handler',
      errorType: 'Runtime.ImportModuleError',
      message: "Unable to import module 'nope': No module named 'nope'",
    },
    {
      name: 'a missing function',
      handler: 'lambda_function.nothing',
      errorType: 'Runtime.HandlerNotFound',
      message: "Handler 'nothing' missing on module 'lambda_function'",
    },
    {
      name: 'a malformed handler',
      handler: 'lambda_function',
      errorType: 'Runtime.MalformedHandlerName',
      message: "Bad handler 'lambda_function': not enough values to unpack (expected 2, got 1)",
    },
    {
      name: 'a syntax error',
      handler: 'broken.handler',
      errorType: 'Runtime.UserCodeSyntaxError',
      // The parser's own wording varies between Python versions.
      message: /^Syntax error in module 'broken': .+ \(broken\.py, line 1\)$/,
      file: 'def handler(event, context) return 1\n',
    },
    {
      name: 'an exception at import time',
      handler: 'raises.handler',
      errorType: 'KeyError',
      message: "'MISSING_SETTING'",
      file: 'import os\nSETTING = os.environ["MISSING_SETTING"]\n',
    },
  ];
  for (const c of initCases) {
    it(`posts ${c.errorType} to /runtime/init/error for ${c.name}, then exits`, async () => {
      const taskRoot = stageFixture('python-echo');
      if (c.file) writeFileSync(`${taskRoot}/${c.handler.split('.')[0]}.py`, c.file);
      const { api, guest } = await start('python-echo', c.handler, { taskRoot });
      const initError = await api.initError;
      assert.equal(initError.headers['lambda-runtime-function-error-type'], c.errorType);
      const body = parse(initError.body);
      assert.equal(body.errorType, c.errorType);
      if (typeof c.message === 'string') assert.equal(body.errorMessage, c.message);
      else assert.match(body.errorMessage as string, c.message);
      assert.equal(body.requestId, '');
      assert.ok(Array.isArray(body.stackTrace));
      assert.equal((await guest.exited).code, 1);
      assert.ok(guest.output().startsWith(`[ERROR] ${c.errorType}: ${body.errorMessage}\r`), guest.output());
      assert.equal(api.nextRequests, 0);
    });
  }
});

describe('python runtime: logs', () => {
  it('writes JSON records with AWS_LAMBDA_LOG_FORMAT=JSON', async () => {
    const { api, guest } = await start('python-context', 'pkg.handler.lambda_handler', {
      env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' },
    });
    await api.invoke({}, { requestId: 'py-json-1' });
    await guest.waitForOutput('printed line');
    const record = guest
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r.message === 'context requested');
    assert.ok(record, guest.output());
    assert.equal(record.level, 'INFO');
    assert.equal(record.requestId, 'py-json-1');
    assert.equal(record.logger, 'root');
    assert.match(record.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
