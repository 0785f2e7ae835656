# SPDX-License-Identifier: GPL-2.0-or-later
# nsalign rescue and repair against the kernel (doc/rescue-repair.md).
# Boot 1 (NVDIMM at 0x100000000): fsdax -s 2G -a 1G with ext4 holding a
# 16 MiB file, devdax -s 2G -a 1G with 16 MiB of known bytes, and a small
# fsdax -a 2M.  Boot 2 (+64 MiB): the kernel refuses both 1 GiB ones;
# rescue gives the file and the bytes back read-only, --undo puts them back,
# the accepted namespace is refused (73), and the image file is
# byte-identical to what boot 1 left.  Boot 3 (same place): repair's dry
# run plans 1G -> 2M, without --force nothing changes, a block the kernel
# rejects (fault injected) is rolled back byte for byte, and --force makes
# the kernel accept both with their data; only align and the checksum
# changed in the info blocks; --restore puts devdax's original block back
# (the kernel refuses it again) and a second repair makes it accepted
# again.  Boot 4: both come up by themselves, data intact.
# fsdax and devdax at 1 GiB
REQUIRES="zone-device align-1g"
BOOTS=4
NV_BASE=0x100000000
setup() { truncate -s 5G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "$([ "$1" != 1 ] && echo 0x104000000)" 5G; }
append_args() {
	local k
	printf 'nsa_expect_nd'
	if [ "$1" != 1 ]; then
		for k in fsdax devdax small; do printf ' nsa_%s=%s' $k "$(cat "$RUN/$k.id" 2>/dev/null)"; done
	fi
	echo
}

# the info block of namespace KIND in the image file (its place on the DIMM
# is its boot-1 SPA minus the DIMM's base): img_ib KIND OUT
img_ib() {
	local res
	res=$(cat "$RUN/$1.resource")
	dd if="$RUN/nv0.img" of="$2" bs=4096 skip=$(((res - NV_BASE) / 4096 + 1)) count=1 2>/dev/null
}
# the namespace with label uuid U in an 'ndctl list -v' file: ns_sel U
ns_sel() { echo "[.. | objects | select(.dev? and (.raw_uuid? == \"$1\" or (.mode? == \"raw\" and .uuid? == \"$1\")))][0]"; }
# only_align_and_checksum OLD NEW: the two blocks differ in no byte outside
# align (offset 84, 4 bytes) and the checksum (offset 4088, 8 bytes)
only_align_and_checksum() {
	[ "$(cmp -l "$1" "$2" | awk '$1 < 85 || ($1 > 88 && $1 < 4089) {n++} END {print n + 0}')" = 0 ] &&
		! cmp -s "$1" "$2"
}
ib_align() { od -An -tu4 -j84 -N4 "$1" | tr -d ' '; }
sha_eq() { [ -s "$1" ] && [ -s "$2" ] && [ "$(cat "$1")" = "$(cat "$2")" ]; }

# helpers for one boot's results in $d (assert_boot's)
rc() { grep -qx "$2" "$d/$1.rc"; }                     # rc TAG CODE
says() { grep -q -- "$2" "$d/$1"; }                    # says FILE TEXT
same() { [ -s "$1" ] && [ "$(cat "$1")" = "$(cat "$2")" ]; } # same FILE FILE (non-empty)
ns_is() { jq -e "$(ns_sel "$1") | $2" "$3" >/dev/null; } # ns_is UUID JQ-TEST FILE
refusals() { grep -c 'bad offset: 0x40000000 dax disabled align: 0x40000000' "$1"; }

