# SPDX-License-Identifier: GPL-2.0-or-later
# Two 1 GiB NVDIMMs without addr=: QEMU packs the second right after the
# first one's label-trimmed end, inside the same 128 MiB section (a
# PMEM/PMEM collision, pmem/ndctl#76).  ndctl refuses fsdax there ("misaligned
# to 16M"); nsalign must report both namespaces sharing the section and the
# misaligned region.
# ndctl's fsdax refusal in a shared section
REQUIRES="zone-device"
BOOTS=1
setup() { truncate -s 1G "$RUN/nv0.img" "$RUN/nv1.img"; }
qemu_args() {
	echo "-m 2G,slots=4,maxmem=32G" \
		"-object memory-backend-file,id=mem0,share=on,mem-path=$RUN/nv0.img,size=1G,align=2M" \
		"-device nvdimm,id=nv0,memdev=mem0,label-size=128K" \
		"-object memory-backend-file,id=mem1,share=on,mem-path=$RUN/nv1.img,size=1G,align=2M" \
		"-device nvdimm,id=nv1,memdev=mem1,label-size=128K"
}
append_args() { echo "nsa_expect_nd"; }

pmem_ranges() { grep ' : Persistent Memory$' "$1" | sed 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) .*/\1 \2/'; }

assert_boot() {
	local d=$2 s0 e0 s1 e1 other
	read -r s0 e0 s1 e1 <<<"$(pmem_ranges "$d/iomem.start" | tr '\n' ' ')"
	echo "# PMEM ranges: $s0-$e0 and $s1-$e1"
	check "kernel: two PMEM ranges in one 128 MiB section" \
		test -n "$s1" -a $((16#$e0 / (128 << 20))) = $((16#${s1:-0} / (128 << 20)))
	check "ndctl refuses fsdax on the packed one: 'misaligned to 16M'" grep -q "misaligned to 16M" "$d/guest.log"
	check "nsalign: both namespaces share a section with the other PMEM range" \
		jqf '[.findings[] | select(.code == "NSA-NS-SHARES-SECTION-PMEM")] | length == 2' "$d/check.end.json"
	other=$((16#$s1))
	check "nsalign: the region at 0x$s1 is not 16 MiB aligned" \
		jqf "[.findings[] | select(.code == \"NSA-REGION-MISALIGNED\" and .spa_start == $other)] | length == 1" "$d/check.end.json"
	check "nsalign: both namespaces are available, whatever their mode" \
		jqf '[.namespaces[] | select(.available)] | length == 2' "$d/check.end.json"
	# the plan said beforehand whether region0 would take fsdax (region1 is
	# refused by ndctl's own 16 MiB rule, which the finding above names)
	if jqf '[.regions[] | select(.dev == "region0") | .namespaces[]? | select(.mode == "fsdax")] | length == 1' "$d/ndctl.end.json"; then
		check "nsalign's plan for fsdax in region0: taken, as the kernel did" grep -qx 0 "$d/plan-region0.rc"
	else
		check "nsalign's plan for fsdax in region0: refused, as the kernel did" grep -qx 73 "$d/plan-region0.rc"
	fi
	if grep -q "probe with driver nd_pmem failed with error -12" "$d/dmesg"; then
		echo "# the kernel: $(grep -m1 'failed with error -12' "$d/dmesg")"
		echo "# nsalign's plan: $(cat "$d/plan-region0.err")"
		check "arm64: the plan named the kernel's -ENOMEM (struct pages of the partial section)" \
			grep -q "fail it with -ENOMEM" "$d/plan-region0.err"
		check "arm64: check explains the kernel's -12 afterwards (NSA-KERNEL-MEMMAP-NO-ROOM)" \
			jqf '[.findings[] | select(.code == "NSA-KERNEL-MEMMAP-NO-ROOM")] | length == 1' "$d/check.end.json"
	fi
}
