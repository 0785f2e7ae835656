#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign list --ndctl against `ndctl list`, key by key and byte for byte:
# tests/fixtures/ndctl-list/TARGET holds what ndctl list printed in the VM
# lab (target-facts: fsdax, devdax, system-ram, raw, sector namespaces) for
# each set of options, and the snapshot taken on the same boot
# (tests/vm/capture.sh --ndctl-list).  Then the keys nsalign list --json
# shares with ndctl have its values, and the options nsalign cannot honour
# are refused in one line.
. "$TOP_SRCDIR/tests/cli/lib.sh"
CMP=$TOP_SRCDIR/tests/ndctl-compare.py

if ! command -v python3 >/dev/null; then
	skip "no python3: the key-by-key comparison does not run"
	echo "1..$_n"
	exit 0
fi
n=0
for dir in "$FIXTURES"/ndctl-list/*/; do
	t=$(basename "$dir")
	for f in "$dir"*.opts; do
		opts=$(cat "$f")
		want=${f%.opts}.ndctl.json
		# shellcheck disable=SC2086
		run "$NSALIGN" list --ndctl $opts -s "$dir/snapshot.json"
		if [ "$rc" = 0 ] && python3 "$CMP" "$want" "$TMP/out" >"$TMP/why" 2>&1; then
			ok "$t: list --ndctl $opts: ndctl list's keys and values"
		else
			not_ok "$t: list --ndctl $opts differs from ndctl list (exit $rc)"; diag <"$TMP/why"; diag <"$TMP/err"
		fi
		cmp -s "$want" "$TMP/out" && ok "$t: list --ndctl $opts: byte for byte" ||
			not_ok "$t: list --ndctl $opts: not byte for byte"
		n=$((n + 1))
	done
	# nsalign's own document: every key ndctl list -RNDXv prints, with its value
	run "$NSALIGN" list --json -R -N -X -D -s "$dir/snapshot.json"
	want=$(grep -l -x -- '-RNDXv' "$dir"*.opts)
	if python3 "$CMP" --subset "${want%.opts}.ndctl.json" "$TMP/out" >"$TMP/why" 2>&1; then
		ok "$t: list --json -RNXD: the keys ndctl list -RNDXv prints, with its values"
	else
		not_ok "$t: list --json -RNXD differs from ndctl list -RNDXv"; diag <"$TMP/why"
	fi
	# and the dax devices of nsalign list -X, against daxctl list
	if [ -s "$dir/daxctl.json" ]; then
		"$NSALIGN" list -X -s "$dir/snapshot.json" | jq .dax >"$TMP/dax.json"
		if python3 "$CMP" --subset "$dir/daxctl.json" "$TMP/dax.json" >"$TMP/why" 2>&1; then
			ok "$t: list -X: the keys daxctl list prints, with its values"
		else
			not_ok "$t: list -X differs from daxctl list"; diag <"$TMP/why"
		fi
	fi
done
[ "$n" -ge 10 ] && ok "$n captures compared" || not_ok "only $n captures"

snap=$(ls -d "$FIXTURES"/ndctl-list/*/ | head -1)snapshot.json
# what nsalign does not read: refused, one line, before anything is printed
for o in -B -F -H -C -vv -vvv "-U 0"; do
	# shellcheck disable=SC2086
	run "$NSALIGN" list --ndctl $o -s "$snap"
	expect_rc 64 "list --ndctl $o refused"
	expect_err_line "^nsalign list: --ndctl" "  said in one line"
done
# ndctl's filters: a bus by name, number or provider; a dimm by name or number
for b in ndbus0 0 ACPI.NFIT all; do
	run "$NSALIGN" list --ndctl -D -R -b "$b" -s "$snap"
	jq -e '(.dimms | length) == 1 and (.regions | length) == 1' "$TMP/out" >/dev/null &&
		ok "list --ndctl -b $b: its dimm and region" || not_ok "list --ndctl -b $b"
done
run "$NSALIGN" list --ndctl -D -R -b ndbus1 -s "$snap"
[ ! -s "$TMP/out" ] && [ "$rc" = 0 ] && ok "list --ndctl -b ndbus1: nothing, as ndctl prints" ||
	not_ok "list --ndctl -b ndbus1"
run "$NSALIGN" list --ndctl -d nmem0 -s "$snap"
jq -e '.[0].dev == "nmem0"' "$TMP/out" >/dev/null && ok "list --ndctl -d nmem0: the dimm" || not_ok "list --ndctl -d nmem0"
run "$NSALIGN" list --ndctl -m bogus -s "$snap"
expect_rc 64 "list --ndctl -m bogus"
# an old snapshot has no dimms: -D says so
run "$NSALIGN" list --ndctl -D -s "$FIXTURES/lab-kmem-devdax.json"
expect_rc 65 "list --ndctl -D on a snapshot without dimms"
# nsalign list takes ndctl's read-only options
run "$NSALIGN" list -N -m devdax -s "$snap"
jq -e '[.namespaces[] | .mode == "devdax"] | (all and length == 2)' "$TMP/out" >/dev/null &&
	ok "list -m devdax: the two devdax namespaces" || not_ok "list -m devdax"
run "$NSALIGN" list -R -t blk -s "$snap"
jq -e '.regions == []' "$TMP/out" >/dev/null && ok "list -t blk: no pmem region" || not_ok "list -t blk"
run "$NSALIGN" list -N -i -c -v -s "$snap"
expect_rc 0 "list -i -c -v accepted"
run "$NSALIGN" list -D -s "$snap"
jq -e '.dimms[0].dev == "nmem0" and (.regions | not)' "$TMP/out" >/dev/null &&
	ok "list -D: the dimms alone" || not_ok "list -D"

echo "1..$_n"
[ "$_fail" -eq 0 ]
