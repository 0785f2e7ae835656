#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# online-memory / offline-memory --dry-run on lab snapshots: which blocks,
# and every refusal (shared blocks, partial ranges, missing blocks, a dax
# device that is not System RAM).  The writes run in the VM lab
# (scenarios online-memory, reconfigure-kmem).
. "$TOP_SRCDIR/tests/cli/lib.sh"

legacy="$FIXTURES/lab-legacy-misaligned.json" # legacy PMEM shares memory39..41 with RAM
ram="$FIXTURES/lab-kmem-system-ram.json"      # dax0.0 onlined: memory33-39
devdax="$FIXTURES/lab-kmem-devdax.json"

run "$NSALIGN" online-memory --dry-run --snapshot "$ram" --dax dax0.0 --json
expect_rc 0 "the kmem blocks of dax0.0"
jq -e '.first_block == 33 and .blocks == 7 and .bytes == 939524096 and .already == 7' "$TMP/out" >/dev/null &&
	ok "memory33-39, 896 MiB, all already online" || { not_ok "dax0.0 blocks wrong"; cat "$TMP/out" | diag; }

# already online, and in which zone (a kernel that onlines new memory itself puts it in Normal)
run "$NSALIGN" online-memory --dry-run --snapshot "$ram" --dax dax0.0
expect_err_line "memory33-memory39 \(7 blocks, 7 already online: 7 in Movable, 0 in Normal\), zone Movable" "the plan says where the online blocks are"
jq '.memory.blocks |= map(if .first == 33 then ., (.first = 36 | .count = 4) else . end) |
	.memory.blocks[2] |= (.count = 3 | .zones = "Normal")' "$ram" >"$TMP/auto-online.json"
run "$NSALIGN" online-memory --dry-run --snapshot "$TMP/auto-online.json" --dax dax0.0
expect_rc 0 "blocks the kernel onlined in Normal: nothing to do"
expect_err_line "7 already online: 4 in Movable, 3 in Normal\), zone Movable" "the plan names the kernel's Normal blocks"

run "$NSALIGN" offline-memory --dry-run --snapshot "$ram" --blocks memory33-memory39 --json
expect_rc 0 "the same blocks by number"
jq -e '.blocks == 7 and .already == 0' "$TMP/out" >/dev/null && ok "none of them offline yet" || not_ok "offline count wrong"

for b in 39 40 41; do
	run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --blocks $b
	expect_rc 73 "memory$b: shared by System RAM and legacy PMEM"
	expect_err_line "memory$b .* is shared by .*System RAM.*: nsalign does not online" "memory$b: one line naming both owners"
done
run "$NSALIGN" offline-memory --dry-run --snapshot "$legacy" --range 0x130000000-0x147ffffff
expect_rc 73 "a range that takes in a shared block"
run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --range 0x100000000+100M
expect_rc 64 "a range of no whole block"
expect_err_line "holds no whole memory block" "partial range: one line"
run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --range 0x100000000+200M
expect_err_line "whole blocks inside it are 0x100000000-0x107ffffff" "partial range: says which whole blocks"
run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --blocks 99999
expect_rc 66 "a block that does not exist"
# a range ending at 2^64 - 1 wrapped and skipped every check (exit 0)
for cmd in online-memory offline-memory; do
	for b in 39-18446744073709551615 0-18446744073709551615; do
		run "$NSALIGN" $cmd --dry-run --snapshot "$legacy" --blocks $b
		expect_rc 66 "$cmd --blocks $b: beyond the last block"
		expect_err_line "memory[0-9]+-memory18446744073709551615 goes beyond the last memory block, memory55" "$cmd --blocks $b: one line naming the last block"
	done
done
# block numbers are digits (after "memory"): strtoull also took a sign or blanks
for b in 39-18446744073709551616 39--1 -1-3 99999999999999999999 +39 " 39" "39- 40" "39-+40" "memory 39" memory+39; do
	run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --blocks "$b"
	expect_rc 64 "--blocks '$b': not a block range"
done
for r in 0x0-0xffffffffffffffff 0xfffffffff8000000+256M; do
	run "$NSALIGN" online-memory --dry-run --snapshot "$legacy" --range $r
	expect_rc 64 "--range $r: past 2^64"
done
run "$NSALIGN" online-memory --dry-run --snapshot "$devdax" --dax dax0.0
expect_rc 73 "a dax device that is not System RAM"
expect_err_line "dax0.0 is devdax, not System RAM: 'nsalign reconfigure dax0.0 --mode system-ram' first" "devdax: says what to do"
run "$NSALIGN" online-memory --dry-run --snapshot "$devdax" --dax dax4.2
expect_rc 66 "no such dax device"

# usage
for args in "" "--blocks 1 --dax dax0.0" "--blocks x" "--blocks 5-3" "--range 0x100" "--zone fast --blocks 1" "--snapshot $ram --blocks 1" "stray --blocks 1"; do
	run "$NSALIGN" online-memory $args
	expect_rc 64 "online-memory $args"
	[ "$(wc -l <"$TMP/err")" = 1 ] && ok "online-memory $args: one line" || not_ok "online-memory $args: $(cat "$TMP/err")"
