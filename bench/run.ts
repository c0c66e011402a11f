// `npm run bench [-- NAME...] [--quick] [--sandbox namespace|process] [--json FILE]`
// Runs the benchmark suite (or the named benchmarks) against a real Kindling server on loopback and prints
// the results as JSON and as a table: every figure next to its floor, measured in the same run, and the
// ratio. See docs/performance.md for the promises each figure is held to.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { asyncInvoke } from './async.js';
import { cold } from './cold.js';
import { runCleanups } from './lib/cleanup.js';
import type { BenchContext, Benchmark } from './lib/context.js';
import { type BenchmarkResult, renderTable } from './lib/report.js';
import { many } from './many.js';
import { memory } from './memory.js';
import { scale } from './scale.js';
import { warm } from './warm.js';

const SUITE: readonly Benchmark[] = [warm, cold, memory, scale, many, asyncInvoke];

interface Args {
  readonly names: string[];
  readonly quick: boolean;
  readonly sandbox: 'namespace' | 'process';
  readonly json: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const names: string[] = [];
  let quick = false;
  let sandbox: 'namespace' | 'process' = 'namespace';
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--sandbox') {
      const v = argv[++i];
      if (v !== 'namespace' && v !== 'process') throw new Error('--sandbox takes namespace or process');
      sandbox = v;
    } else if (a === '--json') json = argv[++i];
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        `usage: npm run bench -- [${SUITE.map((b) => b.name).join('|')} ...] [--quick] [--sandbox namespace|process] [--json FILE]\n`,
      );
      process.exit(0);
    } else if (a !== undefined && !a.startsWith('-')) names.push(a);
    else throw new Error(`unknown option ${a}`);
  }
  const unknown = names.filter((n) => !SUITE.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(`unknown benchmark ${unknown.join(', ')}; one of ${SUITE.map((b) => b.name).join(', ')}`);
  return { names, quick, sandbox, json };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const selected = args.names.length === 0 ? SUITE : SUITE.filter((b) => args.names.includes(b.name));
  const started = performance.now();
  const ctx: BenchContext = {
    quick: args.quick,
    sandbox: args.sandbox,
    log: (m) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${m}\n`),
  };
  const results: BenchmarkResult[] = [];
  let failed = false;
  for (const b of selected) {
    const t0 = performance.now();
    ctx.log(`${b.name}: ${b.title}`);
    try {
      const r = await b.run(ctx);
      results.push({ name: b.name, title: b.title, durationMs: performance.now() - t0, ...r });
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      ctx.log(`${b.name} failed: ${message}`);
      results.push({
        name: b.name,
        title: b.title,
        durationMs: performance.now() - t0,
        figures: [],
        details: {},
        notes: [`benchmark failed: ${message.split('\n')[0]}`],
      });
    } finally {
      // Each benchmark stops what it started; anything left (after a failure) is stopped here.
      await runCleanups();
    }
    ctx.log(`${b.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const report = {
    suite: 'kindling',
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    durationMs: performance.now() - started,
    quick: args.quick,
    sandbox: args.sandbox,
    host: hostDescription(),
    results,
  };
  const json = JSON.stringify(report, null, 2);
  process.stdout.write(`${json}\n\n`);
  process.stdout.write(`${renderTable(results)}\n`);
  for (const r of results) for (const n of r.notes) process.stdout.write(`- ${r.name}: ${n}\n`);
  process.stdout.write(`\nsuite finished in ${(report.durationMs / 1000).toFixed(1)} s\n`);
  if (args.json !== undefined) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, `${json}\n`);
  }
  return failed ? 1 : 0;
}

function hostDescription(): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    kernel: release(),
    cpus: availableParallelism(),
    memoryMb: Math.round(totalmem() / 1024 / 1024),
  };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping what the suite started\n`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  async (code) => {
    await runCleanups();
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    await runCleanups();
    process.exit(2);
  },
);
