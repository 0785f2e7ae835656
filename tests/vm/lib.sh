# SPDX-License-Identifier: GPL-2.0-or-later
# The VM lab's machinery: a Debian kernel (the target's, targets.sh), a
# busybox initramfs holding ndctl, daxctl and the nsalign under test, QEMU
# under TCG with emulated NVDIMMs.  Sourced by run.sh.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_TOP=$(cd "$VM_TOP/../.." && pwd)
CACHE=${NSALIGN_VM_CACHE:-$VM_TOP/.cache}
die() { echo "vm-lab: $*" >&2; exit 1; }

# the targets: kernel, guest tools, initramfs and QEMU per target
. "$VM_TOP/targets.sh"

# boot SCENARIO BOOT OUTDIR QEMU-ARGS...: one boot; results land in OUTDIR.
boot() {
	local scenario=$1 n=$2 out=$3
	shift 3
	rm -rf "$out" && mkdir -p "$out"
	# a scenario's monitor_script (if any) talks to the QEMU monitor during the boot
	mkfifo "$out/monitor"
	if declare -F monitor_script >/dev/null; then
		monitor_script "$n" >"$out/monitor" &
	else
		sleep 300 >"$out/monitor" &
	fi
	local feeder=$!
	APPEND="nsa_scenario=$scenario nsa_boot=$n $APPEND" target_qemu "$out" "$@" <"$out/monitor" >"$out/qemu.log" 2>&1
	echo $? >"$out/qemu.rc"
	kill "$feeder" 2>/dev/null
	wait "$feeder" 2>/dev/null
	rm -f "$out/monitor"
	# the serial line discipline turns \n into \r\n
	if ! tr -d '\r' <"$out/results.b64" | sed -n '/^NSA-RESULTS-BEGIN$/,/^NSA-RESULTS-END$/p' | sed '1d;$d' |
		base64 -d 2>/dev/null | tar -xz -C "$out" 2>/dev/null; then
		echo "# boot $n of $scenario returned no results (qemu exit $(cat "$out/qemu.rc"))"
		tail -5 "$out/console.log" | sed 's/^/#   /'
		tail -3 "$out/qemu.log" | sed 's/^/#   /'
		return 1
	fi
}

# ---------------------------------------------------------------- systemd image
# A Debian userland (systemd, udev, journald, dbus, ndctl) made by mmdebstrap
# from Debian packages, with nsalign's own packages (debian/, built from this
# tree) installed by 'apt-get install ./*.deb' as a user would, booted as an
# initramfs: the boot unit, the journal and the catalog run for real.  The
# base tarball is cached by its package list; the packages by the tree they
# come from; both are laid together and the lab's units over them on every run.
# The guest is offline: the base list holds what the packages depend on
# (libndctl6, libdaxctl1, libudev1, libsystemd0, libjson-c5, libkmod2,
# libuuid1, libinih1; libblkid1 and libsmartcols1 come with minbase; dbus,
# which nsalignd recommends; polkitd, which it suggests: who besides root may
# call its changing methods, daemon-systemd).
IMAGE_PKGS="systemd,systemd-sysv,udev,dbus,kmod,ndctl,daxctl,libndctl6,libdaxctl1,libudev1,libsystemd0,libjson-c5,libkmod2,libuuid1,libinih1,jq,polkitd"

systemd_base() {
	local key
	key=$(echo "bookworm $IMAGE_PKGS" | sha256sum | cut -c1-12)
	SYSTEMD_BASE=$CACHE/systemd-base-$key.tar
	[ -f "$SYSTEMD_BASE" ] && return 0
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (apt-get install mmdebstrap)"
	mmdebstrap --variant=minbase --include="$IMAGE_PKGS" \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
		bookworm "${SYSTEMD_BASE%.tar}.partial.tar" >"$CACHE/mmdebstrap.log" 2>&1 ||
		die "mmdebstrap failed: $(tail -1 "$CACHE/mmdebstrap.log")"
	mv "${SYSTEMD_BASE%.tar}.partial.tar" "$SYSTEMD_BASE"
}

