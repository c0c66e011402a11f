// A minimal Runtime API (wire contract 2.5) served on 127.0.0.1:0 for testing guest runtimes: /next,
// /response (buffered or streamed, with trailers), /error and /init/error. It is the runtime's peer in these
// tests, not the thing under test; Kindling's own Runtime API lives in src/runtime-api.

import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InvokeOptions {
  readonly requestId?: string;
  /** Lambda-Runtime-Deadline-Ms; default now + 30 s. */
  readonly deadlineMs?: number;
  readonly invokedFunctionArn?: string;
  readonly traceId?: string;
  readonly clientContext?: unknown;
  readonly cognitoIdentity?: unknown;
}

export interface InvocationOutcome {
  readonly kind: 'response' | 'error';
  readonly requestId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: Record<string, string | undefined>;
  /** Milliseconds from the event being handed out by /next to the outcome arriving. */
  readonly elapsedMs: number;
}

export interface InitError {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface QueuedEvent {
  readonly requestId: string;
  readonly payload: string;
  readonly headers: Record<string, string>;
  readonly resolve: (outcome: InvocationOutcome) => void;
  handedOutAt?: number;
}

const PREFIX = '/2018-06-01/runtime';

export class RuntimeApiPeer {
  /** GET /next requests received so far (a warm environment asks once per event, plus the waiting one). */
  nextRequests = 0;
  readonly initError: Promise<InitError>;
  readonly #queue: QueuedEvent[] = [];
  readonly #inFlight = new Map<string, QueuedEvent>();
  readonly #waiting: ServerResponse[] = [];
  readonly #server = createServer((req, res) => this.#route(req, res));
  #resolveInitError!: (error: InitError) => void;

  private constructor() {
    this.initError = new Promise((resolve) => {
      this.#resolveInitError = resolve;
    });
    // /next must be allowed to wait indefinitely.
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 0;
  }

  static async start(): Promise<RuntimeApiPeer> {
    const peer = new RuntimeApiPeer();
    await new Promise<void>((resolve) => peer.#server.listen(0, '127.0.0.1', resolve));
    return peer;
  }

  /** The value of AWS_LAMBDA_RUNTIME_API. */
  get address(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Queues an event and resolves with what the runtime posts for it. */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvocationOutcome> {
    const requestId = options.requestId ?? randomUUID();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': requestId,
      'Lambda-Runtime-Deadline-Ms': String(options.deadlineMs ?? Date.now() + 30_000),
      'Lambda-Runtime-Invoked-Function-Arn':
        options.invokedFunctionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
    };
    if (options.traceId) headers['Lambda-Runtime-Trace-Id'] = options.traceId;
    if (options.clientContext !== undefined) {
      headers['Lambda-Runtime-Client-Context'] = JSON.stringify(options.clientContext);
    }
    if (options.cognitoIdentity !== undefined) {
      headers['Lambda-Runtime-Cognito-Identity'] = JSON.stringify(options.cognitoIdentity);
    }
    return new Promise((resolve) => {
      this.#queue.push({ requestId, payload: JSON.stringify(event), headers, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#waiting.length > 0) {
      const event = this.#queue.shift() as QueuedEvent;
      const res = this.#waiting.shift() as ServerResponse;
      event.handedOutAt = Date.now();
      this.#inFlight.set(event.requestId, event);
      res.writeHead(200, event.headers).end(event.payload);
    }
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
        this.nextRequests += 1;
        this.#waiting.push(res);
        this.#dispatch();
        return;
      }
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        this.#resolveInitError({ headers: req.headers, body });
        res.writeHead(202).end('{"status":"OK"}');
        return;
      }
      const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      const event = match ? this.#inFlight.get(decodeURIComponent(match[1] as string)) : undefined;
      if (req.method !== 'POST' || !match || !event) {
        res.writeHead(match ? 400 : 404).end('{"errorType":"InvalidRequestID"}');
        return;
      }
      this.#inFlight.delete(event.requestId);
      event.resolve({
        kind: match[2] as 'response' | 'error',
        requestId: event.requestId,
        headers: req.headers,
        body,
        trailers: { ...req.trailers },
        elapsedMs: Date.now() - (event.handedOutAt ?? Date.now()),
      });
      res.writeHead(202).end('{"status":"OK"}');
    });
  }
}
