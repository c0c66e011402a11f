// What a Node.js environment's start costs before its first GET /next, next to a bare `node` start: CPU time
// (every thread of the node process, /proc/PID/task/*/schedstat, nanoseconds on a CPU) and wall time from
// spawn. Variants run interleaved in a fresh random order per round, so a busy shared host slows them alike:
//
//   bare        node -e (its own CPU, read at the end of its script)
//   files       the runtime client as separate modules (dist/runtimes/nodejs/bootstrap.js)
//   one file    the runtime client as environments start it (dist/runtimes/nodejs/runtime.js)
//   snapshot    (--snapshot) the same, from a V8 start-up snapshot built from runtime.js for this node
//
// Each runtime start gets Lambda's variables and Kindling's Runtime API socket (a server here that records the
// first GET /next, then kills the process) and loads an echo handler. A diagnostic: not part of `npm run bench`.
//
//   npm run build && node --import tsx bench/node-start.ts [--samples N] [--bwrap] [--snapshot]

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NODE_RUNTIME_ENTRY, NODE_RUNTIME_FLAGS } from '../src/worker/launch-command.js';
import { schedstat } from './lib/cpu-time.js';
import { bwrapAllNamespaces } from './lib/process-start.js';
import { median, msSince, percentile } from './lib/stats.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = join(repoRoot, 'dist/runtimes');
const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '60' },
    bwrap: { type: 'boolean', default: false },
    snapshot: { type: 'boolean', default: false },
  },
});
const samples = Number(args.samples) || 60;
const inBwrap = args.bwrap;

/** The node process under `pid` (itself, or inside bubblewrap a descendant). */
function nodeProcess(pid: number): number | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node') return p;
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') queue.push(...children.split(' ').map(Number));
      }
    } catch {
      // Exited meanwhile.
    }
  }
  return undefined;
}

