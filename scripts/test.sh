#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole test suite: install what is missing, build with -Werror, run the
# unit, snapshot and CLI tests (make check), the clang-format check, make
# distcheck, the Debian packages and lintian (scripts/release.sh), promtool
# on contrib/prometheus, each libFuzzer target of tests/fuzz for 30 s
# (FUZZ_SECONDS=N: N s), and the VM lab against a real kernel with emulated
# NVDIMMs.  Ends with "N passed, N failed"; exits non-zero when anything
# failed.
#
#   scripts/test.sh                 everything
#   scripts/test.sh --sanitize      ASan+UBSan build, make check only
#   scripts/test.sh --no-vm         skip the VM lab and the fuzzing (says so; for quick local runs)
#   scripts/test.sh --no-vm --fuzz  skip the VM lab only
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sanitize=0 vm=1 fuzz=
for a in "$@"; do
	case "$a" in
	--sanitize) sanitize=1 vm=0 ;;
	--no-vm) vm=0 ;;
	--fuzz) fuzz=1 ;;
	*) echo "usage: scripts/test.sh [--sanitize] [--no-vm] [--fuzz]" >&2; exit 64 ;;
	esac
done
# fuzzing: in the whole suite, or when asked for; never in the sanitizer run
[ -n "$fuzz" ] || fuzz=$vm
[ $sanitize -eq 0 ] || fuzz=0
fuzz_seconds=${FUZZ_SECONDS:-30}

passed=0 failed=0 skipped=0
count() { # count NAME RESULT...
	local name=$1; shift
	for r in "$@"; do
		case "$r" in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)); echo "SKIPPED: $name" ;;
		*) failed=$((failed + 1)); echo "FAILED: $name ($r)" ;;
		esac
	done
}

# the time each stage took, so that CI's budget can be watched as the lab grows
t_start=$(date +%s) t_stage=$t_start
stage_done() { # stage_done NAME
	local now
	now=$(date +%s)
	echo "time: $1 $((now - t_stage)) s"
	t_stage=$now
}

if [ $vm -eq 1 ]; then
	"$top/scripts/setup.sh"
else
	"$top/scripts/setup.sh" --build-only $([ $fuzz -eq 1 ] && echo --fuzz)
fi || exit $?
stage_done setup

# build/ is a test build: the VM lab makes steps fail with NSALIGN_FAULT_INJECT;
# the ASan build is configured as production is (make check tests both)
if [ $sanitize -eq 1 ]; then
	builddir=$top/build-asan
	"$top/scripts/build.sh" "$builddir" --enable-sanitizers --disable-docs || { echo "0 passed, 1 failed"; exit 1; }
else
	builddir=$top/build
	"$top/scripts/build.sh" "$builddir" --enable-fault-injection || { echo "0 passed, 1 failed"; exit 1; }
fi

stage_done build
echo "== make check ($([ $sanitize -eq 1 ] && echo 'ASan+UBSan' || echo 'plain') build)"
# build every test first: a test that does not compile has no result file, and
# must not pass unnoticed
if ! (cd "$builddir" && make -j"$(nproc)" check TESTS= >"$builddir/check-build.log" 2>&1); then
	grep -E 'error' "$builddir/check-build.log" | head -10
	echo "FAILED: the tests do not build"; failed=$((failed + 1))
