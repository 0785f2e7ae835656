# SPDX-License-Identifier: GPL-2.0-or-later
# nsalignd under a burst of uevents (issue 18), on a real systemd, one boot.
# The prepare unit creates an fsdax namespace; udev's rule starts nsalignd,
# here without CAP_NET_ADMIN (no 128 MiB buffer: its udev monitor's socket
# holds what rmem_max allows).  nsalignd reads udev's netlink group, which
# udev feeds one processed event at a time: under TCG some 170 events a
# second, 100000 events ten minutes.  So the late step (daemon-burst.late,
# tools/uevent-burst.c) sends NSALIGN_LAB_BURST change events (default
# 100000) for the memory blocks in turn straight on udev's group, as udev
# passes them on: the socket overflows (ENOBUFS), the daemon says a full
# reconcile follows, and its view (Snapshot()) is then a fresh 'nsalign
# snapshot'.  Then NSALIGN_LAB_BURST_KERNEL (default 200) through the
# kernel and udev, written to the blocks' uevent files: the same view after
# it.  Prints how long each took to send, for udev to settle and for
# nsalignd to catch up, and the events it received, its overflows and
# analyses.  'make lab-burst' sends 100000 both ways (~15 min).
IMAGE=systemd
# the same on every target: the default one runs it
REQUIRES="default-target"
BOOTS=1
BURST=${NSALIGN_LAB_BURST:-100000}
BURST_KERNEL=${NSALIGN_LAB_BURST_KERNEL:-200}
# udev passes some 100 events a second on (TCG, a loaded host)
BOOT_TIMEOUT=$((600 + BURST_KERNEL / 50))
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm; }
append_args() { echo "systemd.show_status=0 systemd.journald.forward_to_console=0 nsa_burst=$BURST nsa_burst_kernel=$BURST_KERNEL"; }
initrd_for() {
	local cc=gcc
	[ "$TARGET_ARCH" = x86_64 ] || cc=aarch64-linux-gnu-gcc
	rm -rf "$RUN/overlay" && mkdir -p "$RUN/overlay/usr/local/bin" \
		"$RUN/overlay/etc/systemd/system/nsalignd.service.d"
	$cc -static -O2 -Wall -o "$RUN/overlay/usr/local/bin/uevent-burst" "$VM_TOP/tools/uevent-burst.c" ||
		die "cannot build tools/uevent-burst.c"
	# -d: the journal gets each analysis, with how many events and what it read again
	printf '[Service]\nExecStart=\nExecStart=/usr/sbin/nsalignd -d\n' \
		>"$RUN/overlay/etc/systemd/system/nsalignd.service.d/lab.conf"
	overlay_cpio "$RUN/overlay.cpio.gz" "$RUN/overlay"
	cat "$SYSTEMD_INITRD" "$RUN/overlay.cpio.gz" >"$RUN/initrd$1.gz"
	echo "$RUN/initrd$1.gz"
}

# same_view DIR NAME JQ: after burst NAME, Snapshot() and 'nsalign snapshot' agree on JQ
same_view() {
	local a b
	a=$(jq -c "$3" "$1/$2-bus-snapshot.json" 2>/dev/null) || return 1
	b=$(jq -c "$3" "$1/$2-full-snapshot.json" 2>/dev/null) || return 1
	[ -n "$a" ] && [ "$a" != null ] && [ "$a" = "$b" ]
}
# at DIR STAGE: the guest's uptime at a stage of the late step
at() { sed -n "s/^$2 //p" "$1/timeline.txt"; }
secs() { echo "$(at "$1" "$3") - $(at "$1" "$2")" | bc; }

# report_burst DIR NAME WHAT: say what a burst took and what nsalignd did
report_burst() {
	local d=$1 b=$2 n sent secs_send
	read -r n sent secs_send <"$d/$b.out"
	OVERFLOWS=$(grep -c 'the udev monitor overflowed' "$d/$b-journal.txt")
	FULL=$(grep -c '^analysis [0-9]*:.*(all read)' "$d/$b-journal.txt")
	SENT=$sent
	echo "# $3: $sent of $n change events over $(cat "$d/blocks") memory blocks, sent in $secs_send s;" \
		"udev settled $(secs "$d" $b-sent $b-settled) s later, nsalignd done $(secs "$d" $b-settled $b-done) s after that" \
		"($(secs "$d" $b-start $b-done) s in all)"
	echo "# $3: nsalignd received $(sed -n 's/^analysis [0-9]*: \([0-9]*\) events.*/\1/p' "$d/$b-journal.txt" | paste -sd+ | sed 's/^$/0/' | bc) events," \
		"$OVERFLOWS overflows (ENOBUFS), $(grep -c '^analysis [0-9]*:' "$d/$b-journal.txt") analyses, $FULL of them full reconciles"
}

assert_boot() {
	local d=$2
	echo "# rmem_max $(cat "$d/rmem_max") (nsalignd without CAP_NET_ADMIN); timeline (guest uptime s): $(tr '\n' ' ' <"$d/timeline.txt")"
	check "the late step ran to its end" test "$(cat "$d/late.rc" 2>/dev/null)" = 0
	report_burst "$d" burst "udev's netlink group"
	check "$BURST change events sent to nsalignd's socket as udev sends them" \
		test "$(cat "$d/burst.rc")/$SENT" = "0/$BURST"
	check "the burst overflowed the monitor's socket (ENOBUFS): the daemon says a full reconcile follows" \
		test "$OVERFLOWS" -ge 1
	check "... and one followed: an analysis that read everything" test "$FULL" -ge 1
	check "after it the daemon's view (Snapshot()) is a fresh 'nsalign snapshot': iomem, regions, namespaces, dax" \
		same_view "$d" burst '[.iomem, .regions, .namespaces, .dax]'
	check "... and every memory block's index, state and node" \
		same_view "$d" burst '[.memory.blocks[] | . as $r | range($r.first; $r.first + $r.count) | {i: ., s: $r.state, n: $r.node}]'
	report_burst "$d" kernel-burst "through the kernel and udev"
	check "$BURST_KERNEL change events written to the blocks' uevent files, udev settled" \
		test "$(cat "$d/kernel-burst.rc")/$SENT/$(cat "$d/kernel-burst.settle-rc")" = "0/$BURST_KERNEL/0"
	check "after it too the daemon's view is a fresh 'nsalign snapshot': iomem, regions, namespaces, dax" \
		same_view "$d" kernel-burst '[.iomem, .regions, .namespaces, .dax]'
	check "... and every memory block's index, state and node" \
		same_view "$d" kernel-burst '[.memory.blocks[] | . as $r | range($r.first; $r.first + $r.count) | {i: ., s: $r.state, n: $r.node}]'
	check "the same nsalignd throughout: no restart, no watchdog kill" \
		test "$(cat "$d/pid.before")" = "$(cat "$d/pid.after")" -a "$(sed -n 's/^NRestarts=//p' "$d/daemon.show")" = 0
}
