#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what nsalign needs to build and test on Debian 12, when missing.
# Idempotent; needs root only when something has to be installed.
set -euo pipefail

BUILD_PKGS=(autoconf automake libtool pkg-config make gcc
	libndctl-dev libdaxctl-dev libudev-dev libsystemd-dev libjson-c-dev libkmod-dev uuid-dev libinih-dev
	libblkid-dev
	asciidoctor clang-format jq
	umockdev libumockdev-dev)
# The VM lab: a Debian kernel under QEMU with emulated NVDIMMs.
LAB_PKGS=(qemu-system-x86 busybox-static kmod cpio ndctl daxctl time mmdebstrap arch-test mount e2fsprogs)

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${LAB_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing Debian packages: ${missing[*]}; run as root (or: apt-get install ${missing[*]})" >&2
	exit 77
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
