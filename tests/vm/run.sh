#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The VM lab: every scenario boots Debian's kernel under QEMU (TCG) with
# emulated NVDIMMs, once or several times on the same NVDIMM image files
# (a second boot with another addr= is the platform moving the PMEM), and
# asserts what the kernel did and what nsalign said.  TAP on stdout.
#
#   tests/vm/run.sh [--target T] [--nsalign PATH] [SCENARIO...]
#   tests/vm/run.sh [--target T] [--nsalign PATH] DIR/SCENARIO.sh   (one kept elsewhere: bench/lab/)
#   tests/vm/run.sh [--target T] [--nsalign PATH] random [--count N] [--seeds "S1 S2 ..."]
#
# --target (or NSALIGN_VM_TARGET): x86_64-6.1 (default), x86_64-6.12,
# arm64-6.12, arm64-6.1 (targets.sh).  A scenario whose REQUIRES the target
# lacks prints "# SCENARIO: n/a on TARGET: why" and no test point.
#
# Without a scenario: every named scenario, then RANDOM_COUNT (default 4)
# fresh random seeds.  'random' runs only random seeds: --seeds (or
# RANDOM_SEEDS) re-runs given ones, else --count (default 4) fresh ones.
#
# It fails loudly (not ok, exit 1) when QEMU, the kernel package or
# busybox cannot be had: it never skips.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

NSALIGN_BIN=${NSALIGN:-}
target=${NSALIGN_VM_TARGET:-$DEFAULT_TARGET}
VM_SMP_USER=${VM_SMP:-}
scenarios=()
random_only=0 seeds=${RANDOM_SEEDS:-} count=${RANDOM_COUNT:-4}
while [ $# -gt 0 ]; do
	case "$1" in
	--nsalign) NSALIGN_BIN=$2; shift 2 ;;
	--target) target=$2; shift 2 ;;
	--seeds) seeds=$2 random_only=1; shift 2 ;;
	--count) count=$2 random_only=1; shift 2 ;;
	random) random_only=1; shift ;;
	-*) die "unknown option $1" ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
[ -n "$seeds" ] && random_only=1
[[ "$count" =~ ^[0-9]+$ ]] || die "--count wants a number, not '$count'"
target_set "$target"
# the nsalign to test: built for the target's architecture (arm64: scripts/cross-arm64.sh)
if [ -z "$NSALIGN_BIN" ]; then
	if [ "$TARGET_ARCH" = x86_64 ]; then cands="$REPO_TOP/build/nsalign $REPO_TOP/nsalign"; else cands=$REPO_TOP/build-arm64/nsalign; fi
	for c in $cands; do [ -x "$c" ] && NSALIGN_BIN=$c && break; done
