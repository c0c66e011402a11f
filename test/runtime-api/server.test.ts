// The Runtime API and Extensions API over real loopback HTTP, against one environment's session.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MAX_RESPONSE_BYTES,
  type RuntimeApiListener,
  RuntimeSession,
  type RuntimeSessionEvents,
  createRuntimeApi,
} from '../../src/runtime-api/index.js';

type Recorded = { event: string; args: unknown[] };

function recordingSession() {
  const seen: Recorded[] = [];
  const rec =
    (event: string) =>
    (...args: unknown[]) =>
      seen.push({ event, args: args.map((a) => (Buffer.isBuffer(a) ? a.toString() : a)) });
  const events: RuntimeSessionEvents = {
    onReady: rec('ready'),
    onResponse: rec('response'),
    onError: rec('error'),
    onResponseTooLarge: rec('too-large'),
    onInitError: rec('init-error'),
  };
  const session = new RuntimeSession(events, {
    functionName: 'fn',
    functionVersion: '$LATEST',
    handler: 'index.handler',
  });
  return { session, seen };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  listener: RuntimeApiListener,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const ep = listener.endpoint;
  const where = ep.kind === 'tcp' ? { host: ep.host, port: ep.port } : { socketPath: ep.path };
  return new Promise((resolve, reject) => {
    const req = request({ ...where, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const api = createRuntimeApi();

// The TCP listener (custom runtimes on the process tier) and the Unix socket (Kindling's runtimes, and
// custom runtimes through the sandbox's forwarder) answer alike; node:http's client reuses keep-alive
// connections, so on the socket requests the lean reader hands over share connections with those it serves.
for (const transport of ['tcp', 'unix'] as const)
  describe(`Runtime API (${transport})`, () => {
    let listener: RuntimeApiListener;
    let s: ReturnType<typeof recordingSession>;
    let dir: string;
    before(async () => {
      s = recordingSession();
      dir = mkdtempSync(join(tmpdir(), 'kindling-rapi-'));
      listener = await api.open(s.session, transport, join(dir, 'rapi.sock'));
    });
    after(async () => {
      await listener.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('long-polls /next until an invocation arrives, with the headers of contract 2.5', async () => {
      const next = call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(s.seen, [{ event: 'ready', args: [] }], 'the first /next ends init');
      s.session.deliver(
        {
          requestId: 'req-1',
          payload: Buffer.from('{"a":1}'),
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
          traceId: 'Root=1-5e1b4151-5ac6c58f2c6e04f1b2f4d0a9;Parent=53995c3f42cd8ad8;Sampled=0',
          clientContext: '{"custom":{"k":"v"}}',
        },
        1542409706888,
      );
      const r = await next;
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"a":1}');
      assert.equal(r.headers['lambda-runtime-aws-request-id'], 'req-1');
      assert.equal(r.headers['lambda-runtime-deadline-ms'], '1542409706888');
      assert.equal(
        r.headers['lambda-runtime-invoked-function-arn'],
        'arn:aws:lambda:us-east-1:000000000000:function:fn:live',
      );
      assert.equal(
        r.headers['lambda-runtime-trace-id'],
        'Root=1-5e1b4151-5ac6c58f2c6e04f1b2f4d0a9;Parent=53995c3f42cd8ad8;Sampled=0',
      );
      assert.equal(r.headers['lambda-runtime-client-context'], '{"custom":{"k":"v"}}');
      assert.equal(r.headers['lambda-runtime-cognito-identity'], undefined);
      assert.equal(r.headers['content-type'], 'application/json');
    });

    it('refuses a second /next while an answer is owed, and posts for another request id', async () => {
      const again = await call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
      assert.equal(again.status, 403);
      const wrong = await call(listener, 'POST', '/2018-06-01/runtime/invocation/other/response', '{}');
      assert.equal(wrong.status, 400);
      assert.equal(JSON.parse(wrong.body).errorType, 'InvalidRequestID');
    });

    it('accepts the response with 202 and hands the body on', async () => {
      const r = await call(listener, 'POST', '/2018-06-01/runtime/invocation/req-1/response', '{"ok":true}');
      assert.equal(r.status, 202);
      assert.deepEqual(s.seen.at(-1), { event: 'response', args: ['req-1', '{"ok":true}'] });
      const late = await call(listener, 'POST', '/2018-06-01/runtime/invocation/req-1/response', '{}');
      assert.equal(late.status, 400, 'only one answer per invocation');
    });

    it('delivers an invocation handed over before the runtime asks', async () => {
      s.session.deliver(
        { requestId: 'req-2', payload: Buffer.from('[]'), invokedFunctionArn: 'arn' },
        Date.now() + 1000,
      );
      const r = await call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
      assert.equal(r.headers['lambda-runtime-aws-request-id'], 'req-2');
      assert.equal(r.headers['lambda-runtime-client-context'], undefined, 'only when present');
      assert.match(
        String(r.headers['lambda-runtime-trace-id']),
        /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
      );
    });

    it('normalises the error type header as RIE does', async () => {
      const body = '{"errorMessage":"x","errorType":"TypeError"}';
      await call(listener, 'POST', '/2018-06-01/runtime/invocation/req-2/error', body, {
        'Lambda-Runtime-Function-Error-Type': 'TypeError',
      });
      assert.deepEqual(s.seen.at(-1), { event: 'error', args: ['req-2', 'Runtime.Unknown', body] });
      const cases: Array<[string, string]> = [
        ['Function.MyError', 'Function.MyError'],
        ['Runtime.ImportModuleError', 'Runtime.ImportModuleError'],
        ['Function.lowercase', 'Function.Unknown'],
        ['', 'Runtime.Unknown'],
      ];
      for (const [i, [sent, expected]] of cases.entries()) {
        const id = `e-${i}`;
        s.session.deliver({ requestId: id, payload: Buffer.from('{}'), invokedFunctionArn: 'arn' }, 0);
        await call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
        const headers: Record<string, string> =
          sent === '' ? {} : { 'Lambda-Runtime-Function-Error-Type': sent };
        await call(listener, 'POST', `/2018-06-01/runtime/invocation/${id}/error`, '{}', headers);
        assert.equal(s.seen.at(-1)?.args[1], expected, sent);
      }
    });

    it('refuses a response over 6 MiB + 100 bytes with 413', async () => {
      s.session.deliver({ requestId: 'big', payload: Buffer.from('{}'), invokedFunctionArn: 'arn' }, 0);
      await call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
      const r = await call(
        listener,
        'POST',
        '/2018-06-01/runtime/invocation/big/response',
        Buffer.alloc(MAX_RESPONSE_BYTES + 1, 0x20),
      );
      assert.equal(r.status, 413);
      assert.equal(JSON.parse(r.body).errorType, 'RequestEntityTooLarge');
      assert.deepEqual(s.seen.at(-1), { event: 'too-large', args: ['big'] });
    });

    it('accepts exactly 6 MiB + 100 bytes', async () => {
      s.session.deliver({ requestId: 'edge', payload: Buffer.from('{}'), invokedFunctionArn: 'arn' }, 0);
      await call(listener, 'GET', '/2018-06-01/runtime/invocation/next');
      const r = await call(
        listener,
        'POST',
        '/2018-06-01/runtime/invocation/edge/response',
        Buffer.alloc(MAX_RESPONSE_BYTES, 0x20),
      );
      assert.equal(r.status, 202);
      assert.equal(s.seen.at(-1)?.event, 'response');
    });

    it('answers 404 for unknown paths and 200 for the Logs and Telemetry API stubs', async () => {
      assert.equal((await call(listener, 'GET', '/2018-06-01/runtime/nope')).status, 404);
      assert.equal((await call(listener, 'PUT', '/2020-08-15/logs', '{}')).status, 200);
      assert.equal((await call(listener, 'PUT', '/2022-07-01/telemetry', '{}')).status, 200);
    });
  });

describe('Runtime API init error', () => {
  it('hands /init/error on with its type and body', async () => {
    const s = recordingSession();
    const listener = await api.open(s.session, 'tcp');
    try {
      const body = '{"errorType":"Runtime.ImportModuleError","errorMessage":"nope"}';
      const r = await call(listener, 'POST', '/2018-06-01/runtime/init/error', body, {
        'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError',
      });
      assert.equal(r.status, 202);
      assert.deepEqual(s.seen, [{ event: 'init-error', args: ['Runtime.ImportModuleError', body] }]);
    } finally {
      await listener.close();
    }
  });
});

describe('Extensions API', () => {
  it('registers an extension and delivers INVOKE and SHUTDOWN events', async () => {
    const s = recordingSession();
    const dir = mkdtempSync(join(tmpdir(), 'kindling-rapi-'));
    const listener = await api.open(s.session, 'unix', join(dir, 'rapi.sock'));
    try {
      const reg = await call(
        listener,
        'POST',
        '/2020-01-01/extension/register',
        '{"events":["INVOKE","SHUTDOWN"]}',
        {
          'Lambda-Extension-Name': 'my-ext',
        },
      );
      assert.equal(reg.status, 200);
      const id = String(reg.headers['lambda-extension-identifier']);
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(JSON.parse(reg.body), {
        functionName: 'fn',
        functionVersion: '$LATEST',
        handler: 'index.handler',
      });

      const dup = await call(listener, 'POST', '/2020-01-01/extension/register', '{"events":["INVOKE"]}', {
        'Lambda-Extension-Name': 'my-ext',
      });
      assert.equal(dup.status, 403);
      const missing = await call(listener, 'GET', '/2020-01-01/extension/event/next');
      assert.equal(JSON.parse(missing.body).errorType, 'Extension.MissingExtensionIdentifier');
      const invalid = await call(listener, 'GET', '/2020-01-01/extension/event/next', undefined, {
        'Lambda-Extension-Identifier': 'nope',
      });
      assert.equal(JSON.parse(invalid.body).errorType, 'Extension.InvalidExtensionIdentifier');

      const headers = { 'Lambda-Extension-Identifier': id };
      const nextEvent = call(listener, 'GET', '/2020-01-01/extension/event/next', undefined, headers);
      s.session.deliver(
        { requestId: 'r1', payload: Buffer.from('{}'), invokedFunctionArn: 'arn:x', traceId: 'Root=1-x' },
        123,
      );
      const invoke = await nextEvent;
      assert.ok(invoke.headers['lambda-extension-event-identifier']);
      assert.deepEqual(JSON.parse(invoke.body), {
        eventType: 'INVOKE',
        deadlineMs: 123,
        requestId: 'r1',
        invokedFunctionArn: 'arn:x',
        tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1-x' },
      });

      const shutdownEvent = call(listener, 'GET', '/2020-01-01/extension/event/next', undefined, headers);
      const done = s.session.shutdown('spindown', 2000);
      const shutdown = JSON.parse((await shutdownEvent).body);
      assert.equal(shutdown.eventType, 'SHUTDOWN');
      assert.equal(shutdown.shutdownReason, 'spindown');
      // The extension is done when it asks for its next event.
      const started = Date.now();
      void call(listener, 'GET', '/2020-01-01/extension/event/next', undefined, headers).catch(
        () => undefined,
      );
      await done;
      assert.ok(Date.now() - started < 1000);

      const exitError = await call(listener, 'POST', '/2020-01-01/extension/exit/error', '{}', {
        ...headers,
        'Lambda-Extension-Function-Error-Type': 'Extension.Crash',
      });
      assert.equal(exitError.status, 202);
    } finally {
      await listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails init when an extension reports an init error', async () => {
    const s = recordingSession();
    const listener = await api.open(s.session, 'tcp');
    try {
      const reg = await call(listener, 'POST', '/2020-01-01/extension/register', '{"events":[]}', {
        'Lambda-Extension-Name': 'e',
      });
      const id = String(reg.headers['lambda-extension-identifier']);
      await call(listener, 'POST', '/2020-01-01/extension/init/error', '{"errorMessage":"bad"}', {
        'Lambda-Extension-Identifier': id,
        'Lambda-Extension-Function-Error-Type': 'Extension.ConfigInvalid',
      });
      assert.deepEqual(s.seen, [
        { event: 'init-error', args: ['Extension.ConfigInvalid', '{"errorMessage":"bad"}'] },
      ]);
    } finally {
      await listener.close();
    }
  });
});

describe("Runtime API: an answer with the next /next pipelined behind it (Kindling's runtime clients)", () => {
  let dir: string;
  let listener: RuntimeApiListener;
  let s: ReturnType<typeof recordingSession>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-rapi-'));
    s = recordingSession();
    listener = await api.open(s.session, 'unix', join(dir, 'runtime-api.sock'));
  });
  after(async () => {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One raw connection: what was received so far, and a way to wait for more. */
  async function rawConnection() {
    const ep = listener.endpoint;
    assert.equal(ep.kind, 'unix');
    const socket = connect({ path: ep.kind === 'unix' ? ep.path : '' });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const until = async (pattern: RegExp): Promise<string> => {
      for (let i = 0; i < 200 && !pattern.test(received); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(received, pattern);
      const all = received;
      received = '';
      return all;
    };
    return { socket, until, pending: () => received };
  }

  const next = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n';
  const post = (id: string, action: string, body: string) =>
    `POST /2018-06-01/runtime/invocation/${id}/${action} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const invocation = (requestId: string) => ({
    requestId,
    payload: Buffer.from(`{"id":"${requestId}"}`),
    invokedFunctionArn: 'arn',
  });

  it('hands the answer on at once, then answers 202 and the next event in order on the connection', async () => {
    const conn = await rawConnection();
    conn.socket.write(next);
    s.session.deliver(invocation('p-1'), Date.now() + 1000);
    await conn.until(/\{"id":"p-1"\}$/);

    conn.socket.write(post('p-1', 'response', '{"answer":1}') + next);
    for (let i = 0; i < 100 && s.seen.at(-1)?.event !== 'response'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(s.seen.at(-1), { event: 'response', args: ['p-1', '{"answer":1}'] });
    // The pipelined /next is not refused: it waits, and the 202 goes out just before the next event.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(conn.pending(), '', 'nothing sent while no event is there');
    s.session.deliver(invocation('p-2'), Date.now() + 1000);
    const both = await conn.until(/\{"id":"p-2"\}$/);
    assert.match(both, /^HTTP\/1\.1 202 Accepted\r\n[\s\S]*\{"status":"OK"\}HTTP\/1\.1 200 OK\r\n/);
    assert.match(both, /Lambda-Runtime-Aws-Request-Id: p-2\r\n/);

    // The same for an error answer.
    conn.socket.write(post('p-2', 'error', '{"errorMessage":"x","errorType":"E"}') + next);
    for (let i = 0; i < 100 && s.seen.at(-1)?.event !== 'error'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.seen.at(-1)?.args[0], 'p-2');
    s.session.deliver(invocation('p-3'), Date.now() + 1000);
    assert.match(
      await conn.until(/\{"id":"p-3"\}$/),
      /^HTTP\/1\.1 202 Accepted\r\n[\s\S]*HTTP\/1\.1 200 OK\r\n/,
    );
    conn.socket.destroy();
  });

  it('answers every pipelined request of a runtime that reads its answers late', async () => {
    const conn = await rawConnection();
    conn.socket.pause();
    const count = 3000;
    conn.socket.write(post('nobody', 'response', '{}').repeat(count));
    await new Promise((r) => setTimeout(r, 200));
    conn.socket.resume();
    let all = '';
    for (let i = 0; i < 500 && (all.match(/InvalidRequestID/g)?.length ?? 0) < count; i++) {
      await new Promise((r) => setTimeout(r, 10));
      all += await conn.until(/$/);
    }
    assert.equal(all.match(/HTTP\/1\.1 400 /g)?.length, count);
    conn.socket.destroy();
  });

  it('still refuses a /next sent while an answer is owed and none is arriving', async () => {
    const conn = await rawConnection();
    conn.socket.write(next);
    assert.match(await conn.until(/InvalidStateTransition/), /^HTTP\/1\.1 403 /);
    conn.socket.destroy();
  });

  it('serves a chunked answer, Expect: 100-continue and other paths through node:http, on the same connection', async () => {
    const conn = await rawConnection();
    conn.socket.write(next);
    s.session.deliver(invocation('h-1'), Date.now() + 1000);
    await conn.until(/\{"id":"h-1"\}$/);
    // A streamed (chunked) answer, as response streaming sends it, with a /next pipelined behind it.
    conn.socket.write(
      'POST /2018-06-01/runtime/invocation/h-1/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n' +
        next,
    );
    for (let i = 0; i < 100 && s.seen.at(-1)?.event !== 'response'; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(s.seen.at(-1), { event: 'response', args: ['h-1', '{"a":1}'] });
    s.session.deliver(invocation('h-2'), Date.now() + 1000);
    assert.match(
      await conn.until(/\{"id":"h-2"\}$/),
      /^HTTP\/1\.1 202 Accepted\r\n[\s\S]*HTTP\/1\.1 200 OK\r\n[\s\S]*Lambda-Runtime-Aws-Request-Id: h-2\r\n/,
    );
    // curl's Expect: 100-continue (custom runtimes through the forwarder).
    const body = '{"b":2}';
    conn.socket.write(
      `POST /2018-06-01/runtime/invocation/h-2/response HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await conn.until(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    conn.socket.write(body);
    assert.match(await conn.until(/\{"status":"OK"\}$/), /^HTTP\/1\.1 202 /);
    assert.deepEqual(s.seen.at(-1), { event: 'response', args: ['h-2', '{"b":2}'] });
    conn.socket.write('GET /2018-06-01/ping HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(await conn.until(/pong$/), /^HTTP\/1\.1 200 OK\r\n/);
    conn.socket.destroy();
  });

  it('answers a request split across writes, byte by byte', async () => {
    const conn = await rawConnection();
    conn.socket.write(next);
    s.session.deliver(invocation('b-1'), Date.now() + 1000);
    await conn.until(/\{"id":"b-1"\}$/);
    const message = post('b-1', 'response', '{"split":true}');
    for (const byte of Buffer.from(message)) {
      conn.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    assert.match(await conn.until(/\{"status":"OK"\}$/), /^HTTP\/1\.1 202 /);
    assert.deepEqual(s.seen.at(-1), { event: 'response', args: ['b-1', '{"split":true}'] });
    conn.socket.destroy();
  });
});
