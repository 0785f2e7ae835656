# SPDX-License-Identifier: GPL-2.0-or-later
# The VM lab's targets: the kernel, architecture, guest tools and QEMU a
# boot uses.  Sourced by lib.sh; every download is a Debian package fetched
# with apt-get download into $CACHE/deb and unpacked once, keyed by its
# file name (package, version, architecture).
#
#   x86_64-6.1   Debian 12's kernel (linux-image-amd64), QEMU pc
#   x86_64-6.12  bookworm-backports' kernel, QEMU pc
#   arm64-6.12   bookworm-backports' arm64 kernel, QEMU virt under UEFI
#   arm64-6.1    Debian 12's arm64 kernel: no ZONE_DEVICE (raw and sector only)

LAB_TARGETS="x86_64-6.1 x86_64-6.12 arm64-6.12 arm64-6.1"
DEFAULT_TARGET=x86_64-6.1

# The lab's modules, in load order (the guest's /init loads them from
# /etc/nsa-modules).  loop and ext4 (with what modinfo -F depends/softdep
# names: crc16, mbcache, jbd2, and crc32c for metadata checksums) are for
# rescue and repair.  A module the kernel has built in is skipped; one it
# has neither as a module nor built in fails the initramfs.
LAB_MODULES_X86="libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem kmem crc16 mbcache jbd2 crc32c_generic ext4 loop"
# arm64: no nd_e820 (no e820), of_pmem for device-tree pmem-region nodes
LAB_MODULES_ARM64="libnvdimm nd_btt nd_pmem of_pmem nfit device_dax dax_pmem kmem crc16 mbcache jbd2 crc32c_generic ext4 loop"

# The arm64 guest's userland: busybox, the tools scenarios run and the
# libraries they and nsalign need (checked by arm64_copy_with_libs).
ARM64_GUEST_PKGS="busybox-static kmod ndctl daxctl jq e2fsprogs libc6 libgcc-s1
	libndctl6 libdaxctl1 libuuid1 libblkid1 libjson-c5 libkeyutils1 libiniparser1 libudev1 libkmod2
	libsystemd0 libcap2 libgcrypt20 libgpg-error0 liblz4-1 libzstd1 liblzma5 libssl3
	libjq1 libonig5 libext2fs2 libcom-err2 libinih1 libsmartcols1"

# target_set NAME: the target's variables (TARGET, TARGET_ARCH, DEB_ARCH,
# KERNEL_META: the apt name of its kernel's meta package, LAB_MODULES, QEMU)
target_set() {
	TARGET=$1
	case "$TARGET" in
	x86_64-6.1) KERNEL_META=linux-image-amd64 ;;
	x86_64-6.12) KERNEL_META=linux-image-amd64/bookworm-backports ;;
	arm64-6.12) KERNEL_META=linux-image-arm64:arm64/bookworm-backports ;;
	arm64-6.1) KERNEL_META=linux-image-arm64:arm64 ;;
	*) die "unknown target '$TARGET' (targets: $LAB_TARGETS)" ;;
	esac
	case "$TARGET" in
	x86_64-*)
		TARGET_ARCH=x86_64 DEB_ARCH=amd64 QEMU=qemu-system-x86_64 LAB_MODULES=$LAB_MODULES_X86
		;;
	arm64-*)
		TARGET_ARCH=arm64 DEB_ARCH=arm64 QEMU=qemu-system-aarch64 LAB_MODULES=$LAB_MODULES_ARM64
		;;
	esac
	# Debian's arm64 6.1 has no ZONE_DEVICE, hence no dax_pmem (device_dax
	# and kmem are there, for other dax sources)
	[ "$TARGET" != arm64-6.1 ] || LAB_MODULES=${LAB_MODULES/ dax_pmem/}
}

