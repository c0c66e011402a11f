// Shared steps of the event e2e tests (async, sqs, function-url, schedules): creating the
// event-behaviours function, an SQS client for the same server, and draining a queue.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KindlingHandle } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const ACCOUNT = '000000000000';
export const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`;
export const queueArn = (name: string) => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

export async function createEventFunction(
  lambda: LambdaClient,
  name: string,
  extra: { DeadLetterConfig?: { TargetArn: string } } = {},
) {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: await zipFixture('event-behaviours') },
      Timeout: 5,
      ...extra,
    }),
  );
  for (let i = 0; i < 300; i++) {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not become Active`);
}

export function sqsFor(k: KindlingHandle): SQSClient {
  return new SQSClient({
    endpoint: k.endpoint,
    region: k.region,
    credentials: k.credentials,
    maxAttempts: 1,
  });
}

/** Receives (and deletes) messages until `count` arrived or `timeoutMs` passed. */
export async function drain(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  timeoutMs = 20_000,
): Promise<Message[]> {
  const out: Message[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < until) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of got.Messages ?? []) {
      out.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return out;
}

/**
 * Restarts the server (after a crash or not) and returns the endpoint of the new process, read from its
 * own "ready at" line: the output of every launch accumulates, so the newest line is the one to trust.
 */
export async function restartServer(k: KindlingHandle): Promise<string> {
  const launches = (k.output().match(/ready at http:\/\/\S+/g) ?? []).length;
  await k.restart();
  for (let i = 0; i < 600; i++) {
    const ready = k.output().match(/ready at (http:\/\/\S+)/g) ?? [];
    if (ready.length > launches) return ready[ready.length - 1]!.replace('ready at ', '');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not come back:\n${k.output()}`);
}

export function lambdaAt(k: KindlingHandle, endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: k.region, credentials: k.credentials, maxAttempts: 1 });
}

export function sqsAt(k: KindlingHandle, endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: k.region, credentials: k.credentials, maxAttempts: 1 });
}

const execFileAsync = promisify(execFile);

/**
 * The AWS CLI v2 (/usr/bin/aws) against one endpoint, with this server's credentials and no user config:
 * `cli('create-queue', '--queue-name', 'jobs')` runs `aws sqs create-queue ...` and parses its JSON.
 */
export function awsCli(k: KindlingHandle, service: string, endpoint = k.endpoint) {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: k.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: k.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: k.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return async (...args: string[]) =>
    JSON.parse(
      (
        await execFileAsync(
          '/usr/bin/aws',
          ['--endpoint-url', endpoint, '--output', 'json', service, ...args],
          { env },
        )
      ).stdout || '{}',
    );
}
