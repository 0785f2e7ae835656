#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One boot of a target with a scenario's NVDIMMs (default target-facts):
#   tests/vm/target-smoke.sh [--nsalign PATH] TARGET [SCENARIO]
# Results in $CACHE/run/smoke-TARGET-SCENARIO/boot1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$VM_TOP/targets.sh"
NSALIGN_BIN=""
[ "${1:-}" = --nsalign ] && NSALIGN_BIN=$2 && shift 2
target_set "${1:?target}"
SCENARIO=${2:-target-facts}
[ -n "$NSALIGN_BIN" ] || { [ "$TARGET_ARCH" = x86_64 ] && NSALIGN_BIN=$REPO_TOP/build/nsalign || NSALIGN_BIN=$REPO_TOP/build-arm64/nsalign; }
t0=$(date +%s.%N)
fetch_kernel
target_tools
build_target_initramfs "$NSALIGN_BIN"
t1=$(date +%s.%N)
echo "# $TARGET: kernel $KVER ($KERNEL_PKG), initramfs $(du -h "$INITRD" | cut -f1) ready in $(echo "$t1 - $t0" | bc) s"
RUN=$CACHE/run/smoke-$TARGET-$SCENARIO
rm -rf "$RUN" && mkdir -p "$RUN"
one_nvdimm() {
	echo "-m 2G,slots=4,maxmem=32G -object memory-backend-file,id=mem1,share=on,mem-path=$RUN/nv0.img,size=${2:-4G},align=${3:-2M} -device nvdimm,id=nv1,memdev=mem1,label-size=128K${1:+,addr=$1}"
}
check() { local w=$1; shift; if "$@" >/dev/null 2>&1; then echo "ok - $w"; else echo "not ok - $w"; fi; }
. "$VM_TOP/scenarios/$SCENARIO.sh"
setup
out=$RUN/boot1
mkdir -p "$out"
APPEND="nsa_scenario=$SCENARIO nsa_boot=1 $(append_args 1)"
# shellcheck disable=SC2046
target_qemu "$out" $(qemu_args 1) </dev/null >"$out/qemu.log" 2>&1
echo $? >"$out/qemu.rc"
t2=$(date +%s.%N)
echo "# boot: $(echo "$t2 - $t1" | bc) s, qemu exit $(cat "$out/qemu.rc")"
tr -d '\r' <"$out/results.b64" | sed -n '/^NSA-RESULTS-BEGIN$/,/^NSA-RESULTS-END$/p' | sed '1d;$d' |
	base64 -d 2>/dev/null | tar -xz -C "$out" || { echo "no results"; tail -20 "$out/console.log"; exit 1; }
assert_boot 1 "$out"
