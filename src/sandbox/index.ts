// Choosing the isolation tier at start: 'auto' takes the strongest tier the host supports and says why;
// a forced tier that cannot work here is an error, never a silent fallback (DESIGN §4).

import { join } from 'node:path';
import type { SandboxDriver, SandboxTier } from './driver.js';
import { NamespaceDriver, probeNamespaceTier } from './namespace/index.js';
import { ProcessDriver } from './process/index.js';

export type * from './driver.js';

export type SandboxChoice = 'auto' | 'process' | 'namespace';

export interface SandboxSelection {
  readonly driver: SandboxDriver;
  readonly tier: SandboxTier;
  /** Why this tier: what the probe found (printed by the server at start). */
  readonly reason: string;
}

export async function selectSandboxDriver(
  choice: SandboxChoice,
  opts: { dataDir: string; log?: (msg: string) => void },
): Promise<SandboxSelection> {
  const processDriver = () => new ProcessDriver({ scratchDir: join(opts.dataDir, 'sandbox', 'process') });
  if (choice === 'process') {
    return {
      driver: processDriver(),
      tier: 'process',
      reason: 'forced with --sandbox process (no isolation)',
    };
  }
  const probe = await probeNamespaceTier({ dataDir: opts.dataDir });
  if (probe.ok) {
    const driver = new NamespaceDriver({ dataDir: opts.dataDir, hierarchy: probe.hierarchy, log: opts.log });
    const how = choice === 'namespace' ? 'forced with --sandbox namespace' : 'the host supports it';
    return {
      driver,
      tier: 'namespace',
      reason: `${how}: bubblewrap namespaces, seccomp, ${driver.cgroupDescription}`,
    };
  }
  if (choice === 'namespace') {
    throw new Error(`--sandbox namespace cannot run on this host: ${probe.reason}`);
  }
  return {
    driver: processDriver(),
    tier: 'process',
    reason: `namespace tier unavailable (${probe.reason}); environments run as plain processes WITHOUT isolation`,
  };
}
