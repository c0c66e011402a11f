// Wiring: builds the running system from configuration. The only place where all components meet
// (DESIGN §3): store → control → logs → runtime API → sandbox → worker → invoke → API.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { credentialLookup, credentialsFile, loadOrCreateCredentials } from './api/credentials.js';
import { registerConcurrencyOperations } from './api/operations/concurrency.js';
import { registerControlOperations } from './api/operations/control.js';
import { registerEventInvokeConfigOperations } from './api/operations/event-invoke-config.js';
import { registerFunctionUrlOperations } from './api/operations/function-urls.js';
import { registerInvokeOperations } from './api/operations/invoke.js';
import { registerLogsOperations } from './api/operations/logs.js';
import { registerSchedulerOperations } from './api/operations/scheduler.js';
import { registerSqsApi } from './api/operations/sqs.js';
import { Router } from './api/router.js';
import { createApiServer } from './api/server.js';
import { SigV4Verifier } from './api/sigv4.js';
import type { Config } from './config.js';
import { createControl } from './control/index.js';
import { asyncInvokeSchema, createAsyncInvoke, eventInvokerFrom } from './invoke/async/index.js';
import { concurrencySchema, createConcurrency, createInvoker } from './invoke/index.js';
import { QueueService, queuesSchema } from './queues/index.js';
import { createRuntimeApi } from './runtime-api/index.js';
import { selectSandboxDriver } from './sandbox/index.js';
import { controlSchema, createSqliteStore, openDatabase } from './store/index.js';
import { createSqliteFunctionLogs, logsSchema } from './telemetry/log-store.js';
import { createTriggers, triggerKinds } from './triggers/index.js';
import { createWorker } from './worker/index.js';

export interface RunningKindling {
  /** Base URL of the API, e.g. http://127.0.0.1:9000 */
  readonly endpoint: string;
  /** Stops accepting requests, ends every environment, closes the store. */
  close(): Promise<void>;
}

export async function startKindling(config: Config): Promise<RunningKindling> {
  const log = pino({ level: config.logLevel, base: undefined }, pino.destination(2));
  const db = openDatabase(config.dataDir, [
    controlSchema,
    logsSchema,
    concurrencySchema,
    queuesSchema,
    asyncInvokeSchema,
    ...triggerKinds.map((k) => k.schema),
  ]);
  const store = createSqliteStore(db);
  const credentials = loadOrCreateCredentials(config.dataDir, config);

  const sandbox = await selectSandboxDriver(config.sandbox, {
    dataDir: config.dataDir,
    log: (msg) => log.info(msg),
  });
  await sandbox.driver.cleanupStale();

  const logs = createSqliteFunctionLogs(db);
  const worker = createWorker({
    driver: sandbox.driver,
    runtimeApi: createRuntimeApi(),
    logs,
    region: config.region,
    memoryBudgetMb: config.memoryBudgetMb,
    keepAliveMs: config.keepAliveMs,
    socketDir: join(config.dataDir, 'sockets'),
    prewarmPerRuntime: config.prewarmPerRuntime,
    prewarmDir: join(config.dataDir, 'sandbox', 'prewarmed'),
    onError: (err, context) => log.error({ err }, context),
  });
  const control = createControl({
    store,
    dataDir: config.dataDir,
    accountId: config.accountId,
    region: config.region,
    reservedConcurrency: (name) => concurrency.reservedConcurrency(name),
    accountConcurrency: () => concurrency.accountConcurrency(),
  });
  const concurrency = createConcurrency({
    db,
    partition: { accountId: config.accountId, region: config.region },
    concurrencyLimit: config.concurrencyLimit,
    resolver: control,
    worker,
    subscribe: (listener) => control.subscribe(listener),
    onError: (err, context) => log.error({ err }, context),
  });
  const invoker = createInvoker({ resolver: control, worker, admission: concurrency.admission });
  control.subscribe((event) => {
    const version = event.kind === 'function-deleted' ? undefined : event.version;
    worker.drain(event.functionArn, version).catch((err: unknown) => log.error({ err }, 'drain failed'));
  });

  const partition = { accountId: config.accountId, region: config.region };
  const queues = new QueueService(db, { partition });
  const asyncInvoke = createAsyncInvoke({
    db,
    partition,
    resolver: control,
    invoker: eventInvokerFrom(invoker),
    queues,
    settings: {
      retryBaseMs: config.asyncRetryBaseMs,
      throttleBaseMs: config.asyncThrottleBaseMs,
      throttleMaxMs: config.asyncThrottleMaxMs,
      maxInFlight: config.asyncConcurrency,
      leaseMs: config.asyncLeaseMs,
      idlePollMs: config.asyncPollMs,
    },
    log,
  });
  const triggers = createTriggers({
    db,
    partition,
    invocations: asyncInvoke.invocations,
    settings: { tickMs: config.schedulerTickMs, timeScale: config.schedulerTimeScale },
    log,
  });
  control.subscribe((event) => {
    if (event.kind !== 'function-deleted') return;
    const name = event.functionArn.split(':')[6] ?? '';
    asyncInvoke.configs.deleteFunction(name);
    triggers.urls.deleteFunction(name);
  });
  const verifier = new SigV4Verifier(credentialLookup([credentials.pair]));

  const router = new Router();
  registerControlOperations(router, control);
  registerInvokeOperations(router, invoker, asyncInvoke.invocations);
  registerSqsApi(router, { queues });
  registerEventInvokeConfigOperations(router, { configs: asyncInvoke.configs, resolver: control, partition });
  registerFunctionUrlOperations(router, {
    urls: triggers.urls,
    resolver: control,
    partition,
    invoker,
    verifier,
  });
  registerSchedulerOperations(router, { schedules: triggers.schedules });
  registerConcurrencyOperations(router, concurrency);
  registerLogsOperations(router, logs, { region: config.region, accountId: config.accountId });

  const server = createApiServer({
    router,
    verifier,
    log,
    maxBodyBytesInFlight: config.requestBodiesInFlightMb * 1024 * 1024,
  });
  await listen(server, config.port, config.host);
  // Provisioned concurrency configured before a restart is initialised again.
  concurrency.start();
  asyncInvoke.dispatcher.start();
  triggers.scheduler.start();
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  process.stdout.write(`Sandbox: ${sandbox.tier} (${sandbox.reason})\n`);
  if (credentials.source === 'generated') {
    process.stdout.write(
      `Generated an access key pair for this server in ${credentialsFile(config.dataDir)}. Use it with any AWS client:\n` +
        `  export AWS_ACCESS_KEY_ID=${credentials.pair.accessKeyId}\n` +
        `  export AWS_SECRET_ACCESS_KEY=${credentials.pair.secretAccessKey}\n` +
        `  export AWS_DEFAULT_REGION=${config.region}\n` +
        `  aws --endpoint-url ${endpoint} lambda list-functions\n`,
    );
  }

  let closed = false;
  return {
    endpoint,
    async close() {
      if (closed) return;
      closed = true;
      triggers.scheduler.stop();
      await asyncInvoke.dispatcher.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      concurrency.stop();
      await worker.shutdown();
      logs.close();
      db.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
