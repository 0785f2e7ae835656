# SPDX-License-Identifier: GPL-2.0-or-later
# The boot unit on a real systemd, two boots.  Boot 1 (NVDIMM at
# 0x100000000): the lab's prepare unit creates fsdax -s 1G -a 2M and devdax
# -s 2G -a 1G, then nsalign-boot-check.service records the layout.  The
# state directory is carried to boot 2 as a disk would carry it.  Boot 2
# (addr=0x104000000, 64 MiB higher): the kernel refuses the devdax
# namespace; the unit fails with exit 2 and the journal holds
# NSA-NS-MOVED-UNAVAILABLE with its MESSAGE_ID and NSALIGN_* fields,
# journalctl -x shows the catalog text, the Prometheus drop-in wrote the
# metrics.  Same DIMM, same RAM, another address: every move finding names
# the firmware as the cause (NSALIGN_CAUSE=firmware).  After the boot,
# nsalignd's Check() over D-Bus (busctl --json=short) carries the same move
# findings with the same cause (boot-check-systemd.late).
IMAGE=systemd
BOOTS=2
# boot 2's reinstall and purge run dpkg and apt under TCG
BOOT_TIMEOUT=480
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm "$([ "$1" = 2 ] && echo 0x104000000)"; }
append_args() { echo "systemd.show_status=0 systemd.journald.forward_to_console=0$([ "$1" = 2 ] && echo " nsa_purge")"; }
initrd_for() {
	if [ "$1" = 1 ]; then
		echo "$SYSTEMD_INITRD"
		return
	fi
	rm -rf "$RUN/overlay" && mkdir -p "$RUN/overlay/var/lib"
	cp -a "$RUN/boot1/state" "$RUN/overlay/var/lib/nsalign"
	overlay_cpio "$RUN/overlay.cpio.gz" "$RUN/overlay"
	cat "$SYSTEMD_INITRD" "$RUN/overlay.cpio.gz" >"$RUN/initrd$1.gz"
	echo "$RUN/initrd$1.gz"
}

unit_prop() { sed -n "s/^$2=//p" "$1/unit.show"; }
# journal_entry DIR JQ-FILTER: one journal entry (JSON lines) matches
journal_entry() { jq -e -s "[.[] | select($2)] | length >= 1" "$1/journal.json"; }

