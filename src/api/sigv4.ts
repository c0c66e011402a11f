// SigV4 verification by recomputation: the request is rebuilt exactly as the client signed it (its signed
// headers, its path as sent, its decoded query, its body) and signed again. The two signatures must match.
// Both forms are accepted: the Authorization header and the presigned query string (X-Amz-Signature).
// The Authorization header form, on every API call, is computed here with node:crypto and a signing key
// cached per key, day, region and service (canonical-request.ts builds exactly what AWS's signer builds);
// the presigned form, rare, is signed by AWS's own signer (@smithy/signature-v4).

import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';
import { Errors } from '../errors.js';
import { canonicalRequest, canonicalizable } from './canonical-request.js';

/** A SHA-256 / HMAC-SHA-256 on node:crypto for the signer (its default is pure JavaScript and slower). */
class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret: SourceData | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret;
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface CredentialLookup {
  /** The secret for an access key id, or undefined when the key is unknown. */
  secretFor(accessKeyId: string): string | undefined;
}

export interface SignedRequest {
  readonly method: string;
  /** Path exactly as received (still percent-encoded). */
  readonly rawPath: string;
  /** Query string as received, without the leading '?'. */
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface VerifiedCaller {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

const MAX_CACHED_SIGNERS = 64;
/** Signing keys cached (one per key, day, region and service in use): a bound, not a tuning knob. */
const MAX_CACHED_KEYS = 64;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// AWS allows 15 minutes of clock skew between client and server.
const MAX_SKEW_MS = 15 * 60 * 1000;
/** AWS's longest presigned URL validity: seven days. */
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;

const AUTH_HEADER =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

export interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
}

/** What precheck() settled about a request: handed to verify() so the request is not parsed twice. */
export interface Admitted {
  readonly auth: ParsedAuth;
  readonly presigned: boolean;
  readonly secret: string;
  readonly signingDate: Date;
  /** The query, when admitting it needed a parse (a query naming X-Amz-Signature, perhaps percent-encoded). */
  readonly query: URLSearchParams | undefined;
}

export class SigV4Verifier {
  private readonly signers = new Map<string, SignatureV4>();
  private readonly signingKeys = new Map<string, Buffer>();
  /** The last X-Amz-Date seen and its signing date as the signer formats it (clients sign per second). */
  private lastAmzDate = '';
  private lastLongDate = '';

  constructor(private readonly credentials: CredentialLookup) {}

  /**
   * The checks that need no body: the signature's form, a known access key, the clock. The server runs
   * them before reading a body, so an unauthenticated caller cannot make it buffer one.
   */
  precheck(req: Pick<SignedRequest, 'headers' | 'rawQuery'>, now = Date.now()): Admitted {
    return this.admit(req.rawQuery, req.headers, now);
  }

  private admit(rawQuery: string, headers: IncomingHttpHeaders, now: number): Admitted {
    // Only a query that names the signature parameter (perhaps percent-encoded) can be presigned: most
    // requests skip the parse.
    const query =
      rawQuery.includes('X-Amz-Signature') || rawQuery.includes('%')
        ? new URLSearchParams(rawQuery)
        : undefined;
    const presigned = query?.has('X-Amz-Signature') === true;
    const auth = presigned && query !== undefined ? parsePresigned(query) : parseHeader(headers);
    // SECURITY: the access key decides which secret checks the signature; an unknown key is rejected
    // before any signing work is done.
    const secret = this.credentials.secretFor(auth.accessKeyId);
    if (secret === undefined) {
      throw Errors.unrecognizedClient('The security token included in the request is invalid.');
    }
    const signingDate = parseAmzDate(auth.amzDate);
    checkClock(auth, presigned, signingDate, now);
    return { auth, presigned, secret, signingDate, query };
  }

