// Where the namespace driver's native pieces are: built by src/sandbox/namespace/native/build.sh into
// dist/sandbox/namespace/native/ (the same place whether this module runs from src/ or from dist/).

import { constants, accessSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeArtifacts {
  /** bubblewrap (Debian package `bubblewrap`). */
  readonly bwrap: string;
  /** Host-side launcher: joins the environment's cgroups, then execs bubblewrap. */
  readonly enter: string;
  /** In-sandbox PID 1: privilege drop, Runtime API forwarder, reaper. */
  readonly init: string;
  /** The seccomp filter as BPF, for bubblewrap's --seccomp. */
  readonly seccomp: string;
}

export const DEFAULT_NATIVE_DIR = fileURLToPath(
  new URL('../../../dist/sandbox/namespace/native/', import.meta.url),
);
export const DEFAULT_BWRAP = '/usr/bin/bwrap';

export function nativeArtifacts(nativeDir = DEFAULT_NATIVE_DIR, bwrap = DEFAULT_BWRAP): NativeArtifacts {
  return {
    bwrap,
    enter: join(nativeDir, 'kindling-enter'),
    init: join(nativeDir, 'kindling-init'),
    seccomp: join(nativeDir, 'seccomp.bpf'),
  };
}

/** Why the artifacts cannot be used, or undefined when they can. */
export function missingArtifact(a: NativeArtifacts): string | undefined {
  const checks: [string, number, string][] = [
    [a.bwrap, constants.X_OK, 'bubblewrap not found (install the Debian package `bubblewrap`)'],
    [a.enter, constants.X_OK, 'sandbox launcher not built (run `npm run build`)'],
    [a.init, constants.X_OK, 'sandbox init not built (run `npm run build`)'],
    [a.seccomp, constants.R_OK, 'seccomp filter not built (run `npm run build`)'],
  ];
  for (const [path, mode, reason] of checks) {
    try {
      accessSync(path, mode);
    } catch {
      return `${reason}: ${path}`;
    }
  }
  return undefined;
}
