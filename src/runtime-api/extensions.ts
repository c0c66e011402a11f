// The Extensions API side of one execution environment (wire contract 2.5, RIE ExtensionsRouter):
// extensions register for INVOKE and/or SHUTDOWN, long-poll /extension/event/next, and may report init or
// exit errors. Events are queued per extension so none is lost while an extension is busy.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ExtensionEventType } from './invocation.js';

/** Lambda allows at most 10 extensions per function (RIE core.MaxAgentsAllowed). */
export const MAX_EXTENSIONS = 10;

export interface RegisteredExtension {
  readonly id: string;
  readonly name: string;
  readonly events: ReadonlySet<ExtensionEventType>;
}

interface ExtensionState extends RegisteredExtension {
  waiting: ServerResponse | null;
  readonly queue: Buffer[];
  /** Count of /event/next calls; lets shutdown wait until an extension asks again (it is done). */
  polls: number;
}

export class ExtensionRegistry {
  private readonly byId = new Map<string, ExtensionState>();
  private invokeSubscribers = 0;
  private shutdownSubscribers = 0;
  private readonly pollWaiters = new Set<() => void>();

  get size(): number {
    return this.byId.size;
  }

  get hasInvokeSubscribers(): boolean {
    return this.invokeSubscribers > 0;
  }

  get hasShutdownSubscribers(): boolean {
    return this.shutdownSubscribers > 0;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  nameTaken(name: string): boolean {
    for (const e of this.byId.values()) if (e.name === name) return true;
    return false;
  }

  register(name: string, events: ReadonlySet<ExtensionEventType>): RegisteredExtension {
    const ext: ExtensionState = { id: randomUUID(), name, events, waiting: null, queue: [], polls: 0 };
    this.byId.set(ext.id, ext);
    if (events.has('INVOKE')) this.invokeSubscribers++;
    if (events.has('SHUTDOWN')) this.shutdownSubscribers++;
    return ext;
  }

  /** An extension asks for its next event: answer from its queue or park the request. */
  next(id: string, res: ServerResponse): void {
    const ext = this.byId.get(id);
    if (ext === undefined) return;
    ext.polls++;
    for (const wake of this.pollWaiters) wake();
    const queued = ext.queue.shift();
    if (queued !== undefined) send(res, queued);
    else ext.waiting = res;
  }

  /** Delivers an event to every extension subscribed to its type. */
  publish(type: ExtensionEventType, event: Readonly<Record<string, unknown>>): void {
    const body = Buffer.from(JSON.stringify(event));
    for (const ext of this.byId.values()) {
      if (!ext.events.has(type)) continue;
      const res = ext.waiting;
      if (res !== null && !res.destroyed) {
        ext.waiting = null;
        send(res, body);
      } else {
        ext.waiting = null;
        ext.queue.push(body);
      }
    }
  }

  /**
   * Resolves once every SHUTDOWN subscriber has asked for its next event after this call (it has
   * finished its shutdown work), or after `withinMs`.
   */
  settled(withinMs: number): Promise<void> {
    const subscribers = [...this.byId.values()].filter((e) => e.events.has('SHUTDOWN'));
    const baseline = new Map(subscribers.map((e) => [e.id, e.polls]));
    return new Promise((resolve) => {
      const check = () => {
        if (subscribers.every((e) => e.polls > (baseline.get(e.id) ?? 0))) finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.pollWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, withinMs);
      this.pollWaiters.add(check);
    });
  }
}

function send(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(body.length),
    'Lambda-Extension-Event-Identifier',
    randomUUID(),
  ]);
  res.end(body);
}
