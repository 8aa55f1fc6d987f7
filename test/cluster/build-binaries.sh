#!/usr/bin/env bash
# Builds the local control plane's binaries once and caches them outside the repository:
#
#   kube-apiserver, kube-controller-manager, kube-scheduler  from k8s.io/kubernetes
#   etcd                                                     from go.etcd.io/etcd/server/v3
#   kwok                                                     from sigs.k8s.io/kwok
#
# at the versions in versions.env, into ${XDG_CACHE_HOME:-~/.cache}/redis-operator/bin/<versions>/.
#
# With --real-node it also builds what a real node runs beside that control plane, into a cache
# directory of its own (bin/real-node_<versions>/), so that the kwok-only flow never pays for it:
#
#   kubelet, kube-proxy      from k8s.io/kubernetes, in the same generated module as above
#   coredns                  a main of our own importing coremain and only the plugins we use
#   local-path-provisioner   from github.com/rancher/local-path-provisioner
#   pause                    build/pause/linux/pause.c of the k8s.io/kubernetes module, static
#
# and then the container images (real-node/build-images.sh).
#
# KUBEBUILDER_ASSETS (the envtest convention) may point at a directory that already holds
# binaries; every binary found there is used as is, and only the missing ones are built. envtest
# ships kube-apiserver and etcd; kube-controller-manager, kube-scheduler and kwok are looked up
# there too.
#
# When everything is present this is a no-op that only checks files, so it is cheap to run before
# every test run.
#
# Usage: bash test/cluster/build-binaries.sh [--real-node] [--print-dir] [--print-real-node-dir]
#   --real-node            also build the real node's binaries and images
#   --print-dir            print the cache directory the binaries are (or would be) built into, and exit
#   --print-real-node-dir  the same for the real node's binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

versions="kubernetes-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/redis-operator"
bin_dir="$cache_root/bin/$versions"
build_root="$cache_root/build/$versions"

real_node_versions="kubernetes-${KUBERNETES_VERSION}_coredns-${COREDNS_VERSION}_local-path-provisioner-${LOCAL_PATH_PROVISIONER_VERSION}_pause-${PAUSE_VERSION}"
real_node_bin_dir="$cache_root/bin/real-node_$real_node_versions"

real_node=false
for argument in "$@"; do
  case "$argument" in
    --print-dir) echo "$bin_dir"; exit 0 ;;
    --print-real-node-dir) echo "$real_node_bin_dir"; exit 0 ;;
    --real-node) real_node=true ;;
    *) echo "Unknown argument: $argument (usage: build-binaries.sh [--real-node] [--print-dir] [--print-real-node-dir])" >&2; exit 2 ;;
  esac
done

all_binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
real_node_binaries=(kubelet kube-proxy coredns local-path-provisioner pause)

# Prints the binaries found neither in KUBEBUILDER_ASSETS nor in the cache. The real node's
# binaries come from our cache only: envtest ships none of them.
missing_binaries() {
  local name
  for name in "${all_binaries[@]}"; do
    if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/$name" ]; then continue; fi
    if [ -x "$bin_dir/$name" ]; then continue; fi
    echo "$name"
  done
  if [ "$real_node" = true ]; then
    for name in "${real_node_binaries[@]}"; do
      if [ -x "$real_node_bin_dir/$name" ]; then continue; fi
      echo "$name"
    done
  fi
}

# The images are built after the binaries (the pause image needs the pause binary); their
# script is as cheap as this one when its cache is complete.
build_images() {
  if [ "$real_node" = true ]; then
    bash "$here/real-node/build-images.sh" "$real_node_bin_dir/pause"
  fi
}

