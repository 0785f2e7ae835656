# SPDX-License-Identifier: GPL-2.0-or-later
# One NVDIMM where QEMU puts it: the guest records what the kernel offers
# (memory blocks, hotplug parameters, the region's aligns, which modes it
# creates, kmem) in facts; nsalign check runs on what it made.
BOOTS=1
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm; }
append_args() { echo "nsa_expect_nd"; }

assert_boot() {
	local d=$2
	sed 's/^/# /' "$d/facts"
	check "the guest recorded the kernel's facts" grep -q '^block_size_bytes=' "$d/facts"
	check "nsalign check --json ran (exit 0-2) and wrote JSON" \
		sh -c "[ \$(cat $d/check.end.rc) -le 2 ] && jq -e .findings $d/check.end.json"
}
