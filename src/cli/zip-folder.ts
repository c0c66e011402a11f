// Packs a folder into a Lambda deployment package. Entries are sorted and stamped with one fixed time, so
// the same files give the same zip and the same CodeSha256 (an unchanged deploy is a no-op). File modes
// are kept: a custom runtime's `bootstrap` must stay executable.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { CliError } from './output.js';

const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

export async function zipFolder(dir: string): Promise<Buffer> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError('InvalidArgument', `${dir} is not a folder`);
  }
  const zip = new ZipFile();
  addEntries(zip, dir, '');
  const done = collect(zip.outputStream);
  zip.end();
  return done;
}

function addEntries(zip: ZipFile, dir: string, prefix: string): void {
  for (const name of readdirSync(dir).sort()) {
    const real = join(dir, name);
    const path = prefix + name;
    // Symbolic links are followed, as `zip -r` does by default; a dangling link is an error.
    const stat = statSync(real, { throwIfNoEntry: false });
    if (stat === undefined) {
      throw new CliError('InvalidArgument', `${real} is a symbolic link to nothing`);
    }
    if (stat.isDirectory()) {
      zip.addEmptyDirectory(path, { mtime: FIXED_MTIME, mode: 0o40755 });
      addEntries(zip, real, `${path}/`);
    } else if (stat.isFile()) {
      zip.addFile(real, path, { mtime: FIXED_MTIME, mode: stat.mode });
    }
  }
}

function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
