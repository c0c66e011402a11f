// Latency as a user sees it: @aws-sdk/client-lambda InvokeCommand on one keep-alive connection,
// sequential calls, warm-up first, then a fixed wall-clock window, timed with process.hrtime.

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type LatencySummary, msSince, summarize } from './stats.js';

export interface LatencyRun {
  readonly summary: LatencySummary;
  /** Calls that threw, or answered with X-Amz-Function-Error, or with a payload that is not the echo. */
  readonly errors: number;
  readonly firstError?: string;
}

export interface LatencyOptions {
  readonly warmupCalls: number;
  readonly durationMs: number;
}

export async function sdkLatency(
  client: LambdaClient,
  functionName: string,
  payload: Buffer,
  opts: LatencyOptions,
): Promise<LatencyRun> {
  let errors = 0;
  let firstError: string | undefined;
  const expected = payload.toString();
  const call = async (): Promise<void> => {
    try {
      const out = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: payload }));
      const body = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString();
      if (out.FunctionError !== undefined || body !== expected) {
        errors++;
        firstError ??= `FunctionError=${out.FunctionError ?? ''} payload=${body.slice(0, 200)}`;
      }
    } catch (err) {
      errors++;
      firstError ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  };
  for (let i = 0; i < opts.warmupCalls; i++) await call();
  errors = 0;
  firstError = undefined;
  const samples: number[] = [];
  const until = performance.now() + opts.durationMs;
  while (performance.now() < until) {
    const start = process.hrtime.bigint();
    await call();
    samples.push(msSince(start));
  }
  return { summary: summarize(samples), errors, ...(firstError === undefined ? {} : { firstError }) };
}

/** A 1 KB JSON event (the figure's payload). */
export function oneKbPayload(): Buffer {
  const filler = 'x'.repeat(1024 - '{"data":""}'.length);
  return Buffer.from(JSON.stringify({ data: filler }));
}
