# SPDX-License-Identifier: GPL-2.0-or-later
# The info blocks of fsdax and devdax namespaces at 2 MiB and 1 GiB align,
# as this kernel writes them (for lib/infoblock.c's unit tests): each read
# from the raw namespace (force_raw=1) at offset 4096, then the namespace
# back in its mode.  tests/vm/capture.sh --infoblocks saves them.
# fsdax and devdax at 2 MiB and 1 GiB
REQUIRES="zone-device align-1g"
BOOTS=1
setup() { truncate -s 8G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "" 8G; }
append_args() { echo "nsa_expect_nd"; }

assert_boot() {
	local d=$2/infoblocks name mode sig
	for name in fsdax-2m fsdax-1g devdax-2m devdax-1g; do
		mode=${name%-*}
		sig=NVDIMM_PFN_INFO
		[ "$mode" = devdax ] && sig=NVDIMM_DAX_INFO
		check "$name: created" test -s "$d/$name.meta"
		check "$name: 4096 bytes read from the raw namespace, signature $sig" \
			sh -c "[ \$(stat -c %s '$d/$name.bin') = 4096 ] && head -c 15 '$d/$name.bin' | grep -qx $sig"
		check "$name: the info block's parent_uuid (offset 32) is the label uuid" \
			test "$(od -An -tx1 -j32 -N16 "$d/$name.bin" | tr -d ' \n')" = "$(sed -n 's/^uuid=//p' "$d/$name.meta" | tr -d -)"
		check "$name: back in $mode mode, enabled, force_raw cleared" \
			jqf ".[0] // . | .mode == \"$mode\" and (.state // \"enabled\") == \"enabled\"" "$d/$name.after.json"
	done
}
