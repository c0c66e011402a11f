// Where the CPU of a scale-out goes: 100 concurrent Invokes of a function that sleeps 1 s (as the `scale`
// benchmark), split into the server (time on a CPU of every thread of `kindling serve`, /proc/PID/task/*/schedstat),
// the sandboxes' own processes (kindling-enter, which becomes bwrap, and the init inside, which bwrap's
// setup child becomes), the guest runtimes (node), and the rest of the host (/proc/stat). Processes that end
// during the burst are counted in their parent's cutime and cstime (tick-rounded). Also a timeline: the host's busy share
// and the environments ready, every 100 ms, to show whether the cores are busy all through the burst.
//
//   npm run build && node --import tsx bench/scale-cpu.ts [--count N] [--rounds R] [--perf-map]

import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { hostBusyUs, schedstat } from './lib/cpu-time.js';
import { nodeSleep } from './lib/functions.js';
import { type BenchServer, createFunction, lambdaClient, startServer } from './lib/kindling.js';

const TICK_US = 1_000_000 / 100;
const SLEEP_MS = 1000;

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '1' },
    'perf-map': { type: 'boolean', default: false },
  },
});

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, and cutime + cstime (ended children), µs. */
  readonly own: number;
  readonly children: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(f[1]),
      comm,
      own: schedstat(pid).onCpuUs,
      children: (Number(f[13]) + Number(f[14])) * TICK_US,
    };
  } catch {
    return undefined;
  }
}

/** The server and every process under it, by pid. */
function tree(root: number): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const p = readProc(pid);
    if (p !== undefined) all.set(pid, p);
  }
  const out = new Map<number, Proc>();
  const rootProc = all.get(root);
  if (rootProc === undefined) return out;
  out.set(root, rootProc);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all.values()) {
      if (!out.has(p.pid) && out.has(p.ppid)) {
        out.set(p.pid, p);
        grew = true;
      }
    }
  }
  return out;
}

type Part = 'server' | 'sandbox' | 'guest';

function partOf(p: Proc, root: number): Part {
  if (p.pid === root) return 'server';
  if (p.comm === 'node' || p.comm.startsWith('python')) return 'guest';
  return 'sandbox';
}

/** CPU per part, µs; the server's reaped children (cutime) count as sandbox. */
function split(procs: Map<number, Proc>, root: number): Record<Part, number> {
  const out: Record<Part, number> = { server: 0, sandbox: 0, guest: 0 };
  for (const p of procs.values()) {
    const part = partOf(p, root);
    out[part] += p.own;
    // A guest's reaped children are the guest's; anyone else's reaped children are the sandbox's.
    out[part === 'guest' ? 'guest' : 'sandbox'] += p.children;
  }
  return out;
}

async function round(count: number): Promise<Record<string, number | string>> {
  const server: BenchServer = await startServer({
    sandbox: 'namespace',
    env: {
      KINDLING_MEMORY_BUDGET_MB: String(count * 256),
      // --perf-map: the server writes /tmp/perf-PID.map, so a system-wide `perf record` names its JS frames.
      ...(args['perf-map'] && { NODE_OPTIONS: '--perf-basic-prof-only-functions' }),
    },
  });
  const root = server.handle.pid;
  console.error(`server pid ${root}`);
  const name = 'bench-scale-sleep';
  await createFunction(server.setupClient, name, await nodeSleep(), { MemorySize: 128 });
  const client = lambdaClient(server.endpoint, count);
  const payload = Buffer.from(JSON.stringify({ ms: SLEEP_MS }));
  // Let the pre-warmed runtimes and spare launchers finish starting.
  await new Promise((r) => setTimeout(r, 1500));

  const before = tree(root);
  const serverBefore = schedstat(root).onCpuUs;
  const hostBefore = hostBusyUs();
  const ownBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  console.error(`burst starts at ${(Number(process.hrtime.bigint()) / 1e9).toFixed(3)} (CLOCK_MONOTONIC s)`);
  const readyTimes: number[] = [];
  const timeline: string[] = [];
  let lastHost = hostBefore;
  const ticker = setInterval(() => {
    const now = hostBusyUs();
    timeline.push(String(Math.round((now - lastHost) / 1000)));
    lastHost = now;
  }, 100);
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const out = await client.send(
        new InvokeCommand({ FunctionName: name, Payload: payload, LogType: 'Tail' }),
      );
      const at = Number(process.hrtime.bigint() - start) / 1e6;
      const log = Buffer.from(out.LogResult ?? '', 'base64').toString();
      const duration = Number(/\tDuration: ([\d.]+) ms/.exec(log)?.[1] ?? SLEEP_MS);
      readyTimes.push(at - duration);
      return out.FunctionError === undefined;
    }),
  );
  const allMs = Number(process.hrtime.bigint() - start) / 1e6;
  clearInterval(ticker);
  const after = tree(root);
  const serverAfter = schedstat(root).onCpuUs;
  const serverRssMb = Math.round(
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${root}/status`, 'utf8'))?.[1]) / 1024,
  );
  const hostAfter = hostBusyUs();
  const own = process.cpuUsage(ownBefore);
  client.destroy();
  await server.stop();

  const b = split(before, root);
  const a = split(after, root);
  const per = (us: number) => (us / count / 1000).toFixed(2);
  const loader = own.user + own.system;
  const serverUs = serverAfter - serverBefore;
  const sandboxUs = a.sandbox - b.sandbox;
  const guestUs = a.guest - b.guest;
  const hostUs = hostAfter - hostBefore;
  readyTimes.sort((x, y) => x - y);
  return {
    ok: results.filter(Boolean).length,
    allMinusSleepMs: Math.round(allMs - SLEEP_MS),
    lastReadyMs: Math.round(readyTimes[readyTimes.length - 1] ?? 0),
    serverMsPerEnv: per(serverUs),
    sandboxMsPerEnv: per(sandboxUs),
    guestMsPerEnv: per(guestUs),
    loadGenMsPerEnv: per(loader),
    restOfHostMsPerEnv: per(hostUs - serverUs - sandboxUs - guestUs - loader),
    hostBusyMs: Math.round(hostUs / 1000),
    serverRssMb,
    processesAfter: after.size,
    busyMsPer100ms: timeline.join(' '),
  };
}

const count = Number(args.count);
const rounds = Number(args.rounds);
for (let i = 0; i < rounds; i++) console.log(JSON.stringify(await round(count)));
process.exit(0);
