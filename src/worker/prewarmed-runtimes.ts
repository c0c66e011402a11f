// Pre-warmed runtimes (DESIGN §4 "Cold starts"): a few sandboxes per language runtime, started ahead of
// demand with the runtime and its client already loaded, each waiting on the Kindling-internal assignment
// call of its own Runtime API listener. A cold start takes one and specialises it: the function's code
// and layers are hard-linked into the directories bound at /var/task and /opt, the sandbox gets the
// function's memory and CPU limits, and the runtime receives the function's exact environment. Everything
// that does not depend on the function (the sandbox, the interpreter start, the runtime client) is off the
// request path; the pool refills in the background. A pre-warmed runtime serves one function, once.

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionVersionSpec } from '../control/model.js';
import type { PrewarmedRuntimeApiListener, RuntimeApi } from '../runtime-api/index.js';
import type { GuestLayout, Sandbox, SandboxDriver } from '../sandbox/index.js';
import { linkTrees } from './code-links.js';
import { isNodeRuntime, runtimeDefaults } from './guest-environment.js';
import { NODE_RUNTIME_ENTRY, NODE_RUNTIME_FLAGS, hostPython } from './launch-command.js';

export type RuntimeFamily = 'nodejs' | 'python';

export const RUNTIME_FAMILIES: readonly RuntimeFamily[] = ['nodejs', 'python'];

/** The marker a pre-warmed runtime client is started with (src/runtimes/nodejs/prewarmed.ts, bootstrap.py). */
export const PREWARMED_MARKER = '_KINDLING_PREWARMED';

/** /tmp is sized when the sandbox starts: pre-warmed ones have Lambda's default EphemeralStorage. */
export const PREWARMED_EPHEMERAL_STORAGE_MB = 512;
/** Memory limit until specialisation sets the function's (an idle runtime needs a few tens of MB). */
const PREWARMED_MEMORY_MB = 1024;
/** A runtime that is not waiting for its assignment after this long is given up. */
const READY_TIMEOUT_MS = 10_000;
/** After a failed start, filling pauses this long (a broken runtime must not become a busy loop). */
const FAILURE_BACKOFF_MS = 2_000;
/** Refills start this long after a take, so the cold start that took one gets the CPU first. */
const REFILL_DELAY_MS = 20;
/** While environments are starting, a refill looks again this often. */
const DEFERRED_REFILL_DELAY_MS = 50;

/**
 * Variables a runtime reads once when its process starts (interpreter options, the loader's library path,
 * locale): a function that sets one of them needs a runtime started with it, so it starts as usual.
 */
const STARTUP_VARIABLE = /^(NODE_|UV_|LD_|PYTHON|LC_|MALLOC_|GLIBC_|OPENSSL_|SSL_CERT_)|^(LANG|LANGUAGE)$/;

export function runtimeFamily(runtime: string): RuntimeFamily | undefined {
  if (isNodeRuntime(runtime)) return 'nodejs';
  if (runtime.startsWith('python3')) return 'python';
  return undefined;
}

/** The family of pre-warmed runtime that can take `spec`, or undefined when it must start as usual. */
export function prewarmedFamilyFor(spec: FunctionVersionSpec): RuntimeFamily | undefined {
  const family = runtimeFamily(spec.runtime);
  if (family === undefined || spec.ephemeralStorageSize !== PREWARMED_EPHEMERAL_STORAGE_MB) return undefined;
  for (const name of Object.keys(spec.environment)) if (STARTUP_VARIABLE.test(name)) return undefined;
  return family;
}

/** One started, waiting runtime, and what specialising it takes. */
export class PrewarmedRuntime {
  private sink: ((chunk: Buffer) => void) | null = null;
  private released = false;

  constructor(
    readonly family: RuntimeFamily,
    readonly sandbox: Sandbox,
    readonly listener: PrewarmedRuntimeApiListener,
    readonly layout: GuestLayout,
    readonly hostExecutables: readonly string[],
    private readonly slotDir: string,
  ) {}

  /** Before assignment the runtime prints nothing; what it prints after goes to its environment's log. */
  readonly output = (chunk: Buffer): void => this.sink?.(chunk);

  onOutput(sink: (chunk: Buffer) => void): void {
    this.sink = sink;
  }

  /**
   * Gives the runtime its function: code and layers appear at /var/task and /opt, the sandbox gets the
   * function's limits (INIT keeps its CPU boost), then the runtime receives `environment` and loads the
   * handler. The caller has attached the listener to its session first.
   */
  specialise(spec: FunctionVersionSpec, environment: Readonly<Record<string, string>>): void {
    linkTrees([spec.codeDir], join(this.slotDir, 'task'));
    linkTrees(
      spec.layers.map((l) => l.dir),
      join(this.slotDir, 'opt'),
    );
    this.sandbox.resize?.(spec.memorySize);
    this.listener.assignment.assign(environment);
  }

