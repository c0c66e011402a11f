// Response streaming for handlers wrapped with `awslambda.streamifyResponse` (wire contract 2.5): the
// response is POSTed as it is written, with `Lambda-Runtime-Function-Response-Mode: streaming` and chunked
// encoding; an error after the first byte travels in the trailers `Lambda-Runtime-Function-Error-Type` and
// `Lambda-Runtime-Function-Error-Body` (base64 of the error JSON).

import type { ClientRequest, IncomingMessage } from 'node:http';
import { BeforeExit } from './before-exit.js';
import { logRuntimeError } from './console.js';
import { InvalidStreamingOperation, toRuntimeErrorResponse } from './errors.js';
import type { Handler } from './handler-loader.js';
import type { InvokeContext } from './invoke-context.js';
import type { RuntimeApiClient } from './runtime-api-client.js';

const ERROR_TYPE_TRAILER = 'Lambda-Runtime-Function-Error-Type';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

type Write = (
  chunk: unknown,
  encoding?: BufferEncoding,
  callback?: (error?: Error | null) => void,
) => boolean;

/** The writable the handler receives as its second argument. */
export interface ResponseStream extends ClientRequest {
  setContentType(contentType: string): void;
  /** Set by HttpResponseStream.from: writes the prelude before the first body byte. */
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

function createResponseStream(
  client: RuntimeApiClient,
  requestId: string,
): { stream: ResponseStream; responseDone: Promise<void> } {
  let written = false;
  const req = client.streamingRequest(requestId, {
    'Lambda-Runtime-Function-Response-Mode': 'streaming',
    'Transfer-Encoding': 'chunked',
    Trailer: `${ERROR_TYPE_TRAILER}, ${ERROR_BODY_TRAILER}`,
    'Content-Type': DEFAULT_CONTENT_TYPE,
  }) as ResponseStream;

  const responseDone = new Promise<void>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve());
      res.on('aborted', () => reject(new Error('Runtime API aborted the streamed response')));
    });
    req.on('error', reject);
  });
  // Awaited only on the success path; a failure elsewhere is reported through the stream's trailers.
  responseDone.catch(() => {});

  req.setContentType = (contentType: string): void => {
    if (written) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };

  const originalWrite = req.write.bind(req) as Write;
  (req as unknown as { write: Write }).write = (chunk, encoding, callback) => {
    const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    if (!written && typeof req._onBeforeFirstWrite === 'function') {
      req._onBeforeFirstWrite((prelude) => originalWrite(prelude));
    }
    written = true;
    return originalWrite(data, encoding, callback);
  };

  return { stream: req, responseDone };
}

/** Ends the stream with the error in its trailers (the status line has already been sent). */
function failStream(stream: ResponseStream, error: unknown, then: () => void): void {
  logRuntimeError('Invoke Error', error);
  const body = toRuntimeErrorResponse(error);
  try {
    stream.addTrailers({
      [ERROR_TYPE_TRAILER]: body.errorType,
      [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(body)).toString('base64'),
    });
  } catch {
    // Trailers cannot be added once the stream has ended; the error is still logged.
  }
  stream.end(() => then());
}

export interface StreamingInvocation {
  readonly client: RuntimeApiClient;
  readonly handler: Handler;
  readonly requestId: string;
  readonly body: string;
  readonly invokeContext: InvokeContext;
  readonly scheduleNext: () => void;
}

/** Runs one invocation of a streaming handler: `handler(event, responseStream, context)`. */
export async function invokeStreamingHandler(invocation: StreamingInvocation): Promise<void> {
  const { client, handler, requestId, body, invokeContext } = invocation;
  let waitForEmptyEventLoop = true;
  const scheduleNext = (): void => {
    BeforeExit.reset();
    if (!waitForEmptyEventLoop) invocation.scheduleNext();
    else BeforeExit.set(() => setImmediate(invocation.scheduleNext));
  };
  const { stream, responseDone } = createResponseStream(client, requestId);
  BeforeExit.set(() => invocation.scheduleNext());
  try {
    const context = invokeContext.attachTo({
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value: boolean) {
        waitForEmptyEventLoop = value;
      },
    });
    const result = handler(JSON.parse(body), stream, context);
    if (!result || typeof (result as { then?: unknown }).then !== 'function') {
      failStream(stream, 'Streaming does not support non-async handlers.', scheduleNext);
      return;
    }
    if ((await result) !== undefined) console.warn('Streaming handlers ignore return values.');
    if (!stream.writableEnded) {
      failStream(stream, 'Response stream is not finished.', scheduleNext);
      return;
    }
    await responseDone;
    scheduleNext();
  } catch (error) {
    failStream(stream, error, scheduleNext);
  }
}
