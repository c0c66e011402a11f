// One connection to the Runtime API's Unix socket, served by a lean HTTP/1.1 reader for the requests every
// invocation makes: GET /runtime/invocation/next and POST /runtime/invocation/{id}/response|error with a
// Content-Length body (what Kindling's Node.js and Python runtimes send, pipelining the next /next behind
// their answer). Each answer goes out whole in one write, and answers due in the same turn of the event
// loop share it: the held 202 of an answer and the next event reach the runtime together (one wake-up).
//
// Anything else (another path, a chunked or streamed body, Expect: 100-continue, HTTP/1.0, Connection:
// close, an unusual or oversized head, a body over the response limit, a pre-warmed runtime's listener
// before its assignment) hands the connection over to node:http and the full router (server.ts), with the
// bytes already read, from that request on. Custom runtimes reach this socket through the sandbox's
// forwarder: whatever their HTTP client sends is answered exactly as node:http answers it.

import type { Socket } from 'node:net';
import { validRuntimeOrFunctionErrorType } from './error-type.js';
import { MAX_RESPONSE_BYTES } from './limits.js';
import { renderError } from './render.js';
import type { RuntimeReply } from './reply.js';
import type { RuntimeSession } from './session.js';

const INVOCATION_PREFIX = '/2018-06-01/runtime/invocation/';
const NEXT = `${INVOCATION_PREFIX}next`;
/** node:http's default limit on a request's head; a longer head is node:http's to refuse. */
const MAX_HEAD_BYTES = 16 * 1024;
/**
 * SECURITY: a runtime that pipelines requests without reading the answers cannot make the server queue
 * answers without bound: past this many unanswered requests its connection is closed.
 */
const MAX_QUEUED_REPLIES = 256;
/** SECURITY: bytes held for a connection waiting to be handed over (an answer and a head at most). */
const MAX_STALLED_BYTES = MAX_RESPONSE_BYTES + MAX_HEAD_BYTES;
const HEAD_END = Buffer.from('\r\n\r\n');
/** Characters node:http refuses in a header value (its checkInvalidHeaderChar). */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Anything in a head but printable text, tabs and CRLF: such a head is node:http's to judge. */
const UNUSUAL_HEAD_CHAR = /[^\t\r\n\x20-\x7e]/;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
};

/** The Date header, as node:http writes it, rebuilt at most once a second. */
let dateSecond = 0;
let dateValue = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

export interface RuntimeConnectionOptions {
  /** The session this listener serves now; null hands every request over (a runtime not yet assigned). */
  readonly session: () => RuntimeSession | null;
  /** Gives the connection to node:http, with the bytes read but not yet served. */
  readonly handOver: (socket: Socket, unread: Buffer | null) => void;
}

/** A request whose body is being read. */
interface BodyRead {
  remaining: number;
  readonly length: number;
  first: Buffer | null;
  chunks: Buffer[] | null;
  readonly done: (body: Buffer) => void;
}

class ConnectionReply implements RuntimeReply {
  bytes: Buffer | null = null;
  constructor(readonly connection: RuntimeConnection) {}
  get closed(): boolean {
    return this.connection.socket.destroyed;
  }
  send(status: number, headers: readonly string[], body: Buffer): void {
    this.connection.send(this, status, headers, body);
  }
}

export class RuntimeConnection {
  /** Bytes received and not yet parsed (the start of a request whose head is incomplete). */
  private unread: Buffer | null = null;
  private body: BodyRead | null = null;
  /** Answers in request order; each is written once it and every answer before it are ready. */
  private readonly replies: ConnectionReply[] = [];
  /** Ready answers waiting for the end of this turn, to leave in one write. */
  private out: Buffer[] = [];
  private flushScheduled = false;
  /** Body completions of this read, run once the requests pipelined behind them have been seen. */
  private completions: (() => void)[] = [];
  /** A request node:http must serve arrived while answers were still owed: handed over once they are sent. */
  private stalled: Buffer | null | undefined = undefined;
  private handedOver = false;
  private readonly onData = (chunk: Buffer) => this.read(chunk);
  private readonly flushNow = () => this.flush();

  constructor(
    readonly socket: Socket,
    private readonly options: RuntimeConnectionOptions,
  ) {
    socket.on('data', this.onData);
    socket.on('error', () => undefined);
  }

