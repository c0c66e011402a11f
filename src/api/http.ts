// The vocabulary of the API layer: a decoded request in, a plain response out. Operation modules
// (src/api/operations/*.ts) are functions of this shape; they decode, call a domain service, encode.
// They never touch sockets, SigV4 or the error wire format: src/api/server.ts does.

import type { IncomingHttpHeaders } from 'node:http';
import type { LambdaServiceError } from '../errors.js';

export interface ApiRequest {
  readonly method: string;
  /** Path without the query string, percent-decoding NOT applied (params are decoded). */
  readonly path: string;
  /** Path parameters, percent-decoded (e.g. FunctionName, Name, ARN). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The query string exactly as sent, without '?' (function URLs pass it through as rawQueryString). */
  readonly rawQuery: string;
  /** Address of the peer (function URLs report it as sourceIp). */
  readonly remoteAddress: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole body (bounded by the server's limit for the route). */
  readonly body: Buffer;
  /** x-amzn-RequestId of this call; also the invocation's request id for Invoke. */
  readonly requestId: string;
  /** Base URL the client used to reach this server, e.g. http://127.0.0.1:9000 (for Code.Location). */
  readonly baseUrl: string;
}

export type ApiBody = Buffer | string | Readonly<Record<string, unknown>> | ReadonlyArray<unknown>;

export interface ApiResponse {
  readonly status: number;
  /** An array value sends the header once per element (e.g. one Set-Cookie per cookie). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Objects and arrays are sent as JSON; strings and Buffers as they are. Omit for an empty body. */
  readonly body?: ApiBody;
}

export type RouteHandler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

export interface RouteOptions {
  /** Largest body accepted before the handler runs; beyond it the server answers `tooLarge()`. */
  readonly maxBodyBytes?: number;
  /** Error to answer with when the body is larger than maxBodyBytes. */
  readonly tooLarge?: (size: number) => Error;
  /** Skip SigV4 verification (health, code download URLs carrying their own token, function URLs). */
  readonly unauthenticated?: boolean;
  /**
   * Writes this route's errors in its protocol's format (e.g. SQS's query protocol answers in XML).
   * Without it, Lambda's rest-json format (or awsJson for X-Amz-Target services) is used.
   */
  readonly encodeError?: (error: LambdaServiceError, requestId: string) => ApiResponse;
}

/** Where operation modules register their routes. Lambda paths may carry different date prefixes. */
export interface Routes {
  add(method: string, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /**
   * A JSON-protocol service told apart by X-Amz-Target (e.g. 'Logs_20140328.' or 'AmazonSQS.'):
   * POST / with that header prefix goes to `handler`, which receives the operation name in params.Operation.
   */
  addTarget(targetPrefix: string, handler: RouteHandler, options?: RouteOptions): void;
}

/** The JSON body of a request, parsed; a non-JSON or non-object body is InvalidRequestContentException. */
export type JsonObject = Record<string, unknown>;