fi
# the random seeds: given, or fresh ones (from the clock and $RANDOM)
if [ $random_only = 1 ] || [ ${#scenarios[@]} -eq 0 ]; then
	if [ -z "$seeds" ]; then
		for _ in $(seq 1 "$count"); do seeds+=" $((($(date +%s%N) / 1000 + RANDOM * 7919) % 1000000))"; done
	fi
else
	seeds=""
fi
seeds=$(echo $seeds)
[ $random_only = 1 ] || [ ${#scenarios[@]} -gt 0 ] || scenarios=($(cd "$VM_TOP/scenarios" && ls *.sh | sed 's/\.sh$//'))

T=0 FAILED=0
PRED_T=0 PRED_OK=0 PRED_SEEDS="" PRED_FAILED_SEEDS=""
ok() { T=$((T + 1)); echo "ok $T - $SCENARIO: $*"; }
not_ok() { T=$((T + 1)); FAILED=$((FAILED + 1)); echo "not ok $T - $SCENARIO: $*"; }
check() { # check DESCRIPTION COMMAND...: one assertion
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi
}
fatal() { SCENARIO=lab; not_ok "$*"; echo "1..$T"; exit 1; }
# predict SEED RIGHT(0|1) TEXT: one of nsalign's predictions, right or wrong
predict() {
	PRED_T=$((PRED_T + 1))
	if [ "$2" = 1 ]; then
		PRED_OK=$((PRED_OK + 1))
		ok "$3"
	else
		not_ok "$3"
		case " $PRED_FAILED_SEEDS " in *" $1 "*) ;; *) PRED_FAILED_SEEDS+=" $1" ;; esac
	fi
}

SCENARIO=lab
[ -n "$NSALIGN_BIN" ] && [ -x "$NSALIGN_BIN" ] || fatal "no nsalign binary to test for $TARGET (build first or give --nsalign)"
command -v $QEMU >/dev/null || fatal "$QEMU missing (scripts/setup.sh)"
[ -x /bin/busybox ] || fatal "busybox missing (apt-get install busybox-static)"
mkdir -p "$CACHE"
# The shared cache (packages, unpacked kernels and guest roots, the systemd
# image) is filled by one run at a time: matrix.sh runs targets side by side.
exec 8>"$CACHE/prepare.lock"
flock 8
( fetch_kernel && target_tools ) >"$CACHE/fetch-$TARGET.log" 2>&1 || fatal "$TARGET: $(tail -1 "$CACHE/fetch-$TARGET.log")"
fetch_kernel 2>/dev/null && target_tools 2>/dev/null
# in a subshell first: its die() exits, and the failure must still be a TAP line
(build_initramfs "$NSALIGN_BIN") 2>"$CACHE/initramfs-$TARGET.log" || fatal "initramfs: $(tail -1 "$CACHE/initramfs-$TARGET.log")"
build_initramfs "$NSALIGN_BIN" 2>/dev/null
flock -u 8
echo "# target $TARGET: kernel $KVER, $($QEMU --version | head -1)"

# helpers for the assertions
# jqf FILTER FILE: at least one result, none false or null (jq -e alone passes an empty file)
jqf() {
	local out
	out=$(jq -c "$@" 2>/dev/null) || return 1
	[ -n "$out" ] && ! grep -qxE 'false|null' <<<"$out"
}
dmesg_has() { grep -qF -- "$2" "$1/dmesg"; } # dmesg_has DIR TEXT
# check_schema DESCRIPTION SCHEMA FILE...: one assertion, every FILE (an
# nsalign --json output the guest kept) valid against
# doc/nsalign-SCHEMA.schema.json (or doc/SCHEMA when it ends in .schema.json;
# python3-jsonschema, as test-schemas.sh); why not, on failure, as TAP comments
check_schema() {
	local what=$1 schema=$2 f
	shift 2
	case $schema in *.schema.json) ;; *) schema=nsalign-$schema.schema.json ;; esac
	for f in "$@"; do
		[ -s "$f" ] || { not_ok "$what: $(basename "$f") is missing or empty"; return; }
	done
	if python3 "$REPO_TOP/tests/cli/validate-json.py" "$REPO_TOP/doc" "$schema" "$@" >"$RUN/schema.why" 2>&1; then
		ok "$what"
	else
		not_ok "$what"
		sed 's/^/# /' "$RUN/schema.why"
	fi
}
# one_nvdimm [ADDR [SIZE [ALIGN]]]: 2 GiB of RAM and one NVDIMM (4G unless
# SIZE) with a label area on $RUN/nv0.img, at ADDR (e.g. 0x104000000) or, when
# ADDR is empty, where QEMU puts it (ADDR as on x86_64: nv_addr).  QEMU wants ADDR aligned to the memory
# backend's ALIGN (2M unless given: 1M allows a 1 MiB move)
one_nvdimm() {
	local a
	a=$(nv_addr "${1:-}")
	echo "-m 2G,slots=4,maxmem=32G -object memory-backend-file,id=mem1,share=on,mem-path=$RUN/nv0.img,size=${2:-4G},align=${3:-2M} -device nvdimm,id=nv1,memdev=mem1,label-size=128K${a:+,addr=$a}"
}
# file_sha256 FILE: its sha256 (openssl's is several times faster than
# sha256sum on multi-GiB NVDIMM images)
file_sha256() {
	if command -v openssl >/dev/null; then
		openssl dgst -sha256 -r "$1" | cut -d' ' -f1
	else
		sha256sum "$1" | cut -d' ' -f1
	fi
}
# kmem_bytes IOMEM-FILE: the sum of its "System RAM (kmem)" ranges
kmem_bytes() {
	local total=0 s e
	while read -r s e; do total=$((total + 16#$e - 16#$s + 1)); done < <(
		grep 'System RAM (kmem)' "$1" | sed 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) .*/\1 \2/')
	echo $total
}

# run_scenario NAME FILE: one scenario (FILE sourced here), its boots and assertions
run_scenario() {
	local name=$1 file=$2 n why
	RUN=$CACHE/run/$name
	# other targets' runs beside the default's
	[ "$TARGET" = "$DEFAULT_TARGET" ] || RUN=$CACHE/run-$TARGET/$name
	APPEND=""
	BOOTS=1
	IMAGE=busybox
	REQUIRES=""
	BOOT_TIMEOUT=""
	VM_SMP=$VM_SMP_USER
	unset -f setup qemu_args append_args assert_boot monitor_script initrd_for before_boot after_scenario
	# a kept random seed names the menu it was drawn from; fresh ones use the target's
	unset RANDOM_DRAW
	. "$file"
	[ "$IMAGE" = systemd ] && REQUIRES+=" systemd-image"
	# shellcheck disable=SC2086
	if why=$(target_lacks $REQUIRES); then
		echo "# $SCENARIO: n/a on $TARGET: $why"
		return
	fi
	# a scenario that makes steps fail needs a test build of nsalign
	if grep -qs NSALIGN_FAULT_INJECT "${file%.sh}.guest" "$file" && ! grep -aq NSALIGN_FAULT_INJECT "$NSALIGN_BIN"; then
		not_ok "$NSALIGN_BIN ignores NSALIGN_FAULT_INJECT, which this scenario uses: build it with configure --enable-fault-injection (scripts/test.sh does)"
		return
	fi
	rm -rf "$RUN" && mkdir -p "$RUN"
	if [ "$IMAGE" = systemd ] && [ -z "${SYSTEMD_INITRD:-}" ]; then
		t0=$(date +%s)
		flock 8
		if ! (build_systemd_image) >"$CACHE/systemd-image-$TARGET.log" 2>&1; then
			flock -u 8
			not_ok "systemd image: $(tail -1 "$CACHE/systemd-image-$TARGET.log")"
			return
		fi
		flock -u 8
		SYSTEMD_INITRD=$CACHE/systemd-initrd-$KVER.gz
		echo "# systemd image: $(du -h "$SYSTEMD_INITRD" | cut -f1) in $(($(date +%s) - t0)) s"
	fi
	declare -F setup >/dev/null && setup
	start=$(date +%s)
	for n in $(seq 1 "$BOOTS"); do
		declare -F before_boot >/dev/null && before_boot "$n"
		APPEND=$(declare -F append_args >/dev/null && append_args "$n")
		BOOT_INITRD=$(declare -F initrd_for >/dev/null && initrd_for "$n")
		# shellcheck disable=SC2046
		if boot "$name" "$n" "$RUN/boot$n" $(qemu_args "$n"); then
			ok "boot $n came back with results"
			assert_boot "$n" "$RUN/boot$n"
		else
			not_ok "boot $n came back with results"
			break
		fi
	done
	declare -F after_scenario >/dev/null && after_scenario
	echo "# $SCENARIO: $BOOTS boot(s) in $(($(date +%s) - start)) s on $TARGET"
	case " $PRED_FAILED_SEEDS " in
	*" ${RANDOM_SEED:-none} "*) echo "# re-run this seed alone: tests/vm/run.sh $([ "$TARGET" = "$DEFAULT_TARGET" ] || echo "--target $TARGET ")--nsalign $NSALIGN_BIN random --seeds $RANDOM_SEED" ;;
	esac
}

