import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArchiveRejected, MAX_ARCHIVE_ENTRIES, extractArchive } from '../../src/control/artifacts-extract.js';
import { createArtifactStorage } from '../../src/control/artifacts.js';
import { controlSchema, createSqliteStore } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { makeZip, manyEntriesZip, renameEntry } from './zips.js';

describe('code artifacts', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-artifacts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const storage = (graceMs?: number) => {
    const db = openDatabase(join(dir, 'db'), [controlSchema]);
    return createArtifactStorage(
      createSqliteStore(db),
      join(dir, 'data'),
      graceMs === undefined ? {} : { graceMs },
    );
  };

  it('stores content-addressed, unzips once, keeps executable bits, leaves the tree read-only', async () => {
    const zip = await makeZip([
      { name: 'bootstrap', content: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'lib/', directory: true },
      { name: 'lib/data.txt', content: 'data', mode: 0o100600 },
      { name: 'link-to-data', content: 'lib/data.txt', mode: 0o120777 },
    ]);
    const artifacts = storage();
    const a = await artifacts.ingest(zip);
    const digest = createHash('sha256').update(zip).digest();
    assert.equal(a.sha256Hex, digest.toString('hex'));
    assert.equal(a.codeSha256, digest.toString('base64'));
    assert.equal(a.codeSize, zip.length);
    assert.equal(a.dir, join(dir, 'data', 'code', a.sha256Hex));
    assert.deepEqual(readFileSync(join(dir, 'data', 'code', `${a.sha256Hex}.zip`)), zip);
    assert.equal(lstatSync(join(a.dir, 'bootstrap')).mode & 0o777, 0o555);
    // Made readable for everyone (environments run unprivileged), write bits removed.
    assert.equal(lstatSync(join(a.dir, 'lib', 'data.txt')).mode & 0o777, 0o444);
    assert.equal(lstatSync(join(a.dir, 'lib')).mode & 0o777, 0o555);
    assert.equal(readlinkSync(join(a.dir, 'link-to-data')), 'lib/data.txt');
    assert.equal(a.unzippedSize, 'data'.length + '#!/bin/sh\necho hi\n'.length + 'lib/data.txt'.length);

    const again = await artifacts.ingest(zip);
    assert.equal(again.sha256Hex, a.sha256Hex);
    assert.deepEqual(
      readdirSync(join(dir, 'data', 'code')).filter((n) => n.startsWith('.staging')),
      [],
    );
  });

  it('keeps a pinned artifact until released, then removes it when unreferenced', async () => {
    const artifacts = storage(0);
    const pinned = await artifacts.ingest(await makeZip([{ name: 'a.txt', content: 'pinned' }]));
    await artifacts.removeIfUnreferenced(pinned.sha256Hex);
    assert.equal(existsSync(pinned.dir), true);
    pinned.release();
    await artifacts.removeIfUnreferenced(pinned.sha256Hex);
    assert.equal(existsSync(pinned.dir), false);
    assert.equal(existsSync(artifacts.archiveOf(pinned.sha256Hex)), false);
  });

  it('sweeps unreferenced artifacts and staging leftovers at startup', async () => {
    const first = storage(0);
    const a = await first.ingest(await makeZip([{ name: 'b.txt', content: 'left over' }]));
    a.release();
    const { mkdirSync, utimesSync } = await import('node:fs');
    const leftover = join(dir, 'data', 'code', '.staging-crashed');
    mkdirSync(leftover, { recursive: true });
    utimesSync(leftover, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await storage(0).sweep();
    assert.equal(existsSync(a.dir), false);
    assert.equal(existsSync(join(dir, 'data', 'code', '.staging-crashed')), false);
  });

  const rejects = async (zip: Buffer, kind: ArchiveRejected['kind']) => {
    const root = mkdtempSync(join(dir, 'x-'));
    const target = join(root, 'root');
    rmSync(target, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(target);
    await assert.rejects(extractArchive(zip, target, 1_000_000), (err: unknown) => {
      assert.ok(err instanceof ArchiveRejected, String(err));
      assert.equal(err.kind, kind);
      return true;
    });
    return root;
  };

  /** The storage refuses the archive and keeps nothing of it: no code, no zip, no staging directory. */
  const refusedAndNothingStored = async (zip: Buffer) => {
    await assert.rejects(storage().ingest(zip), ArchiveRejected);
    const codeDir = join(dir, 'data', 'code');
    const hex = createHash('sha256').update(zip).digest('hex');
    assert.equal(existsSync(join(codeDir, hex)), false);
    assert.equal(existsSync(join(codeDir, `${hex}.zip`)), false);
    assert.deepEqual(
      readdirSync(codeDir).filter((n) => n.startsWith('.staging')),
      [],
    );
  };

  it('refuses entries that climb out of the root, and the storage keeps nothing', async () => {
    const zip = renameEntry(
      await makeZip([{ name: 'aa/evil.txt', content: 'x' }]),
      'aa/evil.txt',
      '../evil.txt',
    );
    const root = await rejects(zip, 'unsafe-path');
    assert.equal(existsSync(join(root, 'evil.txt')), false);

    await refusedAndNothingStored(zip);
    assert.equal(existsSync(join(dir, 'data', 'evil.txt')), false);
  });

  it('refuses absolute entry names', async () => {
    const zip = renameEntry(await makeZip([{ name: 'tmp/evil', content: 'x' }]), 'tmp/evil', '/tmp/evi');
    await rejects(zip, 'unsafe-path');
  });

  it('refuses symbolic links that point outside, directly or through another link', async () => {
    await rejects(await makeZip([{ name: 'l', content: '../../etc/passwd', mode: 0o120777 }]), 'unsafe-path');
    await rejects(await makeZip([{ name: 'l', content: '/etc/passwd', mode: 0o120777 }]), 'unsafe-path');
    await rejects(
      await makeZip([
        { name: 'y', content: '.', mode: 0o120777 },
        { name: 'x', content: 'y/..', mode: 0o120777 },
      ]),
      'unsafe-path',
    );
  });

  it('refuses a symbolic link whose target is longer than any path, without reading it into memory', async () => {
    // 64 MiB of link target (64 KiB zipped), well inside the unzipped quota.
    const zip = await makeZip([{ name: 'l', content: Buffer.alloc(64 * 1024 * 1024, 'a'), mode: 0o120777 }]);
    const root = mkdtempSync(join(dir, 'long-link-'));
    await assert.rejects(extractArchive(zip, root, 262_144_000), (err: unknown) => {
      assert.ok(err instanceof ArchiveRejected, String(err));
      assert.equal(err.kind, 'unsafe-path');
      return true;
    });
    assert.deepEqual(readdirSync(root), []);
  });

  it('refuses an archive of more than 100,000 entries before reading one, writing nothing', async () => {
    // The same zip64 layout with a few entries unzips: the refusal is about the count, not the format.
    const small = mkdtempSync(join(dir, 'few-entries-'));
    await extractArchive(manyEntriesZip(3), small, 1_000_000);
    assert.deepEqual(readdirSync(small).sort(), ['f0', 'f1', 'f2']);

    const zip = manyEntriesZip(MAX_ARCHIVE_ENTRIES + 1);
    const root = mkdtempSync(join(dir, 'many-entries-'));
    const started = performance.now();
    await assert.rejects(extractArchive(zip, root, 262_144_000), (err: unknown) => {
      assert.ok(err instanceof ArchiveRejected, String(err));
      assert.equal(err.kind, 'too-many-entries');
      assert.match(err.message, /100001 entries/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.deepEqual(readdirSync(root), []);
    // Refused from the end record alone: well under what reading 100,001 central records takes.
    assert.ok(elapsed < 1_000, `refusing took ${Math.round(elapsed)} ms`);

    await refusedAndNothingStored(zip);
  });

  it('refuses what is not a zip, and stops at the unzipped limit counting real bytes', async () => {
    await rejects(Buffer.from('not a zip at all'), 'unreadable');
    const big = await makeZip([{ name: 'big.bin', content: Buffer.alloc(2_000_000) }]);
    await rejects(big, 'too-large');
  });
});
