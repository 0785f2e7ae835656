# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign reconfigure --mode system-ram on a kernel that onlines hot-added
# memory itself (Debian's 6.12: auto_online_blocks=online, into Normal),
# booted with memory_hotplug.memmap_on_memory=1: two 1 GiB devdax devices
# (NVDIMM at 0x104000000, -a 2M), one with its memmap in RAM
# (--memmap-on-memory=no), one with it in the device (=yes).  Movable (the
# default) is refused with nothing changed: the kernel would put them in
# Normal.  With --no-movable the plan says the kernel onlines into Normal,
# the zone asked; the kernel's System RAM equals the plan to the byte
# (MemTotal growth vs system_ram, the "System RAM (kmem)" ranges vs
# usable), every planned block ends online in Normal.  Boot 2, without memory_hotplug.memmap_on_memory=1:
# --memmap-on-memory=yes is refused (73) and nothing changes.
# devdax to System RAM, auto-onlined, memmap in RAM and in the device
REQUIRES="zone-device auto-online memmap-on-memory"
BOOTS=2
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm 0x104000000; }
append_args() {
	if [ "$1" = 1 ]; then echo "nsa_expect_nd memory_hotplug.memmap_on_memory=1"; else echo "nsa_expect_nd"; fi
}

# one_dev DIR TAG: the plan against what the kernel did, for one device
one_dev() {
	local d=$1 t=$2 pred_ram pred_usable got_ram got_usable first n
	pred_ram=$(jq .plan.system_ram "$d/$t.plan.json")
	pred_usable=$(jq .plan.usable "$d/$t.plan.json")
	got_ram=$(($(cat "$d/$t.memtotal.after") - $(cat "$d/$t.memtotal.before")))
	got_usable=$(($(kmem_bytes "$d/iomem.$t.after") - $(kmem_bytes "$d/iomem.$t.before")))
	check "$t: Movable refused (73): the kernel would online into Normal" test "$(cat "$d/$t.movable.rc")" = 73
	check "$t: the refusal is one line naming the kernel's zone" \
		sh -c "[ \$(grep -c 'auto_online_blocks=online) into Normal, not Movable, .*nothing was changed\$' '$d/$t.movable.err') = 1 ]"
	check "$t: refused: nothing changed (memmap_on_memory 0, no System RAM (kmem) added)" \
		sh -c "grep -qx 0 '$d/$t.movable.attr' && [ $(kmem_bytes "$d/iomem.$t.movable") = $(kmem_bytes "$d/iomem.$t.before") ]"
	echo "# $t: nsalign predicted system_ram $pred_ram (memmap $(jq -c '[.plan.memmap_on_memory, .plan.memmap_bytes, .plan.memmap_ram_bytes]' "$d/$t.plan.json")), usable $pred_usable; kernel: MemTotal +$got_ram, System RAM (kmem) +$got_usable"
	check "$t: dry run exit 0" test "$(cat "$d/$t.plan.rc")" = 0
	check "$t: the plan says the kernel onlines into Normal, the zone asked" \
		jqf '.plan.kernel_onlines and .plan.kernel_zone == "Normal" and .plan.zone == "Normal"' "$d/$t.plan.json"
	check "$t: the plan's text says the kernel onlines them itself" grep -q "the kernel onlines the blocks itself (auto_online_blocks), into Normal: the zone asked" "$d/$t.plan.err"
	check "$t: reconfigure exit 0" test "$(cat "$d/$t.rc")" = 0
	check "$t: MemTotal grew by the plan's system_ram, to the byte" test -n "$pred_ram" -a "$pred_ram" = "$got_ram"
	check "$t: System RAM (kmem) grew by the plan's usable, to the byte" test -n "$pred_usable" -a "$pred_usable" = "$got_usable"
	check "$t: every block onlined by the kernel, none written or moved" jqf '.result.blocks_already == .plan.blocks and .result.blocks_moved == 0 and .result.blocks_changed == 0 and .result.zone == "Normal"' "$d/$t.json"
	first=$(jq .plan.first_block "$d/$t.plan.json") n=$(jq .plan.blocks "$d/$t.plan.json")
	check "$t: the planned blocks are online in Normal" \
		sh -c "for i in \$(seq $first $((first + n - 1))); do grep -q \"^\$i online Normal\$\" '$d/$t.blocks' || exit 1; done"
}

assert_boot() {
	local d=$2
	check "the kernel onlines new memory itself (auto_online_blocks=online)" grep -qx online "$d/auto_online_blocks"
	if [ "$1" = 1 ]; then
		check "booted with memory_hotplug.memmap_on_memory=1" grep -qx Y "$d/memmap_param"
		one_dev "$d" ram
		check "ram: daxX.Y/memmap_on_memory reads 0" grep -qx 0 "$d/ram.attr"
		check "ram: the plan keeps the memmap in RAM: 2 MiB per block" \
			jqf '(.plan.memmap_on_memory | not) and .plan.memmap_bytes == 0 and .plan.memmap_ram_bytes == .plan.blocks * 2097152 and .plan.system_ram == .plan.usable' "$d/ram.plan.json"
		one_dev "$d" dev
		check "dev: daxX.Y/memmap_on_memory reads 1" grep -qx 1 "$d/dev.attr"
		check "dev: the plan puts the memmap in the device: 2 MiB per block less" \
			jqf '.plan.memmap_on_memory and .plan.memmap_bytes == .plan.blocks * 2097152 and .plan.system_ram == .plan.usable - .plan.memmap_bytes' "$d/dev.plan.json"
		check "check's kmem facts agree with the plan (memmap in the device)" \
			jqf "[.namespaces[] | select(.kmem.memmap == \"device\") | .kmem.system_ram == $(jq .plan.system_ram "$d/dev.plan.json")] | length == 1 and all" "$d/check.end.json"
	else
		check "without memory_hotplug.memmap_on_memory=1: --memmap-on-memory=yes refused (73)" test "$(cat "$d/refused.rc")" = 73
		check "refused, after the plan, in one line naming the boot parameter" \
			sh -c "[ \$(grep -c 'refused memmap_on_memory=1' '$d/refused.err') = 1 ] && grep -q 'memory_hotplug.memmap_on_memory=1); nothing was changed' '$d/refused.err'"
		check "refused: memmap_on_memory still 0, no System RAM (kmem)" \
			sh -c "grep -qx 0 '$d/refused.attr.after' && ! grep -q 'System RAM (kmem)' '$d/refused.iomem'"
		check "refused: daxctl still sees devdax" jqf '.. | objects | select(.chardev? != null) | .mode == "devdax"' "$d/refused.daxctl.json"
	fi
}
