#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign rescue and repair: every refusal before the kernel is asked,
# one line, the documented exit code, nothing written.  What they do on a
# kernel is the VM lab's (scenarios rescue-repair, rescue-repair-1m).
. "$TOP_SRCDIR/tests/cli/lib.sh"

for c in rescue repair; do
	run "$NSALIGN" "$c"
	expect_rc 64 "$c without a namespace"
	expect_err_line "^nsalign $c: which namespace\?" "$c: says a namespace is missing, in one line"
	run "$NSALIGN" "$c" namespace0.0 namespace0.1
	expect_rc 64 "$c with two namespaces"
	expect_err_line "one namespace at a time" "$c: one namespace at a time"
	run "$NSALIGN" "$c" --json
	expect_rc 64 "$c --json without a namespace"
done

run "$NSALIGN" repair namespace0.0 --align 3M
expect_rc 64 "repair --align 3M"
expect_err_line "power of two from 4K" "repair: a bad --align explained"
run "$NSALIGN" repair namespace0.0 --align 1K
expect_rc 64 "repair --align 1K (below the page)"
for a in 4G 8G 1T; do
	run "$NSALIGN" repair namespace0.0 --align $a
	expect_rc 64 "repair --align $a (the info block's align field is 32 bits)"
	expect_err_line "align field is 32 bits, it holds at most 2G" "repair --align $a: one line"
done
run "$NSALIGN" repair namespace0.0 --restore "$TMP/x" --align 2M
expect_rc 64 "repair --restore with --align"
# options and the namespace in any order (issue 19: the ecosystem's order)
run "$NSALIGN" repair --restore "$TMP/x" namespace0.0 --force
rc1=$rc
cp "$TMP/err" "$TMP/err1"
run "$NSALIGN" repair namespace0.0 --restore "$TMP/x" --force
[ "$rc1" = "$rc" ] && [ "$rc" != 64 ] && cmp -s "$TMP/err" "$TMP/err1" &&
	ok "repair: an option after the namespace is taken as before it (exit $rc)" ||
	not_ok "repair: the namespace's place changes the answer ($rc1 vs $rc)"

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	for c in rescue repair; do
		run setpriv --reuid=nobody --regid=nogroup --clear-groups "$NSALIGN" "$c" namespace0.0
		expect_rc 77 "$c as nobody"
		expect_err_line "needs root" "$c as nobody: one line, needs root"
	done

	# a backup that is not one: refused before any namespace is looked at
	run "$NSALIGN" repair namespace0.0 --restore "$TMP/missing" --force
	expect_rc 66 "repair --restore of a missing file"
	expect_err_line "missing: No such file" "repair --restore: names the missing file"
	head -c 100 /dev/zero >"$TMP/short"
	run "$NSALIGN" repair namespace0.0 --restore "$TMP/short" --force
	expect_rc 65 "repair --restore of a 100-byte file"
	expect_err_line "100 bytes; a backup is 4096" "repair --restore: says what a backup is"

	# no PMEM here (69), or PMEM without that namespace (66)
	if ls /sys/bus/nd/devices 2>/dev/null | grep -q '^ndbus'; then want=66; else want=69; fi
	for c in rescue repair; do
		run "$NSALIGN" "$c" namespace9.9
		expect_rc $want "$c of a namespace this machine does not have"
		[ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "$c: one line" || not_ok "$c: $(cat "$TMP/err")"
		run "$NSALIGN" "$c" namespace9.9 --json
		expect_rc $want "$c --json of a namespace this machine does not have"
		expect_json "$c --json: one JSON document even on error"
		jq -e '.error | length > 0' "$TMP/out" && ok "$c --json: the reason in .error" ||
			not_ok "$c --json: no .error"
	done
	run "$NSALIGN" repair namespace9.9 --restore "$FIXTURES/infoblocks/fsdax-2m.bin" --force
	expect_rc $want "repair --restore of a real block for a namespace this machine does not have"
else
	skip "rescue/repair privilege and device checks need root and setpriv"
fi

# the mount options that replay no journal, as the man page says
for fs in ext4 xfs btrfs; do
	grep -q "$fs" "$TOP_SRCDIR/man/nsalign-rescue.8.adoc" && ok "nsalign-rescue(8) names $fs" ||
		not_ok "nsalign-rescue(8) does not name $fs"
done

done_testing
