# SPDX-License-Identifier: GPL-2.0-or-later
# A devdax namespace at a block-misaligned SPA (NVDIMM at 0x104000000,
# devdax -s 1G -a 2M).  nsalign predicts how much of it memory hotplug can
# online; the guest then runs daxctl reconfigure-device -m system-ram and
# the "System RAM (kmem)" the kernel creates must equal the prediction to
# the byte.
# devdax to System RAM
REQUIRES="zone-device"
BOOTS=1
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm 0x104000000; }
append_args() { echo "nsa_expect_nd"; }


assert_boot() {
	local d=$2 predicted lost size kernel
	predicted=$(jq -r '[.namespaces[] | select(.mode == "devdax") | .kmem.usable] | first' "$d/check.before.json")
	lost=$(jq -r '[.namespaces[] | select(.mode == "devdax") | .kmem.lost] | first' "$d/check.before.json")
	size=$(jq -r '[.namespaces[] | select(.mode == "devdax") | .daxdev.size] | first' "$d/check.before.json")
	kernel=$(kmem_bytes "$d/iomem.end")
	echo "# nsalign predicted usable $predicted, lost $lost of $size; kernel onlined $kernel"
	check "daxctl reconfigure-device -m system-ram succeeded" grep -qx 0 "$d/reconfigure.rc"
	check "kernel created System RAM (kmem)" test "$kernel" -gt 0
	check "nsalign's kmem prediction equals the kernel's System RAM (kmem), to the byte" \
		test "$predicted" = "$kernel"
	check "usable + lost = the dax device's size" test $((predicted + lost)) = "$size"
	check "nsalign: after reconfiguring, NSA-KMEM-LOSS is a warning with the same numbers" \
		jqf "[.findings[] | select(.code == \"NSA-KMEM-LOSS\" and .severity == \"warning\" and .usable == $kernel)] | length == 1" "$d/check.end.json"
}
