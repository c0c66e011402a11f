// The Runtime API's own CPU per invocation, apart from the rest of the server: one listener on a Unix
// socket and its session in this process; a runtime in a child process that answers each event as
// Kindling's runtimes do (the POST of its answer and the next GET /next in one write). This process's
// CPU time (process.cpuUsage) over N invocations, one at a time, divided by N. Given several builds, their
// runs are interleaved round by round and the medians printed.
//
//   npm run build && node --import tsx bench/runtime-api-cpu.ts [--build DIR ...] [--invokes 20000] [--rounds 5]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as RuntimeApiModule from '../src/runtime-api/index.js';

/** A runtime that echoes each event, pipelining the next /next behind its answer. */
const RUNTIME = `
const net = require('node:net');
const socket = net.connect(process.argv[1]);
const next = 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n';
let buf = Buffer.alloc(0);
socket.on('connect', () => socket.write(next));
socket.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const end = buf.indexOf('\\r\\n\\r\\n');
    if (end === -1) return;
    const head = buf.toString('latin1', 0, end);
    const length = Number(/content-length: *(\\d+)/i.exec(head)?.[1] ?? 0);
    if (buf.length < end + 4 + length) return;
    const body = buf.subarray(end + 4, end + 4 + length);
    buf = buf.subarray(end + 4 + length);
    const id = /lambda-runtime-aws-request-id: *(\\S+)/i.exec(head)?.[1];
    if (id === undefined) continue;
    socket.write(Buffer.concat([
      Buffer.from('POST /2018-06-01/runtime/invocation/' + id + '/response HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n', 'latin1'),
      body,
      Buffer.from(next, 'latin1'),
    ]));
  }
});
`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      build: { type: 'string', multiple: true, default: [] },
      invokes: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const builds = values.build.map((build) => resolve(build));
  if (builds.length === 0) builds.push(resolve(new URL('..', import.meta.url).pathname));
  return { builds, invokes: Number(values.invokes), rounds: Number(values.rounds) };
}

interface Harness {
  readonly build: string;
  run(count: number): Promise<number>;
  close(): Promise<void>;
  readonly results: number[];
}

async function harness(build: string, dir: string, index: number): Promise<Harness> {
  const api: typeof RuntimeApiModule = await import(
    pathToFileURL(join(build, 'dist', 'runtime-api', 'index.js')).href
  );
  let settle: (() => void) | null = null;
  const session = new api.RuntimeSession(
    {
      onReady: () => undefined,
      onResponse: () => settle?.(),
      onError: () => settle?.(),
      onResponseTooLarge: () => settle?.(),
      onInitError: () => undefined,
    },
    { functionName: 'fn', functionVersion: '$LATEST', handler: 'index.handler' },
  );
  const listener = await api.createRuntimeApi().open(session, 'unix', join(dir, `rapi-${index}.sock`));
  const path = listener.endpoint.kind === 'unix' ? listener.endpoint.path : '';
  const child = spawn(process.execPath, ['-e', RUNTIME, path], { stdio: 'inherit' });
  const payload = Buffer.from(JSON.stringify({ data: 'x'.repeat(1000) }));
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:fn';
  let n = 0;
  const one = () =>
    new Promise<void>((done) => {
      settle = done;
      n++;
      session.deliver(
        {
          requestId: `8f2c0d3e-0000-4000-8000-${String(n).padStart(12, '0')}`,
          payload,
          invokedFunctionArn: arn,
        },
        Date.now() + 3000,
      );
    });
  await one();
  return {
    build,
    results: [],
    async run(count) {
      const before = process.cpuUsage();
      for (let i = 0; i < count; i++) await one();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / count;
    },
    async close() {
      child.kill();
      await listener.close();
    },
  };
}

const opts = options(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'kindling-rapi-cpu-'));
try {
  const harnesses: Harness[] = [];
  for (const [i, build] of opts.builds.entries()) harnesses.push(await harness(build, dir, i));
  for (const h of harnesses) await h.run(2000);
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? harnesses : [...harnesses].reverse();
    for (const h of order) {
      const us = await h.run(opts.invokes);
      h.results.push(us);
      console.log(JSON.stringify({ round, build: h.build, cpuPerInvokeUs: Math.round(us * 10) / 10 }));
    }
  }
  for (const h of harnesses) {
    const sorted = [...h.results].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(JSON.stringify({ build: h.build, medianCpuPerInvokeUs: Math.round(median * 10) / 10 }));
    await h.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
