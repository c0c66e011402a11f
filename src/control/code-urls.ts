// Code download URLs: GetFunction's Code.Location and GetLayerVersion's Content.Location point at this
// server, like AWS's presigned S3 URLs: unauthenticated, but carrying an HMAC of the artifact and an expiry
// so that only URLs this server handed out work, and only for ten minutes (AWS's presigned URLs last 10).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const VALIDITY_SECONDS = 600;
export const CODE_DOWNLOAD_PATH = '/kindling/code';

export interface CodeUrls {
  /** A URL under `baseUrl` that downloads the artifact's zip archive. */
  locationOf(baseUrl: string, sha256Hex: string): string;
  /** True when `token` was issued by this server for this artifact and `expires` has not passed. */
  verify(sha256Hex: string, expires: string | null, token: string | null): boolean;
}

export function createCodeUrls(dataDir: string, now: () => number = Date.now): CodeUrls {
  const key = loadOrCreateKey(dataDir);
  const sign = (hex: string, expires: string) =>
    createHmac('sha256', key).update(`${hex}\n${expires}`).digest('hex');
  return {
    locationOf(baseUrl, hex) {
      const expires = String(Math.floor(now() / 1000) + VALIDITY_SECONDS);
      return `${baseUrl}${CODE_DOWNLOAD_PATH}/${hex}?expires=${expires}&token=${sign(hex, expires)}`;
    },
    verify(hex, expires, token) {
      // SECURITY: both values come from an unauthenticated request's query string.
      if (!expires || !token || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(token)) return false;
      if (Number(expires) < Math.floor(now() / 1000)) return false;
      return timingSafeEqual(Buffer.from(sign(hex, expires), 'hex'), Buffer.from(token, 'hex'));
    },
  };
}

/** The signing key survives restarts so URLs handed out just before one keep working. */
function loadOrCreateKey(dataDir: string): Buffer {
  const file = join(dataDir, 'code-url.key');
  if (existsSync(file)) {
    const existing = readFileSync(file);
    if (existing.length >= 32) return existing;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}
