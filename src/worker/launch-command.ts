// How each runtime is started inside an environment. Managed runtimes run Kindling's own runtime client
// from the runtime directory on the host's interpreter; provided.* run the function's `bootstrap`,
// looked up in the code first and then in the layers, as Lambda does.

import { execFile } from 'node:child_process';
import { constants, access } from 'node:fs/promises';
import { join } from 'node:path';
import type { FunctionVersionSpec } from '../control/model.js';
import type { GuestLayout } from '../sandbox/index.js';
import { isNodeRuntime, isProvidedRuntime } from './guest-environment.js';

export type LaunchPlan =
  | { readonly ok: true; readonly command: readonly string[]; readonly hostExecutables: readonly string[] }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

let python: Promise<string> | undefined;

/** The host's real python3 binary (not a shim), resolved once. */
export function hostPython(): Promise<string> {
  python ??= new Promise<string>((resolve, reject) => {
    execFile('python3', ['-c', 'import sys; print(sys.executable)'], (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.trim());
    });
  });
  python.catch(() => {
    python = undefined;
  });
  return python;
}

/**
 * V8 options of every Node.js runtime process. No memory reducer: V8 schedules its heap-shrinking
 * collections 8 s after activity quiets down, but an idle environment is frozen 50 ms after its invocation,
 * so the collection ran at the next thaw instead: on the request path, under the function's CPU quota (at
 * 128 MB, 10+ ms of GC is 150+ ms of wall time). Ordinary collections still run as allocation needs them.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--no-memory-reducer'];

/**
 * The Node.js runtime client a Node.js environment starts, relative to the runtime directory: the runtime's
 * modules joined into one file at build time (scripts/bundle-nodejs-runtime.js), so a start reads and
 * compiles one file instead of one per module.
 */
export const NODE_RUNTIME_ENTRY = 'nodejs/runtime.js';

export async function launchPlan(spec: FunctionVersionSpec, layout: GuestLayout): Promise<LaunchPlan> {
  const runtime = spec.runtime;
  if (isNodeRuntime(runtime)) {
    return {
      ok: true,
      command: [process.execPath, ...NODE_RUNTIME_FLAGS, `${layout.runtimeDir}/${NODE_RUNTIME_ENTRY}`],
      hostExecutables: [process.execPath],
    };
  }
  if (runtime.startsWith('python3')) {
    const py = await hostPython();
    return { ok: true, command: [py, `${layout.runtimeDir}/python/bootstrap.py`], hostExecutables: [py] };
  }
  if (isProvidedRuntime(runtime)) {
    if (await isFile(join(spec.codeDir, 'bootstrap'))) {
      return { ok: true, command: [`${layout.taskRoot}/bootstrap`], hostExecutables: [] };
    }
    for (const layer of spec.layers) {
      if (await isFile(join(layer.dir, 'bootstrap'))) {
        return { ok: true, command: [`${layout.optDir}/bootstrap`], hostExecutables: [] };
      }
    }
    return {
      ok: false,
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
    };
  }
  return { ok: false, errorType: 'Runtime.InvalidRuntime', errorMessage: `Unsupported runtime: ${runtime}` };
}

async function isFile(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}