for SCENARIO in "${scenarios[@]}"; do
	file=$VM_TOP/scenarios/$SCENARIO.sh
	# a scenario kept outside the lab (bench/lab/): named by its file's path
	case $SCENARIO in */*.sh) file=$(cd "$(dirname "$SCENARIO")" && pwd)/$(basename "$SCENARIO") SCENARIO=$(basename "$SCENARIO" .sh) ;; esac
	[ -f "$file" ] || { not_ok "no scenario file $file"; continue; }
	unset RANDOM_SEED
	run_scenario "$SCENARIO" "$file"
done
# the random mode: tests/vm/random.sh draws each seed's layout
[ -n "$seeds" ] && echo "# random seeds: $seeds"
for RANDOM_SEED in $seeds; do
	SCENARIO="random seed=$RANDOM_SEED"
	run_scenario "random-$RANDOM_SEED" "$VM_TOP/random.sh"
done
if [ "$PRED_T" -gt 0 ]; then
	echo "# random: $PRED_OK/$PRED_T predictions right, seeds:$PRED_SEEDS"
	[ -z "$PRED_FAILED_SEEDS" ] || echo "# random: failing seeds:$PRED_FAILED_SEEDS"
	for s in $PRED_FAILED_SEEDS; do echo "# re-run seed $s alone: tests/vm/run.sh $([ "$TARGET" = "$DEFAULT_TARGET" ] || echo "--target $TARGET ")--nsalign $NSALIGN_BIN random --seeds $s"; done
fi
echo "1..$T"
[ "$FAILED" -eq 0 ]
