// The API's credentials: one access key pair per server (from configuration, or generated on first start
// and kept in DATA_DIR/credentials.json, mode 0600), looked up by access key id when verifying SigV4.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CredentialLookup } from './sigv4.js';

export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const StoredCredentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

/**
 * The configured pair if both parts are set; otherwise the pair kept in the data dir, generated once.
 * `generated` tells the caller to print how to use it.
 */
export function loadOrCreateCredentials(
  dataDir: string,
  configured: { accessKeyId?: string; secretAccessKey?: string },
): { pair: AccessKeyPair; source: 'configured' | 'stored' | 'generated' } {
  if (configured.accessKeyId && configured.secretAccessKey) {
    return {
      pair: { accessKeyId: configured.accessKeyId, secretAccessKey: configured.secretAccessKey },
      source: 'configured',
    };
  }
  const file = credentialsFile(dataDir);
  if (existsSync(file)) {
    return { pair: StoredCredentials.parse(JSON.parse(readFileSync(file, 'utf8'))), source: 'stored' };
  }
  const pair = {
    // Same shapes as AWS keys: AKIA + 16 base-32 characters, and a 40-character secret.
    accessKeyId: `AKIA${base32(randomBytes(10)).slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64').replace(/\+/g, 'x').replace(/\//g, 'y').slice(0, 40),
  };
  writeFileSync(file, `${JSON.stringify(pair, null, 2)}\n`, { mode: 0o600 });
  return { pair, source: 'generated' };
}

export function credentialLookup(pairs: readonly AccessKeyPair[]): CredentialLookup {
  const byId = new Map(pairs.map((p) => [p.accessKeyId, p.secretAccessKey]));
  return { secretFor: (id) => byId.get(id) };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
