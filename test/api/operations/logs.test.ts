// The CloudWatch Logs API subset behind the real API listener (router, SigV4, error encoding), driven by
// the real clients users have: @aws-sdk/client-cloudwatch-logs and the AWS CLI v2.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  paginateFilterLogEvents,
  paginateGetLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { pino } from 'pino';
import { registerLogsOperations } from '../../../src/api/operations/logs.js';
import { Router } from '../../../src/api/router.js';
import { createApiServer } from '../../../src/api/server.js';
import { SigV4Verifier } from '../../../src/api/sigv4.js';
import { type SqliteDatabase, openDatabase } from '../../../src/store/sqlite/database.js';
import {
  type SqliteFunctionLogs,
  createSqliteFunctionLogs,
  logsSchema,
} from '../../../src/telemetry/log-store.js';

const run = promisify(execFile);
const credentials = {
  accessKeyId: 'AKIALOGSTEST00000001',
  secretAccessKey: 'logs-test-secret-0123456789abcdefghijklm',
};
const region = 'us-east-1';
const GROUP = '/aws/lambda/hello';
const S1 = '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef';
const S2 = '2026/01/01/[$LATEST]fedcba9876543210fedcba9876543210';

describe('CloudWatch Logs API', () => {
  let dir: string;
  let db: SqliteDatabase;
  let logs: SqliteFunctionLogs;
  let server: Server;
  let endpoint: string;
  let client: CloudWatchLogsClient;
  /** When the fixture events were written (their timestamps are relative to it). */
  let now: number;

  const aws = (...args: string[]) =>
    run(
      '/usr/bin/aws',
      [...args, '--endpoint-url', endpoint, '--region', region, '--no-cli-pager', '--color', 'off'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        timeout: 30_000,
      },
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-logs-api-'));
    db = openDatabase(dir, [logsSchema]);
    logs = createSqliteFunctionLogs(db);
    const router = new Router();
    registerLogsOperations(router, logs, { region, accountId: '123456789012' });
    server = createApiServer({
      router,
      verifier: new SigV4Verifier({
        secretFor: (id) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined),
      }),
      log: pino({ level: 'silent' }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new CloudWatchLogsClient({ endpoint, region, credentials, maxAttempts: 1 });

    now = Date.now();
    logs.append(GROUP, S1, [
      { timestamp: now - 5000, message: 'START RequestId: r1 Version: $LATEST' },
      {
        timestamp: now - 4999,
        message: `${new Date(now - 4999).toISOString()}\tr1\tINFO\thello from the handler`,
      },
      { timestamp: now - 4998, message: 'END RequestId: r1' },
      {
        timestamp: now - 4998,
        message:
          'REPORT RequestId: r1\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t',
      },
    ]);
    logs.append(GROUP, S2, [
      { timestamp: now - 3000, message: 'START RequestId: r2 Version: $LATEST' },
      { timestamp: now - 2999, message: 'ERROR Task timed out' },
    ]);
  });

  after(async () => {
    client.destroy();
    await new Promise((r) => server.close(r));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DescribeLogGroups lists groups with ARNs', async () => {
    const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' }));
    assert.equal(out.logGroups?.length, 1);
    const group = out.logGroups?.[0];
    assert.equal(group?.logGroupName, GROUP);
    assert.equal(group?.arn, `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}:*`);
    assert.ok((group?.storedBytes ?? 0) > 0);
  });

  it('DescribeLogStreams orders by LastEventTime, newest first', async () => {
    const out = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: 'LastEventTime', descending: true }),
    );
    assert.deepEqual(
      out.logStreams?.map((s) => s.logStreamName),
      [S2, S1],
    );
    assert.ok(
      (out.logStreams?.[0]?.lastEventTimestamp ?? 0) > (out.logStreams?.[1]?.lastEventTimestamp ?? 0),
    );
    const paged = await client.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, limit: 1 }));
    assert.deepEqual(
      paged.logStreams?.map((s) => s.logStreamName),
      [S1],
    );
    const next = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, limit: 1, nextToken: paged.nextToken }),
    );
    assert.deepEqual(
      next.logStreams?.map((s) => s.logStreamName),
      [S2],
    );
    assert.equal(next.nextToken, undefined);
  });

  it('GetLogEvents reads a stream from the head or the tail, with f/ and b/ tokens', async () => {
    const head = await client.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: S1, startFromHead: true, limit: 2 }),
    );
    assert.deepEqual(
      head.events?.map((e) => e.message?.split('\t')[0]),
      ['START RequestId: r1 Version: $LATEST', head.events?.[1]?.message?.split('\t')[0]],
    );
    assert.match(head.nextForwardToken ?? '', /^f\/\d{56}$/);
    assert.match(head.nextBackwardToken ?? '', /^b\/\d{56}$/);
    const rest = await client.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: S1, nextToken: head.nextForwardToken }),
    );
    assert.deepEqual(
      rest.events?.map((e) => e.message?.split('\t')[0]),
      ['END RequestId: r1', 'REPORT RequestId: r1'],
    );
    const back = await client.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: S1, nextToken: rest.nextBackwardToken }),
    );
    assert.equal(back.events?.length, 2);
    assert.equal(back.events?.[0]?.message, 'START RequestId: r1 Version: $LATEST');

    const tail = await client.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: S1, limit: 1 }),
    );
    assert.deepEqual(
      tail.events?.map((e) => e.message?.split('\t')[0]),
      ['REPORT RequestId: r1'],
    );

    // Reading forward ends when the forward token comes back unchanged (the SDK's stopOnSameToken).
    const all: string[] = [];
    for await (const page of paginateGetLogEvents(
      { client, pageSize: 3, stopOnSameToken: true },
      { logGroupName: GROUP, logStreamName: S1, startFromHead: true },
    )) {
      all.push(...(page.events ?? []).map((e) => e.message ?? ''));
    }
    assert.equal(all.length, 4);
  });

  it('FilterLogEvents filters by pattern, stream and time, and pages with nextToken', async () => {
    const errors = await client.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: 'ERROR' }),
    );
    assert.deepEqual(
      errors.events?.map((e) => [e.logStreamName, e.message]),
      [[S2, 'ERROR Task timed out']],
    );
    assert.ok(errors.events?.[0]?.eventId);
    const quoted = await client.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '"hello from"' }),
    );
    assert.equal(quoted.events?.length, 1);
    const oneStream = await client.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: [S2] }),
    );
    assert.equal(oneStream.events?.length, 2);
    const recent = await client.send(
      // Relative to when the events were written, not to now: a slow host must not move the window.
      new FilterLogEventsCommand({ logGroupName: GROUP, startTime: now - 3500, endTime: now }),
    );
    assert.equal(recent.events?.length, 2);

    const first = await client.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 4 }));
    assert.equal(first.events?.length, 4);
    assert.ok(first.nextToken);
    const last = await client.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, limit: 4, nextToken: first.nextToken }),
    );
    assert.equal(last.events?.length, 2);
    assert.equal(last.nextToken, undefined, 'no token once everything was returned');

    let total = 0;
    for await (const page of paginateFilterLogEvents({ client, pageSize: 1 }, { logGroupName: GROUP })) {
      total += page.events?.length ?? 0;
    }
    assert.equal(total, 6);
  });

  it('answers unknown groups, bad input and unknown operations with CloudWatch errors', async () => {
    await assert.rejects(
      client.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nope' })),
      (err: unknown) =>
        err instanceof ResourceNotFoundException && err.message === 'The specified log group does not exist.',
    );
    await assert.rejects(
      client.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: 'missing' })),
      (err: unknown) =>
        err instanceof ResourceNotFoundException &&
        err.message === 'The specified log stream does not exist.',
    );
    await assert.rejects(
      client.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: '{ $.x = 1 }' })),
      (err: Error) => err.name === 'InvalidParameterException',
    );
    await assert.rejects(
      client.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 0 })),
      (err: Error) => err.name === 'InvalidParameterException' && /at 'limit'/.test(err.message),
    );
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'X-Amz-Target': 'Logs_20140328.PutDestination',
        'Content-Type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    // Unsigned: rejected before the operation; a signed unknown operation is checked with the CLI below.
    assert.equal(res.status, 403);
    await assert.rejects(aws('logs', 'describe-destinations'), (err: { stderr: string }) =>
      /UnknownOperationException/.test(err.stderr),
    );
  });

  it('CreateLogGroup and DeleteLogGroup', async () => {
    await client.send(new CreateLogGroupCommand({ logGroupName: '/custom/app' }));
    await assert.rejects(
      client.send(new CreateLogGroupCommand({ logGroupName: '/custom/app' })),
      (err: unknown) => err instanceof ResourceAlreadyExistsException,
    );
    const listed = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/custom/' }));
    assert.deepEqual(
      listed.logGroups?.map((g) => g.logGroupName),
      ['/custom/app'],
    );
    await client.send(new DeleteLogGroupCommand({ logGroupName: '/custom/app' }));
    await assert.rejects(
      client.send(new DeleteLogGroupCommand({ logGroupName: '/custom/app' })),
      (err: unknown) => err instanceof ResourceNotFoundException,
    );
  });

  it('aws logs tail and aws logs filter-log-events print the lines', async () => {
    const { stdout } = await aws('logs', 'tail', GROUP, '--since', '10m');
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 6);
    assert.match(lines[0] ?? '', new RegExp(`^\\S+ ${S1.replace(/[[\]$]/g, '\\$&')} START RequestId: r1`));
    assert.ok(lines.some((l) => l.includes('REPORT RequestId: r1\tDuration: 1.50 ms')));

    const { stdout: json } = await aws(
      'logs',
      'filter-log-events',
      '--log-group-name',
      GROUP,
      '--filter-pattern',
      'START',
    );
    const parsed = JSON.parse(json) as { events: Array<{ message: string }> };
    assert.deepEqual(
      parsed.events.map((e) => e.message),
      ['START RequestId: r1 Version: $LATEST', 'START RequestId: r2 Version: $LATEST'],
    );

    await assert.rejects(aws('logs', 'tail', '/aws/lambda/nope'), (err: { stderr: string }) =>
      /ResourceNotFoundException.*The specified log group does not exist/.test(err.stderr),
    );
  });

  it('aws logs tail --follow prints lines as they arrive', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(
      '/usr/bin/aws',
      [
        'logs',
        'tail',
        GROUP,
        '--follow',
        '--since',
        '1s',
        '--endpoint-url',
        endpoint,
        '--region',
        region,
        '--color',
        'off',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: dir,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          // The CLI writes through a block buffer when stdout is a pipe.
          PYTHONUNBUFFERED: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      await new Promise((r) => setTimeout(r, 1500));
      logs.append(GROUP, S1, [{ timestamp: Date.now(), message: 'followed line' }]);
      const deadline = Date.now() + 15_000;
      while (!out.includes('followed line') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      assert.match(out, /followed line/);
      assert.equal(out.match(/followed line/g)?.length, 1, 'each event printed once');
    } finally {
      child.kill('SIGINT');
    }
  });
});
