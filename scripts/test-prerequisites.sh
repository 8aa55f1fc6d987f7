#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, so that `npm test` works on a fresh
# machine: redis-server (the config proof boots a real one) and the local control plane's
# binaries (built once from their Go modules and cached under ~/.cache/redis-operator).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing redis-server (Debian package) for the redis.conf tests..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "redis-server is required by the tests: install the redis-server package (e.g. sudo apt-get install redis-server)." >&2
    exit 1
  fi
fi

if [ -f test/cluster/build-binaries.sh ]; then
  bash test/cluster/build-binaries.sh
fi
