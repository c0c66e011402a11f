// A function's result as the HTTP response of its URL (payload format 2.0 response): an object with
// statusCode is taken apart (headers, cookies, body, isBase64Encoded); any other valid JSON is the body of
// a 200 application/json response, as Lambda infers it (a bare string is the body itself).

import type { UrlHttpResponse } from './http-request.js';

const JSON_TYPE = { 'content-type': 'application/json' } as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fromFunctionResult(payload: Buffer): UrlHttpResponse {
  let result: unknown;
  try {
    result = payload.length === 0 ? null : JSON.parse(payload.toString('utf8'));
  } catch {
    // Not JSON (a runtime that posted raw bytes): pass it through.
    return { statusCode: 200, headers: JSON_TYPE, cookies: [], body: payload };
  }
  if (!isRecord(result) || !('statusCode' in result)) {
    if (result === null) return { statusCode: 200, headers: JSON_TYPE, cookies: [], body: Buffer.alloc(0) };
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return { statusCode: 200, headers: JSON_TYPE, cookies: [], body: Buffer.from(body, 'utf8') };
  }
  const status = Number(result.statusCode);
  // SECURITY: the function's answer becomes our HTTP response; the status and header values are checked
  // so a function cannot split the response or crash the writer.
  const statusCode = Number.isInteger(status) && status >= 100 && status <= 599 ? status : 502;
  const headers: Record<string, string> = {};
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || value === null || value === undefined) continue;
      const text = String(value);
      if (/[\r\n]/.test(text)) continue;
      headers[name.toLowerCase()] = text;
    }
  }
  const cookies = Array.isArray(result.cookies)
    ? result.cookies.filter((c): c is string => typeof c === 'string' && !/[\r\n]/.test(c))
    : [];
  const rawBody = result.body;
  const text =
    rawBody === undefined || rawBody === null
      ? ''
      : typeof rawBody === 'string'
        ? rawBody
        : JSON.stringify(rawBody);
  const body = result.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode, headers, cookies, body };
}
