// Which cgroup version this host runs, and where its hierarchies are mounted.
// Hybrid hosts (v1 controllers plus an empty cgroup2 mount, e.g. at /sys/fs/cgroup/unified) count as v1:
// what matters is where the memory, cpu, pids and freezer controllers live.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type CgroupHierarchy =
  | {
      readonly version: 1;
      /** Mount point of each v1 controller this driver uses. */
      readonly mounts: {
        readonly memory: string;
        readonly cpu: string;
        readonly pids: string;
        readonly freezer: string;
      };
    }
  | { readonly version: 2; readonly mount: string };

export type HierarchyProbe =
  | { readonly ok: true; readonly hierarchy: CgroupHierarchy }
  | { readonly ok: false; readonly reason: string };

const V1_CONTROLLERS = ['memory', 'cpu', 'pids', 'freezer'] as const;
const V2_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;

interface Mount {
  readonly point: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    // Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const point = left[4];
    const fsType = right[0];
    if (!point || !fsType) continue;
    mounts.push({ point: unescapeMount(point), fsType, superOptions: (right[2] ?? '').split(',') });
  }
  return mounts;
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function detectCgroupHierarchy(
  mountInfo = readFileSync('/proc/self/mountinfo', 'utf8'),
): HierarchyProbe {
  const mounts = parseMountInfo(mountInfo);
  const v1 = new Map<string, string>();
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const c of V1_CONTROLLERS) if (m.superOptions.includes(c) && !v1.has(c)) v1.set(c, m.point);
  }
  if (v1.has('memory')) {
    const missing = V1_CONTROLLERS.filter((c) => !v1.has(c));
    if (missing.length > 0) {
      return { ok: false, reason: `cgroup v1 controllers not mounted: ${missing.join(', ')}` };
    }
    return {
      ok: true,
      hierarchy: {
        version: 1,
        mounts: {
          memory: v1.get('memory')!,
          cpu: v1.get('cpu')!,
          pids: v1.get('pids')!,
          freezer: v1.get('freezer')!,
        },
      },
    };
  }
  for (const m of mounts) {
    if (m.fsType !== 'cgroup2') continue;
    const controllersFile = join(m.point, 'cgroup.controllers');
    if (!existsSync(controllersFile)) continue;
    const available = readFileSync(controllersFile, 'utf8').trim().split(/\s+/);
    const missing = V2_CONTROLLERS.filter((c) => !available.includes(c));
    if (missing.length === 0) return { ok: true, hierarchy: { version: 2, mount: m.point } };
    return { ok: false, reason: `cgroup v2 at ${m.point} lacks controllers: ${missing.join(', ')}` };
  }
  return { ok: false, reason: 'no cgroup hierarchy with a memory controller is mounted' };
}
