// docs/architecture.md points at files; every file it names must exist.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../helpers/server.js';

it('every file named in docs/architecture.md exists', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
  const paths = [...doc.matchAll(/`(src\/[A-Za-z0-9_./-]+)`/g)].map((m) => m[1] as string);
  assert.ok(paths.length > 20, 'the page names the files of the request path');
  const missing = paths.filter((p) => !existsSync(join(repoRoot, p)));
  assert.deepEqual(missing, []);
});
