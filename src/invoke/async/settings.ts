// Settings of asynchronous invocation, read from KINDLING_ASYNC_* environment variables. The defaults are
// Lambda's; tests shorten the delays (e.g. KINDLING_ASYNC_RETRY_BASE_MS=200).

import { z } from 'zod';
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

const Ms = z.coerce.number().int().min(0);
const EnvSchema = z.object({
  KINDLING_ASYNC_RETRY_BASE_MS: Ms.optional(),
  KINDLING_ASYNC_THROTTLE_BASE_MS: Ms.optional(),
  KINDLING_ASYNC_THROTTLE_MAX_MS: Ms.optional(),
  KINDLING_ASYNC_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  KINDLING_ASYNC_LEASE_MS: z.coerce.number().int().min(1000).optional(),
  KINDLING_ASYNC_POLL_MS: z.coerce.number().int().min(10).optional(),
});

/** Reads the settings; throws naming the offending variable. */
export function asyncSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AsyncSettings {
  const picked = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('KINDLING_ASYNC_') && v !== ''),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const d = DEFAULT_ASYNC_SETTINGS;
  return {
    retryBaseMs: e.KINDLING_ASYNC_RETRY_BASE_MS ?? d.retryBaseMs,
    throttleBaseMs: e.KINDLING_ASYNC_THROTTLE_BASE_MS ?? d.throttleBaseMs,
    throttleMaxMs: e.KINDLING_ASYNC_THROTTLE_MAX_MS ?? d.throttleMaxMs,
    maxInFlight: e.KINDLING_ASYNC_CONCURRENCY ?? d.maxInFlight,
    leaseMs: e.KINDLING_ASYNC_LEASE_MS ?? d.leaseMs,
    idlePollMs: e.KINDLING_ASYNC_POLL_MS ?? d.idlePollMs,
  };
}
