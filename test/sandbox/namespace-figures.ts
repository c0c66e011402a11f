// Figures the namespace tier is held to, measured at the driver level on this host:
//   - extra cold start of namespace over process (start() → the runtime's first Runtime API request): ≤ 8 ms median
//   - freeze + thaw of an idle environment: ≤ 0.2 ms median
//   - memory of an environment beyond its runtime process (PSS of bwrap + init): ≤ 2 MB
// Run: node --import tsx test/sandbox/namespace-figures.ts [rounds]

import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SandboxDriver, SandboxSpec } from '../../src/sandbox/driver.js';
import { ProcessDriver } from '../../src/sandbox/process/index.js';
import { harness } from './namespace-harness.js';

const rounds = Number(process.argv[2] ?? 30);
const h = await harness();

// The same Runtime API stand-in on TCP (process driver) and on the Unix socket (namespace driver): each
// request resolves the waiter of the environment that is starting.
let firstRequest: (() => void) | undefined;
const onRequest = () => {
  firstRequest?.();
  firstRequest = undefined;
};
const tcp: Server = createServer((req) => {
  onRequest();
  req.resume(); // never answered: the runtime parks on /next like an idle Lambda runtime
});
await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
const port = (tcp.address() as AddressInfo).port;
const unix: Server = createServer((req) => {
  onRequest();
  req.resume();
});
const unixPath = join(h.root, 'figures.sock');
await new Promise<void>((r) => unix.listen(unixPath, r));

const processDriver = new ProcessDriver({ scratchDir: join(h.root, 'process-scratch') });
const guest = h.code({
  'next.js':
    "require('node:http').get('http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime/invocation/next');",
});

