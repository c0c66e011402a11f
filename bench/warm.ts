// Warm sync invoke: latency through @aws-sdk/client-lambda (1 KB echo, sequential, keep-alive) and
// throughput with autocannon replaying one signed Invoke at concurrency 1, 8 and 32, each next to the
// HTTP-hop floor (a raw node:http echo, before and after) and the peer (serverless-offline), same run.

import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { BenchContext, Benchmark } from './lib/context.js';
import { startFloorServer } from './lib/floor.js';
import { nodeEcho } from './lib/functions.js';
import {
  type CpuThrottling,
  benchCredentials,
  benchRegion,
  cpuQuota,
  cpuThrottling,
  createFunction,
  functionEnvironments,
  lambdaClient,
  startServer,
  throttlingBetween,
} from './lib/kindling.js';
import { type LoadRun, invalidReason, runLoad } from './lib/load.js';
import { prime } from './lib/prime.js';
import { type Figure, atLeast, atMost, ratio } from './lib/report.js';
import { type LatencyRun, oneKbPayload, sdkLatency } from './lib/sdk-latency.js';
import { startServerlessOffline } from './lib/serverless-offline.js';
import { signedInvoke } from './lib/signed-invoke.js';

const CONCURRENCY = [1, 8, 32] as const;
const FUNCTION = 'bench-warm-echo';
const FUNCTION_1VCPU = 'bench-warm-echo-1769mb';

interface Target {
  readonly label: string;
  readonly endpoint: string;
  readonly functionName: string;
  readonly signed: boolean;
}