  /**
   * Verifies the request; throws the AWS error a real endpoint would answer with. `admitted` is what
   * precheck() returned for this same request (its headers and query): the clock is checked again (the
   * body took time to arrive), the rest is not parsed twice.
   */
  async verify(req: SignedRequest, now = Date.now(), admitted?: Admitted): Promise<VerifiedCaller> {
    if (admitted !== undefined) checkClock(admitted.auth, admitted.presigned, admitted.signingDate, now);
    const { auth, presigned, secret, signingDate, query } =
      admitted ?? this.admit(req.rawQuery, req.headers, now);
    const bodyHash = checkDeclaredPayloadHash(req, presigned);
    let expected: string | undefined;
    if (!presigned && canonicalizable(auth.signedHeaders)) {
      expected = this.headerSignature(req, auth, secret, signingDate, bodyHash);
    } else {
      expected = await this.smithySignature(req, auth, secret, signingDate, presigned, query);
    }
    if (expected === undefined || !safeEqualHex(expected, auth.signature)) {
      throw Errors.invalidSignature(
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return { accessKeyId: auth.accessKeyId, region: auth.region, service: auth.service };
  }

  /**
   * The Authorization-header signature, as AWS's signer computes it for this request (signRequest with
   * the client's signed headers, its date, region and service), in one hash and one HMAC.
   */
  private headerSignature(
    req: SignedRequest,
    auth: ParsedAuth,
    secret: string,
    signingDate: Date,
    bodyHash: string | undefined,
  ): string {
    if (auth.amzDate !== this.lastAmzDate) {
      this.lastLongDate = formatAmzDate(signingDate);
      this.lastAmzDate = auth.amzDate;
    }
    const longDate = this.lastLongDate;
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${auth.region}/${auth.service}/aws4_request`;
    const canonical = canonicalRequest({
      method: req.method,
      rawPath: req.rawPath,
      rawQuery: req.rawQuery,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      longDate,
      payloadHash: (declared) => declared ?? bodyHash ?? sha256Hex(req.body),
    });
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${sha256Hex(canonical)}`;
    const key = this.signingKey(auth.accessKeyId, secret, shortDate, auth.region, auth.service);
    return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  }

  /** kSigning = HMAC chain over the day, region, service and "aws4_request" (AWS SigV4). */
  private signingKey(
    accessKeyId: string,
    secret: string,
    shortDate: string,
    region: string,
    service: string,
  ): Buffer {
    const cacheKey = `${accessKeyId}\n${shortDate}\n${region}\n${service}\n${secret}`;
    let key = this.signingKeys.get(cacheKey);
    if (key === undefined) {
      key = Buffer.from(`AWS4${secret}`, 'utf8');
      for (const part of [shortDate, region, service, 'aws4_request'])
        key = createHmac('sha256', key).update(part, 'utf8').digest();
      // SECURITY: region and service come from the request; the bound keeps made-up scopes from growing it.
      if (this.signingKeys.size >= MAX_CACHED_KEYS) this.signingKeys.clear();
      this.signingKeys.set(cacheKey, key);
    }
    return key;
  }

  /** The signature AWS's own signer computes for the rebuilt request (presigned URLs, unusual headers). */
  private async smithySignature(
    req: SignedRequest,
    auth: ParsedAuth,
    secret: string,
    signingDate: Date,
    presigned: boolean,
    parsedQuery: URLSearchParams | undefined,
  ): Promise<string | undefined> {
    const query = parsedQuery ?? new URLSearchParams(req.rawQuery);
    const signer = this.signerFor(auth.accessKeyId, secret, auth.region, auth.service);
    const request = rebuild(req, query, auth.signedHeaders, presigned);
    const signableHeaders = new Set(auth.signedHeaders);
    let expected: string | undefined;
    if (presigned) {
      const signed = await signer.presign(request, {
        signingDate,
        expiresIn: auth.expiresSeconds ?? 900,
        signableHeaders,
        signingRegion: auth.region,
        signingService: auth.service,
      });
      const sig = signed.query?.['X-Amz-Signature'];
      expected = typeof sig === 'string' ? sig : undefined;
    } else {
      const signed = await signer.sign(request, {
        signingDate,
        signableHeaders,
        signingRegion: auth.region,
        signingService: auth.service,
      });
      expected = AUTH_HEADER.exec(String(signed.headers.authorization ?? ''))?.[3];
    }
    return expected;
  }

  private signerFor(
    accessKeyId: string,
    secretAccessKey: string,
    region: string,
    service: string,
  ): SignatureV4 {
    const key = `${accessKeyId}\n${region}\n${service}`;
    let signer = this.signers.get(key);
    if (signer === undefined) {
      // One signer per key and scope: it caches the derived signing key per day.
      signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey },
        region,
        service,
        sha256: NodeSha256,
        applyChecksum: false,
      });
      // SECURITY: region and service come from the request; a bounded cache keeps made-up scopes from
      // growing it without end (a handful of real scopes: lambda, logs, sqs, scheduler).
      if (this.signers.size >= MAX_CACHED_SIGNERS) this.signers.clear();
      this.signers.set(key, signer);
    }
    return signer;
  }
}

