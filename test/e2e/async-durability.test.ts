// Nothing accepted is lost: 1,200 events are accepted (202), the server is killed with SIGKILL while
// events are queued and running, and after a restart every accepted event has completed at least once —
// counted by the success records its OnSuccess destination queue received (at-least-once, as Lambda).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvokeCommand, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { createEventFunction, drain, queueArn, restartServer, sqsAt, sqsFor } from './events-helpers.js';

const EVENTS = 1200;

describe('async durability across a crash (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;

  before(async () => {
    k = await startKindling({ env: { KINDLING_ASYNC_CONCURRENCY: '16' } });
    sqs = sqsFor(k);
    await sqs.send(new CreateQueueCommand({ QueueName: 'done' }));
    await createEventFunction(k.lambda, 'durable');
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'durable',
        DestinationConfig: { OnSuccess: { Destination: queueArn('done') } },
      }),
    );
  });
  after(async () => {
    sqs?.destroy();
    await k?.stop();
  });

  it(`completes every accepted event at least once after kill -9 and restart (${EVENTS} events)`, async (t) => {
    const accepted = new Set<number>();
    let next = 0;
    const sender = async () => {
      while (next < EVENTS) {
        const id = next++;
        const out = await k.lambda.send(
          new InvokeCommand({
            FunctionName: 'durable',
            InvocationType: 'Event',
            Payload: Buffer.from(JSON.stringify({ id })),
          }),
        );
        if (out.StatusCode === 202) accepted.add(id);
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    assert.equal(accepted.size, EVENTS);

    // Crash while part of the events have completed and the rest are queued or running.
    const doneUrl = `${k.endpoint}/000000000000/done`;
    for (;;) {
      const a = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: doneUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      if (Number(a.Attributes?.ApproximateNumberOfMessages) >= 100) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await k.crash();
    const endpoint = await restartServer(k);
    sqs.destroy();
    sqs = sqsAt(k, endpoint);

    const url = `${endpoint}/000000000000/done`;
    const seen = new Map<number, number>();
    const until = Date.now() + 45_000;
    while ([...accepted].some((id) => !seen.has(id)) && Date.now() < until) {
      for (const m of await drain(sqs, url, 100, 2000)) {
        const id = JSON.parse(m.Body ?? '{}').requestPayload?.id as number;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    const missing = [...accepted].filter((id) => !seen.has(id));
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    t.diagnostic(`accepted ${accepted.size}, completed ${seen.size}, re-delivered ${duplicates}`);
    assert.deepEqual(missing, [], `accepted events never completed: ${missing.slice(0, 20).join(',')}`);
  });
});
