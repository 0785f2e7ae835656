# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign create-namespace against the kernel, then the platform moves the
# PMEM.  Boot 1 (NVDIMM at 0x100000000): every way a create can fail (too
# large, unsupported align, fragile align without -f, a kernel-side failure
# injected at three steps, a missing module, no root) leaves the region as
# it was; then three namespaces are created, each landing where its plan
# said, and 'simulate --shift 64M' predicts which survive.  Boot 2 (+64 MiB):
# for every namespace, 'available' equals the predicted 'available_after'.
# fsdax and devdax plans, some at 1 GiB
REQUIRES="zone-device align-1g"
BOOTS=2
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "$([ "$1" = 2 ] && echo 0x104000000)"; }
append_args() { echo "nsa_expect_nd"; }

# the namespaces and regions of an 'ndctl list -RNi', without the seeds' churn
ndctl_state() { jq -S '[.. | objects | select(.dev? and (.size? // 0) > 0) | {dev, size, uuid, mode, available_size}]' "$1"; }

assert_boot() {
	local n=$1 d=$2 f
	if [ "$n" = 1 ]; then
		for f in too-large bad-align fragile; do
			check "create fails as asked: $f (exit 73, one line)" \
				test "$(cat "$d/fail.$f.rc")" = 73 -a "$(wc -l <"$d/fail.$f.err")" = 1
		done
		check "too large: says how much the region can hold" grep -q "largest free extent is" "$d/fail.too-large.err"
		check "fragile: says why and what to use" grep -q "Use --align 2 MiB" "$d/fail.fragile.err"
		for f in inject-enable inject-claim inject-size; do
			check "kernel-side failure ($f): exit 73, rolled back" \
				grep -q "rolled back: the region is as it was" "$d/fail.$f.err"
		done
		check "missing module: exit 69, names it" \
			test "$(cat "$d/fail.no-module.rc")" = 69 -a -n "$(grep 'kernel module kmem' "$d/fail.no-module.err")"
		check "no root: exit 77" test "$(cat "$d/fail.nobody.rc")" = 77
		check "after every failure, ndctl list is as before" \
			cmp -s <(ndctl_state "$d/ndctl.before.json") <(ndctl_state "$d/ndctl.after-failures.json")
		for i in 1 2 3; do
			check "create $i succeeded" test "$(cat "$d/create.$i.rc")" = 0
			check "create $i: landed where the dry run planned, data where planned" \
				jqf --slurpfile p "$d/plan.$i.json" \
				'.namespace.resource == $p[0].plan.resource and (.namespace.data_resource // .namespace.resource) == $p[0].plan.data_resource' \
				"$d/create.$i.json"
		done
		check "create 2 (-a 1G -f) was planned fragile" jqf '.plan.survives_granularity == false' "$d/plan.2.json"
		check "simulate --shift 64M ran (exit 1: something breaks)" test "$(cat "$d/simulate.rc")" = 1
		jq -c '.namespaces[] | {uuid: .raw_uuid, mode, align, available_after}' "$d/simulate.json" >"$RUN/predicted"
	else
		local line u mode align pred actual all=0 same=0
		echo "# namespace uuid                         mode    align       predicted  actual (after +64 MiB)"
		while read -r line; do
			u=$(jq -r .uuid <<<"$line") mode=$(jq -r .mode <<<"$line")
			align=$(jq -r '.align // 0' <<<"$line") pred=$(jq -r .available_after <<<"$line")
			actual=$(jq -r --arg u "$u" '.namespaces[] | select(.raw_uuid == $u) | .available' "$d/check.start.json")
			printf '# %s  %-6s  %-10s  %-9s  %s\n' "$u" "$mode" "$align" "$pred" "$actual"
			all=$((all + 1))
			[ "$pred" = "$actual" ] && same=$((same + 1))
		done <"$RUN/predicted"
		check "all three namespaces came back" test "$all" = 3
		check "predicted available_after == available after the real move, for every namespace ($same of $all)" \
			test "$all" -gt 0 -a "$same" = "$all"
		check "kernel refused the 1 GiB-aligned devdax namespace" \
			dmesg_has "$d" "dax disabled align: 0x40000000"
	fi
}
