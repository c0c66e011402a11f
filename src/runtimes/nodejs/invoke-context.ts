// The invocation's facts, read from the /next response headers (wire contract 2.5) and the environment
// (wire contract 2.6), and the user-facing `context` object built from them.

import type { IncomingHttpHeaders } from 'node:http';

const INVOKE_HEADER = {
  requestId: 'lambda-runtime-aws-request-id',
  deadlineMs: 'lambda-runtime-deadline-ms',
  invokedFunctionArn: 'lambda-runtime-invoked-function-arn',
  traceId: 'lambda-runtime-trace-id',
  clientContext: 'lambda-runtime-client-context',
  cognitoIdentity: 'lambda-runtime-cognito-identity',
  tenantId: 'lambda-runtime-aws-tenant-id',
} as const;

/** The part of `context` that controls how the invocation completes (see callback-context.ts). */
export interface CallbackControls {
  callbackWaitsForEmptyEventLoop: boolean;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
  done(error?: unknown, result?: unknown): void;
}

/** The fields of the `context` argument every Node.js handler receives, with AWS's names and types. */
export interface LambdaContextFields {
  functionName: string | undefined;
  functionVersion: string | undefined;
  invokedFunctionArn: string | undefined;
  /** A string, as in AWS (it comes from AWS_LAMBDA_FUNCTION_MEMORY_SIZE). */
  memoryLimitInMB: string | undefined;
  awsRequestId: string;
  logGroupName: string | undefined;
  logStreamName: string | undefined;
  tenantId: string | undefined;
  clientContext: unknown;
  identity: unknown;
  getRemainingTimeInMillis(): number;
}

export type LambdaContext = LambdaContextFields & CallbackControls;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export class InvokeContext {
  readonly #headers: IncomingHttpHeaders;

  /** Node lower-cases incoming header names already; lookups below use lower case. */
  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers;
  }

  /** The invocation's id; an event without one cannot be answered, so it is a runtime failure. */
  get requestId(): string {
    const id = header(this.#headers, INVOKE_HEADER.requestId);
    if (!id) throw new Error('invocation id is missing or invalid');
    return id;
  }

  get tenantId(): string | undefined {
    return header(this.#headers, INVOKE_HEADER.tenantId);
  }

  /**
   * Completes `controls` into the handler's context. Also copies the X-Ray trace header to _X_AMZN_TRACE_ID
   * for this invocation, as Lambda's runtimes do (or removes a previous invocation's value).
   * Throws when the client context or identity header is not JSON (the invocation then fails).
   */
  attachTo<T extends object>(controls: T): T & LambdaContextFields {
    const traceId = header(this.#headers, INVOKE_HEADER.traceId);
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    // biome-ignore lint/performance/noDelete: assigning undefined to process.env stores the string "undefined".
    else delete process.env._X_AMZN_TRACE_ID;

    const deadline = Number(header(this.#headers, INVOKE_HEADER.deadlineMs));
    const env = process.env;
    // Object.assign keeps the callbackWaitsForEmptyEventLoop accessor of `controls` (it is the target).
    return Object.assign(controls, {
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: parseJsonHeader(header(this.#headers, INVOKE_HEADER.clientContext), 'ClientContext'),
      identity: parseJsonHeader(header(this.#headers, INVOKE_HEADER.cognitoIdentity), 'CognitoIdentity'),
      invokedFunctionArn: header(this.#headers, INVOKE_HEADER.invokedFunctionArn),
      awsRequestId: this.requestId,
      tenantId: this.tenantId,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    });
  }
}

// SECURITY: the client context comes from the invoker (X-Amz-Client-Context); it is only parsed as JSON.
function parseJsonHeader(value: string | undefined, name: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${name} as json: ${String(error)}`);
  }
}
