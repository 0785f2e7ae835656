#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign list --format text: tables as lsmem prints them (libsmartcols),
# -o columns, --raw, --noheadings, -b; the JSON stays what it was.
. "$TOP_SRCDIR/tests/cli/lib.sh"

GOLDEN=$TOP_SRCDIR/tests/cli/golden
kmem=$FIXTURES/lab-kmem-system-ram.json
boot1=$FIXTURES/lab-shift-boot1.json
boot2=$FIXTURES/lab-shift-boot2.json
pps=$FIXTURES/lab-pmem-pmem-section.json

# golden GOLDEN-FILE DESCRIPTION ARGS...: stdout of 'nsalign list ARGS' is the file
golden() {
	local file=$1 what=$2
	shift 2
	run "$NSALIGN" list "$@"
	expect_rc 0 "$what"
	if diff -u "$GOLDEN/$file" "$TMP/out" >"$TMP/diff"; then ok "$what: as $file"; else
		not_ok "$what differs from $file (-golden +got)"; diag <"$TMP/diff"; fi
}

golden list-text-kmem-system-ram.txt "--format text: regions, namespaces, dax devices" --format text -s "$kmem"
golden list-blocks-kmem-system-ram.txt "-B --format text: lsmem's runs, with owners" -B --format text -s "$kmem"
golden list-namespaces-raw-shift-boot2.txt "-N --raw (a refused namespace: not available)" -N --raw -s "$boot2"
golden list-iomem-pmem-pmem-section.txt "-I -o name,start,end,type: the iomem tree" -I -o name,start,end,type -s "$pps"

# -o alone selects text; +LIST adds to the defaults; names in any case
run "$NSALIGN" list -N -o dev,start -s "$boot1"
expect_rc 0 "list -N -o dev,start"
[ "$(head -1 "$TMP/out" | tr -s ' ')" = "DEV START" ] && ok "-o: only the columns asked, in the table's order" ||
	not_ok "-o header: $(head -1 "$TMP/out")"
run "$NSALIGN" list -N -o +UUID -s "$boot1"
head -1 "$TMP/out" | grep -qE '^DEV +MODE .* UUID *$' && ok "-o +UUID: the defaults and UUID" || not_ok "-o +UUID: $(head -1 "$TMP/out")"
run "$NSALIGN" list -N -o Dev,Uuid --noheadings -s "$boot1"
grep -qx 'namespace0.0 3ca840bd-f6e8-4f4c-8650-61048c3d7d7f' <(tr -s ' ' <"$TMP/out") && [ "$(wc -l <"$TMP/out")" = 2 ] &&
	ok "--noheadings: rows only; column names in any case" || not_ok "--noheadings"
run "$NSALIGN" list -N -o nosuch -s "$boot1"
expect_rc 64 "-o with an unknown column"
expect_err_line "no column 'nosuch'" "  named in one line"
run "$NSALIGN" list -N -o dev --json -s "$boot1"
expect_rc 64 "-o with --json"

# namespaces in address order (namespace0.1 is collected first in boot1)
run "$NSALIGN" list -N --raw --noheadings -o dev -s "$boot1"
[ "$(tr '\n' ' ' <"$TMP/out")" = "namespace0.0 namespace0.1 " ] && ok "text: namespaces in address order" ||
	not_ok "text order: $(tr '\n' ' ' <"$TMP/out")"

# -b: bytes
run "$NSALIGN" list -B -b -o range,size -s "$kmem" --raw --noheadings
grep -qx '0x0000000108000000-0x000000013fffffff 939524096' "$TMP/out" && ok "-b: sizes in bytes" || not_ok "-b"

# -r and -n filter the tables as they filter the JSON
run "$NSALIGN" list -N -n namespace0.1 --format text --noheadings -o dev -s "$boot1"
[ "$(tr -d ' ' <"$TMP/out")" = namespace0.1 ] && ok "-n filters the table" || not_ok "-n in text"

# every table fits 80 columns with its default columns
for snap in "$FIXTURES"/*.json; do
	"$NSALIGN" list -RNXBPI --format text -s "$snap" >"$TMP/text" 2>/dev/null
	long=$(awk 'length($0) > 80' "$TMP/text" | head -3)
	[ -z "$long" ] && ok "$(basename "$snap" .json): list text fits 80 columns" ||
		{ not_ok "$(basename "$snap" .json): list text over 80 columns"; diag <<<"$long"; }
done

# the JSON is what it was: the default, --json, -J and --format json agree byte for byte
for snap in "$kmem" "$boot2"; do
	"$NSALIGN" list -s "$snap" >"$TMP/default.json"
	for opt in --json -J "--format json" -j; do
		# shellcheck disable=SC2086
		"$NSALIGN" list $opt -s "$snap" >"$TMP/opt.json"
		cmp -s "$TMP/default.json" "$TMP/opt.json" && ok "list $opt: the same bytes as list" ||
			not_ok "list $opt differs from list"
	done
done

done_testing
