// Kindling's Node.js runtime: the process a Node.js execution environment runs, started with Lambda's
// environment (wire contract 2.6) as `node $LAMBDA_RUNTIME_DIR/nodejs/runtime.js`: this module and the ones
// it requires, joined into one file at build time (scripts/bundle-nodejs-runtime.js).
// It loads the handler named by _HANDLER from LAMBDA_TASK_ROOT, then serves events from the Runtime API at
// AWS_LAMBDA_RUNTIME_API until the environment is shut down. Only what every start needs is loaded here.
// A pre-warmed start (prewarmed.ts) first waits, fully loaded, for the function it is assigned.

import { awslambdaGlobal } from './awslambda-global.js';
import { BeforeExit } from './before-exit.js';
import { logRuntimeError, patchConsole } from './console.js';
import { UnhandledPromiseRejection, toRuntimeErrorResponse } from './errors.js';
import { isStreamingHandler, loadHandler } from './handler-loader.js';
import { RuntimeApiClient } from './runtime-api-client.js';
import { takeRuntimeApiSocket } from './runtime-api-socket.js';
import { type FatalErrorCallbacks, RuntimeLoop } from './runtime-loop.js';

type Prewarmed = typeof import('./prewarmed.js');
/** Set (to 1) on a pre-warmed start (src/worker/prewarmed-runtimes.ts); only such a start loads prewarmed.js. */
const PREWARMED_MARKER = '_KINDLING_PREWARMED';

async function main(): Promise<void> {
  const client = new RuntimeApiClient(
    process.env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001',
    takeRuntimeApiSocket(),
  );
  // Pre-warmed: everything above is loaded; the function's environment arrives when one is assigned.
  if (process.env[PREWARMED_MARKER] === '1')
    await (require('./prewarmed.js') as Prewarmed).awaitAssignment(client);
  patchConsole();

  // Until the first event arrives, a fatal error is an init error (exit codes as AWS's runtime).
  const postInitErrorThenExit = (error: unknown, code: number): void => {
    const exit = (): never => process.exit(code);
    client.postInitError(toRuntimeErrorResponse(error)).then(exit, exit);
  };
  const fatal: FatalErrorCallbacks = {
    uncaughtException: (error) => postInitErrorThenExit(error, 129),
    unhandledRejection: (error) => postInitErrorThenExit(error, 128),
  };
  process.on('uncaughtException', (error) => {
    logRuntimeError('Uncaught Exception', error);
    fatal.uncaughtException(error);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logRuntimeError('Unhandled Promise Rejection', error);
    fatal.unhandledRejection(error);
  });
  BeforeExit.install();

  const noGlobal = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (noGlobal !== '1' && noGlobal !== 'true') {
    (globalThis as { awslambda?: unknown }).awslambda = awslambdaGlobal;
  }

  const handler = await loadHandler(
    process.env.LAMBDA_TASK_ROOT ?? process.cwd(),
    process.env._HANDLER ?? '',
  );
  new RuntimeLoop(client, handler, isStreamingHandler(handler), fatal).scheduleIteration();
}

// A failure to load the handler surfaces here and goes the way of any uncaught exception during init:
// logged as "Uncaught Exception", posted to /runtime/init/error, exit.
main().catch((error: unknown) => {
  // The listener receives the thrown value as-is (it may not be an Error), as Node passes it.
  process.emit('uncaughtException', error as Error);
});
