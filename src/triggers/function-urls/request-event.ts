// An HTTP request to a function URL as the event Lambda gives the function: payload format version 2.0
// (the same shape API Gateway HTTP APIs send). Headers are lower-case with repeated values comma-joined;
// cookies move from the Cookie header to `cookies`; a body whose content type is not text is base64.

import type { UrlHttpRequest } from './http-request.js';

export interface UrlRequestContextIam {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

export interface UrlEventOptions {
  readonly urlId: string;
  readonly accountId: string;
  /** Host the client used (domainName). */
  readonly domainName: string;
  /** Set when AuthType is AWS_IAM: the verified caller. */
  readonly iam?: UrlRequestContextIam;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|yaml|x-yaml|graphql|ld\+json|[\w.+-]*\+(json|xml)))/i;

/** Whether Lambda passes a body with this content type as text rather than base64. */
export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.test(contentType.trim());
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function headerText(v: string | readonly string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(',');
}

/** "12/Mar/2020:19:03:58 +0000", the CLF time API Gateway and function URLs print. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function toUrlEvent(req: UrlHttpRequest, options: UrlEventOptions): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    const text = headerText(value);
    if (text === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'cookie') {
      cookies = text
        .split(/;\s*/)
        .map((c) => c.trim())
        .filter((c) => c !== '');
      continue;
    }
    headers[lower] = text;
  }
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-for'] ??= req.sourceIp;

  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(req.rawQueryString))
    query[k] = k in query ? `${query[k]},${v}` : v;

  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(cookies !== undefined && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: options.iam === undefined ? 'anonymous' : options.accountId,
      apiId: options.urlId,
      ...(options.iam !== undefined ? { authorizer: { iam: options.iam } } : {}),
      domainName: options.domainName,
      domainPrefix: options.urlId,
      http: {
        method: req.method,
        path: req.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: req.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(req.time),
      timeEpoch: req.time,
    },
    isBase64Encoded: false,
  };
  if (req.body.length > 0) {
    let text: string | undefined;
    if (isTextContentType(headers['content-type'])) {
      try {
        text = utf8.decode(req.body);
      } catch {
        text = undefined;
      }
    }
    event.body = text ?? req.body.toString('base64');
    event.isBase64Encoded = text === undefined;
  }
  return event;
}
