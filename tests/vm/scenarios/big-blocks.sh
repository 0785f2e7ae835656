# SPDX-License-Identifier: GPL-2.0-or-later
# 2 GiB memory blocks: 65 GiB of sparse RAM (3 GiB below 4 GiB, boot RAM
# ends at 66 GiB; TCG touches only what the guest touches) makes x86_64's
# probe_memory_block_size() pick 2 GiB blocks (16 sections each).  An 8 GiB
# NVDIMM where QEMU puts it (66 GiB): two 1 GiB devdax namespaces share one
# block (a 1 GiB one alone holds no whole block: refused), and a 4 GiB one
# reaches one whole block.  nsalign reads the block size from sysfs: list -B
# shows the block shared by RAM and the PCI hole, kmem's yield is predicted
# to the byte, and online/offline-memory work on the 2 GiB block.  The RAM
# backend has reserve=off (MAP_NORESERVE): 65 GiB is more than the host's
# RAM, and the host commits only what the guest touches.
REQUIRES="default-target zone-device"
BOOTS=1
BOOT_TIMEOUT=420
setup() { truncate -s 8G "$RUN/nv0.img"; }
qemu_args() {
	echo "-m 65G,slots=4,maxmem=96G -object memory-backend-ram,id=ram0,size=65G,reserve=off -machine memory-backend=ram0 -object memory-backend-file,id=mem1,share=on,mem-path=$RUN/nv0.img,size=8G,align=2M -device nvdimm,id=nv1,memdev=mem1,label-size=128K"
}
append_args() { echo "nsa_expect_nd"; }

assert_boot() {
	local d=$2 bs predicted kernel
	bs=$(cat "$d/block_size_bytes")
	echo "# block_size_bytes: $bs; dmesg: $(grep -o 'Memory block size: .*' "$d/dmesg")"
	check "the kernel picked 2 GiB memory blocks" test "$((16#$bs))" = $((2 << 30))
	check "nsalign snapshot: block_size 2 GiB" jqf '.platform.block_size == 2147483648' "$d/snapshot.before.json"
	check "list -B: memory1 (2-4 GiB: RAM to 3 GiB, then the PCI hole) is shared, System RAM first" \
		jqf '[.memory_blocks[] | select(.first == 1) | .owners[0]] == ["System RAM"]' "$d/list-B.json"
	check "reconfigure --dry-run of a 1 GiB devdax: no whole 2 GiB block, refused (73)" \
		sh -c "[ \$(cat '$d/small.rc') = 73 ] && grep -q 'holds no whole memory block' '$d/small.err'"
	check "check: both 1 GiB devdax devices are NSA-KMEM-TOO-SMALL, with block_size 2 GiB" \
		jqf '[.findings[] | select(.code == "NSA-KMEM-TOO-SMALL" and .block_size == 2147483648) | .dev] | sort == ["dax0.0","dax0.1"]' "$d/check.end.json"
	predicted=$(jq -r '.plan.usable' "$d/big.plan.json")
	kernel=$(kmem_bytes "$d/iomem.end")
	echo "# 4 GiB devdax: nsalign predicted usable $predicted; the kernel's System RAM (kmem) $kernel"
	check "reconfigure dax0.2 --mode system-ram: exit 0" test "$(cat "$d/big.rc")" = 0
	check "... one 2 GiB block, as predicted, to the byte" test "$predicted" = "$kernel" -a "$kernel" = $((2 << 30))
	check "offline-memory dax0.2: exit 0, 1 block changed" jqf '.changed == 1' "$d/offline.json"
	check "online-memory dax0.2: exit 0, 1 block changed" jqf '.changed == 1' "$d/online.json"
}