/** AWS's clock rules: 15 minutes of skew; a presigned URL not dated ahead, and not past its expiry. */
function checkClock(auth: ParsedAuth, presigned: boolean, signingDate: Date, now: number): void {
  // SECURITY: a presigned URL dated ahead of the clock would stay valid past its X-Amz-Expires.
  if (presigned && signingDate.getTime() - now > MAX_SKEW_MS) {
    throw Errors.invalidSignature('Request is not yet valid: its X-Amz-Date is in the future.');
  }
  if (!presigned && Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) {
    throw Errors.invalidSignature(
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(new Date(now - MAX_SKEW_MS))}`,
    );
  }
  if (presigned && now > signingDate.getTime() + (auth.expiresSeconds ?? 0) * 1000) {
    throw Errors.invalidSignature('Signature expired: the presigned request is past its X-Amz-Expires.');
  }
}

function parseHeader(headers: IncomingHttpHeaders): ParsedAuth {
  const header = headers.authorization;
  if (header === undefined || header === '') {
    throw Errors.unrecognizedClient(
      'Missing Authentication Token: sign the request with AWS Signature Version 4 (Authorization header or X-Amz-Signature query parameter).',
    );
  }
  const match = AUTH_HEADER.exec(header);
  if (match === null) {
    throw Errors.invalidSignature(
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).`,
    );
  }
  const amzDate = headerValue(headers['x-amz-date']);
  if (amzDate === undefined)
    throw Errors.invalidSignature(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  return {
    ...parseCredential(match[1]!),
    signedHeaders: match[2]!.split(';'),
    signature: match[3]!,
    amzDate,
  };
}

function parsePresigned(query: URLSearchParams): ParsedAuth {
  const algorithm = query.get('X-Amz-Algorithm');
  const credential = query.get('X-Amz-Credential');
  const amzDate = query.get('X-Amz-Date');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature') ?? '';
  if (
    algorithm !== 'AWS4-HMAC-SHA256' ||
    !credential ||
    !amzDate ||
    !signedHeaders ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    throw Errors.invalidSignature(
      'AWS query-string parameters must include X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature.',
    );
  }
  // SECURITY: the expiry bounds how long a leaked URL works. Anything but whole seconds up to AWS's
  // seven-day maximum is refused: Number('NaN') would compare false and never expire.
  const expires = query.get('X-Amz-Expires') ?? '';
  if (!/^\d{1,6}$/.test(expires) || Number(expires) > MAX_PRESIGNED_SECONDS) {
    throw Errors.invalidSignature(
      `X-Amz-Expires must be a whole number of seconds between 0 and ${MAX_PRESIGNED_SECONDS}.`,
    );
  }
  return {
    ...parseCredential(credential),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    expiresSeconds: Number(expires),
  };
}

function parseCredential(credential: string) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw Errors.invalidSignature(`Credential should be scoped to a valid region, not '${credential}'.`);
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service };
}

function rebuild(
  req: SignedRequest,
  query: URLSearchParams,
  signedHeaders: readonly string[],
  presigned: boolean,
): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const q: Record<string, string | string[]> = {};
  for (const [k, v] of query) {
    if (presigned && k === 'X-Amz-Signature') continue;
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const host = headers.host ?? '';
  return {
    method: req.method,
    protocol: 'http:',
    hostname: host,
    path: req.rawPath,
    query: q,
    headers,
    body: req.body.length === 0 ? undefined : req.body,
  };
}

/**
 * A client may declare its payload's hash in x-amz-content-sha256 instead of letting the signer hash the
 * body. The signer then signs that declaration, so it must match the body actually received. Returns the
 * body's hash when it was computed (so it is computed once per request).
 */
function checkDeclaredPayloadHash(req: SignedRequest, presigned: boolean): string | undefined {
  const declared = headerValue(req.headers['x-amz-content-sha256']);
  if (declared === undefined) return undefined;
  // SECURITY: an unsigned payload is only acceptable on a presigned URL, never on a header-signed request.
  if (declared === 'UNSIGNED-PAYLOAD' && presigned) return undefined;
  const actual = sha256Hex(req.body);
  if (declared !== actual) {
    throw Errors.invalidSignature(
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  }
  return actual;
}

/** Node's one-shot digest (20.12 and later): no Hash object per call. */
const oneShotHash = (
  nodeCrypto as { hash?: (algorithm: string, data: Buffer | string, encoding: 'hex') => string }
).hash;

function sha256Hex(data: Buffer | string): string {
  if (typeof data !== 'string' && data.length === 0) return EMPTY_SHA256;
  if (oneShotHash !== undefined) return oneShotHash('sha256', data, 'hex');
  return createHash('sha256').update(data).digest('hex');
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseAmzDate(amzDate: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (m === null)
    throw Errors.invalidSignature(`Invalid X-Amz-Date '${amzDate}': expected YYYYMMDD'T'HHMMSS'Z'.`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function safeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
