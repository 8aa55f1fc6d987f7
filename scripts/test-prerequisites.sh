#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, so that `npm test` works on a fresh
# machine: redis-server (the config proof boots a real one), kubectl (synth's output is read
# back the way kubectl reads it), busybox (the pod's start script runs under its sh too), what
# the real node runs (containerd, runc, the CNI plugins and iptables, all Debian packages; gcc
# and the static C library for the pause binary), and the local control plane's and real node's binaries and images (built once
# from their Go modules and Debian packages, cached under ~/.cache/redis-operator).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package providing each command or file the tests need.
declare -A needed=(
  [redis-server]=redis-server
  [redis-cli]=redis-tools
  [kubectl]=kubernetes-client
  [busybox]=busybox
  [containerd]=containerd
  [ctr]=containerd
  [runc]=runc
  [/usr/lib/cni/bridge]=containernetworking-plugins
  [iptables]=iptables
  [ip]=iproute2
  [flock]=util-linux
  [gcc]=gcc
  [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev
)
missing=()
for what in "${!needed[@]}"; do
  if [[ "$what" == /* ]]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${needed[$what]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  packages="$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages the tests need: $packages" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
  else
    echo "The tests need these Debian packages: $packages (e.g. sudo apt-get install $packages); the real node also needs root." >&2
    exit 1
  fi
fi

if [ -f test/cluster/build-binaries.sh ]; then
  # The `redis` test project runs a real node, so its binaries and images are built too.
  bash test/cluster/build-binaries.sh --real-node
fi
