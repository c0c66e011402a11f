// The functions the suite deploys, as users would write them: the same echo in Node.js, Python and a
// native custom runtime, a Node.js handler that sleeps (to hold environments busy for scale-out), and a
// no-op Node.js handler that answers with the time it started (asynchronous dispatch delay).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FunctionCode } from './kindling.js';
import { zip } from './zip.js';

const run = promisify(execFile);
const functionsDir = new URL('../functions/', import.meta.url).pathname;

/** Returns the event: no logging, nothing else, so a warm invoke measures the platform. */
export const NODE_ECHO_SOURCE = 'exports.handler = async (event) => event;\n';

export async function nodeEcho(): Promise<FunctionCode> {
  return {
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    zip: await zip([{ name: 'index.js', content: NODE_ECHO_SOURCE }]),
  };
}

/** Sleeps `event.ms` (default 1,000) milliseconds, then answers. */
export async function nodeSleep(): Promise<FunctionCode> {
  const source =
    'exports.handler = async (event) => {\n' +
    '  const ms = (event && event.ms) || 1000;\n' +
    '  await new Promise((resolve) => setTimeout(resolve, ms));\n' +
    '  return { slept: ms };\n' +
    '};\n';
  return {
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    zip: await zip([{ name: 'index.js', content: source }]),
  };
}

/**
 * A no-op that answers `{ id, startedAt }`: the event's `id` and the host clock (epoch ms) when the handler
 * started, so an invocation record's responsePayload tells when its event began to run.
 */
export async function nodeStartStamp(): Promise<FunctionCode> {
  const source = 'exports.handler = async (event) => ({ id: event && event.id, startedAt: Date.now() });\n';
  return {
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    zip: await zip([{ name: 'index.js', content: source }]),
  };
}

export async function pythonEcho(): Promise<FunctionCode> {
  const source = 'def lambda_handler(event, context):\n    return event\n';
  return {
    runtime: 'python3.12',
    handler: 'lambda_function.lambda_handler',
    zip: await zip([{ name: 'lambda_function.py', content: source }]),
  };
}

/** The native echo bootstrap, compiled with the host's C compiler into `buildDir`. */
export async function providedEcho(buildDir: string): Promise<FunctionCode> {
  const out = join(buildDir, 'bootstrap');
  await run('cc', ['-O2', '-o', out, join(functionsDir, 'provided-echo.c')]);
  return {
    runtime: 'provided.al2023',
    handler: 'bootstrap',
    zip: await zip([{ name: 'bootstrap', content: readFileSync(out), executable: true }]),
  };
}
