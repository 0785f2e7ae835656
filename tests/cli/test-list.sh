#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign list: selections, filters, ndctl-like keys, human units, on
# snapshots a real kernel produced.
. "$TOP_SRCDIR/tests/cli/lib.sh"

boot1=$FIXTURES/lab-shift-boot1.json
kmem=$FIXTURES/lab-kmem-system-ram.json

run "$NSALIGN" list --snapshot "$boot1"
expect_rc 0 "list"
expect_json "list is one JSON document"
n=$(jq '[.regions[].namespaces[]] | length' "$TMP/out")
[ "$n" = 2 ] && ok "default: regions with their namespaces nested" || not_ok "default nesting: $n namespaces"
jq -e '[.regions[].namespaces[] | has("dev") and has("mode") and has("size") and has("uuid") and has("raw_uuid") and has("resource") and has("available") and has("alignment") and has("sections")] | all' "$TMP/out" >/dev/null &&
	ok "namespaces carry ndctl's keys and the alignment facts" || not_ok "namespace keys missing"
jq -e '[.regions[].namespaces[] | select(.mode == "devdax") | .daxdev.chardev] | length == 1' "$TMP/out" >/dev/null &&
	ok "the devdax namespace nests its dax device" || not_ok "no nested dax device"

uuid=$(jq -r '[.regions[].namespaces[] | select(.mode == "devdax") | .raw_uuid][0]' "$TMP/out")
run "$NSALIGN" list -N -n "$uuid" --snapshot "$boot1"
expect_rc 0 "list -N -n UUID"
jq -e ".namespaces | length == 1 and .[0].raw_uuid == \"$uuid\"" "$TMP/out" >/dev/null &&
	ok "-n selects a namespace by its (stable) uuid" || not_ok "-n by uuid"

run "$NSALIGN" list -N -n namespace0.0 --snapshot "$boot1"
jq -e '.namespaces | length == 1 and .[0].dev == "namespace0.0"' "$TMP/out" >/dev/null &&
	ok "-n selects a namespace by name" || not_ok "-n by name"

run "$NSALIGN" list -n namespace9.9 --snapshot "$boot1"
expect_rc 66 "list -n of a namespace that does not exist"
expect_err_line "no namespace 'namespace9.9'" "missing namespace named in one line"
expect_stdout_empty "nothing on stdout for a missing namespace"

run "$NSALIGN" list -r region7 --snapshot "$boot1"
expect_rc 66 "list -r of a region that does not exist"

run "$NSALIGN" list -R -r 0 --snapshot "$boot1"
jq -e '.regions | length == 1 and .[0].dev == "region0" and (has("namespaces") | not)' "$TMP/out" >/dev/null 2>&1 ||
	jq -e '.regions | length == 1 and .[0].dev == "region0"' "$TMP/out" >/dev/null &&
	ok "-R -r 0: one region by number" || not_ok "-R -r 0"

run "$NSALIGN" list -P --snapshot "$boot1"
jq -e '.platform.section_size == 134217728 and .platform.block_size == 134217728 and .platform.platform_granularity == 67108864' "$TMP/out" >/dev/null &&
	ok "-P: the granularities" || not_ok "-P"

run "$NSALIGN" list -P -g 128M --snapshot "$boot1"
jq -e '.platform.platform_granularity == 134217728' "$TMP/out" >/dev/null &&
	ok "-g sets the platform granularity" || not_ok "-g"

run "$NSALIGN" list -B --snapshot "$kmem"
jq -e '[.memory_blocks[] | select(.owner == "dax0.0") | .count] == [7]' "$TMP/out" >/dev/null &&
	ok "-B: 7 blocks owned by dax0.0's System RAM (kmem)" || not_ok "-B owners"

# a shared block shows every owner, as online-memory sees them, and online-memory refuses it
legacy=$FIXTURES/lab-legacy-misaligned.json
run "$NSALIGN" list -B --snapshot "$legacy"
jq -e '[.memory_blocks[] | select(.first == 39) | [.count, .owner, .owners]] == [[3, "System RAM", ["System RAM", "Persistent Memory (legacy)"]]]' "$TMP/out" >/dev/null &&
	ok "-B: memory39-41 shared by System RAM and legacy PMEM: owners has both" || not_ok "-B shared owners"
jq -e '[.memory_blocks[] | select(.first == 42) | has("owners")] == [false]' "$TMP/out" >/dev/null &&
	ok "-B: a block of one owner has no owners" || not_ok "-B owners on a one-owner block"
jq -e '[.memory_blocks[] | select(.first == 0) | .owners[0]] == ["System RAM"]' "$TMP/out" >/dev/null &&
	ok "-B: the memory's owner first, then firmware" || not_ok "-B owners order"
run "$NSALIGN" online-memory --blocks 39 --dry-run --snapshot "$legacy"
expect_rc 73 "online-memory on the block list -B calls shared"
expect_err_line "shared by System RAM and Persistent Memory \(legacy\)" "  names the same owners"
run "$NSALIGN" list -B --format text --noheadings -o block,owner --snapshot "$legacy"
grep -qx ' *39-41 shared: System RAM, Persistent Memory (legacy)' "$TMP/out" &&
	ok "-B text: OWNER says shared and names both" || not_ok "-B text shared: $(grep -A1 39-41 "$TMP/out")"

run "$NSALIGN" list -I --snapshot "$kmem"
# 6.1 nests it as Persistent Memory > dax0.0 > System RAM (kmem); namespace0.0 is
# dax0.0's sibling and covers only the info block and memmap
jq -e '[.iomem[] | select(.type == "kmem" and .depth == 2)] | length == 1' "$TMP/out" >/dev/null &&
	ok "-I: the iomem tree with depth (kmem under dax0.0)" || not_ok "-I"

run "$NSALIGN" list -u -N --snapshot "$boot1"
jq -e '[.namespaces[] | (.raw_size | test("GiB \\(")) and (.size | test("iB \\(")) and (.resource | startswith("0x"))] | all' "$TMP/out" >/dev/null &&
	ok "-u: sizes as '1.00 GiB (1.07 GB)', addresses as hex" || not_ok "-u"

done_testing
