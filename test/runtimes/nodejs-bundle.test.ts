// The Node.js runtime as an environment starts it: its modules joined into one file at build time
// (scripts/bundle-nodejs-runtime.js), each module keeping the scope and the evaluation order it had as a file.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODE_RUNTIME_ENTRY } from '../../src/worker/launch-command.js';
import { guestsOf, parse } from './guest-session.js';
import { guestRuntimeDir } from './guest.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bundler = join(repoRoot, 'scripts/bundle-nodejs-runtime.js');
const start = guestsOf('nodejs');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-bundle-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function bundle(dir: string): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [bundler, dir], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('nodejs runtime: one file', () => {
  it('an environment loads the runtime from one file, and the handler still loads as before', async () => {
    const taskRoot = tempDir({
      'index.js':
        'exports.handler = async () => ({ files: Object.keys(require.cache), cwd: process.cwd() });\n',
    });
    const { api } = await start('node-echo', 'index.handler', { taskRoot });
    const outcome = await api.invoke({});
    assert.equal(outcome.kind, 'response');
    const { files, cwd } = parse(outcome.body) as { files: string[]; cwd: string };
    const runtimeDir = join(guestRuntimeDir(), 'nodejs');
    assert.deepEqual(
      files.filter((f) => f.startsWith(runtimeDir)),
      [join(guestRuntimeDir(), NODE_RUNTIME_ENTRY)],
    );
    assert.ok(files.includes(join(taskRoot, 'index.js')));
    assert.equal(cwd, taskRoot);
  });
});

describe('bundling a CommonJS runtime', () => {
  it("keeps each module's scope, exports, file names and evaluation order; built-ins pass through", () => {
    const dir = tempDir({
      'bootstrap.js': [
        '"use strict";',
        "const order = require('./order.js');",
        "order.push('bootstrap');",
        "const a = require('./a.js');",
        "const again = require('./a.js');",
        "const { sep } = require('node:path');",
        "order.push(typeof require('./lazy.js').lazy);",
        'process.stdout.write(JSON.stringify({ order, a: a.name, b: a.b(), same: a === again, sep,',
        "  file: require('./a.js').file, dir: require('./a.js').dir, strict: require('./a.js').strict,",
        "  thisIsExports: require('./a.js').thisIsExports }));",
      ].join('\n'),
      'order.js': 'module.exports = [];\n',
      'a.js': [
        '"use strict";',
        "require('./order.js').push('a');",
        'exports.thisIsExports = this === exports;',
        "exports.name = 'a';",
        "const b = require('./b.js');",
        'exports.b = () => b.name + b.seenA;',
        'exports.file = __filename;',
        'exports.dir = __dirname;',
        'exports.strict = (function () { return this === undefined; })();',
      ].join('\n'),
      // A circular require sees the partial exports, as with separate files.
      'b.js':
        "require('./order.js').push('b');\nexports.name = 'b';\nexports.seenA = require('./a.js').name;\n",
      'lazy.js': "require('./order.js').push('lazy');\nexports.lazy = () => 1;\n",
    });
    assert.equal(bundle(dir).status, 0);
    const out = execFileSync(process.execPath, [join(dir, 'runtime.js')], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), {
      order: ['bootstrap', 'a', 'b', 'lazy', 'function'],
      a: 'a',
      b: 'ba',
      same: true,
      sep: '/',
      file: join(dir, 'a.js'),
      dir,
      strict: true,
      thisIsExports: true,
    });
  });

  it('refuses a runtime whose module requires one that is not there', () => {
    const dir = tempDir({ 'bootstrap.js': "require('./missing.js');\n" });
    const result = bundle(dir);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /bootstrap\.js requires \.\/missing\.js, which is not part of the runtime/);
  });
});
