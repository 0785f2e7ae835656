# SPDX-License-Identifier: GPL-2.0-or-later
# Findings that need a second boot and the kernel's own doing, two boots on
# the same images, nothing moved (nv0 at 0x100000000 both times, by addr=):
#   boot 1  nv0 (slot 0): fsdax 'lost', devdax 'small' (64 MiB) and raw
#           'doomed'; nv1 (slot 1, at 0x140000000): fsdax 'away'.  The
#           layout is kept as the record (nsalign snapshot, replayed on the
#           host through 'check --record').  NSA-KMEM-TOO-SMALL: 'small'
#           holds no whole 128 MiB block; nsalign's reconfigure refuses it
#           (73, nothing changed) and daxctl's reconfigure-device fails as
#           the finding says (the kernel's kmem: "rejecting DAX region
#           without any memory after alignment", no System RAM added).
#           Then 'doomed' is destroyed (ndctl destroy-namespace) and the
#           info block of 'lost' zeroed through its raw device (force_raw).
#   boot 2  nv1 removed: 'check --boot' exits 2 with NSA-NS-VANISHED for
#           'away' (cause dimm-removed, naming nv1's serial) and for
#           'doomed' (cause namespace-destroyed: same DIMMs, region here),
#           and NSA-NS-MODE-LOST for 'lost', which the kernel brought up raw
#           and enabled at the same address.
# NSA-DAX-ALIGN-UNSUPPORTED is not produced here, nor on any lab kernel: it
# is said of an *enabled* devdax namespace whose align is not one the
# kernel supports, and the kernel never enables one: nd_pfn_validate()
# refuses a devdax info block whose align nd_supported_alignment() lacks
# ("init failed, alignment mismatch", -EOPNOTSUPP), so such a namespace is
# disabled, which nsalign reports as refused (kernel.c predicts that line).
# The finding can only come from a snapshot whose supported alignments
# disagree with the kernel that wrote it.
# The kernel rules used here are the same on every target; the default
# target alone keeps the lab short.
REQUIRES="default-target zone-device"
BOOTS=2
setup() { truncate -s 1G "$RUN/nv0.img" && truncate -s 1G "$RUN/nv1.img"; }
nv() { # nv N ADDR SLOT
	echo "-object memory-backend-file,id=mem$1,share=on,mem-path=$RUN/nv$1.img,size=1G,align=2M" \
		"-device nvdimm,id=nv$1,memdev=mem$1,label-size=128K,slot=$3,addr=$(nv_addr "$2")"
}
qemu_args() {
	case "$1" in
	1) echo "-m 2G,slots=4,maxmem=32G $(nv 0 0x100000000 0) $(nv 1 0x140000000 1)" ;;
	2) echo "-m 2G,slots=4,maxmem=32G $(nv 0 0x100000000 0)" ;;
	esac
}
append_args() { echo "nsa_expect_nd nsa_collect=$([ "$1" = 1 ] && echo end || echo start)"; }

# uuid_of NAME: the label uuid of the namespace ndctl named NAME, as recorded
uuid_of() { jq -r --arg n "$1" '.namespaces[] | select(.name == $n) | .raw_uuid' "$RUN/boot1/record.json"; }
# finding CODE UUID: the one finding of that code about that namespace
finding() { jq -c --arg c "$1" --arg u "$2" '[.findings[] | select(.code == $c and .raw_uuid == $u)] | select(length == 1) | .[0]' "$RUN/boot2/boot-check.json"; }

