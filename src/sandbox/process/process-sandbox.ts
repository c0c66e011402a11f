// One execution environment as a plain child process: its own process group (so freezing and killing
// reach every process it starts), exactly the environment it was given, and a scratch directory holding
// its /tmp and /opt. No isolation: this is the tier for development hosts without namespaces.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Sandbox, SandboxExit, SandboxSpec } from '../driver.js';
import { LineAlignedOutput, flushBoth } from './line-output.js';

/** How often the peak-memory figure is re-read at most (it only grows, so a recent value is close). */
const MEMORY_REFRESH_MS = 50;

export class ProcessSandbox implements Sandbox {
  readonly id: string;
  readonly pid: number;
  readonly exited: Promise<SandboxExit>;
  private ended = false;
  private peakBytes: number | undefined;
  private memoryReadAt = 0;
  private memoryReading = false;
  private readonly out: LineAlignedOutput;
  private readonly err: LineAlignedOutput;

  constructor(
    spec: SandboxSpec,
    private readonly scratchDir: string,
  ) {
    this.id = spec.id;
    this.out = new LineAlignedOutput(spec.onOutput);
    this.err = new LineAlignedOutput(spec.onOutput);
    const [file, ...args] = spec.command;
    const child = spawn(file ?? '', args, {
      cwd: spec.codeDir,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = child.pid ?? -1;
    this.exited = this.watch(child);
  }

  private watch(child: ChildProcess): Promise<SandboxExit> {
    const { out, err } = this;
    child.stdout?.on('data', (c: Buffer) => out.write(c));
    child.stderr?.on('data', (c: Buffer) => err.write(c));
    return new Promise<SandboxExit>((resolve) => {
      let exit: SandboxExit | null = null;
      const finish = () => {
        flushBoth(out, err);
        this.ended = true;
        rm(this.scratchDir, { recursive: true, force: true })
          .catch(() => undefined)
          .then(() => resolve(exit ?? { code: null, signal: 'SIGKILL', outOfMemory: false }));
      };
      child.once('error', (e: NodeJS.ErrnoException) => {
        // The command could not be started: report it as a shell would (127 not found, 126 not executable).
        if (child.pid === undefined) {
          exit = { code: e.code === 'ENOENT' ? 127 : 126, signal: null, outOfMemory: false };
          finish();
        }
      });
      child.once('exit', (code, signal) => {
        exit = { code, signal, outOfMemory: false };
        // When the runtime's main process is gone the environment is gone: take down what it started.
        this.signalGroup('SIGKILL');
      });
      child.once('close', () => {
        if (child.pid !== undefined) finish();
      });
    });
  }

  /** An invocation is over: its unfinished last lines are its own, not the next invocation's. */
  flushOutput(): void {
    flushBoth(this.out, this.err);
  }

  freeze(): Promise<void> {
    this.signalGroup('SIGSTOP');
    return Promise.resolve();
  }

  thaw(): Promise<void> {
    this.signalGroup('SIGCONT');
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (!this.ended) this.signalGroup('SIGKILL');
    await this.exited;
  }

  maxMemoryUsedBytes(): number | undefined {
    if (this.ended || this.pid < 0) return this.peakBytes;
    if (this.peakBytes === undefined) {
      // First measurement of an environment (its cold invoke): read it now so REPORT has a figure.
      try {
        this.peakBytes = parseVmHwm(readFileSync(`/proc/${this.pid}/status`, 'latin1'));
      } catch {
        return undefined;
      }
      this.memoryReadAt = Date.now();
      return this.peakBytes;
    }
    // Later measurements refresh in the background: the hot path never waits on /proc.
    const now = Date.now();
    if (!this.memoryReading && now - this.memoryReadAt >= MEMORY_REFRESH_MS) {
      this.memoryReading = true;
      this.memoryReadAt = now;
      readFile(`/proc/${this.pid}/status`, 'latin1')
        .then((s) => {
          const v = parseVmHwm(s);
          if (v !== undefined && v > (this.peakBytes ?? 0)) this.peakBytes = v;
        })
        .catch(() => undefined)
        .finally(() => {
          this.memoryReading = false;
        });
    }
    return this.peakBytes;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pid < 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/** VmHWM ("peak resident set size") from /proc/PID/status, in bytes. */
function parseVmHwm(status: string): number | undefined {
  const at = status.indexOf('VmHWM:');
  if (at === -1) return undefined;
  const kb = Number.parseInt(status.slice(at + 6, status.indexOf('kB', at)).trim(), 10);
  return Number.isFinite(kb) ? kb * 1024 : undefined;
}
