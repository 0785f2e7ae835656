#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every JSON document follows its JSON Schema in doc/: list, check and
# simulate (also with -u) on every fixture and hand snapshot, the errors of
# --json, create-namespace's plans (python3-jsonschema; skipped without it).
. "$TOP_SRCDIR/tests/cli/lib.sh"

if ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
	skip "no python3-jsonschema: the JSON documents are not validated"
	echo "1..$_n"
	exit 0
fi

# follows SCHEMA DESCRIPTION FILE...: each file is valid against doc/nsalign-SCHEMA.schema.json
follows() {
	local schema=$1 what=$2
	shift 2
	if python3 "$TOP_SRCDIR/tests/cli/validate-json.py" "$TOP_SRCDIR/doc" "nsalign-$schema.schema.json" "$@" >"$TMP/why" 2>&1; then
		ok "$what follows doc/nsalign-$schema.schema.json"
	else
		not_ok "$what does not follow doc/nsalign-$schema.schema.json"; diag <"$TMP/why"
	fi
}

mkdir -p "$TMP/doc"
n=0
for snap in "$FIXTURES"/*.json "$SNAPSHOTS"/*.json; do
	name=$(basename "$snap" .json)
	for opt in "" -u; do
		# shellcheck disable=SC2086
		"$NSALIGN" list --json $opt -s "$snap" >"$TMP/doc/list$opt-$name.json"
		# shellcheck disable=SC2086
		"$NSALIGN" list --json $opt -P -N -X -B -I -s "$snap" >"$TMP/doc/list-all$opt-$name.json"
		# shellcheck disable=SC2086
		"$NSALIGN" check --json $opt -s "$snap" >"$TMP/doc/check$opt-$name.json"
		# shellcheck disable=SC2086
		"$NSALIGN" simulate --json $opt -s "$snap" >"$TMP/doc/simulate$opt-$name.json"
		# shellcheck disable=SC2086
		"$NSALIGN" simulate --json $opt --shift 64M -s "$snap" >"$TMP/doc/simulate-one$opt-$name.json"
	done
	n=$((n + 1))
done
follows list "list --json (-u, -PNXBI) of $n snapshots" "$TMP"/doc/list*.json
follows check "check --json (-u) of $n snapshots" "$TMP"/doc/check*.json
follows simulate "simulate --json (-u, --shift 64M) of $n snapshots" "$TMP"/doc/simulate*.json

# a schema is not empty: a document of another command does not follow it
if python3 "$TOP_SRCDIR/tests/cli/validate-json.py" "$TOP_SRCDIR/doc" nsalign-list.schema.json \
	"$TMP/doc/check-lab-shift-boot2.json" >/dev/null 2>&1; then
	not_ok "nsalign-list.schema.json takes check's document"
else
	ok "nsalign-list.schema.json refuses check's document"
fi

# without addresses what they decide is null, never 0 or false
jq -e '[.namespaces[] | .resource == null and .alignment == null and .survives_granularity == null and
	.sections == null and .memory_blocks == null] | all' "$TMP/doc/check-lab-unprivileged.json" >/dev/null &&
	ok "unprivileged: resource, alignment, survives_granularity, sections, memory_blocks are null" ||
	not_ok "unprivileged: an unknown value is not null"
jq -e '[.regions[] | .resource == null] | all' "$TMP/doc/list-lab-unprivileged.json" >/dev/null &&
	ok "unprivileged: a region's resource is null" || not_ok "unprivileged: region resource"
# the identity: findings[].raw_uuid is the namespace's raw_uuid, the same before and after the move
u1=$(command jq -r '.namespaces[] | select(.dev == "namespace0.1") | .raw_uuid' "$TMP/doc/check-lab-shift-boot1.json")
u2=$(command jq -r '.namespaces[] | select(.dev == "namespace0.1") | .raw_uuid' "$TMP/doc/check-lab-shift-boot2.json")
f2=$(command jq -r '[.findings[] | select(.code == "NSA-NS-REFUSED") | .raw_uuid] | .[0]' "$TMP/doc/check-lab-shift-boot2.json")
[ -n "$u1" ] && [ "$u1" = "$u2" ] && [ "$u2" = "$f2" ] &&
	ok "shift: namespace0.1's raw_uuid is the same devdax and raw, and NSA-NS-REFUSED's raw_uuid" ||
	not_ok "shift: raw_uuid $u1 / $u2 / finding $f2"
jq -e '[.findings[] | has("uuid") | not] | all' "$TMP/doc/check-lab-shift-boot2.json" >/dev/null &&
	ok "findings carry no \"uuid\" (ndctl's is the info block's)" || not_ok "a finding has \"uuid\""
# -u: sizes printed for people, small ones and every count stay numbers
jq -e '.namespaces[0] | (.size | type == "string") and (.sections.first | type == "number") and
	(.alignment.end | type) == "string"' "$TMP/doc/check-u-lab-shift-boot1.json" >/dev/null &&
	ok "-u: sizes as strings, section numbers as numbers" || not_ok "-u types"
jq -e '[.. | strings | select(test("^[0-9]+$"))] | length == 0' "$TMP/doc/check-u-lab-shift-boot1.json" >/dev/null &&
	ok "-u: no number printed as a string of digits" || not_ok "-u: a number as a string of digits"

# snapshots: every fixture (schema 1 and 2), this machine's, and one taken without privileges
follows snapshot "the $(ls "$FIXTURES"/*.json "$SNAPSHOTS"/*.json | wc -l) fixture and hand snapshots" "$FIXTURES"/*.json "$SNAPSHOTS"/*.json
if "$NSALIGN" snapshot >"$TMP/doc/snap-live.json" 2>/dev/null; then
	follows snapshot "this machine's snapshot" "$TMP/doc/snap-live.json"
	jq -e '.schema == 2 and (.collected_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' \
		"$TMP/doc/snap-live.json" >/dev/null && ok "snapshot: schema 2, collected_at in RFC 3339" ||
		not_ok "snapshot: schema or collected_at"
else
	skip "nsalign snapshot does not run here"
fi
# without CAP_SYS_ADMIN the hidden addresses are null, and the file loads
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NSALIGN" snapshot >"$TMP/doc/snap-nobody.json" 2>/dev/null; then
	follows snapshot "a snapshot taken as nobody" "$TMP/doc/snap-nobody.json"
	jq -e '.platform.iomem_visible == false and ([.iomem[] | .start == null and .end == null] | all) and
		([.regions[], .namespaces[], .dax[] | select(has("resource")) | .resource == null] | all)' \
		"$TMP/doc/snap-nobody.json" >/dev/null && ok "nobody's snapshot: addresses null, not 0" ||
		not_ok "nobody's snapshot: an address is not null"
	run "$NSALIGN" list --json -s "$TMP/doc/snap-nobody.json"
	[ "$rc" = 0 ] && ok "nobody's snapshot loads" || not_ok "nobody's snapshot does not load (exit $rc)"
else
	skip "no snapshot as nobody here (needs root and setpriv)"
fi
# a schema 1 file with zeros and seconds still loads, and says the same
run "$NSALIGN" list --json -s "$FIXTURES/lab-unprivileged.json"
expect_rc 0 "lab-unprivileged (schema 1, zeros) loads"

# errors
run "$NSALIGN" list --json -s "$TMP/none.json"
cp "$TMP/out" "$TMP/doc/error-1.json"
run "$NSALIGN" check --json --bogus
cp "$TMP/out" "$TMP/doc/error-2.json"
run "$NSALIGN" map --json -s "$FIXTURES/lab-unprivileged.json"
cp "$TMP/out" "$TMP/doc/error-3.json"
follows error "the --json errors of list, check and map" "$TMP"/doc/error-*.json

# create-namespace's plan (--dry-run on every snapshot with room for it)
for snap in "$FIXTURES"/*.json; do
	name=$(basename "$snap" .json)
	"$NSALIGN" create-namespace --dry-run --snapshot "$snap" -s 256M >"$TMP/doc/create-$name.json" 2>/dev/null ||
		rm -f "$TMP/doc/create-$name.json"
	"$NSALIGN" create-namespace --dry-run --snapshot "$snap" -m devdax --for kmem -s 512M \
		>"$TMP/doc/create-kmem-$name.json" 2>/dev/null || rm -f "$TMP/doc/create-kmem-$name.json"
done
n=$(find "$TMP/doc" -name 'create-*.json' | wc -l)
[ "$n" -ge 4 ] && ok "create-namespace --dry-run planned on $n snapshots" || not_ok "only $n plans"
follows create-namespace "create-namespace --dry-run's $n plans" "$TMP"/doc/create-*.json

echo "1..$_n"
[ "$_fail" -eq 0 ]