# kube-controller-manager and kube-scheduler may be one minor older than kube-apiserver, never
# newer: say so when KUBEBUILDER_ASSETS brings an API server of another minor than ours.
warn_about_version_skew() {
  local assets_apiserver="${KUBEBUILDER_ASSETS:-}/kube-apiserver" theirs
  [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$assets_apiserver" ] || return 0
  [ -x "$KUBEBUILDER_ASSETS/kube-controller-manager" ] && [ -x "$KUBEBUILDER_ASSETS/kube-scheduler" ] && return 0
  theirs="$("$assets_apiserver" --version 2>/dev/null | sed -n 's/^Kubernetes \(v[0-9]*\.[0-9]*\).*/\1/p')"
  if [ -n "$theirs" ] && [ "$theirs" != "${KUBERNETES_VERSION%.*}" ]; then
    echo "Warning: kube-apiserver in KUBEBUILDER_ASSETS is $theirs, but kube-controller-manager and kube-scheduler come from $KUBERNETES_VERSION; put ones of the same minor next to it." >&2
  fi
}

missing="$(missing_binaries)"
if [ -z "$missing" ]; then
  warn_about_version_skew
  build_images
  exit 0
fi

# Go 1.21 and newer fetch the toolchain that go.mod asks for (1.26) by themselves.
go_minor=""
if command -v go >/dev/null 2>&1; then
  go_minor="$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
fi
if [ -z "$go_minor" ] || [ "$go_minor" -lt 21 ]; then
  echo "Building the local control plane's binaries ($(echo $missing | sed 's/ /, /g')) needs Go 1.26 or newer on PATH (https://go.dev/dl/), or KUBEBUILDER_ASSETS set to a directory that already holds them." >&2
  exit 1
fi

mkdir -p "$bin_dir" "$build_root"
if [ "$real_node" = true ]; then mkdir -p "$real_node_bin_dir"; fi

# Two test runs starting at once must not build into the same directory twice.
exec 9>"$build_root/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
missing="$(missing_binaries)"
if [ -z "$missing" ]; then
  build_images
  exit 0
fi

needs() { grep -qx "$1" <<<"$missing"; }

started=$SECONDS
targets=""
for name in $missing; do
  case " ${real_node_binaries[*]} " in
    *" $name "*) target="$real_node_bin_dir" ;;
    *) target="$bin_dir" ;;
  esac
  case " $targets " in *" $target "*) ;; *) targets+="${targets:+ and }$target" ;; esac
done
echo "Building $(echo $missing | sed 's/ /, /g') into $targets; a first build takes about 5 minutes for the control plane and as long again for the real node." >&2

# A module of our own that requires the command's module and names the commands as tools, so
# that `go mod tidy` resolves a complete go.sum. `go install pkg@version` cannot be used: it
# refuses modules with replace directives, which both k8s.io/kubernetes and etcd's server have.
#   $1: module directory, $2: go.mod body after the module line, $3...: tool packages
write_module() {
  local dir="$1" body="$2"
  shift 2
  mkdir -p "$dir"
  {
    echo "// Generated by test/cluster/build-binaries.sh; do not edit."
    echo "module redis-operator.local/control-plane-binaries"
    echo
    echo "go 1.26.0"
    echo
    printf '%s\n' "$body"
    echo
    echo "tool ("
    printf '\t%s\n' "$@"
    echo ")"
  } >"$dir/go.mod"
  rm -f "$dir/go.sum"
  (cd "$dir" && go mod tidy)
}

# The path of a module's own go.mod file in the module cache (downloading it if needed).
module_gomod() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p'
}

# The directory of a module's source in the module cache (downloading it if needed).
module_dir() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}

# Builds one command into a temporary file, then moves it into place, so an interrupted build
# never leaves a half-written binary behind.
#   $1: module directory, $2: binary name, $3: package, $4: extra -ldflags, $5: target directory
build_into_cache() {
  local dir="$1" name="$2" pkg="$3" ldflags="$4" target="${5:-$bin_dir}"
  local out="$target/.$name.partial.$$"
  echo "Building $name..." >&2
  (cd "$dir" && go build -trimpath -ldflags="-s -w $ldflags" -o "$out" "$pkg")
  mv -f "$out" "$target/$name"
}

if needs kube-apiserver || needs kube-controller-manager || needs kube-scheduler || needs kubelet || needs kube-proxy; then
  dir="$build_root/kubernetes"
  # k8s.io/kubernetes requires each of its staging modules at v0.0.0 and replaces it with a path
  # inside its own tree; a replace in a dependency is ignored, so we pin each of them to the
  # published v0.<minor>.<patch> that pairs with release 1.<minor>.<patch>. The list changes
  # between releases, so it is read from the pinned release's go.mod.
  kubernetes_gomod="$(module_gomod "k8s.io/kubernetes@$KUBERNETES_VERSION")"
  staging_version="v0.${KUBERNETES_VERSION#v1.}"
  staging_modules="$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$kubernetes_gomod" | sort -u)"
  if [ -z "$staging_modules" ]; then
    echo "Found no k8s.io staging modules at v0.0.0 in $kubernetes_gomod; the release's go.mod layout changed." >&2
    exit 1
  fi
  body="require k8s.io/kubernetes $KUBERNETES_VERSION"$'\n\n'"replace ("$'\n'
  for module in $staging_modules; do
    body+=$'\t'"$module => $module $staging_version"$'\n'
  done
  body+=")"
  # The node's commands join the module only when they are built: their extra requirements
  # (about eight modules) are then all that the kwok-only flow does not download.
  tools=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
  if needs kubelet || needs kube-proxy; then tools+=(k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy); fi
  write_module "$dir" "$body" "${tools[@]}"

  # What the release build stamps in (hack/lib/version.sh): without it the binaries call
  # themselves v0.0.0-master, which /version would report to every client.
  minor="${KUBERNETES_VERSION#v1.}"
  minor="${minor%%.*}"
  version_ldflags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    version_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done

  for name in kube-apiserver kube-controller-manager kube-scheduler; do
    if needs "$name"; then build_into_cache "$dir" "$name" "k8s.io/kubernetes/cmd/$name" "$version_ldflags"; fi
  done
  for name in kubelet kube-proxy; do
    if needs "$name"; then build_into_cache "$dir" "$name" "k8s.io/kubernetes/cmd/$name" "$version_ldflags" "$real_node_bin_dir"; fi
  done
