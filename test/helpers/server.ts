// Starts a real `kindling serve` on loopback with a fresh data dir, for end-to-end tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaClient } from '@aws-sdk/client-lambda';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(repoRoot, 'bin', 'kindling.js');

export interface StartOptions {
  /** Extra environment for the server process (e.g. KINDLING_SANDBOX=process). */
  readonly env?: Record<string, string>;
  /** Extra `kindling serve` flags. */
  readonly args?: readonly string[];
  /** Reuse a data dir (e.g. to test restarts across handles). */
  readonly dataDir?: string;
}

export interface KindlingHandle {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly dataDir: string;
  /** A Lambda client for this server (no retries, so errors surface as they are). */
  readonly lambda: LambdaClient;
  /** PID of the server process. */
  readonly pid: number;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** Graceful stop (SIGTERM), then removes the data dir unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL: a crash, for durability tests. The data dir is kept. */
  crash(): Promise<void>;
  /** Stops gracefully (keeping data) and starts again on the same data dir; endpoint may change. */
  restart(): Promise<void>;
}

export const testCredentials = {
  accessKeyId: 'AKIAKINDLINGTESTKEY1',
  secretAccessKey: 'kindling-test-secret-key-0123456789abcdef',
} as const;
export const testRegion = 'us-east-1';

export async function startKindling(opts: StartOptions = {}): Promise<KindlingHandle> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kindling-test-'));
  let child: ChildProcess;
  let endpoint = '';
  let lambda: LambdaClient;
  let out = '';

  async function launch(): Promise<void> {
    const seenBefore = out.length;
    child = spawn(
      process.execPath,
      [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])],
      {
        env: {
          ...process.env,
          KINDLING_ACCESS_KEY_ID: testCredentials.accessKeyId,
          KINDLING_SECRET_ACCESS_KEY: testCredentials.secretAccessKey,
          KINDLING_REGION: testRegion,
          KINDLING_LOG_LEVEL: process.env.KINDLING_TEST_LOG_LEVEL ?? 'warn',
          ...opts.env,
          // The whole end-to-end suite runs on one tier: the host's default (namespace on Linux), or the one
          // named by KINDLING_E2E_SANDBOX (e.g. `KINDLING_E2E_SANDBOX=process npm test`).
          ...(process.env.KINDLING_E2E_SANDBOX ? { KINDLING_SANDBOX: process.env.KINDLING_E2E_SANDBOX } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    endpoint = await new Promise<string>((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not become ready in 30 s:\n${out}`)),
        30_000,
      );
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready at (http:\/\/[^\s]+)/.exec(out.slice(seenBefore));
        if (m?.[1]) {
          clearTimeout(timer);
          resolveReady(m[1]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${out}`));
      });
    });
    child.removeAllListeners('exit');
    lambda = new LambdaClient({ endpoint, region: testRegion, credentials: testCredentials, maxAttempts: 1 });
  }

  function waitExit(): Promise<void> {
    return new Promise((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
    });
  }

  async function stopProcess(signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = waitExit();
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    lambda.destroy();
  }

  await launch();
  return {
    get endpoint() {
      return endpoint;
    },
    region: testRegion,
    credentials: testCredentials,
    dataDir,
    get lambda() {
      return lambda;
    },
    get pid() {
      return child.pid ?? -1;
    },
    output: () => out,
    async stop(o = {}) {
      await stopProcess('SIGTERM');
      if (!o.keepData && opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
    async crash() {
      await stopProcess('SIGKILL');
    },
    async restart() {
      await stopProcess('SIGTERM');
      await launch();
    },
  };
}
