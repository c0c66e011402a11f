// What every benchmark module receives and returns.

import type { BenchmarkResult } from './report.js';

export interface BenchContext {
  /** Shorter windows and fewer samples, for a quick look (figures are marked as such). */
  readonly quick: boolean;
  /** Isolation tier of the Kindling server under test (the host's default is namespace). */
  readonly sandbox: 'namespace' | 'process';
  /** Progress for the operator, on stderr (stdout carries the results). */
  log(message: string): void;
}

export interface Benchmark {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Omit<BenchmarkResult, 'name' | 'title' | 'durationMs'>>;
}
