#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON contract: every document starts with "schema"; with --json an
# error is one JSON document on stdout, {"schema", "error": {"code",
# "message"}}, the exit code unchanged; -q keeps stdout empty.
. "$TOP_SRCDIR/tests/cli/lib.sh"

# every document a command prints carries "schema": N, first (list's, check's and
# simulate's are 2: a namespace's size is ndctl's, raw_size its own)
for cmd in "list --json" "check --json" "simulate --json" "map --json" "list -J" "list --format json"; do
	n=1
	case "$cmd" in list* | check* | simulate*) n=2 ;; esac
	# shellcheck disable=SC2086
	run "$NSALIGN" $cmd -s "$FIXTURES/lab-kmem-devdax.json"
	if [ "$(command jq -c '[keys_unsorted[0], .schema]' "$TMP/out" 2>/dev/null)" = "[\"schema\",$n]" ]; then
		ok "$cmd: \"schema\": $n first"
	else
		not_ok "$cmd: no \"schema\": $n first"; head -3 "$TMP/out" | diag
	fi
done
run "$NSALIGN" create-namespace --dry-run --snapshot "$FIXTURES/lab-kmem-devdax.json" -s 256M
jq -e '.schema == 2 and (.plan | type == "object")' "$TMP/out" >/dev/null &&
	ok "create-namespace --dry-run: \"schema\": 2" || not_ok "create-namespace --dry-run: no schema"
# one meaning of size in every document: ndctl's usable size, raw_size the namespace's
jq -e '.plan | .mode == "fsdax" and .size == .data_size and .raw_size > .size' "$TMP/out" >/dev/null &&
	ok "create-namespace's plan: size is the usable size (data_size), raw_size the namespace's" ||
	{ not_ok "plan's size"; jq -c .plan "$TMP/out" | diag; }
run "$NSALIGN" create-namespace --dry-run --snapshot "$FIXTURES/lab-kmem-devdax.json" -s 256M -m sector
jq -e '.plan | .size == null and .raw_size == 268435456' "$TMP/out" >/dev/null &&
	ok "a sector plan's size is null (the BTT's is not known), raw_size 256M" ||
	{ not_ok "sector plan's size"; jq -c .plan "$TMP/out" | diag; }
for f in "$FIXTURES"/lab-*.json; do
	a=$("$NSALIGN" list --json -s "$f" 2>/dev/null | command jq -c '[.regions[]?.namespaces[]?, .namespaces[]? | {dev, size, raw_size}] | sort_by(.dev)')
	b=$("$NSALIGN" check --json -s "$f" 2>/dev/null | command jq -c '[.namespaces[] | {dev, size, raw_size}] | sort_by(.dev)')
	c=$("$NSALIGN" simulate --json --shift 64M -s "$f" 2>/dev/null | command jq -c '[.namespaces[] | {dev, size, raw_size}] | sort_by(.dev)')
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$c" ] || { echo "$(basename "$f"): list $a check $b simulate $c"; break; }
done >"$TMP/sizes"
[ -s "$TMP/sizes" ] && { not_ok "list, check and simulate disagree on a namespace's size"; diag <"$TMP/sizes"; } ||
	ok "list, check and simulate give every namespace of the lab fixtures the same size and raw_size"

# error_doc CODE MESSAGE_REGEX CMD...: the error as JSON on stdout, also said on stderr
error_doc() {
	local code=$1 re=$2
	shift 2
	run "$NSALIGN" "$@"
	expect_rc "$code" "$*"
	if command jq -e --argjson c "$code" --arg re "$re" \
		'keys_unsorted == ["schema", "error"] and .schema == 1 and
		 (.error | keys_unsorted == ["code", "message"]) and .error.code == $c and (.error.message | test($re))' \
		"$TMP/out" >/dev/null 2>&1; then
		ok "  its error is one JSON document on stdout, code $code"
	else
		not_ok "  no error document on stdout"; head -8 "$TMP/out" | diag
	fi
	expect_err_line "$re" "  and one line on stderr"
}
error_doc 66 "no such file" list --json -s "$TMP/none.json"
error_doc 66 "no such file" list -J -s "$TMP/none.json"
error_doc 66 "no such file" list --format json -s "$TMP/none.json"
error_doc 64 "unknown option '--bogus'" check --json --bogus
error_doc 64 "unknown option '--bogus'" check --bogus --json
error_doc 66 "no such file" simulate -s "$TMP/none.json" --json
error_doc 65 "no physical addresses" map --json -s "$FIXTURES/lab-unprivileged.json"
error_doc 64 "needs a value" map -j -s
echo '{' >"$TMP/bad.json"
error_doc 65 "not a usable snapshot" check -j -s "$TMP/bad.json"
error_doc 64 "unknown option" reconfigure --json --bogus dax0.0
error_doc 64 "unknown option" online-memory --json --bogus dax0.0
error_doc 64 "unknown option" rescue --json --bogus namespace0.0

# without --json, or with -q, stdout stays empty
run "$NSALIGN" check --bogus
expect_rc 64 "check --bogus"
expect_stdout_empty "  without --json nothing on stdout"
run "$NSALIGN" check --json -q -s "$TMP/none.json"
expect_rc 66 "check --json -q on a missing file"
expect_stdout_empty "  -q: nothing on stdout, the error neither"
# a verdict is not an error: check's findings exit code with -q prints nothing
run "$NSALIGN" check --json -q -s "$FIXTURES/lab-shift-boot2.json"
[ "$rc" -ne 0 ] && [ "$rc" -lt 64 ] && [ ! -s "$TMP/out" ] && ok "check --json -q: a findings exit code ($rc), no document" ||
	not_ok "check --json -q on findings: exit $rc, stdout $(wc -c <"$TMP/out") bytes"
# -- ends the options: a --json after it is not one
run "$NSALIGN" list --bogus -- --json
expect_stdout_empty "list --bogus -- --json: no error document"

echo "1..$_n"
[ "$_fail" -eq 0 ]
