#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Save `nsalign snapshot` from VM lab boots into tests/fixtures/, so that
# `make check` runs the analyzer on what a real kernel showed.  Runs the
# scenarios first unless --no-run.  Each fixture's "source" says where it
# came from; its .expected beside it is written and reviewed by hand.
#
#   tests/vm/capture.sh [--no-run] [FIXTURE...]  the snapshots (all, or the ones named)
#   tests/vm/capture.sh --infoblocks [--no-run]  only the info blocks
#                                                (tests/fixtures/infoblocks/)
#   tests/vm/capture.sh --ndctl-list [--no-run]  only target-facts' `ndctl list`
#                                                outputs and the snapshot taken
#                                                with them, on x86_64-6.1 and -6.12
#                                                (tests/fixtures/ndctl-list/)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
run=1 infoblocks=0 ndctl_list=0 only=""
for a in "$@"; do
	case "$a" in
	--no-run) run=0 ;;
	--infoblocks) infoblocks=1 ;;
	--ndctl-list) ndctl_list=1 ;;
	lab-*) only+=" $a" ;;
	*) die "usage: capture.sh [--infoblocks | --ndctl-list] [--no-run] [FIXTURE...]" ;;
	esac
done
# target-facts' ndctl list captures: OPTS, ndctl's output, the snapshot beside them
capture_ndctl_list() {
	local t d out f
	for t in x86_64-6.1 x86_64-6.12; do
		if [ $run = 1 ]; then
			"$VM_TOP/run.sh" --target $t target-facts >/dev/null || die "the lab failed: run tests/vm/run.sh --target $t target-facts"
		fi
		d=$CACHE/run/target-facts/boot1/ndctl-list
		[ "$t" = "$DEFAULT_TARGET" ] || d=$CACHE/run-$t/target-facts/boot1/ndctl-list
		[ -s "$d/snapshot.json" ] || die "no $d/snapshot.json: run tests/vm/run.sh --target $t target-facts"
		out=$REPO_TOP/tests/fixtures/ndctl-list/$t
		rm -rf "$out" && mkdir -p "$out"
		jq --arg s "vm-lab: target-facts boot 1, with ndctl list $(cat "$d/ndctl-version"), target $t, kernel $(cat "$d/../kernel")" \
			'.source = $s' "$d/snapshot.json" >"$out/snapshot.json"
		cp "$d/daxctl.json" "$out/daxctl.json"
		for f in "$d"/*.opts; do
			f=${f##*/}
			cp "$d/$f" "$d/${f%.opts}.ndctl.json" "$out/"
		done
		echo "captured tests/fixtures/ndctl-list/$t"
	done
}
if [ $ndctl_list = 1 ]; then
	capture_ndctl_list
	exit 0
fi

# The info blocks the capture-infoblocks scenario read from raw namespaces,
# with a README that says where each came from.
capture_infoblocks() {
	local d=$CACHE/run/capture-infoblocks/boot1 out=$REPO_TOP/tests/fixtures/infoblocks name meta
	if [ $run = 1 ]; then
		"$VM_TOP/run.sh" capture-infoblocks >/dev/null || die "the lab failed: run tests/vm/run.sh capture-infoblocks"
	fi
	mkdir -p "$out"
	{
		cat <<-'X'
		<!-- SPDX-License-Identifier: GPL-2.0-or-later -->
		# Info blocks written by a real kernel

		Written by `tests/vm/capture.sh --infoblocks` from one boot of the VM
		lab's `capture-infoblocks` scenario: one emulated 8 GiB NVDIMM with a
		label area at 0x100000000, labels initialised, then four namespaces
		created in this order with `ndctl create-namespace -r region0 -m MODE
		-a ALIGN -s SIZE`. For each, the 4096 bytes at namespace offset 4096
		(`struct nd_pfn_sb`, little-endian) were read from the raw namespace:
		`ndctl disable-namespace NS`, `echo 1 > /sys/bus/nd/devices/NS/force_raw`,
		`ndctl enable-namespace NS`, `dd if=/dev/pmemN bs=4096 skip=1 count=1`,
		then disabled, `force_raw` 0 and enabled again (it came back in its mode).

		X
		echo "Kernel: \`$(grep -m1 -o 'Linux version .*' "$d/dmesg" | sed 's/ (debian-kernel[^)]*)//; s/ (gcc.*#1/ #1/')\`;"
		echo "ndctl $(ndctl --version 2>/dev/null || echo '?') (Debian 12), QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')."
		echo
		echo "The label uuid is what the info block's \`parent_uuid\` (offset 32) must"
		echo "equal; the info-block uuid (\`uuid\`, offset 16) is what \`ndctl list\` shows"
		echo "as \`uuid\` for fsdax and devdax namespaces. SPA start and size are the"
		echo "namespace's \`resource\` and \`size\` in /sys/bus/nd/devices/NS/."
		echo
		echo "| file | ndctl create-namespace | namespace | SPA start | size | label uuid (parent_uuid) | info-block uuid |"
		echo "|---|---|---|---|---|---|---|"
		for name in fsdax-2m fsdax-1g devdax-2m devdax-1g; do
			meta=$d/infoblocks/$name.meta
			[ -s "$d/infoblocks/$name.bin" ] && [ -s "$meta" ] || die "no info block $name in $d"
			cp "$d/infoblocks/$name.bin" "$out/$name.bin"
			m() { sed -n "s/^$1=//p" "$meta"; }
			echo "| $name.bin | \`-m $(m mode) -a $(m align) -s $(($(m size) >> 30))G\` | $(m namespace) | $(m resource) | $(m size) ($(($(m size) >> 30)) GiB) | $(m uuid) | $(jq -r '.[0] // . | .uuid' "$d/infoblocks/$name.after.json") |"
		done
		echo
		echo "Fields, as the kernel wrote them (\`dataoff\`, \`npfns\`, \`mode\`, \`start_pad\`, \`end_trunc\`, \`align\`, version):"
		echo
		echo "| file | signature | dataoff | npfns | mode | start_pad | end_trunc | align | version |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for name in fsdax-2m fsdax-1g devdax-2m devdax-1g; do
			python3 - "$out/$name.bin" "$name" <<-'X'
			import struct, sys
			b = open(sys.argv[1], 'rb').read()
			flags, major, minor, dataoff, npfns, mode, start_pad, end_trunc, align = struct.unpack_from('<IHHQQIIII', b, 48)
			print('| %s.bin | %s | %#x | %d | %d (%s) | %#x | %#x | %#x | %d.%d |' % (sys.argv[2],
			      b[:16].rstrip(b'\0').decode(), dataoff, npfns, mode, 'map=dev' if mode == 2 else 'map=mem',
			      start_pad, end_trunc, align, major, minor))
			X
		done
	} >"$out/README.md"
	echo "captured tests/fixtures/infoblocks"
}
if [ $infoblocks = 1 ]; then
	capture_infoblocks
	exit 0
