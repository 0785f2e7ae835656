#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# create-namespace --dry-run on lab snapshots (the plan), and every way the
# command refuses before touching anything.  The real creates, failures and
# rollbacks run in the VM lab (scenarios create-plan-shift, reconfigure).
. "$TOP_SRCDIR/tests/cli/lib.sh"

b1="$FIXTURES/lab-shift-boot1.json"
legacy="$FIXTURES/lab-legacy-misaligned.json"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m devdax -s 512M
expect_rc 0 "dry run of a devdax namespace"
expect_json "dry run prints one JSON document"
jq -e '.plan | .ok and .region == "region0" and .align == 2097152 and .align_auto
	and .resource == 7516192768 and .dataoff == 10485760 and .survives_granularity' "$TMP/out" >/dev/null &&
	ok "plan: auto align 2M, lands after the existing namespaces, dataoff as nd_pfn_init()" ||
	{ not_ok "plan wrong"; jq -c .plan "$TMP/out" | diag; }
grep -q "survives any move by a multiple of 2 MiB" "$TMP/err" && ok "summary on stderr says what it survives" || not_ok "no summary"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m devdax -s 512M -a 1G
expect_rc 73 "1G align on a 64M-granularity platform, no -f"
expect_err_line "survive only moves by multiples of 1 GiB.*Use --align 2 MiB" "fragile: one line with the reason and the fix"
expect_stdout_empty "fragile: nothing on stdout"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m fsdax -s 8G
expect_rc 73 "too large"
expect_err_line "cannot hold 8 GiB: its largest free extent is 1008 MiB" "too large: says how much fits"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m devdax -s 512M -a 64M
expect_rc 73 "unsupported align"
expect_err_line "not supported by region0 for devdax \(4 KiB, 2 MiB, 1 GiB\)" "unsupported align: lists what is"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -m fsdax -s 100M
expect_rc 0 "100M: rounded"
jq -e '.plan.raw_size == 100663296 and (.plan.notes | contains("rounded down"))' "$TMP/out" >/dev/null &&
	ok "size rounded down to 96 MiB, and the plan says so" || not_ok "rounding not reported"

# arm64 lab snapshots: 6.1 has no ZONE_DEVICE; on 6.12 a -12 this boot held
# the sections of region0 (the next fsdax and devdax there got -17)
a61="$FIXTURES/lab-arm64-6.1-raw-sector.json"
a612="$FIXTURES/lab-arm64-6.12-partial-sections.json"
for m in fsdax devdax; do
	run "$NSALIGN" create-namespace --dry-run --snapshot "$a61" -m $m -s 256M
	expect_rc 73 "arm64 6.1: $m refused"
	expect_err_line "this kernel has no $m: region0 offers no pfn or dax device .*without ZONE_DEVICE.*raw and sector work" \
		"arm64 6.1: $m: one line, the reason"
	run "$NSALIGN" create-namespace --dry-run --snapshot "$a612" -r region0 -m $m -s 256M
	expect_rc 73 "arm64 6.12 after a -12 in region0: $m refused"
	expect_err_line "failed an fsdax/devdax namespace in region0 with -12 \('nd_pmem pfn0.0: probe with driver nd_pmem failed with error -12'\).*fails with -17.*Reboot first" \
		"arm64 6.12 after a -12: $m: one line, the kernel's line and the -17"
done
run "$NSALIGN" create-namespace --dry-run --snapshot "$a61" -m sector -s 256M
expect_rc 0 "arm64 6.1: sector planned"
run "$NSALIGN" create-namespace --dry-run --snapshot "$a612" -r region0 -m raw -s 256M
expect_rc 0 "arm64 6.12 after a -12: raw planned"

run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -r region9
expect_rc 66 "no such region"
expect_err_line "region9: no such region" "no such region: one line"

run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -r region1
expect_rc 73 "new namespace in a label-less region"
expect_err_line "label-less.*only its mode can change" "label-less: says what can be done"

# -e: plans in place; needs -f to do it
run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -e namespace0.1
expect_rc 0 "-e dry run"
jq -e '.plan | .mode == "devdax" and .resource == 5368709120 and .raw_size == 2147483648 and .align == 2097152' "$TMP/out" >/dev/null &&
	ok "-e keeps mode, place and size; auto align makes it robust" || { not_ok "-e plan wrong"; jq -c .plan "$TMP/out" | diag; }
run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -e namespace1.0 -m devdax
jq -e '.plan | .ok and .resource == 5452595200 and .raw_size == 62914560' "$TMP/out" >/dev/null &&
	ok "-e on a label-less range keeps its range" || not_ok "label-less -e plan wrong"
run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -e namespace1.0 -s 32M
expect_rc 73 "-e on a label-less range with --size"
run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -e namespace0.0 -m fsdax
expect_rc 73 "-e fsdax on the misaligned legacy range"
expect_err_line "not 2 MiB aligned" "misaligned legacy range: says why"
# raw too: the kernel maps a label-less range with struct pages (lab random seed 20)
run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -e namespace0.0 -m raw
expect_rc 73 "-e raw on the misaligned legacy range"
expect_err_line "would not map it there \(nvdimm_namespace_common_probe\(\): '\[mem 0x138900000-0x13ecfffff flags 0x200\] misaligned, unable to map'\)" "raw on a misaligned legacy range: the kernel's line"
run "$NSALIGN" create-namespace --dry-run --snapshot "$legacy" -e namespace1.0 -m raw
jq -e '.plan | .ok and .survives_multiples_of == 2097152' "$TMP/out" >/dev/null &&
	ok "raw on a legacy range survives moves by 2 MiB multiples" || { not_ok "legacy raw plan"; jq -c .plan "$TMP/out" | diag; }
run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" -e namespace7.7
expect_rc 66 "-e on a missing namespace"

# usage errors and refusals before anything is touched
for args in "-m yaml" "-a 3M" "-a banana" "-M elsewhere" "-s -1G" "--for swap" "-m raw -M mem" "stray"; do
	run "$NSALIGN" create-namespace --dry-run --snapshot "$b1" $args
	expect_rc 64 "usage: $args"
	[ "$(wc -l <"$TMP/err")" = 1 ] && ok "usage: $args: one line" || not_ok "usage: $args: $(cat "$TMP/err")"
done
run "$NSALIGN" create-namespace --snapshot "$b1" -m fsdax
expect_rc 64 "--snapshot without --dry-run"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$NSALIGN" create-namespace -m fsdax -s 1G
	expect_rc 77 "not root"
	expect_err_line "needs root" "not root: one line"
else
	run "$NSALIGN" create-namespace -m fsdax -s 1G
	expect_rc 77 "not root"
fi

done_testing
