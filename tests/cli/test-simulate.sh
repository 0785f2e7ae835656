#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# simulate --shift on lab snapshots: the 1 GiB devdax namespace of the shift
# scenario breaks on a 64 MiB move with the line the kernel printed on the
# lab's second boot (tests/fixtures/lab-shift-boot2.json), survives 1 GiB;
# the 2 MiB fsdax namespace survives both; bad shifts are usage errors.
. "$TOP_SRCDIR/tests/cli/lib.sh"

b1="$FIXTURES/lab-shift-boot1.json"
ns='.namespaces[]'

run "$NSALIGN" simulate --shift 64M --json --snapshot "$b1"
expect_rc 1 "a 64 MiB move breaks a namespace"
expect_json "simulate --json is one JSON document"
jq -e "[$ns | select(.mode == \"devdax\" and .available == true and .available_after == false)] | length == 1" "$TMP/out" >/dev/null &&
	ok "devdax (1 GiB align): available now, not after +64M" || not_ok "devdax verdict wrong"
kmsg=$(jq -r "$ns | select(.mode == \"devdax\") | .after[0].kernel_message" "$TMP/out")
grep -qF "$kmsg" <(jq -r '.kernel_log[]' "$FIXTURES/lab-shift-boot2.json") &&
	ok "predicted line is the one the kernel printed after the real move ($kmsg)" || not_ok "predicted '$kmsg' not in boot 2's kernel log"
jq -e "$ns | select(.mode == \"devdax\") | .after[0] | .shift == 67108864 and .resource == 5435817984 and .kernel_check == \"nd_pfn_validate\" and .violated_align == 1073741824" "$TMP/out" >/dev/null &&
	ok "devdax: new address, the check and the alignment it wants" || not_ok "devdax facts wrong"
jq -e "[$ns | select(.mode == \"fsdax\" and .available_after == true)] | length == 1" "$TMP/out" >/dev/null &&
	ok "fsdax (2 MiB align) survives +64M" || not_ok "fsdax verdict wrong"

run "$NSALIGN" simulate --shift 1G,-1G --json --snapshot "$b1"
expect_rc 0 "1 GiB moves break nothing"
jq -e "[$ns | .after[] | .available_after] | all" "$TMP/out" >/dev/null && ok "every namespace survives +-1 GiB" || not_ok "something broke on 1 GiB"
jq -e "$ns | has(\"available_after\") | not" "$TMP/out" >/dev/null >/dev/null &&
	ok "with several shifts, available_after is per move only" || not_ok "top-level available_after with several shifts"

run "$NSALIGN" simulate --shift 1M --json --snapshot "$b1"
jq -e "[$ns | select(.available_after == false)] | length == 2" "$TMP/out" >/dev/null &&
	ok "a 1 MiB move breaks both (2 MiB alignment)" || not_ok "1 MiB verdicts wrong"

# default: every multiple of 64 MiB up to 1 GiB, both ways
run "$NSALIGN" simulate --json --snapshot "$b1"
jq -e '.shifts | length == 32 and .[0] == -1073741824 and .[31] == 1073741824' "$TMP/out" >/dev/null &&
	ok "default moves: +-64M ... +-1G" || not_ok "default moves wrong: $(jq -c .shifts "$TMP/out")"
jq -e "[$ns | select(.mode == \"devdax\") | .after[] | select(.available_after) | .shift] == [-1073741824, 1073741824]" "$TMP/out" >/dev/null &&
	ok "devdax survives exactly the 1 GiB moves" || not_ok "devdax survivors wrong"

run "$NSALIGN" simulate --snapshot "$b1"
# the text wraps at 80 columns: continuation lines (4 spaces) joined back
awk 'NR > 1 && /^    [^ ]/ { sub(/^ +/, " "); printf "%s", $0; next }
	NR > 1 { print "" } { printf "%s", $0 } END { print "" }' "$TMP/out" >"$TMP/joined"
mv "$TMP/joined" "$TMP/out"
expect_stdout_has "REFUSED by nd_pfn_validate\(\): 'bad offset: 0x40000000 dax disabled align: 0x40000000' after -960 MiB" "text: grouped refusals"
expect_stdout_has "available after -1 GiB, \+1 GiB \(2 moves\)" "text: the surviving moves"

