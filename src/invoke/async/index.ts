// Asynchronous invocation's door: the durable event queue, its dispatcher (retries, max age, destinations,
// dead-letter queues) and event-invoke configs. `createAsyncInvoke` builds the whole of it.

import type { Logger } from 'pino';
import type { FunctionResolver, Partition } from '../../control/index.js';
import type { QueueService } from '../../queues/index.js';
import type { SqliteDatabase } from '../../store/index.js';
import { AsyncInvocations } from './async-invocations.js';
import { DestinationRouter } from './destinations.js';
import { AsyncDispatcher } from './dispatcher.js';
import { EventInvokeConfigs } from './event-invoke-configs.js';
import { AsyncEventStore } from './event-store.js';
import type { EventInvoker } from './model.js';
import type { AsyncSettings } from './settings.js';

export { type AcceptRequest, AsyncInvocations, MAX_ASYNC_PAYLOAD_BYTES } from './async-invocations.js';
export { DestinationRouter } from './destinations.js';
export { type DestinationTarget, parseDestinationArn } from './destination-arn.js';
export { AsyncDispatcher, type DispatcherStats } from './dispatcher.js';
export { EventInvokeConfigs, type EventInvokeSettings } from './event-invoke-configs.js';
export { AsyncEventStore } from './event-store.js';
export { type InvocationRecord, invocationRecord } from './invocation-record.js';
export type * from './model.js';
export { decide, type RetrySettings } from './retry-policy.js';
export { asyncInvokeSchema } from './schema.js';
export { type AsyncSettings, DEFAULT_ASYNC_SETTINGS } from './settings.js';
export { eventInvokerFrom } from './sync-invoker-adapter.js';

export interface AsyncInvokeDeps {
  readonly db: SqliteDatabase;
  readonly partition: Partition;
  readonly resolver: FunctionResolver;
  readonly invoker: EventInvoker;
  readonly queues: QueueService;
  readonly settings: AsyncSettings;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface AsyncInvoke {
  readonly events: AsyncEventStore;
  readonly configs: EventInvokeConfigs;
  readonly destinations: DestinationRouter;
  readonly dispatcher: AsyncDispatcher;
  readonly invocations: AsyncInvocations;
}

/** Builds asynchronous invocation; call `dispatcher.start()` once the invoke path is ready. */
export function createAsyncInvoke(deps: AsyncInvokeDeps): AsyncInvoke {
  const now = deps.now ?? Date.now;
  const events = new AsyncEventStore(deps.db);
  const configs = new EventInvokeConfigs(deps.db, deps.partition, now);
  const destinations = new DestinationRouter({
    partition: deps.partition,
    queues: deps.queues,
    events,
    log: deps.log,
    now,
  });
  const dispatcher = new AsyncDispatcher({
    events,
    configs,
    invoker: deps.invoker,
    destinations,
    resolver: deps.resolver,
    partition: deps.partition,
    settings: deps.settings,
    log: deps.log,
    now,
  });
  const invocations = new AsyncInvocations({
    events,
    resolver: deps.resolver,
    onAccepted: () => dispatcher.notify(),
    now,
  });
  return { events, configs, destinations, dispatcher, invocations };
}
