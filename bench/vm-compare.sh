#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nsalign side by side with what an administrator runs today, in the VM lab
# (issue 21; make bench-lab): the scenario bench/lab/bench-compare.sh boots
# the small, the large and the scale layout, the guest times each tool
# ROUNDS times interleaved (bench/lab-timer.c) and traces it once (strace),
# and bench/lab-report.py prints the table, the ratios and MET / NOT MET.
# It fails only when the lab run does; the figures never fail it.
#
#   NSALIGN=build/nsalign bench/vm-compare.sh [ROUNDS [BOOTS]]
#
# ROUNDS: 15 unless given; BOOTS: "1 2 3" (small, large, scale) unless given.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${NSALIGN:=$top/build/nsalign}"
export NSALIGN_BENCH_ROUNDS=${1:-${NSALIGN_BENCH_ROUNDS:-15}}
export NSALIGN_BENCH_BOOTS=${2:-${NSALIGN_BENCH_BOOTS:-1 2 3}}
run=${NSALIGN_VM_CACHE:-$top/tests/vm/.cache}/run/bench-compare
mkdir -p "$(dirname "$run")"
t0=$(date +%s)
"$top/tests/vm/run.sh" --nsalign "$NSALIGN" "$top/bench/lab/bench-compare.sh" | tee "$run.tap.tmp" | grep -E '^(not ok|# )'
rc=${PIPESTATUS[0]}
mv "$run.tap.tmp" "$run.tap" 2>/dev/null
echo "# nsalign $("$NSALIGN" --version 2>/dev/null | head -1), $(git -C "$top" describe --always --dirty 2>/dev/null);" \
	"$NSALIGN_BENCH_ROUNDS rounds; lab run $(($(date +%s) - t0)) s, host load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$top/bench/lab-report.py" "$run" || rc=1
[ "$rc" -eq 0 ] || echo "vm-compare: the lab run failed (TAP in $run.tap)" >&2
exit "$rc"
