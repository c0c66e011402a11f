// The Runtime API client and nothing else (wire contract 2.5): GET /next, POST /response, /error and
// /init/error, over one keep-alive connection to AWS_LAMBDA_RUNTIME_API.
//
// The client speaks HTTP/1.1 itself over one net.Socket rather than through node:http: the environment's
// CPU share is small (a 128 MB function gets a few percent of a core) and every warm invoke pays for two
// requests, so the generic client's per-request work is the runtime's own overhead on every event. AWS's
// runtime uses a native HTTP client for the same reason. The Runtime API answers every request here with a
// Content-Length body (never chunked), which is all this parser reads.

import { type ClientRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { RuntimeErrorResponse } from './errors.js';

const API_VERSION = '/2018-06-01';
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/** Header block limit of a Runtime API answer (Node's own default, --max-http-header-size). */
const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
/** TCP keep-alive on the idle connection, as node:http's keep-alive agent sets it. */
const KEEP_ALIVE_DELAY_MS = 1000;
/** Content-length marker of a chunked body (the Runtime API itself never sends one; other peers may). */
const CHUNKED = -3;
const NON_ASCII = /[\u0080-\uffff]/;
/** What node:http refuses in a header value (ERR_INVALID_CHAR). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** One event from GET /runtime/invocation/next: its raw payload and the invocation headers. */
export interface NextInvocation {
  readonly body: string;
  /** Header names lower-cased, as node:http gives them. */
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

/** A request in flight on the connection and the state of its response. */
interface Exchange {
  readonly resolve: (result: HttpResult) => void;
  readonly reject: (error: Error) => void;
  /** The connection had carried an earlier exchange: a failure before any answer may be retried. */
  received: boolean;
  status: number;
  headers: IncomingHttpHeaders;
  reused: boolean;
  /** -1 until the header block is read; -2 when the body runs to the end of the connection; CHUNKED. */
  contentLength: number;
  keepAlive: boolean;
  chunks: Buffer[];
  size: number;
}

export class RuntimeApiClient {
  readonly #hostname: string;
  readonly #port: number;
  readonly #hostHeader: string;
  /** A Unix socket to the same Runtime API (runtime-api-socket.ts), used instead of TCP when known. */
  #socketPath: string | undefined;
  // One socket, kept open between calls: the environment talks to exactly one Runtime API and the next
  // call always follows the previous one, so a connection per call would only add latency.
  #socket: Socket | null = null;
  #reused = false;
  #exchange: Exchange | null = null;
  /** Bytes read but not yet parsed (a header block split across reads). */
  #pendingHead: Buffer | null = null;
  // Calls go out one at a time on the one connection, in the order they were made (as over a keep-alive
  // agent with a single socket): a call made while another waits for its answer waits its turn.
  #busy = false;
  readonly #queue: (() => void)[] = [];

  /**
   * @param address AWS_LAMBDA_RUNTIME_API, "host:port".
   * @param socketPath a Unix socket reaching the same Runtime API directly, if the host offers one.
   */
  constructor(address: string, socketPath?: string) {
    this.#socketPath = socketPath;
    const colon = address.lastIndexOf(':');
    const host = colon > 0 ? address.slice(0, colon) : address;
    // An IPv6 address comes bracketed ("[::1]:9001"); the socket wants it bare.
    this.#hostname = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    this.#port = colon > 0 ? Number.parseInt(address.slice(colon + 1), 10) : 80;
    this.#hostHeader = this.#port === 80 ? host : `${host}:${this.#port}`;
  }

  /**
   * Long-polls for the next event. No timeout: the environment may be frozen for minutes between events and
   * the request must still be waiting when it is thawed.
   */
  async nextInvocation(): Promise<NextInvocation> {
    const path = `${API_VERSION}/runtime/invocation/next`;
    const result = await this.#send('GET', path, undefined, '');
    if (result.status !== 200) throw new RuntimeApiError(path, result.status, result.body);
    return { body: result.body, headers: result.headers };
  }

  /**
   * A pre-warmed runtime's wait for its function (prewarmed.ts): the environment it must take on. Sent on
   * the same keep-alive connection the first /next then reuses.
   */
  async awaitAssignment(): Promise<Record<string, string>> {
    const path = '/kindling/runtime/assignment';
    const result = await this.#send('GET', path, undefined, '');
    if (result.status !== 200) throw new RuntimeApiError(path, result.status, result.body);
    const parsed = JSON.parse(result.body) as { environment?: Record<string, string> };
    if (typeof parsed.environment !== 'object' || parsed.environment === null) {
      throw new RuntimeApiError(path, result.status, 'no environment in the assignment');
    }
    return parsed.environment;
  }

  /**
   * From now on, talk to the Runtime API over this Unix socket (a pre-warmed runtime learns it with its
   * assignment). The idle connection in use is closed; the next call opens one on the socket.
   */
  useSocket(path: string): void {
    this.#socketPath = path;
    const socket = this.#socket;
    if (socket !== null && this.#exchange === null) {
      this.#socket = null;
      socket.destroy();
    }
  }

  /** Reports the invocation's result (already serialised JSON). */
  async postInvocationResponse(requestId: string, body: string): Promise<void> {
    await this.#post(`/runtime/invocation/${encodeURIComponent(requestId)}/response`, body, '');
  }

  async postInvocationError(requestId: string, error: RuntimeErrorResponse): Promise<void> {
    await this.#post(
      `/runtime/invocation/${encodeURIComponent(requestId)}/error`,
      JSON.stringify(error),
      errorTypeHeader(error),
    );
  }

  async postInitError(error: RuntimeErrorResponse): Promise<void> {
    await this.#post('/runtime/init/error', JSON.stringify(error), errorTypeHeader(error));
  }

  /**
   * A streamed POST /response through node:http; the caller writes the body. The request takes its turn
   * among the client's calls: its connection opens once the calls before it are answered, and the next call
   * waits until the streamed request has closed.
   */
  streamingRequest(requestId: string, headers: OutgoingHttpHeaders): ClientRequest {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#release();
    };
    // Assigned once `request` returns; the connection may be asked for from within it.
    const started: { req?: ClientRequest } = {};
    const req = request({
      hostname: this.#hostname,
      port: this.#port,
      path: `${API_VERSION}/runtime/invocation/${encodeURIComponent(requestId)}/response`,
      method: 'POST',
      headers,
      createConnection: (_options, oncreate) => {
        this.#acquire(() => {
          if (started.req?.destroyed) {
            release();
            oncreate(new Error('streamed response aborted'), undefined as unknown as Socket);
            return;
          }
          oncreate(null, this.#connect());
        });
        return undefined;
      },
    });
    started.req = req;
    req.once('close', release);
    return req;
  }

  async #post(path: string, body: string, headers: string): Promise<void> {
    const fullPath = API_VERSION + path;
    const result = await this.#send(
      'POST',
      fullPath,
      body,
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}`,
    );
    if (result.status >= 300) throw new RuntimeApiError(fullPath, result.status, result.body);
  }

  #acquire(start: () => void): void {
    if (this.#busy) {
      this.#queue.push(start);
      return;
    }
    this.#busy = true;
    start();
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next === undefined) this.#busy = false;
    else next();
  }

  /** Sends one request in its turn; `headers` is a ready header block ("Name: value\r\n" lines). */
  #send(method: string, path: string, body: string | undefined, headers: string): Promise<HttpResult> {
    const head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\nConnection: keep-alive\r\n${headers}\r\n`;
    // The header block is Latin-1 on the wire (as node:http writes it), the body UTF-8; for the usual
    // all-ASCII header block both fit in one UTF-8 write.
    const message =
      NON_ASCII.test(head) && body !== undefined
        ? Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')])
        : NON_ASCII.test(head)
          ? Buffer.from(head, 'latin1')
          : head + (body ?? '');
    return new Promise<HttpResult>((resolve, reject) => {
      const done = {
        resolve: (result: HttpResult) => {
          this.#release();
          resolve(result);
        },
        reject: (error: Error) => {
          this.#release();
          reject(error);
        },
      };
      this.#acquire(() => this.#start(message, done, true));
    });
  }

  #start(
    message: string | Buffer,
    done: { resolve: (result: HttpResult) => void; reject: (error: Error) => void },
    mayRetry: boolean,
  ): void {
    const socket = this.#connection();
    const reused = this.#reused;
    const exchange: Exchange = {
      resolve: done.resolve,
      // The server may close an idle keep-alive socket just as it is reused; nothing reached it, so the
      // request is safe to repeat once on a fresh connection.
      reject: (error) => {
        if (mayRetry && exchange.reused) this.#start(message, done, false);
        else done.reject(error);
      },
      reused,
      received: false,
      status: 0,
      headers: {},
      contentLength: -1,
      keepAlive: true,
      chunks: [],
      size: 0,
    };
    this.#exchange = exchange;
    socket.ref();
    socket.write(message);
  }

  #connection(): Socket {
    if (this.#socket !== null) return this.#socket;
    const socket = this.#connect();
    if (this.#socketPath === undefined) socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.#socket = socket;
    this.#reused = false;
    this.#pendingHead = null;
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.#onEnd(socket, error));
    socket.on('close', () => this.#onEnd(socket, null));
    // The connection ends when the server ends it; a half-open socket would only hide that.
    socket.on('end', () => socket.destroy());
    return socket;
  }

  #connect(): Socket {
    return this.#socketPath !== undefined
      ? connect({ path: this.#socketPath })
      : connect({ host: this.#hostname, port: this.#port, noDelay: true });
  }

  /** The connection failed or closed: fail the exchange in flight, if any; the next call reconnects. */
  #onEnd(socket: Socket, error: NodeJS.ErrnoException | null): void {
    if (this.#socket !== socket) return;
    this.#socket = null;
    socket.destroy();
    const exchange = this.#exchange;
    if (exchange === null) return;
    this.#exchange = null;
    if (exchange.contentLength === -2 && error === null) {
      this.#complete(exchange);
      return;
    }
    const failure =
      error ??
      Object.assign(new Error('socket hang up'), {
        code: 'ECONNRESET',
      });
    // Only a failure before any answer may be retried, and only the kinds a closed idle socket gives.
    const code = (failure as NodeJS.ErrnoException).code;
    if (exchange.received || (code !== 'ECONNRESET' && code !== 'EPIPE')) {
      this.#failNoRetry(exchange, failure);
      return;
    }
    exchange.reject(failure);
  }

  #failNoRetry(exchange: Exchange, error: Error): void {
    // Reaches the caller's reject without the one retry a reused connection allows.
    exchange.reused = false;
    exchange.reject(error);
  }

  #onData(socket: Socket, chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === null || this.#socket !== socket) {
      // SECURITY: bytes nobody asked for cannot be attributed to any call; drop the connection.
      socket.destroy();
      return;
    }
    exchange.received = true;
    if (exchange.contentLength === -1) {
      const head = this.#pendingHead === null ? chunk : Buffer.concat([this.#pendingHead, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        if (head.length > MAX_HEADER_BYTES) this.#protocolError(socket, exchange, 'header block too large');
        else this.#pendingHead = head;
        return;
      }
      this.#pendingHead = null;
      if (!this.#parseHead(exchange, head.toString('latin1', 0, end))) {
        this.#protocolError(socket, exchange, 'malformed response');
        return;
      }
      chunk = head.subarray(end + HEADER_END.length);
    }
    if (chunk.length > 0) {
      exchange.chunks.push(chunk);
      exchange.size += chunk.length;
    }
    if (exchange.contentLength === CHUNKED) {
      const decoded = decodeChunked(Buffer.concat(exchange.chunks, exchange.size));
      if (decoded === null) return;
      if (decoded === 'malformed' || decoded.rest > 0) {
        this.#protocolError(socket, exchange, 'malformed chunked body');
        return;
      }
      exchange.chunks = [decoded.body];
      exchange.size = decoded.body.length;
      exchange.contentLength = decoded.body.length;
    }
    if (exchange.contentLength >= 0 && exchange.size >= exchange.contentLength) {
      if (exchange.size > exchange.contentLength) {
        // Only one request is ever outstanding, so nothing may follow the body.
        this.#protocolError(socket, exchange, 'data after the response body');
        return;
      }
      this.#exchange = null;
      if (exchange.keepAlive) {
        this.#reused = true;
        // An idle connection must not keep the process alive: an empty event loop is how a handler that
        // never calls back completes ('beforeExit').
        socket.unref();
      } else {
        this.#socket = null;
        socket.destroy();
      }
      this.#complete(exchange);
    }
  }

  #complete(exchange: Exchange): void {
    const body =
      exchange.chunks.length === 1 && exchange.chunks[0] !== undefined
        ? exchange.chunks[0].toString('utf8')
        : Buffer.concat(exchange.chunks, exchange.size).toString('utf8');
    exchange.resolve({ status: exchange.status, headers: exchange.headers, body });
  }

  #protocolError(socket: Socket, exchange: Exchange, reason: string): void {
    this.#exchange = null;
    this.#socket = null;
    socket.destroy();
    this.#failNoRetry(exchange, new Error(`Runtime API: ${reason}`));
  }

  /** Status line and headers; names lower-cased, repeated headers joined as node:http joins them. */
  #parseHead(exchange: Exchange, head: string): boolean {
    const lines = head.split('\r\n');
    const statusLine = lines[0] ?? '';
    if (!statusLine.startsWith('HTTP/1.')) return false;
    const status = Number.parseInt(statusLine.slice(9, 12), 10);
    if (!(status >= 200 && status <= 599)) return false;
    const headers: IncomingHttpHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const colon = line.indexOf(':');
      if (colon <= 0) return false;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      headers[name] = previous === undefined ? value : `${String(previous)}, ${value}`;
    }
    const length = headers['content-length'];
    let contentLength = -2;
    const encoding = headers['transfer-encoding'];
    if (encoding !== undefined) {
      if (encoding.toLowerCase() !== 'chunked') return false;
      contentLength = CHUNKED;
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) return false;
      contentLength = Number.parseInt(length, 10);
    }
    exchange.status = status;
    exchange.headers = headers;
    exchange.contentLength = contentLength;
    const connection = headers.connection?.toLowerCase();
    exchange.keepAlive =
      contentLength !== -2 &&
      connection !== 'close' &&
      (statusLine.startsWith('HTTP/1.1') || connection === 'keep-alive');
    return true;
  }
}

