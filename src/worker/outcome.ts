// An invocation's outcome as one value (STYLE §7, after OpenWhisk's ActivationResponse): response
// headers, retries, metrics and billing all follow from it. Environment errors carry the payload Lambda
// returns for them, byte for byte (wire contract 2.3).

import type { LambdaServiceError } from '../errors.js';
import type { SandboxExit } from '../sandbox/index.js';

/** Figures of one invocation, as on its REPORT line. */
export interface InvocationMetrics {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on the cold invocation of an environment. */
  readonly initDurationMs?: number;
}

interface Ran {
  readonly requestId: string;
  /** The version that ran ('$LATEST' or a number): X-Amz-Executed-Version. */
  readonly executedVersion: string;
  readonly metrics: InvocationMetrics;
  /** Base64 of the last 4 KB of this invocation's log lines, when the tail was asked for. */
  readonly logTail?: string;
}

/** Why an environment failed an invocation. */
export type EnvironmentErrorCause = 'init' | 'timeout' | 'out-of-memory' | 'exit';

export type InvocationOutcome =
  /** The function returned: `payload` is its response as posted. */
  | (Ran & { readonly kind: 'success'; readonly payload: Buffer })
  /** The function reported an error (or its response was too large): `payload` is the error document. */
  | (Ran & { readonly kind: 'function-error'; readonly errorType: string; readonly payload: Buffer })
  /** The environment failed: init error, timeout, out of memory or the runtime exited. */
  | (Ran & {
      readonly kind: 'environment-error';
      readonly cause: EnvironmentErrorCause;
      readonly errorType: string;
      readonly payload: Buffer;
    })
  /** The platform could not run the invocation at all (no room, internal failure): an API error. */
  | { readonly kind: 'platform-error'; readonly requestId: string; readonly error: LambdaServiceError };

/** Lambda's payload for errors it reports itself: {"errorType":...,"errorMessage":...}. */
export function errorDocument(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

/** Function.ResponseSizeTooLarge's document, fields in the order AWS writes them (wire contract 2.3). */
export function responseTooLargeDocument(limitBytes: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      errorMessage: `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`,
      errorType: 'Function.ResponseSizeTooLarge',
    }),
  );
}

/** Go's names for signals, as Lambda's Go-written RAPID prints them ("signal: killed"). */
const SIGNAL_NAMES: Readonly<Record<string, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
  SIGQUIT: 'quit',
  SIGTRAP: 'trace/breakpoint trap',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'file size limit exceeded',
};

/** "Runtime exited without providing a reason" / "Runtime exited with error: exit status 1" / "...: signal: killed". */
export function runtimeExitReason(exit: SandboxExit): string {
  if (exit.signal !== null) {
    return `Runtime exited with error: signal: ${SIGNAL_NAMES[exit.signal] ?? exit.signal.toLowerCase()}`;
  }
  if (exit.code !== null && exit.code !== 0) return `Runtime exited with error: exit status ${exit.code}`;
  return 'Runtime exited without providing a reason';
}
