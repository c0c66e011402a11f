// The verifier's own canonical request against AWS's signer (@smithy/signature-v4), on many requests: the
// same rebuilt request given to the signer's signRequest steps must give the same canonical request, and
// requests the signer signs must verify (and fail once anything signed changes).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, getCanonicalHeaders, getPayloadHash, prepareRequest } from '@smithy/signature-v4';
import { canonicalRequest, canonicalizable } from '../../src/api/canonical-request.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';

const pair = { accessKeyId: 'AKIATESTTESTTEST0001', secretAccessKey: 'secret/with+chars0123456789' };

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  return { next, pick };
}

const PATHS = [
  '/2015-03-31/functions/my-fn/invocations',
  '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Amy-fn/invocations',
  '/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af',
  '/2015-03-31/functions/',
  '/',
  '/a/./b/../c//d/',
  "/odd!'()*chars/x%20y/%2F/",
  '/caf%C3%A9/\u00e9',
];
const QUERIES = [
  '',
  'Qualifier=live',
  'Qualifier=1&Marker=abc%3D%3D&MaxItems=5',
  'b=2&a=1&a=0&A=3',
  'x=a+b&y=%2A%21&empty=&flag',
  'X-Amz-Signature=zzz&q=1',
  'k%20ey=v%26al&k=%E2%82%AC',
];
const VALUES = ['plain', '  padded  ', 'in\tside  spaces', 'a\r\nb', '', 'UPPER lower', '\u00e9t\u00e9'];
const EXTRA_NAMES = [
  'content-type',
  'x-amz-invocation-type',
  'x-amz-log-type',
  'x-amz-client-context',
  'user-agent',
  'x-amzn-trace-id',
  'date',
  'authorization',
  'expect',
];

/** The signer's own canonical-request step, reachable from a test. */
class ExposedSigner extends SignatureV4 {
  canonical(...args: Parameters<SignatureV4['createCanonicalRequest']>): string {
    return this.createCanonicalRequest(...args);
  }
}

function smithyCanonical(
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: IncomingHttpHeaders,
  signedHeaders: string[],
  body: Buffer,
  signingDate: Date,
): Promise<string> {
  // Exactly what the verifier gave the signer before: the signed headers as received, the decoded query.
  const h: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headers[name];
    if (value !== undefined) h[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new ExposedSigner({
    credentials: pair,
    region: 'us-east-1',
    service: 'lambda',
    sha256: Sha256,
    applyChecksum: false,
  });
  const request = prepareRequest(
    new HttpRequest({
      method,
      protocol: 'http:',
      hostname: h.host ?? '',
      path: rawPath,
      query: q,
      headers: h,
      body: body.length === 0 ? undefined : body,
    }),
  );
  const longDate = signingDate
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  request.headers['x-amz-date'] = longDate;
  return getPayloadHash(request, Sha256).then((payloadHash) =>
    signer.canonical(request, getCanonicalHeaders(request, undefined, new Set(signedHeaders)), payloadHash),
  );
}

describe('SigV4 canonical request', () => {
  it("matches AWS's signer on many requests", async () => {
    const r = random(42);
    const signingDate = new Date(Date.UTC(2026, 10, 23, 9, 30, 5));
    for (let i = 0; i < 600; i++) {
      const method = r.pick(['POST', 'GET', 'PUT', 'DELETE']);
      const rawPath = r.pick(PATHS);
      const rawQuery = r.pick(QUERIES);
      const body = r.next() < 0.3 ? Buffer.alloc(0) : Buffer.from(`{"i":${i},"s":"${r.pick(VALUES)}"}`);
      const headers: IncomingHttpHeaders = {
        host: '127.0.0.1:9000',
        'x-amz-date': '20261123T093005Z',
      };
      const signed = ['host', 'x-amz-date'];
      for (const name of EXTRA_NAMES) {
        if (r.next() < 0.4) {
          headers[name] = r.pick(VALUES);
          if (r.next() < 0.8) signed.push(name);
        }
      }
      const sha = createHash('sha256').update(body).digest('hex');
      if (r.next() < 0.5) {
        headers['x-amz-content-sha256'] = sha;
        if (r.next() < 0.7) signed.push('x-amz-content-sha256');
      }
      if (r.next() < 0.2) signed.push('x-amz-absent');
      if (r.next() < 0.1) signed.push('host');
      const order = r.next() < 0.5 ? signed.sort() : signed;
      assert.ok(canonicalizable(order));
      const ours = canonicalRequest({
        method,
        rawPath,
        rawQuery,
        headers,
        signedHeaders: order,
        longDate: '20261123T093005Z',
        payloadHash: (declared) => declared ?? sha,
      });
      const theirs = await smithyCanonical(method, rawPath, rawQuery, headers, order, body, signingDate);
      assert.equal(ours, theirs, `request ${i}: ${method} ${rawPath}?${rawQuery} [${order.join(';')}]`);
    }
  });

  it('leaves unusual signed header names to the signer', () => {
    assert.equal(canonicalizable(['host', 'x-amz-date']), true);
    assert.equal(canonicalizable(['Host', 'x-amz-date']), false);
    assert.equal(canonicalizable(['host', '__proto__']), false);
  });

  it('verifies what the signer signs, and nothing it did not', async () => {
    const verifier = new SigV4Verifier({
      secretFor: (id) => (id === pair.accessKeyId ? pair.secretAccessKey : undefined),
    });
    const client = new SignatureV4({
      credentials: pair,
      region: 'eu-west-1',
      service: 'lambda',
      sha256: Sha256,
    });
    const r = random(7);
    for (let i = 0; i < 60; i++) {
      const rawPath = r.pick(PATHS.slice(0, 4));
      const rawQuery = r.pick(QUERIES.slice(0, 3));
      const body = Buffer.from(`{"n":${i}}`);
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(rawQuery)) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const headers: Record<string, string> = { host: '127.0.0.1:9000', 'content-type': r.pick(VALUES) };
      if (r.next() < 0.5) headers['x-amz-log-type'] = 'Tail';
      const signed = await client.sign(
        new HttpRequest({ method: 'POST', hostname: '127.0.0.1', path: rawPath, query, headers, body }),
      );
      const received: IncomingHttpHeaders = {};
      for (const [k, v] of Object.entries(signed.headers)) received[k.toLowerCase()] = String(v);
      const req = { method: 'POST', rawPath, rawQuery, headers: received, body };
      const admitted = verifier.precheck(req);
      const caller = await verifier.verify(req, Date.now(), admitted);
      assert.equal(caller.region, 'eu-west-1');
      await assert.rejects(verifier.verify({ ...req, body: Buffer.from(`{"n":${i + 1}}`) }), {
        name: 'InvalidSignatureException',
      });
      await assert.rejects(
        verifier.verify({ ...req, headers: { ...received, 'content-type': 'text/x-changed' } }),
        { name: 'InvalidSignatureException' },
      );
      await assert.rejects(verifier.verify({ ...req, rawPath: `${rawPath}x` }), {
        name: 'InvalidSignatureException',
      });
    }
  });
});
