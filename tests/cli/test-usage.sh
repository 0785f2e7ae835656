#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage, --help from the command table, unknown options and commands.
. "$TOP_SRCDIR/tests/cli/lib.sh"

run "$NSALIGN" --help
expect_rc 0 "nsalign --help"
for c in list check snapshot simulate map create-namespace reconfigure online-memory offline-memory probe rescue repair; do
	expect_stdout_has "^  $c " "--help lists $c"
done

run "$NSALIGN" --version
expect_rc 0 "nsalign --version"
expect_stdout_has '^[0-9]+\.[0-9]+' "--version prints a version"

run "$NSALIGN"
expect_rc 64 "no command"

run "$NSALIGN" frobnicate
expect_rc 64 "unknown command"
expect_err_line "^nsalign: 'frobnicate' is not a command" "unknown command: one line naming it"

for c in list check snapshot simulate map create-namespace reconfigure online-memory offline-memory probe rescue repair; do
	run "$NSALIGN" "$c" --help
	expect_rc 0 "nsalign $c --help"
	expect_stdout_has "^usage: nsalign $c" "$c --help shows usage"
	expect_stdout_has "nsalign-$c\(8\)" "$c --help points at the man page"

	run "$NSALIGN" help "$c"
	expect_rc 0 "nsalign help $c"

	run "$NSALIGN" "$c" --no-such-option
	expect_rc 64 "$c with an unknown option"
	expect_err_line "^nsalign $c: unknown option '--no-such-option'" "$c: unknown option is one line"
	expect_stdout_empty "$c: unknown option prints nothing on stdout"

	case $c in
	rescue | repair) run "$NSALIGN" "$c" namespace0.0 stray-argument ;; # one namespace: the second is stray
	*) run "$NSALIGN" "$c" stray-argument ;;
	esac
	expect_rc 64 "$c with a stray argument"
done

# short options mean what their long forms mean
for c in list check simulate; do
	run "$NSALIGN" "$c" --snapshot "$FIXTURES/lab-shift-boot1.json" --granularity 64M
	long_rc=$rc
	cp "$TMP/out" "$TMP/out.long"
	run "$NSALIGN" "$c" -s "$FIXTURES/lab-shift-boot1.json" -g 64M
	expect_rc "$long_rc" "$c -s FILE -g SIZE as --snapshot FILE --granularity SIZE"
	cmp -s "$TMP/out" "$TMP/out.long" && ok "$c: same output with short options" ||
		not_ok "$c: short options give other output"
done

# every option in --help is accepted by the parser: the table is the truth
for c in list check simulate; do
	run "$NSALIGN" "$c" --granularity
	expect_rc 64 "$c --granularity without a value"
	run "$NSALIGN" "$c" --granularity 3M --snapshot "$FIXTURES/host-no-pmem.json"
	expect_rc 64 "$c --granularity 3M (not a power of two)"
	expect_err_line "power of two" "$c: bad granularity explained in one line"
done

run "$NSALIGN" check --format yaml --snapshot "$FIXTURES/host-no-pmem.json"
expect_rc 64 "check --format yaml"

# bash completion offers every long option --help lists
for c in list check snapshot simulate map create-namespace reconfigure online-memory offline-memory probe rescue repair; do
	for opt in $("$NSALIGN" "$c" --help | grep -E '^  (-., |    )--' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		sed -n "/^	$c)/,/;;/p" "$TOP_SRCDIR/contrib/bash-completion/nsalign" |
			grep -qE -- "(^|[[:space:]\"])$opt([[:space:]\"]|\$)" &&
			ok "completion of $c offers $opt" || not_ok "completion of $c lacks $opt"
	done
done

# nsalignd: the same for the daemon's options
NSALIGND=${NSALIGND:-$(dirname "$NSALIGN")/nsalignd}
for opt in $("$NSALIGND" --help | grep -E '^  (-., |    )--' | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	grep -qE -- "(^|[[:space:]\"])$opt([[:space:]\"]|\$)" "$TOP_SRCDIR/contrib/bash-completion/nsalignd" &&
		ok "completion of nsalignd offers $opt" || not_ok "completion of nsalignd lacks $opt"
done
run "$NSALIGND" --bogus
expect_rc 64 "nsalignd --bogus"
expect_err_line "unknown option" "nsalignd: unknown option in one line"
run "$NSALIGND" --bus tram
expect_rc 64 "nsalignd --bus tram"
run "$NSALIGND" --log-target
expect_rc 64 "nsalignd --log-target without a value"
mkdir -p "$TMP/badconf"
printf '[Hotplug]\nMemoryBlocks=always\n' >"$TMP/badconf/nsalign.conf"
run "$NSALIGND" -c "$TMP/badconf" --bus none --log-target console --exit-on-idle --runtime-dir "$TMP"
expect_rc 78 "nsalignd with a broken nsalign.conf at start: 78"
expect_err_line "badconf/nsalign.conf:2: bad value \"always\" for MemoryBlocks=" "nsalignd names the file, line and key"

# every finding code in the catalog is documented in nsalign-findings(7)
for code in $(grep -oE '"NSA-[A-Z-]+"' "$TOP_SRCDIR/lib/findings.c" | tr -d '"'); do
	grep -q "^=== $code\$" "$TOP_SRCDIR/man/nsalign-findings.7.adoc" && ok "$code is documented" ||
		not_ok "$code has no section in man/nsalign-findings.7.adoc"
done

done_testing
