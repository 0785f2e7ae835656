# SPDX-License-Identifier: GPL-2.0-or-later
# Power cuts during 'nsalign repair --force' and 'nsalign check --record'
# (issue 18): QEMU is stopped hard (the monitor's 'quit': no shutdown, no
# sync, no unmount) with nsalign stopped at a chosen point, and the next
# boot on the same image file finds what a power cut leaves.  The NVDIMM is
# a memory-backend-file with share=on: the guest's stores go straight into
# the host's shared mapping of nv0.img (TCG has no cache to lose), so the
# file holds exactly what the guest had stored when QEMU quit, as the media
# would.  The points (a test build's NSALIGN_FAULT_INJECT=pause:STEP, which
# stops nsalign there and says so):
#   after-backup  the old block saved (fsynced), nothing written yet
#   mid-write     the new block's first 2 KiB written, not the rest: a
#                 torn write.  nsalign writes the 4 KiB block with one
#                 synchronous write, but PMEM has no atomic 4 KiB write
#                 (no BTT here): a cut during that write can leave any
#                 mix of old and new; the test build writes the block in
#                 two halves and stops between them (torn:STEP) to model
#                 one.  What nsalign promises then: the backup is whole,
#                 --restore brings the old block back, and it says what
#                 the kernel does with the torn block.
#   after-write   the new block written and read back, the kernel not yet
#                 handed the namespace
#   record write / fsync-dir: check --record's new state file half written
#                 (a temp file), or renamed over the old one before the
#                 directory's fsync
# Boot 1 (NVDIMM at 0x100000000): fsdax and devdax -s 2G -a 1G, a small
# fsdax with ext4 holding the state directory and the backups (on the
# NVDIMM: they cross the cut as on a disk), a first record.  Boot 2
# (+64 MiB, the kernel refuses both): cut with fsdax after-backup, devdax
# mid-write, the record at write.  Boot 3: what that left; --restore both;
# cut with fsdax mid-write, devdax after-write, the record at fsync-dir.
# Boot 4: what that left; --restore both.
REQUIRES="zone-device align-1g"
BOOTS=4
NV_BASE=0x100000000
setup() { truncate -s 5G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "$([ "$1" != 1 ] && echo 0x104000000)" 5G; }
# the cut of each boot: fsdax's point, devdax's, the record's
cut_of() {
	case $1 in
	2) echo after-backup mid-write write ;;
	3) echo mid-write after-write fsync-dir ;;
	esac
}
append_args() {
	local k c
	printf 'nsa_expect_nd nsa_collect=start'
	if [ "$1" != 1 ]; then
		for k in fsdax devdax small; do printf ' nsa_%s=%s' $k "$(cat "$RUN/$k.id" 2>/dev/null)"; done
		c=($(cut_of "$1"))
		[ ${#c[@]} = 3 ] && printf ' nsa_cut_fsdax=%s nsa_cut_devdax=%s nsa_cut_record=%s' "${c[@]}"
	fi
	echo
}
# the cut: 'quit' once the guest has sent its results and says so (at most 200 s)
monitor_script() {
	local i=0 d=$RUN/boot$1
	if [ -n "$(cut_of "$1")" ]; then
		while [ $i -lt 400 ] && ! { grep -q NSA-POWERCUT-NOW "$d/console.log" && grep -q NSA-RESULTS-END "$d/results.b64"; } 2>/dev/null; do
			sleep 0.5
			i=$((i + 1))
		done
		echo quit
	fi
	exec sleep 300
}
# the blocks as the cut left them, read from the image file before the boot
before_boot() {
	local k
	[ "$1" -ge 3 ] || return 0
	for k in fsdax devdax; do img_ib $k "$RUN/ib.$k.pre$1.bin"; done
}

img_ib() { # img_ib KIND OUT: the info block of namespace KIND in nv0.img
	local res
	res=$(cat "$RUN/$1.resource")
	dd if="$RUN/nv0.img" of="$2" bs=4096 skip=$(((res - NV_BASE) / 4096 + 1)) count=1 2>/dev/null
}
ns_sel() { echo "[.. | objects | select(.dev? and (.raw_uuid? == \"$1\" or (.mode? == \"raw\" and .uuid? == \"$1\")))][0]"; }
rc() { grep -qx "$2" "$d/$1.rc"; }
ib_align() { od -An -tu4 -j84 -N4 "$1" | tr -d ' '; }
# differ OLD NEW FROM TO: how many bytes differ in [FROM, TO) (0-based)
differ() { cmp -l "$1" "$2" | awk -v a="$3" -v b="$4" '$1 - 1 >= a && $1 - 1 < b {n++} END {print n + 0}'; }
# block_is OLD BLOCK: old, new (only align, now 2 MiB, and the checksum
# changed), torn (the first half new, the second old: the old checksum),
# or other
block_is() {
	if cmp -s "$1" "$2"; then
		echo old
	elif [ "$(ib_align "$2")" = 2097152 ] && [ "$(differ "$1" "$2" 0 84)" = 0 ] &&
		[ "$(differ "$1" "$2" 88 4088)" = 0 ]; then
		if [ "$(differ "$1" "$2" 4088 4096)" = 0 ]; then echo torn; else echo new; fi
	else
		echo other
	fi
}
# verdict UUID FILE: what the kernel made of the namespace (ndctl list -Niv):
# refused (raw, disabled), accepted (its mode, enabled), raw (enabled raw: no info block seen)
verdict() {
	jq -r "$(ns_sel "$1") | if .mode == \"raw\" then (if .state == \"disabled\" then \"refused\" else \"raw\" end)
		elif .state == \"disabled\" then \"disabled\" else \"accepted\" end" "$2" 2>/dev/null
}
# prediction TAG: what nsalign says the kernel does with the block (repair
# --restore BLOCK --dry-run): refused (kernel_refusal), accepted, or raw
# (65: not a valid info block, which the kernel does not see either)
prediction() {
	if rc "$1" 65; then
		echo raw
	elif rc "$1" 0; then
		jq -r 'if (.kernel_refusal // "") != "" then "refused" else "accepted" end' "$d/$1.out" 2>/dev/null
	else
		echo "exit $(cat "$d/$1.rc")"
	fi
}
boots_in() { jq '.boots | length' "$1" 2>/dev/null; } # records in a state file

assert_boot() {
	local n=$1 d=$2 k u c want got kv pv before
	c=($(cut_of "$n"))
	if [ "$n" = 1 ]; then
		check "ndctl created fsdax and devdax -s 2G -a 1G and the small fsdax -a 2M" eval '
			jqf ".mode == \"fsdax\" and .align == 1073741824" "$d/create.fsdax.json" &&
			jqf ".mode == \"devdax\" and .align == 1073741824" "$d/create.devdax.json" &&
			jqf ".mode == \"fsdax\" and .align == 2097152" "$d/create.small.json"'
		check "check --record on the small namespace's ext4: a state with one boot" test "$(boots_in "$d/state.json")" = 1
		for k in fsdax devdax small; do
			cp "$d/$k.uuid" "$RUN/$k.id"
			cp "$d/$k.resource" "$RUN/$k.resource"
		done
		for k in fsdax devdax; do img_ib $k "$RUN/ib.$k.old.bin"; done
		boots_in "$d/state.json" >"$RUN/state.boots"
		return
	fi
	check "the ext4 holding the backups and the state mounts (after a cut: its journal replayed)" rc mount.p 0
	# the state: the old file or the new one, and nsalign reads it
	before=$(cat "$RUN/state.boots")
	got=$(boots_in "$d/state.json")
	case $got in "$before") want=old ;; $((before + 1))) want=new ;; *) want="torn or lost ($got records)" ;; esac
	echo "# state.json: $want ($got records, $before before); $(grep -c '\.tmp\.' "$d/state.ls") temp file(s) beside it"
	[ "$n" -ge 3 ] && echo "# RESULT $TARGET record cut at $(cat "$RUN/cut.record"): state.json $want, $(grep -c '\.tmp\.' "$d/state.ls") temp file(s)"
	check "state.json parses, the old or the new one ($want)" eval '[ "$want" = old ] || [ "$want" = new ]'
	check "nsalign check --state-dir reads it (not moved aside as damaged)" eval '
		jq -e .findings "$d/state.check.out" >/dev/null && ! grep -qi damaged "$d/state.check.err" &&
		jqf "[.findings[] | select(.code == \"NSA-STATE-DAMAGED\")] | length == 0" "$d/state.check.out" &&
		! grep -q "state.json.damaged" "$d/state.ls"'
	[ "$n" = 2 ] && check "boot 2, moved +64 MiB: the kernel refused both 1 GiB namespaces" eval '
		[ "$(verdict "$(cat "$RUN/fsdax.id")" "$d/ndctl.start.json")" = refused ] &&
		[ "$(verdict "$(cat "$RUN/devdax.id")" "$d/ndctl.start.json")" = refused ]'
	if [ "$n" -ge 3 ]; then
		local point
		for k in fsdax devdax; do
			u=$(cat "$RUN/$k.id")
			point=$(cat "$RUN/cut.$k")
			got=$(block_is "$RUN/ib.$k.old.bin" "$RUN/ib.$k.pre$n.bin")
			case $point in after-backup) want=old ;; after-write) want=new ;; mid-write) want=torn ;; esac
			check "$k, cut $point: the block on the media is $want (found: $got)" test "$got" = "$want"
			check "$k: the guest read the same block as the image file holds" cmp -s "$d/ib.$k.now.bin" "$RUN/ib.$k.pre$n.bin"
			kv=$(verdict "$u" "$d/ndctl.start.json")
			pv=$(prediction predict.$k)
			check "$k, cut $point: the kernel's verdict at boot ($kv) is nsalign's prediction for that block ($pv)" test "$kv" = "$pv"
			if [ "$kv" = refused ]; then
				check "$k: nsalign check at boot: NSA-NS-REFUSED for it" \
					jqf "[.findings[] | select(.code == \"NSA-NS-REFUSED\" and .raw_uuid == \"$u\")] | length == 1" "$d/check.start.json"
			fi
			case $kv in
			raw) check "$k: --restore --dry-run as the kernel left it (raw): exit 73, its block does not validate, 'ndctl disable-namespace' first" eval '
				rc asleft.$k 73 && grep -q "its info block does not validate" "$d/asleft.$k.err" && grep -q "ndctl disable-namespace" "$d/asleft.$k.err"' ;;
			accepted) check "$k: --restore --dry-run as the kernel left it (accepted): exit 73, 'ndctl disable-namespace' first" eval '
				rc asleft.$k 73 && grep -q "ndctl disable-namespace" "$d/asleft.$k.err"' ;;
			*) check "$k: --restore --dry-run as the kernel left it ($kv): exit 0" rc asleft.$k 0 ;;
			esac
			check "$k: the cut repair's backup is whole: one 4096-byte file, the old block" eval '
				[ "$(wc -l <"$d/backup.$k.list")" = 1 ] && cmp -s "$d/backup.$k.bin" "$RUN/ib.$k.old.bin"'
			check "$k: repair --restore BACKUP --force: exit 0, written, the kernel refuses the old block here (accepted false)" eval '
				rc restore.$k 0 && jqf ".written == true and .accepted == false" "$d/restore.$k.out" &&
				[ "$(verdict "$u" "$d/restored.$k.json")" = refused ]'
			check "$k: after --restore the block on the media is the old one, byte for byte" cmp -s "$d/ib.$k.restored.bin" "$RUN/ib.$k.old.bin"
			echo "# RESULT $TARGET point=$point mode=$k block=$got kernel=$kv nsalign=$pv restore=rc$(cat "$d/restore.$k.rc"),$(block_is "$RUN/ib.$k.old.bin" "$d/ib.$k.restored.bin"),$(verdict "$u" "$d/restored.$k.json") check=$(jq -r "[.findings[] | select(.raw_uuid? == \"$u\" or .uuid? == \"$u\") | .code] | join(\",\")" "$d/check.start.json" 2>/dev/null)"
		done
	fi
	boots_in "$d/state.json" >"$RUN/state.boots"
	if [ ${#c[@]} = 3 ]; then
		echo "${c[0]}" >"$RUN/cut.fsdax"
		echo "${c[1]}" >"$RUN/cut.devdax"
		echo "${c[2]}" >"$RUN/cut.record"
		check "the cut: the record and both repairs stopped at their points (${c[*]}) and QEMU quit there" eval '
			[ -s "$d/cut.record.paused" ] && [ -s "$d/cut.fsdax.paused" ] && [ -s "$d/cut.devdax.paused" ] &&
			grep -qx 0 "$RUN/boot$n/qemu.rc"'
	fi
}
