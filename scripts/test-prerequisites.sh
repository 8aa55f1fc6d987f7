#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, so that `npm test` works on a fresh
# machine: redis-server (the config proof boots a real one), kubectl (synth's output is read
# back the way kubectl reads it), busybox (the pod's start script runs under its sh too) and the
# local control plane's binaries (built once from their Go modules and cached under
# ~/.cache/redis-operator).
set -euo pipefail
cd "$(dirname "$0")/.."

# require COMMAND DEBIAN-PACKAGE WHAT-FOR
require() {
  if command -v "$1" >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $2 (Debian package) for $3..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "$1 is required by the tests ($3): install the $2 package (e.g. sudo apt-get install $2)." >&2
    exit 1
  fi
}

require redis-server redis-server "the redis.conf tests"
require kubectl kubernetes-client "reading synth's output as kubectl does"
require busybox busybox "the start script's tests"

if [ -f test/cluster/build-binaries.sh ]; then
  bash test/cluster/build-binaries.sh
fi
