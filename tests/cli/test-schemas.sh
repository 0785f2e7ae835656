#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every JSON document follows its JSON Schema in doc/: list, check and
# simulate (also with -u) on every fixture and hand snapshot, snapshots,
# create-namespace's and online/offline-memory's plans, the errors of every
# command with --json (python3-jsonschema; skipped without it).  The
# documents of the commands that change the system are validated in the VM
# lab (reconfigure, reconfigure-kmem, online-memory, rescue-repair).
. "$TOP_SRCDIR/tests/cli/lib.sh"

if ! python3 -c 'import jsonschema' 2>/dev/null; then
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
# ... in every -u document of every snapshot (address 0 is "0x0", not "0")
bad=$(command jq -r 'paths(type == "string" and test("^[0-9]+$")) | input_filename + ": " + (map(tostring) | join("."))' \
	"$TMP"/doc/*-u-*.json 2>&1 | head -5)
n=$(ls "$TMP"/doc/*-u-*.json | wc -l)
[ -z "$bad" ] && [ "$n" -ge 60 ] && ok "-u: no number printed as a string of digits in $n documents (list, check, simulate)" ||
	{ not_ok "-u: a number as a string of digits"; diag <<<"$bad"; }

# snapshots: every fixture (schema 1 and 2), this machine's (3), and one taken without privileges
follows snapshot "the $(ls "$FIXTURES"/*.json "$SNAPSHOTS"/*.json | wc -l) fixture and hand snapshots" "$FIXTURES"/*.json "$SNAPSHOTS"/*.json
if "$NSALIGN" snapshot >"$TMP/doc/snap-live.json" 2>/dev/null; then
	follows snapshot "this machine's snapshot" "$TMP/doc/snap-live.json"
	jq -e '.schema == 4 and (.collected_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' \
		"$TMP/doc/snap-live.json" >/dev/null && ok "snapshot: schema 4, collected_at in RFC 3339" ||
		not_ok "snapshot: schema or collected_at"
	jq -e '[.. | strings | select(. == "")] | length == 0' "$TMP/doc/snap-live.json" >/dev/null &&
		ok "snapshot: no unknown string written as \"\"" || not_ok "snapshot: a string is \"\""
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
	jq -e '[.. | strings | select(. == "")] | length == 0' "$TMP/doc/snap-nobody.json" >/dev/null &&
		ok "nobody's snapshot: no unknown string written as \"\"" || not_ok "nobody's snapshot: a string is \"\""
	run "$NSALIGN" list --json -s "$TMP/doc/snap-nobody.json"
	[ "$rc" = 0 ] && ok "nobody's snapshot loads" || not_ok "nobody's snapshot does not load (exit $rc)"
else
	skip "no snapshot as nobody here (needs root and setpriv)"
fi
# a schema 1 file with zeros and seconds still loads, and says the same
run "$NSALIGN" list --json -s "$FIXTURES/lab-unprivileged.json"
expect_rc 0 "lab-unprivileged (schema 1, zeros) loads"

# errors: every command, with --json, writes its failure as the error
# document on stdout, its code the exit status (CODE ARGS...)
legacy="$FIXTURES/lab-legacy-misaligned.json" # legacy PMEM shares memory39..41 with RAM
ram="$FIXTURES/lab-kmem-system-ram.json"      # dax0.0 onlined: memory33-39
n=0 cmds=""
while read -r code args; do
	n=$((n + 1))
	eval "set -- $args"
	run "$NSALIGN" "$@" </dev/null
	cp "$TMP/out" "$TMP/doc/error-$n.json"
	[ "$rc" = "$code" ] && command jq -e --argjson c "$code" '.error.code == $c' "$TMP/out" >/dev/null 2>&1 ||
		{ not_ok "$*: exit $rc and .error.code $(command jq -c .error.code "$TMP/out" 2>/dev/null), expected $code"; diag <"$TMP/err"; }
	case " $cmds " in *" $1 "*) ;; *) cmds+=" $1" ;; esac
done <<EOF2
66 list --json -s "$TMP/none.json"
64 check --json --bogus
65 check -j -s "$TMP/doc/error-1.json"
64 snapshot --json stray
66 simulate --json -s "$TMP/none.json"
64 simulate --json --shift 64MB -s "$ram"
65 map --json -s "$FIXTURES/lab-unprivileged.json"
73 create-namespace --json --dry-run --snapshot "$ram" -s 1T
66 create-namespace -j --dry-run --snapshot "$ram" -r region9 -s 256M
64 reconfigure --json dax0.0
64 reconfigure dax0.0 --mode system-ram --memmap-on-memory=maybe --json
73 online-memory --json --dry-run --snapshot "$legacy" --blocks 39
66 online-memory --json --dry-run --snapshot "$legacy" --blocks 99999
64 online-memory --json --dry-run --snapshot "$legacy" --range 0x100000000+100M
73 offline-memory --json --dry-run --snapshot "$legacy" --range 0x130000000-0x147ffffff
64 offline-memory --json
64 probe --json 0x100000000
73 probe --json --dry-run --snapshot "$legacy" 0x100000000 128M
64 rescue --json
64 rescue --json namespace0.0 namespace0.1
64 repair --json namespace0.0 --align 3M
64 repair --json namespace0.0 --restore x --align 2M
EOF2
[ "$(echo $cmds | wc -w)" = 12 ] && ok "every one of the 12 commands has its errors tested here:$cmds" ||
	not_ok "commands whose errors are tested:$cmds"
follows error "the $n --json errors of every command (exit code = .error.code)" "$TMP"/doc/error-*.json
# a command that does not exist: the same error document
run "$NSALIGN" bogus --json </dev/null
cp "$TMP/out" "$TMP/doc/unknown-command.json"
[ "$rc" = 64 ] && command jq -e '.error.code == 64 and (.error.message | test("bogus"))' "$TMP/out" >/dev/null 2>&1 &&
	ok "nsalign bogus --json: exit 64, the error document names it" || not_ok "nsalign bogus --json: exit $rc, $(cat "$TMP/out")"
follows error "the unknown command's error document" "$TMP/doc/unknown-command.json"
# snapshot: the file it could not write
if "$NSALIGN" snapshot >/dev/null 2>&1; then
	run "$NSALIGN" snapshot --json -o "$TMP/no/such/dir/snap.json"
	[ "$rc" = 74 ] && command jq -e '.error.code == 74 and (.error.message | test("no/such/dir"))' "$TMP/out" >/dev/null &&
		ok "snapshot --json -o into a missing directory: exit 74, the error document names it" ||
		not_ok "snapshot --json -o into a missing directory: exit $rc"
	run "$NSALIGN" snapshot -o "$TMP/no/such/dir/snap.json"
	expect_stdout_empty "snapshot -o without --json: nothing on stdout"
else
	skip "nsalign snapshot does not run here"
fi

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

# online-memory and offline-memory plans (--dry-run on lab snapshots)
run "$NSALIGN" online-memory --dry-run --snapshot "$ram" --dax dax0.0 --json
cp "$TMP/out" "$TMP/doc/mem-1.json"
run "$NSALIGN" online-memory dax0.0 --dry-run --snapshot "$ram" --zone normal -j
cp "$TMP/out" "$TMP/doc/mem-2.json"
run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --blocks 42-43 --json
cp "$TMP/out" "$TMP/doc/mem-3.json"
follows online-memory "online-memory --dry-run --json (--dax, a dax name, --blocks)" "$TMP"/doc/mem-[123].json
run "$NSALIGN" offline-memory --dry-run --snapshot "$ram" --blocks memory33-memory39 --json
cp "$TMP/out" "$TMP/doc/mem-4.json"
run "$NSALIGN" offline-memory --dry-run --snapshot "$ram" --range 0x108000000+128M --json
cp "$TMP/out" "$TMP/doc/mem-5.json"
follows offline-memory "offline-memory --dry-run --json (--blocks, --range)" "$TMP"/doc/mem-[45].json
# probe's plan, where this kernel has the probe interface
if [ -e /sys/devices/system/memory/probe ]; then
	run "$NSALIGN" probe --dry-run --json 0x40000000000 128M
	cp "$TMP/out" "$TMP/doc/probe.json"
	follows probe "probe --dry-run --json" "$TMP/doc/probe.json"
else
	skip "no memory probe interface here: probe's plan is not validated (its errors are)"
fi

# rescue and repair, on a namespace this machine does not have: their own
# document with the error in it, or the error document alone
if [ "$(id -u)" -eq 0 ]; then
	for c in rescue repair; do
		run "$NSALIGN" "$c" namespace9.9 --json
		cp "$TMP/out" "$TMP/doc/$c-missing.json"
		[ "$rc" -ge 64 ] && command jq -e --argjson c "$rc" '.error.code == $c' "$TMP/out" >/dev/null &&
			ok "$c --json of a missing namespace: exit $rc = .error.code" || not_ok "$c --json: exit $rc, $(cat "$TMP/out")"
		follows "$c" "$c --json of a missing namespace" "$TMP/doc/$c-missing.json"
	done
	follows error "rescue and repair --json of a missing namespace" "$TMP"/doc/re*-missing.json
else
	skip "rescue and repair need root before they look for a namespace"
fi

# the schemas are not empty: each refuses another command's document
refuses() { # refuses SCHEMA FILE
	if python3 "$TOP_SRCDIR/tests/cli/validate-json.py" "$TOP_SRCDIR/doc" "nsalign-$1.schema.json" "$2" >/dev/null 2>&1; then
		not_ok "nsalign-$1.schema.json takes $(basename "$2")"
	else
		ok "nsalign-$1.schema.json refuses $(basename "$2")"
	fi
}
refuses reconfigure "$TMP/doc/mem-1.json"
refuses online-memory "$TMP/doc/error-1.json"
refuses probe "$TMP/doc/mem-1.json"
refuses rescue "$TMP/doc/mem-1.json"
refuses repair "$TMP/doc/mem-1.json"
refuses error "$TMP/doc/mem-1.json"
# a rescue that says neither where the data are, nor that it was undone, nor an error
echo '{"schema": 2, "dev": "namespace0.0", "region": "region0", "resource": 4294967296, "raw_size": 1073741824}' >"$TMP/doc/rescue-nothing.json"
refuses rescue "$TMP/doc/rescue-nothing.json"

echo "1..$_n"
[ "$_fail" -eq 0 ]
