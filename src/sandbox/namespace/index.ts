// The `namespace` sandbox driver: bubblewrap (mount, pid, ipc, uts and net namespaces, a read-only root of
// the runtime's files only, no_new_privs, seccomp) plus one cgroup per environment (memory without swap, CPU
// proportional to memory, pids, freezer). The default tier on Linux. See docs/security.md.
//
// Privileged pieces are small and separate: native/enter.c (joins cgroups, execs bubblewrap),
// src/runtimes/agent/init.c (PID 1 inside: drops to the sandbox user, forwards the Runtime API),
// native/seccomp-policy.c (the filter), ../cgroups/ (cgroup files). This file only plans and supervises.

import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { assertCgroupName } from '../cgroups/environment-cgroup.js';
import {
  type CgroupHierarchy,
  type CgroupTree,
  type EnvironmentLimits,
  NO_CPU_QUOTA,
  limitsForMemory,
  openCgroupTree,
} from '../cgroups/index.js';
import type {
  GuestLayout,
  Sandbox,
  SandboxCapabilities,
  SandboxDriver,
  SandboxSpec,
  SandboxTier,
} from '../driver.js';
import { type NativeArtifacts, nativeArtifacts } from './artifacts.js';
import {
  GUEST_RUNTIME_API_PORT,
  GUEST_RUNTIME_API_SOCKET,
  bwrapArguments,
  encodeEnvironment,
  systemRootArguments,
} from './bwrap-args.js';
import { NamespaceEnvironment } from './environment.js';
import { SANDBOX_GID, SANDBOX_HOSTNAME, SANDBOX_UID, prepareGuestEtc } from './guest-etc.js';
import { hostExecutableBinds } from './host-executables.js';
import { type Launcher, SpareLaunchers, runOnLauncher, startLauncher } from './launchers.js';
import { optSource } from './layers.js';

export { probeNamespaceTier, type NamespaceProbe } from './probe.js';

export const NAMESPACE_LAYOUT: Omit<GuestLayout, 'runtimeApiAddress'> = {
  taskRoot: '/var/task',
  optDir: '/opt',
  tmpDir: '/tmp',
  runtimeDir: '/var/runtime',
};
export const GUEST_RUNTIME_API_ADDRESS = `127.0.0.1:${GUEST_RUNTIME_API_PORT}`;

export interface NamespaceDriverOptions {
  /** The server's data directory: never visible to environments; holds the driver's generated files. */
  readonly dataDir: string;
  readonly hierarchy: CgroupHierarchy;
  readonly artifacts?: NativeArtifacts;
  readonly log?: (msg: string) => void;
  /** Launchers kept started in their cgroups ahead of demand (launchers.ts); default 2, 0 for none. */
  readonly spareLaunchers?: number;
}

