// 1,000 distinct warm functions: throughput at concurrency 32, round-robin across 1,000 functions that each
// have one warm environment (autocannon, one pre-signed Invoke per function; connection i replays only the
// functions i, i+32, i+64, ... so no two connections ever invoke the same function at once), next to
// single-function throughput at concurrency 32 measured on the same server in the same run.
//
// Warming stops early, and says so, if the host's available memory would fall under a reserve: the
// suite never pushes a shared machine into swap or the OOM killer.

import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { BenchContext, Benchmark } from './lib/context.js';
import { nodeEcho } from './lib/functions.js';
import {
  benchCredentials,
  benchRegion,
  createFunction,
  functionEnvironments,
  liveSandboxes,
  startServer,
} from './lib/kindling.js';
import { type LoadRun, invalidReason, runLoad } from './lib/load.js';
import { inParallel } from './lib/pool.js';
import { prime } from './lib/prime.js';
import { hostMemoryAvailableKb } from './lib/processes.js';
import { type Figure, atLeast, ratio } from './lib/report.js';
import { oneKbPayload } from './lib/sdk-latency.js';
import { type ReplayableRequest, signedInvoke } from './lib/signed-invoke.js';

const CONNECTIONS = 32;
const MEMORY_SIZE_MB = 128;
/** Keep at least this much of the host's memory available while warming (KiB). */
const RESERVE_KB = 3 * 1024 * 1024;