  /** Ends the sandbox and its listener (a runtime never assigned, or at shutdown). */
  async destroy(): Promise<void> {
    await this.sandbox.destroy().catch(() => undefined);
    await this.listener.close();
    await this.release();
  }

  /** Removes the environment's code and layer directories (links only: the code itself stays). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await rm(this.slotDir, { recursive: true, force: true });
  }
}

export interface PrewarmedRuntimesOptions {
  readonly driver: SandboxDriver;
  readonly runtimeApi: RuntimeApi;
  /** Host directory of the guest runtimes (dist/runtimes). */
  readonly runtimeDir: string;
  /** Where Unix-socket Runtime API endpoints are created. */
  readonly socketDir: string;
  /** Directory for the environments' /var/task and /opt; on the code's filesystem, for hard links. */
  readonly slotsDir: string;
  /** How many waiting runtimes to keep per family (config.prewarmPerRuntime). */
  readonly perRuntime: number;
  readonly families?: readonly RuntimeFamily[];
  /** While this says so (environments are starting), refilling waits. */
  readonly deferRefill?: () => boolean;
  readonly onError: (err: unknown, context: string) => void;
}

interface Entry {
  /** Resolves with the runtime once it waits for its assignment, or undefined if it failed first. */
  readonly ready: Promise<PrewarmedRuntime | undefined>;
  runtime: PrewarmedRuntime | undefined;
}

export class PrewarmedRuntimes {
  private readonly entries = new Map<RuntimeFamily, Entry[]>();
  private readonly pausedUntil = new Map<RuntimeFamily, number>();
  private readonly refillTimers = new Map<RuntimeFamily, NodeJS.Timeout>();
  /** Every runtime started and not yet handed out, for shutdown. */
  private readonly owned = new Set<PrewarmedRuntime>();
  private closed = false;

  constructor(private readonly options: PrewarmedRuntimesOptions) {
    rmSync(options.slotsDir, { recursive: true, force: true });
    mkdirSync(options.slotsDir, { recursive: true, mode: 0o755 });
    for (const family of options.families ?? RUNTIME_FAMILIES) this.entries.set(family, []);
  }

  /** Starts filling every family's pool (in the background). */
  start(): void {
    for (const family of this.entries.keys()) this.fill(family);
  }

  /** Waiting runtimes per family (ready or starting), for stats and tests. */
  counts(): Record<RuntimeFamily, { ready: number; starting: number }> {
    const out = { nodejs: { ready: 0, starting: 0 }, python: { ready: 0, starting: 0 } };
    for (const [family, entries] of this.entries) {
      for (const e of entries) out[family][e.runtime !== undefined ? 'ready' : 'starting']++;
    }
    return out;
  }

  /**
   * A runtime for `spec`'s cold start: a waiting one, else one still starting (further along than a fresh
   * start), else undefined (start as usual). The pool refills in the background either way.
   */
  async take(spec: FunctionVersionSpec): Promise<PrewarmedRuntime | undefined> {
    const family = prewarmedFamilyFor(spec);
    const entries = family === undefined ? undefined : this.entries.get(family);
    if (family === undefined || entries === undefined || this.closed) return undefined;
    let i = entries.findIndex((e) => e.runtime !== undefined);
    if (i === -1) i = 0;
    const entry = entries[i];
    if (entry === undefined) return undefined;
    entries.splice(i, 1);
    this.scheduleRefill(family);
    const runtime = entry.runtime ?? (await entry.ready);
    if (runtime !== undefined) this.owned.delete(runtime);
    return runtime;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    for (const t of this.refillTimers.values()) clearTimeout(t);
    const starting = [...this.entries.values()].flat().map((e) => e.ready);
    this.entries.clear();
    await Promise.all(starting);
    await Promise.all([...this.owned].map((r) => r.destroy()));
    this.owned.clear();
  }

  private scheduleRefill(family: RuntimeFamily, after = REFILL_DELAY_MS): void {
    if (this.closed || this.refillTimers.has(family)) return;
    const delay = Math.max(after, (this.pausedUntil.get(family) ?? 0) - Date.now());
    this.refillTimers.set(
      family,
      setTimeout(() => {
        this.refillTimers.delete(family);
        this.fill(family);
      }, delay).unref(),
    );
  }

