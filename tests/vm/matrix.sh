#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The lab as a matrix: the scenarios on every target (targets.sh), then a
# table scenario x target: pass, FAIL (its first failing assertion) or n/a
# (why the target cannot run it).  TAP on stdout: every target's test points,
# renumbered, with the target in brackets; the table and each target's wall
# time as comments.
#
#   tests/vm/matrix.sh [--targets "T1 T2 ..."] [run.sh arguments: SCENARIO... | random ...]
#
# nsalign: NSALIGN (x86_64, default build/nsalign) and NSALIGN_ARM64; when
# NSALIGN_ARM64 is unset and an arm64 target is in the matrix, nsalign is
# cross-built first (scripts/cross-arm64.sh, into build-arm64).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

targets=${NSALIGN_VM_TARGETS:-$LAB_TARGETS}
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--targets) targets=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
for t in $targets; do (target_set "$t") || exit 1; done

OUT=$CACHE/matrix
rm -rf "$OUT" && mkdir -p "$OUT"
T=0 FAILED=0
emit() { # emit TARGET TAP-FILE: its test points renumbered, its comments tagged
	local t=$1 line
	while IFS= read -r line; do
		case "$line" in
		"ok "*) T=$((T + 1)); echo "ok $T - [$t] ${line#* - }" ;;
		"not ok "*) T=$((T + 1)) FAILED=$((FAILED + 1)); echo "not ok $T - [$t] ${line#* - }" ;;
		"#"*) echo "# [$t]${line#\#}" ;;
		esac
	done <"$2"
}

# the arm64 build, once, before the targets start
nsa_arm64=${NSALIGN_ARM64:-}
case " $targets " in
*" arm64-"*)
	if [ -z "$nsa_arm64" ]; then
		nsa_arm64=$REPO_TOP/build-arm64/nsalign
		"$REPO_TOP/scripts/cross-arm64.sh" "$REPO_TOP/build-arm64" >"$OUT/cross-arm64.log" 2>&1 || nsa_arm64=""
	fi
	;;
esac

# run_target TARGET: its TAP in OUT/TARGET.tap, its wall time in OUT/TARGET.wall
run_target() {
	local t=$1 start nsa
	start=$(date +%s)
	target_set "$t"
	if [ "$TARGET_ARCH" = arm64 ]; then
		nsa=$nsa_arm64
		[ -n "$nsa" ] ||
			echo "not ok - [$t] lab: cross build for arm64: $(tail -1 "$OUT/cross-arm64.log")" >"$OUT/$t.tap"
	else
		nsa=${NSALIGN:-}
	fi
	[ -z "$nsa" ] && [ "$TARGET_ARCH" = arm64 ] ||
		NSALIGN=$nsa "$VM_TOP/run.sh" --target "$t" "${args[@]}" >"$OUT/$t.tap" 2>"$OUT/$t.err"
	echo $(($(date +%s) - start)) >"$OUT/$t.wall"
}

# The targets side by side, NSALIGN_VM_JOBS at a time (default 2: each guest
# is one QEMU process, mostly one busy thread under TCG), in the order of
# LAB_TARGETS, the longest first; run.sh fills the shared cache (packages,
# kernels, the systemd image) one target at a time.  Their TAP in that order.
jobs_max=${NSALIGN_VM_JOBS:-2}
running=0 lab_start=$(date +%s)
for t in $targets; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_target "$t" &
	running=$((running + 1))
done
wait
declare -A wall
for t in $targets; do
	wall[$t]=$(cat "$OUT/$t.wall" 2>/dev/null || echo "?")
	emit "$t" "$OUT/$t.tap"
done

# the rows: the scenarios asked for (all, and random, when none was named)
rows=()
for a in "${args[@]}"; do
	case "$a" in random) rows+=(random) ;; -*) ;; *[!0-9]*) [ -f "$VM_TOP/scenarios/$a.sh" ] && rows+=("$a") ;; esac
done
if [ ${#rows[@]} -eq 0 ]; then
	rows=($(cd "$VM_TOP/scenarios" && ls *.sh | sed 's/\.sh$//') random)
fi
grep -qh '^not ok [0-9]* - lab:' "$OUT"/*.tap 2>/dev/null && rows=(lab "${rows[@]}")

# cell TARGET ROW: CELL pass, FAIL or n/a, and the reason in NOTE
cell() {
	local tap=$OUT/$1.tap pat=$2 line
	NOTE=""
	[ "$2" = random ] && pat="random seed=[0-9]*"
	line=$(grep -m1 -E "^# $pat: n/a on " "$tap")
	if [ -n "$line" ]; then CELL=n/a NOTE=${line#*: n/a on $1: }; return; fi
	line=$(grep -m1 -E "^not ok [0-9]* - $pat: " "$tap")
	if [ -n "$line" ]; then CELL=FAIL NOTE="$1: ${line#* - }"; return; fi
	if grep -qE "^ok [0-9]* - $pat: " "$tap"; then CELL=pass; else CELL="not run" NOTE="$1 $2: no result"; fi
}

notes=()
note_ref() { # note_ref TEXT: REF, the footnote number of TEXT
	local i
	for i in "${!notes[@]}"; do [ "${notes[$i]}" = "$1" ] && REF=$((i + 1)) && return; done
	notes+=("$1")
	REF=${#notes[@]}
}
w=20
for r in "${rows[@]}"; do [ ${#r} -lt $w ] || w=$((${#r} + 1)); done
line=$(printf "%-${w}s" "scenario")
for t in $targets; do line+=$(printf ' %-13s' "$t"); done
echo "# matrix (scenario x target):"
echo "# $line"
for r in "${rows[@]}"; do
	line=$(printf "%-${w}s" "$r")
	for t in $targets; do
		cell "$t" "$r"
		c=$CELL
		[ -z "$NOTE" ] || { note_ref "$NOTE"; c+=" [$REF]"; }
		line+=$(printf ' %-13s' "$c")
	done
	echo "# $line"
done
for i in "${!notes[@]}"; do echo "# [$((i + 1))] ${notes[$i]}"; done
line=""
for t in $targets; do line+=" $t ${wall[$t]} s,"; done
echo "# wall time per target:${line%,}; the lab $(($(date +%s) - lab_start)) s, $jobs_max side by side"
echo "1..$T"
[ "$FAILED" -eq 0 ]