  private read(chunk: Buffer): void {
    if (this.handedOver) return;
    if (this.stalled !== undefined) {
      this.stalled = this.stalled === null ? chunk : Buffer.concat([this.stalled, chunk]);
      if (this.stalled.length > MAX_STALLED_BYTES) this.socket.destroy();
      return;
    }
    let buf = chunk;
    let pos = 0;
    const body = this.body;
    if (body !== null) {
      pos = this.feedBody(body, buf, 0);
    } else if (this.unread !== null) {
      buf = Buffer.concat([this.unread, chunk]);
      this.unread = null;
    }
    while (pos < buf.length && this.body === null && this.stalled === undefined && !this.handedOver) {
      const end = buf.indexOf(HEAD_END, pos);
      if (end === -1) {
        const rest = buf.subarray(pos);
        // A head that does not end in CRLF CRLF, or too long a head: node:http's to answer.
        if (rest.length > MAX_HEAD_BYTES || rest.includes('\n\n')) this.handOver(rest);
        else this.unread = rest;
        break;
      }
      const next = this.request(buf, pos, end);
      if (next === -1) {
        this.handOver(buf.subarray(pos));
        break;
      }
      pos = next;
    }
    const completions = this.completions;
    if (completions.length > 0) {
      this.completions = [];
      for (const complete of completions) complete();
    }
  }

  /** Takes what `buf` holds of the body from `pos`; returns where the body's bytes end in `buf`. */
  private feedBody(body: BodyRead, buf: Buffer, pos: number): number {
    const take = Math.min(body.remaining, buf.length - pos);
    const part = take === buf.length && pos === 0 ? buf : buf.subarray(pos, pos + take);
    body.remaining -= take;
    if (body.first === null) body.first = part;
    else {
      if (body.chunks === null) body.chunks = [body.first];
      body.chunks.push(part);
    }
    if (body.remaining === 0) {
      this.body = null;
      const whole = body.chunks === null ? body.first : Buffer.concat(body.chunks, body.length);
      const done = body.done;
      // Run after the requests pipelined behind it are in (as node:http ends a body after parsing them).
      this.completions.push(() => done(whole));
    }
    return pos + take;
  }

  /**
   * Serves the request whose head spans buf[start, end); returns where the next request starts, or -1 to
   * hand this one over to node:http.
   * SECURITY: everything here arrives from guest code: only the exact paths of an invocation are served,
   * anything unusual goes to node:http's full parser and router, and bodies are bounded.
   */
  private request(buf: Buffer, start: number, end: number): number {
    const head = buf.toString('latin1', start, end);
    if (UNUSUAL_HEAD_CHAR.test(head)) return -1;
    const lineEnd = head.indexOf('\r\n');
    const requestLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
    if (!requestLine.endsWith(' HTTP/1.1')) return -1;
    const space = requestLine.indexOf(' ');
    const method = requestLine.slice(0, space);
    const url = requestLine.slice(space + 1, requestLine.length - 9);
    let contentLength = 0;
    let sawLength = false;
    let errorType: string | undefined;
    for (let at = lineEnd; at !== -1; ) {
      const from = at + 2;
      const eol = head.indexOf('\r\n', from);
      const line = eol === -1 ? head.slice(from) : head.slice(from, eol);
      at = eol;
      const colon = line.indexOf(':');
      // No folded lines, no whitespace before the colon (node:http refuses both).
      if (colon <= 0 || line.charCodeAt(0) <= 32 || line.charCodeAt(colon - 1) <= 32) return -1;
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      switch (name) {
        case 'content-length':
          if (sawLength || !/^\d{1,9}$/.test(value)) return -1;
          sawLength = true;
          contentLength = Number(value);
          break;
        case 'transfer-encoding':
        case 'expect':
        case 'upgrade':
          return -1;
        case 'connection':
          if (value.toLowerCase() !== 'keep-alive') return -1;
          break;
        case 'lambda-runtime-function-error-type':
          // Repeated, node:http joins the values.
          errorType = errorType === undefined ? value : `${errorType}, ${value}`;
          break;
      }
    }
    const session = this.options.session();
    if (session === null) return -1;
    const bodyStart = end + 4;
    if (url === NEXT) {
      if (method !== 'GET' || contentLength !== 0) return -1;
      const reply = this.reply();
      this.guard(reply, () => {
        if (!session.next(reply)) {
          renderError(
            reply,
            403,
            'InvalidStateTransition',
            'The runtime must respond to the current invocation first',
          );
        }
      });
      return bodyStart;
    }
    if (method !== 'POST' || !url.startsWith(INVOCATION_PREFIX)) return -1;
    const rest = url.slice(INVOCATION_PREFIX.length);
    const slash = rest.indexOf('/');
    const action = rest.slice(slash + 1);
    if (slash <= 0 || (action !== 'response' && action !== 'error')) return -1;
    // Over the limit: node:http reads and refuses it (Function.ResponseSizeTooLarge).
    if (contentLength > MAX_RESPONSE_BYTES) return -1;
    // SECURITY: the request id comes from guest code; it is only compared with the current invocation's.
    const requestId = rest.slice(0, slash);
    const reply = this.reply();
    let done: (body: Buffer) => void;
    if (session.check(requestId) !== 'ok') {
      renderError(reply, 400, 'InvalidRequestID', 'Invalid request ID');
      done = () => undefined;
    } else {
      session.answerArriving();
      done =
        action === 'response'
          ? (body) =>
              this.guard(reply, () => {
                session.accept(reply);
                session.response(requestId, body);
              })
          : (body) =>
              this.guard(reply, () => {
                session.accept(reply);
                session.error(requestId, validRuntimeOrFunctionErrorType(errorType), body);
              });
    }
    const read: BodyRead = {
      remaining: contentLength,
      length: contentLength,
      first: null,
      chunks: null,
      done,
    };
    if (contentLength === 0) {
      this.completions.push(() => done(Buffer.alloc(0)));
      return bodyStart;
    }
    this.body = read;
    return this.feedBody(read, buf, bodyStart);
  }

