// The minimal /etc an environment sees, prepared once per server start as one directory and bound
// read-only (one mount, not one per file): its own passwd and group with the sandbox user, hosts,
// nsswitch, plus copies of a few public host files a runtime needs (CA certificates, the loader cache, DNS
// config, time zone). Never the host's /etc wholesale: no shadow, no ssl/private, no credentials.

import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Lambda runs functions as sbx_user1051 (uid 993, gid 990). */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;
export const SANDBOX_USER = 'sbx_user1051';
export const SANDBOX_HOSTNAME = 'localhost';

const GENERATED: Record<string, string> = {
  passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n${SANDBOX_USER}:x:${SANDBOX_UID}:${SANDBOX_GID}::/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  group: `root:x:0:\n${SANDBOX_USER}:x:${SANDBOX_GID}:\nnogroup:x:65534:\n`,
  hosts: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  hostname: `${SANDBOX_HOSTNAME}\n`,
  'nsswitch.conf':
    'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
};

/**
 * Public host files copied in when present. Symlinks are copied as symlinks: they resolve inside the
 * environment (e.g. /etc/ssl/certs/*.pem → /usr/share/ca-certificates/..., which is part of /usr).
 */
const FROM_HOST = [
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'pki/tls/certs',
  'ld.so.cache',
  'localtime',
  'alternatives',
  'protocols',
  'services',
  'mime.types',
];
/** Copied with its content even when it is a symlink on the host (e.g. into /run/systemd/resolve). */
const DEREFERENCED = ['resolv.conf'];

/** Builds the environments' /etc at dir (replacing what was there) and returns dir. */
export function prepareGuestEtc(dir: string, hostEtc = '/etc'): string {
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true, mode: 0o755 });
  for (const [name, content] of Object.entries(GENERATED)) {
    writeFileSync(join(building, name), content, { mode: 0o644 });
  }
  for (const rel of [...FROM_HOST, ...DEREFERENCED]) {
    const source = join(hostEtc, rel);
    if (!existsSync(source)) continue;
    mkdirSync(dirname(join(building, rel)), { recursive: true, mode: 0o755 });
    const dereference = DEREFERENCED.includes(rel);
    cpSync(source, join(building, rel), { recursive: true, dereference, verbatimSymlinks: !dereference });
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return dir;
}
