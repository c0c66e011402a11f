// Real pieces for worker and invoke tests: a process-tier driver, a Runtime API, a SQLite log store in a
// temp dir, and function versions whose code is a copy of a fixture (as the control plane unzips it).

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionVersionSpec } from '../../src/control/model.js';
import { createRuntimeApi } from '../../src/runtime-api/index.js';
import { ProcessDriver } from '../../src/sandbox/process/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import {
  type SqliteFunctionLogs,
  createSqliteFunctionLogs,
  logsSchema,
} from '../../src/telemetry/log-store.js';
import { type Worker, type WorkerOptions, createWorker } from '../../src/worker/index.js';
import type { Invocation } from '../../src/worker/invocation.js';

export const fixturesDir = resolve(fileURLToPath(new URL('../fixtures/functions', import.meta.url)));

export interface Harness {
  readonly dir: string;
  readonly worker: Worker;
  readonly logs: SqliteFunctionLogs;
  /** A function version of `fixture`, its code copied into the harness dir. */
  spec(fixture: string, overrides?: Partial<FunctionVersionSpec>): FunctionVersionSpec;
  invocation(spec: FunctionVersionSpec, payload: unknown, extra?: Partial<Invocation>): Invocation;
  /** Messages of a function's log group, oldest first. */
  messages(spec: FunctionVersionSpec): string[];
  close(): Promise<void>;
}

let counter = 0;

export function createHarness(options: Partial<WorkerOptions> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-worker-'));
  const db = openDatabase(join(dir, 'data'), [logsSchema]);
  const logs = createSqliteFunctionLogs(db);
  const worker = createWorker({
    driver: new ProcessDriver({ scratchDir: join(dir, 'sandbox') }),
    runtimeApi: createRuntimeApi(),
    logs,
    region: 'us-east-1',
    memoryBudgetMb: 4096,
    keepAliveMs: 60_000,
    onError: (err, context) => process.stderr.write(`worker error (${context}): ${String(err)}\n`),
    ...options,
  });
  const copies = new Map<string, string>();
  return {
    dir,
    worker,
    logs,
    spec(fixture, overrides = {}) {
      let codeDir = copies.get(fixture);
      if (codeDir === undefined) {
        codeDir = join(dir, 'code', fixture);
        cpSync(join(fixturesDir, fixture), codeDir, { recursive: true });
        copies.set(fixture, codeDir);
      }
      const name = overrides.functionName ?? `fn-${++counter}`;
      return {
        functionName: name,
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
        version: '$LATEST',
        runtime: 'provided.al2023',
        handler: 'index.handler',
        memorySize: 128,
        timeout: 3,
        ephemeralStorageSize: 512,
        environment: {},
        architectures: ['x86_64'],
        codeSha256: 'sha',
        codeDir,
        layers: [],
        revisionId: 'rev-1',
        logGroup: `/aws/lambda/${name}`,
        logFormat: 'Text',
        ...overrides,
      };
    },
    invocation(spec, payload, extra = {}) {
      return {
        requestId: crypto.randomUUID(),
        payload: Buffer.from(JSON.stringify(payload)),
        invokedFunctionArn: spec.functionArn,
        spec,
        tail: false,
        ...extra,
      };
    },
    messages(spec) {
      logs.flush();
      return logs.query({ logGroupName: spec.logGroup, limit: 10_000 }).map((e) => e.message);
    },
    async close() {
      await worker.shutdown();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function json(payload: Buffer): Record<string, unknown> {
  return JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
