// The one HTTP listener: reads the request, finds its route, verifies SigV4, calls the operation and
// writes its answer or its error in AWS's wire format. Operations never see sockets or signatures.

import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Logger } from 'pino';
import { Errors, type LambdaServiceError } from '../errors.js';
import { type ErrorStyle, asServiceError, encodeError } from './error-encoding.js';
import type { ApiBody, ApiRequest, ApiResponse } from './http.js';
import type { Router } from './router.js';
import type { SigV4Verifier } from './sigv4.js';

/** Lambda's largest request body (a 50 MB zip, base64, in JSON) bounds what any route may accept. */
const DEFAULT_MAX_BODY = 6 * 1024 * 1024;
/** Past this much of an oversized body the connection is cut rather than drained. */
const MAX_DRAIN = 80 * 1024 * 1024;
/** Default bound on the request bodies held at once, across all connections (config.requestBodiesInFlightMb). */
export const DEFAULT_BODY_BYTES_IN_FLIGHT = 512 * 1024 * 1024;

export interface ApiServerOptions {
  readonly router: Router;
  readonly verifier: SigV4Verifier;
  readonly log: Logger;
  /**
   * Bytes of request bodies the server holds at once, from the first byte received until the operation
   * has answered. A request that would go past it is refused with 429 (retry later) instead of buffered.
   */
  readonly maxBodyBytesInFlight?: number;
}

export function createApiServer({
  router,
  verifier,
  log,
  maxBodyBytesInFlight = DEFAULT_BODY_BYTES_IN_FLIGHT,
}: ApiServerOptions): Server {
  const bodies = new BodyBudget(maxBodyBytesInFlight);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed outside its handler');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // SDK clients keep connections open; outlive their idle timeouts so a reused socket is never half-closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Receiving one whole request (not answering it: a sync invoke may run 15 minutes) is bounded, so a slow
  // sender cannot hold a connection forever.
  server.requestTimeout = 5 * 60 * 1000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';

    if (method === 'GET' && rawPath === '/health') {
      return send(res, requestId, { status: 200, body: { status: 'ok' } });
    }
    const target = req.headers['x-amz-target'];
    const match = router.find(method, rawPath, typeof target === 'string' ? target : undefined);
    if (match === undefined) {
      await drain(req, MAX_DRAIN);
      const error = Errors.unknownOperation(`No operation matches ${method} ${rawPath}.`);
      return send(res, requestId, encodeError(error, typeof target === 'string' ? 'json-1.1' : 'rest-json'));
    }
    const { entry, params } = match;
    const style: ErrorStyle = entry.options.errorStyle;
    const held: Held = { bytes: 0 };
    try {
      // SECURITY: who is calling is settled before a body is read, so only a known key can make the
      // server buffer one (the signature itself, which covers the body, is checked once it is here).
      const admitted =
        entry.options.unauthenticated === true
          ? undefined
          : verifier.precheck({ headers: req.headers, rawQuery });
      const limit = entry.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
      const body = await readBody(req, limit, bodies, held);
      if (body === TOO_LARGE) {
        throw (
          entry.options.tooLarge?.(Number(req.headers['content-length'] ?? limit + 1)) ??
          Errors.requestTooLarge(`Request must be smaller than ${limit} bytes.`)
        );
      }
      if (body === BUSY) {
        log.debug({ requestId, inFlight: bodies.inUse }, 'request bodies in flight at their bound');
        throw bodiesInFlightThrottle();
      }
      if (admitted !== undefined) {
        await verifier.verify(
          { method, rawPath, rawQuery, headers: req.headers, body },
          Date.now(),
          admitted,
        );
      }
      const apiReq: ApiRequest = {
        method,
        path: rawPath,
        params,
        query: new URLSearchParams(rawQuery),
        rawQuery,
        remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
        headers: req.headers,
        body,
        requestId,
        baseUrl: `http://${req.headers.host ?? 'localhost'}`,
      };
      const response = await entry.handler(apiReq);
      send(res, requestId, response);
    } catch (err) {
      const { error, internal } = asServiceError(err);
      if (internal) log.error({ err, requestId, method, path: rawPath }, 'internal error');
      else log.debug({ code: error.code, requestId }, (error as LambdaServiceError).message);
      send(res, requestId, entry.options.encodeError?.(error, requestId) ?? encodeError(error, style));
    } finally {
      bodies.give(held.bytes);
    }
  }

  return server;
}

