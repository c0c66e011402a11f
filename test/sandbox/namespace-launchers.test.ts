// Spare launchers (src/sandbox/namespace/launchers.ts): environments started on a launcher that joined its
// cgroups ahead of demand run in a cgroup named after them with their own limits, and no launcher's cgroup
// outlives the driver: neither after shutdown() nor when its server goes away without one.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { instanceName } from '../../src/sandbox/namespace/index.js';
import { type Harness, harness, namespaceUnavailable, repoRoot } from './namespace-harness.js';

const skip = await namespaceUnavailable();

/** The instance's cgroup directory in each hierarchy. */
function instanceDirs(dataDir: string): string[] {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const rel = join('kindling', instanceName(dataDir));
  if (cg.hierarchy.version === 2) return [join(cg.hierarchy.mount, rel)];
  return Object.values(cg.hierarchy.mounts).map((m) => join(m, rel));
}

function children(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('namespace driver: spare launchers', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  it('starts an environment on a waiting launcher: named after it, with its limits, its output and exit', async () => {
    const first = h.spec({ command: ['/bin/true'] });
    assert.equal((await (await h.driver.start(first)).exited).code, 0);
    // The first start left the pool refilling: launchers now wait in cgroups of their own.
    let waiting: string[] = [];
    for (let i = 0; i < 200 && waiting.length === 0; i++) {
      await sleep(10);
      waiting = children(instanceDirs(h.dataDir)[0]!).filter((n) => n.startsWith('l-'));
    }
    assert.ok(waiting.length > 0, 'launchers wait ahead of demand');
    const spec = h.spec({ memoryMb: 256, command: ['/bin/sh', '-c', 'echo from-the-sandbox; sleep 0.3'] });
    const env = await h.driver.start(spec);
    const dirs = instanceDirs(h.dataDir).map((d) => join(d, spec.id));
    const memory = dirs.find(
      (d) => existsSync(join(d, 'memory.limit_in_bytes')) || existsSync(join(d, 'memory.max')),
    );
    assert.ok(memory !== undefined, `the environment's cgroup is named after it: ${dirs}`);
    const limitFile = existsSync(join(memory, 'memory.limit_in_bytes'))
      ? join(memory, 'memory.limit_in_bytes')
      : join(memory, 'memory.max');
    assert.equal(Number(readFileSync(limitFile, 'utf8')), 256 * 1024 * 1024, 'its own memory limit');
    const procs = readFileSync(join(memory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(procs.includes(env.pid), 'the launcher (now bubblewrap) is in it');
    assert.equal((await env.exited).code, 0);
    assert.match(spec.output(), /from-the-sandbox/);
    assert.equal(existsSync(memory), false, 'removed when the environment ended');
  });

  it('shutdown() ends the waiting launchers and leaves no cgroup behind', async () => {
    await h.driver.shutdown();
    for (const dir of instanceDirs(h.dataDir)) assert.deepEqual(children(dir), [], dir);
  });

  it('a launcher whose server went away without a shutdown removes its own cgroup', async () => {
    // A server that starts one environment (so launchers are waiting) and exits without shutting down.
    const script = `
      import { readdirSync } from 'node:fs';
      import { join } from 'node:path';
      import { NamespaceDriver, instanceName } from './src/sandbox/namespace/index.js';
      import { detectCgroupHierarchy } from './src/sandbox/cgroups/index.js';
      import { harness } from './test/sandbox/namespace-harness.js';
      const h = await harness();
      const cg = detectCgroupHierarchy();
      const d = new NamespaceDriver({ dataDir: h.dataDir, hierarchy: cg.hierarchy });
      await (await d.start(h.spec({ command: ['/bin/true'] }))).exited;
      const mount = cg.hierarchy.version === 2 ? cg.hierarchy.mount : cg.hierarchy.mounts.memory;
      const dir = join(mount, 'kindling', instanceName(h.dataDir));
      let waiting = 0;
      for (let i = 0; i < 200 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        waiting = readdirSync(dir).filter((n) => n.startsWith('l-')).length;
      }
      console.log(waiting, h.dataDir);
      process.exit(0);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, run.stderr);
    const [waiting, dataDir = ''] = (run.stdout.trim().split('\n').at(-1) ?? '').split(' ');
    assert.ok(Number(waiting) > 0, `launchers were waiting when the server exited: ${run.stdout}`);
    let left: string[] = [];
    for (let i = 0; i < 100; i++) {
      left = instanceDirs(dataDir).flatMap((d) => children(d).filter((n) => n.startsWith('l-')));
      if (left.length === 0) break;
      await sleep(20);
    }
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
    assert.deepEqual(left, []);
  });
});