# kmem yield moves with the address
run "$NSALIGN" simulate --shift 64M,128M --json --snapshot "$FIXTURES/lab-kmem-devdax.json"
jq -e "$ns | select(.mode == \"devdax\") | .after | (.[0].kmem_usable_after | type == \"number\") and (.[1].kmem_usable_after | type == \"number\")" "$TMP/out" >/dev/null &&
	ok "kmem yield after each move" || not_ok "no kmem yield"

# the refused namespace of boot 2: its info block is unread, the kernel's own
# 'bad offset' line gives dataoff and align: moving back by 64 MiB brings it
# back (boot 1 had it there), a further 64 MiB does not
run "$NSALIGN" simulate --shift=-64M,64M --json --snapshot "$FIXTURES/lab-shift-boot2.json"
jq -e "$ns | select(.available == false) | .after[0].available_after == true and .after[1].available_after == false and (.after[1].kernel_message | startswith(\"bad offset: 0x40000000\")) and (.after[0].reason | contains(\"kernel's 'bad offset' line\"))" "$TMP/out" >/dev/null &&
	ok "refused namespace: judged with the kernel's figures, says so" || { not_ok "refused namespace verdict"; jq -c "$ns | {dev, available, after}" "$TMP/out" | diag; }

# a move of 0 answers what the kernel does now: every namespace as it is
run "$NSALIGN" simulate --shift 0 --json --snapshot "$b1"
expect_rc 0 "--shift 0"
jq -e "[$ns | .after[0].shift == 0 and .after[0].available_after == .available and .after[0].resource == .resource] | length > 0 and all" "$TMP/out" >/dev/null &&
	ok "--shift 0: each namespace as it is now" || not_ok "--shift 0 verdicts"
run "$NSALIGN" simulate --shift 0,64M --snapshot "$b1"
expect_stdout_has "available after no move" "text: a move of 0 is 'no move'"
run "$NSALIGN" simulate --shift 0 --json --snapshot "$FIXTURES/lab-shift-boot2.json"
jq -e "$ns | select(.available == false) | .after[0].available_after == false" "$TMP/out" >/dev/null &&
	ok "--shift 0: a refused namespace stays refused" || not_ok "--shift 0 on a refused namespace"

# legacy (memmap=) ranges: the label-less raw namespace, mapped with pages, has a firm
# verdict (hand-checked with the lab: 1 MiB off is refused, onto 2 MiB it comes up)
run "$NSALIGN" simulate --shift 1M --json --snapshot "$FIXTURES/lab-legacy-misaligned.json"
jq -e "[$ns | .after[0].available_after] == [false, true]" "$TMP/out" >/dev/null &&
	ok "legacy ranges: firm verdicts after a 1 MiB move" ||
	{ not_ok "legacy verdicts"; jq -c "$ns | {dev, available, after}" "$TMP/out" | diag; }

# a devdax namespace the kernel would refuse gives no kmem there
run "$NSALIGN" simulate --shift 1M --json --snapshot "$FIXTURES/lab-kmem-devdax.json"
jq -e "$ns | select(.mode == \"devdax\") | .after[0].available_after == false and .after[0].kmem_usable_after == 0 and .after[0].kmem_blocks_after == 0" "$TMP/out" >/dev/null &&
	ok "refused after the move: no kmem" || { not_ok "kmem after a refusing move"; jq -c "$ns | .after" "$TMP/out" | diag; }

# bad input
for bad in 3 1.5K abc 64Q ''; do
	run "$NSALIGN" simulate --shift "$bad" --snapshot "$b1"
	expect_rc 64 "--shift '$bad'"
	expect_stdout_empty "--shift '$bad': nothing on stdout"
done
run "$NSALIGN" simulate --shift 3 --snapshot "$b1"
expect_err_line "multiple of 4 KiB" "--shift 3: one line, says why"
run "$NSALIGN" simulate --shift 64M --snapshot "$TMP/missing.json"
expect_rc 66 "missing snapshot"

done_testing