export const warm: Benchmark = {
  name: 'warm',
  title:
    'Warm sync invoke: latency (SDK) and throughput (autocannon), vs the HTTP hop and serverless-offline',
  async run(ctx: BenchContext) {
    const notes: string[] = [];
    const payload = oneKbPayload();
    const latencyOpts = { warmupCalls: 200, durationMs: 3000 };
    const loadSeconds = ctx.quick ? 3 : 5;

    const floorServer = await startFloorServer();
    const server = await startServer({ sandbox: ctx.sandbox });
    await createFunction(server.setupClient, FUNCTION, await nodeEcho());
    await server.client.send(new InvokeCommand({ FunctionName: FUNCTION, Payload: payload }));
    // The same echo with a full vCPU (1,769 MB): shows what the CPU share of 128 MB costs a warm invoke.
    await createFunction(server.setupClient, FUNCTION_1VCPU, await nodeEcho(), { MemorySize: 1769 });
    ctx.log('warm: starting serverless-offline (installed on first use into bench/.peers)');
    const peerStart = await startServerlessOffline();
    if (!peerStart.ok) notes.push(`serverless-offline unavailable: ${peerStart.reason}`);
    else if (peerStart.installMs > 0)
      notes.push(
        `serverless-offline ${peerStart.peer.version} installed in ${(peerStart.installMs / 1000).toFixed(1)} s`,
      );

    const floor: Target = {
      label: 'floor',
      endpoint: floorServer.endpoint,
      functionName: FUNCTION,
      signed: false,
    };
    const kindling: Target = {
      label: 'kindling',
      endpoint: server.endpoint,
      functionName: FUNCTION,
      signed: true,
    };
    const peer: Target | undefined = peerStart.ok
      ? {
          label: 'serverless-offline',
          endpoint: peerStart.peer.endpoint,
          functionName: peerStart.peer.functionName,
          signed: false,
        }
      : undefined;

    const latency = async (t: Target): Promise<LatencyRun> => {
      ctx.log(`warm: SDK latency against ${t.label}`);
      const client: LambdaClient = lambdaClient(t.endpoint, 1);
      try {
        return await sdkLatency(client, t.functionName, payload, latencyOpts);
      } finally {
        client.destroy();
      }
    };
    const floorBefore = await latency(floor);
    const throttleBefore = cpuThrottling(server);
    const kindlingLatency = await latency(kindling);
    const latencyThrottling = throttlingBetween(throttleBefore, cpuThrottling(server));
    // The same environment once more: by now its runtime has served thousands of invokes and V8 has
    // compiled its hot paths. During the first ~2,000 a warm echo costs the guest 140-370 µs of CPU instead
    // of 60-75, which under the 128 MB quota throttles most periods (bench/warm-by-memory.ts).
    const steadyThrottleBefore = cpuThrottling(server);
    const steadyLatency = await latency({ ...kindling, label: 'kindling (same environment, again)' });
    const steadyThrottling = throttlingBetween(steadyThrottleBefore, cpuThrottling(server));
    const echoEnvironment = functionEnvironments(server, 128)[0];
    const quota = echoEnvironment === undefined ? undefined : cpuQuota(server, echoEnvironment.name);
    const oneVcpuLatency = await latency({
      ...kindling,
      label: 'kindling (1,769 MB)',
      functionName: FUNCTION_1VCPU,
    });
    const peerLatency = peer ? await latency(peer) : undefined;
    const floorAfter = await latency(floor);
    const bestFloor = floorBefore.summary.p50 <= floorAfter.summary.p50 ? floorBefore : floorAfter;

    const load = async (t: Target, connections: number): Promise<LoadRun> => {
      ctx.log(`warm: autocannon c${connections} ${loadSeconds}s against ${t.label}`);
      const request = await signedInvoke(
        t.endpoint,
        t.functionName,
        payload,
        t.signed ? { region: benchRegion, credentials: benchCredentials } : undefined,
      );
      const primed = await prime(t.endpoint, Array(connections).fill(request));
      const failedPrimes = primed.filter((code) => code < 200 || code > 299).length;
      if (failedPrimes > 0)
        notes.push(`${t.label} c${connections}: ${failedPrimes} of ${connections} priming invokes failed`);
      return runLoad({
        url: t.endpoint,
        connections,
        durationS: loadSeconds,
        perConnection: () => [request],
      });
    };
    const loadThrottling: Record<number, CpuThrottling | undefined> = {};
    const throughput: Record<string, Record<number, LoadRun>> = {
      floor: {},
      kindling: {},
      'serverless-offline': {},
    };
    for (const c of CONCURRENCY) {
      for (const t of [floor, kindling, peer]) {
        // The peer is held to the c32 figure only (its own time is the suite's to spend sparingly).
        if (t === undefined || (t === peer && c !== 32)) continue;
        const before = t === kindling ? cpuThrottling(server) : undefined;
        const run = await load(t, c);
        if (t === kindling) loadThrottling[c] = throttlingBetween(before, cpuThrottling(server));
        const byConcurrency = throughput[t.label];
        if (byConcurrency !== undefined) byConcurrency[c] = run;
        const why = invalidReason(run);
        if (why !== undefined) notes.push(`${t.label} at concurrency ${c}: ${why}`);
      }
    }

    for (const [label, run] of [
      ['kindling', kindlingLatency],
      ['kindling (same environment, again)', steadyLatency],
      ['kindling (1,769 MB)', oneVcpuLatency],
      ['floor (before)', floorBefore],
      ['floor (after)', floorAfter],
      ['serverless-offline', peerLatency],
    ] as const) {
      if (run !== undefined && run.errors > 0)
        notes.push(`SDK latency against ${label}: ${run.errors} failed calls (first: ${run.firstError})`);
    }

    await server.stop();
    await floorServer.stop();
    if (peerStart.ok) await peerStart.peer.stop();

    const figures: Figure[] = [];
    const k = kindlingLatency.summary;
    const f = bestFloor.summary;
    const latencyValid = kindlingLatency.errors === 0;
    const lat = (v: number) => (latencyValid ? v : null);
    const latNote = latencyValid ? undefined : `${kindlingLatency.errors} failed calls: not a figure`;
    figures.push({
      what: 'warm invoke p50 (SDK, 1 KB echo)',
      value: lat(k.p50),
      unit: 'ms',
      floor: { what: 'HTTP hop p50', value: f.p50 },
      ratio: ratio(lat(k.p50), f.p50),
      target: atMost(ratio(lat(k.p50), f.p50), 2, '≤ 2× floor'),
      ...(latNote ? { note: latNote } : {}),
    });
    figures.push({
      what: 'warm invoke p50 added over the hop',
      value: latencyValid ? k.p50 - f.p50 : null,
      unit: 'ms',
      target: atMost(latencyValid ? k.p50 - f.p50 : null, 0.3, '≤ 0.3 ms'),
    });
    figures.push({
      what: 'warm invoke p90 (SDK)',
      value: lat(k.p90),
      unit: 'ms',
      floor: { what: 'HTTP hop p90', value: f.p90 },
      ratio: ratio(lat(k.p90), f.p90),
    });
    figures.push({
      what: 'warm invoke p99 (SDK)',
      value: lat(k.p99),
      unit: 'ms',
      floor: { what: 'HTTP hop p99', value: f.p99 },
      ratio: ratio(lat(k.p99), f.p99),
      target: atMost(lat(k.p99), 2, '≤ 2 ms'),
    });
    if (latencyThrottling !== undefined && latencyThrottling.periods > 0) {
      figures.push({
        what: '  CPU periods throttled during the latency run (128 MB quota)',
        value: (100 * latencyThrottling.throttled) / latencyThrottling.periods,
        unit: '%',
        note:
          `${latencyThrottling.throttled} of ${latencyThrottling.periods} periods, ` +
          `${(latencyThrottling.throttledMs / 1000).toFixed(2)} s throttled (cpu.stat)` +
          (quota === undefined ? '' : `; quota ${quota.quotaUs} µs per ${quota.periodUs} µs period`),
      });
    }
    // A diagnostic latency run: its p50 against the hop, its p99 and why it was taken in the note.
    const diagnosticP50 = (what: string, run: LatencyRun, why: string): Figure => {
      const p50 = run.errors === 0 ? run.summary.p50 : null;
      return {
        what,
        value: p50,
        unit: 'ms',
        floor: { what: 'HTTP hop p50', value: f.p50 },
        ratio: ratio(p50, f.p50),
        note: `p99 ${run.summary.p99.toFixed(2)} ms${why}`,
      };
    };
    figures.push(
      diagnosticP50(
        '  same function, next run (runtime compiled by V8): p50',
        steadyLatency,
        (steadyThrottling === undefined || steadyThrottling.periods === 0
          ? ''
          : `, ${steadyThrottling.throttled} of ${steadyThrottling.periods} periods throttled`) +
          ` (diagnostic: ${steadyLatency.summary.count} calls after the ${k.count + 2 * latencyOpts.warmupCalls} above)`,
      ),
      diagnosticP50(
        '  same, function with 1,769 MB (one vCPU): p50',
        oneVcpuLatency,
        " (diagnostic: the figures above use Lambda's default 128 MB)",
      ),
    );
    if (peerLatency !== undefined) {
      for (const q of ['p50', 'p99'] as const) {
        const value = lat(k[q]);
        const peerValue = peerLatency.errors === 0 ? peerLatency.summary[q] : null;
        figures.push({
          what: `warm invoke ${q} vs serverless-offline ${peerStart.ok ? peerStart.peer.version : ''}`.trim(),
          value,
          unit: 'ms',
          floor: { what: `serverless-offline ${q}`, value: peerValue },
          ratio: ratio(value, peerValue),
          target: atMost(ratio(value, peerValue), 0.1, '≤ 0.1× peer (10× faster)'),
        });
      }
    } else {
      figures.push({
        what: 'warm invoke p50 vs serverless-offline',
        value: lat(k.p50),
        unit: 'ms',
        target: { text: '≤ 0.1× peer (10× faster)', met: null },
        note: 'peer unavailable (see notes)',
      });
    }
    for (const c of CONCURRENCY) {
      const kr = throughput.kindling?.[c];
      const fr = throughput.floor?.[c];
      if (kr === undefined || fr === undefined) continue;
      const value = kr.valid ? kr.rps : null;
      const floorValue = fr.valid ? fr.rps : null;
      figures.push({
        what: `throughput c${c} (autocannon, 1 KB echo)`,
        value,
        unit: 'req/s',
        floor: { what: `HTTP hop c${c}`, value: floorValue },
        ratio: ratio(value, floorValue),
        ...(c === 32 ? { target: atLeast(ratio(value, floorValue), 0.5, '≥ 0.5× floor') } : {}),
        ...(kr.valid ? {} : { note: `not a figure: ${invalidReason(kr)}` }),
      });
    }
    const peerC32 = throughput['serverless-offline']?.[32];
    const kC32 = throughput.kindling?.[32];
    if (kC32 !== undefined) {
      const value = kC32.valid ? kC32.rps : null;
      const peerValue = peerC32?.valid ? peerC32.rps : null;
      figures.push({
        what: 'throughput c32 vs serverless-offline',
        value,
        unit: 'req/s',
        floor: { what: 'serverless-offline c32', value: peerValue },
        ratio: ratio(value, peerValue),
        target: atLeast(ratio(value, peerValue), 10, '≥ 10× peer'),
        ...(peerC32 === undefined ? { note: 'peer unavailable (see notes)' } : {}),
      });
    }

    return {
      figures,
      notes,
      details: {
        payloadBytes: payload.length,
        sandbox: ctx.sandbox,
        latency: {
          floorBefore: floorBefore.summary,
          kindling: kindlingLatency.summary,
          kindlingNextRun: steadyLatency.summary,
          kindling1769Mb: oneVcpuLatency.summary,
          serverlessOffline: peerLatency?.summary ?? null,
          floorAfter: floorAfter.summary,
        },
        throughput,
        cpuThrottling: {
          latency: latencyThrottling ?? null,
          latencyNextRun: steadyThrottling ?? null,
          throughput: loadThrottling,
          quota: quota ?? null,
        },
        serverlessOffline: peerStart.ok
          ? { version: peerStart.peer.version }
          : { unavailable: peerStart.reason },
      },
    };
  },
};
