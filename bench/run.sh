#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Times `nsalign check --snapshot` and `nsalign list --snapshot` on
# generated snapshots of growing size and prints wall time and peak RSS.
# Target: 1M memory blocks + 10k namespaces in < 1 s and < 200 MiB.
# It prints figures; it fails only when nsalign itself fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
NSALIGN=${NSALIGN:-$top/build/nsalign}
GEN=${GEN:-$(dirname "$NSALIGN")/bench/gen-snapshot}
[ -x "$NSALIGN" ] || { echo "bench: no nsalign at $NSALIGN (build first)" >&2; exit 66; }
[ -x "$GEN" ] || { echo "bench: no gen-snapshot at $GEN (make bench/gen-snapshot)" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 69; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() { # measure CMD...: the best wall seconds of 3 runs and that run's peak RSS in KiB
	local best="" rss="" t m i
	for i in 1 2 3; do
		/usr/bin/time -o "$tmp/time" -f '%e %M' "$@" >/dev/null 2>&1
		read -r t m < <(tail -1 "$tmp/time") # GNU time first notes a non-zero exit
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t rss=$m
		fi
	done
	echo "$best $rss"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

printf '%-22s %10s %9s %9s %9s %9s\n' "blocks/namespaces" "file MiB" "check s" "check MiB" "list s" "list MiB"
fail=0
for size in "10000 100" "100000 1000" "1000000 10000"; do
	set -- $size
	f=$tmp/snap-$1.json
	"$GEN" --blocks "$1" --namespaces "$2" -o "$f" || { echo "bench: generator failed"; exit 70; }
	"$NSALIGN" check --json --snapshot "$f" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -gt 2 ]; then echo "bench: nsalign check failed ($rc): $(head -1 "$tmp/err")"; fail=1; continue; fi
	read -r ct cm <<<"$(measure "$NSALIGN" check --json --snapshot "$f")"
	read -r lt lm <<<"$(measure "$NSALIGN" list --snapshot "$f")"
	printf '%-22s %10s %9s %9s %9s %9s\n' "$1/$2" "$(mib $(($(stat -c %s "$f") / 1024)))" \
		"$ct" "$(mib "$cm")" "$lt" "$(mib "$lm")"
	last_t=$ct last_m=$cm
done
if [ -n "${last_t:-}" ]; then
	met=$(awk -v t="$last_t" -v m="$last_m" 'BEGIN { print (t < 1.0 && m / 1024 < 200) ? "MET" : "NOT MET" }')
	echo "target: 1M blocks + 10k namespaces, check < 1 s and < 200 MiB: $met ($last_t s, $(mib "$last_m") MiB)"
fi
exit $fail
