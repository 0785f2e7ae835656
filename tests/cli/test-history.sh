#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check --record / --boot on the two lab boots of the shift scenario (boot 2
# has the NVDIMM 64 MiB higher), the state directory's failure modes, the
# lock, and the Prometheus textfile.
. "$TOP_SRCDIR/tests/cli/lib.sh"

b1="$FIXTURES/lab-shift-boot1.json"
b2="$FIXTURES/lab-shift-boot2.json"
st="$TMP/state"
boot1_id=$(jq -r .platform.boot_id "$b1")

run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$st"
expect_rc 1 "record boot 1 (its 1 GiB devdax namespace is fragile: a warning)"
expect_stdout_has "Recorded this layout as the known-good one in $st" "record says where"
[ "$(stat -c %a "$st/state.json")" = 600 ] && ok "state file is 0600" || not_ok "state file mode $(stat -c %a "$st/state.json")"
[ "$(jq '.boots | length' "$st/state.json")" = 1 ] && ok "one boot recorded" || not_ok "boots: $(jq '.boots | length' "$st/state.json")"
jq -e '.boots[0].layout | ([.memory.blocks[]?] | length) == 0 and (.iomem | length) > 0
	and all(.iomem[]; .children == null and (.name | test("^(System RAM|Reserved|reserved|Soft Reserved|Persistent Memory( \\(legacy\\))?)$")))' \
	"$st/state.json" >/dev/null &&
	ok "the record keeps the layout and the top-level RAM, reserved and PMEM ranges, no memory blocks" ||
	not_ok "record keeps other iomem ranges or memory blocks"
jq -e '[.boots[0].layout.iomem[] | select(.name == "System RAM")] | length > 0' "$st/state.json" >/dev/null &&
	ok "the record keeps the System RAM ranges" || not_ok "record lacks System RAM ranges"
# one timestamp format: state schema 2 writes recorded_at in RFC 3339, as the layout's collected_at
rfc='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
jq -e --arg re "$rfc" '.schema == 2 and ([.. | objects | to_entries[] | select(.key | endswith("_at")) | .value] |
	length >= 2 and all(type == "string" and test($re)))' "$st/state.json" >/dev/null &&
	ok "state.json: schema 2, recorded_at and collected_at in RFC 3339 UTC" ||
	{ not_ok "state.json: a timestamp not in RFC 3339"; jq -c '[.. | objects | to_entries[] | select(.key | endswith("_at"))]' "$st/state.json" | diag; }
# a schema 1 state (recorded_at in seconds) still loads, says the time in RFC 3339, and is written as schema 2
mkdir -p "$TMP/state1"
jq '.schema = 1 | .boots[].recorded_at = 1763800001' "$st/state.json" >"$TMP/state1/state.json"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$TMP/state1"
jq -e '.history.baseline.recorded_at == "2025-11-22T08:26:41Z"' "$TMP/out" >/dev/null &&
	ok "a schema 1 state's recorded_at (seconds) is read, and said in RFC 3339" ||
	{ not_ok "schema 1 state: exit $rc"; jq -c .history "$TMP/out" | diag; diag <"$TMP/err"; }
jq -e --arg re "$rfc" '.schema == 2 and .boots[0].recorded_at == "2025-11-22T08:26:41Z" and
	(.boots[1].recorded_at | test($re))' "$TMP/state1/state.json" >/dev/null &&
	ok "... and written back as schema 2" || not_ok "schema 1 state not rewritten as schema 2"

run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$st"
expect_rc 2 "boot 2 after a 64 MiB move"
expect_json "check --boot --json is one JSON document"
jq -e '.findings[] | select(.code == "NSA-NS-MOVED-UNAVAILABLE" and .dev == "namespace0.1"
	and .spa_old == 5368709120 and .spa_new == 5435817984 and .shift == 67108864
	and .kernel_confirms == true
	and .predicted_message == "bad offset: 0x40000000 dax disabled align: 0x40000000")' \
	"$TMP/out" >/dev/null && ok "moved-and-unavailable with old and new SPA, shift and the kernel's line" ||
	not_ok "no NSA-NS-MOVED-UNAVAILABLE with the right facts"
jq -e '[.findings[].code] | index("NSA-NS-REFUSED") == null' "$TMP/out" >/dev/null &&
	ok "the analyzer's NSA-NS-REFUSED is replaced" || not_ok "NSA-NS-REFUSED still reported"
jq -e '.findings[] | select(.code == "NSA-REGION-MOVED" and .shift == 67108864)' "$TMP/out" >/dev/null &&
	ok "region moved by +64 MiB" || not_ok "no NSA-REGION-MOVED"