function spec(driver: SandboxDriver, n: number, command: readonly string[]): SandboxSpec {
  const runtimeApi: SandboxSpec['runtimeApi'] =
    driver.tier === 'process' ? { kind: 'tcp', host: '127.0.0.1', port } : { kind: 'unix', path: unixPath };
  const layout = driver.layout({ id: `fig-${n}`, codeDir: guest, runtimeDir: h.root, runtimeApi });
  return {
    id: `fig-${driver.tier}-${n}`,
    codeDir: guest,
    layerDirs: [],
    runtimeDir: h.root,
    hostExecutables: ['/usr/bin/node'],
    command: command.map((c) => c.replace('$TASK', layout.taskRoot)),
    env: { PATH: '/usr/bin:/bin', AWS_LAMBDA_RUNTIME_API: layout.runtimeApiAddress },
    memoryMb: 1769,
    ephemeralStorageMb: 512,
    runtimeApi,
    networkEgress: false,
    onOutput: (c) => process.stderr.write(c),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const min = (xs: number[]) => Math.min(...xs);

/** start() → first Runtime API request, for a node runtime. */
async function coldStart(driver: SandboxDriver, n: number): Promise<number> {
  const reached = new Promise<void>((r) => {
    firstRequest = r;
  });
  const t0 = performance.now();
  const env = await driver.start(spec(driver, n, ['/usr/bin/node', '$TASK/next.js']));
  await reached;
  const ms = performance.now() - t0;
  await env.destroy();
  return ms;
}

/** start() → exited, for a shell that exits at once: the sandbox's own cost with no runtime to hide it. */
async function bareStart(driver: SandboxDriver, n: number): Promise<number> {
  const t0 = performance.now();
  const env = await driver.start(spec(driver, n, ['/bin/sh', '-c', 'exit 0']));
  await env.exited;
  return performance.now() - t0;
}

const results: Record<string, number[]> = {
  nodeProcess: [],
  nodeNamespace: [],
  shProcess: [],
  shNamespace: [],
};
for (let i = 0; i < 3; i++) {
  await coldStart(processDriver, 1000 + i);
  await coldStart(h.driver, 1000 + i);
}
for (let i = 0; i < rounds; i++) {
  // Alternate so that machine noise hits both alike.
  results.nodeProcess!.push(await coldStart(processDriver, i));
  results.nodeNamespace!.push(await coldStart(h.driver, i));
  results.shProcess!.push(await bareStart(processDriver, 100 + i));
  results.shNamespace!.push(await bareStart(h.driver, 100 + i));
}

// An idle environment (parked on /next): freeze + thaw, and its memory.
const idleReached = new Promise<void>((r) => {
  firstRequest = r;
});
const idleSpec = spec(h.driver, 9999, ['/usr/bin/node', '$TASK/next.js']);
const idle = await h.driver.start(idleSpec);
await idleReached;
await new Promise((r) => setTimeout(r, 300));
const freezeThaw: number[] = [];
const thawOnly: number[] = [];
for (let i = 0; i < 500; i++) {
  const t0 = performance.now();
  await idle.freeze();
  const t1 = performance.now();
  await idle.thaw();
  const t2 = performance.now();
  freezeThaw.push(t2 - t0);
  thawOnly.push(t2 - t1);
}

function pssKb(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
}
function cgroupProcs(id: string): number[] {
  for (const root of ['/sys/fs/cgroup/freezer', '/sys/fs/cgroup']) {
    try {
      const base = join(root, 'kindling');
      for (const inst of readdirSync(base)) {
        try {
          return readFileSync(join(base, inst, id, 'cgroup.procs'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map(Number);
        } catch {}
      }
    } catch {}
  }
  return [];
}
const perProcess = cgroupProcs(idleSpec.id).map((pid) => ({
  pid,
  comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
  pssKb: pssKb(pid),
}));
const overheadKb = perProcess.filter((p) => p.comm !== 'node').reduce((s, p) => s + p.pssKb, 0);
await idle.destroy();

const figures = {
  rounds,
  coldStartNodeMs: {
    process: { p50: median(results.nodeProcess!), p90: p90(results.nodeProcess!) },
    namespace: { p50: median(results.nodeNamespace!), p90: p90(results.nodeNamespace!) },
    extraP50: median(results.nodeNamespace!) - median(results.nodeProcess!),
    extraMin: min(results.nodeNamespace!) - min(results.nodeProcess!),
  },
  bareStartShMs: {
    process: { p50: median(results.shProcess!) },
    namespace: { p50: median(results.shNamespace!) },
    extraP50: median(results.shNamespace!) - median(results.shProcess!),
    extraMin: min(results.shNamespace!) - min(results.shProcess!),
  },
  freezeThawMs: { p50: median(freezeThaw), p90: p90(freezeThaw), thawOnlyP50: median(thawOnly) },
  memory: { perProcess, overheadKb },
};
console.log(JSON.stringify(figures, null, 2));
console.log(`
| figure | measured | held to |
|---|---|---|
| extra cold start, node runtime (p50 namespace - p50 process) | ${figures.coldStartNodeMs.extraP50.toFixed(2)} ms (${figures.coldStartNodeMs.namespace.p50.toFixed(1)} vs ${figures.coldStartNodeMs.process.p50.toFixed(1)}); min-min ${figures.coldStartNodeMs.extraMin.toFixed(2)} ms | ≤ 8 ms |
| extra start, bare /bin/sh (p50) | ${figures.bareStartShMs.extraP50.toFixed(2)} ms (${figures.bareStartShMs.namespace.p50.toFixed(1)} vs ${figures.bareStartShMs.process.p50.toFixed(1)}); min-min ${figures.bareStartShMs.extraMin.toFixed(2)} ms | |
| freeze + thaw, idle env (p50 / p90) | ${figures.freezeThawMs.p50.toFixed(3)} / ${figures.freezeThawMs.p90.toFixed(3)} ms (thaw alone ${figures.freezeThawMs.thawOnlyP50.toFixed(3)}) | ≤ 0.2 ms |
| memory beyond the runtime (PSS of ${perProcess
  .filter((p) => p.comm !== 'node')
  .map((p) => p.comm)
  .join(' + ')}) | ${(overheadKb / 1024).toFixed(2)} MB | ≤ 2 MB |`);
tcp.close();
unix.close();
await h.close();
