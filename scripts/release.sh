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
#   scripts/release.sh tree-deb OUTDIR  the same packages straight from a copy of the
#                                       tree's files, without distcheck (the VM lab's
#                                       systemd image): OUTDIR/deb/*.deb
#   scripts/release.sh tree-hash        the hash of what the packages are built from:
#                                       the version and the tree's files but tests/
#                                       (OUTDIR/deb/tree-hash names the tree it came from)
#
# Each exits non-zero when it fails; the last lines of its log say why.  The VM
# lab, the fuzzing and the ASan build stay outside (scripts/test.sh runs them).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: scripts/release.sh tarball|deb|lintian|tree-deb OUTDIR | tree-hash" >&2; exit 64; }
what=${1:-}
if [ "$what" != tree-hash ]; then
	[ $# -eq 2 ] || usage
	mkdir -p "$2"
	out=$(cd "$2" && pwd)
fi
jobs=$(nproc)

fail() { # fail LOG: its end, then exit 1
	tail -25 "$1" | sed 's/^/  /'
	exit 1
}

# the files a commit would hold (symlinks too), not the tree's builds, NUL-separated;
# outside git (a release tarball unpacked) its files but the build directories
tree_files() {
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			xargs -0 sh -c 'for f; do [ -e "$f" ] || [ -L "$f" ] && printf "%s\0" "$f"; done' sh)
	else
		(cd "$top" && find . \( -path ./build -o -path './build-*' -o -path ./tests/vm/.cache \) -prune -o \
			\( -type f -o -type l \) -printf '%P\0')
	fi
}

# the version and the files the packages are built from, tests/ aside (not built
# with nocheck): what changes the packages changes it
tree_hash() {
	{
		"$top/scripts/version.sh" "$top"
		echo
		tree_files | grep -zv '^tests/' | sort -z | (cd "$top" && xargs -0 sha256sum --)
	} | sha256sum | cut -c1-16
}

# copy_tree DIR: the tree's files in DIR, with the tree's version in .tarball-version
copy_tree() {
	(cd "$top" && tree_files | tar --null -T - -cf -) | tar -C "$1" -xf -
	printf '%s\n' "$("$top/scripts/version.sh" "$top")" >"$1/.tarball-version"
}

tarball() {
	local log=$out/tarball.log version
	version=$("$top/scripts/version.sh" "$top")
	rm -rf "$out/src" "$out/build" "$out"/nsalign-*.tar.gz "$out/tree-hash"
	mkdir -p "$out/src" "$out/build"
	tree_hash >"$out/tree-hash.new"
	copy_tree "$out/src"
	echo "nsalign $version: make distcheck"
	{
		(cd "$out/src" && ./autogen.sh) &&
			(cd "$out/build" && "$out/src/configure" --disable-dependency-tracking &&
				make -j"$jobs" distcheck && mv nsalign-*.tar.gz "$out/")
	} >"$log" 2>&1 || fail "$log"
	mv "$out/tree-hash.new" "$out/tree-hash"
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
	build_debs "$dir" "$log"
	# the tree the tarball was made from (the VM lab takes these packages when it matches)
	cp "$out/tree-hash" "$out/deb/tree-hash" 2>/dev/null || true
}

# build_debs DIR LOG: dpkg-buildpackage in DIR (its packages land beside it)
build_debs() {
	# make check ran in make distcheck (tree-deb: make check's own run): not again (nocheck)
	(cd "$1" && DEB_BUILD_OPTIONS="nocheck parallel=$jobs" dpkg-buildpackage -us -uc -b) >"$2" 2>&1 ||
		fail "$2"
	for d in "$1"/../*.deb; do
		echo "$(basename "$d"): $(dpkg-deb -c "$d" | grep -vc '/$') files"
	done
}

# the packages from a copy of the tree's files: autogen.sh as the tarball does,
# then dpkg-buildpackage (dh_autoreconf, configure, build, nocheck); no distcheck
tree_deb() {
	local log=$out/deb.log dir=$out/deb/nsalign
	rm -rf "$out/deb"
	mkdir -p "$dir"
	tree_hash >"$out/deb/tree-hash.new"
	copy_tree "$dir"
	echo "dpkg-buildpackage -us -uc -b (a copy of the tree, version $(cat "$dir/.tarball-version"))"
	(cd "$dir" && ./autogen.sh) >"$out/autogen.log" 2>&1 || fail "$out/autogen.log"
	build_debs "$dir" "$log"
	rm -rf "$dir"
	mv "$out/deb/tree-hash.new" "$out/deb/tree-hash"
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
tree-deb) tree_deb ;;
tree-hash) tree_hash ;;
*) usage ;;
esac
