// A SigV4-signed request sent with `fetch`, for what the SDKs cannot send: malformed bodies, odd paths and
// queries, or a function URL. Signed as the SDKs sign (@smithy/signature-v4), so the server cannot tell.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignedRequest {
  readonly method: string;
  /** Path as sent on the wire (already percent-encoded), without the query. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Signing name; Lambda's unless said. */
  readonly service?: string;
}

export interface SigningIdentity {
  /** Where the request goes, e.g. `http://127.0.0.1:4010`. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export async function signedFetch(to: SigningIdentity, req: SignedRequest): Promise<Response> {
  const url = new URL(to.endpoint);
  const query = req.query ?? {};
  const signer = new SignatureV4({
    service: req.service ?? 'lambda',
    region: to.region,
    credentials: to.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: req.path,
    query: { ...query },
    headers: { host: url.host, ...req.headers },
    body: req.body,
  });
  const search = Object.entries(query)
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .join('&');
  return fetch(`${url.origin}${req.path}${search ? `?${search}` : ''}`, {
    method: req.method,
    headers: signed.headers as Record<string, string>,
    ...(req.body === undefined ? {} : { body: new Uint8Array(Buffer.from(req.body)) }),
  });
}

/** Percent-encoding as SigV4 canonicalises a query (RFC 3986 unreserved characters kept). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