  private reply(): ConnectionReply {
    const reply = new ConnectionReply(this);
    this.replies.push(reply);
    if (this.replies.length > MAX_QUEUED_REPLIES) this.socket.destroy();
    return reply;
  }

  /** A failing step answers 500 to its request only (as server.ts's guard does for node:http). */
  private guard(reply: ConnectionReply, step: () => void): void {
    try {
      step();
    } catch (err) {
      if (reply.bytes === null && this.replies.includes(reply))
        renderError(reply, 500, 'Runtime.Unknown', 'Internal error');
      process.emitWarning(`Runtime API: ${String(err)}`);
    }
  }

  send(reply: ConnectionReply, status: number, headers: readonly string[], body: Buffer): void {
    if (reply.bytes !== null || this.socket.destroyed) return;
    let head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const value = headers[i + 1] ?? '';
      // As node:http: a value it would refuse is an error of the step that sent it.
      if (INVALID_HEADER_CHAR.test(value)) throw new TypeError(`Invalid character in header "${headers[i]}"`);
      head += `${headers[i]}: ${value}\r\n`;
    }
    head += `Date: ${httpDate()}\r\nConnection: keep-alive\r\n\r\n`;
    const headLength = Buffer.byteLength(head, 'latin1');
    const bytes = Buffer.allocUnsafe(headLength + body.length);
    bytes.write(head, 0, 'latin1');
    body.copy(bytes, headLength);
    reply.bytes = bytes;
    const replies = this.replies;
    let ready = 0;
    while (ready < replies.length && (replies[ready]?.bytes ?? null) !== null) ready++;
    if (ready === 0) return;
    for (const r of replies.splice(0, ready)) if (r.bytes !== null) this.out.push(r.bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushNow);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const out = this.out;
    this.out = [];
    const socket = this.socket;
    if (!socket.destroyed && !socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out))) {
      // As node:http: a runtime that does not read its answers is not read from until it does.
      socket.pause();
      socket.once('drain', () => {
        if (!this.handedOver && this.stalled === undefined) socket.resume();
      });
    }
    if (this.stalled !== undefined && this.replies.length === 0) {
      const unread = this.stalled;
      this.stalled = undefined;
      this.handOver(unread);
    }
  }

  /** node:http serves this connection from here on; answers still owed are sent first. */
  private handOver(unread: Buffer | null): void {
    if (this.replies.length > 0 || this.out.length > 0) {
      this.stalled = unread;
      this.socket.pause();
      return;
    }
    this.handedOver = true;
    this.unread = null;
    this.socket.removeListener('data', this.onData);
    this.options.handOver(this.socket, unread);
  }
}