fi
# fixture name, scenario, boot, which collection (start: after boot, end: after the guest
# step, before/nobody: taken by the guest step itself), and the target (default x86_64-6.1)
captures=(
	"lab-shift-boot1 shift-1g-devdax 1 end"
	"lab-shift-boot2 shift-1g-devdax 2 start"
	"lab-legacy-misaligned legacy-misaligned 1 start"
	"lab-kmem-devdax kmem-loss 1 before"
	"lab-kmem-system-ram kmem-loss 1 end"
	"lab-pmem-pmem-section pmem-pmem-section 1 end"
	"lab-unprivileged shift-1g-devdax 1 nobody"
	"lab-arm64-6.12-memmap-enomem pmem-pmem-section 1 end arm64-6.12"
	"lab-arm64-6.12-kmem-devdax kmem-loss 1 before arm64-6.12"
	"lab-arm64-6.12-kmem-system-ram kmem-loss 1 end arm64-6.12"
	"lab-arm64-6.12-partial-sections memmap-partial-section 1 end arm64-6.12"
	"lab-arm64-6.1-no-zone-device target-facts 1 start arm64-6.1"
	"lab-arm64-6.1-raw-sector target-facts 1 end arm64-6.1"
	"lab-x86_64-6.12-shift-boot2 shift-1g-devdax 2 start x86_64-6.12"
	"lab-x86_64-6.12-kmem-auto-online kmem-auto-online 1 end x86_64-6.12"
	"lab-cause-boot1 move-cause 1 end"
	"lab-cause-boot2 move-cause 2 start"
	"lab-cause-boot3 move-cause 3 start"
	"lab-2g-blocks big-blocks 1 end"
	"lab-spans-nodes block-spans-nodes 1 end"
)
if [ $run = 1 ]; then
	"$VM_TOP/run.sh" shift-1g-devdax legacy-misaligned kmem-loss pmem-pmem-section move-cause big-blocks block-spans-nodes >/dev/null || die "the lab failed: run tests/vm/run.sh"
	"$VM_TOP/run.sh" --target arm64-6.12 pmem-pmem-section kmem-loss memmap-partial-section >/dev/null ||
		die "the lab failed: run tests/vm/run.sh --target arm64-6.12"
	"$VM_TOP/run.sh" --target arm64-6.1 target-facts >/dev/null || die "the lab failed: run tests/vm/run.sh --target arm64-6.1"
	"$VM_TOP/run.sh" --target x86_64-6.12 shift-1g-devdax kmem-auto-online >/dev/null ||
		die "the lab failed: run tests/vm/run.sh --target x86_64-6.12 shift-1g-devdax kmem-auto-online"
fi
mkdir -p "$REPO_TOP/tests/fixtures"
for c in "${captures[@]}"; do
	set -- $c
	[ -z "$only" ] || [[ " $only " == *" $1 "* ]] || continue
	d=$CACHE/run/$2/boot$3
	[ -z "${5:-}" ] || [ "$5" = "$DEFAULT_TARGET" ] || d=$CACHE/run-$5/$2/boot$3
	src=$d/snapshot.$4.json
	kernel=$(cat "$d/kernel")
	jq --arg s "vm-lab: $2 boot $3 ($4)${5:+, target $5}, kernel $kernel" '.source = $s' "$src" >"$REPO_TOP/tests/fixtures/$1.json"
	echo "captured $1"
done
[ -z "$only" ] || exit 0
# and this host, which has no PMEM (no identities kept)
"${NSALIGN:-$REPO_TOP/build/nsalign}" snapshot |
	jq --arg s "host without PMEM, kernel $(uname -r)" \
		'.source = $s | del(.platform.hostname, .platform.host_id, .platform.boot_id)' \
		>"$REPO_TOP/tests/fixtures/host-no-pmem.json"
echo "captured host-no-pmem"
