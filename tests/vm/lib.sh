# SPDX-License-Identifier: GPL-2.0-or-later
# The VM lab's machinery: Debian's kernel, a busybox initramfs holding
# ndctl, daxctl and the nsalign under test, QEMU under TCG with emulated
# NVDIMMs.  Sourced by run.sh.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_TOP=$(cd "$VM_TOP/../.." && pwd)
CACHE=${NSALIGN_VM_CACHE:-$VM_TOP/.cache}
MODULES="libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem kmem"

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

# The initramfs: rebuilt when nsalign, the guest scripts or the kernel change.
build_initramfs() {
	local nsalign=$1 root=$CACHE/initramfs-root mod f stamp
	INITRD=$CACHE/initrd-$KVER.gz
	stamp=$(cat "$nsalign" "$VM_TOP/init" "$VM_TOP"/scenarios/*.guest 2>/dev/null | sha256sum | cut -c1-16)
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
	for b in /usr/bin/ndctl /usr/bin/daxctl /usr/bin/kmod; do
		[ -x "$b" ] || die "$b missing (apt-get install ndctl daxctl kmod)"
		copy_with_libs "$root" "$b"
	done
	rm -f "$root/bin/modprobe" "$root/bin/insmod" "$root/bin/lsmod"
	for f in modprobe insmod lsmod; do ln -sf kmod "$root/bin/$f"; done
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
	timeout 240 qemu-system-x86_64 -machine pc,nvdimm=on,accel=tcg -cpu qemu64,+rdrand -smp 2 \
		-kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "console=ttyS0 loglevel=3 panic=-1 nsa_scenario=$scenario nsa_boot=$n $APPEND" \
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
