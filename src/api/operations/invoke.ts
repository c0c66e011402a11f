// Invoke on the wire (wire contract 2.3): POST /2015-03-31/functions/{FunctionName}/invocations.
// Decodes the invocation type, log type, client context and payload at the edge, runs the invocation
// through the invoke service, and turns its outcome into Lambda's response: 200 with
// X-Amz-Executed-Version, X-Amz-Function-Error: Unhandled when the function failed (never an HTTP
// error), X-Amz-Log-Result for Tail; 204 for DryRun. The payload travels as bytes, never re-encoded.

import { Errors, validationMessage } from '../../errors.js';
import { type AsyncInvocations, MAX_ASYNC_PAYLOAD_BYTES } from '../../invoke/async/index.js';
import { type Invoker, decodeClientContext } from '../../invoke/index.js';
import type { ApiRequest, ApiResponse, Routes } from '../http.js';

/** Synchronous invoke payloads are limited to 6 MB (wire contract 2.3). */
export const MAX_SYNC_PAYLOAD_BYTES = 6291456;

const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
type InvocationType = (typeof INVOCATION_TYPES)[number];
const EMPTY_EVENT = Buffer.from('{}');
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function registerInvokeOperations(
  routes: Routes,
  invoker: Invoker,
  asyncInvocations?: Pick<AsyncInvocations, 'accept'>,
): void {
  // InvokeAsync (deprecated): an Event invoke answered {Status: 202}.
  routes.add(
    'POST',
    '/2014-11-13/functions/{FunctionName}/invoke-async/',
    async (req) => {
      if (asyncInvocations === undefined)
        throw Errors.invalidParameterValue('Event invocation is not supported yet');
      await asyncInvocations.accept({
        functionName: req.params.FunctionName ?? '',
        payload: decodePayload(req.body),
        requestId: req.requestId,
      });
      return { status: 202, body: { Status: 202 } };
    },
    {
      maxBodyBytes: MAX_ASYNC_PAYLOAD_BYTES,
      tooLarge: () =>
        Errors.requestTooLarge(
          `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`,
        ),
    },
  );
  routes.add(
    'POST',
    '/2015-03-31/functions/{FunctionName}/invocations',
    (req) => invoke(invoker, req, asyncInvocations),
    {
      maxBodyBytes: MAX_SYNC_PAYLOAD_BYTES,
      tooLarge: () =>
        Errors.requestTooLarge(
          `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        ),
    },
  );
}

async function invoke(
  invoker: Invoker,
  req: ApiRequest,
  asyncInvocations: Pick<AsyncInvocations, 'accept'> | undefined,
): Promise<ApiResponse> {
  const functionName = req.params.FunctionName ?? '';
  const qualifier = req.query.get('Qualifier') ?? undefined;
  const invocationType = decodeInvocationType(header(req, 'x-amz-invocation-type'));
  const tail = decodeLogType(header(req, 'x-amz-log-type')) === 'Tail';
  const payload = decodePayload(req.body);

  if (invocationType === 'DryRun') {
    invoker.dryRun(functionName, qualifier);
    return { status: 204 };
  }
  if (invocationType === 'Event') {
    // Acknowledged only once the event is durably committed (accept resolves after the fsync).
    if (asyncInvocations === undefined)
      throw Errors.invalidParameterValue('Event invocation is not supported yet');
    await asyncInvocations.accept({ functionName, qualifier, payload, requestId: req.requestId });
    return { status: 202 };
  }

  const rawContext = header(req, 'x-amz-client-context');
  const outcome = await invoker.invoke({
    functionName,
    qualifier,
    requestId: req.requestId,
    payload,
    tail,
    clientContext:
      rawContext === undefined || rawContext === '' ? undefined : decodeClientContext(rawContext),
    traceId: decodeTraceId(header(req, 'x-amzn-trace-id')),
  });
  if (outcome.kind === 'platform-error') throw outcome.error;

  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Amz-Executed-Version': outcome.executedVersion,
  };
  if (outcome.kind !== 'success') headers['X-Amz-Function-Error'] = 'Unhandled';
  if (outcome.logTail !== undefined) headers['X-Amz-Log-Result'] = outcome.logTail;
  return { status: 200, headers, body: outcome.payload };
}

function decodeInvocationType(value: string | undefined): InvocationType {
  if (value === undefined || value === '') return 'RequestResponse';
  if ((INVOCATION_TYPES as readonly string[]).includes(value)) return value as InvocationType;
  throw Errors.validation(
    validationMessage([
      {
        value,
        field: 'invocationType',
        constraint: 'Member must satisfy enum value set: [Event, RequestResponse, DryRun]',
      },
    ]),
  );
}

function decodeLogType(value: string | undefined): 'None' | 'Tail' {
  if (value === undefined || value === '' || value === 'None') return 'None';
  if (value === 'Tail') return 'Tail';
  throw Errors.validation(
    validationMessage([
      { value, field: 'logType', constraint: 'Member must satisfy enum value set: [None, Tail]' },
    ]),
  );
}

/**
 * SECURITY: the payload is caller-supplied and reaches a guest; it must be UTF-8 JSON (Lambda refuses
 * anything else with InvalidRequestContentException). It is parsed only to check it, then passed on as
 * the bytes the caller sent. An empty body is the empty event {}.
 */
function decodePayload(body: Buffer): Buffer {
  if (body.length === 0) return EMPTY_EVENT;
  try {
    JSON.parse(utf8.decode(body));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw Errors.invalidRequestContent(
      `Could not parse request body into json: Could not parse payload into json: ${reason}`,
    );
  }
  return body;
}

/**
 * SECURITY: the caller's trace header is forwarded to the guest as Lambda-Runtime-Trace-Id; only short
 * printable-ASCII values travel (anything else is dropped and a fresh trace id is made).
 */
function decodeTraceId(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0 || value.length > 256 || !/^[\x20-\x7e]+$/.test(value))
    return undefined;
  return value;
}

function header(req: ApiRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
