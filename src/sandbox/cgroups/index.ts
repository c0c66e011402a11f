// cgroup v1 and v2 behind one small surface: detect the host's hierarchy, open the kindling-owned subtree
// for one server instance, create and remove environment cgroups.

import type { CgroupTree } from './environment-cgroup.js';
import { type CgroupHierarchy, type HierarchyProbe, detectCgroupHierarchy } from './hierarchy.js';
import { CgroupV1Tree } from './v1.js';
import { CgroupV2Tree } from './v2.js';

export type { CgroupTree, EnvironmentCgroup } from './environment-cgroup.js';
export { CGROUP_NAME } from './environment-cgroup.js';
export type { CgroupHierarchy, HierarchyProbe } from './hierarchy.js';
export { detectCgroupHierarchy } from './hierarchy.js';
export { limitsForMemory, MB_PER_VCPU, NO_CPU_QUOTA, PIDS_MAX, type EnvironmentLimits } from './limits.js';

/** Every cgroup Kindling creates lives under this directory of each hierarchy. */
export const KINDLING_CGROUP_ROOT = 'kindling';

/**
 * The subtree of one server instance: <hierarchy>/kindling/<instance>/. Keyed by instance so that
 * cleanupStale() of one server never touches the environments of another server on the same host.
 */
export function openCgroupTree(hierarchy: CgroupHierarchy, instance: string): CgroupTree {
  // SECURITY: instance is derived by the driver from a hash; it must still be a single path component.
  if (!/^[a-z0-9-]{1,64}$/.test(instance)) throw new Error(`invalid cgroup instance name: ${instance}`);
  const parentPath = `${KINDLING_CGROUP_ROOT}/${instance}`;
  return hierarchy.version === 1
    ? new CgroupV1Tree(hierarchy.mounts, parentPath)
    : new CgroupV2Tree(hierarchy.mount, parentPath);
}

export function probeCgroups(): HierarchyProbe {
  return detectCgroupHierarchy();
}
