// The `awslambda` global AWS's Node.js runtime gives handler modules: `streamifyResponse` marks a handler
// as streaming, `HttpResponseStream.from` starts a function URL response with its JSON prelude. Kept apart
// from response-stream.ts so that the streaming machinery (and node:http) loads only for handlers that
// stream, while every handler module can still find the global.

import type { ResponseStream } from './response-stream.js';

/** Content type of a function URL response whose stream starts with a JSON prelude (status, headers). */
const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const PRELUDE_DELIMITER = new Uint8Array(8);

/** `awslambda` global: what AWS's Node.js runtime gives handler modules for response streaming. */
export const awslambdaGlobal = {
  streamifyResponse: <T extends object>(handler: T, options?: { highWaterMark?: number }): T => {
    const marked = handler as Record<symbol, unknown>;
    marked[Symbol.for('aws.lambda.runtime.handler.streaming')] = 'response';
    // The buffer size hint is accepted for compatibility; Node's defaults are used.
    void options;
    return handler;
  },
  // A class because handlers call it as `awslambda.HttpResponseStream.from(...)`, as in AWS's runtime.
  // biome-ignore lint/complexity/noStaticOnlyClass: the shape is AWS's public API.
  HttpResponseStream: class HttpResponseStream {
    static from(stream: ResponseStream, prelude: unknown): ResponseStream {
      stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
      const metadata = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(metadata);
        write(PRELUDE_DELIMITER);
      };
      return stream;
    }
  },
};