done
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$NSALIGN" offline-memory --blocks 33
	expect_rc 77 "offline-memory as non-root"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$NSALIGN" reconfigure dax0.0 --mode devdax
	expect_rc 77 "reconfigure as non-root"
fi
# a dax device's name is daxX.Y to the letter: sscanf also took "dax 0.0" and "dax0.+0"
for d in "dax 0.0" "dax0. 0" "dax0.+0" "dax-1.0" dax0.0x dax0 "dax0.0 "; do
	run "$NSALIGN" online-memory --dry-run --snapshot "$ram" "$d"
	expect_rc 64 "online-memory '$d': not a dax device's name"
	expect_err_line "unexpected argument '$d'" "online-memory '$d': one line naming it"
done
run "$NSALIGN" reconfigure --mode devdax
expect_rc 64 "reconfigure without a device"
run "$NSALIGN" reconfigure dax0.0 --mode swap
expect_rc 64 "reconfigure --mode swap"
# --memmap-on-memory: yes or no, with system-ram only; refused before anything is read or written
for args in "--memmap-on-memory=maybe" "--memmap-on-memory" "--memmap-on-memory= " "--memmap-on-memory=1"; do
	run "$NSALIGN" reconfigure dax0.0 --mode system-ram "$args"
	expect_rc 64 "reconfigure $args"
	[ "$(wc -l <"$TMP/err")" = 1 ] && ok "reconfigure $args: one line" || not_ok "reconfigure $args: $(cat "$TMP/err")"
	expect_stdout_empty "reconfigure $args: nothing on stdout"
done
run "$NSALIGN" reconfigure dax0.0 --mode system-ram --memmap-on-memory=maybe
expect_err_line "memmap-on-memory 'maybe': expected yes or no" "--memmap-on-memory maybe: says what it takes"
run "$NSALIGN" reconfigure dax0.0 --mode devdax --memmap-on-memory=yes
expect_rc 64 "reconfigure --mode devdax --memmap-on-memory=yes"
expect_err_line "memmap-on-memory goes with --mode system-ram only" "memmap with devdax: one line"

# probe: whole blocks, nothing in the way, an interface to write to
run "$NSALIGN" probe 0x100000000 128M --dry-run --snapshot "$legacy"
expect_rc 73 "probe over System RAM"
expect_err_line "overlaps System RAM \(0x100000000-0x1388fffff\): nothing was added" "probe over RAM: names it"
run "$NSALIGN" probe 0x200000000 1G --dry-run --snapshot "$legacy"
expect_rc 73 "probe over a PCI window"
run "$NSALIGN" probe 0x40000000000 100M --dry-run --snapshot "$legacy"
expect_rc 64 "probe of a partial block"
expect_err_line "not whole memory blocks of 0x8000000" "partial block: one line"
for args in "" "0x1000" "abc 1G" "0x40000000000 -1G" "1 2 3"; do
	run "$NSALIGN" probe $args --dry-run --snapshot "$legacy"
	expect_rc 64 "probe $args"
done
# a free, block-aligned range: on a kernel without the interface (Debian x86_64), 69
if [ ! -e /sys/devices/system/memory/probe ]; then
	run "$NSALIGN" probe 0x40000000000 1G --dry-run --snapshot "$legacy"
	expect_rc 69 "probe on a kernel without the interface"
	expect_err_line "no memory probe interface" "no interface: one line"
fi

# a block across two NUMA nodes (lab: valid_zones none, the kernel's offline fails with EINVAL)
spans=$FIXTURES/lab-spans-nodes.json
run "$NSALIGN" offline-memory --blocks 8 --dry-run --snapshot "$spans"
expect_rc 73 "offline-memory of a block spanning two nodes (valid_zones none)"
expect_err_line "memory8 \(0x40000000-0x47ffffff\) spans two zones or two NUMA nodes \(its valid_zones says none\): the kernel cannot offline it" "  says why, in one line"
run "$NSALIGN" offline-memory --blocks 7 --dry-run --snapshot "$spans"
expect_rc 0 "offline-memory of its neighbour, in one zone and node"

# 2 GiB memory blocks (lab: -m 65G): the block size is the snapshot's, whatever the section size
big=$FIXTURES/lab-2g-blocks.json
run "$NSALIGN" offline-memory dax0.2 --dry-run --json --snapshot "$big"
expect_rc 0 "2 GiB blocks: offline-memory dax0.2"
jq -e '.first_block == 35 and .blocks == 1 and .bytes == 2147483648' "$TMP/out" >/dev/null &&
	ok "2 GiB blocks: dax0.2's kmem is memory35, one 2 GiB block" || not_ok "2 GiB blocks: $(cat "$TMP/out")"
run "$NSALIGN" online-memory --range 0x1080000000+1G --dry-run --snapshot "$big"
expect_rc 64 "2 GiB blocks: a 1 GiB range is no whole block"
expect_err_line "holds no whole memory block of 0x80000000" "  names the 2 GiB block size"

done_testing
