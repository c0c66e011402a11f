// The runtime loop: wait for the next event, invoke the handler, report its outcome, repeat.
// One invocation at a time; the next GET /next is only sent once the previous outcome has been posted.

import { BeforeExit } from './before-exit.js';
import { type InvocationOutcomeSink, buildCallbackContext } from './callback-context.js';
import { logRuntimeError, setCurrentRequestId } from './console.js';
import { toRuntimeErrorResponse } from './errors.js';
import type { Handler } from './handler-loader.js';
import { InvokeContext } from './invoke-context.js';
import type { RuntimeApiClient } from './runtime-api-client.js';

/**
 * What the process-wide 'uncaughtException' / 'unhandledRejection' listeners do. During init they report an
 * init error; once an invocation runs they report that invocation's error. Either way the process then exits,
 * as AWS's runtime does (exit codes 129 and 128), and the environment is replaced.
 */
/** How long a fatal error's report may take before the process exits anyway. */
const EXIT_REPORT_GRACE_MS = 2_000;

type ResponseStreaming = typeof import('./response-stream.js');
/** Response streaming, loaded by the first streamed invocation: most functions never stream. */
let responseStreaming: ResponseStreaming | undefined;

export interface FatalErrorCallbacks {
  uncaughtException: (error: unknown) => void;
  unhandledRejection: (error: unknown) => void;
}

export class RuntimeLoop {
  readonly #client: RuntimeApiClient;
  readonly #handler: Handler;
  readonly #streaming: boolean;
  readonly #fatal: FatalErrorCallbacks;

  constructor(client: RuntimeApiClient, handler: Handler, streaming: boolean, fatal: FatalErrorCallbacks) {
    this.#client = client;
    this.#handler = handler;
    this.#streaming = streaming;
    this.#fatal = fatal;
  }

  /** Starts the next iteration on the next turn of the event loop. */
  scheduleIteration(): void {
    setImmediate(() => this.#iterate());
  }

  /**
   * Starts the next iteration now. After a posted answer nothing is gained by waiting a turn: the next event
   * arrives as I/O anyway (and a setImmediate would cost the event loop an extra poll per invoke).
   */
  #iterate(): void {
    this.#handleOnce().then(
      // Success needs nothing here: either the handler's completion already started the next iteration, or
      // the invocation waits for an empty event loop and the 'beforeExit' listener will.
      () => {},
      // Only a broken Runtime API connection or a bug gets here; the environment cannot go on.
      (error: unknown) => {
        console.log(`Unexpected Top Level Error: ${String(error)}`);
        this.#fatal.uncaughtException(error);
      },
    );
  }

  async #handleOnce(): Promise<void> {
    const { body, headers } = await this.#client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    const requestId = invokeContext.requestId;
    setCurrentRequestId(requestId, invokeContext.tenantId);
    this.#setFatalErrorCallbacks(requestId);

    if (this.#streaming) {
      responseStreaming ??= require('./response-stream.js') as ResponseStreaming;
      await responseStreaming.invokeStreamingHandler({
        client: this.#client,
        handler: this.#handler,
        requestId,
        body,
        invokeContext,
        scheduleNext: () => this.scheduleIteration(),
      });
      return;
    }

    const { callback, controls, markCompleted } = buildCallbackContext(this.#outcomeSink(requestId));
    try {
      // A handler that neither returns a promise nor calls back is answered with null once the event loop
      // is empty (AWS's runtime does the same).
      BeforeExit.set(() => {
        markCompleted();
        this.#postResponse(requestId, 'null');
      });
      const result = this.#handler(JSON.parse(body), invokeContext.attachTo(controls), callback);
      if (isPromiseLike(result)) {
        result.then(controls.succeed, controls.fail).then(undefined, controls.fail);
      }
    } catch (error) {
      callback(error);
    }
  }

  #outcomeSink(requestId: string): InvocationOutcomeSink {
    return {
      response: (result) => {
        let serialized: string;
        try {
          serialized = JSON.stringify(result === undefined ? null : result);
        } catch {
          this.#postError(requestId, new Error('Unable to stringify response body'));
          return;
        }
        this.#postResponse(requestId, serialized);
      },
      error: (error) => this.#postError(requestId, error),
    };
  }

  #postResponse(requestId: string, body: string): void {
    // The GET /next for the following event rides in the same write (see runtime-api-client.ts).
    this.#client.postInvocationResponse(requestId, body, true).then(
      () => this.#iterate(),
      (error: unknown) => this.#reportPostFailure(error),
    );
  }

  #postError(requestId: string, error: unknown): void {
    logRuntimeError('Invoke Error', error);
    this.#client.postInvocationError(requestId, toRuntimeErrorResponse(error), true).then(
      () => this.#iterate(),
      (postError: unknown) => this.#reportPostFailure(postError),
    );
  }

  // The Runtime API refused the outcome (e.g. the invocation already timed out). The environment stays
  // usable: log it and take the next event, as AWS's runtime ignores the outcome of its posts.
  #reportPostFailure(error: unknown): void {
    process.stderr.write(`Failed to report the invocation outcome: ${String(error)}\n`);
    this.scheduleIteration();
  }

  #setFatalErrorCallbacks(requestId: string): void {
    const postThenExit = (error: unknown, code: number): void => {
      const done = (): never => process.exit(code);
      this.#client.postInvocationError(requestId, toRuntimeErrorResponse(error)).then(done, done);
      // The one connection may be held by an unfinished streamed response; the exit must not wait on it.
      setTimeout(done, EXIT_REPORT_GRACE_MS);
    };
    this.#fatal.uncaughtException = (error) => postThenExit(error, 129);
    this.#fatal.unhandledRejection = (error) => postThenExit(error, 128);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
