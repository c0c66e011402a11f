// The `kindling` command against a real server: deploy a folder, invoke, list, read logs (also with
// `aws logs tail`), update in place, and the error path. Client credentials come from the server's
// credentials.json in its data dir, as they do for a user running the client beside `kindling serve`.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type KindlingHandle, repoRoot, startKindling } from '../helpers/server.js';

const execFileP = promisify(execFile);
const bin = join(repoRoot, 'bin', 'kindling.js');
const fixture = join(repoRoot, 'test', 'fixtures', 'functions', 'cli-hello');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kindling CLI', { timeout: 120_000 }, () => {
  let server: KindlingHandle;
  let env: NodeJS.ProcessEnv;

  const kindling = (...args: string[]) => kindlingWith(env, ...args);
  async function kindlingWith(withEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> {
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [bin, ...args], {
        env: withEnv,
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  before(async () => {
    // No configured keys: the server generates a pair into <data dir>/credentials.json on first start.
    server = await startKindling({
      env: { KINDLING_ACCESS_KEY_ID: '', KINDLING_SECRET_ACCESS_KEY: '' },
    });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KINDLING_ENDPOINT: server.endpoint,
      KINDLING_DATA_DIR: server.dataDir,
    };
  });
  after(async () => {
    await server?.stop();
  });

  it('deploy creates the function from a folder and prints its ARN', async () => {
    const r = await kindling(
      'deploy',
      fixture,
      '--name',
      'cli-hello',
      '--runtime',
      'nodejs20.x',
      '--handler',
      'index.handler',
      '--env',
      'GREETING=hi',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^arn:aws:lambda:us-east-1:\d{12}:function:cli-hello$/);
  });

  it('invoke prints the response, and the log tail with --tail', async () => {
    const r = await kindling('invoke', 'cli-hello', '--payload', '{"name":"kindling"}', '--tail');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { greeting: 'hi kindling' });
    assert.match(r.stderr, /START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    assert.match(r.stderr, /hello from cli-hello \{"name":"kindling"\}/);
    assert.match(r.stderr, /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms/);
  });

  it('invoke exits 1 on a function error and prints the error payload', async () => {
    const r = await kindling('invoke', 'cli-hello', '--payload', '{"fail":true}');
    assert.equal(r.code, 1);
    const payload = JSON.parse(r.stdout) as { errorType: string; errorMessage: string };
    assert.equal(payload.errorMessage, 'asked to fail');
    assert.match(r.stderr, /function error \(Unhandled\)/);
  });

  it('deploy again updates code and configuration in place', async () => {
    const r = await kindling(
      'deploy',
      fixture,
      '--name',
      'cli-hello',
      '--env',
      'GREETING=howdy',
      '--memory',
      '256',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /:function:cli-hello$/);
    const invoked = await kindling('invoke', 'cli-hello', '--payload', '{"name":"again"}');
    assert.deepEqual(JSON.parse(invoked.stdout), { greeting: 'howdy again' });
  });

  it('ls shows the function in a table', async () => {
    const r = await kindling('ls');
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trim().split('\n');
    assert.match(header ?? '', /^NAME\s+RUNTIME\s+MEMORY\s+LAST MODIFIED$/);
    assert.equal(rows.length, 1);
    assert.match(rows[0] ?? '', /^cli-hello\s+nodejs20\.x\s+256 MB\s+\d{4}-\d{2}-\d{2}T/);
  });

  it('logs prints START, application, END and REPORT lines', async () => {
    let out = '';
    await eventually(async () => {
      out = (await kindling('logs', 'cli-hello', '--since', '5m')).stdout;
      return (out.match(/^REPORT RequestId/gm) ?? []).length >= 3;
    }, 'three REPORT lines');
    const lines = out.trim().split('\n');
    assert.ok(lines.some((l) => /^START RequestId: \S+ Version: \$LATEST$/.test(l)));
    assert.ok(lines.some((l) => /^END RequestId: \S+$/.test(l)));
    assert.ok(lines.some((l) => l.includes('hello from cli-hello {"name":"kindling"}')));
    const filtered = (await kindling('logs', 'cli-hello', '--filter', '"asked to fail"')).stdout;
    assert.ok(
      filtered.trim().length > 0 &&
        filtered
          .trim()
          .split('\n')
          .every((l) => l.includes('asked to fail')),
    );
  });

  it('logs --follow prints lines of new invocations as they happen', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, 'logs', 'cli-hello', '--follow', '--since', '1s'],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      await new Promise((r) => setTimeout(r, 1500));
      await kindling('invoke', 'cli-hello', '--payload', '{"name":"followed"}');
      await eventually(async () => out.includes('{"name":"followed"}'), 'the followed line');
      await eventually(async () => /^REPORT RequestId/m.test(out), 'its REPORT line');
      assert.equal(out.match(/\{"name":"followed"\}/g)?.length, 1, 'printed once');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('aws logs tail reads the same log group', async () => {
    const { stdout } = await execFileP(
      '/usr/bin/aws',
      [
        'logs',
        'tail',
        '/aws/lambda/cli-hello',
        '--since',
        '5m',
        '--format',
        'short',
        '--endpoint-url',
        server.endpoint,
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: server.dataDir,
          AWS_REGION: 'us-east-1',
          ...(await credentialsOf(server.dataDir)),
        },
        timeout: 30_000,
      },
    );
    assert.match(stdout, /START RequestId/);
    assert.match(stdout, /REPORT RequestId/);
  });

  it('errors print the AWS error name and message and exit 1', async () => {
    const missing = await kindling('invoke', 'no-such-function');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ResourceNotFoundException: Function not found: arn:aws:lambda:/m);
    const unreachable = await kindling('--endpoint', 'http://127.0.0.1:1', 'ls');
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Kindling at http:\/\/127\.0\.0\.1:1/);
    const noCredentials = await kindlingWith(
      { ...env, KINDLING_DATA_DIR: join(server.dataDir, 'nowhere') },
      'ls',
    );
    assert.equal(noCredentials.code, 1);
    assert.match(noCredentials.stderr, /^MissingCredentials: /);
  });
});

async function credentialsOf(dataDir: string): Promise<Record<string, string>> {
  const { readFile } = await import('node:fs/promises');
  const pair = JSON.parse(await readFile(join(dataDir, 'credentials.json'), 'utf8')) as {
    accessKeyId: string;
    secretAccessKey: string;
  };
  return { AWS_ACCESS_KEY_ID: pair.accessKeyId, AWS_SECRET_ACCESS_KEY: pair.secretAccessKey };
}
