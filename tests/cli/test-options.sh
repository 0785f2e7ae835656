#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Options as ndctl, daxctl and util-linux write them: options and arguments
# in any order, --debug after the command, repeated --shift, one size rule,
# -q, --help within 80 columns, write errors on stdout.
. "$TOP_SRCDIR/tests/cli/lib.sh"

boot1=$FIXTURES/lab-shift-boot1.json
kmem=$FIXTURES/lab-kmem-system-ram.json
commands="list check snapshot simulate create-namespace reconfigure online-memory offline-memory probe rescue repair"

# options and device arguments in any order
run "$NSALIGN" online-memory --dax dax0.0 --dry-run --snapshot "$kmem" --json
expect_rc 0 "online-memory --dax dax0.0"
cp "$TMP/out" "$TMP/want"
for order in "dax0.0 --dry-run --snapshot $kmem --json" "--dry-run dax0.0 --snapshot $kmem --json" \
	"--dry-run --snapshot $kmem --json dax0.0"; do
	# shellcheck disable=SC2086
	run "$NSALIGN" online-memory $order
	expect_rc 0 "online-memory $order"
	cmp -s "$TMP/out" "$TMP/want" && ok "online-memory DAX as daxctl takes it: same as --dax" ||
		not_ok "online-memory DAX gives other output"
done
run "$NSALIGN" offline-memory --dry-run --snapshot "$kmem" dax0.0 --json
expect_rc 0 "offline-memory ... dax0.0 (the device last)"
jq -e '.first_block == 33 and .blocks == 7' "$TMP/out" >/dev/null && ok "offline-memory dax0.0: its 7 blocks" ||
	not_ok "offline-memory dax0.0"
run "$NSALIGN" online-memory dax0.0 --blocks 33 --dry-run --snapshot "$kmem"
expect_rc 64 "online-memory DAX and --blocks: one target only"
run "$NSALIGN" online-memory notadax --dry-run --snapshot "$kmem"
expect_rc 64 "online-memory with an argument that is no dax device name"
expect_err_line "unexpected argument 'notadax'" "  named in one line"

# reconfigure: daxctl's own example and its mirror give the same answer
run "$NSALIGN" reconfigure --mode system-ram dax0.0 --dry-run
rc1=$rc
cp "$TMP/err" "$TMP/err1"
run "$NSALIGN" reconfigure dax0.0 --mode system-ram --dry-run
[ "$rc1" = "$rc" ] && cmp -s "$TMP/err" "$TMP/err1" && [ "$rc" != 64 ] &&
	ok "reconfigure --mode system-ram dax0.0 as reconfigure dax0.0 --mode system-ram (exit $rc)" ||
	not_ok "reconfigure: the device's place changes the answer ($rc1 vs $rc)"
run "$NSALIGN" reconfigure --mode devdax dax0.0 dax1.0 --dry-run
expect_rc 64 "reconfigure with two devices"

for order in "namespace9.9 --dry-run --align 2M" "--dry-run namespace9.9 --align 2M" "--dry-run --align 2M namespace9.9"; do
	# shellcheck disable=SC2086
	run "$NSALIGN" repair $order
	[ "$rc" != 64 ] && ok "repair $order: the namespace is found wherever it stands (exit $rc)" ||
		not_ok "repair $order: usage error"; done
run "$NSALIGN" probe --dry-run 0x100000000 --snapshot "$kmem" 128M
[ "$rc" != 64 ] && ok "probe ADDRESS and SIZE around the options (exit $rc)" || not_ok "probe: usage error"

run "$NSALIGN" list -s "$boot1" -N
cp "$TMP/out" "$TMP/want"
run "$NSALIGN" list -N --debug -s "$boot1"
expect_rc 0 "--debug after the command name"
cmp -s "$TMP/out" "$TMP/want" && ok "--debug after the command: the same stdout" || not_ok "--debug changed stdout"
run "$NSALIGN" --debug list -N -s "$boot1"
cmp -s "$TMP/out" "$TMP/want" && ok "--debug before the command: the same stdout" || not_ok "--debug before"

