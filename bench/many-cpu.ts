// Where the CPU of a request goes with many warm functions: one function at concurrency 32, then N functions
// round-robin at concurrency 32 (as the `many` benchmark), each split into the server's CPU (utime and
// stime of `kindling serve`, /proc/PID/stat), the guests' CPU (every process in the environments' cgroups,
// /proc/PID/task/*/stat utime and stime; Kindling's cgroup v1 hierarchy has no cpuacct controller), the
// load generator's (this process), and the rest of the host (/proc/stat: kernel threads, interrupts, other
// workloads). CPU-time counters: they hold on a busy shared host where throughput does not.
//
//   npm run build && node --import tsx bench/many-cpu.ts [--functions N] [--seconds S]

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { hostBusyUs, liveThreadsCpu } from './lib/cpu-time.js';
import { nodeEcho } from './lib/functions.js';
import {
  type BenchServer,
  benchCredentials,
  benchRegion,
  createFunction,
  liveSandboxes,
  startServer,
} from './lib/kindling.js';
import { runLoad } from './lib/load.js';
import { inParallel } from './lib/pool.js';
import { prime } from './lib/prime.js';
import { oneKbPayload } from './lib/sdk-latency.js';
import { type ReplayableRequest, signedInvoke } from './lib/signed-invoke.js';

const CONNECTIONS = 32;

const { values: args } = parseArgs({
  options: {
    functions: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    passes: { type: 'string', default: '2' },
    // --perf FILE: a system-wide profile of this run (perf record -a -g), with the pids to filter it by.
    perf: { type: 'string' },
    // --server-node-options '...': V8 and Node flags for the server process alone (e.g. heap sizing).
    'server-node-options': { type: 'string' },
  },
});

interface Sample {
  serverUser: number;
  serverSystem: number;
  guestUser: number;
  guestSystem: number;
  guestMinorFaults: number;
  loader: number;
  host: number;
}

function sample(server: BenchServer, guestPids: readonly number[]): Sample {
  const s = liveThreadsCpu(server.handle.pid);
  let guestUser = 0;
  let guestSystem = 0;
  let guestMinorFaults = 0;
  for (const pid of guestPids) {
    const g = liveThreadsCpu(pid);
    guestUser += g.user;
    guestSystem += g.system;
    guestMinorFaults += g.minorFaults;
  }
  const own = process.cpuUsage();
  return {
    serverUser: s.user,
    serverSystem: s.system,
    guestUser,
    guestSystem,
    guestMinorFaults,
    loader: own.user + own.system,
    host: hostBusyUs(),
  };
}

async function measure(
  label: string,
  server: BenchServer,
  seconds: number,
  perConnection: (i: number) => readonly ReplayableRequest[],
): Promise<void> {
  const pids = liveSandboxes(server).flatMap((s) => s.pids);
  const perfFile = args.perf;
  // Profiled: the last pass over many functions, and the one-function run (FILE.one).
  const profiled =
    label === 'one function' ? `${perfFile}.one` : label.includes('pass') ? undefined : perfFile;
  const perf =
    perfFile !== undefined && profiled !== undefined
      ? spawn('perf', ['record', '-F', '1999', '-a', '-g', '-o', profiled, '--', 'sleep', String(seconds)], {
          stdio: 'ignore',
        })
      : undefined;
  if (perf !== undefined && profiled !== undefined)
    writeFileSync(`${profiled}.pids`, JSON.stringify({ server: server.handle.pid, guests: pids }));
  const before = sample(server, pids);
  const run = await runLoad({
    url: server.endpoint,
    connections: CONNECTIONS,
    durationS: seconds,
    perConnection,
  });
  const after = sample(server, pids);
  if (perf !== undefined) await new Promise((r) => perf.once('exit', r));
  const per = (k: keyof Sample) => Math.round((after[k] - before[k]) / run.ok);
  const server_ = per('serverUser') + per('serverSystem');
  const guest = per('guestUser') + per('guestSystem');
  console.log(
    JSON.stringify({
      label,
      rps: Math.round(run.rps),
      ok: run.ok,
      valid: run.valid,
      perRequestUs: {
        server: server_,
        serverUser: per('serverUser'),
        serverSystem: per('serverSystem'),
        guest,
        guestUser: per('guestUser'),
        guestSystem: per('guestSystem'),
        // Pages a guest touched for the first time (or again after its heap gave them back): each is a
        // fault and a zeroed page, in the guest's system time.
        guestMinorFaults: Math.round(((after.guestMinorFaults - before.guestMinorFaults) / run.ok) * 10) / 10,
        loader: per('loader'),
        rest: per('host') - server_ - guest - per('loader'),
        host: per('host'),
      },
    }),
  );
}

async function main(): Promise<void> {
  const count = Number(args.functions);
  const seconds = Number(args.seconds);
  const server = await startServer({
    sandbox: 'namespace',
    env: {
      KINDLING_MEMORY_BUDGET_MB: String((count + 2 * CONNECTIONS) * 128),
      ...(args['server-node-options'] !== undefined ? { NODE_OPTIONS: args['server-node-options'] } : {}),
    },
  });
  try {
    const code = await nodeEcho();
    const payload = oneKbPayload();
    const identity = { region: benchRegion, credentials: benchCredentials };
    const names = Array.from({ length: count }, (_, i) => `many-cpu-${i}`);
    await inParallel(['many-cpu-single', ...names], 16, (name) =>
      createFunction(server.setupClient, name, code, { MemorySize: 128 }),
    );
    const single = await signedInvoke(server.endpoint, 'many-cpu-single', payload, identity);
    await prime(server.endpoint, Array(CONNECTIONS).fill(single));
    await measure('one function', server, seconds, () => [single]);
    await inParallel(names, CONNECTIONS, async (name) => {
      const out = await server.setupClient.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
      if (out.FunctionError !== undefined) throw new Error(`${name}: ${out.FunctionError}`);
    });
    const requests = await Promise.all(names.map((n) => signedInvoke(server.endpoint, n, payload, identity)));
    const partitions = Array.from({ length: CONNECTIONS }, (_, i) =>
      requests.filter((_, j) => j % CONNECTIONS === i),
    );
    // More than once: the first pass thaws environments frozen since warming, and the runtimes' code is
    // still being compiled in every environment for a few invocations.
    const passes = Number(args.passes);
    for (let pass = 1; pass <= passes; pass++) {
      const label = pass === passes ? `${count} functions` : `${count} functions (pass ${pass})`;
      await measure(label, server, seconds, (i) => partitions[i] ?? []);
    }
  } finally {
    await server.stop();
  }
}

await main();
