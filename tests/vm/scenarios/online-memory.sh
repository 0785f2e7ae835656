# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign online-memory / offline-memory on the real kernel.  6 GiB of RAM
# with memmap=192M!4160M: legacy PMEM at 0x104000000 shares memory32 with
# System RAM.  The host hot-adds a 512 MiB pc-dimm (4 offline blocks).
# online-memory --zone movable onlines exactly those 4 into Movable, a
# second run changes nothing, offline-memory takes them back; the shared
# block, a partial range, a missing block and a non-root caller are refused
# before anything changes.  On a kernel that onlines new memory itself
# (auto_online_blocks, Debian's amd64 6.12) a first DIMM comes up online in
# the kernel's zone: online-memory --zone movable counts its blocks as
# online already and moves none; the guest then takes nsalign's remedy
# (auto_online_blocks=offline) and a second DIMM goes through the above.
# Then the DIMM's blocks, offline again, go into Normal (--zone normal).
# a memmap= range and a hot-added pc-dimm
REQUIRES="memmap acpi-hotplug"
BOOTS=1
qemu_args() { echo "-m 6G,slots=4,maxmem=16G"; }
append_args() { echo "memmap=192M!4160M"; }
# a pc-dimm each time the guest asks on its console: NSA-HOTADD-auto (a
# kernel that onlines new memory itself, first), NSA-HOTADD-main
monitor_script() {
	local i=0 w n=0
	for w in auto main; do
		while [ $i -lt 400 ] && ! grep -q "NSA-HOTADD-$w" "$RUN/boot$1/console.log" 2>/dev/null &&
			! grep -q "NSA-HOTADD-main" "$RUN/boot$1/console.log" 2>/dev/null; do
			sleep 0.5
			i=$((i + 1))
		done
		grep -q "NSA-HOTADD-$w" "$RUN/boot$1/console.log" 2>/dev/null || continue
		n=$((n + 1))
		echo "object_add memory-backend-ram,id=m$n,size=512M"
		echo "device_add pc-dimm,id=d$n,memdev=m$n"
	done
	exec sleep 300
}

# the blocks whose state line differs between two state files
changed_blocks() { diff <(cut -d' ' -f1,2 "$1") <(cut -d' ' -f1,2 "$2") | sed -n 's/^> \([0-9]*\) .*/\1/p' | tr '\n' ' '; }

assert_boot() {
	local d=$2 first last policy a zone
	policy=$(cat "$d/auto_online_blocks")
	echo "# auto_online_blocks: $policy"
	if [ "$policy" != offline ]; then
		# the kernel onlined the first DIMM itself; nsalign counts its blocks
		# as online already, in the zone the kernel picked, and moves none
		a=$(cat "$d/auto.blocks")
		zone=$(for i in $a; do grep "^$i " "$d/auto.states.1"; done | cut -d' ' -f2,3 | sort -u)
		echo "# the first pc-dimm: memory${a%% *}-memory${a##* }, $zone"
		check "auto_online_blocks=$policy: the first DIMM's 4 blocks came up online, all in one zone" \
			test "$(wc -w <<<"$a")/$(wc -l <<<"$zone")/${zone%% *}" = 4/1/online
		zone=${zone#online }
		check "online-memory --zone movable --dry-run: exit 0, the plan says 4 online already, in $zone" \
			sh -c "[ \$(cat '$d/auto.plan.rc') = 0 ] && grep -q '(4 blocks, 4 already online: $([ "$zone" = Movable ] && echo '4 in Movable, 0' || echo '0 in Movable, 4') in Normal), zone Movable' '$d/auto.plan.err'"
		check "online-memory --zone movable: exit 0, nothing written, none moved" \
			jqf '.already == 4 and .changed == 0 and .unchanged == 4' "$d/auto.online.json"
		check "... the blocks stay where the kernel put them" test -z "$(changed_blocks "$d/auto.states.1" "$d/auto.states.2")"
		check "nsalign's remedy taken: auto_online_blocks=offline" grep -qx offline "$d/auto_online_blocks.after"
		check_schema "... its --json follows doc/nsalign-online-memory.schema.json" online-memory "$d/auto.online.json"
	fi
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
	check "online-memory --zone normal: exit 0, 4 changed" \
		sh -c "[ \$(cat '$d/normal.rc') = 0 ] && jq -e '.changed == 4 and .unchanged == 0 and .blocks == 4' '$d/normal.json'"
	check "... the kernel put exactly those 4 blocks online in Normal" \
		sh -c "[ \$(grep -cE '^($first|$((first + 1))|$((first + 2))|$last) online Normal' '$d/states.4') = 4 ]"
	check "... and nothing else changed" test "$(changed_blocks "$d/states.3" "$d/states.4")" = "$first $((first + 1)) $((first + 2)) $last "
	check_schema "online-memory --json (onlined, again, into Normal) follows doc/nsalign-online-memory.schema.json" \
		online-memory "$d/online.json" "$d/again.json" "$d/normal.json"
	check_schema "offline-memory --json follows doc/nsalign-offline-memory.schema.json" offline-memory "$d/offline.json"
	check "... offline-memory: 4 changed" jqf '.changed == 4 and .unchanged == 0 and .interrupted == false' "$d/offline.json"
	check_schema "the refusals (--json: non-root, shared, partial, missing, the two probes) are the error document" \
		error "$d/nobody.out" "$d/shared.out" "$d/partial.out" "$d/missing.out" "$d/probe-ram.out" "$d/probe-free.out"
	check "... each one's code is its exit status" sh -c "for t in nobody shared partial missing probe-ram probe-free; do
		[ \"\$(jq .error.code '$d'/\$t.out)\" = \"\$(cat '$d'/\$t.rc)\" ] || exit 1; done"
}
