# SPDX-License-Identifier: GPL-2.0-or-later
# Info blocks of live namespaces (issue 20): what 'nsalign check' sees of a
# namespace the kernel runs, whose block it cannot read.  One NVDIMM at
# 4 GiB + 1 MiB (backend align=1M), a raw namespace of 256 MiB there, off
# the 2 MiB a current kernel needs to create fsdax.  The guest writes on it
# the fsdax (map=mem, -a 2M, version 1.2) info block a kernel before 5.3
# wrote: the start padded to the next 128 MiB section (127 MiB), the end
# truncated to a section (1 MiB), dataoff 2 MiB.  The kernel accepts it and
# runs the namespace fsdax; check derives the padding from sysfs alone
# (NSA-NS-START-PAD, start_pad_source sysfs) and it equals the block's,
# and start_pad + dataoff is the pfn device's resource less the
# namespace's.  Then one byte of the block's first half is changed (a torn
# or damaged block: its checksum no longer matches): the kernel runs the
# namespace raw and check says NSA-NS-INFOBLOCK-DAMAGED naming its disk
# (exit 2); 'nsalign repair --restore' with the good block brings it back.
# x86_64: 128 MiB sections and the 2 MiB compat align are the arithmetic
REQUIRES="zone-device x86_64"
BOOTS=1
setup() { truncate -s 1G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm 0x100100000 1G 1M; }
append_args() { echo nsa_expect_nd; }

v() { cat "$d/$1" 2>/dev/null; } # v NAME: a value the guest wrote
rc() { grep -qx "$2" "$d/$1.rc"; }
# fnd FILE CODE: that finding of the namespace, by label uuid
fnd() { echo "[.findings[] | select(.code == \"$2\" and .raw_uuid == \"$(v uuid)\")]"; }

assert_boot() {
	local d=$2 pad trunc dataoff res
	pad=$(v pad) trunc=$(v trunc) dataoff=$(v dataoff) res=$(v resource)
	echo "# namespace at $res: start_pad $pad, end_trunc $trunc, dataoff $dataoff (the block written)"
	check "a raw namespace of 256 MiB at 4 GiB + 1 MiB, padded 127 MiB to its section" eval '
		[ "$((res))" = $((0x100100000)) ] && [ "$pad" = $((127 << 20)) ] && [ "$trunc" = $((1 << 20)) ]'
	check "nsalign parses the block written (repair --restore --dry-run: exit 0)" rc parse 0
	check "the kernel runs it fsdax (map=mem) with that block: the pfn resource is the start + start_pad + dataoff" eval '
		jqf "[.. | objects | select(.dev? == \"$(v ns)\" and .mode? == \"fsdax\" and .map? == \"mem\")] | length == 1" "$d/ndctl.pad.json" &&
		[ "$(($(v pfn.resource)))" = "$((res + pad + dataoff))" ]'
	check "check: NSA-NS-START-PAD from sysfs, start_pad and end_trunc those of the block" \
		jqf "$(fnd x NSA-NS-START-PAD) | length == 1 and .[0].start_pad == $pad and .[0].end_trunc == $trunc and .[0].start_pad_source == \"sysfs\"" "$d/check.pad.json"
	echo "# $(jq -c "$(fnd x NSA-NS-START-PAD)[0] | {code, dev, start_pad, end_trunc, start_pad_source}" "$d/check.pad.json")"
	check "the torn block: the kernel runs the namespace raw, enabled" \
		jqf "[.. | objects | select(.dev? == \"$(v ns)\" and .mode? == \"raw\" and .state? != \"disabled\")] | length == 1" "$d/ndctl.torn.json"
	check "check: NSA-NS-INFOBLOCK-DAMAGED for it (error, exit 2), the checksum named, its disk named" eval '
		jqf "$(fnd x NSA-NS-INFOBLOCK-DAMAGED) | length == 1 and (.[0].damage | test(\"checksum\")) and .[0].blockdev == \"$(v blockdev)\"" "$d/check.torn.json" &&
		rc check.torn 2 && grep -q "/dev/$(v blockdev) is not its data" "$d/check.torn.txt"'
	echo "# $(jq -c "$(fnd x NSA-NS-INFOBLOCK-DAMAGED)[0] | {code, dev, damage, blockdev}" "$d/check.torn.json")"
	check "the torn block is not read as padding: no NSA-NS-START-PAD then" \
		jqf "$(fnd x NSA-NS-START-PAD) | length == 0" "$d/check.torn.json"
	check "nsalign rescue refuses it for the same reason (its info block does not validate)" eval '
		! rc rescue 0 && grep -q "its info block does not validate" "$d/rescue.err"'
	check "repair --restore with the good block: exit 0, fsdax again, no damage, the padding again" eval '
		rc restore 0 &&
		jqf "[.. | objects | select(.dev? == \"$(v ns)\" and .mode? == \"fsdax\")] | length == 1" "$d/ndctl.end.json" &&
		jqf "($(fnd x NSA-NS-INFOBLOCK-DAMAGED) | length == 0) and ($(fnd x NSA-NS-START-PAD) | length == 1)" "$d/check.end.json"'
}
