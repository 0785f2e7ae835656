#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `nsalign check --snapshot` on every seed situation: the findings (code,
# severity, device) and the exit code must be exactly those in the
# .expected file beside the snapshot.  Hand-made snapshots are named
# hand-*; snapshots captured in the VM lab live in tests/fixtures.
. "$TOP_SRCDIR/tests/cli/lib.sh"

n_snap=0
for snap in "$SNAPSHOTS"/*.json "${FIXTURES:-$TOP_SRCDIR/tests/fixtures}"/*.json; do
	[ -f "$snap" ] || continue
	expected=${snap%.json}.expected
	name=$(basename "$snap" .json)
	if [ ! -f "$expected" ]; then
		not_ok "$name: no $(basename "$expected") beside it"
		continue
	fi
	n_snap=$((n_snap + 1))

	run "$NSALIGN" check --json --snapshot "$snap"
	want_rc=$(awk '$1 == "exit" {print $2}' "$expected")
	expect_rc "${want_rc:-0}" "$name: check exit code"
	expect_json "$name: check --json is one JSON document"
	jq -r '.findings[] | "\(.code) \(.severity) \(.dev // "")" | rtrimstr(" ")' "$TMP/out" | sort >"$TMP/got"
	grep -v '^exit ' "$expected" | sed 's/[[:space:]]*$//' | sort >"$TMP/want"
	if diff -u "$TMP/want" "$TMP/got" >"$TMP/diff"; then ok "$name: findings as expected"; else
		not_ok "$name: findings differ (-expected +got)"; diag <"$TMP/diff"; fi

	# the contract: every finding has these keys
	missing=$(jq -r '.findings[] | select(.code == null or .severity == null or .message == null or .remedy == null) | .code' "$TMP/out")
	[ -z "$missing" ] && ok "$name: every finding has code, severity, message, remedy" ||
		not_ok "$name: findings without message/remedy: $missing"
	# every namespace says whether it is available
	nav=$(jq '[.namespaces[] | select(has("available") | not)] | length' "$TMP/out")
	[ "$nav" = 0 ] && ok "$name: every namespace has \"available\"" || not_ok "$name: $nav namespaces lack \"available\""
	# the summary agrees with the exit code
	src=$(jq -r '.summary.exit_code' "$TMP/out")
	[ "$src" = "$rc" ] && ok "$name: summary.exit_code = exit status" || not_ok "$name: summary says $src, exit $rc"

	run "$NSALIGN" check --snapshot "$snap"
	expect_rc "${want_rc:-0}" "$name: text check exit code"
	for code in $(awk '$1 != "exit" {print $1}' "$expected" | sort -u); do
		sev=$(awk -v c="$code" '$1 == c {print $2; exit}' "$expected")
		[ "$sev" = info ] && continue # notes are shown with -v
		expect_stdout_has "$code" "$name: text output names $code"
	done

	run "$NSALIGN" list --snapshot "$snap"
	expect_rc 0 "$name: list"
	expect_json "$name: list is one JSON document"

	run "$NSALIGN" list -u --snapshot "$snap"
	expect_rc 0 "$name: list -u"
done
[ "$n_snap" -gt 0 ] && ok "found $n_snap snapshots with expectations" || not_ok "no snapshots found in $SNAPSHOTS"

done_testing