jq -e --arg id "$boot1_id" '.history.baseline.boot_id == $id and .history.recorded == true
	and .history.recorded_as_baseline == false' "$TMP/out" >/dev/null &&
	ok "compared with boot 1; boot 2 recorded, not as known-good" || {
	not_ok "history block wrong"; jq .history "$TMP/out" | diag; }

# boot 2 again: still compared with boot 1, the good one
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$st"
expect_rc 2 "boot 2 checked again"
jq -e --arg id "$boot1_id" '.history.baseline.boot_id == $id' "$TMP/out" >/dev/null &&
	ok "an erroneous boot never becomes the baseline" || not_ok "baseline moved to a broken boot"
[ "$(jq '.boots | length' "$st/state.json")" = 2 ] && ok "same boot recorded once" || not_ok "boots: $(jq '.boots | length' "$st/state.json")"

run "$NSALIGN" check --boot --always-record --no-journal --json --snapshot "$b2" --state-dir "$st"
expect_rc 2 "--always-record still exits 2"
jq -e '.history.recorded_as_baseline == true' "$TMP/out" >/dev/null &&
	ok "--always-record makes boot 2 the baseline" || not_ok "--always-record ignored"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$st"
jq -e '[.findings[].code] | index("NSA-NS-MOVED-UNAVAILABLE") == null' "$TMP/out" >/dev/null &&
	ok "compared with itself, nothing moved" || not_ok "moved findings against itself"

# text output names what it compared with
rm -rf "$st"
run "$NSALIGN" check --boot --no-journal --snapshot "$b1" --state-dir "$st"
expect_rc 1 "first boot: nothing to compare (the fsdax warning stays)"
run "$NSALIGN" check --boot --no-journal -v --snapshot "$b1" --state-dir "$st"
expect_stdout_has "Compared with the layout recorded on" "text says what it compared with"
run "$NSALIGN" check --boot --no-journal --snapshot "$b2" --state-dir "$st"
expect_stdout_has "error NSA-NS-MOVED-UNAVAILABLE namespace0.1" "text: the error headline"
expect_stdout_has "What to do: Do not re-create the namespace" "text: the remedy"

# --history bounds the records
rm -rf "$st"
for i in 1 2 3 4; do
	jq --arg id "0000000$i-0000-0000-0000-000000000000" '.platform.boot_id = $id' "$b1" >"$TMP/b$i.json"
	"$NSALIGN" check --boot --no-journal -q --history 2 --snapshot "$TMP/b$i.json" --state-dir "$st"
done
[ "$(jq '.boots | length' "$st/state.json")" = 2 ] && ok "--history 2 keeps two boots" || not_ok "boots: $(jq '.boots | length' "$st/state.json")"

# damaged state: kept aside, reported, recording starts over
printf '{ "schema": 1, "boots": [ { "boot' >"$st/state.json"
cp "$st/state.json" "$TMP/damaged-copy"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b1" --state-dir "$st"
expect_rc 1 "damaged state is a warning"
jq -e '.findings[] | select(.code == "NSA-STATE-DAMAGED")' "$TMP/out" >/dev/null && ok "NSA-STATE-DAMAGED reported" || not_ok "damage not reported"
kept=$(ls "$st"/state.json.damaged-* 2>/dev/null | head -1)
[ -n "$kept" ] && cmp -s "$kept" "$TMP/damaged-copy" && ok "damaged file kept byte for byte" || not_ok "damaged file not kept"
jq -e '.boots | length == 1' "$st/state.json" >/dev/null && ok "a fresh state was recorded" || not_ok "no fresh state"

# a newer nsalign's state: refused, untouched
jq '.schema = 99' "$st/state.json" >"$TMP/future" && cp "$TMP/future" "$st/state.json"
run "$NSALIGN" check --boot --no-journal --snapshot "$b1" --state-dir "$st"
expect_rc 65 "newer state schema"
expect_err_line "schema 99 by a newer nsalign" "newer schema: one line"
expect_stdout_empty "newer schema: nothing on stdout"
cmp -s "$TMP/future" "$st/state.json" && ok "newer state left untouched" || not_ok "newer state changed"

# the state directory is a file
: >"$TMP/a-file"
run "$NSALIGN" check --boot --no-journal --snapshot "$b1" --state-dir "$TMP/a-file"
expect_rc 74 "state dir is a file"
expect_err_line "a-file: cannot create the state directory: Not a directory" "state dir is a file: one line"

# another run holds the lock
rm -rf "$st" && mkdir -p "$st"
flock "$st/lock" sleep 3 &
sleep 0.3
run "$NSALIGN" check --boot --no-journal --lock-timeout 0 --snapshot "$b1" --state-dir "$st"
expect_rc 75 "state locked by another run"
expect_err_line "is locked by another nsalign" "locked: one line"
[ ! -e "$st/state.json" ] && ok "locked: nothing written" || not_ok "written while locked"
wait

