// Unzips one deployment package (function code or layer) into a directory, with the checks Lambda makes
// and the ones a host must make: every entry stays inside the root, symbolic links may not point outside
// it, the unzipped size is bounded (counted from the bytes actually inflated, not the headers' claims),
// the number of entries is bounded, and Unix permission bits travel with the files (a custom runtime's `bootstrap` must stay executable).

import { createWriteStream } from 'node:fs';
import { mkdir, realpath, symlink } from 'node:fs/promises';
import { dirname, posix, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Why an archive was refused; the control service maps each kind to Lambda's error. */
export class ArchiveRejected extends Error {
  constructor(
    readonly kind: 'unreadable' | 'unsafe-path' | 'too-large' | 'too-many-entries',
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveRejected';
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
/** Linux's PATH_MAX (4096, with the terminating NUL): no symbolic link target can be longer. */
const MAX_LINK_TARGET_BYTES = 4096;
/**
 * Most entries (files, directories, links) an archive may hold. Lambda publishes no such quota; this is the
 * host's own bound on the files and inodes one upload may create (and on the time spent creating them),
 * far above any real deployment package (a large node_modules has tens of thousands of files).
 */
export const MAX_ARCHIVE_ENTRIES = 100_000;
/** Zip "version made by" host system 3 = Unix: only then do external attributes carry a mode. */
const HOST_UNIX = 3;

interface EntryKind {
  readonly type: 'file' | 'directory' | 'symlink';
  /** Permission bits to create the file with (always readable by everyone: environments run unprivileged). */
  readonly mode: number;
}

function entryKind(entry: yauzl.Entry): EntryKind {
  const unixMode =
    entry.versionMadeBy >> 8 === HOST_UNIX ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
  const type = unixMode & S_IFMT;
  if (entry.fileName.endsWith('/') || type === S_IFDIR) return { type: 'directory', mode: 0o755 };
  if (type === S_IFLNK) return { type: 'symlink', mode: 0o777 };
  const perms = unixMode & 0o777;
  // Lambda makes files readable whatever the archive says; the execute bit is what archives carry.
  const mode = perms === 0 ? 0o644 : perms | 0o444;
  return { type: 'file', mode };
}

/** Resolves `name` (a zip path) under `root`; throws when it would land outside. */
function inside(root: string, name: string): string {
  // SECURITY: entry names come from an uploaded archive. yauzl already refuses absolute paths and `..`
  // segments; this is the second fence, checked on the resolved host path.
  const target = resolve(root, name);
  if (target !== root && !target.startsWith(root + sep)) {
    throw new ArchiveRejected('unsafe-path', `entry escapes the archive root: ${name}`);
  }
  return target;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export interface ExtractResult {
  /** Bytes written (files plus symbolic link targets). */
  readonly unzippedSize: number;
}

/**
 * Extracts `zip` into `root` (an empty directory). Throws ArchiveRejected for an unreadable archive, an
 * entry or link escaping the root, or more than `maxUnzippedBytes` of content. On a throw the caller
 * discards `root`: nothing of a rejected archive is kept.
 */
export async function extractArchive(
  zip: Buffer,
  root: string,
  maxUnzippedBytes: number,
): Promise<ExtractResult> {
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true });
  } catch (err) {
    throw new ArchiveRejected('unreadable', (err as Error).message);
  }
  // SECURITY: the entry count is the end-of-central-directory record's (zip64's when present), read at
  // open; with lazyEntries yauzl reads the central directory one record at a time and yields exactly that
  // many entries. An archive declaring too many is refused before one record is read or one file written.
  if (zipfile.entryCount > MAX_ARCHIVE_ENTRIES) {
    zipfile.close();
    throw new ArchiveRejected(
      'too-many-entries',
      `the archive holds ${zipfile.entryCount} entries; at most ${MAX_ARCHIVE_ENTRIES} are accepted`,
    );
  }

  let unzippedSize = 0;
  const links: Array<{ path: string; target: string; name: string }> = [];
  const account = (bytes: number) => {
    unzippedSize += bytes;
    if (unzippedSize >= maxUnzippedBytes) {
      throw new ArchiveRejected('too-large', `unzipped size reached ${unzippedSize} bytes`);
    }
  };

  try {
    for (;;) {
      const entry = await nextEntry(zipfile);
      if (!entry) break;
      const kind = entryKind(entry);
      const path = inside(root, entry.fileName);
      if (kind.type === 'directory') {
        await mkdir(path, { recursive: true, mode: 0o755 });
        continue;
      }
      // SECURITY: a link's target is read whole into memory; yauzl holds the entry to its declared size
      // (validateEntrySizes), so a target longer than Linux's PATH_MAX is refused before any byte is read.
      if (kind.type === 'symlink' && entry.uncompressedSize >= MAX_LINK_TARGET_BYTES) {
        throw new ArchiveRejected('unsafe-path', `symbolic link ${entry.fileName} has an over-long target`);
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      const stream = await zipfile.openReadStreamPromise(entry);
      if (kind.type === 'symlink') {
        const target = (await readAll(stream)).toString('utf8');
        account(Buffer.byteLength(target));
        // Links are created after every file is written, so no write ever passes through one.
        links.push({ path, target, name: entry.fileName });
        continue;
      }
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          try {
            account(chunk.length);
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      });
      await pipeline(stream, counter, createWriteStream(path, { mode: kind.mode, flags: 'w' }));
    }
  } catch (err) {
    if (err instanceof ArchiveRejected) throw err;
    const message = (err as Error).message;
    // yauzl reports unsafe names as errors of its own; keep them apart from corrupt archives.
    if (/absolute path|invalid relative path|invalid characters/.test(message)) {
      throw new ArchiveRejected('unsafe-path', message);
    }
    throw new ArchiveRejected('unreadable', message);
  } finally {
    zipfile.close();
  }

  try {
    for (const link of links) await createLink(root, link);
    // A later link can change where an earlier one leads, so every link is checked once all exist.
    const realRoot = await realpath(root);
    for (const link of links) await assertLinkContained(realRoot, link);
  } catch (err) {
    if (err instanceof ArchiveRejected) throw err;
    throw new ArchiveRejected('unreadable', (err as Error).message);
  }
  return { unzippedSize };
}

function nextEntry(zipfile: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolvePromise, reject) => {
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolvePromise(entry);
    };
    const onEnd = () => {
      cleanup();
      resolvePromise(undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

/** Creates a symbolic link after a first, lexical check of its target. */
async function createLink(root: string, link: { path: string; target: string; name: string }) {
  // SECURITY: a link target comes from the archive. Absolute targets and targets that climb out of the
  // root, lexically here and through other links in assertLinkContained, are refused.
  if (link.target.length === 0 || posix.isAbsolute(link.target) || link.target.includes('\0')) {
    throw new ArchiveRejected('unsafe-path', `symbolic link ${link.name} points outside the archive`);
  }
  if (relative(root, resolve(dirname(link.path), link.target)).startsWith('..')) {
    throw new ArchiveRejected('unsafe-path', `symbolic link ${link.name} points outside the archive`);
  }
  await symlink(link.target, link.path);
}

/** Resolves a link as the kernel would (following other links) and refuses it if it leaves the root. */
async function assertLinkContained(realRoot: string, link: { path: string; target: string; name: string }) {
  // Not normalised on purpose: `a/..` must be resolved through `a`, which may itself be a link.
  let current = `${dirname(link.path)}/${link.target}`;
  let real: string | undefined;
  while (real === undefined) {
    try {
      real = await realpath(current);
    } catch {
      const cut = current.lastIndexOf('/');
      if (cut <= 0) real = current;
      else current = current.slice(0, cut);
    }
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new ArchiveRejected('unsafe-path', `symbolic link ${link.name} points outside the archive`);
  }
}
