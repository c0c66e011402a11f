// Asynchronous invocation end to end: a real server, @aws-sdk/client-lambda and @aws-sdk/client-sqs.
// Events are acknowledged with 202, run by the dispatcher, retried exactly as configured, and their
// outcomes reach OnSuccess / OnFailure destinations (queues and functions) and the dead-letter queue.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand,
  ResourceNotFoundException,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { createEventFunction, drain, fnArn, queueArn, sqsFor } from './events-helpers.js';

const RETRY_BASE_MS = 300;

describe('async invocation (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;
  const urls: Record<string, string> = {};

  before(async () => {
    k = await startKindling({
      env: { KINDLING_ASYNC_RETRY_BASE_MS: String(RETRY_BASE_MS) },
    });
    sqs = sqsFor(k);
    for (const q of ['ok', 'failed', 'dlq', 'chained']) {
      urls[q] = (await sqs.send(new CreateQueueCommand({ QueueName: q }))).QueueUrl ?? '';
    }
    await createEventFunction(k.lambda, 'events', { DeadLetterConfig: { TargetArn: queueArn('dlq') } });
    await createEventFunction(k.lambda, 'chain');
  });
  after(async () => {
    sqs?.destroy();
    await k?.stop();
  });

  it('manages event-invoke configs with the wire shapes', async () => {
    const put = await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'events',
        MaximumRetryAttempts: 1,
        DestinationConfig: {
          OnSuccess: { Destination: queueArn('ok') },
          OnFailure: { Destination: queueArn('failed') },
        },
      }),
    );
    assert.equal(put.FunctionArn, `${fnArn('events')}:$LATEST`);
    assert.equal(put.MaximumRetryAttempts, 1);
    assert.ok(put.LastModified instanceof Date && Math.abs(put.LastModified.getTime() - Date.now()) < 60_000);
    const updated = await k.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'events', MaximumEventAgeInSeconds: 3600 }),
    );
    assert.equal(updated.MaximumRetryAttempts, 1, 'update keeps what it does not name');
    assert.equal(updated.MaximumEventAgeInSeconds, 3600);
    assert.equal(updated.DestinationConfig?.OnFailure?.Destination, queueArn('failed'));
    const got = await k.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'events' }));
    assert.deepEqual(got.DestinationConfig, updated.DestinationConfig);
    const listed = await k.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'events' }));
    assert.equal(listed.FunctionEventInvokeConfigs?.length, 1);
    await assert.rejects(
      k.lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: 'events', MaximumRetryAttempts: 5 }),
      ),
      (e: Error) => e.name === 'ValidationException' && /maximumRetryAttempts/.test(e.message),
    );
    await assert.rejects(
      k.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'chain' })),
      ResourceNotFoundException,
    );
    await assert.rejects(
      k.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'missing' })),
      ResourceNotFoundException,
    );
    await k.lambda
      .send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'chain' }))
      .catch(() => undefined);
  });

  it('answers 202 and delivers the success record to the OnSuccess queue', async () => {
    const out = await k.lambda.send(
      new InvokeCommand({
        FunctionName: 'events',
        InvocationType: 'Event',
        Payload: Buffer.from('{"hello":"async"}'),
      }),
    );
    assert.equal(out.StatusCode, 202);
    const requestId = out.$metadata.requestId;
    const [msg] = await drain(sqs, urls.ok!, 1);
    const record = JSON.parse(msg?.Body ?? '{}');
    assert.equal(record.version, '1.0');
    assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
    assert.deepEqual(record.requestContext, {
      requestId,
      functionArn: `${fnArn('events')}:$LATEST`,
      condition: 'Success',
      approximateInvokeCount: 1,
    });
    assert.deepEqual(record.requestPayload, { hello: 'async' });
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(record.responsePayload, { ok: true, received: { hello: 'async' } });
  });

  it('retries a failing event exactly MaximumRetryAttempts times with backoff, then OnFailure and the DLQ', async () => {
    const started = Date.now();
    const out = await k.lambda.send(
      new InvokeCommand({
        FunctionName: 'events',
        InvocationType: 'Event',
        Payload: Buffer.from('{"fail":"always"}'),
      }),
    );
    const [msg] = await drain(sqs, urls.failed!, 1);
    const elapsed = Date.now() - started;
    const record = JSON.parse(msg?.Body ?? '{}');
    assert.equal(record.requestContext.requestId, out.$metadata.requestId);
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.requestContext.approximateInvokeCount, 2, 'one attempt + MaximumRetryAttempts (1)');
    assert.deepEqual(record.responseContext, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    assert.equal(record.responsePayload.errorMessage, 'always');
    assert.ok(elapsed >= RETRY_BASE_MS, `the retry waited its backoff (${elapsed} ms)`);
    const [dead] = await drain(sqs, urls.dlq!, 1);
    assert.equal(dead?.Body, '{"fail":"always"}');
    assert.equal(dead?.MessageAttributes?.RequestID?.StringValue, out.$metadata.requestId);
    assert.equal(dead?.MessageAttributes?.ErrorCode?.StringValue, '200');
    assert.equal(dead?.MessageAttributes?.ErrorMessage?.StringValue, 'always');
    // Nothing more arrives: exactly one failure record.
    assert.deepEqual(await drain(sqs, urls.failed!, 1, 1500), []);
  });

  it('uses the default of 2 retries (3 invocations) when MaximumRetryAttempts is not set', async () => {
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'chain',
        DestinationConfig: { OnFailure: { Destination: queueArn('failed') } },
      }),
    );
    await k.lambda.send(
      new InvokeCommand({
        FunctionName: 'chain',
        InvocationType: 'Event',
        Payload: Buffer.from('{"fail":"x"}'),
      }),
    );
    const [msg] = await drain(sqs, urls.failed!, 1);
    assert.equal(JSON.parse(msg?.Body ?? '{}').requestContext.approximateInvokeCount, 3);
  });

  it('sends records to a function destination, which runs them as its own async event', async () => {
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'events',
        Qualifier: '$LATEST',
        DestinationConfig: { OnSuccess: { Destination: fnArn('chain') } },
      }),
    );
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'chain',
        DestinationConfig: { OnSuccess: { Destination: queueArn('chained') } },
      }),
    );
    await k.lambda.send(
      new InvokeCommand({
        FunctionName: 'events',
        InvocationType: 'Event',
        Payload: Buffer.from('{"step":1}'),
      }),
    );
    const [msg] = await drain(sqs, urls.chained!, 1);
    const record = JSON.parse(msg?.Body ?? '{}');
    assert.equal(record.requestContext.functionArn, `${fnArn('chain')}:$LATEST`);
    // chain received events' record and returned it inside {ok, received}.
    assert.equal(record.responsePayload.received.requestContext.functionArn, `${fnArn('events')}:$LATEST`);
    assert.deepEqual(record.responsePayload.received.requestPayload, { step: 1 });
  });

  it('accepts the legacy InvokeAsync (202 {Status: 202}) and refuses Event payloads over 1 MB with 413', async () => {
    const legacy = await k.lambda.send(
      new InvokeAsyncCommand({ FunctionName: 'chain', InvokeArgs: Buffer.from('{"legacy":true}') }),
    );
    assert.equal(legacy.Status, 202);
    const [msg] = await drain(sqs, urls.chained!, 1);
    assert.deepEqual(JSON.parse(msg?.Body ?? '{}').requestPayload, { legacy: true });
    const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(1_048_576) }));
    await assert.rejects(
      k.lambda.send(new InvokeCommand({ FunctionName: 'chain', InvocationType: 'Event', Payload: big })),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
        e.name === 'RequestTooLargeException' && e.$metadata?.httpStatusCode === 413,
    );
    await assert.rejects(
      k.lambda.send(
        new InvokeCommand({ FunctionName: 'nope', InvocationType: 'Event', Payload: Buffer.from('{}') }),
      ),
      ResourceNotFoundException,
    );
  });
});

describe('async invocation: maximum event age (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;

  before(async () => {
    // Retries wait longer than the events may live, so a failed event expires instead of retrying.
    k = await startKindling({ env: { KINDLING_ASYNC_RETRY_BASE_MS: '61000' } });
    sqs = sqsFor(k);
    await createEventFunction(k.lambda, 'aging');
  });
  after(async () => {
    sqs?.destroy();
    await k?.stop();
  });

  it('discards an event older than MaximumEventAgeInSeconds to the failure destination (EventAgeExceeded)', async () => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'expired' }))).QueueUrl ?? '';
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'aging',
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: queueArn('expired') } },
      }),
    );
    await k.lambda.send(
      new InvokeCommand({
        FunctionName: 'aging',
        InvocationType: 'Event',
        Payload: Buffer.from('{"fail":"slow"}'),
      }),
    );
    const [msg] = await drain(sqs, url, 1);
    const record = JSON.parse(msg?.Body ?? '{}');
    assert.equal(record.requestContext.condition, 'EventAgeExceeded');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.equal(record.responsePayload.errorMessage, 'slow');
  });
});
