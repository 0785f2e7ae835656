# SPDX-License-Identifier: GPL-2.0-or-later
# Legacy PMEM from memmap=: 100 MiB at 5001 MiB (0x138900000, 1 MiB off a
# 2 MiB boundary) and 60 MiB at 5200 MiB (0x145000000, inside a section
# with System RAM on both sides).  The kernel refuses the first with
# "misaligned, unable to map"; nsalign must have predicted exactly that
# line, and report the second as available in a section shared with RAM.
# memmap= ranges
REQUIRES="memmap"
BOOTS=1
qemu_args() { echo "-m 6G"; }
append_args() { echo 'memmap=100M!5001M memmap=60M!5200M nsa_expect_nd'; }

assert_boot() {
	local d=$2 msg
	check "kernel: 'misaligned, unable to map' for the 1 MiB-off range" \
		dmesg_has "$d" "misaligned, unable to map"
	check "nsalign: NSA-NS-MISALIGNED-RANGE for the range at 0x138900000" \
		jqf '[.findings[] | select(.code == "NSA-NS-MISALIGNED-RANGE" and .spa_start == 5243928576)] | length == 1' "$d/check.start.json"
	msg=$(jq -r '.findings[] | select(.code == "NSA-NS-MISALIGNED-RANGE") | .kernel_message' "$d/check.start.json")
	echo "# nsalign predicted: $msg"
	check "kernel printed exactly the line nsalign predicted" \
		test -n "$msg" -a -n "$(grep -F -- "$msg" "$d/dmesg")"
	check "nsalign: the range at 0x138900000 is not available" \
		jqf '[.namespaces[] | select(.resource == 5243928576 and .available == false)] | length == 1' "$d/check.start.json"
	check "kernel: the range at 0x145000000 is enabled" \
		jqf '[.. | objects | select((.dev? // "" | startswith("namespace")) and (.state? != "disabled") and .size? == 62914560)] | length == 1' "$d/ndctl.start.json"
	check "nsalign: the range at 0x145000000 is available" \
		jqf '[.namespaces[] | select(.resource == 5452595200 and .available)] | length == 1' "$d/check.start.json"
	check "nsalign: it shares its sections with System RAM" \
		jqf '[.findings[] | select(.code == "NSA-NS-SHARES-SECTION-RAM" and .spa_start == 5452595200)] | length == 1' "$d/check.start.json"
	check "nsalign check exits 2 (error)" grep -qx 2 "$d/check.start.rc"
}
