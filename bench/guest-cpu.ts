// The guest's CPU per warm invoke: the CPU time of every process in the environment's cgroup (the sandbox's
// init, which forwards TCP to the Runtime API, and the runtime; /proc/PID/task/*/schedstat, nanoseconds)
// over N sequential warm invokes of a 1 KB echo (MemorySize 128, namespace tier). Kindling's cgroup v1
// hierarchy has no cpuacct controller, so the cgroup's processes are summed instead. A CPU-time counter: it holds on a busy shared host where latency figures do not.
//
//   npm run build && node --import tsx bench/guest-cpu.ts [node|python|provided ...] [--invokes N] [--memory MB]

import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { onCleanup } from './lib/cleanup.js';
import { schedstat } from './lib/cpu-time.js';
import { nodeEcho, providedEcho, pythonEcho } from './lib/functions.js';
import { type FunctionCode, createFunction, functionEnvironments, startServer } from './lib/kindling.js';
import { oneKbPayload } from './lib/sdk-latency.js';

/** CPU time of each thread of a process so far, by thread name, in µs. */
function threadCpuUs(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      byName.set(name, (byName.get(name) ?? 0) + ns / 1000);
    }
  } catch {
    // The process ended.
  }
  return byName;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--invokes');
  const invokes = at >= 0 ? Number(args.splice(at, 2)[1]) : 3000;
  const memAt = args.indexOf('--memory');
  const memoryMb = memAt >= 0 ? Number(args.splice(memAt, 2)[1]) : 128;
  const runtimes = args.length > 0 ? args : ['node'];
  const server = await startServer({ sandbox: 'namespace' });
  const buildDir = await mkdtemp(join(tmpdir(), 'kindling-guest-cpu-'));
  onCleanup('guest-cpu build dir', () => rm(buildDir, { recursive: true, force: true }));
  if (server.memoryCgroup === undefined) throw new Error('no cgroup v1 banner: namespace tier needed');
  const payload = oneKbPayload();
  try {
    for (const runtime of runtimes) {
      const code: FunctionCode =
        runtime === 'python'
          ? await pythonEcho()
          : runtime === 'provided'
            ? await providedEcho(buildDir)
            : await nodeEcho();
      const name = `guest-cpu-${runtime}`;
      await createFunction(server.setupClient, name, code, { MemorySize: memoryMb });
      for (let i = 0; i < 200; i++)
        await server.client.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
      // One function at a time (each is deleted after its run): its one environment is the only one of its size.
      const envs = functionEnvironments(server, memoryMb);
      const target = envs[0];
      if (target === undefined || envs.length !== 1)
        throw new Error(`expected one environment, found ${envs.length}`);
      const pids = target.pids;
      const cpu0 = pids.map((pid) => schedstat(pid).onCpuUs);
      const threads0 = pids.map(threadCpuUs);
      const t0 = performance.now();
      for (let i = 0; i < invokes; i++) {
        const out = await server.client.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
        if (out.FunctionError !== undefined || out.StatusCode !== 200)
          throw new Error(`invoke failed: ${out.FunctionError}`);
      }
      const wallMs = performance.now() - t0;
      const used = pids.map((pid, i) => schedstat(pid).onCpuUs - (cpu0[i] ?? 0));
      const usageUs = used.reduce((a, b) => a + b, 0);
      const threads = pids.flatMap((pid, i) =>
        [...threadCpuUs(pid)].map(
          ([t, us]) => `${t} ${((us - (threads0[i]?.get(t) ?? 0)) / invokes).toFixed(1)}`,
        ),
      );
      const split = pids.map((pid, i) => `${comm(pid)} ${((used[i] ?? 0) / invokes).toFixed(1)} µs`);
      console.log(
        JSON.stringify({
          runtime,
          environment: target.name,
          invokes,
          guestCpuPerInvokeUs: Math.round((usageUs / invokes) * 10) / 10,
          perProcess: split.join(', '),
          perThread: threads.join(', '),
          wallPerInvokeMs: Math.round((wallMs / invokes) * 1000) / 1000,
        }),
      );
      // The next function's environment must be told apart: end this one's function first.
      await server.setupClient.send(new DeleteFunctionCommand({ FunctionName: name }));
      for (let i = 0; i < 100 && functionEnvironments(server, memoryMb).length > 0; i++)
        await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await server.stop();
  }
}

await main();
