import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type FunctionVersionRecord,
  type Store,
  controlSchema,
  createSqliteStore,
} from '../../src/store/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';

const hex = (c: string) => c.repeat(64);

const version = (
  functionName: string,
  v: string,
  codeHex: string,
  layerHex?: string,
): FunctionVersionRecord => ({
  functionName,
  version: v,
  description: '',
  role: 'arn:aws:iam::000000000000:role/r',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  memorySize: 128,
  timeout: 3,
  ephemeralStorageSize: 512,
  architectures: ['x86_64'],
  packageType: 'Zip',
  tracingMode: 'PassThrough',
  logging: { logFormat: 'Text', logGroup: `/aws/lambda/${functionName}` },
  layers: layerHex
    ? [
        {
          arn: 'arn:aws:lambda:us-east-1:000000000000:layer:l:1',
          sha256Hex: layerHex,
          codeSha256: 'x',
          codeSize: 5,
        },
      ]
    : [],
  snapStartApplyOn: 'None',
  code: { sha256Hex: codeHex, codeSha256: 'y', codeSize: 100 },
  revisionId: `rev-${v}`,
  contentRevision: `content-${v}`,
  lastModified: '2024-01-01T00:00:00.000Z',
});

describe('SQLite control store', () => {
  let dir: string;
  let db: ReturnType<typeof openDatabase>;
  let store: Store;
  const reopen = () => {
    db?.close();
    db = openDatabase(dir, [controlSchema]);
    store = createSqliteStore(db);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-store-'));
    reopen();
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps functions with versions ordered $LATEST first, then numerically', () => {
    store.createFunction(
      { name: 'f', createdAt: 'now', nextVersion: 1, tags: { a: 'b' } },
      version('f', '$LATEST', hex('a')),
    );
    for (const v of ['10', '2', '1']) store.putVersion(version('f', v, hex('a')));
    assert.deepEqual(
      store.listVersions('f').map((v) => v.version),
      ['$LATEST', '1', '2', '10'],
    );
    assert.deepEqual(store.getFunction('f')?.tags, { a: 'b' });
    store.updateFunction({ name: 'f', createdAt: 'now', nextVersion: 11, tags: {} });
    reopen();
    assert.equal(store.getFunction('f')?.nextVersion, 11);
    assert.equal(store.getVersion('f', '2')?.revisionId, 'rev-2');
    assert.throws(() =>
      store.createFunction(
        { name: 'f', createdAt: 'now', nextVersion: 1, tags: {} },
        version('f', '$LATEST', hex('a')),
      ),
    );
  });

  it('rolls back a failed transaction', () => {
    assert.throws(() =>
      store.transaction(() => {
        store.putVersion(version('f', '99', hex('a')));
        throw new Error('boom');
      }),
    );
    assert.equal(store.getVersion('f', '99'), undefined);
  });

  it('deletes a function with its versions and aliases', () => {
    store.putAlias({
      functionName: 'f',
      name: 'live',
      functionVersion: '1',
      description: '',
      revisionId: 'r',
    });
    assert.equal(store.listAliases('f').length, 1);
    store.deleteFunction('f');
    assert.equal(store.getFunction('f'), undefined);
    assert.deepEqual(store.listVersions('f'), []);
    assert.deepEqual(store.listAliases('f'), []);
  });

  it('numbers layer versions without reuse, across restarts', () => {
    assert.equal(store.reserveLayerVersion('l'), 1);
    assert.equal(store.reserveLayerVersion('l'), 2);
    reopen();
    assert.equal(store.reserveLayerVersion('l'), 3);
    assert.equal(store.reserveLayerVersion('other'), 1);
  });

  it('knows which artifacts are referenced, including through function layers', () => {
    store.putArtifact({
      sha256Hex: hex('b'),
      codeSha256: 'b',
      codeSize: 1,
      unzippedSize: 2,
      createdAt: 'now',
    });
    assert.equal(store.getArtifact(hex('b'))?.unzippedSize, 2);
    assert.equal(store.isArtifactReferenced(hex('b')), false);
    store.createFunction(
      { name: 'g', createdAt: 'now', nextVersion: 1, tags: {} },
      version('g', '$LATEST', hex('c'), hex('b')),
    );
    assert.equal(store.isArtifactReferenced(hex('b')), true);
    assert.equal(store.isArtifactReferenced(hex('c')), true);
    store.putLayerVersion({
      layerName: 'l',
      version: 3,
      description: '',
      compatibleRuntimes: [],
      compatibleArchitectures: [],
      createdDate: 'now',
      code: { sha256Hex: hex('d'), codeSha256: 'd', codeSize: 7 },
    });
    assert.equal(store.isArtifactReferenced(hex('d')), true);
    assert.deepEqual(store.listLayerNames(), ['l']);
    assert.equal(store.totalCodeSize(), 100 + 7);
    store.deleteLayerVersion('l', 3);
    assert.equal(store.isArtifactReferenced(hex('d')), false);
    store.deleteArtifact(hex('b'));
    assert.equal(store.getArtifact(hex('b')), undefined);
  });
});
