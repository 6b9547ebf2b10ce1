#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use, and registers qemu for arm64 RUN steps.
# Idempotent: does nothing when everything is present. Needs root to install; otherwise it says
# exactly what to install and exits non-zero.
set -euo pipefail

packages=(docker-registry skopeo buildah qemu-user-static chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "ampere-images: missing system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 RUN steps in buildah builds execute under qemu through binfmt_misc.
binfmt=/proc/sys/fs/binfmt_misc
if [ "$(id -u)" = 0 ] && [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
  if [ -e "$binfmt/register" ] && [ ! -e "$binfmt/qemu-aarch64" ]; then
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > "$binfmt/register" || echo "warning: could not register qemu-aarch64 with binfmt_misc" >&2
  fi
fi

# The build tests make an arm64 base image from Debian's arm64 busybox-static package; cache the
# .deb where test/build/fixture.ts looks (AMPERE_DEB_CACHE, default ~/.cache/ampere-images/debs).
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"   # as node's os.homedir() finds it
deb_cache="${AMPERE_DEB_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/ampere-images/debs}"
if ! compgen -G "$deb_cache/busybox-static_*_arm64.deb" >/dev/null; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    if [ "$(id -u)" != 0 ]; then
      echo "ampere-images: the build tests need Debian's arm64 package lists:" >&2
      echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
      exit 1
    fi
    dpkg --add-architecture arm64
    apt-get update -qq
  fi
  mkdir -p "$deb_cache"
  # A list fetched before arm64 was added lacks the package: update once and try again.
  if ! (cd "$deb_cache" && apt-get download -qq busybox-static:arm64 2>/dev/null); then
    [ "$(id -u)" = 0 ] && apt-get update -qq
    (cd "$deb_cache" && apt-get download -qq busybox-static:arm64 2>/dev/null) || {
      echo "ampere-images: could not download busybox-static:arm64 into $deb_cache" >&2
      exit 1
    }
  fi
fi