/**
 * SECURITY: every request body is buffered whole before its operation runs (the signature covers it), so
 * without a bound a caller could make the server hold many 50 MB uploads at once. Bodies count from their
 * first byte until their operation has answered.
 */
class BodyBudget {
  inUse = 0;
  constructor(private readonly limit: number) {}
  get left(): number {
    return this.limit - this.inUse;
  }
  take(bytes: number, held: Held): boolean {
    if (this.inUse + bytes > this.limit) return false;
    this.inUse += bytes;
    held.bytes += bytes;
    return true;
  }
  give(bytes: number): void {
    this.inUse -= bytes;
  }
}

/** Bytes one request holds of the budget. */
interface Held {
  bytes: number;
}

/**
 * Over the bound the server is busy, not the request wrong: 429 TooManyRequestsException with Retry-After
 * is what SDKs retry with back-off (413 would tell the caller never to send it again). CallerRateLimitExceeded
 * is Lambda's Reason for a caller sending more than the service takes at once.
 */
function bodiesInFlightThrottle(): LambdaServiceError {
  return Errors.tooManyRequests('Rate Exceeded.', {
    extra: { Reason: 'CallerRateLimitExceeded' },
    headers: { 'Retry-After': '1' },
  });
}

const TOO_LARGE = Symbol('too large');
const BUSY = Symbol('bodies in flight at their bound');

/**
 * Reads the whole body, holding its bytes in `budget`: TOO_LARGE beyond `limit`, BUSY beyond what the
 * budget has left (each after draining what is reasonable, so the caller can read the answer).
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  budget: BodyBudget,
  held: Held,
): Promise<Buffer | typeof TOO_LARGE | typeof BUSY> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return drain(req, MAX_DRAIN).then(() => TOO_LARGE);
  // Bytes are counted as they arrive (a declared length that never comes holds nothing); a declared
  // length that cannot fit is refused before its first byte.
  if (declared > budget.left) return drain(req, MAX_DRAIN).then(() => BUSY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    let busy = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        if (size > MAX_DRAIN) req.destroy();
        return;
      }
      if (busy) return;
      if (!budget.take(chunk.length, held)) {
        // What was received is dropped, so it is given back now, not when the refusal is answered.
        busy = true;
        chunks.length = 0;
        budget.give(held.bytes);
        held.bytes = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(
        over ? TOO_LARGE : busy ? BUSY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
      ),
    );
    req.on('error', reject);
    // A caller gone mid-body ends the read (and with it what the body held), whatever the stream reports.
    req.on('close', () => {
      if (!req.complete) reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
  });
}

function drain(req: IncomingMessage, max: number): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        resolve();
      }
    });
    req.on('end', () => resolve());
    req.on('error', () => resolve());
    req.on('close', () => resolve());
  });
}

function send(res: ServerResponse, requestId: string, response: ApiResponse): void {
  const { body, contentType } = serialize(response.body);
  const extra = response.headers;
  // A flat [name, value, ...] list: node:http writes it as it is, without building a header object. The
  // operation's own headers win over the defaults; Content-Length is always the body's.
  const headers: string[] = [];
  if (extra?.['x-amzn-RequestId'] === undefined) headers.push('x-amzn-RequestId', requestId);
  if (contentType !== undefined && extra?.['Content-Type'] === undefined)
    headers.push('Content-Type', contentType);
  if (extra !== undefined) {
    for (const name in extra) {
      const value = extra[name];
      if (value === undefined || name === 'Content-Length') continue;
      if (typeof value === 'string') headers.push(name, value);
      else for (const v of value) headers.push(name, v);
    }
  }
  headers.push('Content-Length', String(body.length));
  res.writeHead(response.status, headers);
  res.end(body);
}

const EMPTY = Buffer.alloc(0);

function serialize(body: ApiBody | undefined): { body: Buffer; contentType?: string } {
  if (body === undefined) return { body: EMPTY };
  if (Buffer.isBuffer(body)) return { body };
  if (typeof body === 'string') return { body: Buffer.from(body, 'utf8'), contentType: 'text/plain' };
  return { body: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' };
}
