# SPDX-License-Identifier: GPL-2.0-or-later
# The VM lab's machinery: Debian's kernel, a busybox initramfs holding
# ndctl, daxctl and the nsalign under test, QEMU under TCG with emulated
# NVDIMMs.  Sourced by run.sh.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_TOP=$(cd "$VM_TOP/../.." && pwd)
CACHE=${NSALIGN_VM_CACHE:-$VM_TOP/.cache}
# in load order (the guest's /init loads them from /etc/nsa-modules); loop and
# ext4 (with what modinfo -F depends/softdep names: crc16, mbcache, jbd2, and
# crc32c for metadata checksums; crc32c-intel needs SSE4.2, which qemu64 lacks)
# are for rescue and repair
MODULES="libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem kmem crc16 mbcache jbd2 crc32c_generic ext4 loop"

die() { echo "vm-lab: $*" >&2; exit 1; }

# The kernel package linux-image-amd64 points at, unpacked once into the cache.
fetch_kernel() {
	local pkg deb
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || die "cannot find the Debian kernel package (apt-cache depends linux-image-amd64)"
	KERNEL_DIR=$CACHE/$pkg
	if [ ! -f "$KERNEL_DIR/.done" ]; then
		mkdir -p "$CACHE/deb" && rm -rf "$KERNEL_DIR"
		(cd "$CACHE/deb" && ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >/dev/null 2>&1) ||
			die "apt-get download $pkg failed"
		deb=$(ls "$CACHE/deb/$pkg"_*.deb | head -1)
		dpkg-deb -x "$deb" "$KERNEL_DIR" || die "dpkg-deb -x $deb failed"
		touch "$KERNEL_DIR/.done"
	fi
	KVER=$(ls "$KERNEL_DIR/lib/modules" | head -1)
	VMLINUZ=$(ls "$KERNEL_DIR"/boot/vmlinuz-* | head -1)
	[ -n "$KVER" ] && [ -f "$VMLINUZ" ] || die "kernel package $pkg has no vmlinuz or modules"
}

# Copy a binary and every library ldd lists into the initramfs root.
copy_with_libs() {
	local root=$1 bin=$2 dest=${3:-/bin/$(basename "$2")} lib
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$bin" "$root$dest"
	for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# The initramfs: rebuilt when nsalign, the guest scripts, the lab's tools or
# the kernel change.
build_initramfs() {
	local nsalign=$1 root=$CACHE/initramfs-root mod f stamp
	INITRD=$CACHE/initrd-$KVER.gz
	stamp=$(cat "$nsalign" "$VM_TOP/init" "$VM_TOP/lib.sh" "$VM_TOP"/tools/*.c "$VM_TOP"/scenarios/*.guest 2>/dev/null |
		sha256sum | cut -c1-16)
	if [ -f "$INITRD" ] && [ "$(cat "$INITRD.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	rm -rf "$root" && mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,results,etc,scenarios,lib/modules}
	cp /bin/busybox "$root/bin/busybox" || die "busybox-static is not installed"
	for f in $(busybox --list); do [ "$f" = busybox ] || ln -sf busybox "$root/bin/$f"; done
	for mod in $MODULES; do
		f=$(find "$KERNEL_DIR/lib/modules/$KVER" -name "$mod.ko*" | head -1)
		[ -n "$f" ] || die "module $mod not in $KVER"
		mkdir -p "$root/lib/modules/$KVER/$(dirname "${f#$KERNEL_DIR/lib/modules/$KVER/}")"
		cp "$f" "$root/lib/modules/$KVER/${f#$KERNEL_DIR/lib/modules/$KVER/}"
	done
	depmod -b "$root" "$KVER" || die "depmod failed"
	for b in /usr/bin/ndctl /usr/bin/daxctl /usr/bin/kmod /usr/bin/jq; do
		[ -x "$b" ] || die "$b missing (apt-get install ndctl daxctl kmod jq)"
		copy_with_libs "$root" "$b"
	done
	rm -f "$root/bin/modprobe" "$root/bin/insmod" "$root/bin/lsmod"
	for f in modprobe insmod lsmod; do ln -sf kmod "$root/bin/$f"; done
	echo "$MODULES" >"$root/etc/nsa-modules"
	# e2fsprogs' mke2fs, not busybox's (which makes no ext4), with its defaults file
	[ -x /sbin/mke2fs ] || die "/sbin/mke2fs missing (apt-get install e2fsprogs)"
	rm -f "$root/bin/mke2fs" "$root/bin/mkfs.ext2" "$root/bin/mkfs.ext4"
	copy_with_libs "$root" /sbin/mke2fs /bin/mke2fs
	ln -sf mke2fs "$root/bin/mkfs.ext4"
	cp /etc/mke2fs.conf "$root/etc/" || die "/etc/mke2fs.conf missing"
	# the lab's own tools, static
	command -v gcc >/dev/null || die "gcc missing (apt-get install gcc libc6-dev)"
	gcc -static -O2 -Wall -o "$root/bin/daxrw" "$VM_TOP/tools/daxrw.c" || die "cannot build tools/daxrw.c"
	copy_with_libs "$root" "$nsalign" /bin/nsalign
	cp "$VM_TOP/init" "$root/init" && chmod +x "$root/init"
	cp "$VM_TOP"/scenarios/*.guest "$root/scenarios/"
	printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$INITRD.tmp" || die "cpio failed"
	mv "$INITRD.tmp" "$INITRD"
	echo "$stamp" >"$INITRD.stamp"
}

# boot SCENARIO BOOT OUTDIR QEMU-ARGS...: one boot; results land in OUTDIR.
# no_timer_check: on a loaded host TCG can miss the kernel's IO-APIC timer
# check, which then panics ("IO-APIC + timer doesn't work!")
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
	timeout 240 qemu-system-x86_64 -machine pc,nvdimm=on,accel=tcg -cpu qemu64,+rdrand -smp "${VM_SMP:-2}" \
		-kernel "$VMLINUZ" -initrd "${BOOT_INITRD:-$INITRD}" \
		-append "console=ttyS0 loglevel=3 panic=-1 no_timer_check nsa_scenario=$scenario nsa_boot=$n $APPEND" \
		-display none -serial "file:$out/console.log" -serial "file:$out/results.b64" \
		-monitor stdio -no-reboot "$@" <"$out/monitor" >"$out/qemu.log" 2>&1
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
	for m in $MODULES; do
		f=$(find "$KERNEL_DIR/lib/modules/$KVER" -name "$m.ko*" | head -1)
		[ -n "$f" ] || die "module $m not in $KVER"
		mkdir -p "$root/lib/modules/$KVER/$(dirname "${f#$KERNEL_DIR/lib/modules/$KVER/}")"
		cp "$f" "$root/lib/modules/$KVER/${f#$KERNEL_DIR/lib/modules/$KVER/}"
	done
	depmod -b "$root" "$KVER" || die "depmod failed"
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
