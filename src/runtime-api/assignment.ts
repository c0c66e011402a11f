// The one Kindling-internal call of the Runtime API: a pre-warmed runtime (started before any function was
// known, its runtime client already loaded) asks which function it is for, and waits. The worker answers
// once it has specialised the environment: the body carries the exact environment the function must see
// (wire contract 2.6). The path is served only until the listener is attached to a function's session,
// so function code can never reach it; it is outside Lambda's path space (DESIGN §4 "Cold starts").

import type { ServerResponse } from 'node:http';

export const ASSIGNMENT_PATH = '/kindling/runtime/assignment';

export class RuntimeAssignment {
  /** Resolves when the runtime asks: it has started and loaded everything that does not depend on a function. */
  readonly waiting: Promise<void>;
  private markWaiting: () => void = () => undefined;
  private parked: ServerResponse | null = null;
  private body: Buffer | null = null;

  constructor() {
    this.waiting = new Promise<void>((resolve) => {
      this.markWaiting = resolve;
    });
  }

  /** HTTP side: the runtime's GET; answered now if the environment is assigned, else when it is. */
  ask(res: ServerResponse): void {
    this.markWaiting();
    if (this.body !== null) {
      send(res, this.body);
      return;
    }
    this.parked?.destroy();
    this.parked = res;
  }

  /** Worker side: the environment is specialised; the runtime gets its function's environment. */
  assign(environment: Readonly<Record<string, string>>): void {
    if (this.body !== null) throw new Error('a pre-warmed runtime is assigned once');
    this.body = Buffer.from(JSON.stringify({ environment }), 'utf8');
    const res = this.parked;
    this.parked = null;
    if (res !== null && !res.destroyed) send(res, this.body);
  }
}

function send(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(body.length)]);
  res.end(body);
}
