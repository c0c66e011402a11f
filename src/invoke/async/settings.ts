// Settings of asynchronous invocation. The values come from the server's configuration (src/config.ts,
// KINDLING_ASYNC_*), validated there at start; the defaults are Lambda's.

import { LAMBDA_RETRY_SETTINGS, type RetrySettings } from './retry-policy.js';

export interface AsyncSettings extends RetrySettings {
  /** Most events the dispatcher runs at once (each still passes the invoke path's concurrency limits). */
  readonly maxInFlight: number;
  /** How long a claimed event stays leased: longer than the longest function timeout (900 s). */
  readonly leaseMs: number;
  /** How often an idle dispatcher looks for events whose retry time has come. */
  readonly idlePollMs: number;
}

export const DEFAULT_ASYNC_SETTINGS: AsyncSettings = {
  ...LAMBDA_RETRY_SETTINGS,
  maxInFlight: 64,
  leaseMs: 16 * 60 * 1000,
  idlePollMs: 1000,
};