fi
find "$builddir/tests" -name '*.trs' -delete 2>/dev/null
(cd "$builddir" && make -j"$(nproc)" check >/dev/null 2>&1)
mapfile -t results < <(find "$builddir/tests" -name '*.trs' -exec grep -h '^:test-result:' {} + | awk '{print $2}')
if [ ${#results[@]} -eq 0 ]; then
	echo "make check ran no test"; failed=$((failed + 1))
fi
count "make check" "${results[@]}"
# show what failed, with the TAP diagnostics
find "$builddir/tests" -name '*.log' ! -name 'test-suite.log' -print0 |
	xargs -0 grep -l '^not ok' 2>/dev/null | while read -r log; do
		echo "--- $log"; grep -E '^(not ok|#)' "$log" | head -40
	done
echo "make check: ${#results[@]} test cases"

stage_done "make check"
if [ $sanitize -eq 0 ]; then
	echo "== clang-format"
	if (cd "$top" && git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror >/dev/null 2>&1); then
		count clang-format PASS
	else
		(cd "$top" && git ls-files '*.c' '*.h' | xargs clang-format --dry-run -Werror 2>&1 | grep -m5 'error:')
		count clang-format FAIL
	fi
fi

[ $sanitize -eq 1 ] || stage_done "clang-format"
# the release as a user gets it, in build-release/ (scripts/release.sh): the
# tree's files copied, autogen.sh, make distcheck (the tarball built out of
# tree, its make check run, installed and uninstalled); not the VM lab
if [ $sanitize -eq 0 ]; then
	echo "== make distcheck (a copy of the tree's files; the VM lab and the fuzzing stay outside)"
	if "$top/scripts/release.sh" tarball "$top/build-release"; then
		count "make distcheck" PASS
	else
		count "make distcheck" FAIL
	fi
	stage_done "make distcheck"
	# the Debian packages, built from that tarball with the tree's debian/,
	# and lintian on them (scripts/release.sh deb, lintian)
	echo "== Debian packages (dpkg-buildpackage -us -uc -b from the tarball; lintian)"
	if "$top/scripts/release.sh" deb "$top/build-release"; then
		count "Debian packages" PASS
		stage_done "Debian packages"
		if "$top/scripts/release.sh" lintian "$top/build-release"; then
			count lintian PASS
		else
			count lintian FAIL
		fi
		stage_done "lintian"
	else
		count "Debian packages" FAIL
		count lintian FAIL
		stage_done "Debian packages"
	fi
	# contrib/prometheus: the alerting rules' syntax and unit tests, and the
	# dashboard's queries parsed as PromQL (as recording rules, $instance .*)
	echo "== Prometheus rules (promtool check rules, promtool test rules)"
	promtool=$(command -v promtool || echo "$top/build-tools/prometheus/usr/bin/promtool")
	prom=$top/contrib/prometheus
	if [ ! -x "$promtool" ]; then
		echo "promtool missing (scripts/setup.sh unpacks it into build-tools/)"
		count promtool FAIL
	else
		for t in "check rules" "test rules" "dashboard queries"; do
			case "$t" in
			"check rules") (cd "$prom" && "$promtool" check rules nsalign.rules.yml) ;;
			"test rules") (cd "$prom" && "$promtool" test rules nsalign.rules.test.yml) ;;
			*) jq -r '.panels[].targets[].expr' "$prom/nsalign-dashboard.json" |
				sed 's/\$instance/.*/g' |
				awk 'BEGIN { print "groups:\n  - name: dashboard\n    rules:" }
					{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); printf "      - record: dashboard:q%d\n        expr: \"%s\"\n", NR, $0 }' \
					>"$builddir/dashboard-queries.yml" &&
				"$promtool" check rules "$builddir/dashboard-queries.yml" ;;
			esac >"$builddir/promtool.log" 2>&1 && count "promtool $t" PASS ||
				{ sed 's/^/  /' "$builddir/promtool.log" | tail -15; count "promtool $t" FAIL; }
			echo "promtool $t: $(grep -m1 -oE 'SUCCESS.*|FAILED.*' "$builddir/promtool.log")"
		done
	fi
	stage_done "promtool"