assert_boot() {
	local n=$1 d=$2
	if [ "$n" = 1 ]; then
		check "the boot unit ran and succeeded (exit 1: a warning)" \
			test "$(unit_prop "$d" ActiveState)/$(unit_prop "$d" ExecMainStatus)" = active/1
		check "it ran before local-fs.target" \
			test "$(unit_prop "$d" InactiveExitTimestampMonotonic)" -lt \
			"$(sed -n 's/^ActiveEnterTimestampMonotonic=//p' "$d/local-fs.show")"
		check "it recorded both namespaces as the known-good layout" \
			jqf '.boots | length == 1 and .[0].baseline and (.[0].layout.namespaces | length == 2)' "$d/state/state.json"
		check "journal: NSA-NO-BASELINE with its MESSAGE_ID, from the unit" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-NO-BASELINE" and .MESSAGE_ID == "2fb796f3106b456ea08a8fac331201e1" and ._SYSTEMD_UNIT == "nsalign-boot-check.service"'
		check "journal: NSA-NS-FRAGILE at PRIORITY 4 (warning)" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-NS-FRAGILE" and .PRIORITY == "4"'
		check "Prometheus drop-in wrote the metrics (exit code 1)" grep -qx 'nsalign_check_exit_code 1' "$d/nsalign.prom"
		jq -r '.boots[0].layout.namespaces[] | select(.mode == "devdax") | .raw_uuid' "$d/state/state.json" >"$RUN/devdax.uuid"
		jq -r '.boots[0].boot_id' "$d/state/state.json" >"$RUN/boot1.id"
	else
		local u id
		u=$(cat "$RUN/devdax.uuid") id=$(cat "$RUN/boot1.id")
		check "kernel: 'bad offset: 0x40000000 dax disabled align: 0x40000000'" \
			dmesg_has "$d" "bad offset: 0x40000000 dax disabled align: 0x40000000"
		check "the boot unit failed with exit 2, visible in systemctl" \
			test "$(unit_prop "$d" Result)/$(unit_prop "$d" ExecMainStatus)" = exit-code/2
		check "systemctl status shows it failed" grep -q "Active: failed" "$d/unit.status"
		check "the rest of the boot went on (multi-user reached, results came back)" test -s "$d/journal.json"
		check "journal: NSA-NS-MOVED-UNAVAILABLE, MESSAGE_ID, PRIORITY 3, the devdax namespace's uuid" \
			journal_entry "$d" ".NSALIGN_CODE == \"NSA-NS-MOVED-UNAVAILABLE\" and .MESSAGE_ID == \"b2511e582f0b447ea18698f823955848\" and .PRIORITY == \"3\" and .NSALIGN_UUID == \"$u\""
		check "journal: NSALIGN_SPA_OLD, NSALIGN_SPA_NEW, NSALIGN_SHIFT" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-NS-MOVED-UNAVAILABLE" and .NSALIGN_SPA_OLD == "0x140000000" and .NSALIGN_SPA_NEW == "0x144000000" and .NSALIGN_SHIFT == "67108864"'
		check "journal: the kernel's own line, confirmed" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-NS-MOVED-UNAVAILABLE" and .NSALIGN_KERNEL_CONFIRMS == "true" and (.NSALIGN_KERNEL_MESSAGE | contains("bad offset: 0x40000000 dax disabled align: 0x40000000"))'
		check "journal: NSA-REGION-MOVED by +64 MiB" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-REGION-MOVED" and .NSALIGN_SHIFT == "67108864"'
		check "journal: same hardware, another address: NSALIGN_CAUSE=firmware on all three move findings" \
			jq -e -s '[.[] | select((.NSALIGN_CODE // "") | test("MOVED"))] | length == 3 and all(.NSALIGN_CAUSE == "firmware" and .NSALIGN_CAUSE_DIMMS_OLD == "1" and .NSALIGN_CAUSE_RAM_BELOW_OLD == .NSALIGN_CAUSE_RAM_BELOW_NEW)' "$d/journal.json"
		check "journal: the message says it in words" \
			journal_entry "$d" '.NSALIGN_CODE == "NSA-NS-MOVED-UNAVAILABLE" and (.MESSAGE | contains("Most likely cause: same DIMMs, same RAM")) and (.NSALIGN_CAUSE_TEXT | contains("a firmware setting or update moved the PMEM"))'
		check "journalctl -x shows the catalog entry" \
			grep -q "Subject: NSA-NS-MOVED-UNAVAILABLE: Namespace moved since the record" "$d/journal-x.txt"
		check "journalctl -x: the catalog's remedy with this entry's fields filled in" \
			grep -q "What to do: Do not re-create the namespace" "$d/journal-x.txt"
		check "Prometheus: the finding and exit code 2" \
			grep -qx 'nsalign_findings{code="NSA-NS-MOVED-UNAVAILABLE",severity="error"} 1' "$d/nsalign.prom"
		check "Prometheus: exit code 2" grep -qx 'nsalign_check_exit_code 2' "$d/nsalign.prom"
		check "Prometheus: three move findings (region, both namespaces), cause firmware" \
			grep -qx 'nsalign_move_findings_by_cause{cause="firmware"} 3' "$d/nsalign.prom"
		check "state: boot 2 kept in the history, boot 1 still the known-good one" \
			jqf --arg id "$id" '(.boots | length == 2) and ([.boots[] | select(.baseline)] | length == 1) and (.boots[0].boot_id == $id) and (.boots[0].baseline)' "$d/state/state.json"
		# nsalignd compares with the same record: its Check() carries the move findings
		check "D-Bus Check(): the three move findings, cause firmware" \
			jqf '[.findings[] | select(.code | test("MOVED"))] | length == 3 and all(.cause.code == "firmware")' "$d/bus-check.json"
		check "D-Bus Check(): the same findings as the boot check journaled (code, namespace, shift, cause)" \
			jqf --slurpfile j <(jq -s '[.[] | select((.NSALIGN_CODE // "") | test("MOVED")) | [.NSALIGN_CODE, (.NSALIGN_UUID // ""), (.NSALIGN_SHIFT | tonumber), .NSALIGN_CAUSE]] | sort' "$d/journal.json") \
			'[.findings[] | select(.code | test("MOVED")) | [.code, (.raw_uuid // ""), .shift, .cause.code]] | sort == $j[0]' "$d/bus-check.json"
		check "D-Bus Check(): NSA-NS-MOVED-UNAVAILABLE with the kernel's line and the cause's words and evidence" \
			jqf '.findings[] | select(.code == "NSA-NS-MOVED-UNAVAILABLE") | .kernel_confirms and (.cause.text | contains("a firmware setting or update moved the PMEM")) and .cause.evidence.shift == 67108864 and .cause.evidence.dimms_old == 1' "$d/bus-check.json"
		jq -s '.[] | select(.NSALIGN_CODE == "NSA-NS-MOVED-UNAVAILABLE")' "$d/journal.json" >"$RUN/moved-unavailable.journal.json"
		assert_packages "$d/purge"
	fi
}

