#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Interleave sets, on hand-made snapshots (QEMU cannot interleave NVDIMMs):
# 2-, 3-, 4- and 6-way regions whose align is region_devs.c default_align()'s
# (16 MiB, times the ways when 16 MiB does not divide by them: 48 MiB, 96
# MiB).  check, simulate and create-namespace --dry-run on each; every
# planned size must be one the kernel (a multiple of the region align) and
# ndctl (a multiple of the align times the ways, ndctl issue 125) accept.
. "$TOP_SRCDIR/tests/cli/lib.sh"

# ways, region align, the fsdax -s 1000M plan, devdax -a 1G -f -s ASK, its plan (0: refused)
while read -r ways align fsdax ask devdax1g; do
	snap="$SNAPSHOTS/hand-interleave-${ways}way.json"
	name="${ways}-way"
	grep -q '"source": "hand-made, not captured' "$snap" && ok "$name: the fixture says it is hand-made" ||
		not_ok "$name: the fixture does not say it is hand-made"

	run "$NSALIGN" check --snapshot "$snap"
	expect_rc 0 "$name: check"
	run "$NSALIGN" list -R --snapshot "$snap"
	jq -e --argjson a "$align" --argjson w "$ways" '.regions[0] | .align == $a and .mapping_count == $w' "$TMP/out" >/dev/null &&
		ok "$name: the region reads back with its align and ways" || not_ok "$name: region align or ways lost"

	run "$NSALIGN" simulate --json --snapshot "$snap"
	expect_rc 0 "$name: simulate"
	expect_json "$name: simulate is one JSON document"

	run "$NSALIGN" create-namespace --dry-run --snapshot "$snap" -m fsdax -s 1000M
	expect_rc 0 "$name: fsdax 1000M planned"
	jq -e --argjson s "$fsdax" --argjson a "$align" --argjson w "$ways" \
		'.plan | .raw_size == $s and .raw_size % $a == 0 and .raw_size % (.align * $w) == 0' "$TMP/out" >/dev/null &&
		ok "$name: fsdax rounded to $((fsdax >> 20)) MiB, a multiple of the region align and of 2 MiB x $ways" ||
		{ not_ok "$name: fsdax plan wrong"; jq -c .plan "$TMP/out" | diag; }
	grep -q "in this ${ways}-way interleave set" "$TMP/err" && ok "$name: the plan says why it rounded" ||
		{ not_ok "$name: no word on the interleave set"; diag <"$TMP/err"; }

	run "$NSALIGN" create-namespace --dry-run --snapshot "$snap" -m devdax -a 1G -f -s "$ask"
	if [ "$devdax1g" = 0 ]; then
		expect_rc 73 "$name: devdax 1G: the multiple of ${ways} GiB does not fit"
	else
		expect_rc 0 "$name: devdax 1G (forced) planned"
		jq -e --argjson s "$devdax1g" --argjson a "$align" --argjson w "$ways" \
			'.plan | .raw_size == $s and .raw_size % $a == 0 and .raw_size % (.align * $w) == 0' "$TMP/out" >/dev/null &&
			ok "$name: devdax 1G rounded to a multiple of $ways GiB" ||
			{ not_ok "$name: devdax 1G plan wrong"; jq -c .plan "$TMP/out" | diag; }
	fi

	run "$NSALIGN" create-namespace --dry-run --snapshot "$snap" -m devdax
	expect_rc 0 "$name: devdax over the rest planned"
	jq -e --argjson a "$align" --argjson w "$ways" \
		'.plan | .raw_size > 0 and .raw_size % $a == 0 and .raw_size % (.align * $w) == 0' "$TMP/out" >/dev/null &&
		ok "$name: the rest of the region, in multiples the kernel and ndctl take" ||
		{ not_ok "$name: devdax rest plan wrong"; jq -c .plan "$TMP/out" | diag; }
done <<'TABLE'
2 16777216 1040187392 7G 0
3 50331648 1006632960 4G 3221225472
4 16777216 1040187392 7G 4294967296
6 100663296 1006632960 7G 6442450944
TABLE

# below the smallest size of a 3-way set
run "$NSALIGN" create-namespace --dry-run --snapshot "$SNAPSHOTS/hand-interleave-3way.json" -m sector -s 40M
expect_rc 73 "3-way: 40M refused"
expect_err_line "less than the smallest namespace here \(48 MiB\)" "3-way: says the smallest size"

# an align the kernel cannot show (32 MiB is no multiple of 3 ways): bad input
jq '.regions[0].align = 33554432' "$SNAPSHOTS/hand-interleave-3way.json" >"$TMP/bad.json"
run "$NSALIGN" check --snapshot "$TMP/bad.json"
expect_rc 65 "3-way with a 32 MiB align: refused as bad input"
grep -q "cannot be the align of a region of 3 mappings" "$TMP/err" && ok "bad align: says why" ||
	{ not_ok "bad align: no reason"; diag <"$TMP/err"; }

done_testing
