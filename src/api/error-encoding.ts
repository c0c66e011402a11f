// One encoder for every error a caller sees. rest-json (Lambda) and awsJson (CloudWatch Logs, SQS JSON)
// differ only in small ways; both are written so that every AWS SDK resolves the error code: the
// x-amzn-ErrorType header first, then the body's code/__type (wire contract 2.4).

import { Errors, LambdaServiceError } from '../errors.js';
import type { ApiResponse } from './http.js';

export type ErrorStyle = 'rest-json' | 'json-1.0' | 'json-1.1';

/**
 * Turns anything thrown into a LambdaServiceError; unknown faults become ServiceException. `internal` says
 * the server must log it: an unknown fault, or a ServiceException that wraps one (the invoker's platform
 * errors carry the fault as their cause), since the caller only ever sees the generic message.
 */
export function asServiceError(err: unknown): { error: LambdaServiceError; internal: boolean } {
  if (err instanceof LambdaServiceError) {
    return { error: err, internal: err.status >= 500 && err.cause !== undefined };
  }
  return {
    error: Errors.service('An internal error occurred. It has been logged.', { origin: 'Service' }),
    internal: true,
  };
}

export function encodeError(error: LambdaServiceError, style: ErrorStyle = 'rest-json'): ApiResponse {
  const contentType =
    style === 'rest-json'
      ? 'application/json'
      : style === 'json-1.0'
        ? 'application/x-amz-json-1.0'
        : 'application/x-amz-json-1.1';
  const body: Record<string, unknown> =
    style === 'rest-json'
      ? // Lambda's shapes disagree on message/Message casing; send both so every client finds one.
        { Type: error.origin, message: error.message, Message: error.message, ...error.extra }
      : { __type: error.code, message: error.message, ...error.extra };
  return {
    status: error.status,
    headers: { 'x-amzn-ErrorType': error.code, 'Content-Type': contentType, ...error.headers },
    body,
  };
}
