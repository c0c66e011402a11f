#!/bin/sh
# Builds the namespace sandbox's native pieces with the machine's C compiler:
#   kindling-init   in-sandbox PID 1 + Runtime API forwarder (static: no loader, smallest footprint)
#   kindling-enter  host-side launcher that joins the environment's cgroups and execs bubblewrap (static too:
#                   it is executed once per environment start, and without the dynamic loader an exec costs
#                   ~0.15 ms less CPU)
#   seccomp.bpf     the seccomp filter, exported by libseccomp
# Usage: sh src/sandbox/namespace/native/build.sh [OUT_DIR]   (default dist/sandbox/namespace/native)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=${1:-$root/dist/sandbox/namespace/native}
cc=${CC:-cc}
cflags="-O2 -Wall -Wextra -D_FORTIFY_SOURCE=2"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! $cc $cflags -static -o "$tmp/kindling-init" "$root/src/runtimes/agent/init.c" 2>/dev/null; then
  $cc $cflags -o "$tmp/kindling-init" "$root/src/runtimes/agent/init.c"
fi
if ! $cc $cflags -static -o "$tmp/kindling-enter" "$here/enter.c" 2>/dev/null; then
  $cc $cflags -o "$tmp/kindling-enter" "$here/enter.c"
fi
$cc $cflags -o "$tmp/seccomp-policy" "$here/seccomp-policy.c" -lseccomp
"$tmp/seccomp-policy" > "$tmp/seccomp.bpf"
strip "$tmp/kindling-init" "$tmp/kindling-enter" 2>/dev/null || true
chmod 0755 "$tmp/kindling-init" "$tmp/kindling-enter"
chmod 0644 "$tmp/seccomp.bpf"
for f in kindling-init kindling-enter seccomp.bpf; do mv -f "$tmp/$f" "$out/$f"; done
