// Async throughput and latency with a no-op function, printed as test diagnostics:
//   node --import tsx --test test/e2e/async-throughput.test.ts
// - dispatch throughput: events/s from the first 202 to the last completion of a 2,000-event burst;
// - delay from the 202 to the handler's start, for events sent one at a time to an idle queue.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvokeCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { createEventFunction, drain, queueArn, sqsFor } from './events-helpers.js';

const BURST = 2000;
const SINGLES = 40;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

describe('async throughput (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;
  let url: string;

  before(async () => {
    k = await startKindling({ env: { KINDLING_SANDBOX: 'process' } });
    sqs = sqsFor(k);
    url = (await sqs.send(new CreateQueueCommand({ QueueName: 'noop-done' }))).QueueUrl ?? '';
    await createEventFunction(k.lambda, 'noop');
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'noop',
        DestinationConfig: { OnSuccess: { Destination: queueArn('noop-done') } },
      }),
    );
  });
  after(async () => {
    sqs?.destroy();
    await k?.stop();
  });

  const send = (i: number) =>
    k.lambda.send(
      new InvokeCommand({
        FunctionName: 'noop',
        InvocationType: 'Event',
        Payload: Buffer.from(`{"noop":true,"i":${i}}`),
      }),
    );

  it('measures the delay from 202 to handler start on an idle queue', async (t) => {
    await send(-1); // warm an environment
    await drain(sqs, url, 1);
    const delays: number[] = [];
    for (let i = 0; i < SINGLES; i++) {
      await send(i);
      const acked = Date.now();
      const [m] = await drain(sqs, url, 1);
      delays.push(JSON.parse(m?.Body ?? '{}').responsePayload.startedAt - acked);
    }
    t.diagnostic(
      `202 → handler start: p50 ${percentile(delays, 0.5)} ms, p95 ${percentile(delays, 0.95)} ms, max ${Math.max(...delays)} ms`,
    );
    assert.ok(percentile(delays, 0.5) < 1000);
  });

  it(`dispatches a burst of ${BURST} events`, async (t) => {
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < BURST) await send(next++);
      }),
    );
    const accepted = Date.now();
    const done = await drain(sqs, url, BURST, 50_000);
    // Completion times come from the records themselves, so reading the queue does not count.
    const finished = Math.max(...done.map((m) => Date.parse(JSON.parse(m.Body ?? '{}').timestamp)));
    t.diagnostic(
      `accepted ${BURST} in ${accepted - started} ms (${Math.round((BURST * 1000) / (accepted - started))} 202/s); ` +
        `all completed ${finished - started} ms after the first send: ${Math.round((BURST * 1000) / (finished - started))} events/s dispatched`,
    );
    assert.equal(done.length, BURST);
  });
});