assert_boot() {
	local n=$1 d=$2 st=$RUN/state
	if [ "$n" = 1 ]; then
		local dax
		dax=$(cat "$d/small.dax")
		check "ndctl made the four namespaces" \
			sh -c "for n in lost small doomed away; do jq -e .uuid '$d/ns-'\$n.json || exit 1; done"
		check "check: NSA-KMEM-TOO-SMALL for $dax, and for no other device" \
			jqf --arg x "$dax" '[.findings[] | select(.code == "NSA-KMEM-TOO-SMALL") | .dev] == [$x]' "$d/check1.json"
		check "reconfigure --dry-run refuses it (73): no whole memory block" \
			sh -c "[ \$(cat '$d/small.plan.rc') = 73 ] && grep -q 'holds no whole memory block' '$d/small.plan.err'"
		check "reconfigure refuses it too (73), and it is still devdax" \
			sh -c "[ \$(cat '$d/small.real.rc') = 73 ] && jq -e '(if type == \"array\" then .[0] else . end) | .mode == \"devdax\"' '$d/small.nsalign-after.json'"
		check "the kernel: daxctl reconfigure-device fails" sh -c "[ \$(cat '$d/small.daxctl.rc') != 0 ]"
		check "the kernel: kmem rejects it, no System RAM added" \
			sh -c "grep -q 'rejecting DAX region without any memory after alignment' '$d/dmesg' && [ \$(cat '$d/small.kmem-after') = \$(cat '$d/small.kmem-before') ]"
		check "the kernel: as the finding says, neither devdax nor System RAM (no driver bound)" \
			sh -c "[ -z \"\$(cat '$d/small.driver')\" ] && ! jq -e '(if type == \"array\" then .[0] else . end) | .mode == \"system-ram\"' '$d/small.daxctl-after.json'"
		echo "# daxctl after the failure: $(tr -d '\n\t ' <"$d/small.daxctl-after.json"), driver '$(cat "$d/small.driver")'"
		check "ndctl destroyed 'doomed', and the info block of 'lost' was zeroed" \
			sh -c "[ \$(cat '$d/destroy.rc') = 0 ] && [ \$(cat '$d/erase.rc') = 0 ]"
		rm -rf "$st"
		"$NSALIGN_BIN" check --record -q --snapshot "$d/record.json" --state-dir "$st" >/dev/null 2>&1
		check "the record holds the four namespaces and both DIMMs" \
			jqf '.boots[0].layout | (.namespaces | length) == 4 and (.dimms | length) == 2' "$st/state.json"
		return
	fi
	local snap=$d/snapshot.start.json rc lost away doomed serial
	lost=$(uuid_of lost) away=$(uuid_of away) doomed=$(uuid_of doomed)
	serial=$(jq -r --arg u "$away" '(.namespaces[] | select(.raw_uuid == $u) | .region) as $r | (.mappings[] | select(.region == $r) | .dimm) as $m | .dimms[] | select(.dev == $m) | .serial' "$RUN/boot1/record.json")
	"$NSALIGN_BIN" check --boot --no-journal --json --snapshot "$snap" --state-dir "$st" >"$d/boot-check.json" 2>"$d/boot-check.err"
	rc=$?
	jq -r '.findings[] | select(.code == "NSA-NS-VANISHED" or .code == "NSA-NS-MODE-LOST") | "# \(.code) \(.dev_recorded): \(.cause.code // "-"): \(.cause.text // "")"' "$d/boot-check.json"
	check "the kernel: one region, 'away' and 'doomed' not listed" \
		jqf --arg a "$away" --arg b "$doomed" '(.regions | length) == 1 and ([.. | objects | select(has("uuid") or has("raw_uuid")) | (.raw_uuid // .uuid)] as $u | ($u | index($a)) == null and ($u | index($b)) == null)' "$d/ndctl.start.json"
	check "the kernel: 'lost' is raw and enabled, at its recorded address" \
		jqf --arg u "$lost" --slurpfile r "$RUN/boot1/record.json" '.namespaces[] | select(.raw_uuid == $u) | .mode == "raw" and .enabled and .resource == ($r[0].namespaces[] | select(.raw_uuid == $u) | .resource)' "$snap"
	check "check --boot exits 2 (errors)" test "$rc" = 2
	check "NSA-NS-VANISHED for 'away': cause dimm-removed, naming nv1's serial $serial" \
		jqf --arg s "$serial" '.cause.code == "dimm-removed" and .cause.evidence.dimm_serial == $s and .severity == "error"' <<<"$(finding NSA-NS-VANISHED "$away")"
	check "... in words: 'Most likely cause: nmem... (serial $serial), a DIMM of region..., is gone, and the region with it', and the remedy puts it back" \
		jqf --arg s "$serial" '(.message | test("Most likely cause: nmem[0-9]+ \\(serial " + $s + "\\), a DIMM of region[0-9]+ \\(at 0x[0-9a-f]+ on the recorded boot\\), is gone, and the region with it")) and (.remedy | contains("put the NVDIMM with serial " + $s + " back in its slot"))' <<<"$(finding NSA-NS-VANISHED "$away")"
	check "NSA-NS-VANISHED for 'doomed': cause namespace-destroyed (same DIMMs, its region here)" \
		jqf '.cause.code == "namespace-destroyed" and (.message | contains("Most likely cause: same DIMMs, and region"))' <<<"$(finding NSA-NS-VANISHED "$doomed")"
	check "NSA-NS-MODE-LOST for 'lost': fsdax recorded, raw now, at the same address" \
		jqf '.mode_recorded == "fsdax" and .mode == "raw" and .severity == "error"' <<<"$(finding NSA-NS-MODE-LOST "$lost")"
	check "no move finding: nothing moved" jqf '[.findings[] | select(.code | test("MOVED"))] == []' "$d/boot-check.json"
	check "nothing said about 'small', the kernel's devdax again" \
		jqf --arg u "$(uuid_of small)" '[.findings[] | select(.raw_uuid == $u and (.code | test("VANISHED|MODE-LOST")))] == []' "$d/boot-check.json"
	check_schema "check --boot --json follows nsalign-check.schema.json" check "$d/boot-check.json"
}
