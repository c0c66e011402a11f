// Asynchronous invocation: how soon a queued event runs, and how fast a burst is accepted and dispatched.
// A no-op Node.js function with an OnSuccess destination queue (the SQS API on the same endpoint); each
// success record carries the handler's start time (responsePayload) and its completion time (timestamp),
// so reading the queue afterwards does not count.
// - delay: events sent one at a time to an idle queue; from the client's 202 to the handler's start.
// - burst: Event invokes sent at concurrency 32; 202s/s accepted, and events/s dispatched from the first
//   send to the last completion. Delivery is at least once: every event must have a record, or the run is
//   not a figure (a repeated record is counted, not an error).

import { Agent } from 'node:http';
import {
  InvokeCommand,
  type LambdaClient,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { BenchContext, Benchmark } from './lib/context.js';
import { nodeStartStamp } from './lib/functions.js';
import { benchCredentials, benchRegion, createFunction, lambdaClient, startServer } from './lib/kindling.js';
import { inParallel } from './lib/pool.js';
import { type Figure, atLeast, atMost, ratio } from './lib/report.js';
import { percentile, summarize } from './lib/stats.js';

const CONCURRENCY = 32;
const FUNCTION = 'bench-async-noop';
const QUEUE = 'bench-async-done';

/** What the suite reads from one success record (Lambda's invocation record, docs/events.md). */
interface SuccessRecord {
  readonly id: string;
  /** The handler's start, host clock (epoch ms). */
  readonly startedAt: number;
  /** When the event completed: the record's timestamp (epoch ms). */
  readonly completedAt: number;
}

export const asyncInvoke: Benchmark = {
  name: 'async',
  title: 'Asynchronous invocation: 202 → handler start on an idle queue, and a burst of Event invokes',
  async run(ctx: BenchContext) {
    const burst = ctx.quick ? 500 : 2000;
    const singles = ctx.quick ? 20 : 40;
    const notes: string[] = [];
    const server = await startServer({ sandbox: ctx.sandbox });
    const sqs = new SQSClient({
      endpoint: server.endpoint,
      region: benchRegion,
      credentials: benchCredentials,
      maxAttempts: 1,
      requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 8 }) },
    });
    const client = lambdaClient(server.endpoint, CONCURRENCY);
    try {
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }))).QueueUrl;
      if (queueUrl === undefined) throw new Error('CreateQueue answered without a QueueUrl');
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      const queueArn = attrs.Attributes?.QueueArn;
      if (queueArn === undefined) throw new Error('GetQueueAttributes answered without a QueueArn');
      await createFunction(server.setupClient, FUNCTION, await nodeStartStamp());
      await server.setupClient.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: FUNCTION,
          DestinationConfig: { OnSuccess: { Destination: queueArn } },
        }),
      );
      const records = new RecordReader(sqs, queueUrl);

      // (a) One at a time, each after the previous one's record arrived: the queue is idle at every send.
      ctx.log(`async: ${singles} events one at a time (${ctx.sandbox} tier)`);
      await sendEvent(client, 'warm'); // the environment exists before the first timed event
      await records.waitFor(['warm'], 30_000);
      const delays: number[] = [];
      const fromSend: number[] = [];
      for (let i = 0; i < singles; i++) {
        const id = `single-${i}`;
        const sentAt = Date.now();
        await sendEvent(client, id);
        const ackedAt = Date.now();
        const [record] = await records.waitFor([id], 10_000);
        if (record === undefined)
          throw new Error(`event ${id} was accepted but did not complete within 10 s`);
        delays.push(record.startedAt - ackedAt);
        fromSend.push(record.startedAt - sentAt);
      }

      // (b) The burst: every event accepted (202) at concurrency 32, then every event completed.
      ctx.log(`async: burst of ${burst} Event invokes at concurrency ${CONCURRENCY}`);
      const ids = Array.from({ length: burst }, (_, i) => `burst-${i}`);
      const sendErrors = new Map<string, number>();
      const started = Date.now();
      await inParallel(ids, CONCURRENCY, async (id) => {
        try {
          await sendEvent(client, id);
        } catch (err) {
          const kind = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
          sendErrors.set(kind, (sendErrors.get(kind) ?? 0) + 1);
        }
      });
      const acceptedMs = Date.now() - started;
      const rejected = [...sendErrors.values()].reduce((a, b) => a + b, 0);
      // Reading the queue while the burst runs would compete with it for the CPU: wait for the count first.
      const deadlineMs = ctx.quick ? 20_000 : 40_000;
      await records.waitForCount(burst, deadlineMs);
      const done = await records.waitFor(ids, Math.max(5_000, deadlineMs - (Date.now() - started)));
      const missing = burst - rejected - done.length;
      const completedMs = done.length > 0 ? Math.max(...done.map((r) => r.completedAt)) - started : null;

      if (rejected > 0)
        notes.push(
          `${rejected} of ${burst} Event invokes were not accepted: ${[...sendErrors].map(([e, n]) => `${n}× ${e}`).join('; ')}`,
        );
      if (missing > 0) notes.push(`${missing} accepted events had no success record within the deadline`);
      if (records.repeated > 0)
        notes.push(`${records.repeated} events completed more than once (delivery is at least once)`);
      const valid = rejected === 0 && missing === 0;
      const invalid = valid
        ? {}
        : { note: `not a figure: ${rejected} not accepted, ${missing} accepted but not completed` };
      const acceptedPerS = valid ? (burst * 1000) / acceptedMs : null;
      const dispatchedPerS = valid && completedMs !== null ? (burst * 1000) / completedMs : null;

      const sorted = [...delays].sort((a, b) => a - b);
      const d = summarize(delays);
      const p95 = percentile(sorted, 0.95);
      const figures: Figure[] = [
        {
          what: `202 → handler start p50 (idle queue, ${singles} events)`,
          value: d.p50,
          unit: 'ms',
          target: atMost(d.p50, 10, '≤ 10 ms'),
          note: `p95 ${p95.toFixed(0)} ms, max ${d.max.toFixed(0)} ms; from the send: p50 ${summarize(fromSend).p50.toFixed(0)} ms`,
        },
        { what: '  202 → handler start p95', value: p95, unit: 'ms' },
        { what: '  202 → handler start max', value: d.max, unit: 'ms' },
        {
          what: `burst of ${burst}: Event invokes accepted (202), concurrency ${CONCURRENCY}`,
          value: acceptedPerS,
          unit: 'events/s',
          note: `all accepted in ${acceptedMs} ms`,
          ...invalid,
        },
        {
          what: `burst of ${burst}: events dispatched (first send → last completion)`,
          value: dispatchedPerS,
          unit: 'events/s',
          floor: { what: 'accepted', value: acceptedPerS },
          ratio: ratio(dispatchedPerS, acceptedPerS),
          target: atLeast(ratio(dispatchedPerS, acceptedPerS), 0.9, '≥ 0.9× accepted'),
          ...(valid ? { note: `last completion ${completedMs} ms after the first send` } : invalid),
        },
      ];
      return {
        figures,
        notes,
        details: {
          singles,
          delayFromAckMs: { ...d, p95 },
          delayFromSendMs: summarize(fromSend),
          burst,
          concurrency: CONCURRENCY,
          acceptedMs,
          completedMs,
          rejected,
          completed: done.length,
          missing,
          repeatedRecords: records.repeated,
        },
      };
    } finally {
      client.destroy();
      sqs.destroy();
      await server.stop();
    }
  },
};

