// Starts a guest runtime as the worker does: its own process, cwd = LAMBDA_TASK_ROOT, and exactly Lambda's
// environment (wire contract 2.6). The Node.js runtime is compiled from src/runtimes/nodejs into a temporary
// runtime directory and joined into one file (as `npm run build` lays out dist/runtimes), so the tests run
// the emitted JavaScript that an environment starts.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_ENTRY, NODE_RUNTIME_FLAGS } from '../../src/worker/launch-command.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = join(repoRoot, 'test/fixtures/functions');

let runtimeDir: string | undefined;

/** Compiles the guest runtimes once per test process; returns the directory to use as LAMBDA_RUNTIME_DIR. */
export function guestRuntimeDir(): string {
  if (runtimeDir) return runtimeDir;
  const dir = mkdtempSync(join(tmpdir(), 'kindling-runtimes-'));
  const src = join(repoRoot, 'src/runtimes/nodejs');
  const sources = ['bootstrap.ts'].map((f) => join(src, f));
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/typescript/bin/tsc'),
      ...['--outDir', join(dir, 'nodejs'), '--rootDir', src],
      ...['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022'],
      ...['--strict', '--skipLibCheck', '--types', 'node'],
      ...sources,
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  cpSync(join(src, 'package.json'), join(dir, 'nodejs/package.json'));
  execFileSync(process.execPath, [join(repoRoot, 'scripts/bundle-nodejs-runtime.js'), join(dir, 'nodejs')], {
    stdio: 'inherit',
  });
  cpSync(join(repoRoot, 'src/runtimes/python'), join(dir, 'python'), { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  runtimeDir = dir;
  return dir;
}

let pythonPath: string | undefined;
/** The real python3 executable (not a shell shim), as a worker would resolve it. */
export function python3(): string {
  pythonPath ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();
  return pythonPath;
}

/** Copies a fixture to a fresh directory, as unzipped code would be (no package.json above it). */
export function stageFixture(name: string, ...extra: { from: string; to: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), `kindling-task-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  for (const { from, to } of extra) cpSync(from, join(dir, to), { recursive: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface GuestOptions {
  readonly runtime: 'nodejs' | 'python' | 'provided';
  readonly taskRoot: string;
  readonly handler: string;
  readonly runtimeApi: string;
  /** Directory standing in for /opt (layers). */
  readonly optDir?: string;
  readonly functionName?: string;
  /** The function's own variables (and overrides such as AWS_LAMBDA_LOG_FORMAT). */
  readonly env?: Record<string, string>;
}

export interface Guest {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout and stderr so far, in order. */
  output(): string;
  /** Resolves once the output contains `text`. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

export function lambdaEnvironment(options: GuestOptions): Record<string, string> {
  const name = options.functionName ?? 'test-function';
  const opt = options.optDir ?? '/opt';
  const env: Record<string, string> = {
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    _HANDLER: options.handler,
    LAMBDA_TASK_ROOT: options.taskRoot,
    LAMBDA_RUNTIME_DIR: guestRuntimeDir(),
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    NODE_PATH: `${opt}/nodejs/node20/node_modules:${opt}/nodejs/node_modules:${options.taskRoot}`,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PWD: options.taskRoot,
  };
  if (options.runtime === 'nodejs') env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs20.x';
  if (options.runtime === 'python') {
    env.AWS_EXECUTION_ENV = 'AWS_Lambda_python3.11';
    // Layers live in `optDir` here rather than /opt: point Python at them as a worker would.
    if (options.optDir) env.PYTHONPATH = `${opt}/python`;
  }
  return { ...env, ...options.env };
}

export function startGuest(options: GuestOptions): Guest {
  const runtimeDir = guestRuntimeDir();
  const command =
    options.runtime === 'nodejs'
      ? [process.execPath, ...NODE_RUNTIME_FLAGS, join(runtimeDir, NODE_RUNTIME_ENTRY)]
      : options.runtime === 'python'
        ? [python3(), join(runtimeDir, 'python/bootstrap.py')]
        : [join(options.taskRoot, 'bootstrap')];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: options.taskRoot,
    env: lambdaEnvironment(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    exited,
    output: () => output,
    waitForOutput: (text, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = typeof text === 'string' ? output.includes(text) : text.test(output);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(output);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(text)} in output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
