#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nsalign reconfigure against daxctl reconfigure-device, on the same devdax
# device in the same VM (the VM lab's reconfigure-kmem scenario: dax0.0,
# 1006 MiB at a block-misaligned SPA, 7 blocks onlined), ROUNDS times each.
# Prints the times and the ratio nsalign/daxctl; the target is <= 1.0.
#
#   NSALIGN=build/nsalign bench/vm-reconfigure.sh [ROUNDS]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
: "${NSALIGN:=$top/build/nsalign}"
ns_total=0 dx_total=0
for i in $(seq 1 "$rounds"); do
	out=$(NSALIGN=$NSALIGN "$top/tests/vm/run.sh" reconfigure-kmem 2>&1) || {
		echo "$out" | tail -5
		echo "vm-reconfigure: the lab run failed" >&2
		exit 1
	}
	line=$(grep -E '^# to system-ram, 5 rounds' <<<"$out")
	echo "run $i: ${line#\# }"
	ns=$(sed -n 's/.*nsalign \([0-9.]*\) s.*/\1/p' <<<"$line")
	dx=$(sed -n 's/.*daxctl \([0-9.]*\) s.*/\1/p' <<<"$line")
	ns_total=$(awk -v a="$ns_total" -v b="$ns" 'BEGIN { print a + b }')
	dx_total=$(awk -v a="$dx_total" -v b="$dx" 'BEGIN { print a + b }')
done
awk -v n="$ns_total" -v d="$dx_total" -v r="$rounds" 'BEGIN {
	ratio = d > 0 ? n / d : 0
	printf "nsalign %.2f s, daxctl %.2f s over %d x 5 rounds: ratio %.2f (target <= 1.0: %s)\n",
		n, d, r, ratio, ratio <= 1.0 ? "MET" : "NOT MET" }'
