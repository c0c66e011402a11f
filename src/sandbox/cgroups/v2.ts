// cgroup v2: one directory per environment, <mount>/kindling/<instance>/<environment>, with the memory, cpu
// and pids controllers enabled down the kindling-owned parents and the core freezer (cgroup.freeze).

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupTree, EnvironmentCgroup } from './environment-cgroup.js';
import { CGROUP_NAME, assertCgroupName } from './environment-cgroup.js';
import {
  ControlFile,
  killPid,
  mkdirBelow,
  numberIn,
  readKey,
  readPids,
  removeDir,
  removeEmptyChildren,
  writeControl,
} from './files.js';
import {
  CPU_PERIOD_US,
  type EnvironmentLimits,
  NO_CPU_QUOTA,
  cpuBurstUs,
  weightFromShares,
} from './limits.js';
import { waitUntil } from './wait.js';

const CONTROLLERS = '+memory +cpu +pids';

export class CgroupV2Tree implements CgroupTree {
  readonly version = 2 as const;
  readonly description: string;
  private readonly parent: string;

  constructor(
    private readonly mount: string,
    parentPath: string,
  ) {
    this.parent = join(mount, parentPath);
    this.description = `cgroup v2 ${this.parent}`;
  }

  /** Enables the controllers on every level from the mount down to the instance's parent. */
  private enableControllers(): void {
    const levels = this.parent.slice(this.mount.length).split('/').filter(Boolean);
    let dir = this.mount;
    writeControl(join(dir, 'cgroup.subtree_control'), CONTROLLERS);
    for (const level of levels) {
      dir = join(dir, level);
      writeControl(join(dir, 'cgroup.subtree_control'), CONTROLLERS);
    }
  }

  create(name: string, limits: EnvironmentLimits): EnvironmentCgroup {
    assertCgroupName(name);
    const dir = mkdirBelow(this.parent, name, () => this.enableControllers());
    const group = new CgroupV2Environment(name, dir);
    try {
      group.apply(limits);
    } catch (err) {
      removeDir(dir);
      throw err;
    }
    return group;
  }

  /** The kernel does not rename cgroup v2 directories: a group created ahead of demand keeps its name. */
  rename(group: EnvironmentCgroup, _name: string): EnvironmentCgroup {
    return group;
  }

  prune(): void {
    removeDir(this.parent);
    removeEmptyChildren(dirname(this.parent));
  }

  existing(): EnvironmentCgroup[] {
    if (!existsSync(this.parent)) return [];
    return readdirSync(this.parent, { withFileTypes: true })
      .filter((e) => e.isDirectory() && CGROUP_NAME.test(e.name))
      .map((e) => new CgroupV2Environment(e.name, join(this.parent, e.name)));
  }
}

class CgroupV2Environment implements EnvironmentCgroup {
  readonly procsFiles: readonly string[];
  private lastPeak: number | undefined;
  private removed = false;
  /** Written twice per invocation (a thaw, then a freeze once idle): held open. */
  private readonly freezer: ControlFile;
  /** Read once per invocation (Max Memory Used): held open. Never written: a write would reset the peak seen through this descriptor. */
  private readonly peak: ControlFile;

  constructor(
    readonly name: string,
    private readonly dir: string,
  ) {
    this.procsFiles = [join(dir, 'cgroup.procs')];
    this.freezer = new ControlFile(join(dir, 'cgroup.freeze'), 'r+');
    this.peak = new ControlFile(join(dir, 'memory.peak'), 'r');
  }

  private closeFiles(): void {
    this.freezer.close();
    this.peak.close();
  }

  apply(limits: EnvironmentLimits): void {
    writeControl(join(this.dir, 'memory.max'), String(limits.memoryBytes));
    const swap = join(this.dir, 'memory.swap.max');
    if (existsSync(swap)) writeControl(swap, '0');
    // An out-of-memory kill ends the whole environment, as Lambda does, not one process of it.
    const group = join(this.dir, 'memory.oom.group');
    if (existsSync(group)) writeControl(group, '1');
    const quota = limits.cpuQuotaUs === NO_CPU_QUOTA ? 'max' : String(limits.cpuQuotaUs);
    // The kernel keeps burst <= quota at every step (older kernels have no burst file).
    const burst = join(this.dir, 'cpu.max.burst');
    const hasBurst = existsSync(burst);
    if (hasBurst) writeControl(burst, '0');
    writeControl(join(this.dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
    if (hasBurst) writeControl(burst, String(cpuBurstUs(limits.cpuQuotaUs)));
    writeControl(join(this.dir, 'cpu.weight'), String(weightFromShares(limits.cpuShares)));
    writeControl(join(this.dir, 'pids.max'), String(limits.pidsMax));
  }

  private get events(): string {
    return join(this.dir, 'cgroup.events');
  }

  /** Bumped by every thaw: a freeze stops waiting once the group has been thawed again. */
  private thaws = 0;

  requestFreeze(): void {
    this.freezer.write('1');
  }

  async freeze(): Promise<void> {
    const generation = this.thaws;
    this.requestFreeze();
    // Polled on timers, not spun (see v1.ts).
    await waitUntil(() => this.thaws !== generation || readKey(this.events, 'frozen') === 1, 2000, 1);
  }

  thaw(): void {
    this.thaws++;
    this.freezer.write('0');
  }

  isEmpty(): boolean {
    const populated = readKey(this.events, 'populated');
    return populated === undefined ? readPids(this.procsFiles[0]!).length === 0 : populated === 0;
  }

  async kill(): Promise<void> {
    const killFile = join(this.dir, 'cgroup.kill');
    for (let round = 0; round < 20 && !this.isEmpty(); round++) {
      if (existsSync(killFile)) {
        // Linux 5.14+: the kernel kills every process of the group atomically, forks included.
        writeControl(killFile, '1');
      } else {
        await this.freeze();
        for (const pid of readPids(this.procsFiles[0]!)) killPid(pid);
        this.thaw();
      }
      if (await waitUntil(() => this.isEmpty(), 500, 20)) return;
    }
  }

  oomKilled(): boolean {
    return (readKey(join(this.dir, 'memory.events'), 'oom_kill') ?? 0) > 0;
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
    await waitUntil(() => removeDir(this.dir), 2000, 1);
    this.removed = true;
  }
}
