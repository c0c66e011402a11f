// Launchers started ahead of demand: a cgroup and a kindling-enter process already inside it, waiting on its
// stdin for the bubblewrap command (native/enter.c, --stdin). On cgroup v1 a process joining a cgroup waits
// for an RCU grace period (measured 10-20 ms on a busy host, once per burst of joins), and creating the
// cgroups and forking the launcher cost the server a few ms more: none of it depends on the function, so a
// cold start takes a launcher that has done it all and only writes the environment's limits. The pool
// refills in the background; an empty pool means a launcher is started on the spot, as before.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { readPids } from '../cgroups/files.js';
import type { CgroupTree, EnvironmentCgroup, EnvironmentLimits } from '../cgroups/index.js';
import { waitUntil } from '../cgroups/wait.js';

/** A launcher in its cgroup, not yet told what to run. */
export interface Launcher {
  readonly cgroup: EnvironmentCgroup;
  /** stdio: 0 the command (then /dev/null), 1 output, 3 the init's status, 4 seccomp, 5 the environment. */
  readonly child: ChildProcess;
}

export interface LauncherPaths {
  readonly enter: string;
  readonly seccomp: string;
}

/** Starts a launcher in `cgroup`; resolves once the process exists. */
export async function startLauncher(paths: LauncherPaths, cgroup: EnvironmentCgroup): Promise<Launcher> {
  const seccomp = openSync(paths.seccomp, 'r');
  let child: ChildProcess;
  try {
    // The launcher and bubblewrap run as root on the host: they get an empty environment (the function's
    // variables reach the runtime through the init's ENV_FD only).
    child = spawn(paths.enter, [...cgroup.procsFiles, '--stdin'], {
      env: {},
      stdio: ['pipe', 'pipe', 'ignore', 'pipe', seccomp, 'pipe'],
    });
  } finally {
    closeSync(seccomp);
  }
  child.stdin?.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return { cgroup, child };
}

/**
 * Whether a launcher keeps the server's event loop alive: a spare one does not (nothing waits on it), one
 * given an environment does, as any environment's process does.
 */
function holdEventLoop(child: ChildProcess, hold: boolean): void {
  if (hold) child.ref();
  else child.unref();
  for (const stream of child.stdio) {
    const handle = stream as { ref?: () => void; unref?: () => void } | null;
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

/** Tells a launcher what to run: bubblewrap and its arguments. */
export function runOnLauncher(launcher: Launcher, command: readonly string[]): void {
  holdEventLoop(launcher.child, true);
  const stdin = launcher.child.stdin as Writable | null;
  if (stdin === null) throw new Error('the launcher has no command pipe');
  stdin.end(Buffer.from(command.map((arg) => `${arg}\0`).join('')));
}

/** Limits of a waiting launcher's cgroup (the environment's replace them): only the launcher runs there. */
const WAITING_LIMITS: EnvironmentLimits = {
  memoryBytes: 64 * 1024 * 1024,
  cpuQuotaUs: -1,
  cpuShares: 1024,
  pidsMax: 16,
};
/** Refills start this long after a take, so the cold start that took one gets the CPU first. */
const REFILL_DELAY_MS = 20;
/** A launcher not in its cgroups after this long is given up. */
const JOIN_TIMEOUT_MS = 5_000;
/** After a failed start, refilling pauses this long. */
const FAILURE_BACKOFF_MS = 2_000;

export class SpareLaunchers {
  private readonly spares: Launcher[] = [];
  private readonly onExit = new Map<Launcher, () => void>();
  private starting = 0;
  /** Launchers being started, so that close() also waits for (and ends) those. */
  private readonly pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly tree: CgroupTree,
    private readonly paths: LauncherPaths,
    private readonly size: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A waiting launcher, or undefined (start one on the spot); the pool refills in the background. */
  take(): Launcher | undefined {
    const launcher = this.spares.shift();
    if (launcher !== undefined) {
      const listener = this.onExit.get(launcher);
      if (listener !== undefined) launcher.child.off('exit', listener);
      this.onExit.delete(launcher);
    }
    this.refill(REFILL_DELAY_MS);
    return launcher;
  }

  /** Ends every waiting launcher and removes its cgroup. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    // Launchers still starting are disposed as they arrive (closed is set): wait for those too.
    await Promise.all(this.pending);
    const spares = this.spares.splice(0);
    await Promise.all(spares.map((l) => this.dispose(l)));
  }

  private refill(delay: number): void {
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fill();
    }, delay).unref();
  }

  private fill(): void {
    while (!this.closed && this.spares.length + this.starting < this.size) {
      this.starting++;
      const started = this.startOne().then(
        (launcher) => {
          this.starting--;
          if (this.closed || launcher.child.exitCode !== null) return this.dispose(launcher);
          const listener = () => {
            // Died while waiting (its cgroup could not be joined): drop it; a later take refills.
            const i = this.spares.indexOf(launcher);
            if (i !== -1) this.spares.splice(i, 1);
            this.onExit.delete(launcher);
            void launcher.cgroup.remove().catch(() => undefined);
          };
          holdEventLoop(launcher.child, false);
          this.onExit.set(launcher, listener);
          launcher.child.once('exit', listener);
          this.spares.push(launcher);
        },
        (err: unknown) => {
          this.starting--;
          this.onError(err);
          this.refill(FAILURE_BACKOFF_MS);
        },
      );
      this.pending.add(started);
      void started.finally(() => this.pending.delete(started));
    }
  }

  private async startOne(): Promise<Launcher> {
    const cgroup = this.tree.create(`l-${randomBytes(6).toString('hex')}`, WAITING_LIMITS);
    let launcher: Launcher | undefined;
    try {
      launcher = await startLauncher(this.paths, cgroup);
      // Spare only once it is in every cgroup (it joins them in order, the last one last): until then its
      // cgroup cannot be renamed for an environment under it.
      const { child } = launcher;
      const last = cgroup.procsFiles[cgroup.procsFiles.length - 1] ?? '';
      const joined = await waitUntil(
        () => child.exitCode !== null || readPids(last).includes(child.pid ?? -1),
        JOIN_TIMEOUT_MS,
        1,
      );
      if (!joined || child.exitCode !== null) throw new Error('a sandbox launcher did not join its cgroups');
      return launcher;
    } catch (err) {
      launcher?.child.kill('SIGKILL');
      await cgroup.remove().catch(() => undefined);
      throw err;
    }
  }

  private async dispose(launcher: Launcher): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (launcher.child.exitCode !== null || launcher.child.signalCode !== null) resolve();
      else launcher.child.once('exit', () => resolve());
    });
    // Waited for: the exit must keep the event loop alive (a waiting launcher does not).
    holdEventLoop(launcher.child, true);
    // An empty command: the launcher leaves and removes its cgroup, and exits without running anything.
    launcher.child.stdin?.end();
    await exited;
    await launcher.cgroup.remove().catch(() => undefined);
  }
}
