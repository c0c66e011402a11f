// X-Amz-Client-Context: base64 JSON, at most 3,583 bytes, handed to the runtime decoded as
// Lambda-Runtime-Client-Context (wire contract 2.3; RIE base64-decodes it first).

import { Errors } from '../errors.js';

export const MAX_CLIENT_CONTEXT_BYTES = 3583;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes and checks a client context header. Returns the JSON as one header-safe line (compact, with
 * non-ASCII escaped) so it can travel in the runtime's /next headers.
 */
export function decodeClientContext(header: string): string {
  // SECURITY: caller-supplied; bounded in size, must be base64 of a JSON object before it reaches a guest.
  if (Buffer.byteLength(header) > MAX_CLIENT_CONTEXT_BYTES) {
    throw Errors.invalidRequestContent(
      `Client context must be no longer than ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64-encoded JSON.`,
    );
  }
  const invalid = () =>
    Errors.invalidRequestContent('Client context must be a valid Base64-encoded JSON object.');
  if (!BASE64.test(header)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  return JSON.stringify(parsed).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
