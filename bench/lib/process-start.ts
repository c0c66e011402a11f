// Process-start floors: a bare interpreter started with an empty environment, directly and inside
// bubblewrap with every namespace, timed from spawn to exit.

import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { msSince } from './stats.js';

/** Milliseconds from spawn to exit of `command`, with an empty environment. */
export function timeStart(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, [...args], { env: {}, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = msSince(start);
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

export async function sampleStarts(
  count: number,
  command: string,
  args: readonly string[],
): Promise<number[]> {
  const samples: number[] = [];
  await timeStart(command, args); // page cache warm-up, not counted
  for (let i = 0; i < count; i++) samples.push(await timeStart(command, args));
  return samples;
}

/** The real python3 binary (not a version-manager shim that would add a shell's start to the floor). */
export function realPython(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** bubblewrap arguments: every namespace, the host's system directories read-only, a fresh /proc and /dev. */
export function bwrapAllNamespaces(command: readonly string[]): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session'];
  for (const dir of ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const stat = lstatSync(dir);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
      else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
    } catch {
      // Not on this host.
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--', ...command);
  return args;
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
