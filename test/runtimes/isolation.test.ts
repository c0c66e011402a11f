// Guest code runs inside the sandbox with nothing but the language's own library: the Node.js runtime may
// import only Node built-ins and its own files, the Python runtime only the standard library.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { python3 } from './guest.js';

const runtimesDir = resolve('src/runtimes');

describe('guest runtimes are self-contained', () => {
  it('the Node.js runtime imports only node: built-ins and its own modules', () => {
    const dir = join(runtimesDir, 'nodejs');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.includes('bootstrap.ts'));
    for (const file of files) {
      const source = readFileSync(join(dir, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)].map(
        (m) => m[1],
      );
      for (const specifier of specifiers) {
        assert.ok(
          specifier?.startsWith('node:') || /^\.\/[a-z-]+\.js$/.test(specifier ?? ''),
          `${file} imports ${specifier}`,
        );
      }
    }
  });

  it('the Python runtime imports only the standard library', () => {
    const script = `
import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
names = set()
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        names.update(a.name.split('.')[0] for a in node.names)
    elif isinstance(node, ast.ImportFrom):
        names.add((node.module or '').split('.')[0])
print('\\n'.join(sorted(n for n in names if n not in sys.stdlib_module_names)))
`;
    const outside = execFileSync(python3(), ['-c', script, join(runtimesDir, 'python/bootstrap.py')], {
      encoding: 'utf8',
    }).trim();
    assert.equal(outside, '');
  });
});
