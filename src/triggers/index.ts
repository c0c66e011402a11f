// Triggers: what invokes functions besides a direct Invoke. Each kind is a folder with its typed options,
// its tables and its listener or poller, registered in the one list below (STYLE §4).
//   function-urls/  HTTP requests to /lambda-url/<url-id>/... → sync invoke with the 2.0 event
//   schedules/      rate / cron / at expressions → async invoke through the durable queue

import type { Logger } from 'pino';
import type { AsyncInvocations } from '../invoke/async/index.js';
import type { QueuePartition } from '../queues/index.js';
import type { SchemaPart, SqliteDatabase } from '../store/index.js';
import { FunctionUrlConfigs, functionUrlsSchema } from './function-urls/index.js';
import {
  Scheduler,
  type SchedulerSettings,
  Schedules,
  createScheduleClock,
  schedulesSchema,
} from './schedules/index.js';

export interface TriggerKind {
  readonly name: string;
  readonly schema: SchemaPart;
}

export const triggerKinds: readonly TriggerKind[] = [
  { name: 'function-url', schema: functionUrlsSchema },
  { name: 'schedule', schema: schedulesSchema },
];

export interface TriggersDeps {
  readonly db: SqliteDatabase;
  readonly partition: QueuePartition;
  readonly invocations: AsyncInvocations;
  readonly settings: SchedulerSettings;
  readonly log: Logger;
}

export interface Triggers {
  readonly urls: FunctionUrlConfigs;
  readonly schedules: Schedules;
  readonly scheduler: Scheduler;
}

/** Builds every trigger kind; call `scheduler.start()` once the async dispatcher runs. */
export function createTriggers(deps: TriggersDeps): Triggers {
  const clock = createScheduleClock(deps.db, deps.settings.timeScale);
  const schedules = new Schedules({
    db: deps.db,
    clock,
    partition: deps.partition,
    invocations: deps.invocations,
    log: deps.log,
  });
  return {
    urls: new FunctionUrlConfigs(deps.db),
    schedules,
    scheduler: new Scheduler(schedules, clock, deps.log, deps.settings.tickMs),
  };
}
