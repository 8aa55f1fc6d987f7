#!/usr/bin/env bash
# Builds the real node's container images as OCI image archives, without a container engine and
# without any registry: each is one uncompressed layer made from Debian packages (or a binary we
# compiled), with fixed owners and mtimes so that the same inputs give the same bytes.
#
#   redis.oci.tar              localhost/redis:7.0 (and localhost/redis:7.0-b, the same image,
#                              for tests that change spec.image): Debian's redis-server and
#                              redis-tools with their libraries, and busybox for sh, sed and grep
#   pause.oci.tar              localhost/pause:$PAUSE_VERSION, the pod sandbox
#   local-path-helper.oci.tar  localhost/local-path-helper:1, busybox for the provisioner's
#                              helper pods (mkdir, rm)
#
# into ${XDG_CACHE_HOME:-~/.cache}/redis-operator/images/<key>/, where the key is a digest of the
# exact package files (name, version, sha256), the pause binary and this script; images/real-node
# points at the newest complete set. Downloaded packages are kept in redis-operator/debs/.
#
# Usage: bash test/cluster/real-node/build-images.sh PAUSE_BINARY
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../versions.env
source "$here/../versions.env"

pause_binary="${1:?usage: build-images.sh PAUSE_BINARY}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/redis-operator"
images_root="$cache_root/images"
debs_dir="$cache_root/debs"

# redis-server holds the redis-server link and its redis.conf; redis-tools the binaries. The rest
# are the libraries they link (checked below by running them) and busybox, whose sh, sed and grep
# the operator's start-up script and readiness probe use.
redis_packages=(redis-server redis-tools libatomic1 libc6 libgcc-s1 libjemalloc2 liblzf1 libssl3 libstdc++6
  libsystemd0 libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libzstd1 busybox-static)
helper_packages=(busybox-static)

mkdir -p "$images_root" "$debs_dir"
exec 8>"$images_root/.lock"
if command -v flock >/dev/null 2>&1; then flock 8; fi

# What apt would download: "'URI' FILE SIZE SHA256:HEX" per package. It downloads nothing.
package_uris() {
  apt-get download --print-uris "${redis_packages[@]}" 2>/dev/null
}
# apt takes a second or two to answer; its answer changes only when its package lists do.
lists_stamp="$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none) ${redis_packages[*]}"
if [ -f "$images_root/.uris" ] && [ "$(head -n1 "$images_root/.uris")" = "$lists_stamp" ]; then
  uris="$(tail -n +2 "$images_root/.uris")"
elif ! uris="$(package_uris)" || [ -z "$uris" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    uris="$(package_uris)"
  else
    echo "apt cannot locate the redis image's Debian packages (${redis_packages[*]}); run apt-get update as root." >&2
    exit 1
  fi
fi
uris="$(sort <<<"$uris")"
printf '%s\n%s\n' "$lists_stamp" "$uris" >"$images_root/.uris"

key="$( { awk '{ print $2, $4 }' <<<"$uris"; sha256sum <"$pause_binary"; sha256sum <"$here/build-images.sh"; } | sha256sum | cut -c1-16)"
out="$images_root/$key"
if [ -f "$out/complete" ]; then
  ln -sfn "$key" "$images_root/real-node"
  exit 0
fi

started=$SECONDS
echo "Building the real node's images (redis, pause, local-path-helper) into $out..." >&2
missing_debs=()
while read -r _uri file _size hash; do
  if [ -f "$debs_dir/$file" ] && [ "SHA256:$(sha256sum "$debs_dir/$file" | cut -d' ' -f1)" = "$hash" ]; then continue; fi
  missing_debs+=("$(sed 's/_.*//' <<<"$file")")
done <<<"$uris"
if [ "${#missing_debs[@]}" -gt 0 ]; then
  # apt's sandbox user cannot write into root's cache; as root the download is simply unsandboxed.
  if ! (cd "$debs_dir" && apt-get download -o APT::Sandbox::User=root "${missing_debs[@]}" >/dev/null); then
    # Package lists older than the archive name versions it no longer has: refresh, start again.
    rm -f "$images_root/.uris"
    if [ "$(id -u)" = 0 ] && [ -z "${REDIS_OPERATOR_APT_REFRESHED:-}" ]; then
      apt-get update -qq >/dev/null
      REDIS_OPERATOR_APT_REFRESHED=1 exec bash "$here/build-images.sh" "$pause_binary"
    fi
    echo "Could not download the redis image's Debian packages (${missing_debs[*]})." >&2
    exit 1
  fi
fi
deb_file() {
  awk -v package="$1" '{ split($2, parts, "_"); if (parts[1] == package) print $2 }' <<<"$uris"
}

work="$(mktemp -d "$images_root/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# A deterministic tar of a directory: sorted names, one owner, one mtime.
#   $1: source directory, $2: archive
deterministic_tar() {
  tar --create --file "$2" --directory "$1" --sort=name --format=gnu \
    --mtime=@0 --owner=0 --group=0 --numeric-owner .
}

# Writes an OCI image archive of one layer.
#   $1: rootfs directory, $2: archive path, $3: the image config's "config" object (JSON),
#   $4: what the history entry says, $5...: image names
oci_archive() {
  local rootfs="$1" archive="$2" config="$3" created_by="$4"
  shift 4
  local layout="$work/layout.$(basename "$archive")"
  mkdir -p "$layout/blobs/sha256"
  deterministic_tar "$rootfs" "$layout/layer.tar"
  local layer_digest layer_size
  layer_digest="$(sha256 "$layout/layer.tar")"
  layer_size="$(stat -c %s "$layout/layer.tar")"
  mv "$layout/layer.tar" "$layout/blobs/sha256/$layer_digest"

  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"%s"}]}' \
    "$config" "$layer_digest" "$created_by" >"$layout/config.json"
  local config_digest config_size
  config_digest="$(sha256 "$layout/config.json")"
  config_size="$(stat -c %s "$layout/config.json")"
  mv "$layout/config.json" "$layout/blobs/sha256/$config_digest"

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$layout/manifest.json"
  local manifest_digest manifest_size
  manifest_digest="$(sha256 "$layout/manifest.json")"
  manifest_size="$(stat -c %s "$layout/manifest.json")"
  mv "$layout/manifest.json" "$layout/blobs/sha256/$manifest_digest"

  # One entry per name: `ctr images import` creates an image for each io.containerd.image.name.
  local entries="" name
  for name in "$@"; do
    [ -n "$entries" ] && entries+=","
    entries+="$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
      "$manifest_digest" "$manifest_size" "$name" "${name##*:}")"
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$entries" >"$layout/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  deterministic_tar "$layout" "$archive.partial"
  mv -f "$archive.partial" "$archive"
}

