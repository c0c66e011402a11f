import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yauzl from 'yauzl';
import { zipFolder } from '../../src/cli/zip-folder.js';

interface Entry {
  name: string;
  mode: number;
  content: string;
}

function readZip(zip: Buffer): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const entries: Entry[] = [];
      file.on('entry', (entry: yauzl.Entry) => {
        const mode = (entry.externalFileAttributes >>> 16) & 0o777;
        if (entry.fileName.endsWith('/')) {
          entries.push({ name: entry.fileName, mode, content: '' });
          return file.readEntry();
        }
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.push({ name: entry.fileName, mode, content: Buffer.concat(chunks).toString() });
            file.readEntry();
          });
        });
      });
      file.on('end', () => resolve(entries));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

describe('zipFolder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-zip-'));
    writeFileSync(join(dir, 'bootstrap'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'bootstrap'), 0o755);
    writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => 1;\n');
    chmodSync(join(dir, 'index.mjs'), 0o644);
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'util.js'), 'module.exports = 2;\n');
    symlinkSync('index.mjs', join(dir, 'alias.mjs'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packs every file with its path, content and executable bit', async () => {
    const entries = await readZip(await zipFolder(dir));
    assert.deepEqual(
      entries.map((e) => [e.name, e.mode.toString(8)]),
      [
        ['alias.mjs', '644'],
        ['bootstrap', '755'],
        ['index.mjs', '644'],
        ['lib/', '755'],
        ['lib/util.js', '644'],
      ],
    );
    assert.equal(entries.find((e) => e.name === 'bootstrap')?.content, '#!/bin/sh\necho hi\n');
    assert.equal(
      entries.find((e) => e.name === 'alias.mjs')?.content,
      'export const handler = async () => 1;\n',
    );
  });

  it('gives the same bytes for the same files, and different bytes after a change', async () => {
    const a = await zipFolder(dir);
    const b = await zipFolder(dir);
    assert.ok(a.equals(b));
    writeFileSync(join(dir, 'lib', 'util.js'), 'module.exports = 3;\n');
    assert.ok(!(await zipFolder(dir)).equals(a));
  });

  it('refuses a path that is not a folder', async () => {
    await assert.rejects(zipFolder(join(dir, 'bootstrap')), /is not a folder/);
    await assert.rejects(zipFolder(join(dir, 'missing')), /is not a folder/);
  });
});
