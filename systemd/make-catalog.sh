#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# systemd/make-catalog.sh man/nsalign-findings.7.adoc > nsalign.catalog
#
# The journal catalog (journalctl -x) is made from nsalign-findings(7), so
# the two cannot say different things.  Each "=== CODE" section gives one
# entry: its MESSAGE_ID, the title as Subject, the entry's own MESSAGE and
# NSALIGN_REMEDY fields, then the man page's explanation and remedy.
set -eu
awk '
function plain(s) { gsub(/\*/, "", s); gsub(/'\''/, "", s); return s }
function flush() {
	if (code == "") return
	if (id == "") { print "no MESSAGE_ID for " code > "/dev/stderr"; exit 1 }
	printf "-- %s\n", id
	printf "Subject: %s: %s\n", code, title
	printf "Defined-By: nsalign\n"
	printf "Support: man:nsalign-findings(7)\n"
	printf "Documentation: man:nsalign-findings(7)\n\n"
	printf "@MESSAGE@\n\n"
	printf "What to do: @NSALIGN_REMEDY@\n\n"
	printf "About %s (%s): %s\n\n", code, severity, body
	if (remedy != "") printf "In general: %s\n\n", remedy
	code = ""; id = ""; title = ""; body = ""; remedy = ""; severity = ""
}
/^=== NSA-/ { flush(); code = $2; part = 0; next }
/^== / { flush(); code = ""; next }
code == "" { next }
/^Severity:/ {
	match($0, /Severity: \*[a-z]+\*/); severity = substr($0, RSTART + 11, RLENGTH - 12)
	match($0, /MESSAGE_ID: \*[0-9a-f]+\*/); id = substr($0, RSTART + 13, RLENGTH - 14)
	next
}
/^$/ { if (title != "") part++; next }
/^Remedy:/ { remedy = plain(substr($0, 9)); next }
title == "" { title = plain($0); next }
{ body = body (body == "" ? "" : " ") plain($0) }
END { flush() }
' "$1"