assert_boot() {
	local n=$1 d=$2 F D S k u b
	F=$(cat "$RUN/fsdax.id" 2>/dev/null) D=$(cat "$RUN/devdax.id" 2>/dev/null) S=$(cat "$RUN/small.id" 2>/dev/null)
	case $n in
	1)
		check "ndctl created fsdax and devdax -s 2G -a 1G and fsdax -a 2M" eval '
			jqf ".mode == \"fsdax\" and .align == 1073741824" "$d/create.fsdax.json" &&
			jqf ".mode == \"devdax\" and .align == 1073741824" "$d/create.devdax.json" &&
			jqf ".mode == \"fsdax\" and .align == 2097152" "$d/create.small.json"'
		check "ext4 on the fsdax namespace holds a 16 MiB file (sha256 recorded)" test -s "$d/fsdax.sha256"
		check "daxrw wrote 16 MiB to the devdax namespace and read the same back" \
			eval 'rc daxrw.write 0 && same "$d/devdax.sha256" "$d/devdax.readback.sha256"'
		check "nsalign simulate --shift 64M: both 1 GiB ones refused after it, repair would bring them back (align 2 MiB)" \
			jqf '[.. | objects | select(.repairable? == true and .repair_align == 2097152)] | length == 2' "$d/simulate.json.out"
		check "... in its text too" test "$(grep -c "'nsalign repair' would bring it back (align 2 MiB)" "$d/simulate.out")" = 2
		for k in fsdax devdax small; do
			cp "$d/$k.uuid" "$RUN/$k.id"
			cp "$d/$k.resource" "$RUN/$k.resource"
		done
		cp "$d/fsdax.sha256" "$d/devdax.sha256" "$RUN/"
		img_ib fsdax "$RUN/ib.fsdax.boot1.bin"
		img_ib devdax "$RUN/ib.devdax.boot1.bin"
		file_sha256 "$RUN/nv0.img" >"$RUN/img.1"
		echo "# nv0.img after boot 1: $(cat "$RUN/img.1")"
		;;
	2)
		check "kernel refused both 1 GiB namespaces: 'bad offset: 0x40000000 dax disabled align: 0x40000000' twice" \
			test "$(refusals "$d/dmesg.start")" = 2
		check "ndctl: both raw and disabled, the small fsdax one enabled" eval '
			ns_is "$F" ".mode == \"raw\" and .state == \"disabled\"" "$d/ndctl.start.json" &&
			ns_is "$D" ".mode == \"raw\" and .state == \"disabled\"" "$d/ndctl.start.json" &&
			ns_is "$S" ".mode == \"fsdax\" and .state != \"disabled\"" "$d/ndctl.start.json"'
		for u in "$F" "$D"; do
			check "nsalign check: NSA-NS-REFUSED for $u; its remedy names 'nsalign rescue $u' and 'nsalign repair $u --dry-run'" \
				jqf "[.findings[] | select(.code == \"NSA-NS-REFUSED\" and .raw_uuid == \"$u\") | .remedy |
					contains(\"nsalign rescue $u\") and contains(\"nsalign repair $u --dry-run\")] == [true]" "$d/check.start.json"
		done
		check "rescue fsdax (by label uuid): exit 0" rc rescue.fsdax 0
		check "rescue fsdax: says ext4 and 'mount -o ro,noload' on its loop device" eval '
			l=$(cat "$d/rescue.fsdax.loop") && [ -n "$l" ] &&
			says rescue.fsdax.out ext4 && says rescue.fsdax.out "mount -o ro,noload $l"'
		check "rescue fsdax: raw device read-only, force_raw set, the region's read_only untouched" \
			test "$(cat "$d/rescue.fsdax.pmem_ro") $(cat "$d/rescue.fsdax.force_raw") $(cat "$d/rescue.fsdax.region_ro")" = "1 1 0"
		check "rescue fsdax: read-only loop device at dataoff 1 GiB, 1 GiB long" \
			test "$(cat "$d/rescue.fsdax.loopinfo")" = "1073741824 1073741824 1"
		check "rescue fsdax: mount -o ro,noload works, the file's sha256 is boot 1's" \
			eval 'rc rescue.fsdax.mount 0 && same "$d/rescue.fsdax.sha256" "$RUN/fsdax.sha256"'
		check "rescue --undo while mounted: exit 73, 'umount it first'" \
			eval 'rc undo.mounted 73 && says undo.mounted.err "umount it first"'
		check "rescue --undo fsdax: exit 0; raw, disabled, force_raw 0, no loop device" eval '
			rc undo.fsdax 0 && [ "$(cat "$d/undo.fsdax.state")" = "force_raw=0 loop=" ] &&
			ns_is "$F" ".mode == \"raw\" and .state == \"disabled\"" "$d/undo.fsdax.ndctl.json"'
		check "rescue devdax (--json): exit 0, its loop device, data at 1 GiB, 1 GiB long" eval '
			rc rescue.devdax 0 &&
			jq -e --arg l "$(cat "$d/rescue.devdax.loop")" ".loop == \$l and .data_offset == 1073741824 and .data_size == 1073741824" "$d/rescue.devdax.out"'
		check "rescue devdax: its record in /run/nsalign/rescue names raw_uuid, the loop device, rescued_at in RFC 3339" \
			jq -e --arg u "$D" --arg l "$(cat "$d/rescue.devdax.loop")" '.schema == 2 and .raw_uuid == $u and .loop == $l and
				.data_offset == 1073741824 and .data_size == 1073741824 and (has("uuid") or has("time") | not) and
				(.rescued_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))' "$d/rescue.devdax.state.json"
		check "rescue devdax: read-only loop device at dataoff 1 GiB, 1 GiB long" \
			test "$(cat "$d/rescue.devdax.loopinfo")" = "1073741824 1073741824 1"
		check "rescue devdax: the 16 MiB at the loop device's start are boot 1's bytes" \
			same "$d/rescue.devdax.sha256" "$RUN/devdax.sha256"
		check "rescue --undo devdax: exit 0; raw, disabled, force_raw 0, no loop device" eval '
			rc undo.devdax 0 && [ "$(cat "$d/undo.devdax.state")" = "force_raw=0 loop=" ] &&
			ns_is "$D" ".mode == \"raw\" and .state == \"disabled\"" "$d/undo.devdax.ndctl.json"'
		check "rescue of the accepted fsdax namespace: exit 73 with a reason, still enabled fsdax" eval '
			rc rescue.small 73 && [ -s "$d/rescue.small.err" ] &&
			ns_is "$S" ".mode == \"fsdax\" and .state != \"disabled\"" "$d/rescue.small.ndctl.json"'
		check "the region's read_only makes another namespace's disk read-only at once (why rescue uses BLKROSET): ro 0, 1, 0" \
			grep -qx '0 1 0 ' "$d/region-ro.small"
		check "no loop device left" test ! -s "$d/losetup.end"
		check_schema "rescue, rescue --undo and the refused rescue (--json) follow doc/nsalign-rescue.schema.json" \
			rescue "$d/rescue.devdax.out" "$d/undo.devdax.out" "$d/rescue.small.out"
		check "... the rescue names the namespace by its label uuid, the refusal says why with its exit status" eval '
			jqf ".raw_uuid == \"$D\" and .read_only and (.copy | test(\"^dd \"))" "$d/rescue.devdax.out" &&
			jqf ".undone and .raw_uuid == \"$D\"" "$d/undo.devdax.out" &&
			jqf ".raw_uuid == \"$S\" and .error.code == 73 and (.blockdev == null)" "$d/rescue.small.out"'
		file_sha256 "$RUN/nv0.img" >"$RUN/img.2"
		echo "# nv0.img after boot 1: $(cat "$RUN/img.1")"
		echo "# nv0.img after boot 2: $(cat "$RUN/img.2") (rescue, read, undo)"
		check "the backing file is byte-identical after the rescue boot" same "$RUN/img.1" "$RUN/img.2"
		;;
	3)
		check "kernel refused both again at boot (bad offset, align 0x40000000)" test "$(refusals "$d/dmesg.start")" = 2
		check "ndctl read-infoblock: the blocks are boot 1's" \
			eval 'cmp -s "$d/ib.fsdax.0.bin" "$RUN/ib.fsdax.boot1.bin" && cmp -s "$d/ib.devdax.0.bin" "$RUN/ib.devdax.boot1.bin"'
		check "repair --dry-run: exit 0, plans align 1 GiB -> 2 MiB and says what it costs" \
			eval 'rc dry.fsdax 0 && says dry.fsdax.out "1 GiB -> 2 MiB" && says dry.fsdax.out cost'
		for k in fsdax devdax; do
			u=$F && [ $k = devdax ] && u=$D
			check "repair $k --dry-run --json: exit 0, new_align 2 MiB (was 1 GiB), nothing written" eval '
				rc dry.$k.json 0 &&
				jq -e ".new_align == 2097152 and .infoblock.align == 1073741824 and .dry_run and .written == false" "$d/dry.$k.json.out"'
			check "repair $k without --force: exit 73, says to add --force" \
				eval 'rc noforce.$k 73 && grep -q -- --force "$d/noforce.$k.err" "$d/noforce.$k.out"'
			check "repair $k: the dry run and the refusal changed nothing (info block, ndctl)" eval '
				cmp -s "$d/ib.$k.0.bin" "$d/ib.$k.1.bin" &&
				ns_is "$u" ".mode == \"raw\" and .state == \"disabled\"" "$d/ndctl.1.json"'
		done
		check "repair with a wrong align injected: exit 73, 'the kernel refused ..., the original info block is back'" \
			eval 'rc inject 73 && says inject.err "the kernel refused" && says inject.err "the original info block is back"'
		check "... the kernel did refuse the injected block (one more probe failure in dmesg)" \
			test "$(grep -c 'failed with error' "$d/dmesg.inject")" -gt "$(grep -c 'failed with error' "$d/dmesg.start")"
		check "... the info block is byte-identical to before; raw, disabled, force_raw 0" eval '
			cmp -s "$d/ib.fsdax.0.bin" "$d/ib.fsdax.2.bin" && grep -qx 0 "$d/inject.force_raw" &&
			ns_is "$F" ".mode == \"raw\" and .state == \"disabled\"" "$d/ndctl.2.json"'
		check "repair fsdax --force: exit 0, the kernel accepted it" \
			eval 'rc repair.fsdax 0 && says repair.fsdax.out "the kernel accepted"'
		check "repair devdax --force --json: exit 0, written, accepted, new_align 2 MiB" eval '
			rc repair.devdax 0 &&
			jq -e ".written and .accepted and .new_align == 2097152" "$d/repair.devdax.out"'
		check "ndctl: fsdax enabled with align 2 MiB" \
			ns_is "$F" '.mode == "fsdax" and .align == 2097152 and .state != "disabled"' "$d/ndctl.3.json"
		check "ndctl: devdax enabled with align 2 MiB" \
			ns_is "$D" '.mode == "devdax" and .align == 2097152 and .state != "disabled"' "$d/ndctl.3.json"
		b=$(ls "$d"/backup-default/*.infoblock 2>/dev/null | head -1)
		check "fsdax: a backup in /var/lib/nsalign/backup holding boot 1's block" eval '[ -n "$b" ] && cmp -s "$b" "$RUN/ib.fsdax.boot1.bin"'
		check "... named NAMESPACE-UUID-YYYYmmddTHHMMSSZ.infoblock" \
			eval '[ -n "$b" ] && basename "$b" | grep -qE -- "^namespace[0-9]+\.[0-9]+-$F-[0-9]{8}T[0-9]{6}Z\.infoblock\$"'
		b=$(ls "$d"/backup/*.infoblock 2>/dev/null | head -1)
		check "devdax: a backup in --backup-dir holding boot 1's block" eval '[ -n "$b" ] && cmp -s "$b" "$RUN/ib.devdax.boot1.bin"'
		check "repair --restore while the kernel runs the namespace: exit 73, 'disable-namespace' first" \
			eval 'rc restore.running 73 && says restore.running.err "ndctl disable-namespace"'
		check "repair --restore of another namespace's block: exit 65, its parent uuid named" \
			eval 'rc restore.foreign 65 && says restore.foreign.err "parent uuid"'
		check "repair --restore --dry-run: exit 0; without --force: exit 73; the block still the repaired one" eval '
			rc restore.dry 0 && rc restore.noforce 73 && says restore.dry.out "the kernel will refuse it" &&
			only_align_and_checksum "$RUN/ib.devdax.boot1.bin" "$d/ib.devdax.before-restore.bin" &&
			[ "$(ib_align "$d/ib.devdax.before-restore.bin")" = 2097152 ]'
		check "repair --restore --force: exit 0, written, and the kernel refuses the 1 GiB block here again" eval '
			rc restore 0 && jqf ".written == true and .accepted == false" "$d/restore.out" &&
			[ "$(refusals "$d/dmesg.restore")" -gt "$(refusals "$d/dmesg.inject")" ]'
		check "... the block on the media is boot 1's, byte for byte; the repaired one saved first" eval '
			cmp -s "$d/ib.devdax.restored.bin" "$RUN/ib.devdax.boot1.bin" &&
			b2=$(ls "$d"/backup-restore/*.infoblock | head -1) && cmp -s "$b2" "$d/ib.devdax.before-restore.bin"'
		check "... the namespace raw and disabled again, as after the move" \
			ns_is "$D" '.mode == "raw" and .state == "disabled"' "$d/ndctl.restored.json"
		check "repair --force again: exit 0, accepted, align 2 MiB" eval '
			rc repair2.devdax 0 && jqf ".accepted == true and .new_align == 2097152" "$d/repair2.devdax.out" &&
			ns_is "$D" ".mode == \"devdax\" and .align == 2097152" "$d/ndctl.repaired2.json"'
		check_schema "repair --json (dry runs, --force, --restore, again) follows doc/nsalign-repair.schema.json" \
			repair "$d/dry.fsdax.json.out" "$d/dry.devdax.json.out" "$d/repair.devdax.out" "$d/restore.out" "$d/repair2.devdax.out"
		check_schema "... and its refusals (no --force, the injected failure, running, another's backup) with their error" \
			repair "$d/noforce.devdax.out" "$d/inject.out" "$d/restore.running.out" "$d/restore.foreign.out"
		check "... each refusal's error.code is its exit status; the injected one says the old block is back" eval '
			(for t in noforce.devdax inject restore.running restore.foreign; do
				[ "$(jq .error.code "$d/$t.out")" = "$(cat "$d/$t.rc")" ] || exit 1
			done) && jqf ".restored and .written and (.backup | length > 0)" "$d/inject.out"'
		img_ib fsdax "$RUN/ib.fsdax.boot3.bin"
		img_ib devdax "$RUN/ib.devdax.boot3.bin"
		for k in fsdax devdax; do
			check "$k info block on the media: only align (now 0x200000) and the checksum changed" eval '
				only_align_and_checksum "$RUN/ib.$k.boot1.bin" "$RUN/ib.$k.boot3.bin" &&
				[ "$(ib_align "$RUN/ib.$k.boot3.bin")" = 2097152 ]'
		done
		;;
	4)
		check "kernel: no bad offset at boot" eval '! grep -q "bad offset" "$d/dmesg.start"'
		check "ndctl at boot: fsdax and devdax enabled by themselves, align 2 MiB" eval '
			ns_is "$F" ".mode == \"fsdax\" and .align == 2097152" "$d/ndctl.start.json" &&
			ns_is "$D" ".mode == \"devdax\" and .align == 2097152" "$d/ndctl.start.json"'
		check "nsalign check: nothing refused" jqf '[.findings[] | select(.code == "NSA-NS-REFUSED")] | length == 0' "$d/check.start.json"
		;;
	esac
	# the kernel's own view, collected at every boot: check and snapshot
	# follow their schemas with namespaces raw, refused, repaired; the
	# label uuid (raw_uuid) names each namespace whatever its mode
	check_schema "boot $n: check --json (start, end) follows doc/nsalign-check.schema.json" \
		check "$d/check.start.json" "$d/check.end.json"
	check_schema "boot $n: snapshot (start, end) follows doc/nsalign-snapshot.schema.json" \
		snapshot "$d/snapshot.start.json" "$d/snapshot.end.json"
	if [ "$n" -ge 2 ]; then
		check "boot $n: check --json names fsdax and devdax by their label uuids (raw_uuid) in every mode" eval '
			jqf "[.namespaces[] | select(.raw_uuid == \"$F\" or .raw_uuid == \"$D\")] | length == 2" "$d/check.start.json"'
	fi
	if [ "$n" -ge 3 ]; then
		check "fsdax: mounted from its pmem device, the file's sha256 is boot 1's" \
			eval 'rc data.fsdax.mount 0 && same "$d/data.fsdax.sha256" "$RUN/fsdax.sha256"'
		check "devdax: its dax device has 2 MiB align, the bytes are boot 1's" \
			eval 'grep -qx 2097152 "$d/data.devdax.align" && same "$d/data.devdax.sha256" "$RUN/devdax.sha256"'
		file_sha256 "$RUN/nv0.img" >"$RUN/img.$n"
		echo "# nv0.img after boot $n: $(cat "$RUN/img.$n")"
	fi
}
