// The process driver: the shared SandboxDriver contract, plus what is particular to it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessDriver } from '../../src/sandbox/process/index.js';
import { runDriverContract } from './driver.contract.js';

runDriverContract('process', (scratchDir) => new ProcessDriver({ scratchDir }));

describe('process driver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-process-driver-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const driver = new ProcessDriver({ scratchDir: join(dir, 'scratch') });
  const runtimeApi = { kind: 'tcp', host: '127.0.0.1', port: 9999 } as const;

  it('lays out host paths and the TCP Runtime API address', () => {
    const layout = driver.layout({ id: 'env-1', codeDir: '/code', runtimeDir: '/rt', runtimeApi });
    assert.equal(layout.taskRoot, '/code');
    assert.equal(layout.runtimeDir, '/rt');
    assert.equal(layout.runtimeApiAddress, '127.0.0.1:9999');
    assert.equal(layout.optDir, join(dir, 'scratch', 'envs', 'env-1', 'opt'));
    assert.equal(layout.tmpDir, join(dir, 'scratch', 'envs', 'env-1', 'tmp'));
    assert.throws(() => driver.layout({ id: '../x', codeDir: '/c', runtimeDir: '/r', runtimeApi }));
    assert.throws(() =>
      driver.layout({ id: 'x', codeDir: '/c', runtimeDir: '/r', runtimeApi: { kind: 'unix', path: '/s' } }),
    );
    assert.deepEqual(
      {
        freeze: driver.capabilities.freeze,
        memoryLimit: driver.capabilities.memoryLimit,
        transport: driver.capabilities.runtimeApiTransport,
      },
      { freeze: true, memoryLimit: false, transport: 'tcp' },
    );
  });

  it('merges a layer set once, shares it, strips write bits from code, and removes scratch space at exit', async () => {
    const code = join(dir, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'f.txt'), 'x');
    const layer = join(dir, 'layer');
    mkdirSync(layer);
    writeFileSync(join(layer, 'a.txt'), 'A');
    const spec = (id: string) => ({
      id,
      codeDir: code,
      layerDirs: [layer],
      runtimeDir: dir,
      hostExecutables: [],
      // Alive until destroyed: the environment's scratch space exists exactly as long as it runs.
      command: ['/bin/sleep', '30'],
      env: {},
      memoryMb: 128,
      ephemeralStorageMb: 512,
      runtimeApi,
      networkEgress: false,
      onOutput: () => undefined,
    });
    const one = await driver.start(spec('one'));
    const two = await driver.start(spec('two'));
    const l1 = driver.layout(spec('one'));
    const l2 = driver.layout(spec('two'));
    assert.equal(readFileSync(join(l1.optDir, 'a.txt'), 'utf8'), 'A');
    assert.equal(
      statSync(join(l1.optDir, 'a.txt')).ino,
      statSync(join(l2.optDir, 'a.txt')).ino,
      'one merged tree',
    );
    assert.equal(statSync(join(code, 'f.txt')).mode & 0o222, 0);
    await Promise.all([one.destroy(), two.destroy()]);
    await Promise.all([one.exited, two.exited]);
    assert.equal(existsSync(join(dir, 'scratch', 'envs', 'one')), false);
  });

  it('holds an unfinished line until flushOutput, and keeps the two streams on lines of their own', async () => {
    let output = '';
    const marker = join(dir, 'partial-written');
    // Both writes reach their pipes before the marker exists (pipes are synchronous on Linux).
    const script = `process.stdout.write('out unfinished'); process.stderr.write('err unfinished'); require('node:fs').writeFileSync(${JSON.stringify(marker)}, ''); setInterval(() => {}, 1000)`;
    const sandbox = await driver.start({
      id: 'partial',
      codeDir: dir,
      layerDirs: [],
      runtimeDir: dir,
      hostExecutables: [],
      command: [process.execPath, '-e', script],
      env: {},
      memoryMb: 128,
      ephemeralStorageMb: 512,
      runtimeApi,
      networkEgress: false,
      onOutput: (chunk) => {
        output += chunk.toString();
      },
    });
    try {
      const end = Date.now() + 5000;
      while (!existsSync(marker)) {
        assert.ok(Date.now() < end, 'the guest did not start');
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(output, '', 'an unfinished line is held');
      sandbox.flushOutput?.();
      assert.equal(output, 'out unfinished\nerr unfinished');
    } finally {
      await sandbox.destroy();
    }
  });

  it('reports a command that cannot be started as exit status 127', async () => {
    const sandbox = await driver.start({
      id: 'missing',
      codeDir: dir,
      layerDirs: [],
      runtimeDir: dir,
      hostExecutables: [],
      command: [join(dir, 'no-such-bootstrap')],
      env: {},
      memoryMb: 128,
      ephemeralStorageMb: 512,
      runtimeApi,
      networkEgress: false,
      onOutput: () => undefined,
    });
    assert.deepEqual(await sandbox.exited, { code: 127, signal: null, outOfMemory: false });
  });
});
