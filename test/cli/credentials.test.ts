import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveClientCredentials } from '../../src/cli/credentials.js';

describe('client credentials', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-cred-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'data', 'credentials.json'),
      JSON.stringify({ accessKeyId: 'AKIAFILE', secretAccessKey: 's3cret' }),
    );
    writeFileSync(join(dir, 'bad.json'), '{}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers KINDLING_ACCESS_KEY_ID / KINDLING_SECRET_ACCESS_KEY', () => {
    assert.deepEqual(
      resolveClientCredentials({
        KINDLING_ACCESS_KEY_ID: 'AKIAENV',
        KINDLING_SECRET_ACCESS_KEY: 'envsecret',
        KINDLING_DATA_DIR: join(dir, 'data'),
      }),
      { accessKeyId: 'AKIAENV', secretAccessKey: 'envsecret' },
    );
  });

  it("reads the server's credentials.json from the data dir", () => {
    assert.deepEqual(resolveClientCredentials({ KINDLING_DATA_DIR: join(dir, 'data') }), {
      accessKeyId: 'AKIAFILE',
      secretAccessKey: 's3cret',
    });
  });

  it('says what to do when there are none', () => {
    assert.throws(
      () => resolveClientCredentials({ KINDLING_DATA_DIR: join(dir, 'nowhere') }),
      (err: Error) => err.name === 'MissingCredentials' && /KINDLING_ACCESS_KEY_ID/.test(err.message),
    );
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'credentials.json'), '{"accessKeyId": ""}');
    assert.throws(
      () => resolveClientCredentials({ KINDLING_DATA_DIR: join(dir, 'broken') }),
      (err: Error) => err.name === 'InvalidCredentials',
    );
  });
});
