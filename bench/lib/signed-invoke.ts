// One Invoke request signed once with SigV4 (AWS's own signer), to be replayed verbatim by a load
// generator: a signature stays valid for minutes (Kindling, like AWS, allows 15 minutes of skew).

import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ReplayableRequest {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface SigningIdentity {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function invokePath(functionName: string): string {
  return `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`;
}

export async function signedInvoke(
  endpoint: string,
  functionName: string,
  payload: Buffer,
  identity: SigningIdentity | undefined,
): Promise<ReplayableRequest> {
  const url = new URL(endpoint);
  const path = invokePath(functionName);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json' };
  if (identity === undefined) return { method: 'POST', path, headers, body: payload };
  const signer = new SignatureV4({
    service: 'lambda',
    region: identity.region,
    credentials: identity.credentials,
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers,
    body: payload,
  });
  const signed = await signer.sign(request);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  return { method: 'POST', path, headers: out, body: payload };
}
