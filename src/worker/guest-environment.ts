// The exact environment a runtime process sees (wire contract 2.6): Lambda's defaults, then the
// function's own variables, then the reserved variables, which nothing may override. Paths are guest
// paths from the driver's layout, so the same code serves a re-rooted sandbox (/var/task, /opt) and the
// process tier (host directories).

import { dirname } from 'node:path';
import type { FunctionVersionSpec } from '../control/model.js';
import type { GuestLayout } from '../sandbox/index.js';

export interface ExecutionRoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface GuestEnvironmentInput {
  readonly spec: FunctionVersionSpec;
  readonly layout: GuestLayout;
  readonly region: string;
  readonly credentials: ExecutionRoleCredentials;
  readonly logStreamName: string;
  /** Host executables the runtime needs; their directories lead PATH (as /var/lang/bin does in Lambda). */
  readonly hostExecutables: readonly string[];
  readonly initializationType?: 'on-demand' | 'provisioned-concurrency';
}

/**
 * Where Kindling's own runtime clients (Node.js, Python) find a Unix socket to the Runtime API that needs no
 * forwarder (GuestLayout.runtimeApiSocket). Not Lambda's: each client reads it and removes it from its
 * environment before the function's code loads, so a handler sees exactly Lambda's variables. The clients
 * name it too (src/runtimes/nodejs/runtime-api-socket.ts, src/runtimes/python/bootstrap.py).
 */
export const RUNTIME_API_SOCKET_VARIABLE = '_KINDLING_RUNTIME_API_SOCKET';

export function isProvidedRuntime(runtime: string): boolean {
  return runtime.startsWith('provided');
}

export function isNodeRuntime(runtime: string): boolean {
  return runtime.startsWith('nodejs');
}

/**
 * Lambda's defaults that depend only on the layout and the language's executables: the same for every
 * function of a runtime (a pre-warmed runtime starts with them, before its function is known).
 */
export function runtimeDefaults(
  layout: GuestLayout,
  hostExecutables: readonly string[],
): Record<string, string> {
  const task = layout.taskRoot;
  const opt = layout.optDir;
  const rt = layout.runtimeDir;
  const langDirs = [...new Set(hostExecutables.map((e) => dirname(e)))];
  return {
    PATH: [...langDirs, '/usr/local/bin', '/usr/bin', '/bin', `${opt}/bin`].join(':'),
    LD_LIBRARY_PATH: ['/lib64', '/usr/lib64', rt, `${rt}/lib`, task, `${task}/lib`, `${opt}/lib`].join(':'),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
  };
}

export function guestEnvironment(input: GuestEnvironmentInput): Record<string, string> {
  const { spec, layout } = input;
  const task = layout.taskRoot;
  const opt = layout.optDir;
  const rt = layout.runtimeDir;
  const defaults = runtimeDefaults(layout, input.hostExecutables);
  if (isNodeRuntime(spec.runtime)) {
    const major = /^nodejs(\d+)/.exec(spec.runtime)?.[1] ?? '';
    defaults.NODE_PATH = [
      `${opt}/nodejs/node${major}/node_modules`,
      `${opt}/nodejs/node_modules`,
      `${rt}/node_modules`,
      rt,
      task,
    ].join(':');
  }
  if (spec.runtime.startsWith('python') && opt !== '/opt') {
    // The Python bootstrap puts Lambda's literal /opt/python paths on sys.path; a tier that cannot show the
    // layers at /opt (the process tier) points Python at where they are instead.
    // The runtime's name is its library folder's name (python3.12 → /opt/python/lib/python3.12).
    defaults.PYTHONPATH = [`${opt}/python/lib/${spec.runtime}/site-packages`, `${opt}/python`].join(':');
  }
  const reserved: Record<string, string> = {
    _HANDLER: spec.handler,
    AWS_LAMBDA_RUNTIME_API: layout.runtimeApiAddress,
    LAMBDA_TASK_ROOT: task,
    LAMBDA_RUNTIME_DIR: rt,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: spec.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: spec.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: input.initializationType ?? 'on-demand',
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_ACCESS_KEY_ID: input.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: input.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: input.credentials.sessionToken,
    PWD: task,
  };
  if (!isProvidedRuntime(spec.runtime)) reserved.AWS_EXECUTION_ENV = `AWS_Lambda_${spec.runtime}`;
  if (spec.logFormat === 'JSON') reserved.AWS_LAMBDA_LOG_FORMAT = 'JSON';
  const env = { ...defaults, ...spec.environment, ...reserved };
  if (isNodeRuntime(spec.runtime) || spec.runtime.startsWith('python')) {
    // Only the layout's socket: a function's own variable of that name is never taken for it.
    delete env[RUNTIME_API_SOCKET_VARIABLE];
    if (layout.runtimeApiSocket !== undefined) env[RUNTIME_API_SOCKET_VARIABLE] = layout.runtimeApiSocket;
  }
  return env;
}
