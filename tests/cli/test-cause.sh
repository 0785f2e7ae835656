#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Why the PMEM moved, on the VM lab's move-cause boots (tests/fixtures
# lab-cause-boot1..3): boot 2 had more RAM (QEMU put the NVDIMMs 1 GiB
# higher), boot 3 lacked nv0 (nv1 1 GiB lower).  check --boot names the
# cause in JSON, in words, and in the Prometheus metrics; the JSON follows
# doc/nsalign-check.schema.json.
. "$TOP_SRCDIR/tests/cli/lib.sh"

st="$TMP/state"
b1="$FIXTURES/lab-cause-boot1.json" b2="$FIXTURES/lab-cause-boot2.json" b3="$FIXTURES/lab-cause-boot3.json"

run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$st"
expect_rc 0 "record boot 1"
jq -e '.boots[0].layout | (.dimms | length) == 2 and (.mappings | length) == 2
	and ([.iomem[] | select(.name == "System RAM")] | length) >= 2' "$st/state.json" >/dev/null &&
	ok "the record keeps both DIMMs, their mappings and the System RAM ranges" ||
	not_ok "the record lacks the inventory or the memory map"

run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$st"
cp "$TMP/out" "$TMP/boot2.json"
expect_rc 1 "boot 2: moves are warnings"
jq -e '[.findings[] | select(.code | test("MOVED")) | .cause.code] == ["ram-below-grew", "ram-below-grew", "ram-below-grew"]' \
	"$TMP/boot2.json" >/dev/null && ok "boot 2: both regions and the namespace moved because RAM grew" ||
	{ not_ok "boot 2: causes"; jq -c '[.findings[] | {code, cause: .cause.code}]' "$TMP/boot2.json" | diag; }
jq -e '.findings[] | select(.code == "NSA-NS-MOVED") | .cause.evidence
	| .ram_below_new - .ram_below_old == 2147483648 and .ram_top_old == 2147348480
	and .ram_top_new == 5368709120 and .dimms_old == 2 and .dimms_new == 2' "$TMP/boot2.json" >/dev/null &&
	ok "boot 2: evidence: 2 GiB more RAM below, RAM now ends at 5 GiB, the same two DIMMs" ||
	{ not_ok "boot 2: evidence"; jq -c '.findings[] | select(.code == "NSA-NS-MOVED") | .cause' "$TMP/boot2.json" | diag; }

# each run records boot 3: compare a copy of the state each time
cp -a "$st" "$TMP/after2"
run "$NSALIGN" check --boot --no-journal --snapshot "$b3" --state-dir "$st"
expect_rc 1 "boot 3 (text)"
# the text is wrapped at 80 columns: read it as one line
flat=$(tr '\n' ' ' <"$TMP/out" | tr -s ' ')
grep -qF "Most likely cause: nmem0 (serial" <<<"$flat" && ok "text: the cause in the message" ||
	{ not_ok "text: no cause in the message"; head -30 "$TMP/out" | diag; }
grep -qF "is gone; region0 (region1 on the recorded boot) now starts at 0x140000000, 1 GiB lower" <<<"$flat" &&
	ok "text: what moved where" || not_ok "text: what moved where"
rm -rf "$st" && cp -a "$TMP/after2" "$st"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b3" --state-dir "$st"
cp "$TMP/out" "$TMP/boot3.json"
gone=$(jq -r '.dimms[] | select(.handle == 1) | .serial' "$b1")
jq -e --arg s "$gone" '[.findings[] | select(.code | test("MOVED")) | .cause | .code == "dimm-removed" and .evidence.dimm_serial == $s] | length == 2 and all' \
	"$TMP/boot3.json" >/dev/null && ok "boot 3: the region and the namespace moved because nv0 ($gone) is gone" ||
	{ not_ok "boot 3: causes"; jq -c '[.findings[] | {code, cause: .cause}]' "$TMP/boot3.json" | diag; }
rm -rf "$st" && cp -a "$TMP/after2" "$st"
run "$NSALIGN" check --boot --no-journal --format prometheus --snapshot "$b3" --state-dir "$st"
grep -qxF 'nsalign_move_findings_by_cause{cause="dimm-removed"} 2' "$TMP/out" &&
	ok "prometheus: two move findings, cause dimm-removed" || not_ok "prometheus: dimm-removed count"
grep -qxF 'nsalign_move_findings_by_cause{cause="firmware"} 0' "$TMP/out" &&
	ok "prometheus: every cause, 0 when absent" || not_ok "prometheus: firmware not listed with 0"

if python3 -c 'import jsonschema, referencing' 2>/dev/null; then
	python3 "$TOP_SRCDIR/tests/cli/validate-json.py" "$TOP_SRCDIR/doc" nsalign-check.schema.json \
		"$TMP/boot2.json" "$TMP/boot3.json" >"$TMP/why" 2>&1 &&
		ok "check --boot with causes follows doc/nsalign-check.schema.json" ||
		{ not_ok "check --boot with causes does not follow its schema"; diag <"$TMP/why"; }
else
	skip "no python3-jsonschema: the JSON is not validated"
fi
echo "1..$_n"
[ "$_fail" -eq 0 ]
