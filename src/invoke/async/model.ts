// The vocabulary of asynchronous invocation: events, outcomes, configs and destination records, as plain
// values. The dispatcher and the API both speak these; neither sees the other's shapes.

/** An accepted event as the store keeps it. */
export interface AsyncEvent {
  readonly seq: number;
  /** The request id the caller got with its 202; also the invocation's request id. */
  readonly requestId: string;
  /** The function's bare name. */
  readonly functionName: string;
  /** Qualifier as the caller gave it (version or alias); undefined for an unqualified invoke ($LATEST). */
  readonly qualifier?: string;
  readonly payload: Buffer;
  /** What produced the event: 'invoke', 'destination', 'schedule:<name>'. */
  readonly source: string;
  /** Epoch ms of acceptance: the event's age is measured from here (MaximumEventAgeInSeconds). */
  readonly receivedAt: number;
  /** Times the function actually ran for this event (approximateInvokeCount). */
  readonly invokeCount: number;
  /** Function errors so far (compared with MaximumRetryAttempts). */
  readonly failures: number;
  /** Throttles and service faults so far (they are retried, and do not count as attempts). */
  readonly throttles: number;
  /** The last run's outcome, for the failure record of an event that later expires. */
  readonly lastResponse?: LastResponse;
}

export interface LastResponse {
  readonly functionError?: string;
  readonly executedVersion: string;
  readonly payload: Buffer;
}

/** What running an event once came to (what the dispatcher needs of the invoke path's outcome). */
export type EventInvocationOutcome =
  | { readonly kind: 'success'; readonly payload: Buffer; readonly executedVersion: string }
  | {
      readonly kind: 'function-error';
      readonly payload: Buffer;
      /** X-Amz-Function-Error: 'Unhandled' (or 'Handled'). */
      readonly functionError: string;
      readonly executedVersion: string;
    }
  /** Over the account or reserved concurrency limit: the event waits and is retried. */
  | { readonly kind: 'throttled'; readonly message: string }
  /** The function or qualifier no longer exists: the event cannot run and is dropped. */
  | { readonly kind: 'not-found'; readonly message: string }
  /** A platform fault (no environment could be started, ...): retried like a throttle. */
  | { readonly kind: 'service-error'; readonly message: string };

/** Runs one event synchronously. Implemented over the invoke path's sync invoker. */
export interface EventInvoker {
  invoke(request: {
    readonly functionName: string;
    readonly qualifier?: string;
    readonly payload: Buffer;
    readonly requestId: string;
  }): Promise<EventInvocationOutcome>;
}

/** PutFunctionEventInvokeConfig's settings for one function qualifier. */
export interface EventInvokeConfig {
  readonly functionName: string;
  /** '$LATEST', a version number or an alias name. */
  readonly qualifier: string;
  readonly maximumRetryAttempts?: number;
  readonly maximumEventAgeInSeconds?: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
  /** Epoch ms. */
  readonly lastModified: number;
}

/** Lambda's defaults when no config (or no value in it) is set. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21600;

export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';
export type RecordCondition = 'Success' | FailureCondition;