# nsalign's packages (nsalign, nsalignd) of this tree in NSALIGN_DEBS, cached by
# the tree's hash (scripts/release.sh tree-hash: version and files but tests/):
# those scripts/test.sh built in build-release/deb/ when they come from the
# same tree, else scripts/release.sh tree-deb (dpkg-buildpackage, ~2 min).
nsalign_debs() {
	local h rel=$REPO_TOP/build-release/deb
	h=$("$REPO_TOP/scripts/release.sh" tree-hash) || die "scripts/release.sh tree-hash failed"
	NSALIGN_DEBS=$CACHE/nsalign-debs-$h
	[ -f "$NSALIGN_DEBS/tree-hash" ] && return 0
	rm -rf "$CACHE"/nsalign-debs-*
	if [ "$(cat "$rel/tree-hash" 2>/dev/null)" = "$h" ]; then
		mkdir -p "$NSALIGN_DEBS.partial"
		cp "$rel"/nsalign_*.deb "$rel"/nsalignd_*.deb "$rel/tree-hash" "$NSALIGN_DEBS.partial/" ||
			die "cannot copy the packages of $rel"
	else
		"$REPO_TOP/scripts/release.sh" tree-deb "$CACHE/nsalign-debs-build" >"$CACHE/nsalign-debs.log" 2>&1 ||
			die "scripts/release.sh tree-deb failed (see $CACHE/nsalign-debs.log)"
		mkdir -p "$NSALIGN_DEBS.partial"
		mv "$CACHE"/nsalign-debs-build/deb/nsalign_*.deb "$CACHE"/nsalign-debs-build/deb/nsalignd_*.deb \
			"$CACHE/nsalign-debs-build/deb/tree-hash" "$NSALIGN_DEBS.partial/"
		rm -rf "$CACHE/nsalign-debs-build"
	fi
	mv "$NSALIGN_DEBS.partial" "$NSALIGN_DEBS"
}

build_systemd_image() {
	local root=$CACHE/systemd-root debs
	systemd_base
	nsalign_debs
	SYSTEMD_INITRD=$CACHE/systemd-initrd-$KVER.gz
	rm -rf "$root" && mkdir -p "$root"
	tar -C "$root" -xf "$SYSTEMD_BASE" || die "cannot unpack $SYSTEMD_BASE"
	# the packages as a user installs them, offline: apt resolves their
	# dependencies from what the base holds; their maintainer scripts and the
	# triggers (catalog database, bus and udev reloads) run in the chroot,
	# where nothing is started.
	mkdir -p "$root/usr/lib/nsalign-lab/debs"
	cp "$NSALIGN_DEBS"/*.deb "$root/usr/lib/nsalign-lab/debs/"
	debs=$(cd "$root" && echo usr/lib/nsalign-lab/debs/nsalign_*.deb usr/lib/nsalign-lab/debs/nsalignd_*.deb)
	# shellcheck disable=SC2086
	# (no pty in the chroot: Dpkg::Use-Pty=0)
	chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 \
		$(echo " $debs" | sed 's| | /|g') \
		>"$CACHE/apt-install.log" 2>&1 || die "apt-get install ./*.deb failed: $(grep -m1 -E '^E:|depends on' "$CACHE/apt-install.log")"
	# what the lab adds to the packages: a test-only binary a scenario needs
	# (tools/uevent-burst.c for daemon-burst) comes beside them in that
	# scenario's overlay (initrd_for), never in place of a packaged file
	# the kernel's PMEM modules, loaded by udev from the devices' modaliases
	# shellcheck disable=SC2086
	guest_modules "$root" $LAB_MODULES
	# the lab's own units and the Prometheus drop-in nsalign-check(8) documents
	mkdir -p "$root/usr/lib/nsalign-lab/scenarios" "$root/etc/systemd/system/nsalign-boot-check.service.d" \
		"$root/var/lib/prometheus/node-exporter"
	cp "$VM_TOP"/systemd/prepare "$VM_TOP"/systemd/collect "$root/usr/lib/nsalign-lab/"
	cp "$VM_TOP"/scenarios/*.guest "$VM_TOP"/scenarios/*.late "$root/usr/lib/nsalign-lab/scenarios/"
	cp "$VM_TOP"/systemd/*.service "$root/etc/systemd/system/"
	cp "$VM_TOP/systemd/prometheus.conf" "$root/etc/systemd/system/nsalign-boot-check.service.d/"
	# the boot unit is enabled by the package (deb-systemd-helper); the lab's here
	[ -L "$root/etc/systemd/system/sysinit.target.wants/nsalign-boot-check.service" ] ||
		die "the nsalign package did not enable nsalign-boot-check.service"
	chroot "$root" systemctl enable nsalign-lab-prepare.service \
		nsalign-lab-collect.service >/dev/null 2>&1 || die "systemctl enable failed"
	chroot "$root" systemctl mask serial-getty@ttyS0.service getty@tty1.service \
		systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
	echo nsalign-lab >"$root/etc/hostname"
	: >"$root/etc/machine-id"
	ln -sf /lib/systemd/systemd "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$SYSTEMD_INITRD.tmp" || die "cpio failed"
	mv "$SYSTEMD_INITRD.tmp" "$SYSTEMD_INITRD"
}

# An initramfs archive that puts FILE at PATH in the guest (appended to the
# image: the kernel unpacks concatenated archives in order).
overlay_cpio() { # overlay_cpio OUT SRC-DIR
	(cd "$2" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$1"
}
