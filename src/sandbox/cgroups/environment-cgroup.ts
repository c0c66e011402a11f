// One execution environment's cgroup(s): what the namespace driver needs from cgroup v1 or v2.

import type { EnvironmentLimits } from './limits.js';

export interface EnvironmentCgroup {
  readonly name: string;
  /** cgroup.procs files a process writes its own pid into to join (one per v1 hierarchy, one on v2). */
  readonly procsFiles: readonly string[];
  /** Writes the limits (memory, CPU quota and share, pids); also to change them while processes run. */
  apply(limits: EnvironmentLimits): void;
  /**
   * Stops every process (the freezer); resolves once the kernel reports the group frozen, or once a thaw
   * has been asked for meanwhile.
   */
  freeze(): Promise<void>;
  /**
   * Asks the kernel to stop every process and returns at once, without waiting for the group to be
   * frozen: idle processes stop within microseconds, a group throttled by its CPU quota at its next
   * period. For callers that need no frozen state, only that nothing keeps running.
   */
  requestFreeze(): void;
  thaw(): void;
  /** SIGKILL to every process of the group, then waits until none is left. */
  kill(): Promise<void>;
  isEmpty(): boolean;
  /** The kernel's OOM killer killed a process of this group because of its memory limit. */
  oomKilled(): boolean;
  /** Peak memory use of the group since creation (memory.max_usage_in_bytes / memory.peak). */
  peakMemoryBytes(): number | undefined;
  /** Kills what is left, then removes the cgroup directories. Idempotent. */
  remove(): Promise<void>;
}

/** The kindling-owned part of the host's cgroup tree for one server instance. */
export interface CgroupTree {
  readonly version: 1 | 2;
  /** Human-readable location, for logs: e.g. "/sys/fs/cgroup/memory/kindling/k1a2b3c4d5e6". */
  readonly description: string;
  create(name: string, limits: EnvironmentLimits): EnvironmentCgroup;
  /**
   * Gives a cgroup created ahead of demand its environment's name, with its processes in it; `group` is
   * not to be used afterwards. cgroup v1 renames the directories; cgroup v2 cannot rename a cgroup, so there
   * the group keeps its name (returned as it is).
   */
  rename(group: EnvironmentCgroup, name: string): EnvironmentCgroup;
  /** Handles to every environment cgroup that exists under this instance (for crash cleanup). */
  existing(): EnvironmentCgroup[];
  /**
   * Removes this instance's parent when it holds no environment, and the parents other instances left
   * empty (the kernel refuses to remove a cgroup that still has children, so a live one is never touched).
   */
  prune(): void;
}

/** Environment cgroup names are path components: nothing that could climb or escape. */
export const CGROUP_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function assertCgroupName(name: string): void {
  // SECURITY: the name becomes a directory under the cgroup filesystem; only [a-z0-9-] gets through.
  if (!CGROUP_NAME.test(name)) throw new Error(`invalid environment cgroup name: ${JSON.stringify(name)}`);
}
