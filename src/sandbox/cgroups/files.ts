// Small synchronous helpers for cgroupfs files. Synchronous on purpose: each call is a few microseconds of
// kernel work, cheaper than a round trip through the thread pool on the cold-start and freeze paths.

import {
  type Dirent,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmdirSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export function writeControl(path: string, value: string): void {
  writeFileSync(path, value);
}

export function readControl(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads of held control files land here: every read is synchronous, so one buffer serves them all. */
const readBuffer = Buffer.allocUnsafe(256);

/**
 * A control file an environment uses on every invocation (the freezer, peak memory), held open: a write
 * is one pwrite and a read one pread at offset 0 (the kernel renders the value afresh for a read at 0),
 * with no path lookup through the cgroup filesystem and no open and close. With a thousand environments
 * frozen and thawed around every invocation, the lookups and opens were a large part of the server's CPU
 * per invocation. Opened on first use, so environments that never need the file hold no descriptor; when
 * no descriptor is to be had, it works through the path as before. close() before the cgroup is removed.
 */
export class ControlFile {
  private fd: number | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly mode: 'r' | 'r+',
  ) {}

  /** Writes `value` (throws, as writeControl does, when the kernel refuses it or the cgroup is gone). */
  write(value: string): void {
    const fd = this.open();
    if (fd === undefined) writeControl(this.path, value);
    else writeSync(fd, value, 0);
  }

  /** The file's content, or undefined when it cannot be read (e.g. the cgroup is gone). */
  read(): string | undefined {
    const fd = this.open();
    if (fd === undefined) return readControl(this.path);
    try {
      const n = readSync(fd, readBuffer, 0, readBuffer.length, 0);
      // Longer than the buffer: not one of the short values held files carry; read it whole.
      if (n === readBuffer.length) return readControl(this.path);
      return readBuffer.toString('latin1', 0, n);
    } catch {
      return undefined;
    }
  }

  /** Releases the descriptor; later calls work through the path. Idempotent. */
  close(): void {
    this.closed = true;
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  private open(): number | undefined {
    if (this.fd !== undefined || this.closed) return this.fd;
    try {
      this.fd = openSync(this.path, this.mode);
    } catch {
      // Out of descriptors, or the cgroup is gone: the path works, or fails, as it did without holding.
    }
    return this.fd;
  }
}

/** A "key value" line of a flat-keyed file (memory.events, memory.oom_control, cgroup.events). */
export function readKey(path: string, key: string): number | undefined {
  const text = readControl(path);
  if (text === undefined) return undefined;
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k === key && v !== undefined) return Number(v);
  }
  return undefined;
}

export function readNumber(path: string): number | undefined {
  return numberIn(readControl(path));
}

/** The number a single-value control file holds ("123\n"), or undefined. */
export function numberIn(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

export function readPids(path: string): number[] {
  const text = readControl(path);
  if (!text) return [];
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map(Number);
}

/** rmdir that tolerates "already gone"; reports "still busy" as false. */
export function removeDir(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'EBUSY') return false;
    throw err;
  }
}

/** Removes the empty cgroup directories directly under dir (the kernel refuses non-empty ones). */
export function removeEmptyChildren(dir: string): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    try {
      rmdirSync(join(dir, e.name));
    } catch {
      // Busy (children or processes) or already gone: not ours to force.
    }
  }
}

/** mkdir of a cgroup below parents that a concurrent prune() may remove: re-creates them and retries. */
export function mkdirBelow(
  parent: string,
  name: string,
  onParentCreated: () => void = () => undefined,
): string {
  const dir = join(parent, name);
  for (let attempt = 0; ; attempt++) {
    if (!existsSync(parent)) {
      mkdirSync(parent, { recursive: true });
      onParentCreated();
    }
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
