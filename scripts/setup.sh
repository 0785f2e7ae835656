#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what nsalign needs to build and test on Debian 12, when missing.
# Idempotent; needs root only when something has to be installed.
#
#   scripts/setup.sh                everything (build, fuzzing, the VM lab on every target)
#   scripts/setup.sh --build-only   what the build and make check need
#   scripts/setup.sh --build-only --fuzz   ... and what the fuzz targets need
set -euo pipefail

BUILD_PKGS=(autoconf automake libtool pkg-config make gcc
	libndctl-dev libdaxctl-dev libudev-dev libsystemd-dev libjson-c-dev libkmod-dev uuid-dev libinih-dev
	libblkid-dev libsmartcols-dev
	asciidoctor clang-format jq python3-jsonschema
	umockdev libumockdev-dev
	zsh
	debhelper dpkg-dev lintian)
# The fuzz targets (configure --enable-fuzzing): clang and its libFuzzer runtime.
FUZZ_PKGS=(clang libclang-rt-dev)
# The VM lab: a Debian kernel under QEMU with emulated NVDIMMs.
LAB_PKGS=(qemu-system-x86 busybox-static kmod cpio ndctl daxctl time mmdebstrap arch-test mount e2fsprogs strace util-linux)
# The lab's arm64 targets: QEMU and its UEFI firmware, and nsalign cross-built
# against the arm64 libraries (multiarch).  The arm64 kernels and guest tools
# are not installed: tests/vm downloads and unpacks them into its cache.
ARM64_PKGS=(qemu-system-arm qemu-efi-aarch64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	libndctl-dev:arm64 libdaxctl-dev:arm64 libudev-dev:arm64 libsystemd-dev:arm64 libjson-c-dev:arm64
	libkmod-dev:arm64 uuid-dev:arm64 libinih-dev:arm64 libblkid-dev:arm64
	libsmartcols-dev:arm64)

# promtool, for contrib/prometheus's rule tests: from Debian's prometheus
# package, unpacked into build-tools/ and not installed (installing it would
# start a Prometheus server and bring its web assets)
top=$(cd "$(dirname "$0")/.." && pwd)
promtool_dir=$top/build-tools/prometheus

lab=1 fuzz=
for a in "$@"; do
	case "$a" in
	--build-only) lab=0 ;;
	--fuzz) fuzz=1 ;;
	*) echo "usage: scripts/setup.sh [--build-only] [--fuzz]" >&2; exit 64 ;;
	esac
done
[ -n "$fuzz" ] || fuzz=$lab
want=("${BUILD_PKGS[@]}")
[ $lab -eq 0 ] || want+=("${LAB_PKGS[@]}" "${ARM64_PKGS[@]}")
[ $fuzz -eq 0 ] || want+=("${FUZZ_PKGS[@]}")

# The lab's other kernels come from bookworm-backports (6.12) and the arm64
# architecture: both must be known to apt before anything is fetched.
need_arch=0 need_backports=0
if [ $lab -eq 1 ]; then
	dpkg --print-foreign-architectures | grep -qx arm64 || need_arch=1
	grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
		need_backports=1
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
need_promtool=0
command -v promtool >/dev/null || [ -x "$promtool_dir/usr/bin/promtool" ] || need_promtool=1
[ ${#missing[@]} -eq 0 ] && [ $need_arch -eq 0 ] && [ $need_backports -eq 0 ] && [ $need_promtool -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	[ $need_arch -eq 0 ] || echo "setup: the arm64 architecture is not enabled (dpkg --add-architecture arm64)" >&2
	[ $need_backports -eq 0 ] || echo "setup: bookworm-backports is not in the apt sources" >&2
	[ ${#missing[@]} -eq 0 ] || echo "setup: missing Debian packages: ${missing[*]}" >&2
	[ $need_promtool -eq 0 ] || echo "setup: no promtool (Debian's prometheus package, unpacked into build-tools/)" >&2
	echo "setup: run as root (scripts/setup.sh)" >&2
	exit 77
fi

# the mirror the system already uses for bookworm (deb822 or one-line sources)
bookworm_mirror() {
	{
		(cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true) | awk 'BEGIN { RS = "" }
			{ u = ""; s = 0; n = split($0, l, "\n")
			  for (i = 1; i <= n; i++) {
				if (l[i] ~ /^URIs:/) { split(l[i], a, " "); u = a[2] }
				if (l[i] ~ /^Suites:/) { m = split(l[i], b, " "); for (j = 2; j <= m; j++) if (b[j] == "bookworm") s = 1 }
			  }
			  if (s && u != "") print u }'
		(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true) |
			sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\)[[:space:]]\+bookworm[[:space:]].*/\2/p'
	} | head -1 || true
}

export DEBIAN_FRONTEND=noninteractive
if [ $need_arch -eq 1 ]; then
	echo "setup: dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
fi
if [ $need_backports -eq 1 ]; then
	mirror=$(bookworm_mirror)
	[ -n "$mirror" ] || { echo "setup: no bookworm entry in the apt sources to add bookworm-backports next to" >&2; exit 1; }
	echo "setup: adding bookworm-backports ($mirror) to the apt sources"
	cat >/etc/apt/sources.list.d/bookworm-backports.sources <<EOS
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
fi
[ ${#missing[@]} -eq 0 ] || echo "setup: installing ${missing[*]}"
apt-get update -qq
[ ${#missing[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ $need_promtool -eq 1 ]; then
	echo "setup: unpacking promtool from Debian's prometheus package into $promtool_dir"
	dl=$(mktemp -d)
	(cd "$dl" && apt-get download -qq prometheus >/dev/null) &&
		mkdir -p "$promtool_dir" &&
		dpkg-deb --fsys-tarfile "$dl"/prometheus_*.deb | tar -x -C "$promtool_dir" ./usr/bin/promtool
	rc=$?
	rm -rf "$dl"
	[ $rc -eq 0 ] || { echo "setup: could not unpack promtool" >&2; exit 1; }
fi
