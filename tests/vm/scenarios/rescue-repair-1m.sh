# SPDX-License-Identifier: GPL-2.0-or-later
# A move by 1 MiB, which no info block can make up for (the kernel needs the
# namespace's start and end on 2 MiB).  Boot 1 (NVDIMM at 0x100000000):
# fsdax -s 1G -a 2M with ext4 holding a 16 MiB file, devdax -s 1G -a 2M
# with 16 MiB of known bytes.  Boot 2 (addr=0x100100000): the kernel refuses
# both; repair --dry-run and --force refuse (73) and name nsalign rescue,
# nothing changed; rescue gives the file and the bytes back; the image file
# is byte-identical to what boot 1 left.
# fsdax and devdax at 2 MiB
REQUIRES="zone-device"
BOOTS=2
setup() { truncate -s 4G "$RUN/nv0.img"; }
# the backend's align is 1M on both boots, so that QEMU takes the +1 MiB addr=
qemu_args() { one_nvdimm "$([ "$1" = 2 ] && echo 0x100100000)" 4G 1M; }
append_args() {
	printf 'nsa_expect_nd'
	[ "$1" = 2 ] && printf ' nsa_fsdax=%s nsa_devdax=%s' "$(cat "$RUN/fsdax.id")" "$(cat "$RUN/devdax.id")"
	echo
}

rc() { grep -qx "$2" "$d/$1.rc"; }                     # rc TAG CODE
says() { grep -q -- "$2" "$d/$1"; }                    # says FILE TEXT
same() { [ -s "$1" ] && [ "$(cat "$1")" = "$(cat "$2")" ]; } # same FILE FILE (non-empty)
ns_raw_disabled() { # ns_raw_disabled UUID FILE (ndctl list -Niv)
	jq -e "[.. | objects | select(.dev? and .uuid? == \"$1\" and .mode? == \"raw\" and .state? == \"disabled\")] | length == 1" "$2" >/dev/null
}

assert_boot() {
	local n=$1 d=$2 F D k u size
	if [ "$n" = 1 ]; then
		check "ndctl created fsdax and devdax -s 1G -a 2M" eval '
			jqf ".mode == \"fsdax\" and .align == 2097152" "$d/create.fsdax.json" &&
			jqf ".mode == \"devdax\" and .align == 2097152" "$d/create.devdax.json"'
		check "ext4 on the fsdax namespace holds a 16 MiB file (sha256 recorded)" test -s "$d/fsdax.sha256"
		check "daxrw wrote 16 MiB to the devdax namespace and read the same back" \
			eval 'rc daxrw.write 0 && same "$d/devdax.sha256" "$d/devdax.readback.sha256"'
		for k in fsdax devdax; do
			cp "$d/$k.uuid" "$RUN/$k.id"
			cp "$d/$k.sha256" "$RUN/"
			jq -r .size "$d/create.$k.json" >"$RUN/$k.datasize"
		done
		file_sha256 "$RUN/nv0.img" >"$RUN/img.1"
		echo "# nv0.img after boot 1: $(cat "$RUN/img.1")"
		return
	fi
	F=$(cat "$RUN/fsdax.id") D=$(cat "$RUN/devdax.id")
	check "kernel refused both: 'bad offset: ... dax disabled align: 0x200000' twice" \
		test "$(grep -c 'bad offset: 0x[0-9a-f]* dax disabled align: 0x200000' "$d/dmesg.start")" = 2
	check "ndctl: both raw and disabled" eval 'ns_raw_disabled "$F" "$d/ndctl.start.json" && ns_raw_disabled "$D" "$d/ndctl.start.json"'
	for u in "$F" "$D"; do
		check "nsalign check: NSA-NS-REFUSED for $u; its remedy names 'nsalign rescue $u', not repair" \
			jqf "[.findings[] | select(.code == \"NSA-NS-REFUSED\" and .raw_uuid == \"$u\") | .remedy |
				contains(\"nsalign rescue $u\") and (contains(\"nsalign repair $u --dry-run\") | not)] == [true]" "$d/check.start.json"
	done
	for k in fsdax devdax; do
		for m in dry force; do
			check "repair $k --$([ $m = dry ] && echo dry-run || echo force): exit 73, the reason, names 'nsalign rescue'" \
				eval 'rc $m.$k 73 && says $m.$k.err "nsalign rescue"'
		done
		check "repair $k: nothing changed (info block, no backup written)" \
			eval 'cmp -s "$d/ib.$k.0.bin" "$d/ib.$k.1.bin" && [ -s "$d/ib.$k.0.bin" ] && [ -z "$(ls "$d/backup" 2>/dev/null)" ]'
	done
	check "ndctl after the refusals: both still raw and disabled" eval 'ns_raw_disabled "$F" "$d/ndctl.1.json" && ns_raw_disabled "$D" "$d/ndctl.1.json"'
	for k in fsdax devdax; do
		size=$(cat "$RUN/$k.datasize")
		check "rescue $k: exit 0, a read-only loop device over its $size data bytes at dataoff" \
			eval 'rc rescue.$k 0 && [ "$(cat "$d/rescue.$k.loopinfo")" = "$((1073741824 - size)) $size 1" ]'
	done
	check "rescue fsdax: mount -o ro,noload works, the file's sha256 is boot 1's" \
		eval 'rc rescue.fsdax.mount 0 && same "$d/rescue.fsdax.sha256" "$RUN/fsdax.sha256"'
	check "rescue devdax: the 16 MiB at the loop device's start are boot 1's bytes" \
		same "$d/rescue.devdax.sha256" "$RUN/devdax.sha256"
	check "rescue --undo both: exit 0, raw and disabled again, no loop device" eval '
		rc undo.fsdax 0 && rc undo.devdax 0 && [ ! -s "$d/losetup.end" ] &&
		ns_raw_disabled "$F" "$d/ndctl.2.json" && ns_raw_disabled "$D" "$d/ndctl.2.json"'
	file_sha256 "$RUN/nv0.img" >"$RUN/img.2"
	echo "# nv0.img after boot 1: $(cat "$RUN/img.1")"
	echo "# nv0.img after boot 2: $(cat "$RUN/img.2") (repair refused, rescue, read, undo)"
	check "the backing file is byte-identical after the rescue boot" same "$RUN/img.1" "$RUN/img.2"
}
