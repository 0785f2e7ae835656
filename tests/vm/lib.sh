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
# from Debian packages, with nsalign installed by 'make install DESTDIR=',
# booted as an initramfs: the boot unit, the journal and the catalog run for
# real.  The base tarball is cached by its package list; nsalign and the lab
# units are laid over it on every run.
IMAGE_PKGS="systemd,systemd-sysv,udev,dbus,kmod,ndctl,daxctl,libndctl6,libdaxctl1,libudev1,libsystemd0,libjson-c5,libkmod2,libuuid1,libinih1,jq"

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

# nsalign configured as a distribution would (/usr, /etc, /var), built in the cache.
build_usr_nsalign() {
	local b=$CACHE/build-usr
	mkdir -p "$b"
	if [ ! -f "$b/Makefile" ] || [ "$REPO_TOP/configure" -nt "$b/Makefile" ]; then
		(cd "$b" && "$REPO_TOP/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
			--enable-werror) >"$CACHE/build-usr.log" 2>&1 || die "configure for /usr failed (see $CACHE/build-usr.log)"
	fi
	make -C "$b" -j"$(nproc)" >>"$CACHE/build-usr.log" 2>&1 || die "build for /usr failed (see $CACHE/build-usr.log)"
	USR_BUILD=$b
}

build_systemd_image() {
	local root=$CACHE/systemd-root m f
	systemd_base
	build_usr_nsalign
	SYSTEMD_INITRD=$CACHE/systemd-initrd-$KVER.gz
	rm -rf "$root" && mkdir -p "$root"
	tar -C "$root" -xf "$SYSTEMD_BASE" || die "cannot unpack $SYSTEMD_BASE"
	make -C "$USR_BUILD" install DESTDIR="$root" >>"$CACHE/build-usr.log" 2>&1 || die "make install DESTDIR failed"
	# the package's postinst work, with the guest's own tools: catalog database
	chroot "$root" journalctl --update-catalog || die "journalctl --update-catalog failed"
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
	chroot "$root" systemctl enable nsalign-boot-check.service nsalign-lab-prepare.service \
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
