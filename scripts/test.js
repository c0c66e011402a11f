// Runs every test file under test/ (Node 20's test runner takes no globs) with the TypeScript loader.
// Arguments narrow the run: `npm test -- test/e2e` or `npm test -- test/api/sigv4.test.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .filter((name) => name !== 'fixtures' && name !== 'node_modules')
    .flatMap((name) => collect(join(path, name)));
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test', 'bench/test']).flatMap(collect).sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=240000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
