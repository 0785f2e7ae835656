#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# nsalign's version, from one place (configure.ac's AC_INIT runs this):
#  - in a release tarball: its .tarball-version (make dist writes it);
#  - in a git tree: git describe of the newest tag vX.Y, "0.2" on the tag
#    itself, "0.2.14-g1234abc" 14 commits after it;
#  - in a git tree without tags (a shallow or tagless clone): NEWS's newest
#    version and the commit, "0.3-g1234abc".
# Prints the version without a newline (AC_INIT takes it as it is).
#
#   scripts/version.sh [SRCDIR]
cd "${1:-$(dirname "$0")/..}" || exit 1
if [ -f .tarball-version ]; then
	v=$(sed -n 1p .tarball-version)
elif [ -e .git ] && d=$(git describe --tags --match 'v[0-9]*' --abbrev=7 HEAD 2>/dev/null); then
	# v0.2 -> 0.2, v0.2-14-g1234abc -> 0.2.14-g1234abc
	v=$(echo "$d" | sed -e 's/^v//' -e 's/-\([0-9][0-9]*\)-g/.\1-g/')
elif [ -e .git ] && h=$(git rev-parse --short=7 HEAD 2>/dev/null); then
	v=$(sed -n 's/^nsalign \([0-9][0-9.]*\).*/\1/p' NEWS | head -1)-g$h
else
	v=$(sed -n 's/^nsalign \([0-9][0-9.]*\).*/\1/p' NEWS | head -1)
fi
[ -n "$v" ] && [ "${v#-}" = "$v" ] || { echo "version.sh: no version (no .tarball-version, tag or NEWS entry)" >&2; exit 1; }
printf '%s' "$v"
