// CORS for function URLs, as Lambda applies a URL's Cors settings: it answers preflight requests itself
// and sets the Access-Control-* headers on responses to allowed origins, overriding the function's.

import type { Cors } from './model.js';

function originAllowed(cors: Cors, origin: string): boolean {
  const origins = cors.AllowOrigins ?? [];
  return origins.includes('*') || origins.some((o) => o.toLowerCase() === origin.toLowerCase());
}

function allowOriginValue(cors: Cors, origin: string): string {
  // With credentials a wildcard is not allowed by browsers: echo the origin.
  return (cors.AllowOrigins ?? []).includes('*') && cors.AllowCredentials !== true ? '*' : origin;
}

/** Whether a request is a CORS preflight Lambda answers itself. */
export function isPreflight(method: string, headers: Readonly<Record<string, unknown>>): boolean {
  return (
    method === 'OPTIONS' &&
    typeof headers.origin === 'string' &&
    headers['access-control-request-method'] !== undefined
  );
}

/** Headers of the preflight answer (empty when the origin is not allowed). */
export function preflightHeaders(cors: Cors, origin: string, requestMethod: string): Record<string, string> {
  if (!originAllowed(cors, origin)) return {};
  const methods = cors.AllowMethods ?? [];
  if (methods.length > 0 && !methods.includes('*') && !methods.includes(requestMethod.toUpperCase()))
    return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowOriginValue(cors, origin),
    'access-control-allow-methods': methods.length > 0 ? methods.join(',') : requestMethod.toUpperCase(),
  };
  if (cors.AllowHeaders !== undefined && cors.AllowHeaders.length > 0) {
    headers['access-control-allow-headers'] = cors.AllowHeaders.join(',');
  }
  if (cors.MaxAge !== undefined) headers['access-control-max-age'] = String(cors.MaxAge);
  if (cors.AllowCredentials === true) headers['access-control-allow-credentials'] = 'true';
  headers.vary = 'Origin';
  return headers;
}

/** Headers added to an ordinary response for an allowed origin. */
export function responseHeaders(cors: Cors, origin: string | undefined): Record<string, string> {
  if (origin === undefined || !originAllowed(cors, origin)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowOriginValue(cors, origin),
    vary: 'Origin',
  };
  if (cors.ExposeHeaders !== undefined && cors.ExposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = cors.ExposeHeaders.join(',');
  }
  if (cors.AllowCredentials === true) headers['access-control-allow-credentials'] = 'true';
  return headers;
}
