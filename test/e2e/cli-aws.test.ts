// The AWS CLI v2 against a real server: create-function with fileb:// zips, list, get, waiters, errors.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { handlerZip } from '../control/zips.js';
import { type KindlingHandle, startKindling } from '../helpers/server.js';

const run = promisify(execFile);
/** AWS CLI v2; the `aws` first on PATH may be an old v1 shim. */
const AWS = '/usr/bin/aws';
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

describe('AWS CLI v2', { timeout: 120_000 }, () => {
  let kindling: KindlingHandle;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    kindling = await startKindling();
    work = mkdtempSync(join(tmpdir(), 'kindling-cli-'));
    env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_ACCESS_KEY_ID: kindling.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kindling.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: kindling.region,
      AWS_CONFIG_FILE: join(work, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
      AWS_PAGER: '',
    };
  });
  after(async () => {
    await kindling?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      AWS,
      ['lambda', ...args, '--endpoint-url', kindling.endpoint, '--output', 'json'],
      {
        env,
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };

  it('create-function --zip-file fileb://, then list-functions and get-function', async () => {
    const zipPath = join(work, 'function.zip');
    writeFileSync(zipPath, await handlerZip());
    const created = await aws(
      'create-function',
      '--function-name',
      'cli-fn',
      '--runtime',
      'nodejs20.x',
      '--role',
      ROLE,
      '--handler',
      'index.handler',
      '--zip-file',
      `fileb://${zipPath}`,
      '--environment',
      'Variables={MODE=cli}',
    );
    assert.equal(created.FunctionName, 'cli-fn');
    assert.equal(created.State, 'Pending');
    assert.deepEqual(created.Environment, { Variables: { MODE: 'cli' } });

    await run(
      AWS,
      [
        'lambda',
        'wait',
        'function-active-v2',
        '--function-name',
        'cli-fn',
        '--endpoint-url',
        kindling.endpoint,
      ],
      {
        env,
      },
    );

    const listed = await aws('list-functions');
    assert.deepEqual(
      (listed.Functions as Array<{ FunctionName: string }>).map((f) => f.FunctionName),
      ['cli-fn'],
    );

    const got = await aws('get-function', '--function-name', 'cli-fn');
    const configuration = got.Configuration as Record<string, unknown>;
    assert.equal(configuration.State, 'Active');
    assert.equal(configuration.Runtime, 'nodejs20.x');
    assert.equal((got.Code as Record<string, unknown>).RepositoryType, 'S3');
  });

  it('update-function-code and publish-version', async () => {
    const zipPath = join(work, 'function-v2.zip');
    writeFileSync(zipPath, await handlerZip('exports.handler = async () => "v2";'));
    const updated = await aws(
      'update-function-code',
      '--function-name',
      'cli-fn',
      '--zip-file',
      `fileb://${zipPath}`,
      '--publish',
    );
    assert.equal(updated.Version, '1');
    await run(
      AWS,
      [
        'lambda',
        'wait',
        'function-updated-v2',
        '--function-name',
        'cli-fn',
        '--endpoint-url',
        kindling.endpoint,
      ],
      {
        env,
      },
    );
  });

  it('reports errors the way the CLI prints them', async () => {
    await assert.rejects(aws('get-function', '--function-name', 'missing-fn'), (err: unknown) => {
      const e = err as { code: number; stderr: string };
      assert.equal(e.code, 254);
      assert.match(
        e.stderr,
        /An error occurred \(ResourceNotFoundException\) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:\d{12}:function:missing-fn/,
      );
      return true;
    });
  });
});