# addresses hidden: nothing to record
run "$NSALIGN" check --record --snapshot "$FIXTURES/lab-unprivileged.json" --state-dir "$st"
expect_rc 77 "record without addresses"
expect_err_line "physical addresses are hidden" "hidden addresses: one line"

# usage errors
run "$NSALIGN" check --boot --record --state-dir "$st" --snapshot "$b1"
expect_rc 64 "--boot with --record"
run "$NSALIGN" check --always-record --snapshot "$b1"
expect_rc 64 "--always-record without --boot"
run "$NSALIGN" check --boot --history 0 --snapshot "$b1"
expect_rc 64 "--history 0"
expect_err_line "expected a number of boots" "--history 0: one line"
run "$NSALIGN" check -o "$TMP/x" --snapshot "$b1"
expect_rc 64 "--output with text"

# Prometheus textfile, written atomically
rm -rf "$st"
"$NSALIGN" check --record -q --snapshot "$b1" --state-dir "$st"
run "$NSALIGN" check --boot --no-journal --format prometheus -o "$TMP/nsalign.prom" --snapshot "$b2" --state-dir "$st"
expect_rc 2 "prometheus after the move"
expect_stdout_empty "prometheus -o writes nothing on stdout"
p="$TMP/nsalign.prom"
grep -qx 'nsalign_findings{code="NSA-NS-MOVED-UNAVAILABLE",severity="error"} 1' "$p" && ok "metric: finding by code" || not_ok "no finding metric"
grep -qx 'nsalign_findings{code="NSA-NS-VANISHED",severity="error"} 0' "$p" && ok "metric: absent codes are 0" || not_ok "absent code not 0"
grep -qx 'nsalign_namespaces{state="unavailable"} 1' "$p" && ok "metric: namespaces unavailable" || not_ok "no unavailable count"
grep -q '^nsalign_namespace_available{dev="namespace0.1",uuid="f41534c6-4c30-429c-892b-16ebeef271bc",region="region0",mode="raw"} 0$' "$p" &&
	ok "metric: per-namespace availability" || not_ok "no per-namespace metric"
grep -qx 'nsalign_check_exit_code 2' "$p" && ok "metric: exit code" || not_ok "no exit code metric"
grep -q '^nsalign_baseline_timestamp_seconds [0-9]' "$p" && ok "metric: baseline time" || not_ok "no baseline time"
[ -z "$(ls "$TMP" | grep 'nsalign.prom.tmp')" ] && ok "no temp file left" || not_ok "temp file left"
[ "$(stat -c %a "$p")" = 644 ] && ok "textfile is 0644 (node_exporter reads it)" || not_ok "textfile mode $(stat -c %a "$p")"
# every metric line parses: name{labels} value
bad=$(grep -v '^#' "$p" | grep -vcE '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9]+$')
[ "$bad" = 0 ] && ok "every metric line is well-formed" || not_ok "$bad malformed metric lines"
# kmem metrics on the lab's devdax snapshot
run "$NSALIGN" check --format prometheus --snapshot "$FIXTURES/lab-kmem-devdax.json"
expect_stdout_has '^nsalign_kmem_lost_bytes\{dev="namespace0.0",.*\} [1-9][0-9]*$' "metric: kmem lost bytes"
run "$NSALIGN" check --format prometheus -o "$TMP/no-such-dir/x.prom" --snapshot "$b1"
expect_rc 74 "textfile in a missing directory"
expect_err_line "no-such-dir/x.prom: cannot write the metrics: No such file or directory" "missing directory: one line"

# a state file past 16 MiB is not read: damaged, kept aside, recording starts over
rm -rf "$TMP/big" && mkdir -p "$TMP/big" && truncate -s 20M "$TMP/big/state.json"
run timeout 20 "$NSALIGN" check --boot --no-journal --json --snapshot "$b1" --state-dir "$TMP/big"
expect_rc 1 "a 20 MiB state is a warning"
jq -e '.findings[] | select(.code == "NSA-STATE-DAMAGED") | .reason | test("larger than 16 MiB")' "$TMP/out" >/dev/null &&
	ok "NSA-STATE-DAMAGED says the state is larger than 16 MiB" || not_ok "huge state not reported"
