// Makes a function's read-only code (or its layers) appear in a pre-warmed environment: the environment
// was started with an empty per-environment directory bound read-only at /var/task (and one at /opt);
// specialisation fills it with hard links to the unzipped code, which the environment sees at once, with
// no mount. Code and layer directories are immutable once unzipped, so each one's listing is read once
// and kept; a specialisation then costs one mkdir or link per entry.

import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';

type TreeEntry =
  | { readonly kind: 'dir'; readonly mode: number }
  | { readonly kind: 'file'; readonly source: string }
  | { readonly kind: 'symlink'; readonly target: string };

/** Relative path → entry, parents before children. */
type Tree = ReadonlyMap<string, TreeEntry>;

const listings = new Map<string, Tree>();
const MAX_CACHED_LISTINGS = 1000;

/**
 * The listing of an immutable directory tree (code or layer), read once. Synchronous on purpose: it runs
 * on a cold start, where a few direct system calls beat round trips through the thread pool.
 */
function listing(dir: string): Tree {
  let tree = listings.get(dir);
  if (tree === undefined) {
    if (listings.size >= MAX_CACHED_LISTINGS) listings.clear();
    tree = readTree(dir);
    listings.set(dir, tree);
  }
  return tree;
}

/**
 * SECURITY: code and layer contents are user input. Only real directories are descended into (lstat,
 * never following a link), names are single components from readdir, and a symbolic link is recreated
 * as the same link, never followed: the environment sees exactly what a read-only bind of the tree shows.
 */
function readTree(root: string): Tree {
  const out = new Map<string, TreeEntry>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const abs = join(root, path);
      if (entry.isDirectory()) {
        out.set(path, { kind: 'dir', mode: lstatSync(abs).mode & 0o7777 });
        walk(path);
      } else if (entry.isSymbolicLink()) {
        out.set(path, { kind: 'symlink', target: readlinkSync(abs) });
      } else if (entry.isFile()) {
        out.set(path, { kind: 'file', source: abs });
      }
      // Sockets, FIFOs and devices are not code: skipped.
    }
  };
  walk('');
  return out;
}

/** Several trees overlaid in order, later ones winning where paths collide (Lambda's layer order). */
function overlay(trees: readonly Tree[]): Tree {
  if (trees.length === 1) return trees[0]!;
  const out = new Map<string, TreeEntry>();
  for (const tree of trees) {
    for (const [path, entry] of tree) {
      const existing = out.get(path);
      if (existing?.kind === 'dir' && entry.kind === 'dir') continue;
      if (existing !== undefined) {
        // A file replacing a directory (or the reverse) takes the old one's whole subtree with it.
        for (const key of out.keys()) if (key.startsWith(`${path}/`)) out.delete(key);
        out.delete(path);
      }
      out.set(path, entry);
    }
  }
  // Parents before children: sorted paths put "a" before "a/b".
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Fills `target` (an empty directory) with hard links to the overlay of `sources`. */
export function linkTrees(sources: readonly string[], target: string): number {
  if (sources.length === 0) return 0;
  const tree = overlay(sources.map(listing));
  for (const [path, entry] of tree) {
    const dest = join(target, path);
    if (entry.kind === 'dir') mkdirSync(dest, { mode: entry.mode });
    else if (entry.kind === 'symlink') symlinkSync(entry.target, dest);
    else linkFile(entry.source, dest);
  }
  return tree.size;
}

function linkFile(source: string, dest: string): void {
  try {
    linkSync(source, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Code on another filesystem than the environment's directory: a copy shows the same bytes.
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    copyFileSync(source, dest);
  }
}
