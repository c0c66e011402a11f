// Small synchronous helpers for cgroupfs files. Synchronous on purpose: each call is a few microseconds of
// kernel work, cheaper than a round trip through the thread pool on the cold-start and freeze paths.

import {
  type Dirent,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  writeFileSync,
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
  const text = readControl(path);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
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
