// The SQS API over both protocols against the real queue service: @aws-sdk/client-sqs (JSON 1.0) and the
// AWS CLI v2 (query protocol, XML).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { registerSqsApi } from '../../src/api/operations/sqs.js';
import { QueueService, queuesSchema } from '../../src/queues/index.js';
import { type SqliteDatabase, openDatabase } from '../../src/store/sqlite/database.js';
import { type TestApiServer, startApiServer, testCredentials, testRegion } from './api-server.js';

const run = promisify(execFile);

describe('SQS API', () => {
  let dir: string;
  let db: SqliteDatabase;
  let server: TestApiServer;
  let sqs: SQSClient;

  const cli = async (...args: string[]) => {
    const { stdout } = await run(
      '/usr/bin/aws',
      ['--endpoint-url', server.endpoint, '--output', 'json', 'sqs', ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: testCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
          AWS_DEFAULT_REGION: testRegion,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-sqs-'));
    db = openDatabase(dir, [queuesSchema]);
    const queues = new QueueService(db, { partition: { accountId: '000000000000', region: testRegion } });
    server = await startApiServer((routes) => registerSqsApi(routes, { queues }));
    sqs = new SQSClient({
      endpoint: server.endpoint,
      region: testRegion,
      credentials: testCredentials,
      maxAttempts: 1,
    });
  });

  after(async () => {
    sqs.destroy();
    await server.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, sends, receives with attributes, hides in-flight messages and deletes (SDK)', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '1' } }),
    );
    assert.equal(QueueUrl, `${server.endpoint}/000000000000/orders`);
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'héllo',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]) },
        },
      }),
    );
    assert.ok(sent.MessageId);
    assert.ok(sent.MD5OfMessageAttributes);
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    assert.equal(got.Messages?.length, 1);
    const m = got.Messages![0]!;
    assert.equal(m.Body, 'héllo');
    assert.equal(m.MessageAttributes?.kind?.StringValue, 'greeting');
    assert.deepEqual([...(m.MessageAttributes?.blob?.BinaryValue ?? [])], [0, 1, 2, 255]);
    assert.equal(m.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.equal(m.Attributes?.ApproximateReceiveCount, '1');
    // In flight: invisible until the visibility timeout passes, then received again.
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(hidden.Messages, undefined);
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible, '1');
    assert.equal(attrs.Attributes?.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:orders');
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 3, AttributeNames: ['All'] }),
    );
    assert.equal(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2');
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again.Messages![0]!.ReceiptHandle }));
    const after = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    assert.deepEqual(after.Attributes, {
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('long-polls: a receive waiting on an empty queue returns as soon as a message arrives', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'waiting' }));
    const started = Date.now();
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late' }));
    const got = await pending;
    assert.equal(got.Messages?.[0]?.Body, 'late');
    assert.ok(Date.now() - started < 5000);
  });

  it('answers unknown queues with QueueDoesNotExist, and lists, purges and deletes queues', async () => {
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })), QueueDoesNotExist);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'purgeable' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(empty.Messages, undefined);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'purge' }));
    assert.deepEqual(listed.QueueUrls, [QueueUrl]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), QueueDoesNotExist);
  });

  it('serves the AWS CLI (query protocol, XML) end to end', async () => {
    const created = await cli('create-queue', '--queue-name', 'cli-q', '--attributes', 'VisibilityTimeout=5');
    const url = String(created.QueueUrl);
    assert.equal(url, `${server.endpoint}/000000000000/cli-q`);
    assert.deepEqual(await cli('get-queue-url', '--queue-name', 'cli-q'), { QueueUrl: url });
    const sent = await cli(
      'send-message',
      '--queue-url',
      url,
      '--message-body',
      'a <b> & "c"',
      '--message-attributes',
      '{"n":{"DataType":"Number","StringValue":"42"}}',
    );
    assert.ok(sent.MessageId);
    const got = (await cli(
      'receive-message',
      '--queue-url',
      url,
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
      '--wait-time-seconds',
      '1',
    )) as {
      Messages: Array<{
        Body: string;
        ReceiptHandle: string;
        MessageAttributes: Record<string, { StringValue: string }>;
        Attributes: Record<string, string>;
      }>;
    };
    assert.equal(got.Messages[0]?.Body, 'a <b> & "c"');
    assert.equal(got.Messages[0]?.MessageAttributes.n?.StringValue, '42');
    assert.equal(got.Messages[0]?.Attributes.ApproximateReceiveCount, '1');
    const attrs = (await cli('get-queue-attributes', '--queue-url', url, '--attribute-names', 'All')) as {
      Attributes: Record<string, string>;
    };
    assert.equal(attrs.Attributes.VisibilityTimeout, '5');
    assert.equal(attrs.Attributes.ApproximateNumberOfMessagesNotVisible, '1');
    await cli('delete-message', '--queue-url', url, '--receipt-handle', got.Messages[0]!.ReceiptHandle);
    const listed = await cli('list-queues');
    assert.ok((listed.QueueUrls as string[]).includes(url));
    await cli('delete-queue', '--queue-url', url);
    await assert.rejects(
      cli('get-queue-url', '--queue-name', 'cli-q'),
      /AWS\.SimpleQueueService\.NonExistentQueue/,
    );
  });
});
