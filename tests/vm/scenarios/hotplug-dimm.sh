# SPDX-License-Identifier: GPL-2.0-or-later
# Memory hotplug: while the guest waits (bounded), the host adds a 512 MiB
# pc-dimm through the QEMU monitor (object_add memory-backend-ram +
# device_add pc-dimm, the same hotplug path as QMP's object-add and
# device_add).  The kernel adds 4 memory blocks, offline where
# auto_online_blocks is "offline" (6.1), online where the kernel onlines
# hot-added memory itself (Debian's amd64 6.12); nsalign must list them with
# their state.
# a pc-dimm hot-added through QEMU's monitor
REQUIRES="acpi-hotplug"
BOOTS=1
qemu_args() { echo "-m 1G,slots=4,maxmem=8G"; }
monitor_script() {
	# once the guest says on its console that it waits (at most 200 s: a
	# fixed sleep raced slow boots on a loaded host)
	local i=0
	while [ $i -lt 400 ] && ! grep -q NSA-HOTPLUG-WAITING "$RUN/boot$1/console.log" 2>/dev/null; do
		sleep 0.5
		i=$((i + 1))
	done
	echo "object_add memory-backend-ram,id=m1,size=512M"
	echo "device_add pc-dimm,id=d1,memdev=m1"
	exec sleep 300
}

assert_boot() {
	local d=$2 before after first policy want
	before=$(jq '[.memory.blocks[].count] | add' "$d/snapshot.start.json")
	after=$(jq '[.memory.blocks[].count] | add' "$d/snapshot.end.json")
	# the kernel's policy for hot-added memory: offline (6.1), online (Debian's amd64 6.12)
	policy=$(jq -r '.platform.auto_online_blocks' "$d/snapshot.start.json")
	if [ "$policy" = offline ]; then want=offline; else want=online; fi
	echo "# memory blocks: $before at boot, $after after the hot-add; auto_online_blocks: $policy"
	check "kernel: the hot-added DIMM became 4 new memory blocks" test "$after" = $((before + 4))
	check "kernel: the new blocks came up $want (auto_online_blocks: $policy)" test "$(sort -u "$d/new-blocks.state")" = $want
	first=$(cat "$d/new-blocks.first")
	check "nsalign: the snapshot lists the new blocks, $want" \
		jqf "[.memory.blocks[] | select(.first <= $first and .first + .count > $first and .state == \"$want\")] | length == 1" "$d/snapshot.end.json"
	check "nsalign list -B: a run of 4 $want blocks at the DIMM's address, owned by System RAM" \
		jqf "[.memory_blocks[] | select(.state == \"$want\" and .first == $first and .count == 4 and .owner == \"System RAM\")] | length == 1" "$d/list.end.json"
	check "nsalign check: no PMEM here, exit 0" grep -qx 0 "$d/check.end.rc"
}
