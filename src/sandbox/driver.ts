// The seam between the worker and the isolation technology. One interface, one contract test suite
// (test/sandbox/driver.contract.ts) that every driver runs; what a driver cannot do it declares in its
// capabilities, and the suite skips with that reason.

export type SandboxTier = 'process' | 'namespace' | 'gvisor' | 'microvm';

/** How the environment reaches its Runtime API. */
export type RuntimeApiEndpoint =
  /** A TCP listener the environment can reach as-is (process driver: 127.0.0.1:PORT on the host). */
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  /**
   * A Unix socket on the host; the driver makes it reachable inside the environment (e.g. at
   * 127.0.0.1:9001 of the environment's own network namespace) and sets AWS_LAMBDA_RUNTIME_API to match.
   */
  | { readonly kind: 'unix'; readonly path: string };

/** Where things appear inside the environment. Drivers that re-root the filesystem use Lambda's paths. */
export interface GuestLayout {
  /** LAMBDA_TASK_ROOT: /var/task in a sandbox; the host code directory for the process driver. */
  readonly taskRoot: string;
  /** Layers' merged content: /opt in a sandbox. */
  readonly optDir: string;
  /** Writable scratch: /tmp in a sandbox. */
  readonly tmpDir: string;
  /** LAMBDA_RUNTIME_DIR: where Kindling's runtime clients live (/var/runtime in a sandbox). */
  readonly runtimeDir: string;
  /** The value of AWS_LAMBDA_RUNTIME_API as the environment must see it. */
  readonly runtimeApiAddress: string;
  /**
   * A Unix socket, as the environment sees it, that reaches the same Runtime API without any forwarder in
   * between, when the driver offers one. Only Kindling's own runtime clients use it (it is not part of
   * Lambda's contract: custom runtimes keep AWS_LAMBDA_RUNTIME_API).
   */
  readonly runtimeApiSocket?: string;
}

export interface SandboxSpec {
  /** Unique id of the execution environment, safe for file and cgroup names ([a-z0-9-]). */
  readonly id: string;
  /** Host directory of the function's unzipped code (read-only; appears at layout.taskRoot). */
  readonly codeDir: string;
  /** Host directories of the layers, in order; later ones win where paths collide. */
  readonly layerDirs: readonly string[];
  /** Host directory of Kindling's guest runtimes (dist/runtimes), appears at layout.runtimeDir. */
  readonly runtimeDir: string;
  /** Host executables the runtime needs (e.g. the node or python3 binary); drivers make them reachable. */
  readonly hostExecutables: readonly string[];
  /**
   * The command to run, in guest paths (use the layout from `layout()`), e.g.
   * ['/usr/bin/node', '/var/runtime/nodejs/bootstrap.js'] or ['/var/task/bootstrap'].
   */
  readonly command: readonly string[];
  /** The exact environment of the runtime process; nothing of the server's leaks in. */
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly ephemeralStorageMb: number;
  readonly runtimeApi: RuntimeApiEndpoint;
  /** Whether the function may open outbound network connections (off by default). */
  readonly networkEgress: boolean;
  /** Receives everything the environment writes to stdout and stderr, in order, as it arrives. */
  readonly onOutput: (chunk: Buffer) => void;
  /**
   * Run INIT without a CPU quota (Lambda boosts CPU during INIT): the proportional quota applies from
   * `Sandbox.endInitBoost()` on. Drivers without a CPU limit ignore it.
   */
  readonly initCpuBoost?: boolean;
}

export interface SandboxExit {
  /** Exit code, when the main process exited by itself. */
  readonly code: number | null;
  /** Signal name, when it was killed (e.g. 'SIGKILL' after an out-of-memory kill or a timeout). */
  readonly signal: string | null;
  /** True when the driver knows the memory limit was hit (cgroup OOM), so the exit is reported as such. */
  readonly outOfMemory: boolean;
}

export interface Sandbox {
  readonly id: string;
  /** PID of the environment's main process as seen from the host. */
  readonly pid: number;
  /** Resolves once, when the environment has ended (all its processes gone and resources released). */
  readonly exited: Promise<SandboxExit>;
  /** Stops every process of the environment from running (Lambda freezes idle environments). */
  freeze(): Promise<void>;
  /**
   * Starts stopping every process and returns at once, without waiting until the last one has stopped
   * (idle processes stop within microseconds). For a caller that needs nothing to keep running but not
   * the frozen state itself: waiting costs timers and reads on every freeze. Throws as freeze() rejects.
   * Optional: drivers without it are frozen with freeze().
   */
  requestFreeze?(): void;
  thaw(): Promise<void>;
  /** Ends every process of the environment and releases its resources; idempotent. */
  destroy(): Promise<void>;
  /** Peak memory of the whole environment in bytes since start, if the driver can measure it. */
  maxMemoryUsedBytes(): number | undefined;
  /**
   * Applies the limits of another MemorySize (memory, CPU share): a pre-warmed environment learns its
   * function's at specialisation. Optional: drivers without limits leave it out.
   */
  resize?(memoryMb: number): void;
  /** INIT is over: the CPU quota of its MemorySize applies from now on (see SandboxSpec.initCpuBoost). */
  endInitBoost?(): void;
  /**
   * Passes on, through `onOutput` and before returning, any output the driver holds back (e.g. a last
   * line still waiting for its newline): the invocation is over, and that output is its. Optional:
   * drivers that deliver output as it arrives hold nothing back.
   */
  flushOutput?(): void;
}

export interface SandboxCapabilities {
  /** Every process of the environment can be frozen and thawed. */
  readonly freeze: boolean;
  /** MemorySize is enforced (allocation beyond it kills the environment). */
  readonly memoryLimit: boolean;
  /** CPU share proportional to memory is enforced. */
  readonly cpuLimit: boolean;
  /** Process count limit. */
  readonly pidsLimit: boolean;
  /** The filesystem is re-rooted (the guest sees /var/task, /opt, /tmp). */
  readonly filesystemIsolation: boolean;
  /** Own network namespace. */
  readonly networkIsolation: boolean;
  /** The Runtime API endpoint kind this driver needs. */
  readonly runtimeApiTransport: RuntimeApiEndpoint['kind'];
}

export interface SandboxDriver {
  readonly tier: SandboxTier;
  readonly capabilities: SandboxCapabilities;
  /** Where things appear inside an environment this driver starts, for the given spec's host paths. */
  layout(spec: Pick<SandboxSpec, 'id' | 'codeDir' | 'runtimeDir' | 'runtimeApi'>): GuestLayout;
  /** Starts an environment. Resolves when its main process has been started (not when it is ready). */
  start(spec: SandboxSpec): Promise<Sandbox>;
  /** Removes what crashed earlier runs left behind (cgroups, mounts, scratch dirs). Called once at start. */
  cleanupStale(): Promise<void>;
  /**
   * Ends what the driver keeps started ahead of demand (e.g. launchers waiting in their cgroups), when the
   * server stops; environments are ended by their owners first. Optional: drivers that keep nothing omit it.
   */
  shutdown?(): Promise<void>;
}

/** The result of probing a host for a tier: usable, or why not. */
export type TierProbe = { readonly ok: true } | { readonly ok: false; readonly reason: string };