fi

if needs pause; then
  # As build/pause/Makefile does it: a static binary, so the image needs nothing else.
  pause_source="$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")/build/pause/linux/pause.c"
  if ! command -v gcc >/dev/null 2>&1; then
    echo "Building the pause binary needs gcc and the static C library (Debian packages gcc and libc6-dev)." >&2
    exit 1
  fi
  echo "Building pause..." >&2
  out="$real_node_bin_dir/.pause.partial.$$"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-$KUBERNETES_VERSION" -o "$out" "$pause_source"
  strip "$out"
  mv -f "$out" "$real_node_bin_dir/pause"
fi

if needs coredns; then
  # CoreDNS's own main imports every plugin (a 20-minute build here); ours imports coremain and
  # the plugins the node's Corefile uses. The Corefile refers to nothing else, so a directive
  # that slips in without its plugin fails at start-up with "unknown directive".
  dir="$build_root/coredns"
  mkdir -p "$dir"
  {
    echo "// Generated by test/cluster/build-binaries.sh; do not edit."
    echo "module redis-operator.local/coredns"
    echo
    echo "go 1.26.0"
    echo
    echo "require github.com/coredns/coredns $COREDNS_VERSION"
  } >"$dir/go.mod"
  cat >"$dir/main.go" <<'GO'
// Generated by test/cluster/build-binaries.sh; do not edit.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The directive order is CoreDNS's own; listing it keeps the dnsserver package imported.
var _ = dnsserver.Directives

func main() { coremain.Run() }
GO
  rm -f "$dir/go.sum"
  (cd "$dir" && go mod tidy)
  build_into_cache "$dir" coredns . "" "$real_node_bin_dir"
fi

if needs local-path-provisioner; then
  # Its go.mod has no replace directives, so `go install` builds it at the versions its authors
  # pinned; GOBIN points at a scratch directory so that nothing half-built reaches the cache.
  scratch="$real_node_bin_dir/.local-path-provisioner.partial.$$"
  mkdir -p "$scratch"
  echo "Building local-path-provisioner..." >&2
  GOBIN="$scratch" go install -trimpath -ldflags="-s -w -X main.VERSION=$LOCAL_PATH_PROVISIONER_VERSION" \
    "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION"
  mv -f "$scratch/local-path-provisioner" "$real_node_bin_dir/local-path-provisioner"
  rmdir "$scratch"
fi

if needs etcd; then
  dir="$build_root/etcd"
  # The server's go.mod replaces its sibling modules with relative paths; we require each
  # sibling at the server's own version instead, reading the list from that go.mod.
  etcd_gomod="$(module_gomod "go.etcd.io/etcd/server/v3@$ETCD_VERSION")"
  siblings="$(awk '$1 ~ /^go\.etcd\.io\/etcd\// && $2 == "=>" && $3 ~ /^\.\.\// { print $1 }' "$etcd_gomod" | sort -u)"
  body="require ("$'\n'$'\t'"go.etcd.io/etcd/server/v3 $ETCD_VERSION"$'\n'
  for module in $siblings; do
    body+=$'\t'"$module $ETCD_VERSION"$'\n'
  done
  body+=")"
  write_module "$dir" "$body" go.etcd.io/etcd/server/v3
  build_into_cache "$dir" etcd go.etcd.io/etcd/server/v3 ""
fi

if needs kwok; then
  dir="$build_root/kwok"
  write_module "$dir" "require sigs.k8s.io/kwok $KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  build_into_cache "$dir" kwok sigs.k8s.io/kwok/cmd/kwok ""
fi

echo "Built $(echo $missing | sed 's/ /, /g') in $((SECONDS - started)) s." >&2
warn_about_version_skew
build_images
