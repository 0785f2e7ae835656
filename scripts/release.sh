#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The release, made as a user would get it, in OUTDIR (outside the source tree's
# files: the tree stays clean):
#
#   scripts/release.sh tarball OUTDIR   a copy of the tree's files (git's, and new
#                                       ones not ignored) with the tree's version in
#                                       .tarball-version, autogen.sh, configure,
#                                       make distcheck: OUTDIR/nsalign-VERSION.tar.gz
#   scripts/release.sh deb OUTDIR       that tarball unpacked with debian/ beside it,
#                                       dpkg-buildpackage -us -uc -b: OUTDIR/deb/*.deb
#   scripts/release.sh lintian OUTDIR   lintian on those packages (debian/*.lintian-overrides)
#
# Each exits non-zero when it fails; the last lines of its log say why.  The VM
# lab, the fuzzing and the ASan build stay outside (scripts/test.sh runs them).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 2 ] || { echo "usage: scripts/release.sh tarball|deb|lintian OUTDIR" >&2; exit 64; }
what=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
jobs=$(nproc)

fail() { # fail LOG: its end, then exit 1
	tail -25 "$1" | sed 's/^/  /'
	exit 1
}

tarball() {
	local log=$out/tarball.log version
	version=$("$top/scripts/version.sh" "$top")
	rm -rf "$out/src" "$out/build" "$out"/nsalign-*.tar.gz
	mkdir -p "$out/src" "$out/build"
	# the files a commit would hold (symlinks as symlinks), not the tree's builds
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -C "$out/src" -xf -
	printf '%s\n' "$version" >"$out/src/.tarball-version"
	echo "nsalign $version: make distcheck"
	{
		(cd "$out/src" && ./autogen.sh) &&
			(cd "$out/build" && "$out/src/configure" --disable-dependency-tracking &&
				make -j"$jobs" distcheck && mv nsalign-*.tar.gz "$out/")
	} >"$log" 2>&1 || fail "$log"
	# what the tarball's make check ran
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$log" | tr -s ' ' | tr '\n' ' '
	echo
	ls "$out"/nsalign-*.tar.gz
}

deb() {
	local log=$out/deb.log tarball dir
	tarball=$(ls "$out"/nsalign-*.tar.gz 2>/dev/null | head -1)
	[ -n "$tarball" ] || { echo "no tarball in $out: scripts/release.sh tarball $out first" >&2; exit 1; }
	rm -rf "$out/deb"
	mkdir -p "$out/deb"
	tar -C "$out/deb" -xf "$tarball"
	dir=$(ls -d "$out"/deb/nsalign-*/)
	cp -a "$top/debian" "$dir"
	echo "dpkg-buildpackage -us -uc -b ($(basename "$tarball"), debian/ of the tree)"
	# make check ran in make distcheck: not a third time (DEB_BUILD_OPTIONS=nocheck)
	(cd "$dir" && DEB_BUILD_OPTIONS="nocheck parallel=$jobs" dpkg-buildpackage -us -uc -b) >"$log" 2>&1 ||
		fail "$log"
	for d in "$out"/deb/*.deb; do
		echo "$(basename "$d"): $(dpkg-deb -c "$d" | grep -vc '/$') files"
	done
}

lintian_run() {
	local log=$out/lintian.log changes
	changes=$(ls "$out"/deb/*.changes 2>/dev/null | head -1)
	[ -n "$changes" ] || { echo "no packages in $out/deb: scripts/release.sh deb $out first" >&2; exit 1; }
	# errors and warnings fail; info, pedantic and the overridden are listed
	lintian --display-level '>=pedantic' --show-overrides "$changes" 2>&1 |
		grep -v 'running with root privileges is not recommended' >"$log" || true
	sed 's/^/  /' "$log"
	if grep -qE '^[EW]: ' "$log"; then
		echo "lintian: $(grep -cE '^E: ' "$log") errors, $(grep -cE '^W: ' "$log") warnings"
		exit 1
	fi
	echo "lintian: no error, no warning ($(grep -cE '^O: ' "$log") overridden, each explained in debian/)"
}

case "$what" in
tarball) tarball ;;
deb) deb ;;
lintian) lintian_run ;;
*) echo "usage: scripts/release.sh tarball|deb|lintian OUTDIR" >&2; exit 64 ;;
esac
