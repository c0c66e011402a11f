// The API server's SigV4 verification, driven by AWS's own client and signer against a real listener.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetAccountSettingsCommand, LambdaClient, ListTagsCommand } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import pino from 'pino';
import { credentialLookup } from '../../src/api/credentials.js';
import { Router } from '../../src/api/router.js';
import { createApiServer } from '../../src/api/server.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';

const pair = {
  accessKeyId: 'AKIATESTTESTTEST0001',
  secretAccessKey: 'secret/with+chars0123456789abcdefghijklm',
};

describe('SigV4 verification', () => {
  let server: Server;
  let endpoint: string;
  const seen: string[] = [];

  before(async () => {
    const router = new Router();
    router.add('GET', '/2016-08-19/account-settings/', () => ({
      status: 200,
      body: { AccountLimit: {}, AccountUsage: {} },
    }));
    router.add('GET', '/2017-03-31/tags/{ARN}', (req) => {
      seen.push(req.params.ARN ?? '');
      return { status: 200, body: { Tags: { a: 'b' } } };
    });
    router.add('POST', '/echo', (req) => ({ status: 200, body: req.body }));
    server = createApiServer({
      router,
      verifier: new SigV4Verifier(credentialLookup([pair])),
      log: pino({ level: 'silent' }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const client = (secretAccessKey = pair.secretAccessKey, accessKeyId = pair.accessKeyId) =>
    new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } });

  it('accepts a request signed by the AWS SDK', async () => {
    const out = await client().send(new GetAccountSettingsCommand({}));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('verifies paths carrying an ARN (percent-encoded colons) and decodes the parameter', async () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:my-fn';
    const out = await client().send(new ListTagsCommand({ Resource: arn }));
    assert.deepEqual(out.Tags, { a: 'b' });
    assert.equal(seen.at(-1), arn);
  });

  it('rejects a wrong secret with InvalidSignatureException (403)', async () => {
    await assert.rejects(
      client('wrong-secret').send(new GetAccountSettingsCommand({})),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(err.name, 'InvalidSignatureException');
        assert.equal(err.$metadata?.httpStatusCode, 403);
        assert.match(err.message, /signature we calculated does not match/);
        return true;
      },
    );
  });

  it('refuses an unsigned request before reading its body', async () => {
    // Declares 50 MB, sends 5 bytes: the answer must come without waiting for the rest.
    const { port } = new URL(endpoint);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\nhello');
      });
      let got = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer while the body was pending; got: ${got}`));
      }, 3000);
      socket.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes('\r\n\r\n')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 403/);
    assert.match(answer, /x-amzn-ErrorType: UnrecognizedClientException/i);
  });

  it('rejects an unknown access key with UnrecognizedClientException (403)', async () => {
    await assert.rejects(
      client(pair.secretAccessKey, 'AKIAUNKNOWNUNKNOWN00').send(new GetAccountSettingsCommand({})),
      {
        name: 'UnrecognizedClientException',
      },
    );
  });

  it('rejects an unsigned request with 403 and the AWS error shape', async () => {
    const res = await fetch(`${endpoint}/2016-08-19/account-settings/`);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnrecognizedClientException');
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.Type, 'User');
    assert.match(body.message ?? '', /Missing Authentication Token/);
  });

  async function signedEcho(body: string, tamper?: string) {
    const url = new URL(`${endpoint}/echo`);
    const signer = new SignatureV4({
      credentials: pair,
      region: 'us-east-1',
      service: 'lambda',
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/echo',
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    return fetch(url, { method: 'POST', headers: signed.headers, body: tamper ?? body });
  }

  it('covers the body: a tampered payload fails verification', async () => {
    assert.equal((await signedEcho('{"a":1}')).status, 200);
    const res = await signedEcho('{"a":1}', '{"a":2}');
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  });

  /** A presigned GET of GetAccountSettings, as AWS's signer makes it: the URL to fetch. */
  async function presignedUrl(expiresIn: number, signingDate = new Date()): Promise<string> {
    const url = new URL(`${endpoint}/2016-08-19/account-settings/`);
    const signer = new SignatureV4({
      credentials: pair,
      region: 'us-east-1',
      service: 'lambda',
      sha256: Sha256,
    });
    const presigned = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers: { host: url.host },
      },
      { expiresIn, signingDate },
    );
    const qs = new URLSearchParams(presigned.query as Record<string, string>).toString();
    return `${endpoint}${url.pathname}?${qs}`;
  }

  it('accepts the presigned query-string form and rejects it once tampered', async () => {
    const url = await presignedUrl(300);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    const bad = await fetch(
      url.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
      ),
    );
    assert.equal(bad.status, 403);
    assert.equal(bad.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  });

  it('refuses presigned URLs that would never expire: a non-numeric X-Amz-Expires or a future date', async () => {
    // Signed two days ago with X-Amz-Expires=NaN: the expiry check must not be skipped.
    const stale = await fetch(await presignedUrl(Number.NaN, new Date(Date.now() - 2 * 86_400_000)));
    assert.equal(stale.status, 403);
    assert.equal(stale.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    // Dated a year ahead: it would be valid for a year past the moment it was handed out.
    const future = await fetch(await presignedUrl(300, new Date(Date.now() + 365 * 86_400_000)));
    assert.equal(future.status, 403);
    assert.equal(future.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    // Past the seven-day maximum (the signer refuses to make one, so the query is edited): 403, not a 500.
    const url = await presignedUrl(300);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    const tooLong = await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'));
    assert.equal(tooLong.status, 403);
  });

  it('answers unknown paths with an AWS-shaped 404', async () => {
    const res = await fetch(`${endpoint}/nope`);
    assert.equal(res.status, 404);
    assert.ok(res.headers.get('x-amzn-errortype'));
  });
});