export const many: Benchmark = {
  name: 'many',
  title: '1,000 distinct warm functions: throughput at c32 round-robin vs one function at c32',
  async run(ctx: BenchContext) {
    const count = ctx.quick ? 200 : 1000;
    const seconds = ctx.quick ? 3 : 5;
    const warmBudgetS = ctx.quick ? 20 : 70;
    const notes: string[] = [];
    if (ctx.quick) notes.push(`quick mode: ${count} functions, ${seconds} s windows`);
    const budgetMb = (count + 2 * CONNECTIONS) * MEMORY_SIZE_MB;
    const server = await startServer({
      sandbox: ctx.sandbox,
      env: { KINDLING_MEMORY_BUDGET_MB: String(budgetMb) },
    });
    const code = await nodeEcho();
    const payload = oneKbPayload();
    const identity = { region: benchRegion, credentials: benchCredentials };

    ctx.log(`many: creating ${count + 1} functions`);
    const names = Array.from({ length: count }, (_, i) => `bench-many-${i}`);
    const single = 'bench-many-single';
    await inParallel([single, ...names], 16, (name) =>
      createFunction(server.setupClient, name, code, { MemorySize: MEMORY_SIZE_MB }),
    );

    const measure = async (
      label: string,
      perConnection: (i: number) => readonly ReplayableRequest[],
    ): Promise<LoadRun> => {
      ctx.log(`many: autocannon c${CONNECTIONS} ${seconds}s, ${label}`);
      const run = await runLoad({
        url: server.endpoint,
        connections: CONNECTIONS,
        durationS: seconds,
        perConnection,
      });
      const why = invalidReason(run);
      if (why !== undefined) notes.push(`${label}: ${why}`);
      return run;
    };

    // One function first, on the fresh server: its 32 environments are started and idle before the run.
    const singleRequest = await signedInvoke(server.endpoint, single, payload, identity);
    const primed = await prime(server.endpoint, Array(CONNECTIONS).fill(singleRequest));
    const failedPrimes = primed.filter((c) => c < 200 || c > 299).length;
    if (failedPrimes > 0)
      notes.push(`one function: ${failedPrimes} of ${CONNECTIONS} priming invokes failed`);
    const singleRun = await measure('one function', () => [singleRequest]);

    ctx.log(`many: warming ${count} functions (one environment each, at most ${warmBudgetS} s)`);
    const warm: string[] = [];
    const failures: string[] = [];
    let stoppedBy: 'memory' | 'time' | undefined;
    const warmStart = performance.now();
    await inParallel(names, CONNECTIONS, async (name) => {
      if (stoppedBy !== undefined) return;
      if (hostMemoryAvailableKb() < RESERVE_KB) stoppedBy = 'memory';
      else if (performance.now() - warmStart > warmBudgetS * 1000) stoppedBy = 'time';
      if (stoppedBy !== undefined) return;
      try {
        const out = await server.setupClient.send(
          new InvokeCommand({ FunctionName: name, Payload: payload }),
        );
        if (out.FunctionError === undefined) warm.push(name);
        else
          failures.push(
            `${name}: ${out.FunctionError} ${Buffer.from(out.Payload ?? new Uint8Array())
              .toString()
              .slice(0, 300)}`,
          );
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      }
    });
    const warmMs = performance.now() - warmStart;
    if (stoppedBy === 'memory')
      notes.push(
        `warming stopped at ${warm.length} functions: host available memory fell under ${RESERVE_KB / 1024 / 1024} GiB`,
      );
    if (stoppedBy === 'time')
      notes.push(
        `warming stopped at ${warm.length} of ${count} functions after ${warmBudgetS} s (the suite's time bound): ` +
          `the server started ${(warm.length / (warmMs / 1000)).toFixed(1)} environments/s`,
      );
    if (failures.length > 0) notes.push(`${failures.length} warming invokes failed (first: ${failures[0]})`);
    const environmentsAfterWarming = functionEnvironments(server, MEMORY_SIZE_MB).length;
    const prewarmed = liveSandboxes(server).length - environmentsAfterWarming;

    // Connection i replays functions i, i+32, ...: no function is ever invoked twice at once, so each
    // keeps its one environment; an environment count above the function count after the run says otherwise.
    const requests = await Promise.all(
      warm.map((name) => signedInvoke(server.endpoint, name, payload, identity)),
    );
    const partitions = Array.from({ length: CONNECTIONS }, (_, i) =>
      requests.filter((_, j) => j % CONNECTIONS === i),
    );
    const manyRun =
      requests.length >= CONNECTIONS
        ? await measure(`${requests.length} functions round-robin`, (i) => partitions[i % CONNECTIONS] ?? [])
        : undefined;
    const environmentsAfterLoad = functionEnvironments(server, MEMORY_SIZE_MB).length;
    await server.stop();

    const singleValue = singleRun.valid ? singleRun.rps : null;
    const manyValue = manyRun?.valid ? manyRun.rps : null;
    const reached = warm.length === count;
    const figures: Figure[] = [
      {
        what: `throughput c${CONNECTIONS}, ${warm.length} distinct warm functions`,
        value: manyValue,
        unit: 'req/s',
        floor: { what: `one function c${CONNECTIONS}`, value: singleValue },
        ratio: ratio(manyValue, singleValue),
        target: reached
          ? atLeast(ratio(manyValue, singleValue), 0.5, '≥ 0.5× one function')
          : { text: '≥ 0.5× one function', met: null },
        ...(manyRun === undefined
          ? { note: 'too few warm functions to load' }
          : manyRun.valid
            ? reached
              ? {}
              : { note: `only ${warm.length} of ${count} functions warm` }
            : { note: `not a figure: ${invalidReason(manyRun)}` }),
      },
      {
        what: `  warming ${count} functions (one cold start each, ${CONNECTIONS} at a time)`,
        value: warmMs / 1000,
        unit: 's',
        note: `${warm.length} warm`,
      },
      {
        what: '  environments alive after warming / after the load',
        value: environmentsAfterWarming,
        unit: 'envs',
        note: `after the load: ${environmentsAfterLoad}`,
      },
    ];
    return {
      figures,
      notes,
      details: {
        functions: count,
        warmFunctions: warm.length,
        budgetMb,
        warmingMs: warmMs,
        environmentsAfterWarming,
        environmentsAfterLoad,
        prewarmedRuntimes: prewarmed,
        warmingFailures: failures.slice(0, 10),
        single: singleRun,
        many: manyRun ?? null,
      },
    };
  },
};
