# SPDX-License-Identifier: GPL-2.0-or-later
# The side-by-side benchmark (bench/vm-compare.sh, make bench-lab): a VM
# lab scenario kept out of tests/vm/scenarios, so that the lab's runs never
# pick it up.  Each boot is one layout; the guest step
# (bench-compare.guest) makes its namespaces, then times every tool ROUNDS
# times, interleaved, with bench/lab-timer.c, and traces each once with
# strace.  bench/lab-report.py turns the results into the table.
#
#   boot 1  small: 2 GiB of RAM (16 memory blocks), one 4 GiB NVDIMM with
#           4 namespaces (fsdax, devdax, sector, raw)
#   boot 2  large: 3 GiB of RAM (24 blocks), four NVDIMMs (17 GiB and 3 x
#           4 GiB) with 8 namespaces each, the 14 GiB devdax one onlined as
#           System RAM (daxctl): some 135 memory blocks
#   boot 3  scale: 4 GiB of RAM, the small layout's NVDIMM, and pc-dimms
#           hot-added through QEMU's monitor in three steps (13, 46 and 64
#           GiB: some 136, 504 and 1016 memory blocks, offline), the tools
#           timed after each
#
# NSALIGN_BENCH_ROUNDS (default 15) rounds per layout, NSALIGN_BENCH_SCALE_ROUNDS
# (default 9) per scale step;
# NSALIGN_BENCH_BOOTS="1 2 3" the boots to make (e.g. "3" for the scale alone).
REQUIRES="default-target acpi-hotplug zone-device"
BENCH_ROUNDS=${NSALIGN_BENCH_ROUNDS:-15}
BENCH_SCALE_ROUNDS=${NSALIGN_BENCH_SCALE_ROUNDS:-9}
BENCH_BOOTS=${NSALIGN_BENCH_BOOTS:-1 2 3}
BOOTS=$(echo $BENCH_BOOTS | wc -w)
# generous: under TCG on a loaded host (load 25 on 2 cores) the large
# layout alone took over 15 min to make
BOOT_TIMEOUT=$((3600 + (BENCH_ROUNDS + 3 * BENCH_SCALE_ROUNDS) * 60))
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the pc-dimms of the scale boot, one per step (GiB)
SCALE_DIMMS="13 46 64"
# where each goes: 16, 32 and 80 GiB, past the NVDIMM, inside -m 4G,maxmem=160G's device memory
SCALE_ADDRS="0x400000000 0x800000000 0x1400000000"

# layout_of N: the layout boot N makes
layout_of() {
	case $(echo $BENCH_BOOTS | cut -d' ' -f"$1") in
	1) echo small ;;
	2) echo large ;;
	3) echo scale ;;
	*) die "NSALIGN_BENCH_BOOTS: boots are 1 (small), 2 (large) and 3 (scale)" ;;
	esac
}

setup() { :; }

# nvdimm ID SIZE: one NVDIMM with a label area on a sparse image of this run
nvdimm() {
	truncate -s "$2" "$RUN/nv$1.img"
	echo "-object memory-backend-file,id=mem$1,share=on,mem-path=$RUN/nv$1.img,size=$2,align=2M -device nvdimm,id=nv$1,memdev=mem$1,label-size=128K"
}

qemu_args() {
	rm -f "$RUN"/nv*.img
	case $(layout_of "$1") in
	small) echo "-m 2G,slots=4,maxmem=32G $(nvdimm 0 4G)" ;;
	# QEMU maps an NVDIMM's size less its label area, rounded down to the
	# backend's align (2M), and packs the next one right after it: 2M more
	# than the region keeps the next one 16M-aligned, as ndctl's
	# check_dax_align() wants for fsdax and devdax (4G: regions 1-3 refused them)
	large) echo "-m 3G,slots=8,maxmem=64G $(nvdimm 0 17410M) $(nvdimm 1 4098M) $(nvdimm 2 4098M) $(nvdimm 3 4098M)" ;;
	scale) echo "-m 4G,slots=8,maxmem=160G $(nvdimm 0 4G)" ;;
	esac
}

