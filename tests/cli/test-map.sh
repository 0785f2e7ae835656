#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign map: the address space by section or block on the lab's captured
# snapshots, against golden files (tests/fixtures/*.map), and its JSON.
. "$TOP_SRCDIR/tests/cli/lib.sh"

# golden FIXTURE [OPTION...]: the text map is the .map beside the fixture, in 80 columns
golden() {
	local f=$1
	shift
	run "$NSALIGN" map "$@" -s "$FIXTURES/$f.json"
	expect_rc 0 "map $* $f"
	if diff -u "$FIXTURES/$f.map" "$TMP/out" >"$TMP/diff"; then ok "map of $f is the golden one"; else
		not_ok "map of $f differs from $f.map"; head -40 "$TMP/diff" | diag; fi
	if awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/out"; then ok "map of $f fits 80 columns"; else
		not_ok "map of $f has lines over 80 columns"; awk 'length > 80' "$TMP/out" | diag; fi
}
golden lab-pmem-pmem-section
golden lab-legacy-misaligned
golden lab-arm64-6.12-memmap-enomem
golden lab-kmem-system-ram --blocks

# json_map FIXTURE [OPTION...]: the JSON map in $TMP/out, rows that tile the address space
json_map() {
	local f=$1
	shift
	run "$NSALIGN" map --json "$@" -s "$FIXTURES/$f.json"
	expect_rc 0 "map --json $* $f"
	expect_json "map --json of $f is one JSON document"
	jq -e '.schema == 1 and (.rows[0].start == 0) and
		([range(1; .rows | length) as $i | .rows[$i].start == .rows[$i - 1].start + .rows[$i - 1].size] | all) and
		([.rows[] | .size == ([.parts[].size] | add) and .size == .count * $m.unit_size] | all)' \
		--argjson m "$(command jq '{unit_size}' "$TMP/out")" "$TMP/out" >/dev/null &&
		ok "$f: rows follow each other, their parts fill them" || not_ok "$f: rows do not tile"
}

# PMEM and PMEM in one section: region0's end and region1's namespace share section 39
json_map lab-pmem-pmem-section
jq -e '.rows[] | select(.first_section == 39) |
	[.parts[] | [.name, .detail, .start]] == [["namespace0.0", "fsdax", 5234491392], ["region0", "PMEM", 5351931904], ["namespace1.0", "raw", 5366611968]] and
	([.findings[] | select(.code == "NSA-NS-SHARES-SECTION-PMEM") | .dev] | sort) == ["namespace0.0", "namespace1.0"]' \
	"$TMP/out" >/dev/null && ok "section 39: namespace0.0, region0's free end, namespace1.0, both marked" ||
	not_ok "section 39 of pmem-pmem-section"
jq -e '[.rows[] | select(.first_section == 32)] | .[0].count == 7 and .[0].parts[0].name == "namespace0.0" and .[0].findings == []' \
	"$TMP/out" >/dev/null && ok "sections 32-38: one row, namespace0.0 alone, unmarked" || not_ok "sections 32-38"

# a legacy range the kernel refuses: it starts 1 MiB into a sub-section, between RAM
json_map lab-legacy-misaligned
jq -e '.rows[] | select(.first_section == 39) |
	[.parts[].owner] == ["ram", "namespace", "ram"] and .parts[1].start == 5243928576 and .parts[1].on == [] and
	.parts[1].detail == "disabled" and ([.findings[].code] | index("NSA-NS-MISALIGNED-RANGE") != null) and
	([.findings[].code] | index("NSA-NS-SHARES-SECTION-RAM") != null)' \
	"$TMP/out" >/dev/null && ok "section 39: RAM, the refused range on no boundary, RAM; both findings" ||
	not_ok "section 39 of legacy-misaligned"
jq -e '[.rows[] | select(any(.findings[]; .code == "NSA-NS-SHARES-SECTION-RAM" and .dev == "namespace1.0")) | .first_section] == [40, 41]' \
	"$TMP/out" >/dev/null && ok "namespace1.0 shares both its sections with RAM" || not_ok "namespace1.0's sections"

# arm64: a finding with no address of its own
json_map lab-arm64-6.12-memmap-enomem
jq -e '[.findings_elsewhere[].code] == ["NSA-KERNEL-MEMMAP-NO-ROOM"]' "$TMP/out" >/dev/null &&
	ok "arm64: the -12 finding is not at one address" || not_ok "arm64 findings_elsewhere"

# kmem by block: the 7 blocks in System RAM are one row; the edges kmem loses are marked
json_map lab-kmem-system-ram --blocks
jq -e '.unit == "block" and ([.rows[] | select(.parts[0].owner == "kmem")] | length == 1 and .[0].first_block == 33 and .[0].count == 7 and .[0].state == "online" and .[0].zones == "Movable")' \
	"$TMP/out" >/dev/null && ok "blocks 33-39: dax0.0's kmem, online, one row" || not_ok "kmem blocks"
