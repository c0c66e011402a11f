// The Runtime API client and nothing else (wire contract 2.5): GET /next, POST /response, /error and
// /init/error, over one keep-alive connection to AWS_LAMBDA_RUNTIME_API, or to the Runtime API's Unix
// socket where the host offers one (runtime-api-socket.ts).
//
// The client speaks HTTP/1.1 itself over one net.Socket rather than through node:http: the environment's
// CPU share is small (a 128 MB function gets a few percent of a core) and every warm invoke pays for two
// requests, so the generic client's per-request work is the runtime's own overhead on every event. AWS's
// runtime uses a native HTTP client for the same reason. For the same reason the answer to an event goes
// out in one write together with the next GET /next (HTTP/1.1 pipelining: the Runtime API answers requests
// on a connection in order), so a warm invoke costs one write and the reads of two answers.
// The Runtime API answers every request here with a Content-Length body; a chunked or connection-delimited
// body (other peers) is read too, less efficiently.

import type { ClientRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { type Socket, connect } from 'node:net';
import type { RuntimeErrorResponse } from './errors.js';

const API_VERSION = '/2018-06-01';
const INVOCATION_PATH = `${API_VERSION}/runtime/invocation/`;
const NEXT_PATH = `${INVOCATION_PATH}next`;
export const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/** Header block limit of a Runtime API answer (Node's own default, --max-http-header-size). */
const MAX_HEADER_BYTES = 16 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
/** TCP keep-alive on the idle connection, as node:http's keep-alive agent sets it. */
const KEEP_ALIVE_DELAY_MS = 1000;
/** contentLength before the header block is read. */
const HEAD_PENDING = -1;
/** contentLength of a body that runs to the end of the connection. */
const UNTIL_CLOSE = -2;
/** contentLength of a chunked body (the Runtime API itself never sends one; other peers may). */
const CHUNKED = -3;
const NON_ASCII = /[\u0080-\uffff]/;
/** What node:http refuses in a header value (ERR_INVALID_CHAR). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d+$/;

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

/** One request on the connection and the state of its answer (itself the result once answered). */
class Exchange implements HttpResult {
  status = 0;
  headers: IncomingHttpHeaders = {};
  contentLength = HEAD_PENDING;
  keepAlive = true;
  /** The body's bytes, when it arrived in more than one read (or is chunked). */
  chunks: Buffer[] | null = null;
  size = 0;
  body = '';

  constructor(
    readonly batch: Batch,
    readonly resolve: (result: HttpResult) => void,
    readonly reject: (error: Error) => void,
  ) {}
}

/** Requests written together (a POST and the pipelined GET /next behind it, or one request alone). */
interface Batch {
  readonly message: string | Buffer;
  readonly exchanges: Exchange[];
  /** Exchanges not yet answered or failed; the batch holds the client's turn until none is left. */
  unsettled: number;
  /** Whether the batch went out on a connection that had carried an earlier exchange. */
  reused: boolean;
  /** Whether any byte of an answer arrived for it. */
  received: boolean;
  /** Whether it was already sent again once. */
  retried: boolean;
}

export class RuntimeApiClient {
  readonly #hostname: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #asciiHost: boolean;
  /** A Unix socket to the same Runtime API (runtime-api-socket.ts), used instead of TCP when known. */
  #socketPath: string | undefined;
  // One socket, kept open between calls: the environment talks to exactly one Runtime API and the next
  // call always follows the previous one, so a connection per call would only add latency.
  #socket: Socket | null = null;
  /** The connection has carried an exchange before (a failure before any answer may then be retried). */
  #reused = false;
  /** The batch on the connection and its exchanges still waiting for an answer, in order. */
  #batch: Batch | null = null;
  #inFlight: Exchange[] = [];
  /** Bytes read but not yet parsed (a header block split across reads). */
  #pendingHead: Buffer | null = null;
  /**
   * The GET /next sent behind the last answer: its answer, or null when it failed before any answer came
   * (the next nextInvocation() then asks again on a fresh connection).
   */
  #pipelinedNext: Promise<HttpResult | null> | null = null;
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
    this.#asciiHost = !NON_ASCII.test(this.#hostHeader);
  }

  /**
   * Long-polls for the next event. No timeout: the environment may be frozen for minutes between events and
   * the request must still be waiting when it is thawed.
   */
  async nextInvocation(): Promise<NextInvocation> {
    const pipelined = this.#pipelinedNext;
    this.#pipelinedNext = null;
    const result = (pipelined !== null && (await pipelined)) || (await this.#get(NEXT_PATH));
    if (result.status !== 200) throw new RuntimeApiError(NEXT_PATH, result.status, result.body);
    return result;
  }

  /**
   * A pre-warmed runtime's wait for its function (prewarmed.ts): the environment it must take on. Sent on
   * the same keep-alive connection the first /next then reuses.
   */
  async awaitAssignment(): Promise<Record<string, string>> {
    const path = '/kindling/runtime/assignment';
    const result = await this.#get(path);
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
    if (socket !== null && this.#batch === null) {
      this.#socket = null;
      socket.destroy();
    }
  }

  /**
   * Reports the invocation's result (already serialised JSON). With `thenNext`, the GET /next for the
   * following event goes out in the same write; the next nextInvocation() takes its answer.
   */
  postInvocationResponse(requestId: string, body: string, thenNext = false): Promise<void> {
    return this.#post(
      `${INVOCATION_PATH}${encodeURIComponent(requestId)}/response`,
      body,
      'Content-Type: application/json\r\n',
      thenNext,
    );
  }

  postInvocationError(requestId: string, error: RuntimeErrorResponse, thenNext = false): Promise<void> {
    return this.#post(
      `${INVOCATION_PATH}${encodeURIComponent(requestId)}/error`,
      JSON.stringify(error),
      `Content-Type: application/json\r\n${errorTypeHeader(error)}`,
      thenNext,
    );
  }

  postInitError(error: RuntimeErrorResponse): Promise<void> {
    return this.#post(
      `${API_VERSION}/runtime/init/error`,
      JSON.stringify(error),
      `Content-Type: application/json\r\n${errorTypeHeader(error)}`,
      false,
    );
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
    // node:http is loaded only by a function that streams its response: every other environment's memory
    // is spared its modules.
    const { request } = require('node:http') as typeof import('node:http');
    const req = request({
      hostname: this.#hostname,
      port: this.#port,
      path: `${INVOCATION_PATH}${encodeURIComponent(requestId)}/response`,
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

  #get(path: string): Promise<HttpResult> {
    const message = `GET ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n\r\n`;
    return this.#send(
      this.#asciiHost ? message : Buffer.from(message, 'latin1'),
      1,
    )[0] as Promise<HttpResult>;
  }

  async #post(path: string, body: string, headers: string, thenNext: boolean): Promise<void> {
    const head = `POST ${path} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const next = thenNext ? `GET ${NEXT_PATH} HTTP/1.1\r\nHost: ${this.#hostHeader}\r\n\r\n` : '';
    // The header block is Latin-1 on the wire (as node:http writes it), the body UTF-8; for the usual
    // all-ASCII header block everything fits in one UTF-8 string.
    const message = NON_ASCII.test(head)
      ? Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8'), Buffer.from(next, 'latin1')])
      : head + body + next;
    const [answer, pipelined] = this.#send(message, thenNext ? 2 : 1);
    if (pipelined !== undefined) {
      this.#pipelinedNext = pipelined.then(
        (result) => result,
        () => null,
      );
    }
    const result = await (answer as Promise<HttpResult>);
    if (result.status >= 300) throw new RuntimeApiError(path, result.status, result.body);
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

  /** Sends `count` requests written together as `message`, in their turn; one promise per answer. */
  #send(message: string | Buffer, count: number): Promise<HttpResult>[] {
    const exchanges: Exchange[] = [];
    const answers: Promise<HttpResult>[] = [];
    const batch: Batch = {
      message,
      exchanges,
      unsettled: count,
      reused: false,
      received: false,
      retried: false,
    };
    for (let i = 0; i < count; i++) {
      answers.push(
        new Promise<HttpResult>((resolve, reject) => {
          exchanges.push(new Exchange(batch, resolve, reject));
        }),
      );
    }
    this.#acquire(() => this.#start(batch));
    return answers;
  }

  #start(batch: Batch): void {
    const socket = this.#connection();
    batch.reused = this.#reused;
    batch.received = false;
    this.#batch = batch;
    this.#inFlight = batch.exchanges.slice();
    socket.ref();
    socket.write(batch.message);
  }

  #settle(exchange: Exchange, error: Error | null): void {
    if (error === null) exchange.resolve(exchange);
    else exchange.reject(error);
    const batch = exchange.batch;
    if (--batch.unsettled === 0) {
      if (this.#batch === batch) this.#batch = null;
      this.#release();
    }
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

  /** The connection failed or closed: fail the exchanges in flight, if any; the next call reconnects. */
  #onEnd(socket: Socket, error: NodeJS.ErrnoException | null): void {
    if (this.#socket !== socket) return;
    this.#drop(socket);
    const inFlight = this.#inFlight;
    this.#inFlight = [];
    const first = inFlight[0];
    if (first === undefined) return;
    if (first.contentLength === UNTIL_CLOSE && error === null) {
      inFlight.shift();
      first.body = bodyText(first);
      this.#settle(first, null);
      // A connection-delimited answer ends the connection: requests pipelined behind it went unanswered.
      for (const exchange of inFlight) this.#settle(exchange, socketHangUp());
      return;
    }
    const failure = error ?? socketHangUp();
    const batch = first.batch;
    // The server may close an idle keep-alive socket just as it is reused: nothing reached it, so the batch
    // is safe to send again, once, on a fresh connection. Only for the kinds of failure that gives.
    const code = (failure as NodeJS.ErrnoException).code;
    if (
      batch.reused &&
      !batch.received &&
      !batch.retried &&
      inFlight.length === batch.exchanges.length &&
      (code === 'ECONNRESET' || code === 'EPIPE')
    ) {
      batch.retried = true;
      this.#start(batch);
      return;
    }
    for (const exchange of inFlight) this.#settle(exchange, failure);
  }

  #drop(socket: Socket): void {
    this.#socket = null;
    this.#pendingHead = null;
    socket.destroy();
  }

  #onData(socket: Socket, chunk: Buffer): void {
    if (this.#socket !== socket) {
      socket.destroy();
      return;
    }
    let data = chunk;
    let offset = 0;
    for (;;) {
      const exchange = this.#inFlight[0];
      if (exchange === undefined) {
        // SECURITY: bytes nobody asked for cannot be attributed to any call; drop the connection.
        if (offset < data.length) this.#onEnd(socket, protocolError('data after the response body'));
        return;
      }
      exchange.batch.received = true;
      if (exchange.contentLength === HEAD_PENDING) {
        if (this.#pendingHead !== null) {
          data = Buffer.concat([this.#pendingHead, data.subarray(offset)]);
          offset = 0;
          this.#pendingHead = null;
        }
        const end = data.indexOf(HEADER_END, offset);
        if (end < 0) {
          if (data.length - offset > MAX_HEADER_BYTES) this.#fail(socket, 'header block too large');
          else this.#pendingHead = data.subarray(offset);
          return;
        }
        if (!parseHead(exchange, data.toString('latin1', offset, end))) {
          this.#fail(socket, 'malformed response');
          return;
        }
        offset = end + HEADER_END.length;
      }
      const contentLength = exchange.contentLength;
      if (contentLength >= 0) {
        const missing = contentLength - exchange.size;
        const available = data.length - offset;
        if (exchange.chunks === null && available >= missing) {
          // The usual case: the whole body is in this read.
          exchange.body = data.toString('utf8', offset, offset + missing);
          offset += missing;
        } else {
          const take = Math.min(missing, available);
          exchange.chunks ??= [];
          exchange.chunks.push(data.subarray(offset, offset + take));
          exchange.size += take;
          offset += take;
          if (exchange.size < contentLength) return;
          exchange.body = bodyText(exchange);
        }
      } else {
        if (offset < data.length) {
          exchange.chunks ??= [];
          exchange.chunks.push(data.subarray(offset));
          exchange.size += data.length - offset;
        }
        offset = data.length;
        if (contentLength === UNTIL_CLOSE) return;
        // CHUNKED: decoded from the start each time; only a fallback for peers other than Kindling's.
        const decoded = decodeChunked(Buffer.concat(exchange.chunks ?? [], exchange.size));
        if (decoded === null) return;
        if (decoded === 'malformed') {
          this.#fail(socket, 'malformed chunked body');
          return;
        }
        exchange.body = decoded.body.toString('utf8');
        data = decoded.rest;
        offset = 0;
      }
      this.#inFlight.shift();
      if (!exchange.keepAlive) {
        // The server ends the connection after this answer: anything pipelined behind it fails, to be
        // asked again on a fresh connection.
        this.#settle(exchange, null);
        this.#onEnd(socket, null);
        return;
      }
      if (this.#inFlight.length === 0) {
        this.#reused = true;
        // An idle connection must not keep the process alive: an empty event loop is how a handler that
        // never calls back completes ('beforeExit').
        socket.unref();
      }
      this.#settle(exchange, null);
      if (offset >= data.length) return;
    }
  }

  /** The peer broke the protocol: the connection is dropped and its calls fail (never retried). */
  #fail(socket: Socket, reason: string): void {
    const error = protocolError(reason);
    this.#drop(socket);
    const inFlight = this.#inFlight;
    this.#inFlight = [];
    for (const exchange of inFlight) this.#settle(exchange, error);
  }
}

function socketHangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function protocolError(reason: string): Error {
  return new Error(`Runtime API: ${reason}`);
}

function bodyText(exchange: Exchange): string {
  const chunks = exchange.chunks;
  if (chunks === null) return exchange.body;
  return chunks.length === 1 && chunks[0] !== undefined
    ? chunks[0].toString('utf8')
    : Buffer.concat(chunks, exchange.size).toString('utf8');
}

/** Status line and headers; names lower-cased, repeated headers joined as node:http joins them. */
function parseHead(exchange: Exchange, head: string): boolean {
  if (!head.startsWith('HTTP/1.')) return false;
  const status = Number.parseInt(head.slice(9, 12), 10);
  if (!(status >= 200 && status <= 599)) return false;
  const headers: IncomingHttpHeaders = {};
  let lineStart = head.indexOf('\r\n');
  const statusLine = lineStart < 0 ? head : head.slice(0, lineStart);
  while (lineStart >= 0) {
    const from = lineStart + 2;
    const next = head.indexOf('\r\n', from);
    const to = next < 0 ? head.length : next;
    const colon = head.indexOf(':', from);
    if (colon <= from || colon >= to) return false;
    const name = head.slice(from, colon).trim().toLowerCase();
    const value = head.slice(colon + 1, to).trim();
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${String(previous)}, ${value}`;
    lineStart = next;
  }
  const length = headers['content-length'];
  let contentLength = UNTIL_CLOSE;
  const encoding = headers['transfer-encoding'];
  if (encoding !== undefined) {
    if (encoding.toLowerCase() !== 'chunked') return false;
    contentLength = CHUNKED;
  } else if (length !== undefined) {
    if (!DIGITS.test(length)) return false;
    contentLength = Number.parseInt(length, 10);
  }
  exchange.status = status;
  exchange.headers = headers;
  exchange.contentLength = contentLength;
  const connection = headers.connection;
  exchange.keepAlive =
    contentLength !== UNTIL_CLOSE &&
    (connection === undefined
      ? statusLine.startsWith('HTTP/1.1')
      : connection.toLowerCase() !== 'close' &&
        (statusLine.startsWith('HTTP/1.1') || connection.toLowerCase() === 'keep-alive'));
  return true;
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
 * A whole chunked body: the decoded bytes and what follows it, null while incomplete. Only a fallback
 * (Kindling's Runtime API always sends Content-Length), so it decodes from the start each time.
 */
function decodeChunked(raw: Buffer): { body: Buffer; rest: Buffer } | 'malformed' | null {
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
        if (end === pos) return { body: Buffer.concat(parts), rest: raw.subarray(end + 2) };
        pos = end + 2;
      }
    }
    if (raw.length < pos + size + 2) return null;
    if (raw[pos + size] !== 13 || raw[pos + size + 1] !== 10) return 'malformed';
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
}
