#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: install what is missing, build, and run `nsalign check`.
# On a machine with persistent memory it checks this machine.  Without,
# it says so and runs nsalign in the VM lab on emulated NVDIMMs: Debian's
# kernel under QEMU, a devdax namespace created with 1 GiB alignment, then
# a reboot on which the platform has moved the NVDIMM by 64 MiB.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
nsalign=$top/build/nsalign

if ls /sys/bus/nd/devices/region* >/dev/null 2>&1 || grep -q 'Persistent Memory' /proc/iomem 2>/dev/null; then
	"$top/scripts/setup.sh" --build-only || exit $?
	"$top/scripts/build.sh" "$top/build" || exit 1
	echo "== nsalign check on this machine"
	exec "$nsalign" check "$@"
fi

"$top/scripts/setup.sh" || exit $?
"$top/scripts/build.sh" "$top/build" || exit 1
echo "This machine has no persistent memory (no nd regions, nothing in /proc/iomem)."
echo "Running nsalign in the VM lab instead: Debian's kernel under QEMU with an emulated 4 GiB NVDIMM."
echo
if NSALIGN=$nsalign "$top/tests/vm/run.sh" shift-1g-devdax >"$top/build/check-lab.tap" 2>&1; then
	run=${NSALIGN_VM_CACHE:-$top/tests/vm/.cache}/run/shift-1g-devdax
	echo "== boot 1: fsdax -a 2M and devdax -a 1G created; nsalign check says:"
	echo
	cat "$run/boot1/check.end.txt"
	echo
	echo "== boot 2: the platform moved the NVDIMM by 64 MiB (addr=0x104000000). The kernel said:"
	grep -E 'bad offset|probe of namespace' "$run/boot2/dmesg" | sed 's/^/    /'
	echo "   and nsalign check says:"
	echo
	cat "$run/boot2/check.start.txt"
	exit "$(cat "$run/boot2/check.start.rc")"
fi
echo "The VM lab could not run (see build/check-lab.tap); checking a bundled snapshot instead."
snap=$top/tests/fixtures/lab-shift-boot2.json
echo "== nsalign check --snapshot $(basename "$snap")"
exec "$nsalign" check --snapshot "$snap" "$@"
