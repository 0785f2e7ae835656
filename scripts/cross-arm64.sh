#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cross-build nsalign for arm64 out of tree (the VM lab's arm64 targets):
#
#   scripts/cross-arm64.sh [BUILDDIR] [configure args...]    (default build-arm64)
#
# gcc-aarch64-linux-gnu against the arm64 -dev packages installed through
# multiarch (scripts/setup.sh): their .pc files live in
# /usr/lib/aarch64-linux-gnu/pkgconfig, which pkg-config reads instead of the
# host's.  No tests run: the binaries are for the arm64 guest.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build-arm64}
shift || true
host=aarch64-linux-gnu
command -v $host-gcc >/dev/null || { echo "cross-arm64: $host-gcc missing (scripts/setup.sh)" >&2; exit 1; }
[ -d /usr/lib/$host/pkgconfig ] || { echo "cross-arm64: no arm64 -dev packages (scripts/setup.sh)" >&2; exit 1; }
export PKG_CONFIG_LIBDIR=/usr/lib/$host/pkgconfig:/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=/ PKG_CONFIG=pkg-config
[ -x "$top/configure" ] && [ -f "$top/build-aux/tap-driver.sh" ] || "$top/autogen.sh" >/dev/null
mkdir -p "$builddir"
cd "$builddir"
# a test build (--enable-fault-injection): the lab's scenarios make steps fail
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ] ||
	! grep -q -- --enable-fault-injection config.status; then
	"$top/configure" --host=$host --enable-werror --disable-docs --enable-fault-injection "$@" >configure.out ||
		{ tail -5 configure.out >&2; exit 1; }
fi
make -j"$(nproc)" nsalign nsalignd >make.out 2>&1 || { tail -20 make.out >&2; exit 1; }
