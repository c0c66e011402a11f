// The Runtime API and Extensions API HTTP server (wire contract 2.5; paths as RIE's rapi router). One
// listener per execution environment: the listener a request arrives on identifies the environment, so
// routing needs no lookup table. This module parses and routes; RuntimeSession holds the state.

import { unlink } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import {
  type AddressInfo,
  type Server as NetServer,
  type Socket,
  createServer as createNetServer,
} from 'node:net';
import type { RuntimeApiEndpoint } from '../sandbox/driver.js';
import { ASSIGNMENT_PATH, RuntimeAssignment } from './assignment.js';
import { validExtensionErrorType, validRuntimeOrFunctionErrorType } from './error-type.js';
import { MAX_EXTENSIONS } from './extensions.js';
import type { ExtensionEventType } from './invocation.js';
import { MAX_RESPONSE_BYTES } from './limits.js';
import { renderAccepted, renderError, renderJson } from './render.js';
import { httpReply } from './reply.js';
import { RuntimeConnection } from './runtime-connection.js';
import type { RuntimeSession } from './session.js';

export { MAX_RESPONSE_BYTES };

/** Error and registration bodies are small; a runtime sending more is cut off at this size. */
const MAX_SMALL_BODY_BYTES = 1024 * 1024;

const INVOCATION_PREFIX = '/2018-06-01/runtime/invocation/';
const NEXT = `${INVOCATION_PREFIX}next`;
const INIT_ERROR = '/2018-06-01/runtime/init/error';
const EXTENSION_PREFIX = '/2020-01-01/extension/';

export interface RuntimeApiListener {
  readonly endpoint: RuntimeApiEndpoint;
  /** Stops listening and drops every connection (parked long-polls included). */
  close(): Promise<void>;
}

/**
 * The listener of a pre-warmed runtime: before `attach` it serves only the assignment call
 * (assignment.ts); after, it serves the Runtime API of the session it was attached to, as `open` does.
 */
export interface PrewarmedRuntimeApiListener extends RuntimeApiListener {
  readonly assignment: RuntimeAssignment;
  attach(session: RuntimeSession): void;
}

export interface RuntimeApi {
  /** Opens a listener serving one environment's session, on loopback TCP or on a Unix socket. */
  open(session: RuntimeSession, endpointKind: 'tcp' | 'unix', unixPath?: string): Promise<RuntimeApiListener>;
  /** Opens a listener for a pre-warmed runtime, not yet bound to any environment's session. */
  openPrewarmed?(endpointKind: 'tcp' | 'unix', unixPath?: string): Promise<PrewarmedRuntimeApiListener>;
}

export interface RuntimeApiOptions {
  /** Host for TCP listeners; loopback by default (the process driver's guests run on this host). */
  readonly host?: string;
}

