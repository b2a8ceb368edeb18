#!/usr/bin/env bash
# CRIU 4.1.1 for the snapshots of Java worker JVMs (README, "Snapshots"), built from Debian's source into .tools/criu.
#   bin/lib/criu.sh install   builds it if .tools/criu/bin/criu is not already 4.1.1 (about a minute on 2 cores)
#   bin/lib/criu.sh path      prints the binary's path if it is installed
# Why a build: Debian 12's criu 3.17 fails on recent kernels (vDSO), and trixie's 4.1.1 package needs a newer libc
# than bookworm's. The tarball is Debian's orig tarball, checked against its SHA-256; the build uses bookworm's -dev
# packages (installed with apt-get when missing) and installs nothing outside .tools/criu.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION=4.1.1
SHA256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe
URL="http://deb.debian.org/debian/pool/main/c/criu/criu_${VERSION}.orig.tar.xz"
PREFIX="$ROOT/.tools/criu"
BIN="$PREFIX/bin/criu"
PACKAGES=(gcc make pkg-config libprotobuf-dev libprotobuf-c-dev protobuf-c-compiler libnl-3-dev libnet1-dev libcap-dev libbsd-dev
          uuid-dev libgnutls28-dev util-linux)

installed() {
  [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "Version: $VERSION"
}

install() {
  if installed; then
    echo "criu: $VERSION already built at $BIN"
    return 0
  fi
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" != 0 ]; then
    echo "criu: installing build dependencies: ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  local src="$PREFIX/src"
  mkdir -p "$src" "$PREFIX/bin"
  local tarball="$src/criu_${VERSION}.orig.tar.xz"
  if ! echo "$SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
    echo "criu: downloading $URL"
    curl -fsS -o "$tarball.tmp" "$URL"
    echo "$SHA256  $tarball.tmp" | sha256sum -c --status \
      || { echo "criu: $URL does not have SHA-256 $SHA256" >&2; rm -f "$tarball.tmp"; exit 1; }
    mv "$tarball.tmp" "$tarball"
  fi
  rm -rf "$src/criu-$VERSION"
  tar -xf "$tarball" -C "$src"
  echo "criu: building criu $VERSION (log: $src/build.log)"
  if ! make -C "$src/criu-$VERSION" -j"$(nproc)" criu >"$src/build.log" 2>&1; then
    tail -20 "$src/build.log" >&2
    echo "criu: the build failed; see $src/build.log" >&2
    exit 1
  fi
  cp "$src/criu-$VERSION/criu/criu" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  rm -rf "$src/criu-$VERSION"
  echo "criu: installed $("$BIN" --version | head -1) at $BIN"
}

case "${1:-}" in
  install) install ;;
  path) installed && echo "$BIN" ;;
  *) echo "usage: bin/lib/criu.sh install|path" >&2; exit 2 ;;
esac
