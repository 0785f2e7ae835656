#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Damaged, truncated, missing and unreadable snapshots: one line, the
# documented exit code, nothing on stdout, nothing written.
. "$TOP_SRCDIR/tests/cli/lib.sh"

good="$FIXTURES/host-no-pmem.json"

for c in check list; do
	run "$NSALIGN" "$c" --snapshot "$TMP/does-not-exist.json"
	expect_rc 66 "$c: missing snapshot"
	expect_err_line "does-not-exist.json: no such file" "$c: missing file named in one line"
	expect_stdout_empty "$c: missing file prints nothing on stdout"

	head -c 200 "$good" >"$TMP/truncated.json"
	run "$NSALIGN" "$c" --snapshot "$TMP/truncated.json"
	expect_rc 65 "$c: truncated snapshot"
	expect_err_line "truncated.json: not a usable snapshot" "$c: truncated file named in one line"
	expect_stdout_empty "$c: truncated snapshot prints nothing on stdout"

	printf 'not json at all\n' >"$TMP/garbage.json"
	run "$NSALIGN" "$c" --snapshot "$TMP/garbage.json"
	expect_rc 65 "$c: garbage snapshot"

	: >"$TMP/empty.json"
	run "$NSALIGN" "$c" --snapshot "$TMP/empty.json"
	expect_rc 65 "$c: empty snapshot"

	jq '.schema = 99' "$good" >"$TMP/future.json"
	run "$NSALIGN" "$c" --snapshot "$TMP/future.json"
	expect_rc 65 "$c: snapshot from a newer nsalign"
	expect_err_line "schema" "$c: newer schema explained"

	jq '.namespaces = [{"dev": "namespace0.0", "size": "big"}]' "$good" >"$TMP/wrongtype.json"
	run "$NSALIGN" "$c" --snapshot "$TMP/wrongtype.json"
	expect_rc 65 "$c: a size that is not a number"
	expect_err_line "size" "$c: the bad field is named"

	run "$NSALIGN" "$c" --snapshot "$TMP"
	expect_rc 74 "$c: a directory instead of a file"
done

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	cp "$good" "$TMP/secret.json"
	chmod 600 "$TMP/secret.json"
	chmod 755 "$TMP"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$NSALIGN" check --snapshot "$TMP/secret.json"
	expect_rc 77 "check: unreadable snapshot (permission)"
	expect_err_line "permission denied" "check: permission problem in one line"
else
	skip "permission test needs root and setpriv"
fi

# unbounded inputs: at most 16 MiB is read, a device or a FIFO is refused without waiting
mkfifo "$TMP/fifo"
truncate -s 17M "$TMP/huge.json"
for c in check list; do
	for f in /dev/zero /dev/urandom "$TMP/fifo"; do
		run timeout 20 "$NSALIGN" "$c" --snapshot "$f"
		expect_rc 65 "$c --snapshot $f: refused at once"
		expect_err_line "$f: not a usable snapshot: not a regular file .*'-' for standard input" "$c --snapshot $f: one line"
	done
	run timeout 20 "$NSALIGN" "$c" --snapshot "$TMP/huge.json"
	expect_rc 65 "$c: a 17 MiB snapshot"
	expect_err_line "huge.json: not a usable snapshot: larger than 16 MiB, the most nsalign reads" "$c: too large, one line"
	run timeout 20 "$NSALIGN" "$c" --snapshot - </dev/zero
	expect_rc 65 "$c --snapshot - from /dev/zero: stops at 16 MiB"
	expect_err_line "larger than 16 MiB" "$c --snapshot - from /dev/zero: one line"
done
# -s -: the snapshot on standard input reads as the file does
"$NSALIGN" list --snapshot "$good" >"$TMP/from-file" 2>&1
run "$NSALIGN" list -s - <"$good"
expect_rc 0 "list -s - reads standard input"
cat "$TMP/err" >>"$TMP/out"
cmp -s "$TMP/out" "$TMP/from-file" && ok "list -s - prints what list -s FILE prints" || not_ok "list -s - differs"

# snapshot -o into a place that does not exist: error, nothing created
run "$NSALIGN" snapshot -o "$TMP/no/such/dir/out.json"
if [ "$rc" -ne 0 ] && [ ! -e "$TMP/no" ]; then ok "snapshot -o into a missing directory fails, creates nothing"; else
	not_ok "snapshot -o into a missing directory: exit $rc"; fi

# list and check write nothing: the snapshot file is unchanged
sum=$(sha256sum <"$good")
run "$NSALIGN" check --snapshot "$good"
run "$NSALIGN" list --snapshot "$good"
[ "$(sha256sum <"$good")" = "$sum" ] && ok "check/list leave the snapshot untouched" || not_ok "snapshot changed"

done_testing
