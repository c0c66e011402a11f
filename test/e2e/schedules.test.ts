// Schedules end to end: the EventBridge Scheduler API through @aws-sdk/client-scheduler and the AWS CLI,
// firing through the durable async queue (observed via the target's OnSuccess queue), rate / cron / at
// expressions, and catch-up after the server was down: one firing for the missed ticks, not one each.
// Schedule time runs 60× faster here (KINDLING_SCHEDULER_TIME_SCALE=60): rate(1 minute) fires every second.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import {
  awsCli,
  createEventFunction,
  drain,
  fnArn,
  queueArn,
  restartServer,
  sqsAt,
  sqsFor,
} from './events-helpers.js';

const MINUTE = 60_000;
const ROLE = 'arn:aws:iam::000000000000:role/scheduler';

describe('schedules (e2e)', () => {
  let k: KindlingHandle;
  let sqs: SQSClient;
  let scheduler: SchedulerClient;
  let endpoint: string;

  const schedulerAt = (e: string) =>
    new SchedulerClient({ endpoint: e, region: k.region, credentials: k.credentials, maxAttempts: 1 });
  const target = (input: string) => ({ Arn: fnArn('ticker'), RoleArn: ROLE, Input: input });
  /** Scheduled times (ms) of firings delivered to the ticks queue, by the schedule named in the input. */
  const ticks = async (name: string, count: number, timeoutMs = 10_000) => {
    const out: number[] = [];
    for (const m of await drain(sqs, `${endpoint}/000000000000/ticks-${name}`, count, timeoutMs)) {
      out.push(Date.parse(JSON.parse(m.Body ?? '{}').requestPayload.at));
    }
    return out;
  };

  before(async () => {
    k = await startKindling({
      env: {
        KINDLING_SCHEDULER_TIME_SCALE: '60',
        KINDLING_SCHEDULER_TICK_MS: '100',
      },
    });
    endpoint = k.endpoint;
    sqs = sqsFor(k);
    scheduler = schedulerAt(endpoint);
    for (const q of ['ticks-rate', 'ticks-cron', 'ticks-at'])
      await sqs.send(new CreateQueueCommand({ QueueName: q }));
    await createEventFunction(k.lambda, 'ticker');
    await createEventFunction(k.lambda, 'ticker-cron');
  });
  after(async () => {
    sqs?.destroy();
    scheduler?.destroy();
    await k?.stop();
  });

  it('validates and manages schedules through the SDK and the AWS CLI', async () => {
    await assert.rejects(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'bad',
          ScheduleExpression: 'rate(5 fortnights)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target('{}'),
        }),
      ),
      ValidationException,
    );
    await assert.rejects(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'bad',
          ScheduleExpression: 'cron(0 12 * * * *)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target('{}'),
        }),
      ),
      ValidationException,
    );
    const created = await scheduler.send(
      new CreateScheduleCommand({
        Name: 'daily',
        ScheduleExpression: 'cron(0 12 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target('{}'),
      }),
    );
    assert.equal(created.ScheduleArn, 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/daily');
    await assert.rejects(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'daily',
          ScheduleExpression: 'rate(1 day)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: target('{}'),
        }),
      ),
      ConflictException,
    );
    const got = await scheduler.send(new GetScheduleCommand({ Name: 'daily' }));
    assert.equal(got.GroupName, 'default');
    assert.equal(got.State, 'ENABLED');
    assert.equal(got.ScheduleExpressionTimezone, 'Europe/Paris');
    assert.equal(got.Target?.Arn, fnArn('ticker'));
    assert.ok(got.CreationDate instanceof Date);

    const cli = awsCli(k, 'scheduler', endpoint);
    const listed = await cli('list-schedules');
    assert.deepEqual(
      listed.Schedules.map((s: { Name: string }) => s.Name),
      ['daily'],
    );
    const viaCli = await cli('get-schedule', '--name', 'daily');
    assert.equal(viaCli.ScheduleExpression, 'cron(0 12 ? * MON-FRI *)');
    await cli('delete-schedule', '--name', 'daily');
    await assert.rejects(
      scheduler.send(new GetScheduleCommand({ Name: 'daily' })),
      ResourceNotFoundException,
    );
  });

  it('fires rate and cron schedules once per tick, through the async queue', async () => {
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'ticker',
        DestinationConfig: { OnSuccess: { Destination: queueArn('ticks-rate') } },
      }),
    );
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'ticker-cron',
        DestinationConfig: { OnSuccess: { Destination: queueArn('ticks-cron') } },
      }),
    );
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'rate',
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target('{"at":"<aws.scheduler.scheduled-time>"}'),
      }),
    );
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'cron',
        ScheduleExpression: 'cron(* * * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { ...target('{"at":"<aws.scheduler.scheduled-time>"}'), Arn: fnArn('ticker-cron') },
      }),
    );
    const rate = await ticks('rate', 3);
    assert.equal(rate.length, 3);
    assert.deepEqual([rate[1]! - rate[0]!, rate[2]! - rate[1]!], [MINUTE, MINUTE]);
    const cron = await ticks('cron', 2);
    assert.equal(cron[1]! - cron[0]!, MINUTE);
    assert.equal(cron[0]! % MINUTE, 0, 'cron fires on the minute');
    // Disabled: no more firings.
    const current = await scheduler.send(new GetScheduleCommand({ Name: 'cron' }));
    await scheduler.send(
      new UpdateScheduleCommand({
        Name: 'cron',
        ScheduleExpression: current.ScheduleExpression,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: current.Target,
        State: 'DISABLED',
      }),
    );
    await ticks('cron', 100, 1500); // what was already on its way
    assert.deepEqual(await ticks('cron', 1, 2500), []);
  });

  it('fires an at() schedule once and deletes it after completion', async () => {
    // Schedule time runs ahead of the wall clock; the newest schedule's dates tell where it is.
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'clock-probe',
        ScheduleExpression: 'rate(1 day)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: target('{}'),
      }),
    );
    const scheduleNow =
      (await scheduler.send(new GetScheduleCommand({ Name: 'clock-probe' }))).CreationDate?.getTime() ??
      Date.now();
    const at = new Date(scheduleNow + 2 * MINUTE).toISOString().slice(0, 19);
    await k.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'ticker-cron',
        DestinationConfig: { OnSuccess: { Destination: queueArn('ticks-at') } },
      }),
    );
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'once',
        ScheduleExpression: `at(${at})`,
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { ...target('{"at":"<aws.scheduler.scheduled-time>"}'), Arn: fnArn('ticker-cron') },
      }),
    );
    const fired = await ticks('at', 1, 15_000);
    assert.deepEqual(fired, [Date.parse(`${at}Z`)]);
    await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: 'once' })), ResourceNotFoundException);
    assert.deepEqual(await ticks('at', 1, 2000), []);
  });

  it('survives a crash and catches up with one firing for the ticks it missed', async () => {
    const before = await ticks('rate', 100, 1500);
    const last = await ticks('rate', 1, 3000);
    const lastSeen = last[0] ?? before[before.length - 1]!;
    await new Promise((r) => setTimeout(r, 200));
    await k.crash();
    await new Promise((r) => setTimeout(r, 4000)); // ~4 schedule minutes missed
    endpoint = await restartServer(k);
    sqs.destroy();
    sqs = sqsAt(k, endpoint);
    const afterRestart = [...new Set(await ticks('rate', 3, 10_000))]
      .sort((a, b) => a - b)
      .filter((t) => t > lastSeen);
    assert.ok(
      afterRestart.length >= 3,
      `firings after restart: ${afterRestart.map((t) => new Date(t).toISOString())}`,
    );
    const [catchUp, firstRegular, second] = afterRestart as [number, number, number];
    assert.equal(catchUp, lastSeen + MINUTE, 'the first missed tick fires once on restart');
    assert.ok(firstRegular - catchUp >= 3 * MINUTE, 'the other missed ticks are skipped, not replayed');
    assert.equal(second - firstRegular, MINUTE, 'then the regular cadence continues');
  });

  it('removes schedules', async () => {
    const s = schedulerAt(endpoint);
    await s.send(new DeleteScheduleCommand({ Name: 'rate' }));
    await assert.rejects(s.send(new DeleteScheduleCommand({ Name: 'rate' })), ResourceNotFoundException);
    s.destroy();
  });
});
