// Can this host run the namespace tier? Static checks first (Linux, root, bubblewrap, the built native
// pieces, a cgroup hierarchy with the needed controllers), then the real thing: one throwaway environment
// started and ended through the driver, so a host that only looks capable is not mistaken for one.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupHierarchy } from '../cgroups/index.js';
import type { CgroupHierarchy } from '../cgroups/index.js';
import type { TierProbe } from '../driver.js';
import { type NativeArtifacts, missingArtifact, nativeArtifacts } from './artifacts.js';

export type NamespaceProbe =
  | { readonly ok: true; readonly hierarchy: CgroupHierarchy; readonly detail: string }
  | { readonly ok: false; readonly reason: string };

export function probeNamespaceHost(artifacts: NativeArtifacts = nativeArtifacts()): NamespaceProbe {
  if (process.platform !== 'linux')
    return { ok: false, reason: `namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: 'the namespace tier needs root (it creates namespaces and cgroups)' };
  }
  const missing = missingArtifact(artifacts);
  if (missing) return { ok: false, reason: missing };
  const cgroups = detectCgroupHierarchy();
  if (!cgroups.ok) return cgroups;
  return { ok: true, hierarchy: cgroups.hierarchy, detail: `cgroup v${cgroups.hierarchy.version}` };
}

/** Static checks plus one real environment started and ended. */
export async function probeNamespaceTier(opts: {
  dataDir: string;
  artifacts?: NativeArtifacts;
}): Promise<NamespaceProbe & TierProbe> {
  const host = probeNamespaceHost(opts.artifacts);
  if (!host.ok) return host;
  // Imported here: index.ts re-exports this module.
  const { NamespaceDriver } = await import('./index.js');
  const scratch = mkdtempSync(join(tmpdir(), 'kindling-probe-'));
  chmodSync(scratch, 0o755); // it is the trial's /var/task: readable by the sandbox user
  const socket = join(scratch, 'runtime-api.sock');
  const server = createServer((c) => c.end());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, resolve);
    });
    const driver = new NamespaceDriver({
      dataDir: opts.dataDir,
      hierarchy: host.hierarchy,
      artifacts: opts.artifacts,
    });
    let output = '';
    const env = await driver.start({
      id: `probe-${process.pid}`,
      codeDir: scratch,
      layerDirs: [],
      runtimeDir: scratch,
      hostExecutables: [],
      command: ['/bin/sh', '-c', 'test "$(id -u)" != 0 && test -r /var/task'],
      env: { PATH: '/usr/bin:/bin' },
      memoryMb: 128,
      ephemeralStorageMb: 16,
      runtimeApi: { kind: 'unix', path: socket },
      networkEgress: false,
      onOutput: (chunk) => {
        output += chunk.toString();
      },
    });
    const timer = setTimeout(() => void env.destroy(), 5000);
    const exit = await env.exited;
    clearTimeout(timer);
    if (exit.code !== 0) {
      const why = output.trim().split('\n').slice(-3).join(' / ') || `exit ${exit.code ?? exit.signal}`;
      return { ok: false, reason: `a trial environment failed: ${why}` };
    }
    return { ok: true, hierarchy: host.hierarchy, detail: `${host.detail}, bubblewrap, seccomp` };
  } catch (err) {
    return { ok: false, reason: `a trial environment could not start: ${(err as Error).message}` };
  } finally {
    server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
