// /opt of an environment: its layers, read-only, later layers winning where paths collide (Lambda extracts
// layers into /opt in order). One layer is bound as it is; several are merged once per distinct list into a
// cached directory of hard links (no copying, and it is immutable like the layers themselves).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The host directory to bind at /opt, or undefined for an empty /opt. */
export async function optSource(layerDirs: readonly string[], cacheDir: string): Promise<string | undefined> {
  if (layerDirs.length === 0) return undefined;
  if (layerDirs.length === 1) return layerDirs[0];
  const key = createHash('sha256').update(layerDirs.join('\0')).digest('hex').slice(0, 24);
  const merged = join(cacheDir, key);
  if (existsSync(merged)) return merged;
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  const building = `${merged}.${process.pid}.${Date.now()}.tmp`;
  await mkdir(building, { mode: 0o755 });
  try {
    for (const layer of layerDirs) await mergeInto(layer, building);
    await rename(building, merged);
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    // Another environment of the same version finished the same merge first: use it.
    if (existsSync(merged)) return merged;
    throw err;
  }
  return merged;
}

/**
 * Copies the tree at src over dst, replacing what is there.
 * SECURITY: layer contents are user input. Only real directories created here are descended into, entries
 * are single path components from readdir, and existing entries are replaced, never written through, so a
 * symlink in one layer can never redirect a later layer's files to a host path.
 */
async function mergeInto(src: string, dst: string): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    if (entry.isDirectory()) {
      const existing = await lstat(to).catch(() => undefined);
      if (existing && !existing.isDirectory()) await rm(to, { recursive: true, force: true });
      if (!existing || !existing.isDirectory()) await mkdir(to, { mode: (await lstat(from)).mode & 0o7777 });
      await mergeInto(from, to);
    } else if (entry.isSymbolicLink()) {
      await rm(to, { recursive: true, force: true });
      await symlink(await readlink(from), to);
    } else if (entry.isFile()) {
      await rm(to, { recursive: true, force: true });
      await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
        await copyFile(from, to);
      });
    }
    // Sockets, FIFOs and devices are not layer content: skipped.
  }
}
