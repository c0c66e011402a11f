// cgroup v1: one directory per controller hierarchy (memory, cpu, pids, freezer), all named
// <mount>/kindling/<instance>/<environment>.

import { existsSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupTree, EnvironmentCgroup } from './environment-cgroup.js';
import { assertCgroupName } from './environment-cgroup.js';
import {
  ControlFile,
  killPid,
  mkdirBelow,
  numberIn,
  readKey,
  readNumber,
  readPids,
  removeDir,
  removeEmptyChildren,
  writeControl,
} from './files.js';
import { CPU_PERIOD_US, type EnvironmentLimits, cpuBurstUs } from './limits.js';
import { waitUntil } from './wait.js';

type Controller = 'memory' | 'cpu' | 'pids' | 'freezer';
const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'pids', 'freezer'];

export class CgroupV1Tree implements CgroupTree {
  readonly version = 1 as const;
  readonly description: string;
  private readonly parents: Record<Controller, string>;

  constructor(mounts: Record<Controller, string>, parentPath: string) {
    this.parents = {
      memory: join(mounts.memory, parentPath),
      cpu: join(mounts.cpu, parentPath),
      pids: join(mounts.pids, parentPath),
      freezer: join(mounts.freezer, parentPath),
    };
    this.description = `cgroup v1 ${this.parents.memory} (and cpu, pids, freezer)`;
  }

  create(name: string, limits: EnvironmentLimits): EnvironmentCgroup {
    assertCgroupName(name);
    const group = this.handle(name);
    try {
      for (const c of CONTROLLERS) mkdirBelow(this.parents[c], name);
      group.apply(limits);
    } catch (err) {
      for (const c of CONTROLLERS) removeDir(join(this.parents[c], name));
      throw err;
    }
    return group;
  }

  rename(group: EnvironmentCgroup, name: string): EnvironmentCgroup {
    assertCgroupName(name);
    assertCgroupName(group.name);
    if (group instanceof CgroupV1Environment) group.closeFiles();
    const done: Controller[] = [];
    try {
      for (const c of CONTROLLERS) {
        renameSync(join(this.parents[c], group.name), join(this.parents[c], name));
        done.push(c);
      }
    } catch (err) {
      for (const c of done) renameSync(join(this.parents[c], name), join(this.parents[c], group.name));
      throw err;
    }
    return this.handle(name);
  }

  existing(): EnvironmentCgroup[] {
    const names = new Set<string>();
    for (const c of CONTROLLERS) {
      if (!existsSync(this.parents[c])) continue;
      for (const entry of readdirSync(this.parents[c], { withFileTypes: true })) {
        if (entry.isDirectory()) names.add(entry.name);
      }
    }
    return [...names].filter((n) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(n)).map((n) => this.handle(n));
  }

  prune(): void {
    for (const c of CONTROLLERS) {
      removeDir(this.parents[c]);
      removeEmptyChildren(dirname(this.parents[c]));
    }
  }

  private handle(name: string): CgroupV1Environment {
    const dirs = {
      memory: join(this.parents.memory, name),
      cpu: join(this.parents.cpu, name),
      pids: join(this.parents.pids, name),
      freezer: join(this.parents.freezer, name),
    };
    return new CgroupV1Environment(name, dirs);
  }
}

class CgroupV1Environment implements EnvironmentCgroup {
  readonly procsFiles: readonly string[];
  private lastPeak: number | undefined;
  private removed = false;
  /** Written twice per invocation (a thaw, then a freeze once idle): held open. */
  private readonly freezerState: ControlFile;
  /** Read once per invocation (Max Memory Used): held open. */
  private readonly peak: ControlFile;

  constructor(
    readonly name: string,
    private readonly dirs: Record<Controller, string>,
  ) {
    this.procsFiles = CONTROLLERS.map((c) => join(dirs[c], 'cgroup.procs'));
    this.freezerState = new ControlFile(join(dirs.freezer, 'freezer.state'), 'r+');
    this.peak = new ControlFile(join(dirs.memory, 'memory.max_usage_in_bytes'), 'r');
  }