jq -e '.boots | length == 1' "$TMP/big/state.json" >/dev/null && ok "a huge state: a fresh state recorded" || not_ok "huge state: no fresh state"
# a FIFO as state.json: refused at once, without waiting for a writer
rm -rf "$TMP/big" && mkdir -p "$TMP/big" && mkfifo "$TMP/big/state.json"
run timeout 20 "$NSALIGN" check --boot --no-journal --snapshot "$b1" --state-dir "$TMP/big"
expect_rc 74 "a FIFO as state.json"
expect_err_line "state.json: not a regular file; move it away" "FIFO state: one line"
[ -p "$TMP/big/state.json" ] && ok "FIFO state: left where it is" || not_ok "FIFO state: moved or replaced"
rm -rf "$TMP/big"


# a snapshot whose memory.block_size is not a power of two: refused when read,
# never recorded (it wiped the whole history on the next load)
h="$TMP/hist3"
"$NSALIGN" check --record -q --snapshot "$b1" --state-dir "$h" >/dev/null
cp "$h/state.json" "$TMP/hist3-before"
jq '.platform.block_size = 0 | .memory.block_size = 3' "$b1" >"$TMP/bs3.json"
run "$NSALIGN" check --record --snapshot "$TMP/bs3.json" --state-dir "$h"
expect_rc 65 "memory.block_size 3: refused"
expect_err_line "bs3.json: not a usable snapshot: memory.block_size: 0x3 is not a power of two" "memory.block_size 3: one line"
cmp -s "$h/state.json" "$TMP/hist3-before" && ok "memory.block_size 3: the state is unchanged" || not_ok "state changed"
# one bad record costs that record: boot 1's baseline is still compared with
jq --arg id "00000000-0000-0000-0000-00000000beef" '.boots = [.boots[0] | (.boot_id = $id | .layout.platform.block_size = 3)] + .boots' \
	"$TMP/hist3-before" >"$h/state.json"
run "$NSALIGN" check --boot --no-journal --json --snapshot "$b2" --state-dir "$h"
expect_rc 2 "a state with one bad record: boot 2 still compared"
jq -e '.findings[] | select(.code == "NSA-STATE-DAMAGED") | .message | test("1 recorded layout could not be read \\(boots\\[0\\].layout: platform.*the other 1 records were kept")' "$TMP/out" >/dev/null &&
	ok "NSA-STATE-DAMAGED names the bad record and what was kept" || { not_ok "partial damage not reported"; jq '.findings[] | select(.code == "NSA-STATE-DAMAGED")' "$TMP/out" | diag; }
jq -e '.findings[] | select(.code == "NSA-NS-MOVED-UNAVAILABLE")' "$TMP/out" >/dev/null &&
	ok "the baseline survived the bad record" || not_ok "baseline lost with the bad record"
[ -n "$(ls "$h"/state.json.damaged-* 2>/dev/null)" ] && ok "the file with the bad record is kept aside" || not_ok "not kept aside"

# the directory's fsync fails after the rename: the new state is in place, a warning says so
if [ "${FAULT_INJECTION:-no}" = yes ]; then
	h="$TMP/hist4"
	run env NSALIGN_FAULT_INJECT=fsync-dir "$NSALIGN" check --record --snapshot "$b1" --state-dir "$h"
	expect_rc 1 "fsync of the state directory fails: recorded all the same"
	expect_err_line "hist4: the layout was recorded, but syncing the directory failed: .*power cut" "fsync-dir: one warning line"
	expect_stdout_has "Recorded this layout as the known-good one" "fsync-dir: says it was recorded"
	jq -e '.boots | length == 1' "$h/state.json" >/dev/null && ok "fsync-dir: the new state is in place" || not_ok "fsync-dir: no state"
else
	skip "the directory's fsync failing needs a test build (configure --enable-fault-injection)"
fi

# a state directory others can write: refused before anything is created in it
for mode in 0777 0775 1777; do
	h="$TMP/open-$mode"
	mkdir -p "$h" && chmod "$mode" "$h"
	run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$h"
	expect_rc 77 "a state directory of mode $mode"
	expect_err_line "open-$mode: others can write it \(mode $mode, owner uid [0-9]+\).*chmod go-w" "mode $mode: one line with the fix"
	[ -z "$(ls -A "$h")" ] && ok "mode $mode: nothing created there" || not_ok "mode $mode: $(ls -A "$h")"
done
# a lock file that is a hard link to another file: never truncated through
h="$TMP/linked" && mkdir -p "$h" && chmod 0755 "$h"
echo precious >"$TMP/victim"
ln "$TMP/victim" "$h/lock"
run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$h"
expect_rc 77 "a lock file with two links"
expect_err_line "linked/lock is not a regular file of its own .*remove it" "hard-linked lock: one line"
[ "$(cat "$TMP/victim")" = precious ] && ok "the other file is untouched" || not_ok "victim written: $(cat "$TMP/victim")"
[ ! -e "$h/state.json" ] && ok "hard-linked lock: nothing recorded" || not_ok "recorded with a linked lock"

done_testing
