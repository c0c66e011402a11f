// The dispatcher over a real database and the real queue service, with functions played by a scripted
// invoker: retries counted exactly, destinations and the DLQ receive Lambda's shapes, and a dispatcher that
// dies with leased events gives them back on restart.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import type { FunctionResolver, FunctionVersionSpec } from '../../../src/control/model.js';
import {
  type AsyncInvoke,
  DEFAULT_ASYNC_SETTINGS,
  type EventInvocationOutcome,
  type EventInvoker,
  asyncInvokeSchema,
  createAsyncInvoke,
} from '../../../src/invoke/async/index.js';
import { QueueService, queuesSchema } from '../../../src/queues/index.js';
import { type SqliteDatabase, openDatabase } from '../../../src/store/sqlite/database.js';

const partition = { accountId: '000000000000', region: 'us-east-1' };
const log = pino({ level: 'silent' });

function resolverFor(deadLetterTargetArn?: string): FunctionResolver {
  return {
    resolve(functionName, qualifier) {
      const name = functionName.split(':').pop() ?? functionName;
      const spec = {
        functionName: name,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        version: '$LATEST',
        ...(deadLetterTargetArn ? { deadLetterTargetArn } : {}),
      } as FunctionVersionSpec;
      return {
        invokedFunctionArn: qualifier ? `${spec.functionArn}:${qualifier}` : spec.functionArn,
        candidates: [{ spec, weight: 1 }],
      };
    },
  };
}

