# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign online-memory / offline-memory on the real kernel.  6 GiB of RAM
# with memmap=192M!4160M: legacy PMEM at 0x104000000 shares memory32 with
# System RAM.  The host hot-adds a 512 MiB pc-dimm (4 offline blocks).
# online-memory --zone movable onlines exactly those 4 into Movable, a
# second run changes nothing, offline-memory takes them back; the shared
# block, a partial range, a missing block and a non-root caller are refused
# before anything changes.
# a memmap= range and a hot-added pc-dimm
REQUIRES="memmap acpi-hotplug"
BOOTS=1
qemu_args() { echo "-m 6G,slots=4,maxmem=16G"; }
append_args() { echo "memmap=192M!4160M"; }
monitor_script() {
	sleep 12
	echo "object_add memory-backend-ram,id=m1,size=512M"
	echo "device_add pc-dimm,id=d1,memdev=m1"
	exec sleep 300
}

# the blocks whose state line differs between two state files
changed_blocks() { diff <(cut -d' ' -f1,2 "$1") <(cut -d' ' -f1,2 "$2") | sed -n 's/^> \([0-9]*\) .*/\1/p' | tr '\n' ' '; }

assert_boot() {
	local d=$2 first last
	read -r first last <"$d/dimm.blocks"
	echo "# the pc-dimm: memory$first-memory$last"
	check "the hot-added DIMM's 4 blocks came up offline" \
		test "$(grep -cE "^($first|$((first + 1))|$((first + 2))|$last) offline" "$d/states.0")" = 4
	check "non-root: exit 77" test "$(cat "$d/nobody.rc")" = 77
	check "memory32 (System RAM + legacy PMEM): exit 73, names both" \
		test "$(cat "$d/shared.rc")" = 73 -a -n "$(grep 'shared by System RAM and Persistent Memory (legacy)' "$d/shared.err")"
	check "a range that is not whole blocks: exit 64" test "$(cat "$d/partial.rc")" = 64
	check "a block that does not exist: exit 66" test "$(cat "$d/missing.rc")" = 66
	check "the refusals changed nothing" test -z "$(changed_blocks "$d/states.0" "$d/states.1")"
	check "online-memory --zone movable: exit 0, 4 changed" \
		jqf '.changed == 4 and .unchanged == 0 and .blocks == 4' "$d/online.json"
	check "exactly the DIMM's 4 blocks changed" \
		test "$(changed_blocks "$d/states.1" "$d/states.2")" = "$first $((first + 1)) $((first + 2)) $last "
	check "they are online in Movable" \
		test "$(grep -cE "^($first|$((first + 1))|$((first + 2))|$last) online Movable" "$d/states.2")" = 4
	check "a second run changes nothing" jqf '.changed == 0 and .unchanged == 4' "$d/again.json"
	check "probe over boot RAM: exit 73, names it" \
		test "$(cat "$d/probe-ram.rc")" = 73 -a -n "$(grep 'overlaps System RAM' "$d/probe-ram.err")"
	check "probe of a free range on a kernel without the interface: exit 69, says so" \
		test "$(cat "$d/probe-free.rc")" = 69 -a -n "$(grep 'no memory probe interface' "$d/probe-free.err")"
	check "... and the kernel indeed has no /sys/devices/system/memory/probe" grep -q "No such file" "$d/probe.ls"
	check "offline-memory: exit 0, the 4 blocks offline again" \
		test "$(cat "$d/offline.rc")" = 0 -a "$(grep -cE "^($first|$((first + 1))|$((first + 2))|$last) offline" "$d/states.3")" = 4
}
