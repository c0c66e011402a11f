// Warm invokes of the same Node.js echo at two memory sizes (default 128 and 1,769 MB), in alternating
// blocks of back-to-back SDK invokes on one keep-alive connection, so that both functions see the same
// host, the same server and the same number of earlier invokes. Per block: p50, the guest's CPU and
// run-queue wait per invoke (/proc/PID/task/*/schedstat of its runtime process), the server's, and the
// periods in which the environment's CFS quota ran out (cgroup v1 cpu.stat). Shows how a function's
// latency follows its CPU cost per invoke as its runtime warms up, against its CPU share.
//
//   npm run build && node --import tsx bench/warm-by-memory.ts [--sizes 128,1769] [--warm 200] [--block 250] [--blocks 12]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { schedstat } from './lib/cpu-time.js';
import { nodeEcho } from './lib/functions.js';
import { createFunction, functionEnvironments, startServer } from './lib/kindling.js';
import { oneKbPayload } from './lib/sdk-latency.js';
import { median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,1769' },
    warm: { type: 'string', default: '200' },
    block: { type: 'string', default: '250' },
    blocks: { type: 'string', default: '12' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const warmCalls = Number(args.warm);
const block = Number(args.block);
const blocks = Number(args.blocks);

function cpuStat(dir: string): { periods: number; throttled: number } {
  const text = readFileSync(join(dir, 'cpu.stat'), 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { periods: field('nr_periods'), throttled: field('nr_throttled') };
}

interface Environment {
  readonly functionName: string;
  readonly runtimePid: number;
  readonly cpuCgroup: string;
}

async function main(): Promise<void> {
  const server = await startServer({ sandbox: 'namespace' });
  if (server.memoryCgroup === undefined) throw new Error('no cgroup v1 banner: namespace tier needed');
  const cpuParent = server.memoryCgroup.replace('/memory/', '/cpu/');
  const payload = oneKbPayload();
  const invoke = (name: string) =>
    server.client.send(new InvokeCommand({ FunctionName: name, Payload: payload }));
  try {
    const envs = new Map<number, Environment>();
    for (const mb of sizes) {
      const functionName = `warm-by-memory-${mb}`;
      await createFunction(server.setupClient, functionName, await nodeEcho(), { MemorySize: mb });
      await invoke(functionName);
      const env = functionEnvironments(server, mb)[0];
      const runtimePid = env?.pids.find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node');
      if (env === undefined || runtimePid === undefined) throw new Error(`no environment of ${mb} MB`);
      envs.set(mb, { functionName, runtimePid, cpuCgroup: join(cpuParent, env.name) });
    }
    for (const env of envs.values()) for (let i = 0; i < warmCalls; i++) await invoke(env.functionName);
    const all = new Map<number, number[]>();
    for (let b = 0; b < blocks; b++) {
      for (const [mb, env] of envs) {
        const samples: number[] = [];
        const guest0 = schedstat(env.runtimePid);
        const server0 = schedstat(server.handle.pid);
        const cpu0 = cpuStat(env.cpuCgroup);
        for (let i = 0; i < block; i++) {
          const start = performance.now();
          const out = await invoke(env.functionName);
          samples.push(performance.now() - start);
          if (out.FunctionError !== undefined) throw new Error(`invoke failed: ${out.FunctionError}`);
        }
        const guest1 = schedstat(env.runtimePid);
        const server1 = schedstat(server.handle.pid);
        const cpu1 = cpuStat(env.cpuCgroup);
        all.set(mb, [...(all.get(mb) ?? []), ...samples]);
        const perInvokeUs = (us: number) => Math.round(us / block);
        console.log(
          JSON.stringify({
            block: b,
            invokesBefore: warmCalls + 1 + b * block,
            memoryMb: mb,
            p50Ms: Math.round(median(samples) * 1000) / 1000,
            guestCpuUs: perInvokeUs(guest1.onCpuUs - guest0.onCpuUs),
            guestWaitUs: perInvokeUs(guest1.waitUs - guest0.waitUs),
            serverCpuUs: perInvokeUs(server1.onCpuUs - server0.onCpuUs),
            serverWaitUs: perInvokeUs(server1.waitUs - server0.waitUs),
            throttledPeriods: `${cpu1.throttled - cpu0.throttled} of ${cpu1.periods - cpu0.periods}`,
          }),
        );
      }
    }
    for (const [mb, samples] of all)
      console.log(JSON.stringify({ memoryMb: mb, invokes: samples.length, p50Ms: median(samples) }));
  } finally {
    await server.stop();
  }
}

await main();