const work = mkdtempSync(join(tmpdir(), 'kindling-node-start-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const taskRoot = join(work, 'task');
execFileSync('mkdir', ['-p', taskRoot]);
writeFileSync(join(taskRoot, 'index.js'), 'exports.handler = async (event) => event;\n');
const socketPath = join(work, 'runtime-api.sock');

// A wrapper that shows the work directory and the runtimes inside bubblewrap at the same paths.
function wrap(command: string[]): string[] {
  if (!inBwrap) return command;
  const args = bwrapAllNamespaces(command);
  const at = args.indexOf('--');
  args.splice(at, 0, '--bind', work, work, '--ro-bind', runtimeDir, runtimeDir);
  return ['bwrap', ...args];
}

type Sample = { cpu: number; wall: number };
let onNext: ((socket: Socket) => void) | undefined;
const server = createServer((socket) => {
  let head = '';
  socket.on('data', (chunk) => {
    head += chunk.toString('latin1');
    if (head.includes('\r\n\r\n') && head.startsWith('GET /2018-06-01/runtime/invocation/next'))
      onNext?.(socket);
  });
  socket.on('error', () => undefined);
});
await new Promise<void>((ready) => server.listen(socketPath, ready));

const bareScript =
  "const fs=require('fs');let ns=0;for(const t of fs.readdirSync('/proc/self/task'))ns+=Number(fs.readFileSync('/proc/self/task/'+t+'/schedstat','utf8').split(' ')[0]);process.stdout.write(String(ns/1e6))";

function exited(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
}

async function bare(): Promise<Sample> {
  const [command, ...args] = wrap([process.execPath, '-e', bareScript]);
  const start = process.hrtime.bigint();
  const child = spawn(command as string, args, { env: {}, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let wall = Number.NaN;
  child.stdout?.on('data', (c: Buffer) => {
    // Its script has run: the same point as a runtime's first GET /next.
    if (out === '') wall = msSince(start);
    out += c.toString();
  });
  await exited(child);
  return { cpu: Number(out), wall };
}

async function runtime(nodeArgs: string[]): Promise<Sample> {
  const env = {
    PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    _HANDLER: 'index.handler',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    _KINDLING_RUNTIME_API_SOCKET: socketPath,
    AWS_LAMBDA_FUNCTION_NAME: 'node-start',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
  };
  const [command, ...args] = wrap([process.execPath, ...NODE_RUNTIME_FLAGS, ...nodeArgs]);
  const start = process.hrtime.bigint();
  const child = spawn(command as string, args, { env, cwd: taskRoot, stdio: 'ignore' });
  const sample = await new Promise<Sample>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no GET /next from ${nodeArgs.join(' ')}`)), 10_000);
    onNext = (socket) => {
      clearTimeout(timer);
      const wall = msSince(start);
      const pid = nodeProcess(child.pid as number);
      done({ cpu: pid === undefined ? Number.NaN : schedstat(pid).onCpuUs / 1000, wall });
      socket.destroy();
    };
  });
  child.kill('SIGKILL');
  await exited(child);
  return sample;
}

const variants: Record<string, () => Promise<Sample>> = {
  bare,
  files: () => runtime([join(runtimeDir, 'nodejs/bootstrap.js')]),
  'one file': () => runtime([join(runtimeDir, NODE_RUNTIME_ENTRY)]),
};

if (args.snapshot) {
  // The one-file runtime with every module evaluated ahead, in a snapshot; the handler loads at deserialization.
  const nodeDir = join(runtimeDir, 'nodejs');
  const source = readFileSync(join(nodeDir, 'runtime.js'), 'utf8')
    .replaceAll(
      '`${__dirname}/${id.slice(2)}`, __dirname',
      `${JSON.stringify(`${nodeDir}/`)} + id.slice(2), ${JSON.stringify(nodeDir)}`,
    )
    .replace(
      'load("./bootstrap.js");',
      "for (const id of Object.keys(modules)) if (id !== './bootstrap.js') load(id);\n" +
        "require('v8').startupSnapshot.setDeserializeMainFunction(() => load('./bootstrap.js'));",
    );
  writeFileSync(join(work, 'snapshot-entry.js'), source);
  const blob = join(work, 'runtime.blob');
  execFileSync(
    process.execPath,
    [...NODE_RUNTIME_FLAGS, '--snapshot-blob', blob, '--build-snapshot', join(work, 'snapshot-entry.js')],
    {
      stdio: 'ignore',
    },
  );
  variants.snapshot = () => runtime(['--snapshot-blob', blob]);
}

for (const run of Object.values(variants)) await run(); // page cache warm-up, not counted
const results = new Map<string, Sample[]>(Object.keys(variants).map((name) => [name, []]));
for (let i = 0; i < samples; i++) {
  const order = Object.keys(variants).sort(() => Math.random() - 0.5);
  for (const name of order) results.get(name)?.push(await (variants[name] as () => Promise<Sample>)());
}
server.close();

const bareCpu = median((results.get('bare') ?? []).map((s) => s.cpu));
console.log(`node ${process.version}, ${samples} rounds${inBwrap ? ', inside bwrap (all namespaces)' : ''}`);
console.log('variant      CPU p50   CPU mean  vs bare   wall p50  wall p10');
for (const [name, list] of results) {
  const cpu = list.map((s) => s.cpu).sort((a, b) => a - b);
  const wall = list.map((s) => s.wall).sort((a, b) => a - b);
  const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
  const row = [
    name.padEnd(10),
    `${median(cpu).toFixed(2)} ms`.padStart(10),
    `${mean.toFixed(2)} ms`.padStart(10),
    `${(median(cpu) / bareCpu).toFixed(2)}×`.padStart(8),
    `${median(wall).toFixed(2)} ms`.padStart(10),
    `${percentile(wall, 0.1).toFixed(2)} ms`.padStart(10),
  ];
  console.log(row.join(' '));
}
