// INIT runs boosted, as Lambda's does: an environment started with initCpuBoost has no CPU quota until
// its init ends, then the quota of its MemorySize over a short (40 ms) period; a pre-warmed environment
// takes its function's limits at specialisation. Observed in the environment's own cgroup files.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import { CPU_PERIOD_US } from '../../src/sandbox/cgroups/limits.js';
import { instanceName } from '../../src/sandbox/namespace/index.js';
import { type Harness, harness, namespaceUnavailable } from '../sandbox/namespace-harness.js';

const skip = await namespaceUnavailable();

/** [quota, period] of an environment's cgroup; quota -1 (or max) means none. */
function cpuLimit(dataDir: string, id: string): [string, string] {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const rel = join('kindling', instanceName(dataDir), id);
  if (cg.hierarchy.version === 2) {
    const [quota, period] = readFileSync(join(cg.hierarchy.mount, rel, 'cpu.max'), 'utf8')
      .trim()
      .split(' ');
    return [quota === 'max' ? '-1' : quota!, period!];
  }
  const dir = join(cg.hierarchy.mounts.cpu, rel);
  return [
    readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8').trim(),
    readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8').trim(),
  ];
}

/** The environment's CFS burst in microseconds, or undefined where the kernel has none. */
function cpuBurst(dataDir: string, id: string): number | undefined {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const rel = join('kindling', instanceName(dataDir), id);
  const file =
    cg.hierarchy.version === 2
      ? join(cg.hierarchy.mount, rel, 'cpu.max.burst')
      : join(cg.hierarchy.mounts.cpu, rel, 'cpu.cfs_burst_us');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
}

function memoryLimit(dataDir: string, id: string): number {
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const rel = join('kindling', instanceName(dataDir), id);
  const file =
    cg.hierarchy.version === 2
      ? join(cg.hierarchy.mount, rel, 'memory.max')
      : join(cg.hierarchy.mounts.memory, rel, 'memory.limit_in_bytes');
  return Number(readFileSync(file, 'utf8').trim());
}

describe('INIT CPU boost', { skip }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h?.close());
  /** An environment that only sleeps, with the limits of `memoryMb`. */
  const sleeper = (memoryMb: number, opts: { initCpuBoost?: boolean } = {}) =>
    h.spec({ memoryMb, command: ['/bin/sh', '-c', 'sleep 5'], hostExecutables: [], ...opts });

  it('has no CPU quota during INIT, then the quota of its MemorySize over a 40 ms period', async () => {
    const spec = sleeper(128, { initCpuBoost: true });
    const env = await h.driver.start(spec);
    try {
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), ['-1', String(CPU_PERIOD_US)]);
      env.endInitBoost?.();
      // 128 / 1,769 of one CPU: 2,894 us per 40,000 us.
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), ['2894', '40000']);
    } finally {
      await env.destroy();
    }
  });

  it('takes another MemorySize’s limits while running (specialisation), keeping the boost until INIT ends', async () => {
    const spec = sleeper(1024, { initCpuBoost: true });
    const env = await h.driver.start(spec);
    try {
      env.resize?.(256);
      assert.equal(memoryLimit(h.dataDir, spec.id), 256 * 1024 * 1024);
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), ['-1', '40000']);
      env.resize?.(3008);
      assert.equal(memoryLimit(h.dataDir, spec.id), 3008 * 1024 * 1024, 'a limit can grow too');
      env.endInitBoost?.();
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), [String(Math.round((3008 / 1769) * 40_000)), '40000']);
    } finally {
      await env.destroy();
    }
  });

  it('lets an environment burst one period’s quota it left unused, and keeps the burst within the quota', async (t) => {
    const spec = sleeper(3008, { initCpuBoost: true });
    const env = await h.driver.start(spec);
    try {
      if (cpuBurst(h.dataDir, spec.id) === undefined) {
        t.skip('this kernel has no CFS burst');
        return;
      }
      assert.equal(cpuBurst(h.dataDir, spec.id), 0, 'no burst while INIT runs without a quota');
      env.endInitBoost?.();
      const big = Math.round((3008 / 1769) * 40_000);
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), [String(big), '40000']);
      assert.equal(cpuBurst(h.dataDir, spec.id), big);
      // A smaller quota than the burst in place: the kernel refuses burst > quota, so both change.
      env.resize?.(128);
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), ['2894', '40000']);
      assert.equal(cpuBurst(h.dataDir, spec.id), 2894);
    } finally {
      await env.destroy();
    }
  });

  it('applies the quota from the start without initCpuBoost', async () => {
    const spec = sleeper(128);
    const env = await h.driver.start(spec);
    try {
      assert.deepEqual(cpuLimit(h.dataDir, spec.id), ['2894', '40000']);
    } finally {
      await env.destroy();
    }
  });
});
