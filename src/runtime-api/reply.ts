// Where the answer to one Runtime API request goes. A request arrives either through node:http (the TCP
// listener, and anything unusual on the Unix socket) or through the lean HTTP/1.1 connection Kindling's
// own runtimes use (runtime-connection.ts); the session answers both the same way.

import type { ServerResponse } from 'node:http';

export interface RuntimeReply {
  /**
   * The connection the request came in on. Requests pipelined on one connection are answered in order, so
   * a reply held back waits for the one behind it on the same connection (see RuntimeSession.accept).
   */
  readonly connection: object;
  /** The connection is gone: nothing sent now would arrive. */
  readonly closed: boolean;
  /** Sends the whole answer: status, a flat [name, value, ...] header list and the body. */
  send(status: number, headers: readonly string[], body: Buffer): void;
}

/** A node:http response as a RuntimeReply. */
export function httpReply(res: ServerResponse): RuntimeReply {
  return {
    connection: res.req.socket,
    get closed() {
      return res.destroyed;
    },
    send(status, headers, body) {
      res.writeHead(status, headers as string[]);
      res.end(body);
    },
  };
}
