#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NSALIGN_FAULT_INJECT=STEP (make a step of an act fail) is for test builds
# only (configure --enable-fault-injection, as scripts/test.sh builds for the
# VM lab): a production build ignores it and does not even hold the name.
. "$TOP_SRCDIR/tests/cli/lib.sh"

b1="$FIXTURES/lab-shift-boot1.json"

run env NSALIGN_FAULT_INJECT=rename "$NSALIGN" check --record --snapshot "$b1" --state-dir "$TMP/st1"
if [ "$FAULT_INJECTION" = yes ]; then
	[ "$rc" -ne 1 ] && [ ! -e "$TMP/st1/state.json" ] &&
		ok "test build: NSALIGN_FAULT_INJECT=rename makes the record fail (exit $rc)" ||
		not_ok "test build: the injected rename failure did not stop the record (exit $rc)"
	run "$NSALIGN" check --record --snapshot "$b1" --state-dir "$TMP/st2"
	expect_rc 1 "test build: without NSALIGN_FAULT_INJECT the record is made"
	# pause:STEP stops there and says so (the VM lab cuts the power then)
	NSALIGN_FAULT_INJECT=pause:write "$NSALIGN" check --record --snapshot "$b1" \
		--state-dir "$TMP/st3" >/dev/null 2>"$TMP/pause.err" &
	pid=$!
	for _ in $(seq 50); do grep -q . "$TMP/pause.err" && break; sleep 0.1; done
	sleep 0.2
	if kill -0 $pid 2>/dev/null && grep -qx 'NSA-FAULT-PAUSE write' "$TMP/pause.err" &&
		[ ! -e "$TMP/st3/state.json" ] && ls "$TMP/st3" | grep -q '^state.json.tmp.'; then
		ok "test build: NSALIGN_FAULT_INJECT=pause:write stops the record with its temp file half written"
	else
		not_ok "test build: pause:write did not stop the record there ($(cat "$TMP/pause.err"))"
	fi
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
else
	expect_rc 1 "production build: NSALIGN_FAULT_INJECT=rename is ignored, the record is made"
	[ -s "$TMP/st1/state.json" ] && ok "production build: state.json written" ||
		not_ok "production build: no state.json"
	for bin in "$NSALIGN" "$NSALIGND"; do
		if grep -aq NSALIGN_FAULT_INJECT "$bin"; then
			not_ok "production build: $(basename "$bin") holds NSALIGN_FAULT_INJECT"
		else
			ok "production build: $(basename "$bin") does not hold NSALIGN_FAULT_INJECT"
		fi
	done
fi

done_testing