  private fill(family: RuntimeFamily): void {
    const entries = this.entries.get(family);
    if (this.closed || entries === undefined) return;
    if ((this.pausedUntil.get(family) ?? 0) > Date.now()) {
      this.scheduleRefill(family);
      return;
    }
    if (entries.length < this.options.perRuntime && this.options.deferRefill?.() === true) {
      this.scheduleRefill(family, DEFERRED_REFILL_DELAY_MS);
      return;
    }
    while (entries.length < this.options.perRuntime) {
      const entry: Entry = {
        runtime: undefined,
        ready: this.startOne(family).then(
          (runtime) => {
            entry.runtime = runtime;
            return runtime;
          },
          (err: unknown) => {
            this.failed(family, entry, err);
            return undefined;
          },
        ),
      };
      entries.push(entry);
    }
  }

  private failed(family: RuntimeFamily, entry: Entry, err: unknown): void {
    if (this.closed) return;
    this.options.onError(err, `starting a pre-warmed ${family} runtime`);
    this.pausedUntil.set(family, Date.now() + FAILURE_BACKOFF_MS);
    this.remove(family, entry);
  }

  private remove(family: RuntimeFamily, entry: Entry): void {
    const entries = this.entries.get(family);
    const i = entries?.indexOf(entry) ?? -1;
    if (entries !== undefined && i !== -1) {
      entries.splice(i, 1);
      this.scheduleRefill(family);
    }
  }

  private async startOne(family: RuntimeFamily): Promise<PrewarmedRuntime> {
    const { driver, runtimeApi, runtimeDir } = this.options;
    if (runtimeApi.openPrewarmed === undefined)
      throw new Error('the Runtime API cannot serve pre-warmed runtimes');
    const id = `pw-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
    const slotDir = join(this.options.slotsDir, id);
    const taskDir = join(slotDir, 'task');
    const optDir = join(slotDir, 'opt');
    mkdirSync(taskDir, { recursive: true, mode: 0o755 });
    mkdirSync(optDir, { mode: 0o755 });
    const transport = driver.capabilities.runtimeApiTransport;
    const listener = await runtimeApi.openPrewarmed(
      transport,
      transport === 'unix' ? join(this.options.socketDir, `${id}.sock`) : undefined,
    );
    let sandbox: Sandbox | undefined;
    let runtime: PrewarmedRuntime | undefined;
    try {
      const layout = driver.layout({ id, codeDir: taskDir, runtimeDir, runtimeApi: listener.endpoint });
      const executable = family === 'nodejs' ? process.execPath : await hostPython();
      const entry =
        family === 'nodejs'
          ? `${layout.runtimeDir}/${NODE_RUNTIME_ENTRY}`
          : `${layout.runtimeDir}/python/bootstrap.py`;
      // Only what is the same for every function of the family; the rest arrives with the assignment.
      const env = {
        ...runtimeDefaults(layout, [executable]),
        AWS_LAMBDA_RUNTIME_API: layout.runtimeApiAddress,
        LAMBDA_TASK_ROOT: layout.taskRoot,
        LAMBDA_RUNTIME_DIR: layout.runtimeDir,
        PWD: layout.taskRoot,
        [PREWARMED_MARKER]: '1',
      };
      const output = (chunk: Buffer) => runtime?.output(chunk);
      sandbox = await driver.start({
        id,
        codeDir: taskDir,
        layerDirs: [optDir],
        runtimeDir,
        hostExecutables: [executable],
        command: family === 'nodejs' ? [executable, ...NODE_RUNTIME_FLAGS, entry] : [executable, entry],
        env,
        memoryMb: PREWARMED_MEMORY_MB,
        ephemeralStorageMb: PREWARMED_EPHEMERAL_STORAGE_MB,
        runtimeApi: listener.endpoint,
        networkEgress: true,
        onOutput: output,
        initCpuBoost: true,
      });
      runtime = new PrewarmedRuntime(family, sandbox, listener, layout, [executable], slotDir);
      this.owned.add(runtime);
      const started = runtime;
      const exited = sandbox.exited.then(() => {
        throw new Error(`the pre-warmed ${family} runtime exited before it was assigned`);
      });
      exited.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the pre-warmed ${family} runtime did not start in time`)),
          READY_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([listener.assignment.waiting, exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
      exited.catch(() => {
        // Died while waiting in the pool: drop it; the pool refills.
        if (!this.owned.delete(started)) return;
        void started.destroy();
        for (const entries of this.entries.values()) {
          const entry = entries.find((e) => e.runtime === started);
          if (entry !== undefined) this.remove(family, entry);
        }
      });
      return runtime;
    } catch (err) {
      if (runtime !== undefined) this.owned.delete(runtime);
      if (sandbox !== undefined) await sandbox.destroy().catch(() => undefined);
      await listener.close();
      await rm(slotDir, { recursive: true, force: true });
      throw err;
    }
  }
}