export function createRuntimeApi(options: RuntimeApiOptions = {}): RuntimeApi {
  const host = options.host ?? '127.0.0.1';
  async function serve(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    endpointKind: 'tcp' | 'unix',
    unixPath: string | undefined,
    session: () => RuntimeSession | null,
  ): Promise<RuntimeApiListener> {
    const server = createServer(handler);
    // A runtime's /next may wait for minutes (the environment sits frozen in between): no server-side
    // timeouts on requests or idle keep-alive connections.
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    server.keepAliveTimeout = 0;
    server.timeout = 0;
    if (endpointKind === 'tcp') {
      await listen(server, { host, port: 0 });
      const endpoint: RuntimeApiEndpoint = {
        kind: 'tcp',
        host,
        port: (server.address() as AddressInfo).port,
      };
      return {
        endpoint,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    }
    if (unixPath === undefined) throw new Error('a unix Runtime API endpoint needs a socket path');
    // The Unix socket is where Kindling's own runtimes connect (and the sandbox's forwarder, for custom
    // runtimes): an invocation's requests are served by the lean reader (runtime-connection.ts), anything
    // else by node:http, to which a connection is handed over.
    const sockets = new Set<Socket>();
    const handOver = (socket: Socket, unread: Buffer | null) => {
      server.emit('connection', socket);
      if (unread !== null && unread.length > 0) socket.emit('data', unread);
      socket.resume();
    };
    const lean = createNetServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      new RuntimeConnection(socket, { session, handOver });
    });
    await unlink(unixPath).catch(() => undefined);
    await listen(lean, { path: unixPath });
    return {
      endpoint: { kind: 'unix', path: unixPath },
      close: () =>
        new Promise<void>((resolve) => {
          lean.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  }
  return {
    open(session, endpointKind, unixPath) {
      return serve(
        (req, res) => guard(res, () => route(session, req, res)),
        endpointKind,
        unixPath,
        () => session,
      );
    },
    async openPrewarmed(endpointKind, unixPath) {
      const assignment = new RuntimeAssignment();
      let session: RuntimeSession | null = null;
      const listener = await serve(
        (req, res) => {
          if (session !== null) {
            const attached = session;
            return guard(res, () => route(attached, req, res));
          }
          // SECURITY: before assignment only Kindling's runtime client runs in the environment; even so,
          // nothing but the exact assignment call is served.
          if (req.url === ASSIGNMENT_PATH && req.method === 'GET') {
            req.resume();
            return guard(res, () => assignment.ask(res));
          }
          notFound(req, res);
        },
        endpointKind,
        unixPath,
        () => session,
      );
      return {
        ...listener,
        assignment,
        attach(s) {
          session = s;
        },
      };
    },
  };
}

function listen(
  server: Server | NetServer,
  at: { host: string; port: number } | { path: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Runs a handler step so that nothing a guest sends can throw out of the listener (an exception escaping
 * an HTTP callback would end the whole server): a failure answers 500 to that request only.
 */
function guard(res: ServerResponse, step: () => void): void {
  try {
    step();
  } catch (err) {
    if (!res.headersSent) renderError(httpReply(res), 500, 'Runtime.Unknown', 'Internal error');
    else res.destroy();
    process.emitWarning(`Runtime API: ${String(err)}`);
  }
}

/**
 * Routes one request; handlers answer `res` themselves (the return value carries nothing).
 * SECURITY: everything here arrives from guest code: paths are matched exactly, bodies are bounded,
 * and JSON is parsed only where the API defines it (extension registration).
 */
function route(session: RuntimeSession, req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? '';
  const method = req.method;
  if (url === NEXT) {
    if (method !== 'GET') return notFound(req, res);
    if (!session.next(httpReply(res))) {
      renderError(
        httpReply(res),
        403,
        'InvalidStateTransition',
        'The runtime must respond to the current invocation first',
      );
    }
    return;
  }
  if (url.startsWith(INVOCATION_PREFIX)) {
    if (method !== 'POST') return notFound(req, res);
    const rest = url.slice(INVOCATION_PREFIX.length);
    const slash = rest.indexOf('/');
    // SECURITY: the request id comes from guest code; it is only compared with the current invocation's.
    const requestId = rest.slice(0, slash);
    const action = rest.slice(slash + 1);
    if (slash <= 0 || (action !== 'response' && action !== 'error')) return notFound(req, res);
    if (session.check(requestId) !== 'ok') {
      req.resume();
      return renderError(httpReply(res), 400, 'InvalidRequestID', 'Invalid request ID');
    }
    session.answerArriving();
    if (action === 'response') return invocationResponse(session, requestId, req, res);
    return invocationError(session, requestId, req, res);
  }
  if (url === INIT_ERROR && method === 'POST') {
    const errorType = validRuntimeOrFunctionErrorType(header(req, 'lambda-runtime-function-error-type'));
    return readBody(req, res, MAX_SMALL_BODY_BYTES, (body) => {
      renderAccepted(httpReply(res));
      session.initError(errorType, body ?? Buffer.alloc(0));
    });
  }
  if (url.startsWith(EXTENSION_PREFIX))
    return extensionRoute(session, url.slice(EXTENSION_PREFIX.length), req, res);
  if ((url === '/2020-08-15/logs' || url === '/2022-07-01/telemetry') && method === 'PUT') {
    // Logs and Telemetry API subscriptions are accepted so extensions that subscribe keep working;
    // nothing is delivered to them.
    req.resume();
    res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', '2']);
    res.end('OK');
    return;
  }
  if (url === '/2018-06-01/ping' || url === '/ping') {
    req.resume();
    res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', '4']);
    res.end('pong');
    return;
  }
  notFound(req, res);
}

function invocationResponse(
  session: RuntimeSession,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  readBody(req, res, MAX_RESPONSE_BYTES, (body) => {
    if (body === null) {
      renderError(
        httpReply(res),
        413,
        'RequestEntityTooLarge',
        `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
      );
      session.responseTooLarge(requestId);
      return;
    }
    session.accept(httpReply(res));
    session.response(requestId, body);
  });
}

function invocationError(
  session: RuntimeSession,
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const errorType = validRuntimeOrFunctionErrorType(header(req, 'lambda-runtime-function-error-type'));
  readBody(req, res, MAX_RESPONSE_BYTES, (body) => {
    session.accept(httpReply(res));
    session.error(requestId, errorType, body ?? Buffer.alloc(0));
  });
}

function extensionRoute(session: RuntimeSession, action: string, req: IncomingMessage, res: ServerResponse) {
  const registry = session.extensions;
  if (action === 'register' && req.method === 'POST') {
    const name = header(req, 'lambda-extension-name');
    return readBody(req, res, MAX_SMALL_BODY_BYTES, (body) => {
      if (name === undefined || name === '') {
        return renderError(httpReply(res), 403, 'Extension.InvalidExtensionName', 'Empty extension name');
      }
      // SECURITY: the registration body comes from guest code; accept only a list of known event names.
      const events = parseEvents(body);
      if (events === null) {
        return renderError(
          httpReply(res),
          403,
          'InvalidRequestFormat',
          'Body must be {"events": ["INVOKE"|"SHUTDOWN", ...]}',
        );
      }
      if (registry.nameTaken(name)) {
        return renderError(
          httpReply(res),
          403,
          'Extension.InvalidState',
          'Extension with this name already registered',
        );
      }
      if (registry.size >= MAX_EXTENSIONS) {
        return renderError(
          httpReply(res),
          403,
          'Extension.TooManyExtensions',
          `Extension limit (${MAX_EXTENSIONS}) reached`,
        );
      }
      const ext = registry.register(name, events);
      const m = session.metadata;
      renderJson(
        httpReply(res),
        200,
        { functionName: m.functionName, functionVersion: m.functionVersion, handler: m.handler },
        ['Lambda-Extension-Identifier', ext.id],
      );
    });
  }
  const id = header(req, 'lambda-extension-identifier');
  if (id === undefined || id === '') {
    req.resume();
    return renderError(
      httpReply(res),
      403,
      'Extension.MissingExtensionIdentifier',
      'Missing Lambda-Extension-Identifier header',
    );
  }
  if (!registry.has(id)) {
    req.resume();
    return renderError(
      httpReply(res),
      403,
      'Extension.InvalidExtensionIdentifier',
      'Invalid Lambda-Extension-Identifier',
    );
  }
  if (action === 'event/next' && req.method === 'GET') {
    req.resume();
    return registry.next(id, res);
  }
  if ((action === 'init/error' || action === 'exit/error') && req.method === 'POST') {
    const fallback = action === 'init/error' ? 'Extension.InitError' : 'Extension.ExitError';
    const errorType = validExtensionErrorType(header(req, 'lambda-extension-function-error-type'), fallback);
    return readBody(req, res, MAX_SMALL_BODY_BYTES, (body) => {
      renderAccepted(httpReply(res));
      // An extension failing init fails the environment's init, as in Lambda.
      if (action === 'init/error' && !session.isReady) session.initError(errorType, body ?? Buffer.alloc(0));
    });
  }
  notFound(req, res);
}

function parseEvents(body: Buffer | null): Set<ExtensionEventType> | null {
  if (body === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('events' in parsed)) return null;
  const list = (parsed as { events: unknown }).events;
  if (!Array.isArray(list)) return null;
  const events = new Set<ExtensionEventType>();
  for (const e of list) {
    if (e !== 'INVOKE' && e !== 'SHUTDOWN') return null;
    events.add(e);
  }
  return events;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  renderError(httpReply(res), 404, 'NotFound', `No route for ${req.method} ${req.url}`);
}

/**
 * Reads a whole body, at most `limit` bytes. Beyond the limit the rest is drained and `done(null)` is
 * called, so the runtime's request completes and it can read the refusal.
 */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  done: (body: Buffer | null) => void,
): void {
  let first: Buffer | null = null;
  let chunks: Buffer[] | null = null;
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      first = null;
      chunks = null;
    } else if (first === null && size === chunk.length) {
      first = chunk;
    } else {
      if (chunks === null) chunks = first === null ? [] : [first];
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    const body =
      size > limit ? null : chunks !== null ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0));
    guard(res, () => done(body));
  });
  req.on('error', () => undefined);
}
