// How the Runtime API answers: the /next invocation headers (wire contract 2.5, RIE
// rendering.renderInvokeHeaders: a header is only sent when it has a value) and the small JSON replies
// RAPID gives for accepted posts and refused requests.

import type { RuntimeInvocation } from './invocation.js';
import type { RuntimeReply } from './reply.js';

const ACCEPTED = Buffer.from('{"status":"OK"}');
const ACCEPTED_HEADERS = ['Content-Type', 'application/json', 'Content-Length', String(ACCEPTED.length)];

export function renderInvocation(
  reply: RuntimeReply,
  inv: RuntimeInvocation,
  deadlineMs: number,
  traceId: string,
) {
  // A flat header list keeps casing as Lambda sends it and avoids building a header object per invoke.
  const headers: string[] = [
    'Content-Type',
    'application/json',
    'Lambda-Runtime-Aws-Request-Id',
    inv.requestId,
    'Lambda-Runtime-Deadline-Ms',
    String(deadlineMs),
    'Lambda-Runtime-Invoked-Function-Arn',
    inv.invokedFunctionArn,
    'Lambda-Runtime-Trace-Id',
    traceId,
    'Content-Length',
    String(inv.payload.length),
  ];
  if (inv.clientContext !== undefined) headers.push('Lambda-Runtime-Client-Context', inv.clientContext);
  if (inv.cognitoIdentity !== undefined) headers.push('Lambda-Runtime-Cognito-Identity', inv.cognitoIdentity);
  reply.send(200, headers, inv.payload);
}

export function renderAccepted(reply: RuntimeReply): void {
  reply.send(202, ACCEPTED_HEADERS, ACCEPTED);
}

/** RAPID's error reply: {"errorMessage","errorType"} with the given status. */
export function renderError(
  reply: RuntimeReply,
  status: number,
  errorType: string,
  errorMessage: string,
): void {
  const body = Buffer.from(JSON.stringify({ errorMessage, errorType }));
  reply.send(status, ['Content-Type', 'application/json', 'Content-Length', String(body.length)], body);
}

export function renderJson(
  reply: RuntimeReply,
  status: number,
  value: unknown,
  extraHeaders: string[] = [],
): void {
  const body = Buffer.from(JSON.stringify(value));
  reply.send(
    status,
    ['Content-Type', 'application/json', 'Content-Length', String(body.length), ...extraHeaders],
    body,
  );
}
