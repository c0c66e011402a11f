// Memory and process-tree readings from /proc and the cgroup filesystem (Linux only).

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Proportional set size of one process in KiB (smaps_rollup), or undefined if it is gone. */
export function pssKb(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Sum of PSS of several processes (those that vanished count 0), in KiB. */
export function totalPssKb(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (pssKb(pid) ?? 0), 0);
}

/** Every process's parent, from /proc/PID/stat. */
function parentMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/** The direct children of `pid`, each with all of its own descendants. */
export function childTrees(pid: number): { readonly root: number; readonly pids: number[] }[] {
  const children = parentMap();
  const collect = (p: number): number[] => [p, ...(children.get(p) ?? []).flatMap(collect)];
  return (children.get(pid) ?? []).map((root) => ({ root, pids: collect(root) }));
}

/** The command line of a process (for telling environments from other children). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** PIDs listed in a cgroup's cgroup.procs. */
export function cgroupProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Child cgroup directories of a cgroup directory (one per environment under a Kindling instance). */
export function childCgroups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(dir, e.name));
}

/** Host memory in use (MemTotal − MemAvailable), KiB. */
export function hostMemoryUsedKb(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 'NaN');
  return field('MemTotal') - field('MemAvailable');
}

export function hostMemoryAvailableKb(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  return Number(/^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1] ?? 'NaN');
}

/** Unique set size of one process in KiB (Private_Clean + Private_Dirty from smaps_rollup): what it alone holds. */
export function ussKb(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return field('Private_Clean') + field('Private_Dirty');
  } catch {
    return undefined;
  }
}

export function totalUssKb(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (ussKb(pid) ?? 0), 0);
}
