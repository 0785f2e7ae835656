#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run libFuzzer targets for a while each (make fuzz, make fuzz-long):
#
#   tests/fuzz/run.sh [--seconds N] [--jobs N] BUILDDIR TARGET...
#
# Each target starts from its corpus in the source tree (tests/fuzz/TARGET/,
# read only) and the inputs earlier runs found (BUILDDIR/tests/fuzz/corpus/
# TARGET/), with its dictionary (tests/fuzz/TARGET.dict or a shared one).
# Prints one line per target: executions, coverage (cov: edges, ft:
# features), corpus size, time.  A crash, a leak, a timeout or running out
# of memory fails the target; its input is kept as
# BUILDDIR/tests/fuzz/artifacts/TARGET-crash-<sha1> (or leak-, timeout-,
# oom-).  Exits 1 when any target failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=30 jobs=1
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "usage: tests/fuzz/run.sh [--seconds N] [--jobs N] BUILDDIR TARGET..." >&2; exit 64; }
builddir=$1; shift
out=$builddir/tests/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
# the targets' files, in memory; a crashed target leaves its own behind: removed at the end
tmp=$(mktemp -d /dev/shm/nsalign-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp

# the dictionary of a target: its own, else the one it shares
dict_of() {
	case "$1" in
	snapshot|state) echo "$top/tests/fuzz/json.dict" ;;
	infoblock|infoblock-sealed) echo "$top/tests/fuzz/infoblock.dict" ;;
	*) echo "$top/tests/fuzz/$1.dict" ;;
	esac
}

run_one() { # run_one TARGET: the figures line in $out/TARGET.result
	local t=$1 bin=$out/fuzz-$1 log=$out/$1.log dict start rc execs cov ft corp secs status
	dict=$(dict_of "$t")
	mkdir -p "$out/corpus/$t"
	start=$(date +%s)
	# -close_fd_mask=1: the target's stdout is not wanted; its stderr (and the
	# sanitizers' reports) go to the log
	"$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
		-close_fd_mask=1 -artifact_prefix="$out/artifacts/$t-" \
		${dict:+$([ -f "$dict" ] && echo "-dict=$dict")} \
		"$out/corpus/$t" "$top/tests/fuzz/$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# the last status line: "#123456 DONE   cov: 812 ft: 3011 corp: 140/32Kb ..."
	read -r cov ft corp < <(grep -E '^#[0-9]+' "$log" | tail -1 |
		sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 \2 \3/p')
	if [ $rc -eq 0 ]; then
		status=ok
	else
		status="FAILED (exit $rc): $(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|property failed|ERROR: libFuzzer' "$log" | sed -E 's/^==[0-9]+==//')"
		status="$status; input: $(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
	fi
	printf 'fuzz-%-17s %10s execs %7s/s  cov %5s  ft %6s  corpus %5s  %4s s  %s\n' "$t" \
		"${execs:-?}" "$([ -n "$execs" ] && [ "$secs" -gt 0 ] && echo $((execs / secs)) || echo ?)" \
		"${cov:-?}" "${ft:-?}" "${corp:-?}" "$secs" "$status" >"$out/$t.result"
	[ $rc -eq 0 ]
}

echo "fuzzing ${#@} targets for $seconds s each, $jobs at a time (logs in $out)"
pids=() failed=0
for t in "$@"; do
	[ -x "$out/fuzz-$t" ] || { echo "fuzz-$t: not built (configure --enable-fuzzing)"; failed=$((failed + 1)); continue; }
	rm -f "$out/$t.result"
	run_one "$t" &
	pids+=($!)
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
for t in "$@"; do
	if [ -f "$out/$t.result" ]; then
		cat "$out/$t.result"
		grep -q ' ok$' "$out/$t.result" || failed=$((failed + 1))
	fi
done
echo "fuzz: $# targets, $failed failed"
[ $failed -eq 0 ]
