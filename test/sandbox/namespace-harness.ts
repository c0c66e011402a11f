// Real pieces for namespace driver tests: a Runtime API stand-in on a Unix socket, code directories, and a
// driver on a fresh data dir. Builds the native pieces first when `npm run build` has not.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCgroupHierarchy } from '../../src/sandbox/cgroups/index.js';
import type { SandboxSpec } from '../../src/sandbox/driver.js';
import { missingArtifact, nativeArtifacts } from '../../src/sandbox/namespace/artifacts.js';
import { NamespaceDriver, probeNamespaceTier } from '../../src/sandbox/namespace/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why these tests cannot run on this host, or undefined. */
export async function namespaceUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs Linux and root';
  if (missingArtifact(nativeArtifacts())) {
    execFileSync('sh', [join(repoRoot, 'src/sandbox/namespace/native/build.sh')], { stdio: 'inherit' });
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'kindling-nsprobe-'));
  try {
    const probe = await probeNamespaceTier({ dataDir });
    return probe.ok ? undefined : probe.reason;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface Harness {
  readonly root: string;
  readonly dataDir: string;
  readonly driver: NamespaceDriver;
  readonly socket: string;
  /** Requests the Runtime API stand-in received (method and path). */
  readonly requests: string[];
  /** A world-readable code directory with these files. */
  code(files: Record<string, string>): string;
  spec(over: Partial<SandboxSpec> & Pick<SandboxSpec, 'command'>): SandboxSpec & { output(): string };
  close(): Promise<void>;
}

let counter = 0;

export async function harness(dataDir?: string): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'kindling-ns-'));
  chmodSync(root, 0o755);
  const data = dataDir ?? join(root, 'data');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const cg = detectCgroupHierarchy();
  if (!cg.ok) throw new Error(cg.reason);
  const driver = new NamespaceDriver({ dataDir: data, hierarchy: cg.hierarchy });
  await driver.cleanupStale();
  const socket = join(root, 'runtime-api.sock');
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ url: req.url })));
  });
  await new Promise<void>((r) => server.listen(socket, r));
  const code = (files: Record<string, string>): string => {
    const dir = join(root, `code-${++counter}`);
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      writeFileSync(path, content, { mode: name.endsWith('.sh') || name === 'bootstrap' ? 0o755 : 0o644 });
    }
    if (!existsSync(dir)) mkdirSync(dir, { mode: 0o755 });
    return dir;
  };
  return {
    root,
    dataDir: data,
    driver,
    socket,
    requests,
    code,
    spec(over) {
      let out = '';
      const spec: SandboxSpec & { output(): string } = {
        id: `t${process.pid}-${++counter}`,
        codeDir: over.codeDir ?? code({}),
        layerDirs: [],
        runtimeDir: join(repoRoot, 'src', 'runtimes'),
        hostExecutables: ['/usr/bin/node'],
        env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        memoryMb: 1769,
        ephemeralStorageMb: 64,
        runtimeApi: { kind: 'unix', path: socket },
        networkEgress: false,
        ...over,
        onOutput: (chunk) => {
          out += chunk.toString();
          over.onOutput?.(chunk);
        },
        output: () => out,
      };
      return spec;
    },
    async close() {
      await driver.destroyAll();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Resolves when the output matches, or rejects after ms. */
export async function waitForOutput(
  spec: { output(): string },
  pattern: RegExp,
  ms = 10_000,
): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = pattern.exec(spec.output());
    if (m) return m[0];
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`output did not match ${pattern} within ${ms} ms:\n${spec.output()}`);
}

/** A process that still exists and is not a zombie (an exited process its new parent has yet to reap). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
