// The invocation record Lambda sends to an async destination (Developer Guide, "Capturing records of
// asynchronous invocations"): version 1.0, requestContext with the qualified function ARN, the condition
// and approximateInvokeCount, the request payload, and the response context and payload when the function
// ran at least once.

import { nestsDeeperThan } from '../../json-depth.js';
import type { LastResponse, RecordCondition } from './model.js';

export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: RecordCondition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext?: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly responsePayload?: unknown;
}

/**
 * Deepest payload the record carries as parsed JSON. The record is serialised with JSON.stringify, which
 * recurses: a payload of nothing but brackets (1 MB of them fits an async invoke) would overflow the stack.
 */
const MAX_RECORD_PAYLOAD_DEPTH = 1000;

/** A payload as the record carries it: parsed JSON when it is JSON, its text otherwise. */
export function payloadValue(payload: Buffer): unknown {
  if (payload.length === 0) return null;
  const text = payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return text;
  }
  // SECURITY: payloads (the caller's and the function's) are untrusted; one nesting deeper than any record
  // can be written travels as its text.
  return nestsDeeperThan(value, MAX_RECORD_PAYLOAD_DEPTH) ? text : value;
}

export function invocationRecord(input: {
  readonly requestId: string;
  readonly qualifiedFunctionArn: string;
  readonly condition: RecordCondition;
  readonly approximateInvokeCount: number;
  readonly requestPayload: Buffer;
  readonly response?: LastResponse;
  readonly now: number;
}): InvocationRecord {
  const { response } = input;
  return {
    version: '1.0',
    timestamp: new Date(input.now).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.qualifiedFunctionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: payloadValue(input.requestPayload),
    ...(response !== undefined
      ? {
          responseContext: {
            statusCode: 200,
            executedVersion: response.executedVersion,
            ...(response.functionError !== undefined ? { functionError: response.functionError } : {}),
          },
          responsePayload: payloadValue(response.payload),
        }
      : {}),
  };
}
