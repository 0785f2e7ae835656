#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Configure and build nsalign out of tree: scripts/build.sh [BUILDDIR] [configure args...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$top/build}
shift || true
[ -x "$top/configure" ] && [ -f "$top/build-aux/tap-driver.sh" ] || "$top/autogen.sh" >/dev/null
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
	"$top/configure" --enable-werror "$@" >/dev/null
fi
make -j"$(nproc)" >/dev/null
make -j"$(nproc)" check TESTS= >/dev/null # build the test programs, run nothing
