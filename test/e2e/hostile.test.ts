// Hostile functions against a real Kindling server on the namespace tier: every attack fails, a
// well-behaved neighbour keeps being served at normal speed, and nothing is left behind.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { instanceName } from '../../src/sandbox/namespace/index.js';
import { type KindlingHandle, repoRoot, startKindling } from '../helpers/server.js';
import { zipFixture } from '../runtimes/fixture-zip.js';
import { namespaceUnavailable, processAlive } from '../sandbox/namespace-harness.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const skip = await namespaceUnavailable();

/** Every file under dir (the test runs as root and may look where functions must not). */
function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) walk(path, out);
    else if (stat) out.push(path);
  }
  return out;
}

function environmentCgroups(dataDir: string): string[] {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) return [];
  const roots = cg.hierarchy.version === 2 ? [cg.hierarchy.mount] : Object.values(cg.hierarchy.mounts);
  return roots.flatMap((root) => {
    const parent = join(root, 'kindling', instanceName(dataDir));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(parent, e.name));
  });
}

function cgroupPids(dataDir: string): number[] {
  return environmentCgroups(dataDir).flatMap((dir) => {
    // An environment that ends between listing and reading (e.g. a pre-warmed runtime being replaced)
    // has no processes left to count.
    if (!existsSync(join(dir, 'cgroup.procs'))) return [];
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  });
}

