// Zips a fixture folder (or several folders into one archive) the way a user would upload it: paths
// relative to the folder, Unix modes kept (a custom runtime's `bootstrap` must stay executable).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type ZipEntry, makeZip } from '../helpers/zip.js';
import { fixturesDir } from './guest.js';

/** A folder to add, optionally under a prefix inside the archive (e.g. "nodejs/node_modules/x/"). */
export interface ZipSource {
  readonly dir: string;
  readonly prefix?: string;
}

function addTree(entries: ZipEntry[], root: string, dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) addTree(entries, root, path, prefix);
    else
      entries.push({
        name: prefix + relative(root, path),
        content: readFileSync(path),
        mode: 0o100000 | (stat.mode & 0o777),
      });
  }
}

export function zipFolders(sources: readonly ZipSource[]): Promise<Buffer> {
  const entries: ZipEntry[] = [];
  for (const s of sources) addTree(entries, s.dir, s.dir, s.prefix ?? '');
  return makeZip(entries);
}

/** The zip of test/fixtures/functions/NAME. */
export const zipFixture = (name: string): Promise<Buffer> => zipFolders([{ dir: join(fixturesDir, name) }]);
