// What the Runtime API hands to a runtime on /next: one invocation, as Lambda's RAPID describes it
// (wire contract 2.5). The worker builds these; the Runtime API only renders them.

export interface RuntimeInvocation {
  /** Lambda-Runtime-Aws-Request-Id. */
  readonly requestId: string;
  /** The event, passed through as the caller sent it (never re-encoded). */
  readonly payload: Buffer;
  /** Lambda-Runtime-Invoked-Function-Arn: the ARN as the caller qualified it. */
  readonly invokedFunctionArn: string;
  /** Lambda-Runtime-Trace-Id; generated when the caller sent none. */
  readonly traceId?: string;
  /** Lambda-Runtime-Client-Context: the decoded client context JSON, only when the caller sent one. */
  readonly clientContext?: string;
  /** Lambda-Runtime-Cognito-Identity: JSON, only when present. */
  readonly cognitoIdentity?: string;
}

/** Extension events (Extensions API): what /extension/event/next returns. */
export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN';

/** Shutdown reasons as Lambda names them in SHUTDOWN events. */
export type ShutdownReason = 'spindown' | 'timeout' | 'failure';
