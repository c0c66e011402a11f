// The SandboxDriver contract: one suite every driver runs (STYLE §7). A driver's test file calls
//   runDriverContract('process', (scratchDir) => new ProcessDriver({ scratchDir }));
// What a driver cannot do it declares in its capabilities, and the matching test is skipped with that
// reason. The guest is a small Node script run with the host's node (passed as a host executable).

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type RuntimeApiListener,
  RuntimeSession,
  type RuntimeSessionEvents,
  createRuntimeApi,
} from '../../src/runtime-api/index.js';
import type { GuestLayout, Sandbox, SandboxDriver, SandboxSpec } from '../../src/sandbox/driver.js';

const PROBE = `
const fs = require('node:fs');
const http = require('node:http');
const mode = process.argv[2];
const out = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
if (mode === 'report') {
  const report = { env: { ...process.env }, cwd: process.cwd() };
  const opt = process.env.PROBE_OPT;
  report.shared = fs.readFileSync(opt + '/shared.txt', 'utf8');
  report.only1 = fs.readFileSync(opt + '/only1.txt', 'utf8');
  report.nested = fs.readFileSync(opt + '/lib/nested.txt', 'utf8');
  fs.writeFileSync(process.env.PROBE_TMP + '/scratch.txt', 'ok');
  report.tmp = fs.readFileSync(process.env.PROBE_TMP + '/scratch.txt', 'utf8');
  try { fs.writeFileSync(process.env.PROBE_TASK + '/data.txt', 'overwritten'); report.codeWrite = 'allowed'; }
  catch (e) { report.codeWrite = e.code; }
  process.stderr.write('to stderr\\n');
  const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
  http.get({ host, port, path: '/2018-06-01/ping' }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => { report.ping = body; out(report); });
  });
} else if (mode === 'tick') {
  require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => console.log("child-tick"), 20)'], { stdio: 'inherit' });
  setInterval(() => console.log('tick'), 20);
} else if (mode === 'partial') {
  process.stdout.write('out unfinished');
  if (process.argv[3] === 'both') process.stderr.write('err unfinished');
  setInterval(() => {}, 1000);
} else if (mode === 'exit7') {
  process.exit(7);
} else if (mode === 'alloc') {
  const keep = Buffer.alloc(Number(process.argv[3]) * 1024 * 1024, 1);
  console.log('allocated ' + keep.length);
  setInterval(() => {}, 1000);
}
`;

export type MakeDriver = (scratchDir: string) => SandboxDriver | Promise<SandboxDriver>;

