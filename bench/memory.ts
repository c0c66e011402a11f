// Memory per idle warm environment: PSS (smaps_rollup) of every process of the environment (its cgroup's
// cgroup.procs on the namespace tier, its process tree on the process tier), summed, next to the PSS of a
// bare idle node process measured the same way (the same number of them, so shared pages are shared alike).
// How many idle Node.js environments fit in 4 GiB is computed from that figure, and checked by creating
// environments in a server with KINDLING_MEMORY_BUDGET_MB=4096 and measuring the host's memory growth.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { onCleanup, stopPid } from './lib/cleanup.js';
import type { BenchContext, Benchmark } from './lib/context.js';
import { nodeEcho } from './lib/functions.js';
import { createFunction, functionEnvironments, liveSandboxes, startServer } from './lib/kindling.js';
import { inParallel } from './lib/pool.js';
import { commandLine, hostMemoryUsedKb, pssKb, totalPssKb, totalUssKb, ussKb } from './lib/processes.js';
import { type Figure, atMost, ratio } from './lib/report.js';
import { median } from './lib/stats.js';

const BUDGET_MB = 4096;
const MEMORY_SIZE_MB = 128;
const SETTLE_MS = 1500;

/** memory.usage_in_bytes of one environment's cgroup, KiB. */
function cgroupUsageKb(parent: string | undefined, name: string): number | undefined {
  if (parent === undefined) return undefined;
  try {
    return Number(readFileSync(join(parent, name, 'memory.usage_in_bytes'), 'utf8')) / 1024;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` bare idle node processes (empty environment, an event loop that waits): PSS each and host growth. */
async function bareIdleNodes(
  count: number,
): Promise<{ pssKb: number[]; ussKb: number[]; hostGrowthKb: number }> {
  const before = hostMemoryUsedKb();
  const pids: number[] = [];
  const stops: (() => Promise<void>)[] = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      env: {},
      stdio: 'ignore',
    });
    if (child.pid === undefined) continue;
    const pid = child.pid;
    pids.push(pid);
    stops.push(onCleanup(`bare node pid ${pid}`, () => stopPid(pid)));
  }
  await sleep(SETTLE_MS);
  const pss = pids.map((p) => pssKb(p) ?? 0);
  const uss = pids.map((p) => ussKb(p) ?? 0);
  const growth = hostMemoryUsedKb() - before;
  await Promise.all(stops.map((s) => s()));
  return { pssKb: pss, ussKb: uss, hostGrowthKb: growth };
}

export const memory: Benchmark = {
  name: 'memory',
  title: 'Memory per idle warm environment (PSS) vs a bare idle node; idle environments in 4 GiB',
  async run(ctx: BenchContext) {
    const notes: string[] = [];
    const fitByBudget = Math.floor(BUDGET_MB / MEMORY_SIZE_MB);
    // One more than the budget admits, to see what the server does at the edge (evict or refuse).
    const attempts = ctx.quick ? 12 : fitByBudget + 4;
    const measured = Math.min(attempts, fitByBudget);

    // The floor first, on a quiet host (a server's teardown would still be freeing memory afterwards).
    ctx.log(`memory: ${measured} bare idle node processes for the floor`);
    const bare = await bareIdleNodes(measured);
    await sleep(SETTLE_MS);

    const server = await startServer({
      sandbox: ctx.sandbox,
      env: { KINDLING_MEMORY_BUDGET_MB: String(BUDGET_MB) },
    });
    const code = await nodeEcho();
    const names = Array.from({ length: attempts }, (_, i) => `bench-idle-${i}`);
    await inParallel(names, 8, (name) =>
      createFunction(server.setupClient, name, code, { MemorySize: MEMORY_SIZE_MB }),
    );
    await sleep(SETTLE_MS);
    const hostBefore = hostMemoryUsedKb();
    const serverPssBefore = pssKb(server.handle.pid) ?? 0;

    ctx.log(
      `memory: warming ${measured} idle Node.js environments (${ctx.sandbox} tier, budget ${BUDGET_MB} MB)`,
    );
    const failures: string[] = [];
    const invoke = async (name: string) => {
      try {
        const out = await server.setupClient.send(
          new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }),
        );
        if (out.FunctionError !== undefined)
          failures.push(
            `${name}: ${out.FunctionError} ${Buffer.from(out.Payload ?? new Uint8Array())
              .toString()
              .slice(0, 300)}`,
          );
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    };
    await inParallel(names.slice(0, measured), 4, invoke);
    await sleep(SETTLE_MS);
    const sandboxes = liveSandboxes(server);
    const envs = functionEnvironments(server, MEMORY_SIZE_MB).map((e) => e.pids);
    const spares = sandboxes.length - envs.length;
    const perEnvKb = envs.map((pids) => totalPssKb(pids));
    const perEnvUssKb = envs.map((pids) => totalUssKb(pids));
    const chargedKb = functionEnvironments(server, MEMORY_SIZE_MB).map((e) =>
      cgroupUsageKb(server.memoryCgroup, e.name),
    );
    const hostGrowthKb = hostMemoryUsedKb() - hostBefore;
    const serverGrowthKb = (pssKb(server.handle.pid) ?? 0) - serverPssBefore;
    const sample = envs[0] ?? [];
    const anatomy = sample.map((pid) => ({
      pid,
      command: commandLine(pid).slice(0, 120),
      pssKb: pssKb(pid) ?? 0,
    }));

    // Past the budget: the server must make room (evict idle ones) or refuse; it must not exceed it.
    let overBudget: Record<string, unknown> | undefined;
    if (attempts > measured) {
      await inParallel(names.slice(measured), 1, invoke);
      await sleep(200);
      overBudget = {
        invoked: attempts,
        liveEnvironments: functionEnvironments(server, MEMORY_SIZE_MB).length,
        budgetAdmits: fitByBudget,
      };
    }
    if (failures.length > 0) notes.push(`${failures.length} failed invokes (first: ${failures[0]})`);
    await server.stop();

    const perEnvMedianKb = median(perEnvKb);
    const bareMedianKb = median(bare.pssKb);
    // Other workloads on a shared host can free memory meanwhile: a growth that is not positive is no reading.
    const perProcess = (growthKb: number, n: number) => (n > 0 && growthKb > 0 ? growthKb / n : Number.NaN);
    const hostPerEnvKb = perProcess(hostGrowthKb, envs.length);
    const hostPerBareKb = perProcess(bare.hostGrowthKb, bare.pssKb.length);
    if (!Number.isFinite(hostPerEnvKb) || !Number.isFinite(hostPerBareKb))
      notes.push(
        `host memory did not grow while processes were added (environments ${(hostGrowthKb / 1024).toFixed(1)} MiB, ` +
          `bare nodes ${(bare.hostGrowthKb / 1024).toFixed(1)} MiB): other workloads freed memory meanwhile; no host-growth reading`,
      );
    const mib = (kb: number) => (Number.isFinite(kb) ? kb / 1024 : null);
    const fit = (kb: number) => (Number.isFinite(kb) && kb > 0 ? Math.floor((BUDGET_MB * 1024) / kb) : null);
    if (envs.length !== measured)
      notes.push(
        `expected ${measured} idle environments, found ${envs.length} (read from ${server.memoryCgroup ?? 'the server process tree'})`,
      );
    if (spares > 0)
      notes.push(
        `${spares} pre-warmed runtimes (not yet a function's) were left out of the per-environment figure`,
      );
    const chargedMedianKb = median(chargedKb.filter((v): v is number => v !== undefined));

    const figures: Figure[] = [
      {
        what: `idle environment PSS, median of ${envs.length} (Node.js, ${ctx.sandbox})`,
        value: mib(perEnvMedianKb),
        unit: 'MiB',
        floor: { what: `bare idle node PSS (median of ${bare.pssKb.length})`, value: mib(bareMedianKb) },
        ratio: ratio(perEnvMedianKb, bareMedianKb),
        target: atMost(ratio(perEnvMedianKb, bareMedianKb), 1.2, '≤ 1.2× floor'),
      },
      {
        what: 'host memory growth per idle environment (shared host: noisy)',
        value: mib(hostPerEnvKb),
        unit: 'MiB',
        floor: { what: 'per bare idle node', value: mib(hostPerBareKb) },
        ratio: ratio(hostPerEnvKb, hostPerBareKb),
      },
      {
        what: 'idle environment private memory (USS), median',
        value: mib(median(perEnvUssKb)),
        unit: 'MiB',
        floor: { what: 'bare idle node USS', value: mib(median(bare.ussKb)) },
        ratio: ratio(median(perEnvUssKb), median(bare.ussKb)),
        note: 'Private_Clean + Private_Dirty: what each added environment alone holds',
      },
      {
        what: "memory charged to an idle environment's cgroup (median)",
        value: Number.isFinite(chargedMedianKb) ? mib(chargedMedianKb) : null,
        unit: 'MiB',
        note: 'memory.usage_in_bytes: includes its page cache and kernel memory',
      },
      {
        what: 'idle Node.js environments in 4 GiB (from PSS)',
        value: fit(perEnvMedianKb),
        unit: 'envs',
        floor: { what: 'bare idle nodes in 4 GiB', value: fit(bareMedianKb) },
        ratio: ratio(fit(perEnvMedianKb), fit(bareMedianKb)),
      },
      {
        what: 'idle Node.js environments in 4 GiB (from host growth, noisy)',
        value: fit(hostPerEnvKb),
        unit: 'envs',
        floor: { what: 'bare idle nodes in 4 GiB', value: fit(hostPerBareKb) },
        ratio: ratio(fit(hostPerEnvKb), fit(hostPerBareKb)),
      },
      {
        what: `environments a ${BUDGET_MB} MB budget admits (MemorySize ${MEMORY_SIZE_MB})`,
        value: fitByBudget,
        unit: 'envs',
        note: 'the budget counts configured MemorySize, not memory in use',
      },
    ];
    return {
      figures,
      notes,
      details: {
        budgetMb: BUDGET_MB,
        memorySizeMb: MEMORY_SIZE_MB,
        environments: envs.length,
        perEnvironmentPssKb: perEnvKb,
        perEnvironmentChargedKb: chargedKb,
        perEnvironmentUssKb: perEnvUssKb,
        bareIdleNodeUssKb: bare.ussKb,
        prewarmedRuntimesLeftOut: spares,
        hostGrowthKb,
        serverPssGrowthKb: serverGrowthKb,
        bareIdleNodePssKb: bare.pssKb,
        bareIdleNodeHostGrowthKb: bare.hostGrowthKb,
        anatomyOfOneEnvironment: anatomy,
        overBudget: overBudget ?? null,
      },
    };
  },
};
