// Keeps a function's code read-only on disk (Lambda's /var/task is read-only): write bits are removed
// from its files once per code directory, before the first environment runs from it. Directories keep
// theirs so the control plane can still delete a version's code without first restoring permissions.

import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const done = new Map<string, Promise<void>>();

export function makeReadOnly(dir: string): Promise<void> {
  let p = done.get(dir);
  if (p === undefined) {
    p = stripWriteBits(dir);
    done.set(dir, p);
    p.catch(() => done.delete(dir));
  }
  return p;
}

async function stripWriteBits(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await stripWriteBits(join(path, name));
    return;
  }
  if ((info.mode & 0o222) !== 0) await chmod(path, info.mode & 0o7555);
}
