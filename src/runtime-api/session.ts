// One execution environment's side of the Runtime API: which invocation is current, whether the runtime
// is parked on /next, and what it posted back. The HTTP module (server.ts) only parses and routes; this
// module owns the environment → invocation mapping (STYLE §2), so the connection a request came in on is
// all it takes to know whose invocation it is. Nothing here is looked up per request.

import { ExtensionRegistry } from './extensions.js';
import type { RuntimeInvocation, ShutdownReason } from './invocation.js';
import { renderAccepted, renderInvocation } from './render.js';
import type { RuntimeReply } from './reply.js';
import { newTraceId } from './trace-id.js';

/** What the environment learns from its runtime. Called at most once per invocation. */
export interface RuntimeSessionEvents {
  /** The runtime asked for its first invocation: init is complete (Init Duration ends here). */
  onReady(): void;
  /** /response for the current invocation, body as posted. */
  onResponse(requestId: string, body: Buffer): void;
  /** /error for the current invocation: the normalised error type and the posted body. */
  onError(requestId: string, errorType: string, body: Buffer): void;
  /** /response whose body exceeded the payload limit. */
  onResponseTooLarge(requestId: string): void;
  /** /init/error (runtime or extension): init failed with this normalised type and body. */
  onInitError(errorType: string, body: Buffer): void;
}

/** Function metadata an extension receives when it registers. */
export interface FunctionMetadata {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly handler: string;
}

export type PostCheck = 'ok' | 'unknown-request';

export class RuntimeSession {
  readonly extensions = new ExtensionRegistry();
  /** True once the runtime has asked for its first invocation. */
  private ready = false;
  /** The runtime's parked /next, if it is waiting. */
  private waiting: RuntimeReply | null = null;
  /** An invocation handed over while the runtime was not (yet) waiting. */
  private pending: RuntimeInvocation | null = null;
  private pendingDeadlineMs = 0;
  private pendingTraceId = '';
  /** Request id of the invocation the runtime owes an answer for. */
  private current: string | null = null;
  /**
   * The runtime's answer to the current invocation is arriving (its POST was accepted, the body is being
   * read). A /next sent right behind it on the same connection (HTTP/1.1 pipelining, as Kindling's runtime
   * clients do) arrives before the answer is complete; it waits instead of being refused.
   */
  private answering = false;
  /**
   * The 202 of the runtime's last answer, held back while the runtime waits on a /next it pipelined behind
   * that answer on the same connection: it goes out just before the next event, so an idle runtime wakes
   * once per event rather than once for the 202 and again for the event. (Its own CPU share is small; a
   * wake-up is a large part of what an invoke costs it.)
   */
  private heldAcceptance: RuntimeReply | null = null;

  constructor(
    readonly events: RuntimeSessionEvents,
    readonly metadata: FunctionMetadata,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Worker side: hand an invocation to the runtime (now, if it is waiting on /next; else when it asks). */
  deliver(inv: RuntimeInvocation, deadlineMs: number): void {
    this.current = inv.requestId;
    this.answering = false;
    const traceId = inv.traceId ?? newTraceId(Date.now());
    if (this.extensions.hasInvokeSubscribers) this.publishInvoke(inv, deadlineMs, traceId);
    const held = this.heldAcceptance;
    if (held !== null) {
      this.heldAcceptance = null;
      renderAccepted(held);
    }
    const res = this.waiting;
    this.waiting = null;
    if (res !== null && !res.closed) {
      renderInvocation(res, inv, deadlineMs, traceId);
      return;
    }
    this.pending = inv;
    this.pendingDeadlineMs = deadlineMs;
    this.pendingTraceId = traceId;
  }

  /** Worker side: the invocation ended without an answer (timeout, exit); forget it. */
  abandon(): void {
    this.current = null;
    this.answering = false;
    this.pending = null;
  }

  /** Worker side: tell SHUTDOWN subscribers the environment is ending; resolves when they are done. */
  shutdown(reason: ShutdownReason, graceMs: number): Promise<void> {
    if (!this.extensions.hasShutdownSubscribers) return Promise.resolve();
    this.extensions.publish('SHUTDOWN', {
      eventType: 'SHUTDOWN',
      shutdownReason: reason,
      deadlineMs: Date.now() + graceMs,
    });
    return this.extensions.settled(graceMs);
  }

  /** HTTP side: GET /runtime/invocation/next. Returns false when the runtime still owes an answer. */
  next(res: RuntimeReply): boolean {
    if (!this.ready) {
      this.ready = true;
      this.events.onReady();
    }
    const inv = this.pending;
    if (inv !== null) {
      this.pending = null;
      renderInvocation(res, inv, this.pendingDeadlineMs, this.pendingTraceId);
      return true;
    }
    if (this.current !== null && !this.answering) return false;
    this.waiting = res;
    return true;
  }

  /** HTTP side: is `requestId` the invocation the runtime owes an answer for? */
  check(requestId: string): PostCheck {
    return requestId === this.current && this.pending === null ? 'ok' : 'unknown-request';
  }

  /**
   * HTTP side: the 202 for an accepted answer (`res`), held back if the runtime already waits on a /next it
   * sent behind that answer on the same connection (see heldAcceptance); otherwise sent now.
   */
  accept(res: RuntimeReply): void {
    const waiting = this.waiting;
    if (waiting !== null && waiting.connection === res.connection && this.heldAcceptance === null) {
      this.heldAcceptance = res;
      return;
    }
    renderAccepted(res);
  }

  /** HTTP side: a POST for the current invocation passed check(); its body is on its way. */
  answerArriving(): void {
    this.answering = true;
  }

  response(requestId: string, body: Buffer): void {
    this.current = null;
    this.answering = false;
    this.events.onResponse(requestId, body);
  }

  responseTooLarge(requestId: string): void {
    this.current = null;
    this.answering = false;
    this.events.onResponseTooLarge(requestId);
  }

  error(requestId: string, errorType: string, body: Buffer): void {
    this.current = null;
    this.answering = false;
    this.events.onError(requestId, errorType, body);
  }

  initError(errorType: string, body: Buffer): void {
    this.events.onInitError(errorType, body);
  }

  private publishInvoke(inv: RuntimeInvocation, deadlineMs: number, traceId: string): void {
    this.extensions.publish('INVOKE', {
      eventType: 'INVOKE',
      deadlineMs,
      requestId: inv.requestId,
      invokedFunctionArn: inv.invokedFunctionArn,
      tracing: { type: 'X-Amzn-Trace-Id', value: traceId },
    });
  }
}