# init_on_alloc=0: the scale boot's hot-added memory maps (2 GiB for 1016
# blocks) stay untouched, as on a host that does not zero allocations
append_args() {
	local l
	l=$(layout_of "$1")
	echo "nsa_expect_nd nsa_collect=none nsa_bench=$l nsa_bench_rounds=$BENCH_ROUNDS nsa_bench_scale_rounds=$BENCH_SCALE_ROUNDS$([ "$l" != scale ] || echo " init_on_alloc=0")"
}

# the scale boot: a pc-dimm each time the guest asks for the next step
monitor_script() {
	local i=0 k=0 g
	[ "$(layout_of "$1")" = scale ] || exec sleep 3600
	for g in $SCALE_DIMMS; do
		k=$((k + 1))
		while [ $i -lt 7200 ] && ! grep -q "NSA-BENCH-ADD $k" "$RUN/boot$1/console.log" 2>/dev/null; do
			sleep 0.5
			i=$((i + 1))
		done
		# reserve=off: no swap space reserved for it (MAP_NORESERVE); the
		# guest leaves its blocks offline, so the host never backs them,
		# and 46 and 64 GiB are more than a lab host holds
		echo "object_add memory-backend-ram,id=dm$k,size=${g}G,reserve=off"
		# addr=: whole memory blocks, away from the NVDIMM, whose end QEMU
		# aligns to 2 MiB only: there the kernel refuses a DIMM that is not
		# whole 128 MiB blocks (the guest saw none of the 13 GiB one's)
		echo "device_add pc-dimm,id=dimm$k,memdev=dm$k,addr=$(echo $SCALE_ADDRS | cut -d' ' -f$k)"
	done
	exec sleep 3600
}

# the guest's additions, appended to the lab's initramfs: the timer (static),
# lsmem and strace with their libraries, the guest step
initrd_for() {
	local o=$RUN/overlay
	if [ ! -f "$RUN/overlay.cpio.gz" ]; then
		rm -rf "$o" && mkdir -p "$o/bin" "$o/scenarios"
		gcc -static -O2 -Wall -o "$o/bin/lab-timer" "$BENCH_DIR/../lab-timer.c" || die "cannot build bench/lab-timer.c"
		guest_copy "$o" "$(command -v lsmem)" /bin/lsmem
		guest_copy "$o" "$(command -v strace)" /bin/strace
		cp "$BENCH_DIR/bench-compare.guest" "$o/scenarios/"
		overlay_cpio "$RUN/overlay.cpio.gz" "$o"
	fi
	cat "$INITRD" "$RUN/overlay.cpio.gz" >"$RUN/initrd.gz"
	echo "$RUN/initrd.gz"
}

assert_boot() {
	local d=$2 l
	l=$(layout_of "$1")
	check "$l: the guest step ran to its end" test "$(cat "$d/guest.rc" 2>/dev/null)" = 0
	check "$l: every namespace was made" test ! -s "$d/create.err"
	local steps=1 rounds=$BENCH_ROUNDS
	[ "$l" != scale ] || steps=3 rounds=$BENCH_SCALE_ROUNDS
	check "$l: every tool ran $rounds times a step ($steps)" test "$(grep -c . "$d/times.txt" 2>/dev/null)" -ge $((steps * rounds * 7))
	check "$l: strace traced every tool" test "$(grep -c . "$d/strace.txt" 2>/dev/null)" -ge $((steps * 7))
	echo "# $l: $(cat "$d/layout.txt" 2>/dev/null)"
}

# the images are sparse, but the namespaces' memory maps filled them in part
after_scenario() { rm -f "$RUN"/nv*.img "$RUN/initrd.gz"; }
