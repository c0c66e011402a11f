// Builds what a function sees at /opt: its layers merged in order, later layers winning where paths
// collide (Lambda extracts layers to /opt in the configured order). Files are hard-linked (copied when
// the layer lives on another filesystem) so that module resolution sees one real tree, and each distinct
// layer set is merged once and shared by every environment that uses it.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';

export class LayerMerger {
  private readonly merged = new Map<string, Promise<string>>();

  /** @param root directory the merged trees live under (owned by the driver). */
  constructor(private readonly root: string) {}

  /** Host directory holding the merge of `layerDirs` (an empty directory when there are none). */
  mergedDir(layerDirs: readonly string[]): Promise<string> {
    const key =
      layerDirs.length === 0 ? 'empty' : createHash('sha256').update(layerDirs.join('\0')).digest('hex');
    let dir = this.merged.get(key);
    if (dir === undefined) {
      dir = this.build(key, layerDirs);
      this.merged.set(key, dir);
      // A failed merge is retried by the next environment rather than cached.
      dir.catch(() => this.merged.delete(key));
    }
    return dir;
  }

  forget(): void {
    this.merged.clear();
  }

  private async build(key: string, layerDirs: readonly string[]): Promise<string> {
    const target = join(this.root, key);
    if (await exists(target)) return target;
    const staging = join(this.root, `.${key}.${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    for (const layer of layerDirs) await overlay(layer, staging);
    try {
      await rename(staging, target);
    } catch (err) {
      // Another merge of the same set finished first: theirs is identical.
      await rm(staging, { recursive: true, force: true });
      if (!(await exists(target))) throw err;
    }
    return target;
  }
}

/** Copies `from` over `to` as links; what `from` holds replaces what `to` had at the same path. */
async function overlay(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) {
      const existing = await lstat(dst).catch(() => null);
      if (existing !== null && !existing.isDirectory()) await rm(dst, { force: true });
      await mkdir(dst, { recursive: true });
      await overlay(src, dst);
      continue;
    }
    await rm(dst, { recursive: true, force: true });
    if (entry.isSymbolicLink()) {
      await symlink(await readlink(src), dst);
    } else if (entry.isFile()) {
      await link(src, dst).catch(() => copyFile(src, dst));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