# -s - reads the snapshot from standard input, wherever the option stands
"$NSALIGN" check -s "$boot1" >"$TMP/want" 2>/dev/null
for cmdline in "check -s -" "check --snapshot=-" "check - -s"; do
	# shellcheck disable=SC2086
	"$NSALIGN" $cmdline <"$boot1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	case $cmdline in
	"check - -s") expect_rc 64 "$cmdline: '-' is no option value there" ;;
	*) expect_rc 1 "$cmdline < FILE"
		cmp -s "$TMP/out" "$TMP/want" && ok "$cmdline: as -s FILE" || not_ok "$cmdline differs from -s FILE" ;;
	esac
done

# a repeated --shift adds up
run "$NSALIGN" simulate -s "$boot1" --json --shift 64M --shift=-64M,1G
expect_rc 1 "simulate with two --shift"
jq -e '.shifts == [67108864, -67108864, 1073741824]' "$TMP/out" >/dev/null &&
	ok "--shift 64M --shift -64M,1G simulates all three moves" || not_ok "repeated --shift: $(jq -c .shifts "$TMP/out")"

# one size rule: K/M/G/T binary, KiB/MiB too, MB refused
run "$NSALIGN" simulate -s "$boot1" --json --shift 64MiB,-1GiB,0x4000000
jq -e '.shifts == [67108864, -1073741824, 67108864]' "$TMP/out" >/dev/null &&
	ok "MiB, GiB and hex sizes" || not_ok "MiB sizes: $(jq -c .shifts "$TMP/out")"
for cmdline in "simulate -s $boot1 --shift 64MB" "list -s $boot1 -g 64MB" "check -s $boot1 -g 64mb" \
	"create-namespace --dry-run --snapshot $boot1 --size 1GB" "create-namespace --dry-run --snapshot $boot1 -a 2MB" \
	"repair namespace0.0 --align 2MB" "probe --dry-run --snapshot $kmem 0x100000000 128MB" \
	"online-memory --dry-run --snapshot $kmem --range 0x108000000+128MB"; do
	# shellcheck disable=SC2086
	run "$NSALIGN" $cmdline
	expect_rc 64 "${cmdline%% *}: a size in MB is refused"
	expect_err_line "write (0x108000000\+)?(64|1|2|128)M or (0x108000000\+)?(64|1|2|128)MiB|write 1G or 1GiB|write 64m or 64miB" "  one line saying to write M or MiB"
	expect_stdout_empty "  nothing on stdout"
done
run "$NSALIGN" list -s "$boot1" -P -g 128MiB
jq -e '.platform.platform_granularity == 134217728' "$TMP/out" >/dev/null && ok "-g 128MiB" || not_ok "-g 128MiB"

# -q: nothing on stdout, with --json too; the exit code tells
for fmt in "" --json "--format prometheus"; do
	# shellcheck disable=SC2086
	run "$NSALIGN" check -q $fmt -s "$boot1"
	expect_rc 1 "check -q $fmt: a warning"
	expect_stdout_empty "check -q $fmt prints nothing on stdout"
done
run "$NSALIGN" check -q --json -o "$TMP/check.json" -s "$boot1"
command jq -e . "$TMP/check.json" >/dev/null && ok "check -q -o FILE still writes the file" || not_ok "check -q -o FILE"
for fmt in "" --json; do
	# shellcheck disable=SC2086
	run "$NSALIGN" simulate -q $fmt -s "$boot1"
	expect_rc 1 "simulate -q $fmt: some move breaks a namespace"
	expect_stdout_empty "simulate -q $fmt prints nothing on stdout"
done

# a write error on stdout is reported and exits 74, in text mode too
if [ -w /dev/full ]; then
	for cmdline in "check -s $boot1" "check --json -s $boot1" "simulate -s $boot1" "list -s $boot1" "check --help"; do
		# shellcheck disable=SC2086
		"$NSALIGN" $cmdline >/dev/full 2>"$TMP/err"
		rc=$?
		expect_rc 74 "${cmdline% -s*} > /dev/full"
		expect_err_line "writing to standard output failed: No space left on device" "  said once, in one line"
	done