# Links busybox's applets into /bin, leaving alone whatever a package already put there.
#   $1: rootfs with /bin/busybox
link_busybox_applets() {
  local rootfs="$1" applet
  for applet in $("$rootfs/bin/busybox" --list); do
    [ -e "$rootfs/bin/$applet" ] || [ -e "$rootfs/usr/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
  done
}

# /etc/passwd and /etc/group with root, the redis user of the official image (uid 999) and nobody.
#   $1: rootfs
write_accounts() {
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/root:/bin/sh\nredis:x:999:999:redis:/data:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nredis:x:999:\nnogroup:x:65534:\n' >"$1/etc/group"
  chmod 0644 "$1/etc/passwd" "$1/etc/group"
}

# The redis image.
rootfs="$work/redis"
mkdir -p "$rootfs"
for package in "${redis_packages[@]}"; do
  dpkg-deb --extract "$debs_dir/$(deb_file "$package")" "$rootfs"
done
# Documentation and service-manager files say nothing inside a container.
rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/lintian" "$rootfs/usr/share/bug" \
  "$rootfs/etc/init.d" "$rootfs/etc/logrotate.d" "$rootfs/etc/default" "$rootfs/lib/systemd" "$rootfs/usr/lib/systemd"
link_busybox_applets "$rootfs"
write_accounts "$rootfs"
install -d -m 0755 "$rootfs/data" "$rootfs/etc/redis"
install -d -m 1777 "$rootfs/tmp"
install -d -m 0700 "$rootfs/root"
if [ "$(id -u)" = 0 ]; then
  # Proves the library list complete: the binaries run with nothing but the image's own files.
  chroot "$rootfs" /usr/bin/redis-server --version >/dev/null
  chroot "$rootfs" /usr/bin/redis-cli --version >/dev/null
  [ "$(chroot "$rootfs" /bin/sh -c 'echo a | sed s/a/b/ | grep -c b')" = 1 ]
fi
redis_version="$(awk '{ split($2, parts, "_"); if (parts[1] == "redis-tools") print parts[2] }' <<<"$uris" | sed 's/%3a/:/')"
case "$redis_version" in
  *:7.0.*) ;;
  *) echo "Debian's redis-tools is $redis_version, not 7.0.x: the image name localhost/redis:7.0 would not be true." >&2; exit 1 ;;
esac
oci_archive "$rootfs" "$out/redis.oci.tar" \
  '{"User":"999:999","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["redis-server"],"WorkingDir":"/data","ExposedPorts":{"6379/tcp":{}}}' \
  "Debian redis-tools $redis_version and its libraries, busybox" \
  localhost/redis:7.0 localhost/redis:7.0-b

# The pause image.
rootfs="$work/pause"
mkdir -p "$rootfs"
install -m 0755 "$pause_binary" "$rootfs/pause"
oci_archive "$rootfs" "$out/pause.oci.tar" '{"User":"65535:65535","Entrypoint":["/pause"]}' \
  "pause.c of k8s.io/kubernetes $KUBERNETES_VERSION, static" "localhost/pause:$PAUSE_VERSION"

# The local-path-provisioner's helper image.
rootfs="$work/helper"
mkdir -p "$rootfs"
for package in "${helper_packages[@]}"; do
  dpkg-deb --extract "$debs_dir/$(deb_file "$package")" "$rootfs"
done
rm -rf "$rootfs/usr/share"
link_busybox_applets "$rootfs"
write_accounts "$rootfs"
install -d -m 1777 "$rootfs/tmp"
oci_archive "$rootfs" "$out/local-path-helper.oci.tar" '{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' \
  "Debian busybox-static" localhost/local-path-helper:1

touch "$out/complete"
ln -sfn "$key" "$images_root/real-node"
echo "Built the real node's images in $((SECONDS - started)) s ($(du -sh "$out" | cut -f1))." >&2