function sendEvent(client: LambdaClient, id: string): Promise<void> {
  return client
    .send(
      new InvokeCommand({
        FunctionName: FUNCTION,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify({ id })),
      }),
    )
    .then((out) => {
      if (out.StatusCode !== 202) throw new Error(`Event invoke answered ${out.StatusCode}`);
    });
}

/**
 * Reads success records off the destination queue, keeping the first record of each event. Messages are
 * received with a long visibility timeout and never deleted: nothing reads them twice, and no deletes
 * (each a durable write) run during the measurement.
 */
class RecordReader {
  private readonly seen = new Map<string, SuccessRecord>();
  repeated = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Waits until the queue holds at least `count` messages, visible or received, or `timeoutMs` passed. */
  async waitForCount(count: number, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const a = out.Attributes ?? {};
      const held =
        Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
      if (held - this.seen.size - this.repeated >= count) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The records of `ids` that arrived within `timeoutMs`. */
  async waitFor(ids: readonly string[], timeoutMs: number): Promise<SuccessRecord[]> {
    const until = Date.now() + timeoutMs;
    const pending = () => ids.some((id) => !this.seen.has(id));
    const receiver = async () => {
      while (pending() && Date.now() < until) await this.receive();
    };
    // Several receivers for a large batch; one for a single event.
    await Promise.all(Array.from({ length: ids.length > 10 ? 4 : 1 }, receiver));
    return ids.map((id) => this.seen.get(id)).filter((r): r is SuccessRecord => r !== undefined);
  }

  private async receive(): Promise<void> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 3600,
      }),
    );
    for (const m of out.Messages ?? []) {
      const record = parseRecord(m.Body);
      if (record === undefined) continue;
      if (this.seen.has(record.id)) this.repeated++;
      else this.seen.set(record.id, record);
    }
  }
}

// SECURITY: the body is the server's output; it is parsed defensively and anything unexpected is skipped.
function parseRecord(body: string | undefined): SuccessRecord | undefined {
  try {
    const r = JSON.parse(body ?? '') as {
      timestamp?: unknown;
      responsePayload?: { id?: unknown; startedAt?: unknown };
    };
    const id = r.responsePayload?.id;
    const startedAt = r.responsePayload?.startedAt;
    const completedAt = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN;
    if (typeof id !== 'string' || typeof startedAt !== 'number' || !Number.isFinite(completedAt))
      return undefined;
    return { id, startedAt, completedAt };
  } catch {
    return undefined;
  }
}
