// A function's output is flushed per invocation, as on Lambda: a last line written without a newline
// belongs to the invocation that wrote it. It shows in that invocation's LogType Tail and in the stored
// log stream before its END, and never in the next invocation's lines.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';
import { payload } from './sdk-helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const FN = 'partial-line';

describe('function output flushed per invocation (e2e)', () => {
  let k: KindlingHandle;
  let logs: CloudWatchLogsClient;

  before(async () => {
    k = await startKindling();
    logs = new CloudWatchLogsClient({
      endpoint: k.endpoint,
      region: k.region,
      credentials: k.credentials,
      maxAttempts: 1,
    });
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: FN,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: await zipFixture('node-partial-line') },
      }),
    );
    for (let i = 0; i < 300; i++) {
      const c = await k.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN }));
      if (c.State === 'Active') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    logs?.destroy();
    await k?.stop();
  });

  const invoke = async (event: unknown) => {
    const out = await k.lambda.send(
      new InvokeCommand({ FunctionName: FN, Payload: payload(event), LogType: 'Tail' }),
    );
    assert.equal(out.FunctionError, undefined);
    return Buffer.from(out.LogResult ?? '', 'base64')
      .toString('utf8')
      .split('\n');
  };

  it('shows an unfinished last line before END, in the tail and the stored stream, and not in the next', async () => {
    // Warm the environment first, so both invocations below run in the same one.
    await invoke({ line: 'warm' });
    const first = await invoke({ partial: 'no newline, first' });
    const second = await invoke({ line: 'a whole line, second' });

    const end = first.findIndex((l) => l.startsWith('END RequestId:'));
    assert.ok(end > 0, first.join('\n'));
    assert.ok(first.slice(0, end).includes('no newline, first'), first.join('\n'));
    assert.ok(!second.some((l) => l.includes('no newline')), second.join('\n'));
    assert.ok(second.includes('a whole line, second'), second.join('\n'));

    // The stored stream: the same order, the line between the first invocation's START and END.
    let messages: string[] = [];
    for (let i = 0; i < 100; i++) {
      const events = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${FN}` }));
      messages = (events.events ?? []).map((e) => (e.message ?? '').trimEnd());
      if (messages.filter((m) => m.startsWith('REPORT RequestId:')).length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const at = messages.indexOf('no newline, first');
    assert.ok(at > 0, messages.join('\n'));
    const starts = messages.flatMap((m, i) => (m.startsWith('START RequestId:') ? [i] : []));
    const ends = messages.flatMap((m, i) => (m.startsWith('END RequestId:') ? [i] : []));
    assert.equal(starts.length, 3, messages.join('\n'));
    assert.ok((starts[1] as number) < at && at < (ends[1] as number), messages.join('\n'));
    assert.ok(messages.includes('a whole line, second'), messages.join('\n'));
    assert.ok(!messages.some((m) => m.includes('no newlinea whole line')), messages.join('\n'));
  });
});
