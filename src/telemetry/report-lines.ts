// The platform's own lines in a function's log stream: START / END / REPORT and the timeout notice,
// byte for byte as Lambda writes them (wire contract 2.7): TAB-separated fields, a trailing TAB on
// REPORT, Init Duration last and only on an environment's first (cold) invocation.

export interface InvocationReport {
  readonly requestId: string;
  /** Wall-clock duration of the invoke phase in milliseconds (fractional). */
  readonly durationMs: number;
  readonly memorySizeMb: number;
  /** Peak memory of the environment in MB, as measured by the sandbox. */
  readonly maxMemoryUsedMb: number;
  /** Present only on the cold invocation of an environment. */
  readonly initDurationMs?: number;
}

export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/** Lambda bills in 1 ms units since December 2020: ceil of the duration, at least 1 ms. */
export function billedDurationMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function reportLine(r: InvocationReport): string {
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedDurationMs(r.durationMs)} ms\tMemory Size: ${r.memorySizeMb} MB\t` +
    `Max Memory Used: ${r.maxMemoryUsedMb} MB\t`;
  if (r.initDurationMs !== undefined) line += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
  return line;
}

/** "Task timed out after 1.00 seconds": the configured timeout, two decimals (wire contract 2.3, 2.7). */
export function timeoutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

/** The line Lambda adds to the stream when an invocation times out: "<iso-date> <id> Task timed out ...". */
export function timeoutLine(at: Date, requestId: string, timeoutSeconds: number): string {
  return `${at.toISOString()} ${requestId} ${timeoutMessage(timeoutSeconds)}`;
}
