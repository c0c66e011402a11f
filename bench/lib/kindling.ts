// A real `kindling serve` for a benchmark (spawned as tests spawn it), and the functions on it.

import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { basename, join } from 'node:path';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  GetFunctionConfigurationCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  type KindlingHandle,
  startKindling,
  testCredentials,
  testRegion,
} from '../../test/helpers/server.js';
import { onCleanup } from './cleanup.js';
import { cgroupProcs, childCgroups, childTrees } from './processes.js';

export const ROLE = 'arn:aws:iam::000000000000:role/kindling-bench';
export { testCredentials as benchCredentials, testRegion as benchRegion };

export type SandboxTier = 'namespace' | 'process';

export interface BenchServer {
  readonly handle: KindlingHandle;
  readonly endpoint: string;
  readonly port: number;
  readonly sandbox: SandboxTier;
  /** A Lambda client with one keep-alive connection (sequential latency). */
  readonly client: LambdaClient;
  /** A Lambda client with many keep-alive connections (setup work in parallel). */
  readonly setupClient: LambdaClient;
  /** The memory cgroup holding this server's environments (namespace tier), from its ready banner. */
  readonly memoryCgroup: string | undefined;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly sandbox: SandboxTier;
  readonly env?: Record<string, string>;
}

/** A Lambda client on a keep-alive agent with `sockets` connections and no retries. */
export function lambdaClient(endpoint: string, sockets: number): LambdaClient {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return new LambdaClient({
    endpoint,
    region: testRegion,
    credentials: testCredentials,
    maxAttempts: 1,
    requestHandler: { httpAgent: agent, requestTimeout: 60_000 },
  });
}

export async function startServer(opts: ServerOptions): Promise<BenchServer> {
  const handle = await startKindling({
    args: ['--sandbox', opts.sandbox],
    env: { KINDLING_LOG_LEVEL: 'warn', ...opts.env },
  });
  const client = lambdaClient(handle.endpoint, 1);
  const setupClient = lambdaClient(handle.endpoint, 64);
  const stop = onCleanup(`kindling server pid ${handle.pid}`, async () => {
    client.destroy();
    setupClient.destroy();
    await handle.stop();
  });
  const banner = /cgroup v1 (\/\S+)/.exec(handle.output());
  return {
    handle,
    endpoint: handle.endpoint,
    port: Number(new URL(handle.endpoint).port),
    sandbox: opts.sandbox,
    client,
    setupClient,
    memoryCgroup: banner?.[1],
    stop,
  };
}

export interface FunctionCode {
  readonly runtime: string;
  readonly handler: string;
  readonly zip: Buffer;
}

/** CreateFunction, then waits until the function is Active (Lambda's contract for invoking it). */
export async function createFunction(
  client: LambdaClient,
  name: string,
  code: FunctionCode,
  extra: Partial<CreateFunctionCommandInput> = {},
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: code.runtime as CreateFunctionCommandInput['Runtime'],
      Handler: code.handler,
      Role: ROLE,
      Code: { ZipFile: code.zip },
      MemorySize: 128,
      Timeout: 30,
      ...extra,
    }),
  );
  for (let i = 0; i < 600; i++) {
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (config.State === 'Active') return;
    if (config.State === 'Failed') throw new Error(`function ${name} failed: ${config.StateReasonCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`function ${name} did not become Active`);
}

/** One sandbox the server runs: its processes and, on the namespace tier, its cgroup's memory limit. */
export interface LiveSandbox {
  readonly name: string;
  readonly pids: number[];
  /** memory.limit_in_bytes in MiB (namespace tier); a function's environment has its MemorySize. */
  readonly memoryLimitMb: number | undefined;
}

/**
 * Every sandbox of a server: environments of functions, and (namespace tier) pre-warmed runtimes waiting
 * for a function, which carry a larger placeholder limit until they are specialised.
 */
export function liveSandboxes(server: BenchServer): LiveSandbox[] {
  if (server.sandbox === 'namespace' && server.memoryCgroup !== undefined) {
    return childCgroups(server.memoryCgroup)
      .map((dir) => ({ name: basename(dir), pids: cgroupProcs(dir), memoryLimitMb: memoryLimitMb(dir) }))
      .filter((s) => s.pids.length > 0);
  }
  // The process tier: each environment is a child process tree of the server.
  return childTrees(server.handle.pid).map((t) => ({
    name: String(t.root),
    pids: t.pids,
    memoryLimitMb: undefined,
  }));
}

/** The environments of functions with `memorySizeMb` (pre-warmed runtimes left out where they can be told apart). */
export function functionEnvironments(server: BenchServer, memorySizeMb: number): LiveSandbox[] {
  return liveSandboxes(server).filter(
    (s) => s.memoryLimitMb === undefined || s.memoryLimitMb === memorySizeMb,
  );
}

function memoryLimitMb(dir: string): number | undefined {
  try {
    return Math.round(Number(readFileSync(join(dir, 'memory.limit_in_bytes'), 'utf8')) / 1024 / 1024);
  } catch {
    return undefined;
  }
}

export interface CpuThrottling {
  /** CFS periods in which some environment ran. */
  readonly periods: number;
  /** Periods in which an environment hit its CPU quota and was stopped until the next period. */
  readonly throttled: number;
  readonly throttledMs: number;
}

/**
 * CFS throttling summed over the server's environments (namespace tier, cgroup v1 cpu.stat), or undefined
 * where it cannot be read. Environments ended between two readings drop out of the sum.
 */
export function cpuThrottling(server: BenchServer): CpuThrottling | undefined {
  if (server.memoryCgroup === undefined) return undefined;
  const cpuParent = server.memoryCgroup.replace('/memory/', '/cpu/');
  let periods = 0;
  let throttled = 0;
  let throttledNs = 0;
  for (const dir of childCgroups(cpuParent)) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'cpu.stat'), 'utf8');
    } catch {
      continue;
    }
    const field = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    periods += field('nr_periods');
    throttled += field('nr_throttled');
    throttledNs += field('throttled_time');
  }
  return { periods, throttled, throttledMs: throttledNs / 1e6 };
}

export function throttlingBetween(
  a: CpuThrottling | undefined,
  b: CpuThrottling | undefined,
): CpuThrottling | undefined {
  if (a === undefined || b === undefined) return undefined;
  return {
    periods: b.periods - a.periods,
    throttled: b.throttled - a.throttled,
    throttledMs: b.throttledMs - a.throttledMs,
  };
}

/** The CFS quota and period of one environment (namespace tier, cgroup v1), in microseconds. */
export function cpuQuota(
  server: BenchServer,
  environment: string,
): { quotaUs: number; periodUs: number } | undefined {
  if (server.memoryCgroup === undefined) return undefined;
  const dir = join(server.memoryCgroup.replace('/memory/', '/cpu/'), environment);
  try {
    return {
      quotaUs: Number(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8')),
      periodUs: Number(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8')),
    };
  } catch {
    return undefined;
  }
}
