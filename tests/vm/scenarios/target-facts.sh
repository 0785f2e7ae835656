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
	local m
	for m in fsdax devdax; do
		if grep -q '^region0_pfn_seed=pfn' "$d/facts"; then
			check "nsalign create-namespace -m $m: made, enabled in $m (the kernel has ZONE_DEVICE)" \
				jqf --arg m $m '.namespace.mode == $m and .namespace.available' "$d/nsalign-$m.json"
		else
			check "nsalign create-namespace -m $m without ZONE_DEVICE: refused (73)" grep -qx "nsalign_${m}_rc=73" "$d/facts"
			check "nsalign create-namespace -m $m without ZONE_DEVICE: says why" grep -q "without ZONE_DEVICE.*raw and sector work" "$d/nsalign-$m.err"
			check "nsalign create-namespace -m $m without ZONE_DEVICE: nothing was touched (ndctl list the same)" \
				cmp "$d/ndctl.before-nsalign-$m.json" "$d/ndctl.after-nsalign-$m.json"
		fi
	done
	if grep -q '^create_raw_rc=0' "$d/facts"; then
		check "nsalign repair on a raw namespace without an info block: refused (73), 'nothing to repair'" \
			sh -c "grep -qx repair_raw_rc=73 $d/facts && grep -q 'found no info block.*is its data; nothing to repair' $d/repair-raw.err"
	fi
	check "nsalign check --json ran (exit 0-2) and wrote JSON" \
		sh -c "[ \$(cat $d/check.end.rc) -le 2 ] && jq -e .findings $d/check.end.json"
	# nsalign list --ndctl against ndctl list on the same layout, key by key
	local f opts
	for f in "$d"/ndctl-list/*.opts; do
		opts=$(cat "$f")
		f=${f%.opts}
		"$REPO_TOP/tests/ndctl-compare.py" --summary "$f.ndctl.json" "$f.nsalign.json" | sed "s/^/# ndctl list $opts: /"
		check "nsalign list --ndctl $opts: ndctl list's keys and values" \
			"$REPO_TOP/tests/ndctl-compare.py" "$f.ndctl.json" "$f.nsalign.json"
	done
	# nsalign list -X's dax devices: daxctl list's keys with its values
	f=$d/ndctl-list
	if [ -s "$f/daxctl.json" ]; then
		jq .dax "$f/nsalign-X.json" >"$f/nsalign-X.dax.json"
		"$REPO_TOP/tests/ndctl-compare.py" --subset --summary "$f/daxctl.json" "$f/nsalign-X.dax.json" | sed "s/^/# daxctl list: /"
		check "nsalign list -X: daxctl list's keys and values" \
			"$REPO_TOP/tests/ndctl-compare.py" --subset "$f/daxctl.json" "$f/nsalign-X.dax.json"
	fi
}
