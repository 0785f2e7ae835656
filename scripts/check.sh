#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The main job: install what is missing, build, and run `nsalign check`
# on this machine.  Where this machine has no persistent memory, say so and
# run it on a bundled snapshot of a broken layout, so the output is real.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" --build-only || exit $?
"$top/scripts/build.sh" "$top/build" || exit 1
nsalign=$top/build/nsalign

if ls /sys/bus/nd/devices/region* >/dev/null 2>&1 || grep -q 'Persistent Memory' /proc/iomem 2>/dev/null; then
	echo "== nsalign check on this machine"
	exec "$nsalign" check "$@"
fi

snap=$top/tests/snapshots/hand-refused-after-move.json
echo "This machine has no persistent memory (no nd regions, nothing in /proc/iomem)."
echo "== nsalign check on a bundled snapshot: $(basename "$snap")"
echo
exec "$nsalign" check --snapshot "$snap" "$@"
