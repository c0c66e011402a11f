// The namespace driver's cgroup: memory (OOM kill reported), pids, CPU, the freezer, and that nothing is
// left behind: no processes, cgroups or mounts, also after a crash (cleanupStale).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { instanceName } from '../../src/sandbox/namespace/index.js';
import {
  type Harness,
  harness,
  namespaceUnavailable,
  processAlive,
  repoRoot,
  waitForOutput,
} from './namespace-harness.js';

const skip = await namespaceUnavailable();

/** Directories of an environment's cgroup(s) on this host. */
function cgroupDirs(dataDir: string, id: string): string[] {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const rel = join('kindling', instanceName(dataDir), id);
  if (cg.hierarchy.version === 2) return [join(cg.hierarchy.mount, rel)];
  return Object.values(cg.hierarchy.mounts).map((m) => join(m, rel));
}

function procsOf(dataDir: string, id: string): number[] {
  const file = join(cgroupDirs(dataDir, id)[0]!, 'cgroup.procs');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
}

function hostMountCount(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
}

/** A process's user + system CPU in clock ticks (/proc/PID/stat). */
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

describe('namespace driver: limits and cleanup', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  it('kills an environment that allocates past MemorySize and reports it as out of memory', async () => {
    const codeDir = h.code({
      'hog.js': `const keep = []; let mb = 0;
        for (;;) { keep.push(Buffer.alloc(16 << 20, 1)); mb += 16; if (mb % 64 === 0) console.log('allocated', mb); }`,
    });
    const spec = h.spec({ codeDir, memoryMb: 128, command: ['/usr/bin/node', '/var/task/hog.js'] });
    const env = await h.driver.start(spec);
    const exit = await env.exited;
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL', outOfMemory: true }, spec.output());
    const peak = env.maxMemoryUsedBytes();
    assert.ok(peak !== undefined && peak > 64 * 1024 * 1024 && peak <= 129 * 1024 * 1024, `peak ${peak}`);
    for (const dir of cgroupDirs(h.dataDir, spec.id)) assert.equal(existsSync(dir), false, dir);
  });

  it('measures peak memory from the cgroup', async () => {
    const codeDir = h.code({ 'use.js': 'const b = Buffer.alloc(50 << 20, 1); console.log(b.length);' });
    const spec = h.spec({ codeDir, command: ['/usr/bin/node', '/var/task/use.js'] });
    const env = await h.driver.start(spec);
    assert.equal((await env.exited).code, 0);
    const peak = env.maxMemoryUsedBytes() ?? 0;
    assert.ok(peak > 50 * 1024 * 1024, `peak ${peak} includes the 50 MB buffer`);
  });

  it('stops a fork bomb at the pids limit and the environment stays usable', async () => {
    // Forks sleepers until fork fails; the pids limit (1,024, bwrap and init included) is what stops it.
    const codeDir = h.code({
      'bomb.py': [
        'import os, time',
        'n = 0',
        'try:',
        '    while n < 1100:',
        '        if os.fork() == 0:',
        '            time.sleep(60)',
        '            os._exit(0)',
        '        n += 1',
        'except OSError as e:',
        '    print("fork failed", e.errno, flush=True)',
        'print("started", n, flush=True)',
        'print("alive", os.getpid(), flush=True)',
        'time.sleep(60)',
      ].join('\n'),
    });
    const python = '/usr/bin/python3';
    const spec = h.spec({ codeDir, command: [python, '/var/task/bomb.py'], hostExecutables: [] });
    const env = await h.driver.start(spec);
    await waitForOutput(spec, /alive/, 30_000);
    const started = Number(/started (\d+)/.exec(spec.output())?.[1]);
    assert.match(spec.output(), /fork failed 11/);
    assert.ok(started < 1024 && started > 900, `processes started: ${started}`);
    assert.ok(procsOf(h.dataDir, spec.id).length <= 1024);
    await env.destroy();
    for (const dir of cgroupDirs(h.dataDir, spec.id)) assert.equal(existsSync(dir), false, dir);
  });

  it('limits CPU in proportion to memory (1,769 MB = one vCPU)', async () => {
    const cg = detectCgroupHierarchy();
    assert.ok(cg.ok);
    const spec = h.spec({ memoryMb: 884, command: ['/bin/sh', '-c', 'sleep 5'], hostExecutables: [] });
    const env = await h.driver.start(spec);
    try {
      const dirs = cgroupDirs(h.dataDir, spec.id);
      const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
      let quota: number;
      let period: number;
      let memoryLimit: string;
      if (cg.hierarchy.version === 1) {
        const { cpu, memory } = cg.hierarchy.mounts;
        const cpuDir = dirs.find((d) => d.startsWith(`${cpu}/`))!;
        const memDir = dirs.find((d) => d.startsWith(`${memory}/`))!;
        quota = Number(read(cpuDir, 'cpu.cfs_quota_us'));
        period = Number(read(cpuDir, 'cpu.cfs_period_us'));
        memoryLimit = read(memDir, 'memory.limit_in_bytes');
        if (existsSync(join(memDir, 'memory.memsw.limit_in_bytes'))) {
          assert.equal(read(memDir, 'memory.memsw.limit_in_bytes'), String(884 * 1024 * 1024), 'no swap');
        }
      } else {
        [quota, period] = read(dirs[0]!, 'cpu.max').split(' ').map(Number) as [number, number];
        memoryLimit = read(dirs[0]!, 'memory.max');
      }
      assert.equal(memoryLimit, String(884 * 1024 * 1024));
      // 884 MB is half of 1,769 MB: half a vCPU, whatever the accounting period.
      assert.ok(Math.abs(quota / period - 884 / 1769) < 0.001, `quota ${quota} / period ${period}`);
    } finally {
      await env.destroy();
    }
  });

  /** An environment whose node prints a tick every 5 ms and whose shell child spins, once it has ticked. */
  const startTicking = async () => {
    const codeDir = h.code({
      'tick.js': `let n = 0; setInterval(() => console.log('tick', ++n), 5);
        require('node:child_process').spawn('/bin/sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });`,
    });
    const spec = h.spec({ codeDir, command: ['/usr/bin/node', '/var/task/tick.js'] });
    const env = await h.driver.start(spec);
    await waitForOutput(spec, /tick 3\n/);
    return { spec, env };
  };
  /** Waits until the environment has ticked twice more than it had so far. */
  const ticksAgain = (spec: ReturnType<typeof h.spec>) =>
    waitForOutput(spec, new RegExp(`tick ${Number(/tick (\d+)\n$/.exec(spec.output())![1]) + 2}\\n`));

  it('freezes every process of the environment: a busy loop makes no progress until thawed', async () => {
    const { spec, env } = await startTicking();
    await env.freeze();
    const frozenAt = spec.output().length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spec.output().length, frozenAt, 'no output while frozen');
    const pids = procsOf(h.dataDir, spec.id);
    const before = pids.map(cpuTicks);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(pids.map(cpuTicks), before, 'no process of the environment used CPU while frozen');
    await env.thaw();
    await ticksAgain(spec);
    await env.destroy();
  });

  it('a requested freeze stops every process without being waited for; a thaw resumes them', async () => {
    const { spec, env } = await startTicking();
    assert.ok(env.requestFreeze !== undefined, 'the namespace driver can be asked to freeze');
    env.requestFreeze();
    // The kernel completes the freeze on its own (a tick already being written may still arrive).
    await new Promise((r) => setTimeout(r, 100));
    const frozenAt = spec.output().length;
    const pids = procsOf(h.dataDir, spec.id);
    const before = pids.map(cpuTicks);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spec.output().length, frozenAt, 'no output while frozen');
    assert.deepEqual(pids.map(cpuTicks), before, 'no process of the environment used CPU while frozen');
    await env.thaw();
    await ticksAgain(spec);
    // A requested freeze followed at once by a thaw leaves the environment running.
    env.requestFreeze();
    await env.thaw();
    await ticksAgain(spec);
    await env.destroy();
  });

  it('peak memory follows growth across reads and is still known after the environment ended', async () => {
    const codeDir = h.code({
      'grow.js': `const held = []; console.log('ready');
        setTimeout(() => { held.push(Buffer.alloc(32 * 1024 * 1024, 1)); console.log('grown'); }, 400);
        setInterval(() => {}, 1000);`,
    });
    const spec = h.spec({ codeDir, command: ['/usr/bin/node', '/var/task/grow.js'] });
    const env = await h.driver.start(spec);
    await waitForOutput(spec, /ready/);
    const first = env.maxMemoryUsedBytes();
    assert.ok(first !== undefined && first > 0, `peak ${first}`);
    assert.ok(!spec.output().includes('grown'), 'read before the growth');
    await waitForOutput(spec, /grown/);
    const second = env.maxMemoryUsedBytes()!;
    assert.ok(second >= first + 30 * 1024 * 1024, `peak ${first} then ${second}`);
    await env.destroy();
    assert.ok(env.maxMemoryUsedBytes()! >= second, 'the last peak outlives the cgroup');
  });

  it('destroy kills every process (also ones that left the session) and leaves no cgroup or mount behind', async () => {
    const mountsBefore = hostMountCount();
    const script = 'setsid sh -c "sleep 300" & (sleep 300 &) ; sleep 300 & echo ready; wait';
    const spec = h.spec({ command: ['/bin/sh', '-c', script], hostExecutables: [] });
    const env = await h.driver.start(spec);
    await waitForOutput(spec, /ready/);
    await new Promise((r) => setTimeout(r, 50));
    const pids = procsOf(h.dataDir, spec.id);
    assert.ok(pids.length >= 6, `bwrap, init, sh and three sleepers: ${pids}`);
    await env.freeze();
    await env.destroy();
    assert.deepEqual(await env.exited, { code: null, signal: 'SIGKILL', outOfMemory: false });
    assert.deepEqual(pids.filter(processAlive), []);
    for (const dir of cgroupDirs(h.dataDir, spec.id)) assert.equal(existsSync(dir), false, dir);
    assert.equal(hostMountCount(), mountsBefore);
    await env.destroy(); // idempotent
  });

  it('cleanupStale removes what a crashed server left: live processes and their cgroups', async () => {
    // A server process that starts an environment, then dies by SIGKILL.
    const crashDir = join(h.root, 'crash-data');
    mkdirSync(crashDir, { mode: 0o700 });
    const codeDir = h.code({});
    const script = join(h.root, 'crashing-server.mts');
    writeFileSync(
      script,
      `import { detectCgroupHierarchy } from '${repoRoot}/src/sandbox/cgroups/index.js';
       import { NamespaceDriver } from '${repoRoot}/src/sandbox/namespace/index.js';
       const cg = detectCgroupHierarchy(); if (!cg.ok) throw new Error(cg.reason);
       const d = new NamespaceDriver({ dataDir: '${crashDir}', hierarchy: cg.hierarchy });
       await d.start({ id: 'crashed-env', codeDir: '${codeDir}', layerDirs: [], runtimeDir: '${codeDir}',
         hostExecutables: [], command: ['/bin/sh', '-c', 'echo up; sleep 300'], env: {}, memoryMb: 128,
         ephemeralStorageMb: 16, runtimeApi: { kind: 'unix', path: '${h.socket}' }, networkEgress: false,
         onOutput: (c) => process.stdout.write(c) });`,
    );
    const server = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) =>
      server.stdout!.on('data', (c: Buffer) => c.toString().includes('up') && resolve()),
    );
    const dirs = cgroupDirs(crashDir, 'crashed-env');
    const pids = procsOf(crashDir, 'crashed-env');
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    // A process that outlived its server in the cgroup (e.g. one bubblewrap could not take down with it).
    const orphan = spawn('/bin/sleep', ['300'], { stdio: 'ignore', detached: true });
    for (const dir of dirs) writeFileSync(join(dir, 'cgroup.procs'), String(orphan.pid));
    assert.ok(dirs.every(existsSync));

    // Another server's live environment on the same host.
    const neighbourSpec = h.spec({ command: ['/bin/sh', '-c', 'echo up; sleep 300'], hostExecutables: [] });
    const neighbour = await h.driver.start(neighbourSpec);
    await waitForOutput(neighbourSpec, /up/);

    const restarted = await harness(crashDir); // runs cleanupStale()
    try {
      assert.deepEqual([...pids, orphan.pid!].filter(processAlive), []);
      for (const dir of dirs) assert.equal(existsSync(dir), false, dir);
      // The other server's environment is not touched.
      assert.ok(cgroupDirs(h.dataDir, neighbourSpec.id).every(existsSync));
      assert.ok(procsOf(h.dataDir, neighbourSpec.id).every(processAlive));
      assert.equal(procsOf(h.dataDir, neighbourSpec.id).length >= 3, true);
    } finally {
      await restarted.close();
      await neighbour.destroy();
    }
  });

  it('leaves no environment cgroup behind after all of the above', async () => {
    // Launchers kept ready for the next environments (launchers.ts) end with the driver.
    await h.driver.shutdown();
    const parent = join(cgroupDirs(h.dataDir, 'x')[0]!, '..');
    const left = existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory())
      : [];
    assert.deepEqual(
      left.map((e) => e.name),
      [],
    );
  });
});
