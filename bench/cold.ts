// Cold start: from the client's Invoke call to its response, for an invoke that must create an
// environment (a fresh function each time), for Node.js, Python and a native custom runtime, with the
// breakdown the server exposes (REPORT's Init Duration and Duration via LogType Tail; the rest is the API,
// placement and the client). Floors: bare `node -e 0` / `python3 -c 0` with an empty environment, and
// bare node inside bubblewrap with every namespace. The namespace tier is compared with the process tier.

import { DeleteFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { tempDir } from './lib/cleanup.js';
import type { BenchContext, Benchmark } from './lib/context.js';
import { nodeEcho, providedEcho, pythonEcho } from './lib/functions.js';
import { type BenchServer, type FunctionCode, createFunction, startServer } from './lib/kindling.js';
import { bwrapAllNamespaces, hasCommand, realPython, sampleStarts } from './lib/process-start.js';
import { parseReport } from './lib/report-line.js';
import { type Figure, atMost, ratio } from './lib/report.js';
import { type LatencySummary, msSince, summarize } from './lib/stats.js';

interface ColdSample {
  readonly totalMs: number;
  readonly initMs: number | undefined;
  readonly invokeMs: number | undefined;
}

interface ColdRun {
  readonly samples: ColdSample[];
  readonly errors: string[];
}

let sequence = 0;
const DIAGNOSTIC_COUNT = 10;
/** Pause between cold starts: longer than the server's refill of its pre-warmed runtimes. */
const QUIET_MS = 250;

async function coldStarts(
  server: BenchServer,
  label: string,
  code: FunctionCode,
  count: number,
  memoryMb = 128,
): Promise<ColdRun> {
  const samples: ColdSample[] = [];
  const errors: string[] = [];
  const payload = Buffer.from('{"cold":true}');
  for (let i = 0; i < count; i++) {
    const name = `bench-cold-${label}-${++sequence}`;
    await createFunction(server.setupClient, name, code, { MemorySize: memoryMb });
    const start = process.hrtime.bigint();
    try {
      const out = await server.client.send(
        new InvokeCommand({ FunctionName: name, Payload: payload, LogType: 'Tail' }),
      );
      const totalMs = msSince(start);
      if (out.FunctionError !== undefined) {
        errors.push(
          `${out.FunctionError}: ${Buffer.from(out.Payload ?? new Uint8Array())
            .toString()
            .slice(0, 300)}`,
        );
      } else {
        const report = parseReport(out.LogResult);
        samples.push({ totalMs, initMs: report.initDurationMs, invokeMs: report.durationMs });
      }
    } catch (err) {
      errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
    // The environment is not needed any more: deleting the function ends it (not timed). Then the server
    // gets a quiet moment (to refill what a cold start used), so each sample is an isolated cold start.
    await server.setupClient.send(new DeleteFunctionCommand({ FunctionName: name }));
    await new Promise((r) => setTimeout(r, QUIET_MS));
  }
  return { samples, errors };
}

function breakdown(run: ColdRun) {
  const total = summarize(run.samples.map((s) => s.totalMs));
  const inits = run.samples.map((s) => s.initMs).filter((v): v is number => v !== undefined);
  const invokes = run.samples.map((s) => s.invokeMs).filter((v): v is number => v !== undefined);
  const outside = run.samples
    .filter((s) => s.initMs !== undefined && s.invokeMs !== undefined)
    .map((s) => s.totalMs - (s.initMs ?? 0) - (s.invokeMs ?? 0));
  return {
    total,
    initDuration: inits.length > 0 ? summarize(inits) : null,
    firstInvokeDuration: invokes.length > 0 ? summarize(invokes) : null,
    outsideInit: outside.length > 0 ? summarize(outside) : null,
    errors: run.errors.length,
    firstError: run.errors[0] ?? null,
    samplesMs: run.samples.map((s) => Math.round(s.totalMs * 100) / 100),
    initSamplesMs: run.samples.map((s) => (s.initMs === undefined ? null : Math.round(s.initMs * 100) / 100)),
  };
}

export const cold: Benchmark = {
  name: 'cold',
  title: 'Cold start (fresh function each time): Node.js, Python, provided; vs process-start floors',
  async run(ctx: BenchContext) {
    const count = ctx.quick ? 10 : 30;
    const notes: string[] = [];
    if (ctx.quick) notes.push(`quick mode: ${count} cold starts per runtime (the promise is judged on 30)`);

    // Floors first, on an idle machine.
    ctx.log(`cold: process-start floors (${count} each)`);
    const floors: Record<string, LatencySummary | null> = {};
    floors.node = summarize(await sampleStarts(count, process.execPath, ['-e', '0']));
    const python = realPython();
    floors.python = python ? summarize(await sampleStarts(count, python, ['-c', '0'])) : null;
    if (!python) notes.push('python3 not found: no Python floor');
    if (hasCommand('bwrap')) {
      floors.nodeInBwrap = summarize(
        await sampleStarts(count, 'bwrap', bwrapAllNamespaces([process.execPath, '-e', '0'])),
      );
      floors.trueInBwrap = summarize(await sampleStarts(count, 'bwrap', bwrapAllNamespaces(['/bin/true'])));
    } else {
      floors.nodeInBwrap = null;
      floors.trueInBwrap = null;
      notes.push('bwrap not found: no sandbox floor');
    }

    const build = tempDir('provided');
    const codes: Record<string, FunctionCode | undefined> = {
      node: await nodeEcho(),
      python: await pythonEcho(),
    };
    try {
      codes.provided = await providedEcho(build.path);
    } catch (err) {
      notes.push(
        `provided.al2023 unavailable: could not compile the native bootstrap (${String(err).split('\n')[0]})`,
      );
    }

    const runs: Record<string, ColdRun> = {};
    const server = await startServer({ sandbox: ctx.sandbox });
    for (const runtime of ['node', 'python', 'provided'] as const) {
      const code = codes[runtime];
      if (code === undefined) continue;
      ctx.log(`cold: ${count} cold starts, ${code.runtime}, ${ctx.sandbox} tier`);
      runs[runtime] = await coldStarts(server, runtime, code, count);
    }
    // Diagnostic: the Node.js cold start with a full vCPU (1,769 MB) instead of 128 MB's share of one.
    let oneVcpuRun: ColdRun | undefined;
    if (codes.node !== undefined) {
      ctx.log(`cold: ${DIAGNOSTIC_COUNT} cold starts, nodejs20.x, 1,769 MB, ${ctx.sandbox} tier`);
      oneVcpuRun = await coldStarts(server, 'node-1769', codes.node, DIAGNOSTIC_COUNT, 1769);
    }
    await server.stop();

    // What the namespace tier adds over the process tier: both without pre-warmed runtimes (the process
    // tier has none, and they would hide the sandbox's own cost), Node.js, same count.
    let processRun: ColdRun | undefined;
    let bareNamespaceRun: ColdRun | undefined;
    if (ctx.sandbox === 'namespace' && codes.node !== undefined) {
      ctx.log(`cold: ${count} cold starts, nodejs20.x, namespace tier without pre-warmed runtimes`);
      const bareServer = await startServer({
        sandbox: 'namespace',
        env: { KINDLING_PREWARM_PER_RUNTIME: '0' },
      });
      bareNamespaceRun = await coldStarts(bareServer, 'node-no-prewarm', codes.node, count);
      await bareServer.stop();
      ctx.log(`cold: ${count} cold starts, nodejs20.x, process tier`);
      const processServer = await startServer({ sandbox: 'process' });
      processRun = await coldStarts(processServer, 'node-process', codes.node, count);
      await processServer.stop();
    }
    await build.remove();

    const details: Record<string, unknown> = { count, sandbox: ctx.sandbox, floors };
    const figures: Figure[] = [];
    const floorFor: Record<string, { what: string; value: LatencySummary | null | undefined }> = {
      node: { what: 'bare node -e 0', value: floors.node },
      python: { what: 'bare python3 -c 0', value: floors.python },
      provided: { what: 'bwrap /bin/true', value: floors.trueInBwrap },
    };
    for (const [runtime, run] of Object.entries(runs)) {
      const b = breakdown(run);
      details[runtime] = b;
      if (run.errors.length > 0)
        notes.push(`${runtime}: ${run.errors.length} failed cold starts (first: ${run.errors[0]})`);
      const valid = run.errors.length === 0 && run.samples.length > 0;
      const floor = floorFor[runtime];
      const fv = floor?.value ?? null;
      for (const q of ['p50', 'p99'] as const) {
        const value = valid ? b.total[q] : null;
        const target =
          runtime === 'node' && ctx.sandbox === 'namespace'
            ? q === 'p50'
              ? atMost(value, 10, '≤ 10 ms')
              : atMost(value, 30, '≤ 30 ms')
            : undefined;
        figures.push({
          what: `cold start ${runtime} ${q} (${ctx.sandbox})`,
          value,
          unit: 'ms',
          floor: { what: `${floor?.what ?? 'floor'} ${q}`, value: fv === null ? null : fv[q] },
          ratio: ratio(value, fv === null ? null : fv[q]),
          ...(target ? { target } : {}),
          ...(valid ? {} : { note: `not a figure: ${run.errors.length} failed` }),
        });
      }
      figures.push({
        what: `  ${runtime} Init Duration p50 (REPORT)`,
        value: b.initDuration?.p50 ?? null,
        unit: 'ms',
        floor: { what: `${floor?.what ?? 'floor'} p50`, value: fv?.p50 ?? null },
        ratio: ratio(b.initDuration?.p50, fv?.p50),
      });
      figures.push({
        what: `  ${runtime} first invoke Duration p50 (REPORT)`,
        value: b.firstInvokeDuration?.p50 ?? null,
        unit: 'ms',
      });
      figures.push({
        what: `  ${runtime} outside init+invoke p50 (API, placement, client)`,
        value: b.outsideInit?.p50 ?? null,
        unit: 'ms',
      });
    }
    if (oneVcpuRun !== undefined) {
      const b = breakdown(oneVcpuRun);
      details.node1769Mb = b;
      figures.push({
        what: `  node p50 with 1,769 MB (one vCPU), ${DIAGNOSTIC_COUNT} starts`,
        value: oneVcpuRun.errors.length === 0 ? b.total.p50 : null,
        unit: 'ms',
        floor: { what: 'bare node -e 0 p50', value: floors.node?.p50 ?? null },
        ratio: ratio(oneVcpuRun.errors.length === 0 ? b.total.p50 : null, floors.node?.p50),
        note: `Init Duration p50 ${b.initDuration?.p50.toFixed(1) ?? '—'} ms (diagnostic: the figures above use 128 MB)`,
      });
    }
    if (processRun !== undefined) {
      const b = breakdown(processRun);
      details.nodeProcessTier = b;
      const nsNode = bareNamespaceRun;
      if (nsNode !== undefined) {
        const nb = breakdown(nsNode);
        details.nodeNamespaceWithoutPrewarm = nb;
        figures.push({
          what: 'cold start node p50 (namespace, no pre-warmed runtimes)',
          value: nsNode.errors.length === 0 ? nb.total.p50 : null,
          unit: 'ms',
          floor: { what: 'bwrap node -e 0 p50', value: floors.nodeInBwrap?.p50 ?? null },
          ratio: ratio(nsNode.errors.length === 0 ? nb.total.p50 : null, floors.nodeInBwrap?.p50),
          note: `p99 ${nb.total.p99.toFixed(1)} ms; Init Duration p50 ${nb.initDuration?.p50.toFixed(1) ?? '—'} ms`,
        });
      }
      const nsValid = nsNode !== undefined && nsNode.errors.length === 0 && nsNode.samples.length > 0;
      const pValid = processRun.errors.length === 0 && processRun.samples.length > 0;
      if (!pValid)
        notes.push(
          `process tier: ${processRun.errors.length} failed cold starts (first: ${processRun.errors[0]})`,
        );
      figures.push({
        what: 'cold start node p50 (process tier)',
        value: pValid ? b.total.p50 : null,
        unit: 'ms',
        floor: { what: 'bare node -e 0 p50', value: floors.node?.p50 ?? null },
        ratio: ratio(pValid ? b.total.p50 : null, floors.node?.p50),
      });
      const extra =
        nsValid && pValid && nsNode
          ? summarize(nsNode.samples.map((s) => s.totalMs)).p50 - b.total.p50
          : null;
      const physical = floors.nodeInBwrap && floors.node ? floors.nodeInBwrap.p50 - floors.node.p50 : null;
      figures.push({
        what: 'namespace extra cold start over process (median, neither pre-warmed)',
        value: extra,
        unit: 'ms',
        floor: { what: 'bwrap (all namespaces) − bare node, p50', value: physical },
        ratio: ratio(extra, physical),
        target: atMost(extra, 8, '≤ 8 ms'),
      });
    }
    return { figures, notes, details };
  },
};
