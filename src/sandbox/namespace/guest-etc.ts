// The minimal /etc an environment sees: its own passwd and group with the sandbox user, hosts, nsswitch,
// plus a few public, read-only host files a runtime needs (CA certificates, the loader cache, DNS config).
// Never the host's /etc wholesale: no shadow, no ssl/private, no credentials.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda runs functions as sbx_user1051 (uid 993, gid 990). */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;
export const SANDBOX_USER = 'sbx_user1051';
export const SANDBOX_HOSTNAME = 'localhost';

const GENERATED: Record<string, string> = {
  passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_GID}::/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  group: `root:x:0:\n${SANDBOX_USER}:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`,
  hosts: `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  hostname: `${SANDBOX_HOSTNAME}\n`,
  'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
};

/** Public host files bound read-only when present (bwrap --ro-bind-try). */
const FROM_HOST = [
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/pki/tls/certs',
  '/etc/ld.so.cache',
  '/etc/resolv.conf',
  '/etc/localtime',
  '/etc/alternatives',
  '/etc/protocols',
  '/etc/services',
  '/etc/mime.types',
];

export interface GuestEtc {
  /** [hostPath, guestPath] bound read-only, must exist. */
  readonly generated: readonly (readonly [string, string])[];
  /** [hostPath, guestPath] bound read-only when present. */
  readonly optional: readonly (readonly [string, string])[];
}

/** Writes the generated files under dir (idempotent) and returns what to bind. */
export function prepareGuestEtc(dir: string): GuestEtc {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const generated: (readonly [string, string])[] = [];
  for (const [name, content] of Object.entries(GENERATED)) {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o644 });
    generated.push([path, `/etc/${name}`]);
  }
  return { generated, optional: FROM_HOST.map((p) => [p, p] as const) };
}
