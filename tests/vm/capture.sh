#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Save `nsalign snapshot` from VM lab boots into tests/fixtures/, so that
# `make check` runs the analyzer on what a real kernel showed.  Runs the
# scenarios first unless --no-run.  Each fixture's "source" says where it
# came from; its .expected beside it is written and reviewed by hand.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
run=1
[ "${1:-}" = "--no-run" ] && run=0
# fixture name, scenario, boot, which collection (start: after boot, end: after the guest
# step, before/nobody: taken by the guest step itself)
captures=(
	"lab-shift-boot1 shift-1g-devdax 1 end"
	"lab-shift-boot2 shift-1g-devdax 2 start"
	"lab-legacy-misaligned legacy-misaligned 1 start"
	"lab-kmem-devdax kmem-loss 1 before"
	"lab-kmem-system-ram kmem-loss 1 end"
	"lab-pmem-pmem-section pmem-pmem-section 1 end"
	"lab-unprivileged shift-1g-devdax 1 nobody"
)
if [ $run = 1 ]; then
	"$VM_TOP/run.sh" shift-1g-devdax legacy-misaligned kmem-loss pmem-pmem-section >/dev/null || die "the lab failed: run tests/vm/run.sh"
fi
mkdir -p "$REPO_TOP/tests/fixtures"
for c in "${captures[@]}"; do
	set -- $c
	d=$CACHE/run/$2/boot$3
	src=$d/snapshot.$4.json
	kernel=$(cat "$d/kernel")
	jq --arg s "vm-lab: $2 boot $3 ($4), kernel $kernel" '.source = $s' "$src" >"$REPO_TOP/tests/fixtures/$1.json"
	echo "captured $1"
done
# and this host, which has no PMEM (no identities kept)
"${NSALIGN:-$REPO_TOP/build/nsalign}" snapshot |
	jq --arg s "host without PMEM, kernel $(uname -r)" \
		'.source = $s | .platform.hostname = "" | .platform.machine_id = "" | .platform.boot_id = ""' \
		>"$REPO_TOP/tests/fixtures/host-no-pmem.json"
echo "captured host-no-pmem"
