// Scale-out: 0 → 100 concurrent environments of one function. 100 concurrent Invokes of a handler that
// sleeps 1 s; the figure is the time until all 100 responses arrive, minus the sleep. With LogType Tail each
// response also tells when its environment's init completed (response time − Duration), so the time until
// the 100th environment was ready is reported too.

import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { BenchContext, Benchmark } from './lib/context.js';
import { nodeSleep } from './lib/functions.js';
import {
  createFunction,
  functionEnvironments,
  lambdaClient,
  liveSandboxes,
  startServer,
} from './lib/kindling.js';
import { parseReport } from './lib/report-line.js';
import { type Figure, atMost } from './lib/report.js';
import { msSince, summarize } from './lib/stats.js';

const SLEEP_MS = 1000;
const MEMORY_SIZE_MB = 128;

export const scale: Benchmark = {
  name: 'scale',
  title: 'Scale-out: 0 → 100 concurrent environments of one function (1 s handler)',
  async run(ctx: BenchContext) {
    const count = 100;
    const notes: string[] = [];
    // Room for 100 environments of 128 MB plus margin; the account limit (1,000) is not in the way.
    const budgetMb = count * MEMORY_SIZE_MB * 2;
    const server = await startServer({
      sandbox: ctx.sandbox,
      env: { KINDLING_MEMORY_BUDGET_MB: String(budgetMb) },
    });
    const name = 'bench-scale-sleep';
    await createFunction(server.setupClient, name, await nodeSleep(), { MemorySize: MEMORY_SIZE_MB });
    const client = lambdaClient(server.endpoint, count);
    const payload = Buffer.from(JSON.stringify({ ms: SLEEP_MS }));

    ctx.log(`scale: ${count} concurrent invokes (${ctx.sandbox} tier)`);
    const start = process.hrtime.bigint();
    const results = await Promise.all(
      Array.from({ length: count }, async () => {
        try {
          const out = await client.send(
            new InvokeCommand({ FunctionName: name, Payload: payload, LogType: 'Tail' }),
          );
          const at = msSince(start);
          if (out.FunctionError !== undefined)
            return {
              ok: false as const,
              at,
              error: `${out.FunctionError}: ${Buffer.from(out.Payload ?? new Uint8Array())
                .toString()
                .slice(0, 200)}`,
            };
          const report = parseReport(out.LogResult);
          return { ok: true as const, at, report };
        } catch (err) {
          return {
            ok: false as const,
            at: msSince(start),
            error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
          };
        }
      }),
    );
    const allMs = msSince(start);
    const liveEnvironments = functionEnvironments(server, MEMORY_SIZE_MB).length;
    const prewarmed = liveSandboxes(server).length - liveEnvironments;
    client.destroy();
    await server.stop();

    const ok = results.filter((r) => r.ok);
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      const kinds = new Map<string, number>();
      for (const f of failed) if (!f.ok) kinds.set(f.error, (kinds.get(f.error) ?? 0) + 1);
      notes.push(
        `${failed.length} of ${count} invokes failed: ${[...kinds].map(([e, n]) => `${n}× ${e}`).join('; ')}`,
      );
    }
    const cold = ok.filter((r) => r.ok && r.report.initDurationMs !== undefined).length;
    if (ok.length > 0 && cold !== ok.length)
      notes.push(
        `${ok.length - cold} of ${ok.length} invokes reused an environment (no Init Duration): fewer than ${count} environments were used`,
      );
    const readyAt = ok.map((r) => (r.ok ? r.at - (r.report.durationMs ?? SLEEP_MS) : 0));
    const inits = ok
      .map((r) => (r.ok ? r.report.initDurationMs : undefined))
      .filter((v): v is number => v !== undefined);
    const valid = failed.length === 0;
    const overhead = valid ? allMs - SLEEP_MS : null;
    const lastReady = valid && readyAt.length > 0 ? Math.max(...readyAt) : null;

    const figures: Figure[] = [
      {
        what: `0 → ${count} environments: all responses − ${SLEEP_MS} ms sleep`,
        value: overhead,
        unit: 'ms',
        target: atMost(overhead, 2000, '≤ 2 s'),
        ...(valid ? {} : { note: `not a figure: ${failed.length} failed` }),
      },
      {
        what: `  until the ${count}th environment was ready (response − Duration)`,
        value: lastReady,
        unit: 'ms',
      },
      {
        what: '  Init Duration p50 / p99 under this burst',
        value: inits.length > 0 ? summarize(inits).p50 : null,
        unit: 'ms',
        note: inits.length > 0 ? `p99 ${summarize(inits).p99.toFixed(0)} ms` : '',
      },
      {
        what: '  environments of the function alive after the burst',
        value: liveEnvironments,
        unit: 'envs',
        note: `plus ${prewarmed} pre-warmed runtimes`,
      },
    ];
    return {
      figures,
      notes,
      details: {
        count,
        sleepMs: SLEEP_MS,
        memorySizeMb: MEMORY_SIZE_MB,
        budgetMb,
        allResponsesMs: allMs,
        succeeded: ok.length,
        failed: failed.length,
        coldInvokes: cold,
        readyAt: readyAt.length > 0 ? summarize(readyAt) : null,
        initDuration: inits.length > 0 ? summarize(inits) : null,
        liveEnvironments,
        prewarmedRuntimes: prewarmed,
      },
    };
  },
};
