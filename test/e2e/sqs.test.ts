// The built-in queue through a real server: the AWS CLI (query protocol) sends, @aws-sdk/client-sqs
// (JSON protocol) receives, and messages survive a restart.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { restartServer, sqsAt, sqsFor } from './events-helpers.js';

const run = promisify(execFile);

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
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: k.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: k.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: k.region,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const cli = async (...args: string[]) =>
      JSON.parse(
        (
          await run('/usr/bin/aws', ['--endpoint-url', k.endpoint, '--output', 'json', 'sqs', ...args], {
            env,
          })
        ).stdout || '{}',
      );
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