function errorTypeHeader(error: RuntimeErrorResponse): string {
  // SECURITY: the error type comes from handler code; a CR or LF would split the header block. Refused as
  // node:http refuses it.
  if (INVALID_HEADER_CHAR.test(error.errorType)) {
    throw Object.assign(new TypeError(`Invalid character in header content ["${ERROR_TYPE_HEADER}"]`), {
      code: 'ERR_INVALID_CHAR',
    });
  }
  return `${ERROR_TYPE_HEADER}: ${error.errorType}\r\n`;
}

/**
 * A whole chunked body: the decoded bytes and how many bytes follow it, null while incomplete. Only a
 * fallback (Kindling's Runtime API always sends Content-Length), so it decodes from the start each time.
 */
function decodeChunked(raw: Buffer): { body: Buffer; rest: number } | 'malformed' | null {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) return raw.length - pos > 1024 ? 'malformed' : null;
    const sizeText = raw.toString('latin1', pos, eol).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return 'malformed';
    const size = Number.parseInt(sizeText, 16);
    pos = eol + 2;
    if (size === 0) {
      // Trailers, if any, then the empty line.
      for (;;) {
        const end = raw.indexOf('\r\n', pos);
        if (end < 0) return null;
        if (end === pos) return { body: Buffer.concat(parts), rest: raw.length - end - 2 };
        pos = end + 2;
      }
    }
    if (raw.length < pos + size + 2) return null;
    if (raw[pos + size] !== 13 || raw[pos + size + 1] !== 10) return 'malformed';
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
}
