// The Node.js runtime as an environment starts it: its modules joined into one file at build time
// (scripts/bundle-nodejs-runtime.js, esbuild), evaluated as CommonJS as before.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NODE_RUNTIME_ENTRY } from '../../src/worker/launch-command.js';
import { guestsOf, parse } from './guest-session.js';
import { guestRuntimeDir } from './guest.js';

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
