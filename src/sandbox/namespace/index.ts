// The `namespace` sandbox driver: bubblewrap (mount, pid, ipc, uts and net namespaces, a read-only root of
// the runtime's files only, no_new_privs, seccomp) plus one cgroup per environment (memory without swap, CPU
// proportional to memory, pids, freezer). The default tier on Linux. See docs/security.md.
//
// Privileged pieces are small and separate: native/enter.c (joins cgroups, execs bubblewrap),
// src/runtimes/agent/init.c (PID 1 inside: drops to the sandbox user, forwards the Runtime API),
// native/seccomp-policy.c (the filter), ../cgroups/ (cgroup files). This file only plans and supervises.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { assertCgroupName } from '../cgroups/environment-cgroup.js';
import {
  type CgroupHierarchy,
  type CgroupTree,
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

  constructor(opts: NamespaceDriverOptions) {
    this.artifacts = opts.artifacts ?? nativeArtifacts();
    this.dataDir = opts.dataDir;
    this.tree = openCgroupTree(opts.hierarchy, instanceName(opts.dataDir));
    this.stateDir = join(opts.dataDir, 'sandbox', 'namespace');
    this.optCacheDir = join(this.stateDir, 'opt');
    this.systemRoot = systemRootArguments();
    this.log = opts.log ?? (() => undefined);
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
    const cgroup = this.tree.create(spec.id, boosted ? { ...limits, cpuQuotaUs: NO_CPU_QUOTA } : limits);
    try {
      const seccomp = openSync(this.artifacts.seccomp, 'r');
      let child: ReturnType<typeof spawn>;
      try {
        // The launcher and bubblewrap run as root on the host: they get an empty environment (the
        // function's variables reach the runtime through the init's ENV_FD only).
        child = spawn(this.artifacts.enter, [...cgroup.procsFiles, '--', this.artifacts.bwrap, ...args], {
          env: {},
          stdio: ['ignore', 'pipe', 'ignore', 'pipe', seccomp, 'pipe'],
        });
      } finally {
        closeSync(seccomp);
      }
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
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

  /** Ends every environment this driver started (server shutdown). */
  async destroyAll(): Promise<void> {
    await Promise.all([...this.live].map((env) => env.destroy()));
  }
}