else
	skip "no /dev/full"
fi

# --help fits 80 columns and keeps every option
for c in $commands; do
	"$NSALIGN" "$c" --help >"$TMP/help"
	long=$(awk 'length($0) > 80' "$TMP/help" | head -3)
	[ -z "$long" ] && ok "$c --help fits 80 columns" || { not_ok "$c --help runs over 80 columns"; diag <<<"$long"; }
done
"$NSALIGN" --help >"$TMP/help"
[ -z "$(awk 'length($0) > 80' "$TMP/help")" ] && ok "nsalign --help fits 80 columns" || not_ok "nsalign --help over 80"
NSALIGND=${NSALIGND:-$(dirname "$NSALIGN")/nsalignd}
# measured with the default configuration directory of prefix /usr/local: a
# build under a longer prefix (make distcheck's) prints a longer one
"$NSALIGND" --help | sed 's|^\( *\)(default /.*/nsalign)$|\1(default /usr/local/etc/nsalign)|' >"$TMP/help"
[ -z "$(awk 'length($0) > 80' "$TMP/help")" ] && ok "nsalignd --help fits 80 columns" || not_ok "nsalignd --help over 80"

# every text output fits 80 columns, on every snapshot a kernel produced
for snap in "$FIXTURES"/*.json "$SNAPSHOTS"/*.json; do
	name=$(basename "$snap" .json)
	for cmdline in "check -v" simulate; do
		# shellcheck disable=SC2086
		"$NSALIGN" $cmdline -s "$snap" >"$TMP/text" 2>/dev/null
		long=$(awk 'length($0) > 80' "$TMP/text" | head -3)
		[ -z "$long" ] && ok "$name: $cmdline text fits 80 columns" ||
			{ not_ok "$name: $cmdline text runs over 80 columns"; diag <<<"$long"; }
	done
done

# wrapped text keeps a phrase scripts look for on one line (the lab greps it)
run "$NSALIGN" simulate -s "$FIXTURES/lab-shift-boot2.json"
[ "$(grep -c "(1 move); 'nsalign repair' would bring it back (align 2 MiB)" "$TMP/out")" = 1 ] &&
	ok "simulate: the repair note is never broken" || { not_ok "simulate: repair note broken"; diag <"$TMP/out"; }

# namespaces in address order (namespace0.1 lies above namespace0.0 there)
"$NSALIGN" check -s "$boot1" | sed -n '/^Namespaces:/,/^$/p' | grep -oE '0x[0-9a-f]+' >"$TMP/addrs"
sort -c <(while read -r a; do printf '%020d\n' "$((a))"; done <"$TMP/addrs") 2>/dev/null &&
	[ "$(wc -l <"$TMP/addrs")" = 2 ] && ok "check: namespaces in address order" || not_ok "check: order $(tr '\n' ' ' <"$TMP/addrs")"
"$NSALIGN" simulate -s "$boot1" | grep -E '^namespace' | grep -oE 'at 0x[0-9a-f]+' | cut -c4- >"$TMP/addrs"
sort -c <(while read -r a; do printf '%020d\n' "$((a))"; done <"$TMP/addrs") 2>/dev/null &&
	[ "$(wc -l <"$TMP/addrs")" = 2 ] && ok "simulate: namespaces in address order" || not_ok "simulate: order $(tr '\n' ' ' <"$TMP/addrs")"
"$NSALIGN" simulate --json -s "$boot1" | command jq -r '.namespaces[].dev' | tr '\n' ' ' >"$TMP/devs"
[ "$(cat "$TMP/devs")" = "namespace0.1 namespace0.0 " ] && ok "simulate --json keeps the collected order" ||
	not_ok "simulate --json order changed: $(cat "$TMP/devs")"

done_testing
