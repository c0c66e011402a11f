// The built-in queue through a real server: the AWS CLI (query protocol) sends, @aws-sdk/client-sqs
// (JSON protocol) receives, and messages survive a restart.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { awsCli, restartServer, sqsAt, sqsFor } from './events-helpers.js';

describe('SQS API (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;

  before(async () => {
    k = await startKindling();
    sqs = sqsFor(k);
  });
  after(async () => {
    sqs?.destroy();
    await k?.stop();
  });

  it('takes messages from the AWS CLI, serves them to the SDK, and keeps them across a restart', async () => {
    const cli = awsCli(k, 'sqs');
    const { QueueUrl } = await cli('create-queue', '--queue-name', 'jobs');
    assert.equal(QueueUrl, `${k.endpoint}/000000000000/jobs`);
    await cli(
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      '{"job":1}',
      '--message-attributes',
      '{"kind":{"DataType":"String","StringValue":"a"}}',
    );

    const endpoint = await restartServer(k);
    sqs.destroy();
    sqs = sqsAt(k, endpoint);
    const url = `${endpoint}/000000000000/jobs`;
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'],
      }),
    );
    assert.deepEqual(attrs.Attributes, {
      ApproximateNumberOfMessages: '1',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
    });
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    assert.equal(got.Messages?.[0]?.Body, '{"job":1}');
    assert.equal(got.Messages?.[0]?.MessageAttributes?.kind?.StringValue, 'a');
  });
});
