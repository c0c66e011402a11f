// Route table: Lambda's REST paths (several date prefixes, a trailing slash optional as AWS accepts it)
// on a radix router, and JSON-protocol services told apart by their X-Amz-Target prefix.

import FindMyWay from 'find-my-way';
import type { HTTPMethod } from 'find-my-way';
import type { ErrorStyle } from './error-encoding.js';
import type { RouteHandler, RouteOptions, Routes } from './http.js';

export interface RouteEntry {
  readonly handler: RouteHandler;
  readonly options: RouteOptions & { readonly errorStyle: ErrorStyle };
}

export interface RouteMatch {
  readonly entry: RouteEntry;
  readonly params: Record<string, string>;
}

export class Router implements Routes {
  // find-my-way refuses a path parameter over 100 characters by default (no route matches); Lambda's
  // names and ARNs are longer (a tagged function's ARN, a 170-character FunctionName), and one that is too
  // long is the operation's ValidationException to report. The request line is bounded by the server.
  private readonly tree = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 8192 });
  private readonly targets: Array<{ prefix: string; entry: RouteEntry }> = [];

  add(method: string, path: string, handler: RouteHandler, options: RouteOptions = {}): void {
    // Lambda's model writes labels as {Name}; the radix router wants :Name.
    const pattern = path.replace(/\{([A-Za-z0-9]+)\+?\}/g, ':$1');
    const entry: RouteEntry = { handler, options: { ...options, errorStyle: 'rest-json' } };
    this.tree.on(method as HTTPMethod, pattern, () => undefined, entry);
  }

  addTarget(
    targetPrefix: string,
    handler: RouteHandler,
    options: RouteOptions & { errorStyle?: ErrorStyle } = {},
  ): void {
    this.targets.push({
      prefix: targetPrefix,
      entry: { handler, options: { ...options, errorStyle: options.errorStyle ?? 'json-1.1' } },
    });
  }

  find(method: string, path: string, target: string | undefined): RouteMatch | undefined {
    if (target !== undefined && method === 'POST' && (path === '/' || path === '')) {
      for (const t of this.targets) {
        if (target.startsWith(t.prefix))
          return { entry: t.entry, params: { Operation: target.slice(t.prefix.length) } };
      }
      return undefined;
    }
    const found = this.tree.find(method as HTTPMethod, path);
    if (found === null) return undefined;
    return { entry: found.store as RouteEntry, params: found.params as Record<string, string> };
  }
}