export function runDriverContract(name: string, makeDriver: MakeDriver): void {
  describe(`SandboxDriver contract: ${name}`, () => {
    let dir: string;
    let driver: SandboxDriver;
    let codeDir: string;
    let layers: string[];
    let listener: RuntimeApiListener;
    let seq = 0;
    const started: Sandbox[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `kindling-driver-${name}-`));
      // Drivers may run guests as an unprivileged user: the code and layers must be readable to it.
      chmodSync(dir, 0o755);
      driver = await makeDriver(join(dir, 'scratch'));
      await driver.cleanupStale();
      codeDir = join(dir, 'code');
      mkdirSync(codeDir);
      writeFileSync(join(codeDir, 'probe.cjs'), PROBE);
      writeFileSync(join(codeDir, 'data.txt'), 'original');
      layers = [join(dir, 'layer1'), join(dir, 'layer2')];
      for (const [i, layer] of layers.entries()) {
        mkdirSync(join(layer, 'lib'), { recursive: true });
        writeFileSync(join(layer, 'shared.txt'), `layer${i + 1}`);
        writeFileSync(join(layer, 'lib', 'nested.txt'), `nested${i + 1}`);
      }
      writeFileSync(join(layers[0]!, 'only1.txt'), 'from layer1');
      const events: RuntimeSessionEvents = {
        onReady: () => undefined,
        onResponse: () => undefined,
        onError: () => undefined,
        onResponseTooLarge: () => undefined,
        onInitError: () => undefined,
      };
      const session = new RuntimeSession(events, {
        functionName: 'f',
        functionVersion: '$LATEST',
        handler: 'h',
      });
      const transport = driver.capabilities.runtimeApiTransport;
      listener = await createRuntimeApi().open(
        session,
        transport,
        transport === 'unix' ? join(dir, 'rapi.sock') : undefined,
      );
    });

    after(async () => {
      await Promise.all(started.map((s) => s.destroy()));
      await listener?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Starts the probe in `mode`; collects its output. */
    async function start(mode: string, args: string[] = [], memoryMb = 128) {
      const id = `contract-${process.pid}-${++seq}`;
      const layout: GuestLayout = driver.layout({
        id,
        codeDir,
        runtimeDir: dir,
        runtimeApi: listener.endpoint,
      });
      let output = '';
      const spec: SandboxSpec = {
        id,
        codeDir,
        layerDirs: layers,
        runtimeDir: dir,
        hostExecutables: [process.execPath],
        command: [process.execPath, `${layout.taskRoot}/probe.cjs`, mode, ...args],
        env: {
          AWS_LAMBDA_RUNTIME_API: layout.runtimeApiAddress,
          PROBE_OPT: layout.optDir,
          PROBE_TMP: layout.tmpDir,
          PROBE_TASK: layout.taskRoot,
          MARKER: 'a b=c',
        },
        memoryMb,
        ephemeralStorageMb: 512,
        runtimeApi: listener.endpoint,
        networkEgress: false,
        onOutput: (chunk) => {
          output += chunk.toString();
        },
      };
      const sandbox = await driver.start(spec);
      started.push(sandbox);
      return { sandbox, layout, output: () => output };
    }

    const until = async (check: () => boolean, ms = 5000) => {
      const end = Date.now() + ms;
      while (!check()) {
        if (Date.now() > end) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    it('runs the command with exactly its environment, in the code dir, with layers, /tmp and the Runtime API', async () => {
      const { sandbox, layout, output } = await start('report');
      assert.ok(sandbox.pid > 0);
      const exit = await sandbox.exited;
      assert.deepEqual(exit, { code: 0, signal: null, outOfMemory: false }, output());
      const lines = output().trim().split('\n');
      assert.ok(lines.includes('to stderr'), 'stderr is delivered');
      const report = JSON.parse(lines.find((l) => l.startsWith('{')) ?? '{}');
      assert.deepEqual(Object.keys(report.env).sort(), [
        'AWS_LAMBDA_RUNTIME_API',
        'MARKER',
        'PROBE_OPT',
        'PROBE_TASK',
        'PROBE_TMP',
      ]);
      assert.equal(report.env.MARKER, 'a b=c');
      assert.equal(report.cwd, layout.taskRoot);
      assert.equal(report.shared, 'layer2', 'later layers win');
      assert.equal(report.only1, 'from layer1');
      assert.equal(report.nested, 'nested2');
      assert.equal(report.tmp, 'ok');
      assert.equal(report.ping, 'pong');
    });

    const rootWithoutIsolation = process.getuid?.() === 0;
    it('keeps the code read-only', async (t) => {
      if (!driver.capabilities.filesystemIsolation && rootWithoutIsolation) {
        return t.skip('running as root without filesystem isolation: permissions do not bind root');
      }
      const { sandbox, output } = await start('report');
      await sandbox.exited;
      const report = JSON.parse(
        output()
          .split('\n')
          .find((l) => l.startsWith('{')) ?? '{}',
      );
      assert.ok(['EACCES', 'EROFS', 'EPERM'].includes(report.codeWrite), report.codeWrite);
    });

    it('delivers an unfinished last line by the end of an invocation (flushOutput)', async () => {
      // A driver either passes output on as written or holds it and hands it over in flushOutput().
      const { sandbox, output } = await start('partial');
      await until(() => {
        sandbox.flushOutput?.();
        return output().includes('out unfinished');
      });
      assert.equal(output(), 'out unfinished');
    });

    it('reports the exit code', async () => {
      const { sandbox } = await start('exit7');
      assert.deepEqual(await sandbox.exited, { code: 7, signal: null, outOfMemory: false });
    });

    it('destroy() ends every process of the environment and is idempotent', async () => {
      const { sandbox, output } = await start('tick');
      await until(() => output().includes('child-tick') && output().includes('\ntick'));
      await sandbox.destroy();
      await sandbox.destroy();
      const exit = await sandbox.exited;
      assert.equal(exit.code, null);
      assert.equal(exit.signal, 'SIGKILL');
      const seen = output().length;
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(output().length, seen, 'nothing of the environment runs on');
    });

    it('freezes and thaws every process', async (t) => {
      if (!driver.capabilities.freeze) return t.skip(`${name} cannot freeze`);
      const { sandbox, output } = await start('tick');
      await until(() => output().includes('child-tick'));
      await sandbox.freeze();
      await new Promise((r) => setTimeout(r, 60));
      const frozenAt = output().length;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(output().length, frozenAt, 'no output while frozen');
      await sandbox.thaw();
      const thawedAt = output().length;
      await until(
        () => output().slice(thawedAt).includes('child-tick') && output().slice(thawedAt).includes('tick'),
      );
      await sandbox.destroy();
    });

    it('measures peak memory', async (t) => {
      const { sandbox, output } = await start('alloc', ['64']);
      await until(() => output().includes('allocated'));
      const first = sandbox.maxMemoryUsedBytes();
      if (first === undefined) return t.skip(`${name} cannot measure memory`);
      assert.ok(first >= 64 * 1024 * 1024, `peak ${first}`);
      await sandbox.destroy();
    });

    it('enforces the memory limit', async (t) => {
      if (!driver.capabilities.memoryLimit) return t.skip(`${name} does not enforce MemorySize`);
      const { sandbox } = await start('alloc', ['256'], 128);
      const exit = await sandbox.exited;
      assert.equal(exit.outOfMemory, true);
    });
  });
}
