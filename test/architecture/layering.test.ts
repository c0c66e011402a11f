// The layering of DESIGN.md §3 and STYLE.md §7 ("Layering you can check"), checked on every import in src/:
// static `import … from`, `export … from`, `import type`, type positions `import('…').T`, and dynamic
// `import('…')`. Each rule below names the promise it keeps; EXCEPTIONS is the one list of edges allowed to
// break a rule, each with its reason, and an exception no import needs any more fails the test so the list
// only shrinks.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../helpers/server.js';

// ---- what an import is ----

interface ImportEdge {
  /** Importing file, repository-relative (`src/invoke/invoker.ts`). */
  readonly from: string;
  /** The specifier as written (`../worker/index.js`, `node:http`, `zod`). */
  readonly specifier: string;
  /** The imported file, repository-relative, for a relative specifier; undefined for packages and builtins. */
  readonly target: string | undefined;
  /** Erased at compile time (`import type`, `export type`, `import('…').T`): a dependency on a shape only. */
  readonly typeOnly: boolean;
  readonly line: number;
}

/** Every import of one TypeScript source, found by parsing it (comments and strings cannot fool it). */
function importsOf(from: string, source: string, files: ReadonlySet<string>): ImportEdge[] {
  const sf = ts.createSourceFile(from, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (literal: ts.Node, specifier: string, typeOnly: boolean) => {
    const line = sf.getLineAndCharacterOfPosition(literal.getStart(sf)).line + 1;
    edges.push({ from, specifier, target: resolve(from, specifier, files), typeOnly, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, importIsTypeOnly(node));
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, exportIsTypeOnly(node));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      // A computed specifier (a handler path chosen at run time) names no module of ours.
      if (arg && ts.isStringLiteralLike(arg)) add(arg, arg.text, false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(arg, arg.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return (
    clause.name === undefined &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

function exportIsTypeOnly(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}

/** NodeNext: a relative `./x.js` names `./x.ts` in the sources. */
function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const path = posix.normalize(posix.join(posix.dirname(from), specifier));
  const source = path.replace(/\.js$/, '.ts');
  return files.has(source) ? source : path;
}

// ---- the rules ----

/** `src/<folder>/…` → the folder; a top-level `src/x.ts` is a unit of its own. */
function componentOf(path: string): string {
  return path.split('/')[1] ?? path;
}

/** Who may import whom (DESIGN.md §2–3). A component may always import itself. */
const MAY_IMPORT: Readonly<Record<string, readonly string[] | '*'>> = {
  // The wiring: the only place all parts meet.
  'main.ts': '*',
  // The `kindling` command starts the server (main.ts) and is otherwise an AWS client.
  cli: ['main.ts', 'config.ts', 'api', 'errors.ts'],
  // The edge: decode → call a domain function → encode. Never the store directly.
  api: ['control', 'invoke', 'queues', 'triggers', 'telemetry', 'errors.ts', 'config.ts', 'json-depth.ts'],
  control: ['store', 'errors.ts'],
  invoke: ['control', 'worker', 'queues', 'store', 'errors.ts', 'json-depth.ts'],
  triggers: ['control', 'invoke', 'queues', 'store', 'errors.ts'],
  queues: ['store', 'errors.ts'],
  telemetry: ['store', 'errors.ts'],
  worker: ['sandbox', 'runtime-api', 'telemetry', 'errors.ts'],
  'runtime-api': ['errors.ts'],
  sandbox: ['errors.ts'],
  // The bottom: the store imports nothing above it.
  store: ['errors.ts'],
  // Guest code runs inside a sandbox on its own target: nothing of the host's.
  runtimes: [],
  'config.ts': [],
  'errors.ts': [],
  // A JSON nesting measure for values taken from outside (API bodies, async payloads).
  'json-depth.ts': [],
};

/** Domain modules never see HTTP objects (STYLE §5): the API and the Runtime API own the sockets. */
const DOMAIN = new Set(['control', 'invoke', 'worker', 'queues', 'triggers', 'telemetry', 'store']);
const HTTP_MODULES = new Set(['node:http', 'node:https', 'node:http2', 'http', 'https', 'http2']);

type Rule = 'layer' | 'door' | 'domain-http' | 'guest';

interface Violation {
  readonly rule: Rule;
  readonly edge: ImportEdge;
  readonly message: string;
}

/**
 * Known edges that break a rule, each with its reason. `kind: 'contract'` is a seam's interface file imported
 * for its types only; `kind: 'pending'` is a known violation with its fix written in `reason`: apply the fix,
 * then delete the row (the test fails on a row no import needs).
 */
interface LayeringException {
  readonly from: string;
  readonly to: readonly string[];
  readonly typeOnly: boolean;
  readonly kind: 'contract' | 'pending';
  readonly reason: string;
}

const EXCEPTIONS: readonly LayeringException[] = [
  {
    from: 'src/worker/',
    to: ['src/control/model.ts'],
    typeOnly: true,
    kind: 'contract',
    reason:
      'FunctionVersionSpec is the contract of what the invoke path hands a worker (DESIGN §2): the worker ' +
      'depends on that shape only, never on control code.',
  },
  {
    from: 'src/runtime-api/',
    to: ['src/sandbox/driver.ts'],
    typeOnly: true,
    kind: 'contract',
    reason:
      'RuntimeApiEndpoint is part of the SandboxDriver seam: the sandbox decides where the guest reaches ' +
      'the Runtime API, and the Runtime API listens there.',
  },
];

/** The doors: every `index.ts` of a component (its own, or a sub-room's such as invoke/async/index.ts). */
function doorsOf(files: ReadonlySet<string>): Set<string> {
  const withDoor = new Set<string>();
  for (const f of files) if (f.startsWith('src/') && f.endsWith('/index.ts')) withDoor.add(componentOf(f));
  return withDoor;
}

/** The violations of one edge, before exceptions. */
function ruleViolations(edge: ImportEdge, componentsWithDoor: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  const fromComponent = componentOf(edge.from);
  const v = (rule: Rule, message: string) => out.push({ rule, edge, message });

  if (edge.target === undefined) {
    if (DOMAIN.has(fromComponent) && HTTP_MODULES.has(edge.specifier)) {
      v('domain-http', `${fromComponent} is a domain module and must not import ${edge.specifier}`);
    }
    if (fromComponent === 'runtimes' && !edge.specifier.startsWith('node:')) {
      v('guest', `guest code may import only node: builtins and src/runtimes/, not ${edge.specifier}`);
    }
    return out;
  }
  if (!edge.target.startsWith('src/')) {
    v('layer', `src/ must not import outside src/ (${edge.target})`);
    return out;
  }
  const toComponent = componentOf(edge.target);
  if (toComponent === fromComponent) return out;

  if (fromComponent === 'runtimes') {
    v('guest', `guest code may import nothing outside src/runtimes/ (${edge.target})`);
    return out;
  }
  const allowed = MAY_IMPORT[fromComponent];
  if (allowed === undefined) {
    v('layer', `${fromComponent} has no place in the layering; add it to MAY_IMPORT`);
  } else if (allowed !== '*' && !allowed.includes(toComponent)) {
    v(
      'layer',
      `${fromComponent} may not import ${toComponent} (may import: ${allowed.join(', ') || 'nothing'})`,
    );
  }
  if (componentsWithDoor.has(toComponent) && !edge.target.endsWith('/index.ts')) {
    v('door', `${edge.target} is inside ${toComponent}; go through its door (an index.ts)`);
  }
  return out;
}

interface LayeringReport {
  readonly violations: Violation[];
  /** How many edges each exception let through, by its index in the table. */
  readonly exceptionUses: number[];
}

function checkLayering(
  edges: readonly ImportEdge[],
  files: ReadonlySet<string>,
  exceptions: readonly LayeringException[] = EXCEPTIONS,
): LayeringReport {
  const componentsWithDoor = doorsOf(files);
  const exceptionUses = exceptions.map(() => 0);
  const violations: Violation[] = [];
  for (const edge of edges) {
    const found = ruleViolations(edge, componentsWithDoor);
    if (found.length === 0) continue;
    const i = exceptions.findIndex(
      (x) =>
        edge.from.startsWith(x.from) &&
        edge.target !== undefined &&
        x.to.includes(edge.target) &&
        (!x.typeOnly || edge.typeOnly),
    );
    if (i >= 0) exceptionUses[i] = (exceptionUses[i] ?? 0) + 1;
    else violations.push(...found);
  }
  return { violations, exceptionUses };
}

// ---- the tree ----

function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = `${dir}/${d.name}`;
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const files = new Set(sourceFiles('src'));
const edges = [...files].flatMap((f) => importsOf(f, readFileSync(join(repoRoot, f), 'utf8'), files));
const show = (v: Violation) =>
  `${v.edge.from}:${v.edge.line} → ${v.edge.specifier}  [${v.rule}] ${v.message}`;

describe('layering of src/', () => {
  it('parses the imports of every source file', () => {
    assert.ok(files.size > 100, `found ${files.size} source files`);
    assert.ok(edges.length > 500, `found ${edges.length} imports`);
    assert.ok(edges.some((e) => e.from === 'src/cli/commands/serve.ts' && e.target === 'src/main.ts'));
  });

  it('every import keeps the layering, the doors and the guest boundary', () => {
    const { violations } = checkLayering(edges, files);
    assert.deepEqual(violations.map(show), []);
  });

  it('every exception is still needed (delete the ones no import uses)', () => {
    const { exceptionUses } = checkLayering(edges, files);
    const unused = EXCEPTIONS.filter((_, i) => exceptionUses[i] === 0).map((x) => `${x.from} → ${x.to}`);
    assert.deepEqual(unused, []);
  });

  it('no component folder is missing from the layering table', () => {
    const components = new Set([...files].map(componentOf));
    assert.deepEqual(
      [...components].filter((c) => !(c in MAY_IMPORT)),
      [],
    );
  });
});

describe('the checker fails on a violating import', () => {
  const violationsIn = (from: string, source: string) =>
    checkLayering(importsOf(from, source, files), files).violations.map((v) => v.rule);

  it('api importing the store', () => {
    assert.deepEqual(
      violationsIn('src/api/operations/x.ts', "import { openDatabase } from '../../store/index.js';"),
      ['layer'],
    );
  });

  it('invoke reaching past the worker door, statically and dynamically', () => {
    assert.deepEqual(violationsIn('src/invoke/x.ts', "import type { Worker } from '../worker/worker.js';"), [
      'door',
    ]);
    assert.deepEqual(
      violationsIn('src/invoke/x.ts', "export async function f() { return import('../worker/pool.js'); }"),
      ['door'],
    );
    assert.deepEqual(
      violationsIn('src/invoke/x.ts', "import type { Worker } from '../worker/index.js';"),
      [],
    );
  });

  it('anything but main.ts and the CLI importing the api, including by dynamic import', () => {
    assert.deepEqual(violationsIn('src/worker/x.ts', "const m = await import('../api/server.js');"), [
      'layer',
    ]);
    assert.deepEqual(violationsIn('src/control/x.ts', "import type { Routes } from '../api/http.js';"), [
      'layer',
    ]);
    assert.deepEqual(violationsIn('src/cli/x.ts', "import type { Routes } from '../api/http.js';"), []);
  });

  it('the store importing anything above it', () => {
    assert.deepEqual(violationsIn('src/store/x.ts', "import type { Control } from '../control/index.js';"), [
      'layer',
    ]);
    assert.deepEqual(violationsIn('src/store/x.ts', "import { Errors } from '../errors.js';"), []);
  });

  it('a domain module importing node:http', () => {
    assert.deepEqual(violationsIn('src/queues/x.ts', "import { createServer } from 'node:http';"), [
      'domain-http',
    ]);
    assert.deepEqual(violationsIn('src/api/x.ts', "import { createServer } from 'node:http';"), []);
  });

  it('guest code importing host code or a package', () => {
    assert.deepEqual(violationsIn('src/runtimes/nodejs/x.ts', "import { Errors } from '../../errors.js';"), [
      'guest',
    ]);
    assert.deepEqual(violationsIn('src/runtimes/nodejs/x.ts', "import { z } from 'zod';"), ['guest']);
    assert.deepEqual(violationsIn('src/runtimes/nodejs/x.ts', "import { request } from 'node:http';"), []);
  });

  it('an exception covers only what it says: a type-only contract edge stays type-only', () => {
    const typeImport = "import type { FunctionVersionSpec } from '../control/model.js';";
    const valueImport = "import { FunctionVersionSpec } from '../control/model.js';";
    assert.deepEqual(violationsIn('src/worker/x.ts', typeImport), []);
    assert.deepEqual(violationsIn('src/worker/x.ts', valueImport), ['layer', 'door']);
    assert.deepEqual(violationsIn('src/invoke/x.ts', typeImport), ['door']);
  });

  it('comments and strings are not imports', () => {
    const source = "// import { x } from '../api/server.js';\nconst s = \"import('../api/server.js')\";";
    assert.deepEqual(importsOf('src/worker/x.ts', source, files), []);
  });
});
