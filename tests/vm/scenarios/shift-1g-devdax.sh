# SPDX-License-Identifier: GPL-2.0-or-later
# The platform moves the PMEM by 64 MiB between two boots.  Boot 1 (NVDIMM
# at 0x100000000): fsdax -s 1G -a 2M and devdax -s 2G -a 1G; nsalign must
# call the devdax one fragile and predict the kernel's refusal.  Boot 2
# (addr=0x104000000): the kernel refuses the devdax namespace with exactly
# the predicted message; nsalign reports it refused, the fsdax one fine.
# devdax at 1 GiB
REQUIRES="zone-device align-1g"
BOOTS=2
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "$([ "$1" = 2 ] && echo 0x104000000)"; }
append_args() { echo "nsa_expect_nd"; }

assert_boot() {
	local n=$1 d=$2 ns='.namespaces[]'
	if [ "$n" = 1 ]; then
		check "ndctl created the fsdax and the devdax namespace" \
			jqf '[.. | objects | select((.dev? // "" | startswith("namespace")) and (.mode? == "fsdax" or .mode? == "devdax"))] | length == 2' "$d/ndctl.end.json"
		check "nsalign: the devdax namespace (1 GiB align) is fragile" \
			jqf "[.findings[] | select(.code == \"NSA-NS-FRAGILE\")] | length == 1" "$d/check.end.json"
		check "nsalign: fragile finding names the devdax namespace" \
			jqf "(.findings[] | select(.code == \"NSA-NS-FRAGILE\") | .dev) as \$d | [$ns | select(.dev == \$d and .mode == \"devdax\")] | length == 1" "$d/check.end.json"
		check "nsalign: the devdax data start needs 1 GiB, a 64 MiB move breaks it" \
			jqf ".findings[] | select(.code == \"NSA-NS-FRAGILE\") | .required_align == 1073741824 and .break_shift == 67108864" "$d/check.end.json"
		check "nsalign: the 2 MiB fsdax namespace survives 64 MiB moves" \
			jqf "[$ns | select(.mode == \"fsdax\" and .survives_granularity and .available)] | length == 1" "$d/check.end.json"
		check "nsalign check exits 1 (warnings)" grep -qx 1 "$d/check.end.rc"
		check "unprivileged nsalign check refuses with exit 77" grep -qx 77 "$d/check.nobody.rc"
		check "... in one line that says to run as root" \
			test "$(wc -l <"$d/check.nobody.err")" = 1 -a -n "$(grep 'run as root' "$d/check.nobody.err")"
		check "unprivileged nsalign snapshot: addresses marked hidden, with a note" \
			jqf '.platform.iomem_visible == false and ([.notes[] | select(contains("CAP_SYS_ADMIN"))] | length == 1)' "$d/snapshot.nobody.json"
		check "nsalign check on that snapshot: NSA-ADDRESSES-HIDDEN, nothing analysed on zeros" \
			jqf '[.findings[].code] == ["NSA-ADDRESSES-HIDDEN"]' <("$NSALIGN_BIN" check --json --snapshot "$d/snapshot.nobody.json")
		jq -r "$ns | select(.mode == \"devdax\") | .raw_uuid" "$d/check.end.json" >"$RUN/devdax.uuid"
		jq -r "$ns | select(.mode == \"fsdax\") | .raw_uuid" "$d/check.end.json" >"$RUN/fsdax.uuid"
		jq -r '.findings[] | select(.code == "NSA-NS-FRAGILE") | .kernel_message_after_move' "$d/check.end.json" >"$RUN/predicted"
		echo "# predicted after a 64 MiB move: $(cat "$RUN/predicted")"
	else
		local u f pred
		u=$(cat "$RUN/devdax.uuid") f=$(cat "$RUN/fsdax.uuid") pred=$(cat "$RUN/predicted")
		check "kernel: 'bad offset: 0x40000000 dax disabled align: 0x40000000'" \
			dmesg_has "$d" "bad offset: 0x40000000 dax disabled align: 0x40000000"
		check "kernel: nd_pmem probe failed with error -95" dmesg_has "$d" "failed with error -95"
		check "kernel printed exactly what nsalign predicted on boot 1" \
			test -n "$pred" -a "$pred" != null -a -n "$(grep -F -- "$pred" "$d/dmesg")"
		check "ndctl: the devdax namespace is now raw and disabled" \
			jqf "[.. | objects | select(.uuid? == \"$u\" and .mode? == \"raw\" and .state? == \"disabled\")] | length == 1" "$d/ndctl.start.json"
		check "nsalign: NSA-NS-REFUSED for the devdax namespace (same uuid)" \
			jqf "[.findings[] | select(.code == \"NSA-NS-REFUSED\" and .raw_uuid == \"$u\")] | length == 1" "$d/check.start.json"
		check "nsalign: the finding quotes the kernel's refusal" \
			jqf ".findings[] | select(.code == \"NSA-NS-REFUSED\") | .kernel_message | contains(\"bad offset: 0x40000000 dax disabled align: 0x40000000\")" "$d/check.start.json"
		check "nsalign: the refused namespace is not available" \
			jqf "[$ns | select(.raw_uuid == \"$u\" and .available == false)] | length == 1" "$d/check.start.json"
		check "nsalign: the fsdax namespace moved and is still available" \
			jqf "[$ns | select(.raw_uuid == \"$f\" and .available and .resource == 4362076160)] | length == 1" "$d/check.start.json"
		check "nsalign check exits 2 (error)" grep -qx 2 "$d/check.start.rc"
	fi
}
