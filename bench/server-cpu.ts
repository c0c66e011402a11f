// The server's CPU per warm invoke under load: autocannon replays one signed Invoke of a 1 KB Node.js echo
// (MemorySize 128, namespace tier) at concurrency N, and the server process's utime + stime
// (/proc/PID/stat) over the run is divided by the invokes it completed; so is that of every process the
// server started (its environments: sandbox init and runtime). CPU-time counters hold on a busy shared
// host where throughput figures do not. Given several builds (each a directory holding
// bin/kindling.js and its dist/), it starts one server per build and interleaves their runs round by
// round, so that the machine's background load falls on all of them alike; it prints the medians.
//
//   npm run build && node --import tsx bench/server-cpu.ts [--build DIR ...] [--rounds 5] [--seconds 5]
//     [--connections 32] [--rate REQ_PER_S] [--cpu-prof DIR]
//
// --rate holds every build to the same request rate: on a busy host the CPU an invoke costs depends on
// how many arrive per turn of the event loop, so builds compare best at one rate.
// --cpu-prof DIR starts each server under `node --cpu-prof` and writes its profile into DIR when it stops;
// KINDLING_SERVER_NODE_FLAGS adds Node.js flags to each server (e.g. --perf-basic-prof for `perf record`).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { onCleanup, runCleanups } from './lib/cleanup.js';
import { hostBusyUs, processCpu } from './lib/cpu-time.js';
import { nodeEcho } from './lib/functions.js';
import { benchCredentials, benchRegion, createFunction, lambdaClient } from './lib/kindling.js';
import { invalidReason, runLoad } from './lib/load.js';
import { prime } from './lib/prime.js';
import { childTrees } from './lib/processes.js';
import { oneKbPayload } from './lib/sdk-latency.js';
import { type ReplayableRequest, signedInvoke } from './lib/signed-invoke.js';
import { median } from './lib/stats.js';

const FUNCTION = 'server-cpu-echo';

interface Options {
  readonly builds: string[];
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
  readonly cpuProf: string | undefined;
  readonly rate: number | undefined;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      build: { type: 'string', multiple: true, default: [] },
      rounds: { type: 'string', default: '5' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const builds = values.build.map((build) => resolve(build));
  if (builds.length === 0) builds.push(resolve(new URL('..', import.meta.url).pathname));
  return {
    builds,
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    cpuProf: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    rate: values.rate === undefined ? undefined : Number(values.rate),
  };
}

interface Server {
  readonly build: string;
  readonly pid: number;
  readonly endpoint: string;
  readonly client: LambdaClient;
  request: ReplayableRequest | undefined;
  readonly cpu: number[];
  readonly guest: number[];
  readonly rps: number[];
}

async function startServer(build: string, cpuProf: string | undefined): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kindling-server-cpu-'));
  const flags = cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProf];
  // Extra Node.js flags for the server (e.g. --perf-basic-prof, to read `perf record` samples).
  const extra = process.env.KINDLING_SERVER_NODE_FLAGS;
  if (extra !== undefined && extra !== '') flags.push(...extra.split(' '));
  const child: ChildProcess = spawn(
    process.execPath,
    [...flags, join(build, 'bin', 'kindling.js'), 'serve', '--host', '127.0.0.1', '--port', '0'],
    {
      env: {
        ...process.env,
        KINDLING_DATA_DIR: dataDir,
        KINDLING_ACCESS_KEY_ID: benchCredentials.accessKeyId,
        KINDLING_SECRET_ACCESS_KEY: benchCredentials.secretAccessKey,
        KINDLING_REGION: benchRegion,
        KINDLING_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server did not start');
  onCleanup(`server pid ${pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(pid, 'SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  let out = '';
  const endpoint = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`server not ready in 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ready(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`server exited (${code}):\n${out}`)));
  });
  return {
    build,
    pid,
    endpoint,
    client: lambdaClient(endpoint, 64),
    request: undefined,
    cpu: [],
    guest: [],
    rps: [],
  };
}

/** utime + stime of every process the server started (its environments, pre-warmed runtimes), by PID. */
function descendantsCpuUs(pid: number): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const tree of childTrees(pid)) {
    for (const p of tree.pids) {
      try {
        const cpu = processCpu(p);
        byPid.set(p, cpu.user + cpu.system);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return byPid;
}

/** CPU the processes alive at both readings used between them. */
function usedBetween(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [pid, us] of b) {
    const before = a.get(pid);
    if (before !== undefined) sum += us - before;
  }
  return sum;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const payload = oneKbPayload();
  const servers: Server[] = [];
  for (const build of opts.builds) {
    const server = await startServer(build, opts.cpuProf);
    await createFunction(server.client, FUNCTION, await nodeEcho());
    await server.client.send(new InvokeCommand({ FunctionName: FUNCTION, Payload: payload }));
    server.request = await signedInvoke(server.endpoint, FUNCTION, payload, {
      region: benchRegion,
      credentials: benchCredentials,
    });
    servers.push(server);
  }
  for (let round = 0; round < opts.rounds; round++) {
    // Alternate the order so neither build always runs first in a round.
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const request = server.request;
      if (request === undefined) continue;
      await prime(server.endpoint, Array(opts.connections).fill(request));
      const cpu0 = processCpu(server.pid);
      const host0 = hostBusyUs();
      const guests0 = descendantsCpuUs(server.pid);
      const self0 = process.cpuUsage();
      const run = await runLoad({
        url: server.endpoint,
        connections: opts.connections,
        durationS: opts.seconds,
        perConnection: () => [request],
        overallRate: opts.rate,
      });
      const cpu1 = processCpu(server.pid);
      const userUs = cpu1.user - cpu0.user;
      const cpuUs = userUs + cpu1.system - cpu0.system;
      const hostUs = hostBusyUs() - host0;
      const guestsUs = usedBetween(guests0, descendantsCpuUs(server.pid));
      const self = process.cpuUsage(self0);
      const loadUs = self.user + self.system;
      const invalid = invalidReason(run);
      if (invalid !== undefined) throw new Error(`${server.build}: ${invalid}`);
      server.cpu.push(cpuUs / run.ok);
      server.guest.push(guestsUs / run.ok);
      server.rps.push(run.rps);
      console.log(
        JSON.stringify({
          round,
          build: server.build,
          invokes: run.ok,
          rps: Math.round(run.rps),
          serverCpuPerInvokeUs: Math.round(cpuUs / run.ok),
          serverUserPerInvokeUs: Math.round(userUs / run.ok),
          // The environments' processes (sandbox init and runtime), the load generator, everything else.
          guestCpuPerInvokeUs: Math.round(guestsUs / run.ok),
          loadGeneratorCpuPerInvokeUs: Math.round(loadUs / run.ok),
          restOfHostCpuPerInvokeUs: Math.round((hostUs - cpuUs - loadUs - guestsUs) / run.ok),
          hostBusyCores: Math.round((hostUs / (run.durationS * 1e6)) * 100) / 100,
        }),
      );
    }
  }
  for (const server of servers) {
    console.log(
      JSON.stringify({
        build: server.build,
        rounds: server.cpu.length,
        connections: opts.connections,
        medianServerCpuPerInvokeUs: Math.round(median(server.cpu)),
        medianGuestCpuPerInvokeUs: Math.round(median(server.guest)),
        medianRps: Math.round(median(server.rps)),
      }),
    );
    server.client.destroy();
  }
}

try {
  await main();
} finally {
  await runCleanups();
}
