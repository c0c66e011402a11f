// Typed configuration: defaults ← file (DATA_DIR/config.json) ← environment (KINDLING_*) ← flags.
// Validated once here; everything downstream trusts it.

import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

const SandboxChoice = z.enum(['auto', 'process', 'namespace']);

export const ConfigSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  dataDir: z.string().min(1),
  accountId: z.string().regex(/^\d{12}$/, 'must be 12 digits'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must look like us-east-1'),
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** Isolation tier for execution environments; 'auto' picks the strongest the host supports. */
  sandbox: SandboxChoice,
  /** Sum of MemorySize of live environments stays under this (MB). */
  memoryBudgetMb: z.number().int().min(128),
  /** Idle environments are shut down after this long without an invoke (ms). */
  keepAliveMs: z.number().int().min(0),
  /** Account concurrency limit (Lambda's default is 1,000). */
  concurrencyLimit: z.number().int().min(1),
  /**
   * Runtimes (Node.js, Python) kept started per language for cold starts to specialise, so a cold start
   * skips the sandbox and interpreter start (namespace tier). 0 disables them.
   */
  prewarmPerRuntime: z.number().int().min(0).max(64),
  /**
   * Request bodies the API holds at once, across all connections (MB): past it a request is answered 429
   * (retry later) rather than buffered.
   */
  requestBodiesInFlightMb: z.number().int().min(8),
  /** Server log level (pino). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),

  // ---- Asynchronous invocation (src/invoke/async/): Lambda's timings by default; tests shorten them ----
  /** Delay before the first retry of a function error; the second waits twice as long (ms). */
  asyncRetryBaseMs: z.number().int().min(0),
  /** First delay after a throttle (ms). */
  asyncThrottleBaseMs: z.number().int().min(0),
  /** Longest delay between throttled attempts (ms). */
  asyncThrottleMaxMs: z.number().int().min(0),
  /** Most events the dispatcher runs at once (each still passes the concurrency limits). */
  asyncConcurrency: z.number().int().min(1),
  /** How long a claimed event stays leased: longer than the longest function timeout (ms). */
  asyncLeaseMs: z.number().int().min(1000),
  /** Longest sleep of an idle dispatcher (ms). */
  asyncPollMs: z.number().int().min(10),

  // ---- Scheduler (src/triggers/schedules/) ----
  /** Longest sleep between checks for due schedules (ms). */
  schedulerTickMs: z.number().finite().min(10),
  /** Schedule time per real time: 1 in production; development and tests speed schedules up. */
  schedulerTimeScale: z.number().finite().gt(0).max(3600),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigOverrides = Partial<Config>;

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 9000,
    dataDir: resolve('.kindling'),
    accountId: '000000000000',
    region: 'us-east-1',
    sandbox: 'auto',
    // Half the machine by default: room for the server, the page cache and whatever else runs here.
    memoryBudgetMb: Math.max(512, Math.floor(totalmem() / 1024 / 1024 / 2)),
    // Lambda keeps idle environments for minutes; 10 minutes keeps a developer's functions warm between edits.
    keepAliveMs: 10 * 60 * 1000,
    concurrencyLimit: 1000,
    // Two per language: a burst of cold starts finds one waiting while the next is being started, at about
    // 40 MB (Node.js) and 10 MB (Python) per waiting runtime.
    prewarmPerRuntime: 2,
    // Room for about 80 of the largest invoke payloads (6 MB) or 7 of the largest code uploads (70 MB) at
    // once, and a bound on what callers can make the server hold.
    requestBodiesInFlightMb: 512,
    logLevel: 'info',
    // Lambda's: a function error is retried after about 1 then 2 minutes; throttles back off from 1 s
    // to 5 minutes; a lease outlives the 900 s longest timeout.
    asyncRetryBaseMs: 60_000,
    asyncThrottleBaseMs: 1_000,
    asyncThrottleMaxMs: 300_000,
    asyncConcurrency: 64,
    asyncLeaseMs: 16 * 60 * 1000,
    asyncPollMs: 1000,
    schedulerTickMs: 1000,
    schedulerTimeScale: 1,
  };
}

const ENV_KEYS: Record<string, keyof Config> = {
  KINDLING_HOST: 'host',
  KINDLING_PORT: 'port',
  KINDLING_DATA_DIR: 'dataDir',
  KINDLING_ACCOUNT_ID: 'accountId',
  KINDLING_REGION: 'region',
  KINDLING_ACCESS_KEY_ID: 'accessKeyId',
  KINDLING_SECRET_ACCESS_KEY: 'secretAccessKey',
  KINDLING_SANDBOX: 'sandbox',
  KINDLING_MEMORY_BUDGET_MB: 'memoryBudgetMb',
  KINDLING_KEEP_ALIVE_MS: 'keepAliveMs',
  KINDLING_CONCURRENCY_LIMIT: 'concurrencyLimit',
  KINDLING_LOG_LEVEL: 'logLevel',
  KINDLING_PREWARM_PER_RUNTIME: 'prewarmPerRuntime',
  // Asynchronous invocation and scheduler.
  KINDLING_ASYNC_RETRY_BASE_MS: 'asyncRetryBaseMs',
  KINDLING_ASYNC_THROTTLE_BASE_MS: 'asyncThrottleBaseMs',
  KINDLING_ASYNC_THROTTLE_MAX_MS: 'asyncThrottleMaxMs',
  KINDLING_ASYNC_CONCURRENCY: 'asyncConcurrency',
  KINDLING_ASYNC_LEASE_MS: 'asyncLeaseMs',
  KINDLING_ASYNC_POLL_MS: 'asyncPollMs',
  KINDLING_SCHEDULER_TICK_MS: 'schedulerTickMs',
  KINDLING_SCHEDULER_TIME_SCALE: 'schedulerTimeScale',
  KINDLING_REQUEST_BODIES_IN_FLIGHT_MB: 'requestBodiesInFlightMb',
};

const NUMERIC = new Set<keyof Config>([
  'port',
  'memoryBudgetMb',
  'keepAliveMs',
  'concurrencyLimit',
  'prewarmPerRuntime',
  'asyncRetryBaseMs',
  'asyncThrottleBaseMs',
  'asyncThrottleMaxMs',
  'asyncConcurrency',
  'asyncLeaseMs',
  'asyncPollMs',
  'schedulerTickMs',
  'schedulerTimeScale',
  'requestBodiesInFlightMb',
]);

function fromEnvironment(env: NodeJS.ProcessEnv): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    out[key] = NUMERIC.has(key) ? Number(value) : value;
  }
  return out as ConfigOverrides;
}

function fromFile(dataDir: string): ConfigOverrides {
  const file = join(dataDir, 'config.json');
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return ConfigSchema.partial().parse(parsed);
}

/** Builds the configuration; throws a readable error naming the offending setting. */
export function loadConfig(flags: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv = fromEnvironment(env);
  const dataDir = resolve(flags.dataDir ?? fromEnv.dataDir ?? defaultConfig().dataDir);
  const merged = { ...defaultConfig(), ...fromFile(dataDir), ...fromEnv, ...stripUndefined(flags), dataDir };
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path.join('.') ?? '';
    const variable = Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0];
    throw new Error(`invalid configuration: ${key}${variable ? ` (${variable})` : ''}: ${issue?.message}`);
  }
  return result.data;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