  /** Releases the held control files (before the directories are removed or renamed). */
  closeFiles(): void {
    this.freezerState.close();
    this.peak.close();
  }

  apply(limits: EnvironmentLimits): void {
    const { memory, cpu, pids } = this.dirs;
    const limit = join(memory, 'memory.limit_in_bytes');
    // memsw = memory + swap: equal to the memory limit means no swap at all (Lambda has none). The kernel
    // keeps memsw >= memory at every step, so a growing limit raises memsw first.
    const memsw = join(memory, 'memory.memsw.limit_in_bytes');
    const hasMemsw = existsSync(memsw);
    if (hasMemsw && limits.memoryBytes > (readNumber(limit) ?? 0))
      writeControl(memsw, String(limits.memoryBytes));
    writeControl(limit, String(limits.memoryBytes));
    if (hasMemsw) writeControl(memsw, String(limits.memoryBytes));
    // The kernel keeps burst <= quota at every step (older kernels have no burst file).
    const burst = join(cpu, 'cpu.cfs_burst_us');
    const hasBurst = existsSync(burst);
    if (hasBurst) writeControl(burst, '0');
    writeControl(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    writeControl(join(cpu, 'cpu.cfs_quota_us'), String(limits.cpuQuotaUs));
    if (hasBurst) writeControl(burst, String(cpuBurstUs(limits.cpuQuotaUs)));
    writeControl(join(cpu, 'cpu.shares'), String(limits.cpuShares));
    writeControl(join(pids, 'pids.max'), String(limits.pidsMax));
  }

  /** Bumped by every thaw: a freeze stops waiting for FROZEN once the group has been thawed again. */
  private thaws = 0;

  requestFreeze(): void {
    this.freezerState.write('FROZEN');
  }

  async freeze(): Promise<void> {
    const generation = this.thaws;
    this.requestFreeze();
    // Polled on timers, not spun. A throttled group stays FREEZING until its next CPU period; an invoke
    // may thaw it meanwhile.
    await waitUntil(
      () => this.thaws !== generation || this.freezerState.read()?.startsWith('FROZEN') === true,
      2000,
      1,
    );
  }

  thaw(): void {
    this.thaws++;
    this.freezerState.write('THAWED');
  }

  /** Every process of the environment (all joined every hierarchy; a stale group may lack some). */
  private pids(): Set<number> {
    const all = new Set<number>();
    for (const file of this.procsFiles) for (const pid of readPids(file)) all.add(pid);
    return all;
  }

  isEmpty(): boolean {
    return this.pids().size === 0;
  }

  async kill(): Promise<void> {
    const canFreeze = existsSync(this.freezerState.path);
    for (let round = 0; round < 20 && !this.isEmpty(); round++) {
      // Freeze first so that nothing can fork while the list of processes is being killed.
      if (canFreeze) await this.freeze();
      for (const pid of this.pids()) killPid(pid);
      if (canFreeze) this.thaw();
      if (await waitUntil(() => this.isEmpty(), 500, 20)) return;
    }
  }

  oomKilled(): boolean {
    return (readKey(join(this.dirs.memory, 'memory.oom_control'), 'oom_kill') ?? 0) > 0;
  }

  peakMemoryBytes(): number | undefined {
    if (this.removed) return this.lastPeak;
    const peak = numberIn(this.peak.read());
    if (peak !== undefined) this.lastPeak = peak;
    return this.lastPeak;
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    if (!this.isEmpty()) await this.kill();
    this.peakMemoryBytes();
    this.closeFiles();
    for (const c of CONTROLLERS) {
      const dir = this.dirs[c];
      await waitUntil(() => removeDir(dir), 2000, 1);
    }
    this.removed = true;
  }
}
