// The SigV4 canonical request of an Authorization-header-signed request, built exactly as AWS's signer
// (@smithy/signature-v4 signRequest) builds it from the request the verifier rebuilds: its signed headers
// as received plus X-Amz-Date, its path normalised and escaped, its query sorted and escaped, and the
// payload hash. Kept byte-for-byte equal to the signer's; test/api/canonical-request.test.ts compares the
// two on many requests.

import type { IncomingHttpHeaders } from 'node:http';

export interface CanonicalInput {
  readonly method: string;
  /** Path exactly as received (still percent-encoded). */
  readonly rawPath: string;
  /** Query string as received, without the leading '?'. */
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's SignedHeaders, as listed (see canonicalizable()). */
  readonly signedHeaders: readonly string[];
  /** The signing date, YYYYMMDD'T'HHMMSS'Z', as the signer formats it (it replaces any X-Amz-Date). */
  readonly longDate: string;
  /**
   * The payload hash: the signed x-amz-content-sha256 value when the client signed one (the signer uses
   * the declaration as it is), else the caller's hash of the body.
   */
  readonly payloadHash: (declared: string | undefined) => string;
}

/** Header names this builder handles; anything else is left to AWS's own signer. */
const PLAIN_HEADER_NAME = /^[a-z0-9-]+$/;
/** The signer drops these from the request before signing, then sets X-Amz-Date itself. */
const GENERATED = new Set(['authorization', 'x-amz-date', 'date']);
const PATH_CACHE_LIMIT = 1_000;
const canonicalPaths = new Map<string, string>();

/** Whether canonicalRequest() reproduces the signer for these signed headers (plain lower-case names). */
export function canonicalizable(signedHeaders: readonly string[]): boolean {
  for (const name of signedHeaders) if (!PLAIN_HEADER_NAME.test(name)) return false;
  return true;
}

export function canonicalRequest(input: CanonicalInput): string {
  const values = new Map<string, string>();
  let declared: string | undefined;
  for (const name of input.signedHeaders) {
    if (GENERATED.has(name) || values.has(name)) continue;
    const raw = input.headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (name === 'x-amz-content-sha256') declared = value;
    values.set(name, canonicalHeaderValue(value));
  }
  values.set('x-amz-date', input.longDate);
  const names = [...values.keys()].sort();
  let headerLines = '';
  for (const name of names) headerLines += `${name}:${values.get(name)}\n`;
  return `${input.method}\n${canonicalPath(input.rawPath)}\n${canonicalQuery(input.rawQuery)}\n${headerLines}\n${names.join(';')}\n${input.payloadHash(declared)}`;
}

function canonicalHeaderValue(value: string): string {
  return value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/** The signer's path: dot segments and empty segments resolved, then escaped once more ('/' kept). */
function canonicalPath(path: string): string {
  const cached = canonicalPaths.get(path);
  if (cached !== undefined) return cached;
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  const canonical = escapeUri(normalized).replace(/%2F/g, '/');
  // SECURITY: paths come from callers; the bound keeps distinct made-up paths from growing the cache.
  if (canonicalPaths.size >= PATH_CACHE_LIMIT) canonicalPaths.clear();
  canonicalPaths.set(path, canonical);
  return canonical;
}

/** The signer's query: decoded pairs re-escaped, sorted by key (repeated keys by pair), no signature. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  // The same object the rebuilt request carries (a plain object, as the signer receives it).
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const keys: string[] = [];
  const serialized: Record<string, string> = {};
  for (const key in query) {
    if (!Object.hasOwn(query, key) || key.toLowerCase() === 'x-amz-signature') continue;
    const encodedKey = escapeUri(key);
    keys.push(encodedKey);
    const value = query[key];
    if (typeof value === 'string') serialized[encodedKey] = `${encodedKey}=${escapeUri(value)}`;
    else if (Array.isArray(value))
      serialized[encodedKey] = value
        .map((v) => `${encodedKey}=${escapeUri(v)}`)
        .sort()
        .join('&');
  }
  return keys
    .sort()
    .map((key) => serialized[key])
    .filter((s) => s)
    .join('&');
}

/** RFC 3986 escaping as AWS's signer does it (encodeURIComponent, plus !'()*). */
function escapeUri(uri: string): string {
  return encodeURIComponent(uri).replace(/[!'()*]/g, hexEncode);
}

function hexEncode(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}
