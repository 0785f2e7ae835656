# SPDX-License-Identifier: GPL-2.0-or-later
# create-namespace -e on the real kernel: an fsdax namespace with 1 MiB of
# random data at 4 MiB.  Without -f: refused, nothing changed.  With -f and
# a failure injected at the last step: the old namespace comes back (same
# label uuid, fsdax again) and the data reads back identical.  With -f: it
# becomes devdax, and the old first 8 KiB (its fsdax info block) are kept.
# fsdax reconfigured to devdax
REQUIRES="zone-device"
BOOTS=1
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm; }
append_args() { echo "nsa_expect_nd"; }
ns_state() { jq -S '[.. | objects | select((.dev? // "" | startswith("namespace")) and (.size? // 0) > 0) | {raw_uuid, uuid, mode, size, align}]' "$1"; }

assert_boot() {
	local d=$2 u
	u=$(jq -r '[.. | objects | select(.raw_uuid?) | .raw_uuid][0]' "$d/ndctl.0.json")
	check "ndctl list -v shows the label uuid" test -n "$u" -a "$u" != null
	check "without -f: exit 73" test "$(cat "$d/noforce.rc")" = 73
	check "without -f: says it holds data and what -f would do" grep -q "holds data: reconfiguring it to devdax destroys it" "$d/noforce.err"
	check "without -f: nothing changed" cmp -s <(ns_state "$d/ndctl.0.json") <(ns_state "$d/ndctl.1.json")
	check "failure injected after the old one was released: exit 73, restored" \
		test "$(cat "$d/inject.rc")" = 73 -a -n "$(grep 'is back as it was' "$d/inject.err")"
	check "restored: the same namespace (label uuid, info-block uuid, fsdax, align)" \
		cmp -s <(ns_state "$d/ndctl.0.json") <(ns_state "$d/ndctl.2.json")
	check "restored: the data reads back identical" cmp -s "$d/marker" "$d/marker.after"
	check "with -f: exit 0" test "$(cat "$d/reconfig.rc")" = 0
	check "with -f: now devdax with the robust 2 MiB align" \
		jqf '.namespace.mode == "devdax" and .namespace.align == 2097152' "$d/reconfig.json"
	check "with -f: the old first 8 KiB were kept (8192 bytes, the fsdax info block at 4 KiB)" \
		sh -c "f=\$(ls '$d'/backup2/*.infoblock) && [ \$(stat -c %s \"\$f\") = 8192 ] && dd if=\"\$f\" bs=1 skip=4096 count=15 2>/dev/null | grep -q NVDIMM_PFN_INFO"
	check "the backup is named after the namespace and its uuid" sh -c "ls '$d'/backup2/ | grep -q -- '-$u-'"
	check_schema "with -f: its JSON follows doc/nsalign-create-namespace.schema.json" create-namespace "$d/reconfig.json"
	check_schema "without -f and the injected failure (--json): the error document, as doc/nsalign-error.schema.json" \
		error "$d/noforce.out" "$d/inject.out"
	check "... its code is the exit status (73)" jqf '.error.code == 73' "$d/noforce.out" "$d/inject.out"
}
