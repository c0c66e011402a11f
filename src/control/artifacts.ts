// Code artifacts: deployment packages stored content-addressed under DATA_DIR/code. The archive is kept as
// DATA_DIR/code/<sha256-hex>.zip (served back by GetFunction's Code.Location) and unzipped exactly once
// into DATA_DIR/code/<sha256-hex>/, read-only, which is what environments mount at /var/task or /opt.
// The base64 of the same SHA-256 is Lambda's CodeSha256.

import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CodeArtifactRecord, Store } from '../store/index.js';
import { ArchiveRejected, MAX_ARCHIVE_ENTRIES, extractArchive } from './artifacts-extract.js';

/** Lambda's quota for function code plus layers, unzipped (GetAccountSettings CodeSizeUnzipped). */
export const CODE_SIZE_UNZIPPED_LIMIT = 262_144_000;
/** Lambda's quota for a zip uploaded directly (GetAccountSettings CodeSizeZipped). */
export const CODE_SIZE_ZIPPED_LIMIT = 52_428_800;

export interface CodeArtifact extends CodeArtifactRecord {
  /** Host directory with the unzipped content, read-only. */
  readonly dir: string;
}

/** An artifact held for an operation that has not committed its reference yet. */
export interface PinnedArtifact extends CodeArtifact {
  /** Ends the hold; call once the operation committed (or failed). */
  release(): void;
}

export interface ArtifactStorage {
  /**
   * Stores and unzips an archive (once per distinct content) and pins it until released, so a concurrent
   * delete of another function with the same code cannot remove it before this operation commits.
   * Throws ArchiveRejected when the archive is unreadable, unsafe or larger than the unzipped limit.
   */
  ingest(zip: Buffer): Promise<PinnedArtifact>;
  /** Host directory of an artifact's unzipped content. */
  dirOf(sha256Hex: string): string;
  /** Path of an artifact's zip archive. */
  archiveOf(sha256Hex: string): string;
  /** Removes an artifact once nothing references it (after the grace period environments need). */
  removeIfUnreferenced(sha256Hex: string): Promise<void>;
  /** Removes every unreferenced artifact and leftover staging directory (at startup). */
  sweep(): Promise<void>;
}

export interface ArtifactStorageOptions {
  /**
   * How long an unreferenced artifact stays on disk: environments draining after a delete or an update
   * may still read their code (default: Lambda's longest timeout plus a margin).
   */
  readonly graceMs?: number;
}

export function createArtifactStorage(
  store: Store,
  dataDir: string,
  options: ArtifactStorageOptions = {},
): ArtifactStorage {
  const codeRoot = join(dataDir, 'code');
  const graceMs = options.graceMs ?? 930_000;
  const dirOf = (hex: string) => join(codeRoot, hex);
  const archiveOf = (hex: string) => join(codeRoot, `${hex}.zip`);
  // Two uploads of the same archive at once share one extraction.
  const inFlight = new Map<string, Promise<CodeArtifact>>();
  const pins = new Map<string, number>();
  const startedAt = Date.now();

  const pin = (hex: string) => pins.set(hex, (pins.get(hex) ?? 0) + 1);
  const unpin = (hex: string) => {
    const n = (pins.get(hex) ?? 1) - 1;
    if (n <= 0) pins.delete(hex);
    else pins.set(hex, n);
  };

  async function unzipOnce(zip: Buffer, hex: string, codeSha256: string): Promise<CodeArtifact> {
    const known = store.getArtifact(hex);
    if (known && existsSync(dirOf(hex)) && existsSync(archiveOf(hex))) return { ...known, dir: dirOf(hex) };

    await mkdir(codeRoot, { recursive: true });
    // Extract beside the final place and rename on success: a rejected or interrupted archive leaves
    // nothing where environments look.
    const staging = join(codeRoot, `${STAGING_PREFIX}${hex}-${randomUUID()}`);
    await mkdir(staging, { mode: 0o755 });
    try {
      const { unzippedSize } = await extractArchive(zip, staging, CODE_SIZE_UNZIPPED_LIMIT);
      await makeReadOnly(staging);
      await writeFile(`${staging}.zip`, zip, { mode: 0o444 });
      await rename(`${staging}.zip`, archiveOf(hex));
      if (existsSync(dirOf(hex))) await removeTree(dirOf(hex));
      await rename(staging, dirOf(hex));
      const record: CodeArtifactRecord = {
        sha256Hex: hex,
        codeSha256,
        codeSize: zip.length,
        unzippedSize,
        createdAt: new Date().toISOString(),
      };
      store.putArtifact(record);
      return { ...record, dir: dirOf(hex) };
    } finally {
      await removeTree(staging);
      await rm(`${staging}.zip`, { force: true });
    }
  }

  async function removeNow(hex: string): Promise<void> {
    if (pins.has(hex) || inFlight.has(hex) || store.isArtifactReferenced(hex)) return;
    store.deleteArtifact(hex);
    await removeTree(dirOf(hex));
    await rm(archiveOf(hex), { force: true });
  }

  return {
    dirOf,
    archiveOf,
    async ingest(zip) {
      const digest = createHash('sha256').update(zip).digest();
      const hex = digest.toString('hex');
      pin(hex);
      try {
        let work = inFlight.get(hex);
        if (!work) {
          work = unzipOnce(zip, hex, digest.toString('base64')).finally(() => inFlight.delete(hex));
          inFlight.set(hex, work);
        }
        const artifact = await work;
        let held = true;
        return {
          ...artifact,
          release: () => {
            if (held) unpin(hex);
            held = false;
          },
        };
      } catch (err) {
        unpin(hex);
        throw err;
      }
    },
    async removeIfUnreferenced(hex) {
      if (store.isArtifactReferenced(hex)) return;
      if (graceMs <= 0) return removeNow(hex);
      // Checked again when the timer fires: the artifact may be in use again by then.
      setTimeout(() => {
        removeNow(hex).catch(() => undefined);
      }, graceMs).unref();
    },
    async sweep() {
      if (!existsSync(codeRoot)) return;
      for (const name of await readdir(codeRoot)) {
        if (!name.startsWith(STAGING_PREFIX)) continue;
        // Only what a previous run left: an upload may be extracting right now.
        const path = join(codeRoot, name);
        if ((await lstat(path)).mtimeMs < startedAt) await removeTree(path);
      }
      for (const artifact of store.listArtifacts()) await removeNow(artifact.sha256Hex);
    },
  };
}

const STAGING_PREFIX = '.staging-';

/** chmod -R a-w, without following symbolic links (chmod on a link would change its target). */
async function makeReadOnly(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await makeReadOnly(join(path, name));
  }
  await chmod(path, info.mode & 0o555);
}

/** rm -rf that also works on the read-only trees makeReadOnly leaves behind. */
async function removeTree(path: string): Promise<void> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(path);
  } catch {
    return;
  }
  if (info.isDirectory()) {
    await chmod(path, 0o755);
    for (const name of await readdir(path)) await removeTree(join(path, name));
  }
  await rm(path, { recursive: true, force: true });
}

export { ArchiveRejected, MAX_ARCHIVE_ENTRIES };
