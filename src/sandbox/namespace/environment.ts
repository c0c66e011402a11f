// One running namespace environment: the launcher → bubblewrap → init → runtime process tree, its cgroup,
// and how it ends.

import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { type EnvironmentCgroup, NO_CPU_QUOTA, limitsForMemory } from '../cgroups/index.js';
import type { Sandbox, SandboxExit } from '../driver.js';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** What the init reported on its status fd: how the runtime process ended. */
type RuntimeStatus = { readonly code: number } | { readonly signal: number };

export function parseStatusLine(text: string): RuntimeStatus | undefined {
  const match = /^(exit|signal) (\d+)\n/.exec(text);
  if (!match) return undefined;
  return match[1] === 'exit' ? { code: Number(match[2]) } : { signal: Number(match[2]) };
}

export class NamespaceEnvironment implements Sandbox {
  readonly pid: number;
  readonly exited: Promise<SandboxExit>;
  private status = '';
  private ending = false;
  private killed = false;
  private frozen = false;

  constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    private readonly cgroup: EnvironmentCgroup,
    onEnded: () => void,
  ) {
    this.pid = child.pid ?? -1;
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      this.status += chunk.toString('latin1');
    });
    this.exited = new Promise<SandboxExit>((resolve) => {
      child.once('close', (code, signal) => {
        this.ending = true;
        const exit = this.describeExit(code, signal);
        // Anything still alive in the group (there should be nothing) dies with it; then the cgroup goes.
        this.cgroup
          .remove()
          .catch(() => undefined)
          .finally(() => {
            onEnded();
            resolve(exit);
          });
      });
    });
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): SandboxExit {
    if (this.cgroup.oomKilled()) return { code: null, signal: 'SIGKILL', outOfMemory: true };
    const runtime = parseStatusLine(this.status);
    if (runtime && 'code' in runtime) return { code: runtime.code, signal: null, outOfMemory: false };
    if (runtime)
      return {
        code: null,
        signal: SIGNAL_NAMES.get(runtime.signal) ?? `SIG${runtime.signal}`,
        outOfMemory: false,
      };
    if (this.killed) return { code: null, signal: 'SIGKILL', outOfMemory: false };
    // The sandbox itself failed (bubblewrap's or the init's message went to the output).
    return { code, signal, outOfMemory: false };
  }

  async freeze(): Promise<void> {
    if (this.ending || this.frozen) return;
    this.frozen = true;
    await this.cgroup.freeze();
  }

  requestFreeze(): void {
    if (this.ending || this.frozen) return;
    this.frozen = true;
    this.cgroup.requestFreeze();
  }

  async thaw(): Promise<void> {
    if (this.ending || !this.frozen) return;
    this.frozen = false;
    this.cgroup.thaw();
  }

  async destroy(): Promise<void> {
    if (!this.ending) {
      this.killed = true;
      // Through the cgroup: every process of the environment, never just the runtime.
      await this.cgroup.kill();
      // Right after start the launcher may not have joined the cgroup yet; bubblewrap's sandbox dies with it
      // (--die-with-parent), and what is left in the cgroup after 'close' is killed by remove().
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  maxMemoryUsedBytes(): number | undefined {
    return this.cgroup.peakMemoryBytes();
  }

  /** MemorySize and whether INIT still runs boosted (without a CPU quota). */
  private memoryMb = 0;
  private boosted = false;

  /** Records the limits the driver applied at start. */
  initLimits(memoryMb: number, boosted: boolean): void {
    this.memoryMb = memoryMb;
    this.boosted = boosted;
  }

  resize(memoryMb: number): void {
    if (this.ending) return;
    this.memoryMb = memoryMb;
    const limits = limitsForMemory(memoryMb);
    this.cgroup.apply(this.boosted ? { ...limits, cpuQuotaUs: NO_CPU_QUOTA } : limits);
  }

  endInitBoost(): void {
    if (this.ending || !this.boosted) return;
    this.boosted = false;
    this.cgroup.apply(limitsForMemory(this.memoryMb));
  }
}
