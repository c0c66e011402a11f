// The peer: serverless-offline (the popular local Lambda emulator) and its Lambda Invoke endpoint, running
// the same echo handler. It lives inside the Serverless Framework v3, so both are installed on demand into
// bench/.peers (git-ignored, never project dependencies). If the install or the start fails the peer is
// reported unavailable with the reason; the suite goes on.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, stopPid, tempDir } from './cleanup.js';
import { NODE_ECHO_SOURCE } from './functions.js';
import { freePort } from './ports.js';

export const PEERS_DIR = new URL('../.peers/', import.meta.url).pathname;
const PEER_PACKAGES = ['serverless@3', 'serverless-offline@13'];
const SERVICE = 'kindlingbench';

export interface ServerlessOffline {
  readonly endpoint: string;
  readonly functionName: string;
  readonly version: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export type PeerStart =
  | { readonly ok: true; readonly peer: ServerlessOffline; readonly installMs: number }
  | { readonly ok: false; readonly reason: string };

// Quiet and offline: no telemetry, no update checks, no dashboard prompts (loopback traffic only).
const QUIET_ENV = {
  SLS_TELEMETRY_DISABLED: '1',
  SLS_TRACKING_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
  AWS_ACCESS_KEY_ID: 'AKIDOFFLINE',
  AWS_SECRET_ACCESS_KEY: 'offline',
};

function installedVersion(): string | undefined {
  const manifest = join(PEERS_DIR, 'node_modules', 'serverless-offline', 'package.json');
  const framework = join(PEERS_DIR, 'node_modules', 'serverless', 'bin', 'serverless.js');
  if (!existsSync(manifest) || !existsSync(framework)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function runNpm(args: readonly string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('npm', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const collect = (c: Buffer) => {
      out += c.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) void stopPid(child.pid);
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`npm could not run: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `npm install failed (${code ?? signal}): ${out.trim().slice(-400)}`);
    });
  });
}

async function ensureInstalled(): Promise<{ ok: true; ms: number } | { ok: false; reason: string }> {
  if (installedVersion() !== undefined) return { ok: true, ms: 0 };
  mkdirSync(PEERS_DIR, { recursive: true });
  const manifest = join(PEERS_DIR, 'package.json');
  if (!existsSync(manifest)) writeFileSync(manifest, '{ "name": "kindling-bench-peers", "private": true }\n');
  const started = performance.now();
  const failure = await runNpm(
    ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--loglevel=error', ...PEER_PACKAGES],
    240_000,
  );
  if (failure !== undefined) return { ok: false, reason: failure };
  if (installedVersion() === undefined)
    return { ok: false, reason: 'npm install finished but the packages are missing' };
  return { ok: true, ms: performance.now() - started };
}

export async function startServerlessOffline(): Promise<PeerStart> {
  const install = await ensureInstalled();
  if (!install.ok) return install;
  const version = installedVersion() ?? 'unknown';
  const service = tempDir('serverless-offline');
  writeFileSync(
    join(service.path, 'serverless.yml'),
    [
      `service: ${SERVICE}`,
      "frameworkVersion: '3'",
      'plugins:',
      '  - serverless-offline',
      'provider:',
      '  name: aws',
      '  runtime: nodejs20.x',
      '  region: us-east-1',
      'functions:',
      '  echo:',
      '    handler: handler.handler',
      '',
    ].join('\n'),
  );
  writeFileSync(join(service.path, 'handler.js'), NODE_ECHO_SOURCE);
  symlinkSync(join(PEERS_DIR, 'node_modules'), join(service.path, 'node_modules'));
  const [lambdaPort, httpPort, websocketPort, albPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const child = spawn(
    process.execPath,
    [
      join(PEERS_DIR, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--host',
      '127.0.0.1',
      '--lambdaPort',
      String(lambdaPort),
      '--httpPort',
      String(httpPort),
      '--websocketPort',
      String(websocketPort),
      '--albPort',
      String(albPort),
    ],
    {
      cwd: service.path,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: service.path, ...QUIET_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) return { ok: false, reason: 'serverless-offline did not start' };
  const stop = onCleanup(`serverless-offline pid ${pid}`, () => stopPid(pid));
  const ready = await new Promise<string | undefined>((resolve) => {
    let out = '';
    let listening = false;
    const timer = setTimeout(() => resolve(`not ready after 60 s: ${out.trim().slice(-400)}`), 60_000);
    const onData = (c: Buffer) => {
      // Once it listens, its per-invoke output is drained, not kept.
      if (listening) return;
      out += c.toString();
      if (/\[http for lambda\] listening/.test(out)) {
        listening = true;
        clearTimeout(timer);
        resolve(undefined);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(`exited (${code ?? signal}) before it was ready: ${out.trim().slice(-400)}`);
    });
  });
  if (ready !== undefined) {
    await stop();
    return { ok: false, reason: `serverless-offline ${version}: ${ready}` };
  }
  return {
    ok: true,
    installMs: install.ms,
    peer: {
      endpoint: `http://127.0.0.1:${lambdaPort}`,
      functionName: `${SERVICE}-dev-echo`,
      version,
      pid,
      stop,
    },
  };
}
