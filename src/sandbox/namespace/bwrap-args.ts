// The bubblewrap command line of one environment: a pure function of its plan, so the filesystem and
// namespace layout can be read (and tested) in one place.
//
//   /usr /bin /lib /lib64 ...   host system directories, read-only (or the host's symlinks to them)
//   /etc                        generated passwd/group/hosts + copies of a few public host files, read-only
//   /var/task                   the function's code, read-only
//   /opt                        its layers, read-only
//   /var/runtime                Kindling's guest runtimes, read-only
//   /tmp                        tmpfs of EphemeralStorage size, the only writable place
//   /proc /dev                  the environment's own procfs; a minimal /dev
//   /run/kindling/init          the sandbox's PID 1; runtime-api.sock: the Runtime API's Unix socket
//   everything else             absent; the root itself is remounted read-only

import { lstatSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostBind } from './host-executables.js';

export const GUEST_INIT = '/run/kindling/init';
export const GUEST_RUNTIME_API_SOCKET = '/run/kindling/runtime-api.sock';
export const GUEST_RUNTIME_API_PORT = 9001;

/** File descriptors the launcher hands to bubblewrap (and bubblewrap to the sandbox's init). */
export const FD = { status: 3, seccomp: 4, environment: 5 } as const;

export interface EnvironmentPlan {
  readonly systemRoot: readonly string[];
  /** Host directory prepared as the environment's /etc (see guest-etc.ts). */
  readonly etcDir: string;
  readonly codeDir: string;
  readonly optDir: string | undefined;
  readonly runtimeDir: string;
  readonly hostBinds: readonly HostBind[];
  readonly init: string;
  readonly runtimeApiSocket: string;
  readonly tmpBytes: number;
  readonly uid: number;
  readonly gid: number;
  readonly hostname: string;
  readonly command: readonly string[];
}

/** The host's system directories as bubblewrap arguments: binds for directories, the same symlinks for links. */
export function systemRootArguments(): string[] {
  const args: string[] = [];
  for (const dir of ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  return args;
}

export function bwrapArguments(plan: EnvironmentPlan): string[] {
  const args = [
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-net',
    '--unshare-cgroup-try',
    '--hostname',
    plan.hostname,
    // The environment dies with the server: no orphaned environments after a crash.
    '--die-with-parent',
    // No controlling terminal to inject keystrokes into (TIOCSTI).
    '--new-session',
    '--as-pid-1',
    ...plan.systemRoot,
  ];
  // bubblewrap creates missing parents of a bind's destination as 0700 (unreadable to the sandbox user):
  // create them first, world-readable.
  const made = new Set<string>(['/']);
  const bind = (kind: string, source: string, dest: string) => {
    const parents: string[] = [];
    for (let dir = dirname(dest); !made.has(dir); dir = dirname(dir)) parents.unshift(dir);
    for (const dir of parents) {
      args.push('--dir', dir);
      made.add(dir);
    }
    args.push(kind, source, dest);
  };
  bind('--ro-bind', plan.etcDir, '/etc');
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(plan.tmpBytes), '--tmpfs', '/tmp');
  bind('--ro-bind', plan.codeDir, '/var/task');
  bind('--ro-bind', plan.runtimeDir, '/var/runtime');
  if (plan.optDir) bind('--ro-bind', plan.optDir, '/opt');
  else args.push('--dir', '/opt');
  for (const b of plan.hostBinds) bind('--ro-bind', b.source, b.dest);
  bind('--ro-bind', plan.init, GUEST_INIT);
  bind('--ro-bind', plan.runtimeApiSocket, GUEST_RUNTIME_API_SOCKET);
  args.push('--remount-ro', '/');
  args.push('--chdir', '/var/task');
  // The init needs exactly these to become the sandbox user; it drops them (and the bounding set) itself.
  args.push(
    '--cap-drop',
    'ALL',
    '--cap-add',
    'CAP_SETUID',
    '--cap-add',
    'CAP_SETGID',
    '--cap-add',
    'CAP_SETPCAP',
  );
  args.push('--seccomp', String(FD.seccomp));
  args.push(
    '--',
    GUEST_INIT,
    String(plan.uid),
    String(plan.gid),
    String(GUEST_RUNTIME_API_PORT),
    GUEST_RUNTIME_API_SOCKET,
    String(FD.status),
    String(FD.environment),
    '--',
    ...plan.command,
  );
  return args;
}

/** The runtime's environment for the init's ENV_FD: NUL-terminated KEY=VALUE strings. */
export function encodeEnvironment(env: Readonly<Record<string, string>>): Buffer {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    // SECURITY: function environment variables are user input; a key with '=' or NUL, or a value with NUL,
    // would change meaning in the KEY=VALUE encoding, so it is refused.
    if (key.length === 0 || key.includes('=') || key.includes('\0') || value.includes('\0')) {
      throw new Error(`invalid environment variable name or value: ${JSON.stringify(key)}`);
    }
    parts.push(`${key}=${value}\0`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}