# assert_packages DIR: the reinstall and the purge of the packages (collect, nsa_purge)
assert_packages() {
	local p=$1 before after
	before=$(cat "$p/pid.before") after=$(cat "$p/pid.after")
	echo "# nsalignd's pid: $before before the reinstall, $after after"
	check "packages installed over themselves (an upgrade's maintainer scripts)" test "$(cat "$p/reinstall.rc")" = 0
	check "... the running nsalignd was restarted: another pid" \
		test "$before" -gt 0 -a "$after" -gt 0 -a "$before" != "$after"
	check "... the boot unit was neither stopped nor run again: same invocation, still failed" \
		sh -c "diff '$p/boot-unit.before' '$p/boot-unit.after' >/dev/null && grep -qx ActiveState=failed '$p/boot-unit.after'"
	check "purge: apt-get purge nsalign nsalignd succeeded, dpkg knows neither" \
		sh -c "[ \$(cat '$p/purge.rc') = 0 ] && ! grep -qE '^nsalignd? .[^n]' '$p/status'"
	check "purge: nsalignd stopped, its unit gone" \
		sh -c "grep -qx ActiveState=inactive '$p/daemon.after' && grep -qx LoadState=not-found '$p/daemon.after'"
	check "purge: the catalog database lost the packages' entries" \
		test "$(cat "$p/catalog.before")/$(cat "$p/catalog.after")" = 1/0
	echo "# purge: $(wc -l <"$p/files") paths of the packages, $(wc -l <"$p/left.files") left: $(tr '\n' ' ' <"$p/left.files")"
	check "purge: none of the packages' files or own directories is left" test ! -s "$p/left.files"
	# named after nsalign and still there: the lab's own files (its units,
	# scripts, the Prometheus drop-in and what it wrote, as an admin's) aside
	grep -vE '^/usr/lib/nsalign-lab|^/etc/systemd/system/(.*\.wants/)?nsalign-lab-|^/etc/systemd/system/nsalign-boot-check\.service\.d|^/var/lib/prometheus/node-exporter/nsalign\.prom$' \
		"$p/left.named" >"$p/left.other"
	echo "# purge left, named after nsalign: $(tr '\n' ' ' <"$p/left.other")"
	check "purge: nothing named after nsalign is left but /var/lib/nsalign, the recorded layouts" \
		sh -c "grep -qx /var/lib/nsalign '$p/left.other' && ! grep -v '^/var/lib/nsalign' '$p/left.other'"
}
