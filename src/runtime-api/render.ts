// How the Runtime API answers: the /next invocation headers (wire contract 2.5, RIE
// rendering.renderInvokeHeaders: a header is only sent when it has a value) and the small JSON replies
// RAPID gives for accepted posts and refused requests.

import type { ServerResponse } from 'node:http';
import type { RuntimeInvocation } from './invocation.js';

const ACCEPTED = Buffer.from('{"status":"OK"}');

export function renderInvocation(
  res: ServerResponse,
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
  res.writeHead(200, headers);
  res.end(inv.payload);
}

export function renderAccepted(res: ServerResponse): void {
  res.writeHead(202, ['Content-Type', 'application/json', 'Content-Length', String(ACCEPTED.length)]);
  res.end(ACCEPTED);
}

/** RAPID's error reply: {"errorMessage","errorType"} with the given status. */
export function renderError(
  res: ServerResponse,
  status: number,
  errorType: string,
  errorMessage: string,
): void {
  const body = Buffer.from(JSON.stringify({ errorMessage, errorType }));
  res.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', String(body.length)]);
  res.end(body);
}

export function renderJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extraHeaders: string[] = [],
): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(body.length),
    ...extraHeaders,
  ]);
  res.end(body);
}