const mountCount = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('hostile functions on the namespace tier (e2e)', { skip, timeout: 120_000 }, () => {
  let k: KindlingHandle;
  let service: Server;
  let servicePort: number;
  let baselineMs: number;
  let mountsBefore: number;
  const seenPids = new Set<number>();

  const invoke = async (name: string, event: unknown): Promise<InvokeCommandOutput & { body: unknown }> => {
    const out = await k.lambda.send(
      new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }),
    );
    for (const pid of cgroupPids(k.dataDir)) seenPids.add(pid);
    return { ...out, body: JSON.parse(Buffer.from(out.Payload ?? []).toString() || 'null') };
  };
  const attack = async (event: { attack: string; [k: string]: unknown }, name = 'attacker') => {
    const out = await invoke(name, event);
    assert.equal(out.FunctionError, undefined, JSON.stringify(out.body));
    return out.body as Record<string, unknown>;
  };

  /** The neighbour's warm invoke latency (median of n), and that it still answers correctly. */
  async function victimLatency(n = 10): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const out = await invoke('victim', {});
      times.push(performance.now() - t0);
      assert.equal(out.FunctionError, undefined);
      assert.equal((out.body as { ok: boolean }).ok, true);
    }
    return median(times);
  }
  /** "Normal speed": generous, this machine is shared, but an attack that starved the host would fail it. */
  const assertNormalSpeed = (ms: number) =>
    assert.ok(
      ms < Math.max(baselineMs * 5, baselineMs + 250),
      `neighbour p50 ${ms.toFixed(1)} ms vs ${baselineMs.toFixed(1)} ms`,
    );

  async function create(
    name: string,
    fixture: string,
    extra: Partial<ConstructorParameters<typeof CreateFunctionCommand>[0]> = {},
  ) {
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: await zipFixture(fixture) },
        ...extra,
      }),
    );
    for (let i = 0; i < 300; i++) {
      const c = await k.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if (c.State === 'Active' && c.LastUpdateStatus !== 'InProgress') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} did not become Active`);
  }

  before(async () => {
    mountsBefore = mountCount();
    service = createServer((s) => s.end('host-loopback-secret'));
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    servicePort = (service.address() as { port: number }).port;
    k = await startKindling({ args: ['--sandbox', 'namespace'] });
    assert.match(k.output(), /Sandbox: namespace/);
    await create('victim', 'hostile-victim', {
      MemorySize: 256,
      Environment: { Variables: { VICTIM_SECRET: 'victim-env-secret' } },
    });
    await create('attacker', 'hostile-attacker', { MemorySize: 1024, Timeout: 15 });
    await create('attacker-small', 'hostile-attacker', { MemorySize: 128, Timeout: 2 });
    // 128 MB gets a small CPU share: a generous timeout so that only the memory limit can end it.
    await create('attacker-oom', 'hostile-attacker', { MemorySize: 128, Timeout: 30 });
    await attack({ attack: 'whoami' });
    await victimLatency(5);
    baselineMs = await victimLatency(20);
  });

  after(async () => {
    const dataDir = k?.dataDir;
    await k?.stop({ keepData: true });
    service?.close();
    if (!dataDir) return;
    // Nothing left behind: no environment cgroup, no process that ever ran in one, no mount.
    assert.deepEqual(environmentCgroups(dataDir), []);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual([...seenPids].filter(processAlive), []);
    assert.equal(mountCount(), mountsBefore);
  });

  it('runs as the unprivileged sandbox user', async () => {
    const who = await attack({ attack: 'whoami' });
    assert.equal(who.uid, 993);
    assert.ok((who.pid as number) < 20, 'its own pid namespace');
  });

  it("cannot read another function's code, env or /tmp, the server's data dir, SQLite file or files, or host secrets", async () => {
    const files = walk(k.dataDir);
    const victimCode = files.find((f) => f.endsWith('victim-secret.txt'));
    assert.ok(victimCode, 'the victim code is somewhere in the data dir');
    const databases = files.filter((f) => /\.(sqlite|db)(-wal)?$/.test(f));
    assert.ok(databases.length > 0, `a SQLite file in ${files.slice(0, 20)}`);
    const paths = [
      victimCode,
      ...databases,
      k.dataDir,
      '/tmp/victim-tmp-secret.txt',
      '/etc/shadow',
      '/etc/gshadow',
      '/etc/ssl/private',
      '/root/.bash_history',
      '/root/.pyenv/version',
      join(repoRoot, 'package.json'),
      '/proc/1/environ',
    ];
    const read = await attack({ attack: 'read', paths });
    for (const [path, result] of Object.entries(read)) {
      assert.ok(!String(result).startsWith('READ:'), `${path} was readable: ${result}`);
    }
    const listed = await attack({ attack: 'list', paths: [k.dataDir, '/root', '/home', '/var', '/run'] });
    assert.deepEqual(listed['/var'], ['runtime', 'task']);
    assert.deepEqual(listed['/run'], ['kindling']);
    for (const p of [k.dataDir, '/home']) assert.equal(listed[p], 'ENOENT');
    const procs = await attack({ attack: 'processes' });
    assert.deepEqual(procs.leaks, []);
    assert.deepEqual(procs.env, []);
    assert.ok((procs.count as number) < 10, `only its own processes: ${procs.count}`);
  });

  it('cannot write to /var/task, /opt, /etc, /var/runtime or the root; /tmp is writable', async () => {
    const out = await attack({
      attack: 'write',
      paths: ['/var/task/index.js', '/opt/x', '/etc/passwd', '/var/runtime/x', '/x', '/tmp/ok'],
    });
    for (const p of ['/var/task/index.js', '/opt/x', '/etc/passwd', '/var/runtime/x', '/x']) {
      assert.ok(['EROFS', 'EACCES', 'EPERM'].includes(out[p] as string), `${p}: ${out[p]}`);
    }
    assert.equal(out['/tmp/ok'], 'WROTE');
  });

  it('cannot fill /tmp beyond its EphemeralStorage size', async () => {
    const out = await attack({ attack: 'fillTmp' });
    assert.equal(out.error, 'ENOSPC');
    assert.ok((out.mb as number) <= 512, `${out.mb} MB`);
    assertNormalSpeed(await victimLatency());
  });

  it('cannot reach the Kindling API, another host loopback service, or the host network', async () => {
    const kindlingPort = Number(new URL(k.endpoint).port);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const targets: [string, number][] = [
      ['127.0.0.1', kindlingPort],
      ['127.0.0.1', servicePort],
      ['localhost', servicePort],
    ];
    if (external) targets.push([external, kindlingPort]);
    const out = await attack({ attack: 'connect', targets });
    for (const [target, result] of Object.entries(out)) {
      assert.notEqual(result, 'CONNECTED', target);
    }
  });

  it('cannot signal host processes or its own init', async () => {
    const out = await attack({ attack: 'signal', pids: [k.pid, process.pid, 1] });
    assert.equal(out[String(k.pid)], 'ESRCH');
    assert.equal(out[String(process.pid)], 'ESRCH');
    assert.equal(out['1'], 'EPERM');
  });

  it('cannot ptrace, mount, unshare, setns, load or remove kernel modules, kexec, bpf, keyctl, perf, chroot, reboot', async () => {
    const out = await attack({ attack: 'syscalls' });
    assert.ok(Object.keys(out).length >= 15, JSON.stringify(out));
    for (const [call, result] of Object.entries(out)) assert.equal(result, 'EPERM', call);
  });

  it('is killed and reported when it allocates past MemorySize', async () => {
    const out = await invoke('attacker-oom', { attack: 'allocate', mb: 512 });
    assert.equal(out.FunctionError, 'Unhandled');
    const body = out.body as { errorType: string; errorMessage: string };
    assert.match(body.errorType, /^Runtime\.(OutOfMemory|ExitError)$/);
    assert.match(body.errorMessage, /signal: killed/);
    assertNormalSpeed(await victimLatency());
  });

  it('a fork bomb stops at the pids limit and the neighbour stays fast', async () => {
    const out = await attack({ attack: 'forkBomb' });
    assert.equal(out.error, 'EAGAIN');
    assert.ok((out.started as number) < 1024, `${out.started} processes`);
    assertNormalSpeed(await victimLatency());
  });

  it('spinning forever times out, takes the whole environment with it, and the neighbour stays fast', async () => {
    const spinning = invoke('attacker-small', { attack: 'spin' });
    await new Promise((r) => setTimeout(r, 300));
    const during = await victimLatency();
    const out = await spinning;
    assert.equal(out.FunctionError, 'Unhandled');
    assert.match((out.body as { errorMessage: string }).errorMessage, /Task timed out after 2\.00 seconds/);
    assertNormalSpeed(during);
  });

  it('background timers do not run while the environment is idle (frozen)', async () => {
    await attack({ attack: 'timer' });
    await new Promise((r) => setTimeout(r, 200));
    const first = (await attack({ attack: 'ticks' })).ticks as number;
    await new Promise((r) => setTimeout(r, 1000));
    const second = (await attack({ attack: 'ticks' })).ticks as number;
    // Unfrozen, a 10 ms interval would have ticked about 100 times in that second.
    assert.ok(second - first < 15, `ticked ${second - first} times while idle`);
  });
});
