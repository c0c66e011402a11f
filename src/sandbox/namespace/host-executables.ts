// Host executables a runtime needs (e.g. a pyenv python) become reachable at the same path inside the
// environment. An executable under a bin/ directory brings its installation prefix (bin/, lib/, ...), read-
// only; anything broader than one installation is refused and only the executable itself is bound.

import { realpathSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';

/** Already part of every environment's root. */
const SYSTEM_DIRS = ['/usr/', '/bin/', '/sbin/', '/lib/', '/lib32/', '/lib64/', '/libx32/'];

export interface HostBind {
  readonly source: string;
  readonly dest: string;
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * SECURITY: a prefix is refused when it is a top-level directory, a home directory, a system directory
 * holding secrets, or overlaps a protected path (the server's data directory): binding it would expose far
 * more than one runtime installation.
 */
export function isSafePrefix(prefix: string, protectedDirs: readonly string[]): boolean {
  const parts = prefix.split('/').filter(Boolean);
  if (parts.length < 2) return false;
  if (/^\/(root|home\/[^/]+)$/.test(prefix)) return false;
  if (['etc', 'proc', 'sys', 'dev', 'run', 'boot'].includes(parts[0]!)) return false;
  if (parts[0] === 'var' && parts.length < 3) return false;
  return !protectedDirs.some((p) => within(p, prefix) || within(prefix, p));
}

export function hostExecutableBinds(
  executables: readonly string[],
  protectedDirs: readonly string[],
): HostBind[] {
  const binds = new Map<string, HostBind>();
  for (const exe of executables) {
    let real: string;
    try {
      real = realpathSync(exe);
    } catch {
      throw new Error(`host executable not found: ${exe}`);
    }
    for (const path of new Set([exe, real])) {
      if (SYSTEM_DIRS.some((d) => path.startsWith(d))) continue;
      const dir = dirname(path);
      const prefix = basename(dir) === 'bin' ? dirname(dir) : dir;
      const source = isSafePrefix(prefix, protectedDirs) ? prefix : path;
      binds.set(source, { source: source === prefix ? realpathSync(prefix) : real, dest: source });
    }
  }
  // A prefix makes any bind inside it redundant.
  const all = [...binds.values()];
  return all.filter((b) => !all.some((o) => o !== b && within(b.dest, o.dest)));
}
