# SPDX-License-Identifier: GPL-2.0-or-later
# Why the PMEM moved: three boots on the same NVDIMM images, each move made
# by the hardware QEMU emulates, not by an address given by hand.  nv0
# (1 GiB, slot 0) and nv1 (2 GiB, slot 1, a 512 MiB fsdax namespace) are
# placed by QEMU pc in its device-memory window, which starts at 4 GiB plus
# the RAM above 4 GiB, rounded up to 1 GiB.  With -m 2G all RAM is below
# 4 GiB, and so it stays with -m 3G (nothing moves); -m 4G puts 1 GiB above
# 4 GiB and the window at 5 GiB.
#   boot 1  -m 2G, nv0 at 0x100000000, nv1 at 0x140000000: recorded
#   boot 2  -m 4G: both 1 GiB higher             -> cause ram-below-grew
#   boot 3  -m 4G, nv0 removed: nv1 1 GiB lower  -> cause dimm-removed
# (The same hardware at an address given by hand, the firmware's case, is
# boot-check-systemd's second boot.)  The boots' snapshots are replayed on
# the host through 'nsalign check --record' and 'check --boot' with one
# state directory, as the boot unit does on the machine.  nv1's memory
# backend is 1 GiB-aligned so that QEMU puts it on a 1 GiB boundary (2 MiB
# would pack it at 0x13fe00000, misaligned for fsdax; QEMU also trims the
# region to that alignment: 1 GiB); slot=1 keeps its NFIT handle and serial
# when nv0 is gone.
# QEMU's placement, the same whatever the kernel; the host replays the snapshots
REQUIRES="default-target"
BOOTS=3
setup() { truncate -s 1G "$RUN/nv0.img" && truncate -s 2G "$RUN/nv1.img"; }
nv() { # nv N SIZE ALIGN SLOT
	echo "-object memory-backend-file,id=mem$1,share=on,mem-path=$RUN/nv$1.img,size=$2,align=$3" \
		"-device nvdimm,id=nv$1,memdev=mem$1,label-size=128K,slot=$4"
}
qemu_args() {
	case "$1" in
	1) echo "-m 2G,slots=4,maxmem=32G $(nv 0 1G 2M 0) $(nv 1 2G 1G 1)" ;;
	2) echo "-m 4G,slots=4,maxmem=32G $(nv 0 1G 2M 0) $(nv 1 2G 1G 1)" ;;
	3) echo "-m 4G,slots=4,maxmem=32G $(nv 1 2G 1G 1)" ;;
	esac
}
# boot 1 creates, then collects; the others only collect
append_args() { echo "nsa_expect_nd nsa_collect=$([ "$1" = 1 ] && echo end || echo start)"; }

# moved DIR: that boot's move findings and their causes, one line
moved() { jq -c "[.findings[] | select(.code | test(\"MOVED\")) | {code, cause: .cause.code}]" "$1/boot-check.json"; }

assert_boot() {
	local n=$1 d=$2 snap=$2/snapshot.start.json st=$RUN/state
	[ "$n" = 1 ] && snap=$d/snapshot.end.json
	check "the snapshot lists the DIMMs with their serials, and their mappings" \
		jqf '(.dimms | length) >= 1 and all(.dimms[]; .serial | test("^0x[0-9a-f]{8}$")) and (.mappings | length) == (.dimms | length)' "$snap"
	if [ "$n" = 1 ]; then
		rm -rf "$st"
		check "ndctl created the fsdax namespace on nv1" \
			jqf '[.. | objects | select(.mode? == "fsdax")] | length == 1' "$d/ndctl.end.json"
		check "QEMU put nv0 at 0x100000000 and nv1 at 0x140000000" \
			jqf '[.regions[].resource] | sort == [4294967296, 5368709120]' "$snap"
		"$NSALIGN_BIN" check --record -q --snapshot "$snap" --state-dir "$st" >/dev/null 2>&1
		check "the record keeps the DIMMs, the mappings and the System RAM" \
			jqf '.boots[0].layout | (.dimms | length) == 2 and (.mappings | length) == 2 and ([.iomem[] | select(.name == "System RAM")] | length) >= 2' "$st/state.json"
		cp "$snap" "$RUN/boot1.json"
		return
	fi
	"$NSALIGN_BIN" check --boot --no-journal --json --snapshot "$snap" --state-dir "$st" >"$d/boot-check.json" 2>"$d/boot-check.err"
	echo "# boot $n: $(moved "$d")"
	jq -r '.findings[] | select(.code == "NSA-REGION-MOVED") | "#   " + .cause.text' "$d/boot-check.json"
	check "every move finding has a cause" \
		jqf '[.findings[] | select(.code | test("MOVED")) | .cause.code] | length >= 2 and all(. != null)' "$d/boot-check.json"
	case "$n" in
	2)
		check "QEMU put both 1 GiB higher with -m 4G" \
			jqf '[.regions[].resource] | sort == [5368709120, 6442450944]' "$snap"
		check "both regions moved, cause ram-below-grew" \
			jqf '[.findings[] | select(.code == "NSA-REGION-MOVED") | .cause.code] == ["ram-below-grew", "ram-below-grew"]' "$d/boot-check.json"
		check "the namespace moved, cause ram-below-grew" \
			jqf '[.findings[] | select(.code == "NSA-NS-MOVED") | .cause.code] == ["ram-below-grew"]' "$d/boot-check.json"
		check "in words: System RAM below grew by 2 GiB, the PMEM 1 GiB higher" \
			jqf '[.findings[] | select(.code == "NSA-REGION-MOVED") | .message | test("Most likely cause: System RAM below region[01] grew by 2 GiB \\(.* -> .*\\), so the platform placed the PMEM 1 GiB higher")] | all' "$d/boot-check.json"
		check "evidence: RAM below grew by 2 GiB, the DIMMs are the same two" \
			jqf '.findings[] | select(.code == "NSA-NS-MOVED") | .cause.evidence | .ram_below_new - .ram_below_old == 2147483648 and .dimms_old == 2 and .dimms_new == 2' "$d/boot-check.json"
		;;
	3)
		local gone
		gone=$(jq -r '.dimms[] | select(.handle == 1) | .serial' "$RUN/boot1.json")
		check "nv1 alone: QEMU put it at 0x140000000" jqf '[.regions[].resource] == [5368709120]' "$snap"
		check "nv1 keeps its serial and handle without nv0 (slot=1)" \
			jqf --slurpfile b1 "$RUN/boot1.json" '.dimms[0].serial == ($b1[0].dimms[] | select(.handle == 2) | .serial)' "$snap"
		check "region moved 1 GiB lower, cause dimm-removed, naming nv0's serial" \
			jqf --arg s "$gone" '.findings[] | select(.code == "NSA-REGION-MOVED") | .shift == -1073741824 and .cause.code == "dimm-removed" and .cause.evidence.dimm_serial == $s' "$d/boot-check.json"
		check "the namespace moved, cause dimm-removed" \
			jqf '[.findings[] | select(.code == "NSA-NS-MOVED") | .cause.code] == ["dimm-removed"]' "$d/boot-check.json"
		check "in words: nmem0 (serial ...) is gone; region0 (region1 before) now starts at 0x140000000, 1 GiB lower" \
			jqf --arg s "$gone" '.findings[] | select(.code == "NSA-REGION-MOVED") | .message | contains("Most likely cause: nmem0 (serial " + $s + "), region0 at 0x140000000 on the recorded boot, is gone; region0 (region1 on the recorded boot) now starts at 0x140000000, 1 GiB lower")' "$d/boot-check.json"
		;;
	esac
}