/** A function whose outcomes follow a script; records every call. */
function scripted(
  script: (call: number, payload: string) => EventInvocationOutcome,
): EventInvoker & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async invoke(r) {
      calls.push(r.payload.toString());
      return script(calls.length, r.payload.toString());
    },
  };
}

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('async dispatcher', () => {
  let dir: string;
  let db: SqliteDatabase;
  let queues: QueueService;
  let running: AsyncInvoke[] = [];

  const build = (invoker: EventInvoker, resolver = resolverFor(), retryBaseMs = 20) => {
    const a = createAsyncInvoke({
      db,
      partition,
      resolver,
      invoker,
      queues,
      settings: { ...DEFAULT_ASYNC_SETTINGS, retryBaseMs, throttleBaseMs: 5, idlePollMs: 20 },
      log,
    });
    running.push(a);
    return a;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-async-'));
    db = openDatabase(dir, [queuesSchema, asyncInvokeSchema]);
    queues = new QueueService(db, { partition });
    queues.createQueue('ok');
    queues.createQueue('failed');
    queues.createQueue('dlq');
  });
  afterEach(async () => {
    for (const a of running) await a.dispatcher.stop(100);
    running = [];
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a failing event exactly MaximumRetryAttempts times, then sends the record and the DLQ message', async () => {
    const fn = scripted(() => ({
      kind: 'function-error',
      payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'),
      functionError: 'Unhandled',
      executedVersion: '$LATEST',
    }));
    const a = build(fn, resolverFor('arn:aws:sqs:us-east-1:000000000000:dlq'));
    a.configs.put('f', undefined, {
      maximumRetryAttempts: 1,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:failed',
    });
    a.dispatcher.start();
    const { requestId } = await a.invocations.accept({ functionName: 'f', payload: Buffer.from('{"n":1}') });
    await waitFor(() => a.events.pending() === 0);
    assert.equal(fn.calls.length, 2);
    const [failed] = await queues.receiveMessages('failed');
    const record = JSON.parse(failed!.body);
    assert.equal(record.version, '1.0');
    assert.deepEqual(record.requestContext, {
      requestId,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 2,
    });
    assert.deepEqual(record.requestPayload, { n: 1 });
    assert.deepEqual(record.responseContext, {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    });
    assert.deepEqual(record.responsePayload, { errorType: 'Error', errorMessage: 'boom' });
    const [dead] = await queues.receiveMessages('dlq', { messageAttributeNames: ['All'] });
    assert.equal(dead!.body, '{"n":1}');
    assert.equal(dead!.messageAttributes.RequestID?.stringValue, requestId);
    assert.equal(dead!.messageAttributes.ErrorCode?.stringValue, '200');
    assert.equal(dead!.messageAttributes.ErrorMessage?.stringValue, 'boom');
  });

  it('sends successes to OnSuccess, and to a function destination as a new async event', async () => {
    const fn = scripted((_, payload) => ({
      kind: 'success',
      payload: Buffer.from(payload.includes('requestContext') ? '"chained"' : '{"ok":true}'),
      executedVersion: '3',
    }));
    const a = build(fn);
    a.configs.put('f', undefined, { onSuccess: 'arn:aws:lambda:us-east-1:000000000000:function:g' });
    a.configs.put('g', undefined, { onSuccess: 'arn:aws:sqs:us-east-1:000000000000:ok' });
    a.dispatcher.start();
    await a.invocations.accept({ functionName: 'f', payload: Buffer.from('{}') });
    const [msg] = await queues.receiveMessages('ok', { waitTimeSeconds: 5 });
    const record = JSON.parse(msg!.body);
    assert.equal(record.requestContext.condition, 'Success');
    assert.equal(
      record.requestContext.functionArn,
      'arn:aws:lambda:us-east-1:000000000000:function:g:$LATEST',
    );
    assert.equal(
      record.requestPayload.requestContext.functionArn,
      'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
    );
    assert.deepEqual(record.requestPayload.responsePayload, { ok: true });
    assert.equal(record.responsePayload, 'chained');
  });

  it('keeps throttled events until they run, without counting throttles as attempts', async () => {
    const fn = scripted((n) =>
      n <= 3
        ? { kind: 'throttled', message: 'Rate Exceeded.' }
        : {
            kind: 'function-error',
            payload: Buffer.from('{}'),
            functionError: 'Unhandled',
            executedVersion: '$LATEST',
          },
    );
    const a = build(fn);
    a.configs.put('f', undefined, {
      maximumRetryAttempts: 0,
      onFailure: 'arn:aws:sqs:us-east-1:000000000000:failed',
    });
    a.dispatcher.start();
    await a.invocations.accept({ functionName: 'f', payload: Buffer.from('{}') });
    const [msg] = await queues.receiveMessages('failed', { waitTimeSeconds: 5 });
    assert.equal(JSON.parse(msg!.body).requestContext.approximateInvokeCount, 1);
    assert.equal(fn.calls.length, 4);
  });

  it('re-delivers events a dead dispatcher had leased when the next one starts', async () => {
    let release: () => void = () => undefined;
    const hanging: EventInvoker = {
      invoke: () =>
        new Promise((r) => {
          release = () => r({ kind: 'success', payload: Buffer.from('1'), executedVersion: '$LATEST' });
        }),
    };
    const first = build(hanging);
    first.dispatcher.start();
    await first.invocations.accept({ functionName: 'f', payload: Buffer.from('{"id":7}') });
    await waitFor(() => first.dispatcher.stats().inFlight === 1);
    await first.dispatcher.stop(10); // dies with the event leased
    assert.equal(first.events.pending(), 1);
    const fn = scripted(() => ({ kind: 'success', payload: Buffer.from('1'), executedVersion: '$LATEST' }));
    const second = build(fn);
    second.dispatcher.start();
    await waitFor(() => second.events.pending() === 0);
    assert.deepEqual(fn.calls, ['{"id":7}']);
    release();
  });

  it('refuses payloads over 1 MB and non-JSON payloads', async () => {
    const a = build(
      scripted(() => ({ kind: 'success', payload: Buffer.from(''), executedVersion: '$LATEST' })),
    );
    await assert.rejects(
      a.invocations.accept({ functionName: 'f', payload: Buffer.alloc(1_048_577, 0x20) }),
      { code: 'RequestTooLargeException', status: 413 },
    );
    await assert.rejects(a.invocations.accept({ functionName: 'f', payload: Buffer.from('{nope') }), {
      code: 'InvalidRequestContentException',
    });
  });
});
