// The Runtime API client and nothing else (wire contract 2.5): GET /next, POST /response, /error and
// /init/error, over one keep-alive connection to AWS_LAMBDA_RUNTIME_API.

import { Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';
import type { RuntimeErrorResponse } from './errors.js';

const API_VERSION = '/2018-06-01';
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/** One event from GET /runtime/invocation/next: its raw payload and the invocation headers. */
export interface NextInvocation {
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The Runtime API answered with a status it must not (e.g. 4xx for an unknown request id). */
export class RuntimeApiError extends Error {
  constructor(path: string, status: number, body: string) {
    super(`Runtime API ${path} answered ${status}: ${body}`);
  }
}

export class RuntimeApiClient {
  readonly #hostname: string;
  readonly #port: number;
  // One socket, kept open between calls: the environment talks to exactly one Runtime API and the next
  // call always follows the previous one, so a connection per call would only add latency.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });

  /** @param address AWS_LAMBDA_RUNTIME_API, "host:port". */
  constructor(address: string) {
    const colon = address.lastIndexOf(':');
    const host = colon > 0 ? address.slice(0, colon) : address;
    // An IPv6 address comes bracketed ("[::1]:9001"); node:http wants it bare.
    this.#hostname = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    this.#port = colon > 0 ? Number.parseInt(address.slice(colon + 1), 10) : 80;
  }

  /**
   * Long-polls for the next event. No timeout: the environment may be frozen for minutes between events and
   * the request must still be waiting when it is thawed.
   */
  async nextInvocation(): Promise<NextInvocation> {
    const path = `${API_VERSION}/runtime/invocation/next`;
    const result = await this.#send('GET', path, undefined, {});
    if (result.status !== 200) throw new RuntimeApiError(path, result.status, result.body);
    return { body: result.body, headers: result.headers };
  }

  /**
   * A pre-warmed runtime's wait for its function (prewarmed.ts): the environment it must take on. Sent on
   * the same keep-alive connection the first /next then reuses.
   */
  async awaitAssignment(): Promise<Record<string, string>> {
    const path = '/kindling/runtime/assignment';
    const result = await this.#send('GET', path, undefined, {});
    if (result.status !== 200) throw new RuntimeApiError(path, result.status, result.body);
    const parsed = JSON.parse(result.body) as { environment?: Record<string, string> };
    if (typeof parsed.environment !== 'object' || parsed.environment === null) {
      throw new RuntimeApiError(path, result.status, 'no environment in the assignment');
    }
    return parsed.environment;
  }

  /** Reports the invocation's result (already serialised JSON). */
  async postInvocationResponse(requestId: string, body: string): Promise<void> {
    await this.#post(`/runtime/invocation/${encodeURIComponent(requestId)}/response`, body, {});
  }

  async postInvocationError(requestId: string, error: RuntimeErrorResponse): Promise<void> {
    await this.#post(`/runtime/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(error), {
      [ERROR_TYPE_HEADER]: error.errorType,
    });
  }

  async postInitError(error: RuntimeErrorResponse): Promise<void> {
    await this.#post('/runtime/init/error', JSON.stringify(error), { [ERROR_TYPE_HEADER]: error.errorType });
  }

  /** Options for a streamed POST /response; the caller writes the body. */
  streamingRequestOptions(requestId: string): {
    hostname: string;
    port: number;
    path: string;
    agent: Agent;
  } {
    return {
      hostname: this.#hostname,
      port: this.#port,
      path: `${API_VERSION}/runtime/invocation/${encodeURIComponent(requestId)}/response`,
      agent: this.#agent,
    };
  }

  async #post(path: string, body: string, headers: OutgoingHttpHeaders): Promise<void> {
    const fullPath = API_VERSION + path;
    const result = await this.#send('POST', fullPath, body, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    if (result.status >= 300) throw new RuntimeApiError(fullPath, result.status, result.body);
  }

  async #send(
    method: string,
    path: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders,
  ): Promise<HttpResult> {
    try {
      return await this.#sendOnce(method, path, body, headers);
    } catch (error) {
      // The server may close an idle keep-alive socket just as it is reused; nothing reached it, so the
      // request is safe to repeat once on a fresh connection.
      if ((error as { reusedSocket?: boolean }).reusedSocket) {
        return this.#sendOnce(method, path, body, headers);
      }
      throw error;
    }
  }

  #sendOnce(
    method: string,
    path: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders,
  ): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      const req = request(
        { hostname: this.#hostname, port: this.#port, path, method, headers, agent: this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        const code = error.code;
        if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) error.reusedSocket = true;
        reject(error);
      });
      req.end(body);
    });
  }
}
