// Copies files that tsc does not emit (guest runtimes written in other languages) into dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [['src/runtimes/python', 'dist/runtimes/python']];
for (const [from, to] of assets) {
  if (existsSync(from)) cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.ts') });
}
