// Placement decisions as pure functions over plain data (STYLE §7, after OpenWhisk's
// ContainerPool.schedule): which warm environment takes an invocation, and whom to evict to make room
// for a new one under the host memory budget (DESIGN §5). No timers, processes or I/O here.

import { type EnvironmentState, isAvailable } from './environment-state.js';

export interface PlacementCandidate {
  readonly state: EnvironmentState;
}

/**
 * The warm environment to use, from a pool's idle environments in the order they became idle: the most
 * recently used available one (its caches are warmest and it is the least likely to be frozen). Returns
 * its index, or -1 when none is available.
 */
export function chooseWarmEnvironment(idleInOrder: readonly PlacementCandidate[]): number {
  for (let i = idleInOrder.length - 1; i >= 0; i--) {
    if (isAvailable(idleInOrder[i]!.state)) return i;
  }
  return -1;
}

export interface EvictionCandidate {
  readonly id: string;
  readonly memoryMb: number;
  readonly state: EnvironmentState;
  readonly idleSince: number;
}

export interface RoomRequest {
  /** MemorySize of the environment to start. */
  readonly memoryMb: number;
  /** Sum of MemorySize of every live environment. */
  readonly inUseMb: number;
  readonly budgetMb: number;
  /** Every live environment of the host (only idle and frozen ones can be evicted). */
  readonly environments: readonly EvictionCandidate[];
}

export type RoomDecision =
  | { readonly kind: 'fits' }
  | { readonly kind: 'evict'; readonly victims: readonly string[] }
  | { readonly kind: 'full' };

/** Makes room for a new environment: nothing to do, evict idle ones least-recently-used first, or no room. */
export function makeRoom(req: RoomRequest): RoomDecision {
  if (req.inUseMb + req.memoryMb <= req.budgetMb) return { kind: 'fits' };
  if (req.memoryMb > req.budgetMb) return { kind: 'full' };
  const idle = req.environments.filter((e) => isAvailable(e.state)).sort((a, b) => a.idleSince - b.idleSince);
  const victims: string[] = [];
  let inUse = req.inUseMb;
  for (const e of idle) {
    if (inUse + req.memoryMb <= req.budgetMb) break;
    victims.push(e.id);
    inUse -= e.memoryMb;
  }
  return inUse + req.memoryMb <= req.budgetMb ? { kind: 'evict', victims } : { kind: 'full' };
}
