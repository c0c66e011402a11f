// The API server's bound on request bodies held at once across connections: past it a request is
// answered 429 TooManyRequestsException (Reason CallerRateLimitExceeded, Retry-After) instead of being
// buffered, and every byte comes back once the operations holding them have answered.
import assert from 'node:assert/strict';
import { type Server, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { credentialLookup } from '../../src/api/credentials.js';
import { Router } from '../../src/api/router.js';
import { createApiServer } from '../../src/api/server.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';

const KB = 1024;

describe('request bodies in flight', () => {
  let server: Server;
  let endpoint: string;
  let open: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const holdNext = () => {
    gate = new Promise((r) => {
      open = r;
    });
  };

  before(async () => {
    const router = new Router();
    // Holds its body until the test opens the gate (an operation still working on its request).
    router.add(
      'POST',
      '/hold',
      async (req) => {
        await gate;
        return { status: 200, body: { bytes: req.body.length } };
      },
      { unauthenticated: true, maxBodyBytes: 4096 * KB },
    );
    server = createApiServer({
      router,
      verifier: new SigV4Verifier(credentialLookup([{ accessKeyId: 'AKIAX', secretAccessKey: 's' }])),
      log: pino({ level: 'silent' }),
      maxBodyBytesInFlight: 1024 * KB,
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const post = (bytes: number) =>
    fetch(`${endpoint}/hold`, { method: 'POST', body: Buffer.alloc(bytes, 0x61) });

  /** A body without Content-Length, sent in 64 KB chunks (Transfer-Encoding: chunked). */
  const postChunked = (bytes: number) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request(`${endpoint}/hold`, { method: 'POST' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      for (let sent = 0; sent < bytes; sent += 64 * KB) req.write(Buffer.alloc(64 * KB, 0x62));
      req.end();
    });

  it('answers 429 past the bound while bodies are held, and takes requests again once they are not', async () => {
    holdNext();
    const first = post(700 * KB);
    // Let the first body arrive and its operation start holding it.
    await new Promise((r) => setTimeout(r, 200));

    const declared = await post(400 * KB);
    assert.equal(declared.status, 429);
    assert.equal(declared.headers.get('x-amzn-errortype'), 'TooManyRequestsException');
    assert.equal(declared.headers.get('retry-after'), '1');
    const error = (await declared.json()) as Record<string, string>;
    assert.equal(error.Reason, 'CallerRateLimitExceeded');
    assert.equal(error.message, 'Rate Exceeded.');

    const chunked = await postChunked(512 * KB);
    assert.equal(chunked.status, 429);
    assert.equal(chunked.headers['x-amzn-errortype'], 'TooManyRequestsException');

    open();
    const answered = await first;
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { bytes: 700 * KB });

    // Nothing was kept by the refused requests or the answered one: the whole bound is free again.
    assert.equal((await post(1000 * KB)).status, 200);
    assert.equal((await postChunked(960 * KB)).status, 200);
  });

  it('gives back what a caller that went away mid-body had sent', async () => {
    const { port } = new URL(endpoint);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /hold HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${1000 * KB}\r\n\r\n`);
        socket.write(Buffer.alloc(600 * KB, 0x63), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await post(1000 * KB)).status, 200);
  });

  it('still answers 413 for one body over its route limit', async () => {
    assert.equal((await post(4097 * KB)).status, 413);
    assert.equal((await post(64 * KB)).status, 200);
  });
});
