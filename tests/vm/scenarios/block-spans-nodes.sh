# SPDX-License-Identifier: GPL-2.0-or-later
# A memory block across two NUMA nodes: 2 GiB of RAM in two nodes of
# 1088 MiB and 960 MiB, so memory8 (1024-1152 MiB) is in both.  The kernel
# links it under node0 and node1, gives it no zone (valid_zones: none) and
# cannot offline it; nsalign offline-memory refuses it first (73) and says
# why, and the kernel refuses it too (EINVAL).
REQUIRES="default-target"
BOOTS=1
qemu_args() {
	echo "-m 2G -object memory-backend-ram,id=m0,size=1088M -object memory-backend-ram,id=m1,size=960M -numa node,nodeid=0,memdev=m0 -numa node,nodeid=1,memdev=m1"
}

assert_boot() {
	local d=$2
	echo "# memory8: $(grep '^8 ' "$d/blocks")"
	check "memory8 is online, under node0 and node1, valid_zones none" \
		grep -qx '8 online none node0 node1 ' "$d/blocks"
	check "list -B: memory8's zones none" jqf '[.memory_blocks[] | select(.first == 8) | .zones] == ["none"]' "$d/list-B.json"
	check "offline-memory --blocks 8: exit 73, says it spans two zones or nodes and cannot be offlined" \
		sh -c "[ \$(cat '$d/spans.rc') = 73 ] && grep -q 'spans two zones or two NUMA nodes.*the kernel cannot offline it' '$d/spans.err'"
	check "... and the kernel refuses it indeed (the write fails, memory8 stays online)" \
		sh -c "[ \$(cat '$d/kernel.rc') != 0 ] && grep -qx online '$d/state8'"
	echo "# the kernel: $(cat "$d/kernel.err")"
}