# apt_fetch PKG[:ARCH]...: the paths of the packages' candidate .debs in
# $CACHE/deb, one a line, downloading the versions not there yet (one
# apt-cache and at most one apt-get call: each reads every package list).
apt_fetch() {
	local name ver arch f want=() files=() n=0
	while read -r name ver arch; do
		f=$CACHE/deb/${name}_${ver//:/%3a}_$arch.deb
		files+=("$f")
		[ -f "$f" ] || want+=("$name:$arch=$ver")
	done < <(apt-cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package:/ {p = $2} /^Version:/ {v = $2} /^Architecture:/ {a = $2} /^$/ {if (p != "") print p, v, a; p = ""}')
	[ ${#files[@]} -eq $# ] || die "apt-cache knows only ${#files[@]} of $# packages in: $* (scripts/setup.sh adds arm64 and bookworm-backports)"
	if [ ${#want[@]} -gt 0 ]; then
		mkdir -p "$CACHE/deb"
		(cd "$CACHE/deb" && apt-get download "${want[@]}" >/dev/null 2>&1) || die "apt-get download ${want[*]} failed"
	fi
	for f in "${files[@]}"; do
		[ -f "$f" ] || die "apt-get download made no $(basename "$f")"
		echo "$f"
	done
}

# deb_unpack DEB... DIR: every package's files in DIR, once per set of packages
deb_unpack() {
	local dir=${*: -1} d
	[ -f "$dir/.done" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir"
	for d in "${@:1:$#-1}"; do
		dpkg-deb -x "$d" "$dir" || die "dpkg-deb -x $d failed"
	done
	touch "$dir/.done"
}

# fetch_kernel: the target's kernel package unpacked into the cache; sets
# KERNEL_PKG, KERNEL_DIR, KVER, VMLINUZ, MODDIR (its lib/modules/KVER)
fetch_kernel() {
	local deb
	KERNEL_PKG=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$KERNEL_PKG" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		KERNEL_PKG=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$KERNEL_PKG" ] || die "cannot find $TARGET's kernel package (apt-cache depends $KERNEL_META; scripts/setup.sh adds arm64 and bookworm-backports)"
	deb=$(apt_fetch "$KERNEL_PKG") || exit 1
	KERNEL_DIR=$CACHE/kernel/$(basename "$deb" .deb)
	deb_unpack "$deb" "$KERNEL_DIR"
	MODDIR=$(ls -d "$KERNEL_DIR"/lib/modules/* "$KERNEL_DIR"/usr/lib/modules/* 2>/dev/null | head -1)
	KVER=${MODDIR##*/}
	VMLINUZ=$(ls "$KERNEL_DIR"/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$KVER" ] && [ -f "$VMLINUZ" ] || die "kernel package $KERNEL_PKG has no vmlinuz or modules"
}

# target_tools: what the target's guest runs, as files on this host: on
# x86_64 this host's own binaries; on arm64 Debian's arm64 packages unpacked
# into GUEST_ROOT (no qemu-user here: they never run on the host).
target_tools() {
	local debs key
	if [ "$TARGET_ARCH" = x86_64 ]; then
		GUEST_ROOT=/ GUEST_BUSYBOX=/bin/busybox
		return 0
	fi
	mapfile -t debs < <(apt_fetch $(for p in $ARM64_GUEST_PKGS; do echo "$p:arm64"; done))
	[ ${#debs[@]} -gt 0 ] || exit 1
	key=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -c1-12)
	GUEST_ROOT=$CACHE/guest/arm64-$key
	deb_unpack "${debs[@]}" "$GUEST_ROOT"
	GUEST_BUSYBOX=$GUEST_ROOT/bin/busybox
}

# elf_machine FILE: x86_64, arm64 or what else the ELF header says
elf_machine() {
	case "$(od -An -tu2 -j18 -N2 "$1" 2>/dev/null | tr -d ' ')" in
	62) echo x86_64 ;;
	183) echo arm64 ;;
	*) echo "not an x86_64 or arm64 executable" ;;
	esac
}

# guest_copy ROOT BIN [DEST]: BIN (a host path) and every library it needs
# into the initramfs ROOT.  x86_64: what ldd lists; arm64: the DT_NEEDED
# closure (readelf), each found under GUEST_ROOT, and the dynamic loader.
guest_copy() {
	local root=$1 bin=$2 dest=${3:-/bin/$(basename "$2")} lib need todo found d
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$bin" "$root$dest"
	if [ "$TARGET_ARCH" = x86_64 ]; then
		for lib in $(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
		return 0
	fi
	[ "$(elf_machine "$bin")" = arm64 ] || die "$bin is $(elf_machine "$bin"), not arm64"
	todo=("$bin")
	while [ ${#todo[@]} -gt 0 ]; do
		for need in $(aarch64-linux-gnu-readelf -d "${todo[0]}" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			found=""
			for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
				[ -e "$GUEST_ROOT$d/$need" ] && found=$d/$need && break
			done
			[ -n "$found" ] || die "$need (needed by $(basename "${todo[0]}")) is in none of the arm64 guest packages (ARM64_GUEST_PKGS)"
			[ -e "$root$found" ] && continue
			mkdir -p "$root$(dirname "$found")"
			cp -L "$GUEST_ROOT$found" "$root$found"
			todo+=("$GUEST_ROOT$found")
		done
		todo=("${todo[@]:1}")
	done
	if [ ! -e "$root/lib/ld-linux-aarch64.so.1" ]; then
		mkdir -p "$root/lib/aarch64-linux-gnu"
		cp -L "$GUEST_ROOT/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1" "$root/lib/aarch64-linux-gnu/"
		ln -sf aarch64-linux-gnu/ld-linux-aarch64.so.1 "$root/lib/ld-linux-aarch64.so.1"
	fi
}

# guest_modules ROOT MODULE...: the modules and what they depend on (the
# kernel's own modules.dep, made once) into ROOT, then depmod there.  A
# built-in module is fine; one the kernel lacks fails.
guest_modules() {
	local root=$1 m f rel line
	shift
	[ -f "$MODDIR/modules.dep" ] || depmod -b "${MODDIR%/lib/modules/*}" "$KVER" || die "depmod on $KERNEL_PKG failed"
	for m in "$@"; do
		line=$(modprobe -C /dev/null -d "${MODDIR%/lib/modules/*}" -S "$KVER" --show-depends "$m" 2>/dev/null) ||
			die "module $m is not in $KVER (neither a module nor built in)"
		for f in $(sed -n 's/^insmod \([^ ]*\).*/\1/p' <<<"$line"); do
			rel=${f#$MODDIR/}
			mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
			cp "$f" "$root/lib/modules/$KVER/$rel"
		done
	done
	# what is built in, so that modprobe in the guest knows it is there
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$MODDIR/$f" ] && cp "$MODDIR/$f" "$root/lib/modules/$KVER/"
	done
	depmod -b "$root" "$KVER" 2>/dev/null || die "depmod failed"
}

# The results channel, the guest's side: a second serial port on x86_64
# (QEMU pc has four), a virtio console on arm64 (QEMU virt has one UART).
results_device() { [ "$TARGET_ARCH" = x86_64 ] && echo /dev/ttyS1 || echo /dev/hvc0; }
# modules the guest needs for the results channel (none on x86_64)
results_modules() { [ "$TARGET_ARCH" = x86_64 ] || echo "virtio_mmio virtio_console"; }

# build_initramfs NSALIGN: the target's busybox initramfs in
# $CACHE/initrd-TARGET-KVER.gz, rebuilt when nsalign, the guest scripts, the
# lab's tools, the kernel or the guest packages change.  Sets INITRD.
build_initramfs() {
	local nsalign=$1 root=$CACHE/initramfs-root-$TARGET f stamp cc
	INITRD=$CACHE/initrd-$TARGET-$KVER.gz
	[ "$(elf_machine "$nsalign")" = "$TARGET_ARCH" ] ||
		die "$nsalign is $(elf_machine "$nsalign"), $TARGET wants $TARGET_ARCH (arm64: scripts/cross-arm64.sh)"
	stamp=$( (cat "$nsalign" "$VM_TOP/init" "$VM_TOP/lib.sh" "$VM_TOP/targets.sh" "$VM_TOP"/tools/*.c \
		"$VM_TOP"/scenarios/*.guest 2>/dev/null; echo "$KERNEL_DIR $GUEST_ROOT") | sha256sum | cut -c1-16)
	if [ -f "$INITRD" ] && [ "$(cat "$INITRD.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	rm -rf "$root" && mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,results,etc,scenarios,lib/modules}
	cp "$GUEST_BUSYBOX" "$root/bin/busybox" || die "busybox-static is not installed"
	# the applets: the host's busybox-static (same Debian version) names them
	for f in $(/bin/busybox --list); do [ "$f" = busybox ] || ln -sf busybox "$root/bin/$f"; done
	# shellcheck disable=SC2046
	guest_modules "$root" $LAB_MODULES $(results_modules)
	for f in ndctl daxctl kmod jq; do
		[ -x "$GUEST_ROOT/usr/bin/$f" ] && guest_copy "$root" "$GUEST_ROOT/usr/bin/$f" && continue
		[ -x "$GUEST_ROOT/bin/$f" ] && guest_copy "$root" "$GUEST_ROOT/bin/$f" && continue
		die "$f missing (apt-get install ndctl daxctl kmod jq)"
	done
	rm -f "$root/bin/modprobe" "$root/bin/insmod" "$root/bin/lsmod"
	for f in modprobe insmod lsmod; do ln -sf kmod "$root/bin/$f"; done
	echo "$LAB_MODULES" >"$root/etc/nsa-modules"
	# the results channel: /init loads its modules first, then writes to it
	results_modules >"$root/etc/nsa-results-modules"
	results_device >"$root/etc/nsa-results"
	# e2fsprogs' mke2fs, not busybox's (which makes no ext4), with its defaults file
	[ -x "$GUEST_ROOT/sbin/mke2fs" ] || die "mke2fs missing (apt-get install e2fsprogs)"
	rm -f "$root/bin/mke2fs" "$root/bin/mkfs.ext2" "$root/bin/mkfs.ext4"
	guest_copy "$root" "$GUEST_ROOT/sbin/mke2fs" /bin/mke2fs
	ln -sf mke2fs "$root/bin/mkfs.ext4"
	cp "$GUEST_ROOT/etc/mke2fs.conf" "$root/etc/" || die "mke2fs.conf missing"
	# the lab's own tools, static
	cc=gcc
	[ "$TARGET_ARCH" = x86_64 ] || cc=aarch64-linux-gnu-gcc
	command -v $cc >/dev/null || die "$cc missing (scripts/setup.sh)"
	$cc -static -O2 -Wall -o "$root/bin/daxrw" "$VM_TOP/tools/daxrw.c" || die "cannot build tools/daxrw.c"
	guest_copy "$root" "$nsalign" /bin/nsalign
	cp "$VM_TOP/init" "$root/init" && chmod +x "$root/init"
	cp "$VM_TOP"/scenarios/*.guest "$root/scenarios/"
	printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$INITRD.tmp" || die "cpio failed"
	mv "$INITRD.tmp" "$INITRD"
	echo "$stamp" >"$INITRD.stamp"
}

# The UEFI firmware arm64's NVDIMMs need (ACPI NFIT): qemu-efi-aarch64
QEMU_EFI=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd

# target_qemu OUT QEMU-ARGS...: QEMU for the target, the kernel command line
# in $APPEND, console in OUT/console.log, results in OUT/results.b64, the
# monitor on stdin.  Killed after BOOT_TIMEOUT seconds (240 unless the scenario sets it).
target_qemu() {
	local out=$1
	shift
	case "$TARGET_ARCH" in
	x86_64)
		# no_timer_check: on a loaded host TCG can miss the kernel's IO-APIC
		# timer check, which then panics ("IO-APIC + timer doesn't work!")
		timeout "${BOOT_TIMEOUT:-240}" qemu-system-x86_64 -machine pc,nvdimm=on,accel=tcg -cpu qemu64,+rdrand -smp "${VM_SMP:-2}" \
			-kernel "$VMLINUZ" -initrd "${BOOT_INITRD:-$INITRD}" \
			-append "console=ttyS0 loglevel=3 panic=-1 no_timer_check $APPEND" \
			-display none -serial "file:$out/console.log" -serial "file:$out/results.b64" \
			-monitor stdio -no-reboot "$@"
		;;
	arm64)
		# UEFI loads -kernel/-initrd itself; pauth-impdef: plain 'max' is 2-3x slower
		[ -f "$QEMU_EFI" ] || { echo "$QEMU_EFI missing (apt-get install qemu-efi-aarch64)"; return 1; }
		timeout "${BOOT_TIMEOUT:-240}" qemu-system-aarch64 -nodefaults -machine virt,nvdimm=on,accel=tcg -cpu max,pauth-impdef=on \
			-smp "${VM_SMP:-2}" -bios "$QEMU_EFI" \
			-kernel "$VMLINUZ" -initrd "${BOOT_INITRD:-$INITRD}" \
			-append "console=ttyAMA0 loglevel=3 panic=-1 $APPEND" \
			-display none -serial "file:$out/console.log" \
			-device virtio-serial-device -chardev "file,id=nsares,path=$out/results.b64" \
			-device virtconsole,chardev=nsares \
			-monitor stdio -no-reboot "$@"
		;;
	esac
}

# nv_addr ADDR: an NVDIMM address as scenarios write it (x86_64's, where
# QEMU's device-memory window starts at 4 GiB with 2 GiB of RAM) on this
# target.  arm64's window starts at 3 GiB (RAM from 1 GiB, the window at the
# next 1 GiB): the same offset into it keeps every alignment up to 1 GiB.
nv_addr() {
	[ -n "$1" ] || return 0
	if [ "$TARGET_ARCH" = x86_64 ]; then echo "$1"; else printf '%#x\n' $(($1 - 0x100000000 + 0xc0000000)); fi
}

# target_lacks CAPABILITY...: why this target cannot run a scenario that
# REQUIRES these (its first missing one), status 1 when it has them all.
#   memmap         legacy PMEM from memmap= (e820, x86 only)
#   acpi-hotplug   memory hot-added through ACPI (a pc-dimm on QEMU's monitor)
#   zone-device    fsdax and devdax namespaces (and so kmem from them)
#   align-1g       1 GiB fsdax/devdax aligns (PUD pages)
#   systemd-image  the mmdebstrap image (built by running the target's binaries)
#   auto-online    the kernel onlines hot-added memory itself (auto_online_blocks=online)
#   memmap-on-memory  kmem's per-device daxX.Y/memmap_on_memory (6.8+), which the
#                  lab boots with memory_hotplug.memmap_on_memory=1 to honour
#   x86_64         the x86_64 targets: a scenario whose arithmetic is x86's
#                  (128 MiB sections, the 2 MiB compat align)
#   default-target the lab's default target only: a costly scenario whose
#                  subject is the same on every kernel (daemon-burst)
target_lacks() {
	local c
	for c in "$@"; do
		case "$c:$TARGET" in
		memmap:arm64-*) echo "no memmap= legacy PMEM on arm64 (an e820 feature)" ;;
		acpi-hotplug:arm64-*) echo "no ACPI memory hotplug in Debian's arm64 kernels (a pc-dimm adds no memory blocks)" ;;
		zone-device:arm64-6.1) echo "no ZONE_DEVICE in Debian's arm64 6.1: raw and sector only, no fsdax, devdax or kmem" ;;
		align-1g:arm64-*) echo "arm64 offers 4 KiB and 2 MiB aligns only (supported_alignments), no 1 GiB" ;;
		systemd-image:arm64-*) echo "the systemd image is made by mmdebstrap, which runs the target's binaries (no qemu-user here)" ;;
		auto-online:x86_64-6.1 | auto-online:arm64-*) echo "$TARGET's kernel leaves hot-added memory offline (auto_online_blocks=offline); only Debian's x86_64 6.12 onlines it itself" ;;
		x86_64:arm64-*) echo "its layout is x86_64's arithmetic (128 MiB sections, 2 MiB compat align)" ;;
		memmap-on-memory:*-6.1) echo "6.1 has no per-device memmap_on_memory for kmem (daxX.Y/memmap_on_memory came in 6.8)" ;;
		default-target:*) [ "$TARGET" = "$DEFAULT_TARGET" ] && continue
			echo "runs on the default target, $DEFAULT_TARGET, only: what it tests does not change with the kernel" ;;
		memmap:* | acpi-hotplug:* | zone-device:* | align-1g:* | systemd-image:* | auto-online:* | memmap-on-memory:* | x86_64:*) continue ;;
		*) echo "unknown capability '$c' in REQUIRES" ;;
		esac
		return 0
	done
	return 1
}
