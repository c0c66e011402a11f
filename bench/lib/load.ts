// Throughput with a lean load generator (autocannon) replaying pre-signed Invoke requests over N keep-alive
// connections. Only 2xx answers count; any non-2xx, error or timeout makes the figure invalid, and the
// result says so rather than printing a number.

import autocannon from 'autocannon';
import type { ReplayableRequest } from './signed-invoke.js';

export interface LoadRun {
  readonly connections: number;
  readonly durationS: number;
  /** 2xx responses per second. */
  readonly rps: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly statusCodes: Record<string, number>;
  /** True when every request was answered with 2xx. */
  readonly valid: boolean;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /**
   * Requests per connection: connection i replays `perConnection(i)` in a loop. One request for all
   * connections is the single-function case; disjoint lists spread load over many functions without
   * two connections ever invoking the same function at once.
   */
  readonly perConnection: (index: number) => readonly ReplayableRequest[];
  /** Requests per second across all connections; absent: as fast as answers come. */
  readonly overallRate?: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadRun> {
  let next = 0;
  const first = opts.perConnection(0);
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 30,
    requests: first.map(toAutocannon),
    ...(opts.overallRate !== undefined && { overallRate: opts.overallRate }),
    setupClient: (client) => {
      const index = next++;
      client.setRequests(opts.perConnection(index).map(toAutocannon));
    },
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats)) statusCodes[code] = s.count;
  const ok = result['2xx'];
  return {
    connections: opts.connections,
    durationS: result.duration,
    rps: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    statusCodes,
    valid: ok > 0 && result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
  };
}

function toAutocannon(r: ReplayableRequest) {
  return { method: r.method, path: r.path, headers: r.headers, body: r.body };
}

/** Why a run is not a figure, or undefined when it is one. */
export function invalidReason(run: LoadRun): string | undefined {
  if (run.valid) return undefined;
  const parts: string[] = [];
  if (run.non2xx > 0) {
    const codes = Object.entries(run.statusCodes)
      .filter(([c]) => !c.startsWith('2'))
      .map(([c, n]) => `${n}×${c}`)
      .join(', ');
    parts.push(`${run.non2xx} non-2xx (${codes})`);
  }
  if (run.errors > 0) parts.push(`${run.errors} errors`);
  if (run.timeouts > 0) parts.push(`${run.timeouts} timeouts`);
  if (run.ok === 0) parts.push('no 2xx at all');
  return parts.join(', ');
}
