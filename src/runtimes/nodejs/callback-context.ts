// How a Node.js invocation completes, with the semantics of AWS's Node.js runtime:
// - callback(err, result): an error is reported at once; a result is reported when the event loop is empty
//   (callbackWaitsForEmptyEventLoop = true, the default) or at once when the handler set it to false;
// - context.done / succeed / fail and a settled promise report at once;
// - only the first of these counts; a second report is logged and ignored.

import { BeforeExit } from './before-exit.js';
import type { CallbackControls } from './invoke-context.js';

/** Where a completed invocation goes: the runtime loop posts it and moves on to the next event. */
export interface InvocationOutcomeSink {
  response(result: unknown): void;
  error(error: unknown): void;
}

export type HandlerCallback = (error?: unknown, result?: unknown) => void;

export interface CallbackContext {
  /** The third argument of a callback-style handler. */
  readonly callback: HandlerCallback;
  /** succeed / fail / done and callbackWaitsForEmptyEventLoop, to be completed into `context`. */
  readonly controls: CallbackControls;
  /** Marks the invocation answered (the default answer at an empty event loop was sent). */
  readonly markCompleted: () => void;
}

export function buildCallbackContext(sink: InvocationOutcomeSink): CallbackContext {
  let completed = false;
  let waitForEmptyEventLoop = true;

  const complete = (result: unknown): void => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    sink.response(result);
  };

  const callback: HandlerCallback = (error, result) => {
    BeforeExit.reset();
    if (error !== undefined && error !== null) {
      sink.error(error);
    } else if (!waitForEmptyEventLoop) {
      complete(result);
    } else {
      // setImmediate lets 'beforeExit' finish before the response opens new handles on the event loop.
      BeforeExit.set(() => setImmediate(() => complete(result)));
    }
  };

  const done = (error?: unknown, result?: unknown): void => {
    BeforeExit.reset();
    if (error !== undefined && error !== null) sink.error(error);
    else complete(result);
  };

  // Only the first call of callback / succeed / fail / done has an effect, as in AWS's runtime.
  let finished = false;
  const firstCallOnly =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      if (finished) return;
      fn(...args);
      finished = true;
    };

  const controls: CallbackControls = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly((result?: unknown) => done(null, result)),
    fail: firstCallOnly((error?: unknown) => done(error === undefined || error === null ? 'handled' : error)),
    done: firstCallOnly(done),
  };

  return {
    callback: firstCallOnly(callback),
    controls,
    markCompleted: () => {
      completed = true;
    },
  };
}