jq -e '[.rows[] | select(any(.findings[]; .code == "NSA-KMEM-LOSS")) | .first_block] == [32, 40]' \
	"$TMP/out" >/dev/null && ok "the blocks kmem cannot use (32 and 40) carry NSA-KMEM-LOSS" || not_ok "kmem loss blocks"

# the granularity decides which starts are on its boundary
run "$NSALIGN" map --json -g 128M -s "$FIXTURES/lab-kmem-system-ram.json"
jq -e '[.rows[].parts[] | select(.start == 4362076160) | .on] == [["subsection"]]' "$TMP/out" >/dev/null &&
	ok "-g 128M: a 64 MiB boundary is only a sub-section one" || not_ok "-g 128M"

# two namespaces in one section: after the move, namespace0.0's end and the refused namespace0.1
json_map lab-shift-boot2
jq -e '.rows[] | select(.first_section == 40) | [.parts[].name] == ["namespace0.0", "namespace0.1"] and
	([.findings[] | select(.code == "NSA-NS-SHARES-SECTION-NS") | .dev] | sort) == ["namespace0.0", "namespace0.1"]' \
	"$TMP/out" >/dev/null && ok "shift-boot2: section 40 holds two namespaces, both marked" || not_ok "shift-boot2 section 40"
jq -e '[.rows[] | select(any(.findings[]; .code == "NSA-NS-REFUSED")) | [.first_section, .count]] == [[40, 1], [41, 15], [56, 1]]' \
	"$TMP/out" >/dev/null && ok "shift-boot2: every section of the refused namespace is marked" || not_ok "shift-boot2 refused rows"

# a namespace a move would break: its sections, one row
json_map lab-shift-boot1
jq -e '[.rows[] | select(.findings != []) | [.first_section, .count, .parts[0].name, [.findings[].code]]] == [[40, 16, "namespace0.1", ["NSA-NS-FRAGILE"]]]' \
	"$TMP/out" >/dev/null && ok "shift-boot1: the fragile devdax namespace's 16 sections are one marked row" || not_ok "shift-boot1 fragile"

# every text map fits 80 columns, by section and by block, on every snapshot
for snap in "$FIXTURES"/*.json "$SNAPSHOTS"/*.json; do
	name=$(basename "$snap" .json)
	for opt in "" --blocks; do
		# shellcheck disable=SC2086
		"$NSALIGN" map $opt -s "$snap" >"$TMP/text" 2>/dev/null
		long=$(awk 'length($0) > 80' "$TMP/text" | head -3)
		[ -z "$long" ] && ok "$name: map $opt fits 80 columns" ||
			{ not_ok "$name: map $opt runs over 80 columns"; diag <<<"$long"; }
	done
done

# every JSON map is valid against its schema, doc/map.schema.json (python3-jsonschema)
if python3 -c 'import jsonschema' 2>/dev/null; then
	for snap in "$FIXTURES"/*.json "$SNAPSHOTS"/*.json; do
		name=$(basename "$snap" .json)
		for opt in "" --blocks; do
			# shellcheck disable=SC2086
			"$NSALIGN" map --json $opt -s "$snap" >"$TMP/map.json" 2>/dev/null || continue
			if python3 - "$TOP_SRCDIR/doc/map.schema.json" "$TMP/map.json" >"$TMP/why" 2>&1 <<'PY'; then
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
for e in errors[:3]:
    print(list(e.absolute_path), e.message[:160])
sys.exit(1 if errors else 0)
PY
				ok "$name: map --json $opt follows doc/map.schema.json"
			else
				not_ok "$name: map --json $opt does not follow doc/map.schema.json"; diag <"$TMP/why"
			fi
		done
	done
else
	skip "no python3-jsonschema: the JSON maps are not validated"
fi

# a write error on stdout is said once and exits 74, text and JSON
if [ -w /dev/full ]; then
	for opt in "" --json; do
		# shellcheck disable=SC2086
		"$NSALIGN" map $opt -s "$FIXTURES/lab-shift-boot1.json" >/dev/full 2>"$TMP/err"
		rc=$?
		expect_rc 74 "map $opt > /dev/full"
		expect_err_line "writing to standard output failed: No space left on device" "  said once, in one line"
	done
else
	skip "no /dev/full"
fi

run "$NSALIGN" map -s "$FIXTURES/lab-unprivileged.json"
expect_rc 65 "map of a snapshot without addresses"
expect_err_line "has no physical addresses" "says why in one line"
expect_stdout_empty "no map without addresses"

run "$NSALIGN" map extra -s "$FIXTURES/lab-pmem-pmem-section.json"
expect_rc 64 "map with an argument"

done_testing
