// Copies files that tsc does not emit into dist/: guest runtimes written in other languages, and the
// guest Node runtime's package.json that marks it as ES modules wherever it is mounted.
import { cpSync, existsSync } from 'node:fs';

const assets = [
  ['src/runtimes/python', 'dist/runtimes/python'],
  ['src/runtimes/nodejs/package.json', 'dist/runtimes/nodejs/package.json'],
];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.ts') });
}