/** A stable name for this server instance's cgroup subtree: one per data directory. */
export function instanceName(dataDir: string): string {
  let dir = dataDir;
  try {
    dir = realpathSync(dataDir);
  } catch {
    // Not created yet: the path as given.
  }
  return `k${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

export class NamespaceDriver implements SandboxDriver {
  readonly tier: SandboxTier = 'namespace';
  readonly capabilities: SandboxCapabilities = {
    freeze: true,
    memoryLimit: true,
    cpuLimit: true,
    pidsLimit: true,
    filesystemIsolation: true,
    networkIsolation: true,
    runtimeApiTransport: 'unix',
  };

  private readonly artifacts: NativeArtifacts;
  private readonly tree: CgroupTree;
  private readonly stateDir: string;
  private readonly optCacheDir: string;
  private readonly dataDir: string;
  private readonly systemRoot: readonly string[];
  private readonly log: (msg: string) => void;
  private etcDir: string | undefined;
  private warnedEgress = false;
  private readonly live = new Set<NamespaceEnvironment>();
  private readonly spares: SpareLaunchers;

  constructor(opts: NamespaceDriverOptions) {
    this.artifacts = opts.artifacts ?? nativeArtifacts();
    this.dataDir = opts.dataDir;
    this.tree = openCgroupTree(opts.hierarchy, instanceName(opts.dataDir));
    this.stateDir = join(opts.dataDir, 'sandbox', 'namespace');
    this.optCacheDir = join(this.stateDir, 'opt');
    this.systemRoot = systemRootArguments();
    this.log = opts.log ?? (() => undefined);
    this.spares = new SpareLaunchers(this.tree, this.artifacts, opts.spareLaunchers ?? 2, (err) =>
      this.log(`starting a spare sandbox launcher: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  /** Where the environments' cgroups live, for logs and operators. */
  get cgroupDescription(): string {
    return this.tree.description;
  }

  layout(_spec: Pick<SandboxSpec, 'id' | 'codeDir' | 'runtimeDir' | 'runtimeApi'>): GuestLayout {
    return {
      ...NAMESPACE_LAYOUT,
      runtimeApiAddress: GUEST_RUNTIME_API_ADDRESS,
      runtimeApiSocket: GUEST_RUNTIME_API_SOCKET,
    };
  }

  private guestEtc(): string {
    this.etcDir ??= prepareGuestEtc(join(this.stateDir, 'etc'));
    return this.etcDir;
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    // SECURITY: the id names the cgroup directory: [a-z0-9-] only (checked again by the cgroup tree).
    assertCgroupName(spec.id);
    if (spec.runtimeApi.kind !== 'unix') {
      throw new Error(
        'the namespace sandbox needs the Runtime API on a Unix socket (runtimeApiTransport: unix)',
      );
    }
    if (spec.networkEgress && !this.warnedEgress) {
      this.warnedEgress = true;
      this.log(
        'networkEgress is not available in the namespace tier yet: environments get loopback only (see docs/security.md)',
      );
    }
    const environment = encodeEnvironment({ ...spec.env, AWS_LAMBDA_RUNTIME_API: GUEST_RUNTIME_API_ADDRESS });
    // SECURITY: the socket serves this environment only. Its owner is the sandbox user, so Kindling's own
    // runtime client connects to it directly (no forwarder on the way); its group is root's, for the init's
    // forwarder (uid and gid 0, no capabilities) that serves AWS_LAMBDA_RUNTIME_API over TCP; nobody else.
    chownSync(spec.runtimeApi.path, SANDBOX_UID, 0);
    chmodSync(spec.runtimeApi.path, 0o660);
    // SECURITY: codeDir, layerDirs and runtimeDir are host paths chosen by the control plane, never by a
    // function; they are bound read-only. Executable prefixes are checked against the data directory.
    const args = bwrapArguments({
      systemRoot: this.systemRoot,
      etcDir: this.guestEtc(),
      codeDir: spec.codeDir,
      optDir: await optSource(spec.layerDirs, this.optCacheDir),
      runtimeDir: spec.runtimeDir,
      hostBinds: hostExecutableBinds(spec.hostExecutables, [this.dataDir]),
      init: this.artifacts.init,
      runtimeApiSocket: spec.runtimeApi.path,
      tmpBytes: spec.ephemeralStorageMb * 1024 * 1024,
      uid: SANDBOX_UID,
      gid: SANDBOX_GID,
      hostname: SANDBOX_HOSTNAME,
      command: spec.command,
    });

    const limits = limitsForMemory(spec.memoryMb);
    const boosted = spec.initCpuBoost === true;
    const applied = boosted ? { ...limits, cpuQuotaUs: NO_CPU_QUOTA } : limits;
    const launcher = await this.launcher(spec.id, applied);
    try {
      const { child, cgroup } = launcher;
      runOnLauncher(launcher, [this.artifacts.bwrap, ...args]);
      child.stdout?.on('data', spec.onOutput);
      const envPipe = (child.stdio as unknown as (Writable | null)[])[5];
      if (!envPipe) throw new Error('the environment pipe was not created');
      envPipe.on('error', () => undefined);
      envPipe.end(environment);
      const env = new NamespaceEnvironment(spec.id, child, cgroup, () => this.ended(env));
      env.initLimits(spec.memoryMb, boosted);
      this.live.add(env);
      return env;
    } catch (err) {
      launcher.child.kill('SIGKILL');
      await launcher.cgroup.remove().catch(() => undefined);
      throw err;
    }
  }

  /** A launcher in a cgroup with `limits`: a spare one (launchers.ts), else one started now. */
  private async launcher(id: string, limits: EnvironmentLimits): Promise<Launcher> {
    const spare = this.spares.take();
    if (spare !== undefined) {
      let cgroup = spare.cgroup;
      try {
        // Named after its environment (as on-demand ones are), for operators and cleanup alike.
        cgroup = this.tree.rename(spare.cgroup, id);
        cgroup.apply(limits);
        return { cgroup, child: spare.child };
      } catch (err) {
        spare.child.kill('SIGKILL');
        await cgroup.remove().catch(() => undefined);
        this.log(
          `a spare sandbox launcher could not be used: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    const cgroup = this.tree.create(id, limits);
    try {
      return await startLauncher(this.artifacts, cgroup);
    } catch (err) {
      await cgroup.remove().catch(() => undefined);
      throw err;
    }
  }

  private ended(env: NamespaceEnvironment): void {
    this.live.delete(env);
    // No environment left: leave no empty kindling cgroup behind either.
    if (this.live.size === 0) this.tree.prune();
  }

  async cleanupStale(): Promise<void> {
    const stale = this.tree.existing();
    for (const group of stale) await group.remove();
    this.tree.prune();
    if (stale.length > 0)
      this.log(`removed ${stale.length} stale environment cgroup(s) under ${this.tree.description}`);
    // Merged layer directories are a cache: rebuilt on demand.
    rmSync(this.optCacheDir, { recursive: true, force: true });
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.etcDir = prepareGuestEtc(join(this.stateDir, 'etc'));
  }

  /** Ends the launchers waiting for environments to come; the instance's cgroups go with the last one. */
  async shutdown(): Promise<void> {
    await this.spares.close();
    if (this.live.size === 0) this.tree.prune();
  }

  /** Ends every environment this driver started (server shutdown). */
  async destroyAll(): Promise<void> {
    await Promise.all([...this.live].map((env) => env.destroy()));
    await this.shutdown();
  }
}
