// Before a throughput run at concurrency N, N invokes are sent at once and all awaited (twice), so that N
// environments exist and are idle when the measurement starts: a warm figure measures warm invokes, not
// the cold starts a first burst causes (those are the cold and scale benchmarks' figures).

import { request as httpRequest } from 'node:http';
import type { ReplayableRequest } from './signed-invoke.js';

function send(url: URL, r: ReplayableRequest): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path,
        headers: { ...r.headers, 'content-length': String(r.body.length) },
        agent: false,
        timeout: 60_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end(r.body);
  });
}

/** Sends `requests` all at once, `rounds` times; returns the status codes of the last round. */
export async function prime(
  endpoint: string,
  requests: readonly ReplayableRequest[],
  rounds = 2,
): Promise<number[]> {
  const url = new URL(endpoint);
  let statuses: number[] = [];
  for (let i = 0; i < rounds; i++) statuses = await Promise.all(requests.map((r) => send(url, r)));
  return statuses;
}
