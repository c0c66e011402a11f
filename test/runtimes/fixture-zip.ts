// Zips a fixture folder (or several folders into one archive) the way a user would upload it: paths
// relative to the folder, Unix modes kept (a custom runtime's `bootstrap` must stay executable).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import yazl from 'yazl';
import { fixturesDir } from './guest.js';

/** A folder to add, optionally under a prefix inside the archive (e.g. "nodejs/node_modules/x/"). */
export interface ZipSource {
  readonly dir: string;
  readonly prefix?: string;
}

function addTree(zip: yazl.ZipFile, root: string, dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) addTree(zip, root, path, prefix);
    else
      zip.addBuffer(readFileSync(path), prefix + relative(root, path), {
        mode: 0o100000 | (stat.mode & 0o777),
      });
  }
}

export function zipFolders(sources: readonly ZipSource[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const s of sources) addTree(zip, s.dir, s.dir, s.prefix ?? '');
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** The zip of test/fixtures/functions/NAME. */
export const zipFixture = (name: string): Promise<Buffer> => zipFolders([{ dir: join(fixturesDir, name) }]);
