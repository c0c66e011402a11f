// X-Ray trace header for invocations whose caller sent none (Lambda-Runtime-Trace-Id, wire contract 2.5).
// Format: Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0 (Kindling does not sample).

import { randomUUID } from 'node:crypto';

export function newTraceId(nowMs: number): string {
  // randomUUID draws from a cached entropy pool: far cheaper per call than randomBytes on the hot path.
  const a = randomUUID();
  const b = randomUUID();
  const hex =
    a.slice(0, 8) + a.slice(9, 13) + a.slice(19, 23) + a.slice(24, 32) + b.slice(24, 36) + b.slice(0, 4);
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${hex.slice(0, 24)};Parent=${hex.slice(24)};Sampled=0`;
}