fi
# fuzz_report: each target's line and result (make fuzz's output)
fuzz_report() {
	local fuzz_results
	grep -E '^(fuzz|fuzzing)' "$fuzzdir/fuzz.out"
	mapfile -t fuzz_results < <(grep -E '^fuzz-' "$fuzzdir/fuzz.out" |
		awk '{ print ($NF == "ok" ? "PASS" : "FAIL") }')
	[ ${#fuzz_results[@]} -gt 0 ] || { tail -5 "$fuzzdir/fuzz.out"; fuzz_results=(FAIL); }
	count fuzzing "${fuzz_results[@]}"
}
if [ $fuzz -eq 1 ]; then
	# a clang build of its own (ASan, UBSan, libFuzzer): only the library and the targets
	echo "== fuzzing (libFuzzer, ASan+UBSan; ${fuzz_seconds} s per target; tests/fuzz/README.md)"
	fuzzdir=$top/build-fuzz
	mkdir -p "$fuzzdir"
	if ! (cd "$fuzzdir" && { { [ -f Makefile ] && [ ! "$top/configure" -nt Makefile ]; } ||
		"$top/configure" --enable-werror --enable-fuzzing --disable-docs >/dev/null; } &&
		make -j"$(nproc)" $(sed -n 's/^FUZZ_TARGETS = //p' Makefile | sed 's|[^ ]*|tests/fuzz/fuzz-&|g') \
			>"$fuzzdir/fuzz-build.log" 2>&1); then
		grep -E 'error' "$fuzzdir/fuzz-build.log" "$fuzzdir/config.log" 2>/dev/null | head -10
		echo "FAILED: the fuzz targets do not build"
		count fuzzing FAIL
	else
		# with the VM lab, the targets run beside it at the lowest priority
		# (the lab's guests first; CI's time budget): their results after it
		fuzz_run() { (cd "$fuzzdir" && exec nice -n 19 make -s fuzz FUZZ_SECONDS="$fuzz_seconds") >"$fuzzdir/fuzz.out" 2>&1; }
		if [ $vm -eq 1 ]; then
			fuzz_run &
			fuzz_pid=$!
			echo "fuzz targets run beside the VM lab (nice 19)"
		else
			fuzz_run
			fuzz_report
		fi
	fi
	stage_done "fuzzing$([ -n "${fuzz_pid:-}" ] && echo ' build')"
else
	echo "== fuzzing not run ($([ $sanitize -eq 1 ] && echo '--sanitize' || echo '--no-vm without --fuzz'))"
fi
if [ $vm -eq 1 ]; then
	echo "== VM lab (Debian kernels on x86_64 and arm64, QEMU TCG, emulated NVDIMMs)"
	if [ ! -x "$top/tests/vm/run.sh" ]; then
		echo "VM lab missing: tests/vm/run.sh"; failed=$((failed + 1))
	else
		# every target, and 2 fresh random seeds on each (RANDOM_COUNT=N: N;
		# make check-vm RANDOM=N for long random runs)
		RANDOM_COUNT=${RANDOM_COUNT:-2} make -C "$builddir" -s check-vm > "$builddir/vm-lab.tap" 2>"$builddir/vm-lab.err"
		rc=$?
		# failures and comments, without the random seeds' per-step notes
		grep -E '^(ok|not ok|#)' "$builddir/vm-lab.tap" | grep -v '^ok' |
			sed '/^# matrix (scenario x target):$/,$d' |
			grep -vE '^# (seed |create |kmem |kernel, boot |random|re-run)' | head -60
		# the random mode's figure and the commands that re-run failing seeds
		grep -E '^# (random: |re-run)' "$builddir/vm-lab.tap"
		# the table scenario x target, whole
		sed -n '/^# matrix (scenario x target):$/,/^# wall time per target/p' "$builddir/vm-lab.tap"
		grep -q '^ok' "$builddir/vm-lab.tap" || tail -5 "$builddir/vm-lab.err"
		vp=$(grep -c '^ok' "$builddir/vm-lab.tap"); vf=$(grep -c '^not ok' "$builddir/vm-lab.tap")
		echo "VM lab: $vp passed, $vf failed (exit $rc)"
		passed=$((passed + vp)); failed=$((failed + vf))
		if [ $rc -ne 0 ] && [ "$vf" -eq 0 ]; then
			echo "VM lab failed without a failing assertion:"; tail -5 "$builddir/vm-lab.err"
			failed=$((failed + 1))
		fi
	fi
else
	echo "== VM lab not run (--no-vm or --sanitize)"
fi

stage_done "$([ $vm -eq 1 ] && echo "VM lab" || echo "summary")"
if [ -n "${fuzz_pid:-}" ]; then
	echo "== fuzzing, run beside the VM lab (${fuzz_seconds} s per target)"
	wait "$fuzz_pid"
	fuzz_report
	stage_done "fuzzing (after the lab)"
fi
echo "time: total $(($(date +%s) - t_start)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
