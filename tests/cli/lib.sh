# SPDX-License-Identifier: GPL-2.0-or-later
# TAP helpers for the CLI tests.  Each check is one TAP line.
set -u
: "${NSALIGN:?NSALIGN must point at the nsalign binary}"
: "${SNAPSHOTS:=$TOP_SRCDIR/tests/snapshots}"
: "${FIXTURES:=$TOP_SRCDIR/tests/fixtures}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
_n=0 _fail=0

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n - $* # SKIP"; }
not_ok() { _n=$((_n + 1)); _fail=$((_fail + 1)); echo "not ok $_n - $*"; }
diag() { sed 's/^/# /'; }

# run CMD...: stdout in $TMP/out, stderr in $TMP/err, status in $rc
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# expect_rc N DESCRIPTION
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else
		not_ok "$2: exit $rc, expected $1"; diag <"$TMP/err"; fi
}

# expect_err_line REGEX DESCRIPTION: stderr is exactly one line matching REGEX
expect_err_line() {
	local lines
	lines=$(wc -l <"$TMP/err")
	if [ "$lines" -eq 1 ] && grep -qE "$1" "$TMP/err"; then ok "$2"; else
		not_ok "$2: stderr was:"; diag <"$TMP/err"; fi
}

expect_stdout_empty() {
	if [ ! -s "$TMP/out" ]; then ok "$1"; else not_ok "$1: stdout not empty"; head -5 "$TMP/out" | diag; fi
}

expect_stdout_has() {
	if grep -qE -- "$1" "$TMP/out"; then ok "$2"; else not_ok "$2: no /$1/ in stdout"; head -20 "$TMP/out" | diag; fi
}

expect_json() {
	if [ -s "$TMP/out" ] && command jq -e . "$TMP/out" >/dev/null 2>&1; then ok "$1"; else
		not_ok "$1: stdout is not one JSON document"; head -5 "$TMP/out" | diag; fi
}

# jq -e FILTER FILE as an assertion: jq -e alone exits 0 on an empty file,
# so here there must be at least one result and none false or null.
jq() {
	if [ "${1:-}" = -e ]; then
		shift
		local out
		out=$(command jq -c "$@") || return 1
		[ -n "$out" ] && ! grep -qxE 'false|null' <<<"$out"
	else
		command jq "$@"
	fi
}

done_testing() {
	echo "1..$_n"
	[ "$_fail" -eq 0 ]
}
