// The control plane's door: functions, versions, aliases, layers, tags and account settings as typed
// operations, the FunctionResolver the invoke path uses, change notifications for the worker, and the
// signed download URLs of code archives.

import { existsSync } from 'node:fs';
import type { Store } from '../store/index.js';
import { createAliasOperations } from './alias-operations.js';
import { createArtifactStorage } from './artifacts.js';
import { createCodeUrls } from './code-urls.js';
import { createContext } from './context.js';
import { type AccountConcurrency, createFunctionOperations } from './function-operations.js';
import { createLayerOperations } from './layer-operations.js';
import type { FunctionResolver } from './model.js';
import { createResolver } from './resolver.js';
import type { ControlListener } from './types.js';

export interface ControlOptions {
  readonly store: Store;
  readonly dataDir: string;
  readonly accountId: string;
  readonly region: string;
  /** Reserved concurrency per function, when the invoke component manages it (GetFunction's Concurrency). */
  readonly reservedConcurrency?: (functionName: string) => number | undefined;
  /** Account concurrency for GetAccountSettings (default 1000 / 1000). */
  readonly accountConcurrency?: () => AccountConcurrency;
  /** How long unreferenced code stays on disk for draining environments (default 15.5 minutes). */
  readonly artifactGraceMs?: number;
}

export type Control = FunctionResolver &
  ReturnType<typeof createFunctionOperations> &
  ReturnType<typeof createAliasOperations> &
  ReturnType<typeof createLayerOperations> & {
    /** Hears every change that makes environments stale; returns an unsubscribe function. */
    subscribe(listener: ControlListener): () => void;
    /** A download URL for a code archive (Code.Location / Content.Location), valid for ten minutes. */
    codeLocation(baseUrl: string, sha256Hex: string): string;
    /**
     * The host path of a code archive when the download token is valid, undefined otherwise (the caller
     * answers 403 / 404 without saying which).
     */
    codeArchiveFor(sha256Hex: string, expires: string | null, token: string | null): string | undefined;
  };

export function createControl(opts: ControlOptions): Control {
  const artifacts = createArtifactStorage(
    opts.store,
    opts.dataDir,
    opts.artifactGraceMs !== undefined ? { graceMs: opts.artifactGraceMs } : {},
  );
  // Nothing runs yet at startup: code left unreferenced by the previous run can go now.
  artifacts.sweep().catch(() => undefined);
  const ctx = createContext(opts.store, artifacts, { accountId: opts.accountId, region: opts.region });
  const urls = createCodeUrls(opts.dataDir);
  const resolver = createResolver(ctx);
  return {
    ...createFunctionOperations(ctx, {
      ...(opts.reservedConcurrency ? { reservedConcurrency: opts.reservedConcurrency } : {}),
      ...(opts.accountConcurrency ? { accountConcurrency: opts.accountConcurrency } : {}),
    }),
    ...createAliasOperations(ctx),
    ...createLayerOperations(ctx),
    resolve: resolver.resolve,
    subscribe: ctx.subscribe,
    codeLocation: urls.locationOf,
    codeArchiveFor(hex, expires, token) {
      // SECURITY: hex comes from an unauthenticated path; it must be a digest before it names a file.
      if (!/^[0-9a-f]{64}$/.test(hex) || !urls.verify(hex, expires, token)) return undefined;
      const path = artifacts.archiveOf(hex);
      return existsSync(path) ? path : undefined;
    },
  };
}

export type * from './types.js';
export type { AccountConcurrency } from './function-operations.js';
export { SUPPORTED_RUNTIMES } from './validation.js';
export { CODE_DOWNLOAD_PATH } from './code-urls.js';
export { REQUEST_LIMITS, requestEntityTooLarge } from './context.js';
export type * from './model.js';
export {
  type FunctionLocator,
  LATEST,
  type Partition,
  isVersionQualifier,
  locateFunction,
  qualifiedArn,
} from './names.js';
export { paginate } from './pagination.js';
