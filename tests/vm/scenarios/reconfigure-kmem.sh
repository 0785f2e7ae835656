# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign reconfigure: a devdax device at a block-misaligned SPA (NVDIMM at
# 0x104000000, devdax -s 1G -a 2M: dax0.0 is 0x105200000-0x143ffffff) made
# System RAM and devdax again.  The System RAM (kmem) the kernel creates
# equals the dry run's prediction to the byte, every block lands in
# Movable, a second run changes nothing, non-root and a missing device are
# refused before anything changes; the same work is timed against daxctl.
# On a kernel that onlines new memory itself (auto_online_blocks, Debian's
# amd64 6.12) Movable is refused first, with nothing changed, naming the
# kernel's zone and the remedy (auto_online_blocks=offline), which the guest
# then takes.
# devdax to System RAM
REQUIRES="zone-device"
BOOTS=1
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm 0x104000000; }
append_args() { echo "nsa_expect_nd"; }


assert_boot() {
	local d=$2 pred got first n
	local policy
	policy=$(cat "$d/auto_online_blocks")
	echo "# auto_online_blocks: $policy"
	if [ "$policy" != offline ]; then
		# the kernel onlines new memory itself (Debian's amd64 6.12): Movable is
		# refused, dry run or not, naming the kernel's zone and the remedy
		check "auto_online_blocks=$policy: Movable refused (73), dry run and real run" \
			test "$(cat "$d/auto.rc")/$(cat "$d/auto-real.rc")" = 73/73
		check "... the refusal names the kernel's zone and the remedy, nothing was changed" \
			grep -q "auto_online_blocks=$policy) into [A-Za-z]*, not Movable, .*echo offline > /sys/devices/system/memory/auto_online_blocks' first; nothing was changed\$" "$d/auto-real.err"
		check "... no System RAM (kmem) added" test "$(kmem_bytes "$d/iomem.auto")" = 0
		check "... daxctl still sees devdax" jqf '.. | objects | select(.chardev? == "dax0.0") | .mode == "devdax"' "$d/daxctl.auto.json"
		check "the remedy taken: auto_online_blocks=offline" grep -qx offline "$d/auto_online_blocks.after"
		check_schema "... the refusals (--json): the error document, code 73" error "$d/auto.json" "$d/auto-real.json"
		check "... its code is the exit status" jqf '.error.code == 73' "$d/auto.json" "$d/auto-real.json"
	fi
	check "the dry run's plan: the kernel leaves the blocks to nsalign" jqf '.plan.kernel_onlines == false' "$d/dry.json"
	check "non-root: exit 77" test "$(cat "$d/nobody.rc")" = 77
	check "missing dax device: exit 66" test "$(cat "$d/nodev.rc")" = 66
	check "dry run: exit 0, nothing onlined" test "$(cat "$d/dry.rc")" = 0 -a "$(kmem_bytes "$d/iomem.dry")" = 0
	pred=$(jq .plan.usable "$d/dry.json")
	got=$(kmem_bytes "$d/iomem.ram")
	echo "# nsalign predicted $pred bytes (lost $(jq .plan.lost "$d/dry.json")); the kernel's System RAM (kmem): $got"
	check "System RAM (kmem) equals the prediction to the byte" test -n "$pred" -a "$pred" = "$got"
	check "dry run said why: lost bytes at the edges" grep -q "lost at the edges" "$d/dry.err"
	# the zones: what the plan read and predicted against the kernel's /proc/zoneinfo and MemTotal
	zsum() { awk -v mv="$2" '/^Node/ { z = $4 } /present/ && z != "Device" && ((z == "Movable") == mv) { s += $2 } END { printf "%.0f\n", s * 4096 }' "$1"; }
	memtotal() { awk '{ printf "%.0f\n", $2 * 1024 }' "$1"; }
	echo "# zones: plan $(jq -c .plan.zones "$d/dry.json"); zoneinfo kernel $(zsum "$d/zoneinfo.dry" 0) -> $(zsum "$d/zoneinfo.ram" 0), Movable $(zsum "$d/zoneinfo.dry" 1) -> $(zsum "$d/zoneinfo.ram" 1); MemTotal $(memtotal "$d/meminfo.dry") -> $(memtotal "$d/meminfo.ram")"
	check "zones: the plan's kernel and Movable bytes are /proc/zoneinfo's present pages" \
		jqf --argjson k "$(zsum "$d/zoneinfo.dry" 0)" --argjson m "$(zsum "$d/zoneinfo.dry" 1)" \
		'.plan.zones | .kernel_bytes == $k and .movable_bytes == $m and .adding > 0 and .movable' "$d/dry.json"
	check "zones: Movable grew by what the plan added, and the ratio after is the kernel's" \
		jqf --argjson k "$(zsum "$d/zoneinfo.ram" 0)" --argjson m "$(zsum "$d/zoneinfo.ram" 1)" \
		'.plan.zones | .movable_bytes + .adding == $m and .kernel_bytes == $k and .ratio_pct_after == ($m * 100 / $k | floor)' "$d/dry.json"
	check "zones: MemTotal grew by the plan's system_ram; memmap in RAM, 64 bytes a 4 KiB page" \
		jqf --argjson g "$(($(memtotal "$d/meminfo.ram") - $(memtotal "$d/meminfo.dry")))" \
		'.plan | .system_ram == $g and .zones.memmap_ram_bytes == .usable / 64 and .memmap_on_memory == false' "$d/dry.json"
	check "zones: the dry run says the ratio against auto_movable_ratio" grep -q "ZONE_MOVABLE:kernel zones .* after it .*auto_movable_ratio" "$d/dry.err"
	check "to system-ram: exit 0, every planned block changed" \
		jqf '.result.blocks_changed == .plan.blocks and .result.zone == "Movable"' "$d/to-ram.json"
	first=$(jq .plan.first_block "$d/dry.json") n=$(jq .plan.blocks "$d/dry.json")
	check "the planned blocks are online in Movable" \
		sh -c "for i in \$(seq $first $((first + n - 1))); do grep -q \"^\$i online Movable\" '$d/blocks.ram' || exit 1; done"
	check "a second run changes nothing (idempotent)" \
		jqf '.result.blocks_changed == 0 and .result.blocks_already == .plan.blocks' "$d/again.json"
	check "back to devdax: exit 0" test "$(cat "$d/to-dax.rc")" = 0
	check "back to devdax: no System RAM (kmem) left" test "$(kmem_bytes "$d/iomem.dax")" = 0
	check "back to devdax: daxctl sees devdax" jqf '.. | objects | select(.chardev? == "dax0.0") | .mode == "devdax"' "$d/daxctl.dax.json"
	check_schema "the --json documents (dry run, to system-ram, again, to devdax) follow doc/nsalign-reconfigure.schema.json" \
		reconfigure "$d/dry.json" "$d/to-ram.json" "$d/again.json" "$d/to-dax.json"
	check "... the dry run has a plan and no result, the others both" \
		jqf '(.result == null) == (input_filename | endswith("/dry.json"))' "$d/dry.json" "$d/to-ram.json" "$d/again.json" "$d/to-dax.json"
	check_schema "non-root and a missing device (--json): the error document" error "$d/nobody.out" "$d/nodev.out"
	check "... their codes are the exit statuses (77, 66)" \
		eval 'jqf ".error.code == 77" "$d/nobody.out" && jqf ".error.code == 66" "$d/nodev.out"'
	# nsalign vs daxctl, five rounds each (a figure, not an assertion)
	awk '{ ns += $2 - $1; dx += $4 - $3 } END {
		printf "# to system-ram, 5 rounds: nsalign %.2f s, daxctl %.2f s, ratio %.2f\n", ns, dx, dx ? ns / dx : 0 }' "$d/times"
}
