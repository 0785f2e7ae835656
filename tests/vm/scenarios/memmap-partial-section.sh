# SPDX-License-Identifier: GPL-2.0-or-later
# arm64's partial-section memmap (lib/kernel.c, arm64_altmap_short()) on
# five start/size geometries in four NVDIMMs (one at a section boundary, two
# 16 MiB into a section, one 64 MiB in): every fsdax/devdax namespace is
# planned by 'nsalign create-namespace --dry-run', then made by ndctl, and
# the plan must have said what the kernel did: enabled, or refused naming
# the kernel's error.  After the -12 in the first region, an fsdax and a
# devdax namespace (which ndctl reports made: device_dax fails it) over the
# sections the failed probe left set up: -17 on arm64 6.12; check says
# which namespaces are not available.  On x86_64 every geometry enables
# (partial sections take their struct pages from RAM).
REQUIRES="zone-device"
BOOTS=1
# x86_64 addresses (nv_addr moves them into arm64's window)
NV_ADDRS="0x100000000 0x189000000 0x1d1000000 0x21c000000"
NV_SIZES="2G 1G 1G 1G"
# REGION#:MODE:SIZE (-a 2M) or REGION#:destroy, and what arm64 6.12 does
# with each (ERR: 0 enabled, -12, -17), by the section arithmetic:
STEPS="0:fsdax:1040M 0:fsdax:256M 0:devdax:256M 1:fsdax:272M 2:fsdax:240M 2:devdax:208M 3:fsdax:208M"
#      aligned, 8 whole sections + 16M: -12; over its sections: -17, -17;
#      16M in, head 112M + tail 32M >= 128M: ok; 16M in, ends on a boundary: ok;
#      aligned, 1 whole + 80M: -12 (device_dax); 64M in, head 64M + tail 16M: -12
ARM64_612_ERRS="-12 -17 -17 0 0 -12 -12"
setup() {
	local i=0 z
	for z in $NV_SIZES; do
		truncate -s $z "$RUN/nv$i.img"
		i=$((i + 1))
	done
}
qemu_args() {
	local i=0 a z
	echo "-m 2G,slots=4,maxmem=32G"
	set -- $NV_SIZES
	for a in $NV_ADDRS; do
		z=$1
		shift
		echo "-object memory-backend-file,id=mem$i,share=on,mem-path=$RUN/nv$i.img,size=$z,align=2M" \
			"-device nvdimm,id=nv$i,memdev=mem$i,label-size=128K,addr=$(nv_addr $a)"
		i=$((i + 1))
	done
}
append_args() { echo "nsa_expect_nd nsa_steps=${STEPS// /,}"; }

assert_boot() {
	local d=$2 step r mode size prc crc ns up err want k=0 refused=0
	local -a errs=($ARM64_612_ERRS)
	while read -r step r mode size prc crc ns up err; do
		want=${errs[$k]}
		k=$((k + 1))
		[ "$mode" = destroy ] && continue
		echo "# step $step: $mode $size in $r: plan exit $prc, ndctl exit $crc, kernel: $([ "$up" = 1 ] && echo enabled || echo "failed ($err)")"
		[ "$prc" = 0 ] || echo "#   plan: $(tail -1 "$d/plan.$step.err")"
		if [ "$up" = 1 ]; then
			check "step $step ($mode $size): the kernel enabled it and the plan said so" test "$prc" = 0
		else
			refused=$((refused + 1))
			check "step $step ($mode $size): the kernel failed it ($err) and the plan refused it" test "$prc" = 73
			case "$err" in
			-12) check "step $step: the plan named the kernel's -ENOMEM" grep -q "fail it with -ENOMEM" "$d/plan.$step.err" ;;
			-17) check "step $step: the plan named the -17 over the sections a -12 left set up" grep -q "fails with -17" "$d/plan.$step.err" ;;
			esac
		fi
		if [ "$TARGET" = arm64-6.12 ]; then
			check "arm64 6.12: step $step did what the section arithmetic says (${want/#0/enabled})" test "$err" = "$want"
		fi
		# devdax: ndctl says it made it even when device_dax failed
		if [ "$mode" = devdax ] && [ "$up" = 0 ] && [ "$crc" = 0 ]; then
			check "step $step: check: $ns not available, NSA-DAX-UNBOUND names it" \
				jqf --arg ns "$ns" '([.namespaces[] | select(.dev == $ns) | .available] == [false]) and ([.findings[] | select(.code == "NSA-DAX-UNBOUND" and .namespace == $ns)] | length == 1)' "$d/check.end.json"
		fi
	done <"$d/steps"
	check "every namespace the kernel runs is available in check, and only those" \
		jqf '. as $c | ([$c.namespaces[] | select(.available)] | length) == ([$c.namespaces[] | select(.raw_size > 0)] | length) - ([$c.findings[] | select(.code == "NSA-DAX-UNBOUND")] | length)' "$d/check.end.json"
	if [ "$refused" -gt 0 ]; then
		check "check explains the kernel's -12 (NSA-KERNEL-MEMMAP-NO-ROOM)" \
			jqf '[.findings[] | select(.code == "NSA-KERNEL-MEMMAP-NO-ROOM")] | length == 1' "$d/check.end.json"
	else
		check "no namespace failed: no NSA-KERNEL-MEMMAP-NO-ROOM" \
			jqf '[.findings[] | select(.code == "NSA-KERNEL-MEMMAP-NO-ROOM")] | length == 0' "$d/check.end.json"
	fi
}
