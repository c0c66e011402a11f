// The server's configuration: every setting is read and validated in one place (src/config.ts) and passed
// down; components never read the environment themselves.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultConfig, loadConfig } from '../src/config.js';
import { DEFAULT_ASYNC_SETTINGS } from '../src/invoke/async/index.js';
import { repoRoot } from './helpers/server.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh data directory, so no config.json of the developer's is read. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-config-'));
  dirs.push(dir);
  return dir;
}

const load = (env: Record<string, string>) => loadConfig({}, { KINDLING_DATA_DIR: dataDir(), ...env });

describe('configuration of asynchronous invocation and the scheduler', () => {
  it("defaults to Lambda's timings", () => {
    const c = load({});
    assert.deepEqual(
      {
        retryBaseMs: c.asyncRetryBaseMs,
        throttleBaseMs: c.asyncThrottleBaseMs,
        throttleMaxMs: c.asyncThrottleMaxMs,
        maxInFlight: c.asyncConcurrency,
        leaseMs: c.asyncLeaseMs,
        idlePollMs: c.asyncPollMs,
      },
      { ...DEFAULT_ASYNC_SETTINGS },
    );
    assert.equal(c.schedulerTickMs, 1000);
    assert.equal(c.schedulerTimeScale, 1);
    assert.deepEqual(defaultConfig().asyncRetryBaseMs, 60_000);
  });

  it('reads the KINDLING_ASYNC_* and KINDLING_SCHEDULER_* variables', () => {
    const c = load({
      KINDLING_ASYNC_RETRY_BASE_MS: '200',
      KINDLING_ASYNC_THROTTLE_BASE_MS: '50',
      KINDLING_ASYNC_THROTTLE_MAX_MS: '400',
      KINDLING_ASYNC_CONCURRENCY: '3',
      KINDLING_ASYNC_LEASE_MS: '5000',
      KINDLING_ASYNC_POLL_MS: '20',
      KINDLING_SCHEDULER_TICK_MS: '50',
      KINDLING_SCHEDULER_TIME_SCALE: '60',
    });
    assert.deepEqual(
      [
        c.asyncRetryBaseMs,
        c.asyncThrottleBaseMs,
        c.asyncThrottleMaxMs,
        c.asyncConcurrency,
        c.asyncLeaseMs,
        c.asyncPollMs,
        c.schedulerTickMs,
        c.schedulerTimeScale,
      ],
      [200, 50, 400, 3, 5000, 20, 50, 60],
    );
  });

  it('takes them from DATA_DIR/config.json too, the environment winning', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ asyncPollMs: 30, schedulerTimeScale: 10 }));
    const c = loadConfig({}, { KINDLING_DATA_DIR: dir, KINDLING_SCHEDULER_TIME_SCALE: '2' });
    assert.equal(c.asyncPollMs, 30);
    assert.equal(c.schedulerTimeScale, 2);
  });

  for (const [name, value] of [
    ['KINDLING_ASYNC_RETRY_BASE_MS', 'soon'],
    ['KINDLING_ASYNC_RETRY_BASE_MS', '-1'],
    ['KINDLING_ASYNC_CONCURRENCY', '0'],
    ['KINDLING_ASYNC_LEASE_MS', '999'],
    ['KINDLING_ASYNC_POLL_MS', '1.5'],
    ['KINDLING_SCHEDULER_TICK_MS', '5'],
    ['KINDLING_SCHEDULER_TIME_SCALE', '0'],
    ['KINDLING_SCHEDULER_TIME_SCALE', '3601'],
  ] as const) {
    it(`refuses ${name}=${value} at start, naming the variable`, () => {
      assert.throws(
        () => load({ [name]: value }),
        (err: Error) => err.message.startsWith('invalid configuration: ') && err.message.includes(name),
      );
    });
  }
});

describe('where settings are read', () => {
  /** Host code only: the runtimes run inside the sandbox, where the environment is the function's. */
  function hostSources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory())
        return path.endsWith(join('src', 'runtimes')) ? [] : hostSources(path);
      return path.endsWith('.ts') ? [path] : [];
    });
  }

  it('no server component reads process.env: settings come from src/config.ts', () => {
    // The `kindling` command is an AWS client: its endpoint and credentials variables are its own.
    const allowed = new Set(['src/config.ts']);
    const readers = hostSources(join(repoRoot, 'src'))
      .map((path) => relative(repoRoot, path).split('\\').join('/'))
      .filter((path) => !allowed.has(path) && !path.startsWith('src/cli/'))
      .filter((path) => /\bprocess\.env\b/.test(readFileSync(join(repoRoot, path), 'utf8')));
    assert.deepEqual(readers, []);
  });
});
