#!/usr/bin/env bash
# Debian packages Kindling needs on a fresh machine: bubblewrap and seccomp for the namespace sandbox,
# python3 for the python runtimes, the AWS CLI v2 for the tests, and the toolchain that builds the native
# addons from source (better-sqlite3; aws-lambda-ric, the official Runtime API client used by the tests).
set -euo pipefail
packages=(bubblewrap libseccomp-dev python3-seccomp python3 awscli g++ make cmake autoconf automake libtool iproute2 zip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
