# SPDX-License-Identifier: GPL-2.0-or-later
# nsalignd on a real systemd, one boot.  The image carries a policy drop-in
# (MemoryBlocks=online_movable, DaxDevices=system-ram) and a 5 s watchdog.
# The prepare unit creates an fsdax namespace; udev's rule starts nsalignd
# (it is not enabled).  Once it runs, the late step (daemon-systemd.late)
# asks it over D-Bus as root (also to online a block) and as nobody (polkit,
# in the image, grants nobody a changing method), creates a devdax namespace
# (the policy makes it System RAM), asks the host for a pc-dimm hot-add
# (the policy onlines its 4 blocks into ZONE_MOVABLE), reloads a broken
# configuration (the old one stays), and SIGSTOPs the daemon (the watchdog
# restarts it).  On a kernel that onlines new memory itself (Debian's amd64
# 6.12: auto_online_blocks=online, into Normal) nsalignd says so and, as
# nsalignd(8) documents, refuses the devdax device (NSA-HOTPLUG-FAILED: the
# kernel's zone is not DaxZone=movable) and leaves the DIMM to the kernel,
# whose blocks must then be online in the zone nsalignd named.  The bus's
# strings are read with busctl --json=short: busctl's plain output escapes
# them C-style (an apostrophe as \'), which is not JSON.
# Then (issue 18): what nobody sees (Snapshot() without
# physical addresses, Check() without texts), Check() calls sharing one
# analysis, wrong types and 100000-byte strings, a burst of uevents that
# overflows a 4 KiB monitor socket (the daemon's view after it is a fresh
# 'nsalign snapshot'), and stopping nsalignd during OnlineMemory(): held
# and signalled (it stops between two blocks), and by systemctl stop.
# Then (issue 22): a user whom a polkit rule grants org.nsalign1.online-memory
# onlines the block offlined by hand; another user is refused; the journal
# has both, with their uids.
IMAGE=systemd
# a pc-dimm hot-added through QEMU's monitor (and the systemd image)
REQUIRES="acpi-hotplug"
BOOTS=1
# the D-Bus abuse, the uevent burst and the stop during an action come on top
BOOT_TIMEOUT=600
setup() { truncate -s 4G "$RUN/nv0.img"; }
qemu_args() { one_nvdimm; }
append_args() { echo "systemd.show_status=0 systemd.journald.forward_to_console=0"; }
# same_blocks DIR JQ-FILTER: the blocks of Snapshot() and of 'nsalign snapshot', one
# object a block ({i, s, n, z}), filtered, are equal
same_blocks() {
	local e='[.memory.blocks[] | . as $r | range($r.first; $r.first + $r.count) | {i: ., s: $r.state, n: $r.node, z: $r.zones}]'
	local a b
	a=$(jq -c "$e | map($2)" "$1/bus-snapshot.json" 2>/dev/null) || return 1
	b=$(jq -c "$e | map($2)" "$1/full-snapshot.json" 2>/dev/null) || return 1
	[ -n "$a" ] && [ "$a" != "[]" ] && [ "$a" = "$b" ]
}
initrd_for() {
	rm -rf "$RUN/overlay" && mkdir -p "$RUN/overlay/etc/nsalign/nsalign.conf.d" \
		"$RUN/overlay/etc/systemd/system/nsalignd.service.d"
	printf '[Hotplug]\nMemoryBlocks=online_movable\nDaxDevices=system-ram\nDaxZone=movable\n' \
		>"$RUN/overlay/etc/nsalign/nsalign.conf.d/50-lab.conf"
	# -d: the journal gets each analysis, with what it read again
	printf '[Service]\nWatchdogSec=5s\nExecStart=\nExecStart=/usr/sbin/nsalignd -d\n' \
		>"$RUN/overlay/etc/systemd/system/nsalignd.service.d/lab.conf"
	overlay_cpio "$RUN/overlay.cpio.gz" "$RUN/overlay"
	cat "$SYSTEMD_INITRD" "$RUN/overlay.cpio.gz" >"$RUN/initrd$1.gz"
	echo "$RUN/initrd$1.gz"
}
# The guest asks for the DIMM on the console once nsalignd runs.
monitor_script() {
	local i=0
	while [ $i -lt 400 ] && ! grep -q NSA-LAB-HOTADD "$out/console.log" 2>/dev/null; do
		sleep 0.5
		i=$((i + 1))
	done
	echo "object_add memory-backend-ram,id=m1,size=512M"
	# at 8 GiB: after the NVDIMM, whose end QEMU aligns to 2 MiB only, where the
	# kernel refuses a range that is not whole 128 MiB blocks
	echo "device_add pc-dimm,id=d1,memdev=m1,addr=0x200000000"
	exec sleep 600
}

show() { sed -n "s/^$2=//p" "$1"; }
# daemon_entry DIR JQ-FILTER: an nsalignd journal entry matches
daemon_entry() { jq -e -s "[.[] | select($2)] | length >= 1" "$1/daemon-journal.json" >/dev/null; }

assert_boot() {
	local d=$2 first last
	check "the late step ran to its end" test "$(cat "$d/late.rc" 2>/dev/null)" = 0
	check "nsalignd is not enabled, yet it runs" \
		test "$(show "$d/daemon.show" UnitFileState)/$(show "$d/daemon.show" ActiveState)" = disabled/active
	check "udev's rule wants it: a namespace's device unit" \
		grep -qE '^WantedBy=.*sys-devices-.*namespace[0-9]+\.[0-9]+\.device' "$d/daemon.show"
	check "Type=notify, STATUS= says how many namespaces and errors" \
		grep -qE '^StatusText=[0-9]+ namespaces?, [0-9]+ errors?, [0-9]+ warnings?' "$d/daemon.show"
	check "busctl introspect: the interface, its methods and the signal" \
		test "$(grep -cE '^\.(Check|Snapshot|Reload|OnlineMemory|Reconfigure|FindingsChanged) ' "$d/introspect.txt")" = 6
	check "Check() as root returns the findings as JSON" jqf '.counts.error >= 0 and (.findings | type == "array")' "$d/bus-check.json"
	check "Check() as nobody works too" test "$(cat "$d/nobody-check.rc")" = 0
	check "Errors property readable by nobody" grep -qE '^u [0-9]+$' "$d/nobody-errors.txt"
	check "OnlineMemory() as root on an online boot block: the JSON of 'nsalign online-memory --json', nothing changed" \
		jqf '.first_block == 1 and .blocks == 1 and .already == 1 and .changed == 0 and .unchanged == 1 and .interrupted == false' "$d/bus-online.json"
	check "OnlineMemory() on a block that does not exist: the reason and nsalign's exit status" \
		grep -q "memory9999 does not exist (see 'nsalign list -B') (exit 66)" "$d/bus-online-missing.err"
	check "OnlineMemory() as nobody: refused (busctl says Access denied)" \
		test "$(cat "$d/nobody-online.rc")" != 0 -a -n "$(grep -i 'access.*denied\|AccessDenied' "$d/nobody-online.err")"
	check "... by nsalignd, which polkit does not let: AccessDenied naming the action and the uid" \
		grep -q "AccessDenied: OnlineMemory() needs polkit action org.nsalign1.online-memory, which polkit does not grant to uid 65534" "$d/polkit-online.err"
	check "Reload() as nobody: AccessDenied naming org.nsalign1.reload" \
		grep -q "AccessDenied: Reload() needs polkit action org.nsalign1.reload, which polkit does not grant to uid 65534" "$d/polkit-reload.err"
	check "Reconfigure() as nobody: AccessDenied naming org.nsalign1.reconfigure" \
		grep -q "AccessDenied: Reconfigure() needs polkit action org.nsalign1.reconfigure, which polkit does not grant to uid 65534" "$d/polkit-reconfigure.err"
	check "... and nsalignd logs who tried" grep -q "nsalignd\[[0-9]*\]: refused OnlineMemory() from .* (uid 65534" "$d/journal.txt"
	check "root's calls: allowed without polkit, logged" \
		grep -qE "nsalignd\[[0-9]*\]: allowed OnlineMemory\(\) from :[0-9.]+ \(uid 0, pid [0-9]+\): root, polkit not asked" "$d/journal.txt"
	# polkit: a rule grants org.nsalign1.online-memory to one user
	local gu ou
	gu=$(cat "$d/granted.uid") ou=$(cat "$d/other.uid")
	echo "# polkit: nsalab-granted uid $gu, nsalab-other uid $ou; OnlineMemory($(jq -r '.data[0]' "$d/granted-online.out" 2>/dev/null | jq -c '{first_block, changed, already}' 2>/dev/null)), now $(cat "$d/granted-online.state")"
	check "the user a polkit rule grants org.nsalign1.online-memory onlines a memory block over D-Bus" \
		sh -c "[ \$(cat '$d/granted-online.rc') = 0 ] && [ \$(cat '$d/granted-online.state') = online ] &&
			jq -r '.data[0]' '$d/granted-online.out' | jq -e '.blocks == 1 and .changed + .already == 1' >/dev/null"
	check "... journal: allowed, its uid and the action polkit granted" \
		grep -qE "^allowed OnlineMemory\(\) from :[0-9.]+ \(uid $gu, pid [0-9]+\): polkit grants org.nsalign1.online-memory\$" "$d/polkit-journal.txt"
	check "... the rule grants that action only: its Reload() is refused" \
		grep -q "AccessDenied: Reload() needs polkit action org.nsalign1.reload, which polkit does not grant to uid $gu" "$d/granted-reload.err"
	check "a user without the rule: refused with the polkit error" \
		sh -c "[ \$(cat '$d/other-online.rc') != 0 ] && grep -q 'AccessDenied: OnlineMemory() needs polkit action org.nsalign1.online-memory, which polkit does not grant to uid $ou' '$d/other-online.err'"
	check "... journal: refused, its uid and the action" \
		grep -qE "^refused OnlineMemory\(\) from :[0-9.]+ \(uid $ou, pid [0-9]+\): OnlineMemory\(\) needs polkit action org.nsalign1.online-memory, which polkit does not grant to uid $ou\$" "$d/polkit-journal.txt"
	# the kernel's policy for new memory, and the zone nsalignd says the
	# kernel onlines it into when it does so itself (its debug log)
	local policy kzone
	policy=$(cat "$d/auto_online_blocks")
	kzone=$(sed -n 's/.*nsalignd\[[0-9]*\]: the kernel onlines new memory itself (auto_online_blocks=[a-z_]*, zone \([A-Za-z]*\)).*/\1/p' "$d/journal.txt" | sort -u)
	echo "# auto_online_blocks: $policy${kzone:+; nsalignd: the kernel onlines new memory into $kzone}"
	[ "$policy" = offline ] ||
		check "auto_online_blocks=$policy: nsalignd says the kernel onlines new memory itself, into one zone" \
			test "$(wc -w <<<"$kzone")" = 1
	if [ "$policy" = offline ] || [ "$kzone" = Movable ]; then
		check "devdax policy: the new devdax device became System RAM" \
			jqf '[.[] | select(.mode == "system-ram")] | length == 1' "$d/daxctl.json"
		check "journal: NSA-HOTPLUG-RECONFIGURED for it, from nsalignd" \
			daemon_entry "$d" '.NSALIGN_CODE == "NSA-HOTPLUG-RECONFIGURED" and .NSALIGN_CHANGE == "action" and ._SYSTEMD_UNIT == "nsalignd.service"'
		check "its kmem memory is online in Movable" test "$(cat "$d/kmem-movable.count")" -ge 1
	else
		# DaxZone=movable, the kernel's zone another: refused, nothing changed (nsalignd(8))
		check "devdax policy: the kernel would online it into $kzone, not DaxZone=movable: NSA-HOTPLUG-FAILED from nsalignd, nothing changed" \
			daemon_entry "$d" ".NSALIGN_CODE == \"NSA-HOTPLUG-FAILED\" and ._SYSTEMD_UNIT == \"nsalignd.service\" and (.MESSAGE | test(\"auto_online_blocks=$policy\\\\) into $kzone, not Movable, .*nothing was changed\$\"))"
		check "... the device stays devdax" \
			jqf '([.[] | select(.mode == "system-ram")] | length == 0) and ([.[] | select(.mode == "devdax")] | length >= 1)' "$d/daxctl.json"
	fi
	local new first last
	new=$(cat "$d/dimm.blocks")
	first=${new%% *} last=${new##* }
	echo "# the pc-dimm: memory$first-memory$last"
	check "the pc-dimm came up as 4 new memory blocks" test "$(echo $new | wc -w)" = 4
	if [ "$policy" = offline ]; then
		check "the DIMM's 4 blocks were onlined by the policy, into ZONE_MOVABLE" \
			test "$(for i in $new; do grep -E "^$i online Movable" "$d/states.dimm"; done | wc -l)" = 4
		# the DIMM's uevents may reach the daemon in more than one burst (a loaded
		# host): then one entry per burst, which together name each block once
		check "journal: NSA-HOTPLUG-ONLINED says so (the 4 blocks, memory$first-memory$last)" \
			jq -e -s "[.[] | select(.NSALIGN_CODE == \"NSA-HOTPLUG-ONLINED\") | .NSALIGN_TARGET
				| capture(\"^memory(?<a>[0-9]+)(-memory(?<b>[0-9]+))?\$\")
				| range(.a | tonumber; (.b // .a | tonumber) + 1)]
				| sort == [range($first; $last + 1)]" "$d/daemon-journal.json"
	else
		check "the kernel onlined the DIMM's 4 blocks itself, into $kzone, as nsalignd said" \
			test "$(for i in $new; do grep -E "^$i online $kzone\$" "$d/states.dimm"; done | wc -l)" = 4
		check "... and MemoryBlocks= left them to it: no NSA-HOTPLUG-ONLINED" \
			jq -e -s '[.[] | select(.NSALIGN_CODE == "NSA-HOTPLUG-ONLINED")] | length == 0' "$d/daemon-journal.json"
	fi
	check "a DIMM block offlined by hand" grep -qx 0 "$d/offline-by-hand.rc"
	check "... the analysis after it read that block alone again (the last analysis line)" \
		sh -c "tail -1 '$d/analyses.txt' | grep -q '(1 read again)'"
	check "... and the daemon's view, Snapshot(), is what a full collection says: every block's index, state, node" \
		same_blocks "$d" 'del(.z)'
	if same_blocks "$d" .; then
		echo "# ... valid_zones too"
	else
		echo "# ... valid_zones differ for some untouched blocks (nsalignd(8): they change without an event)"
	fi
	check "no finding was reported new twice, not even across the watchdog restart" \
		test "$(jq -r 'select(.NSALIGN_CHANGE == "new") | "\(.NSALIGN_CODE) \(.NSALIGN_DEV // "")"' "$d/daemon-journal.json" | sort | uniq -d | wc -l)" = 0
	if [ "$policy" = offline ]; then
		check "the lab's udev rules hold no competitor: no NSA-ONLINE-* finding" \
			test "$(jq -r 'select(.NSALIGN_CODE // "" | startswith("NSA-ONLINE-")) | .NSALIGN_CODE' "$d/daemon-journal.before-competitor.json" | wc -l)" = 0
	else
		check "the lab's udev rules hold no competitor, the kernel is one: NSA-ONLINE-AUTO alone, a warning (the policy onlines)" \
			test "$(jq -r 'select(.NSALIGN_CODE // "" | startswith("NSA-ONLINE-")) | "\(.NSALIGN_CODE) \(.PRIORITY)"' "$d/daemon-journal.before-competitor.json" | sort -u)" = "NSA-ONLINE-AUTO 4"
	fi
	check "Ubuntu's 40-vm-hotadd.rules added, reloaded: NSA-ONLINE-UDEV-RULE, a warning, names the file and line" \
		daemon_entry "$d" '.NSALIGN_CODE == "NSA-ONLINE-UDEV-RULE" and .NSALIGN_CHANGE == "new" and .PRIORITY == "4" and (.MESSAGE | test("/etc/udev/rules.d/40-vm-hotadd.rules:1"))'
	echo "# $(grep -E 'Overall exposure level' "$d/security.txt")"

	check "systemctl reload with a broken drop-in fails" test "$(cat "$d/reload-broken.rc")" != 0
	check "... the daemon still runs, same PID, the old policy in force" \
		test "$(cat "$d/pid.before-reload")" = "$(cat "$d/pid.after-reload")" -a "$(cat "$d/policy.after-reload")" = 's "online_movable"'
	check "... and the journal names the file and the key" \
		grep -q "configuration not reloaded.*90-broken.conf:2.*MemoryBlocks" "$d/journal.txt"
	check "SIGSTOP: the watchdog killed it and systemd restarted it" \
		test "$(cat "$d/pid.after-stop")" != "$(cat "$d/pid.before-stop")" -a "$(cat "$d/nrestarts")" -ge 1
	check "journal: systemd's watchdog timeout for nsalignd" grep -q "nsalignd.service: Watchdog timeout" "$d/journal.txt"

	# who sees what (org.nsalign1(5))
	check "Snapshot() as root: /proc/iomem's Kernel code at its real address" \
		jqf '[.. | objects | select(.name? == "Kernel code") | .start] | length >= 1 and all(. > 0)' "$d/root-snapshot.json"
	check "Snapshot() as nobody: the same iomem lines (Kernel code too), every address 0" \
		jqf '([.. | objects | select(has("start") and has("end") and has("name"))] | length > 0 and all((.start // 0) == 0 and (.end // 0) == 0))
			and ([.. | objects | select(.name? == "Kernel code")] | length >= 1)' "$d/nobody-snapshot.json"
	check "... no region, namespace or dax resource, no kernel log, iomem_visible false, and a note says why" \
		jqf '([.regions[], .namespaces[], .dax[]? | .resource // 0, .data_resource // 0] | all(. == 0))
			and (.namespaces | length >= 1) and (.kernel_log | length == 0) and .platform.iomem_visible == false
			and (.notes | any(test("physical addresses hidden")))' "$d/nobody-snapshot.json"
	check "... the memory blocks are root's" \
		test "$(jq -c .memory "$d/nobody-snapshot.json")" = "$(jq -c .memory "$d/root-snapshot.json")"
	echo "# Check() as nobody: $(jq '.findings | length' "$d/nobody-check.json") findings (tests/unit/test-redact.c cuts real ones)"
	check "Check() as nobody: root's counts, each finding as code, message_id, severity, dev, raw_uuid only" \
		jqf '(.counts | has("error")) and (.findings | type == "array")
			and ([.findings[] | keys[] | select(IN("code", "message_id", "severity", "dev", "raw_uuid") | not)] | length == 0)' "$d/nobody-check.json"
	check "Check() twice in a row: one analysis (same analyzed_at); 1.5 s later a new one" \
		bash -c "a=\$(sed -n 1p '$d/check-twice.txt') b=\$(sed -n 2p '$d/check-twice.txt') c=\$(sed -n 3p '$d/check-twice.txt');
			[[ \$a =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\$ ]] && [ \"\$a\" = \"\$b\" ] && [[ \$c > \$b ]]"
	echo "# Check() analyzed_at: $(tr '\n' ' ' <"$d/check-twice.txt")"
	check_schema "Check() as root and as nobody follows doc/org.nsalign1-check.schema.json" \
		org.nsalign1-check.schema.json "$d/bus-check.json" "$d/nobody-check.json"
	check_schema "Snapshot() as root and as nobody follows doc/nsalign-snapshot.schema.json (nobody's addresses null)" \
		snapshot "$d/root-snapshot.json" "$d/nobody-snapshot.json"

	# wrong types, huge strings
	check "OnlineMemory(int32, int32): InvalidArgs" grep -q "InvalidArgs" "$d/abuse-types.err"
	check "Check(string): InvalidArgs" grep -q "InvalidArgs" "$d/abuse-extra.err"
	check "Reconfigure(s, s) without its boolean: InvalidArgs" grep -q "InvalidArgs" "$d/abuse-missing.err"
	check "OnlineMemory() with 100000 digits: refused, the number named as too large, quoted 64 bytes" \
		sh -c "grep -q 'a block number beyond 2^64-1' '$d/abuse-huge-digits.err' && [ \$(wc -c <'$d/abuse-huge-digits.err') -lt 400 ]"
	check "OnlineMemory('1-' 100000 digits): refused the same way" grep -q 'a block number beyond 2^64-1' "$d/abuse-huge-range.err"
	check "OnlineMemory() with a 100000-byte zone: refused, cut to 64 bytes" \
		sh -c "grep -q \"zone 'zzzz.*\\.\\.\\.': expected movable\" '$d/abuse-huge-zone.err' && [ \$(wc -c <'$d/abuse-huge-zone.err') -lt 400 ]"
	check "Reconfigure() with a 100000-byte dax name: refused, cut to 64 bytes" \
		sh -c "grep -q 'expected a dax device name' '$d/abuse-huge-dax.err' && [ \$(wc -c <'$d/abuse-huge-dax.err') -lt 400 ]"
	check "Reconfigure() as nobody with a huge name: refused" test "$(cat "$d/abuse-nobody-huge.rc")" != 0
	check "after all that the same nsalignd answers" \
		test "$(cat "$d/abuse-after.rc")" = 0 -a "$(cat "$d/pid.before-abuse")" = "$(cat "$d/pid.after-abuse")"

	# the monitor's socket overflows
	echo "# burst: $(cat "$d/burst.events") change uevents, a 4 KiB receive buffer; $(grep -c 'the udev monitor overflowed' "$d/burst-journal.txt") overflows logged"
	check "the burst overflowed the monitor's socket (ENOBUFS): the daemon says a full reconcile follows" \
		grep -q 'the udev monitor overflowed; a full reconcile follows' "$d/burst-journal.txt"
	check "... after it the daemon's view (Snapshot()) is a fresh 'nsalign snapshot': iomem, regions, namespaces, dax" \
		test "$(jq -c '[.iomem, .regions, .namespaces, .dax]' "$d/burst-bus-snapshot.json" 2>/dev/null)" = \
		"$(jq -c '[.iomem, .regions, .namespaces, .dax]' "$d/burst-full-snapshot.json" 2>/dev/null)"
	mkdir -p "$d/burst" && cp "$d/burst-bus-snapshot.json" "$d/burst/bus-snapshot.json" && cp "$d/burst-full-snapshot.json" "$d/burst/full-snapshot.json"
	check "... and every memory block's index, state and node" same_blocks "$d/burst" 'del(.z)'

	echo "# late step timeline (guest uptime s): $(tr '\n' ' ' <"$d/timeline.txt" 2>/dev/null)"
	# stopping during an action
	local t
	for t in term stop; do
		echo "# $t: $(cat "$d/$t.ms") ms; $(tr '\n' ' ' <"$d/$t.show"); blocks before $(tr '\n' ' ' <"$d/$t-states.before"), after $(tr '\n' ' ' <"$d/$t-states.after")"
		echo "# $t: the call said: $(head -c 300 "$d/$t-online.err" | tr '\n' ' ')$(jq -r '.data[0]' "$d/$t-online.out" 2>/dev/null | jq -c . 2>/dev/null)"
		if [ "$t" = term ]; then
			echo "# term: the child caught on attempt $(cat "$d/term.attempts" 2>/dev/null) of at most 3"
			check "$t: the action's child was held while it ran" test -s "$d/$t-child.status"
		elif [ -s "$d/$t-child.status" ]; then
			check "$t: the action's child runs with no signal blocked, SIGTERM and SIGINT caught" \
				sh -c "grep -qE '^SigBlk:[[:space:]]+0+\$' '$d/$t-child.status' && [ \$((0x\$(sed -n 's/^SigCgt:[[:space:]]*//p' '$d/$t-child.status') & 0x4002)) = \$((0x4002)) ]"
		else
			echo "# $t: the action's child was over before the lab read its signals (the term pass held one)"
		fi
		check "$t: nsalignd stopped cleanly (Result=success, exit 0) within 30 s" \
			sh -c "grep -qx Result=success '$d/$t.show' && grep -qx ExecMainStatus=0 '$d/$t.show' && grep -qx ActiveState=inactive '$d/$t.show' && [ \$(cat '$d/$t.ms') -lt 30000 ]"
		check "$t: ... no SIGKILL: systemd never timed out stopping it" \
			sh -c "! grep -qE 'nsalignd.service: (State .stop-sigterm. timed out|Killing process|Main process exited, code=killed)' '$d/$t-journal.txt'"
		# of the blocks offline before the call (one the guest could not
		# offline, its pages unmovable, stays online throughout)
		check "$t: ... the blocks: a prefix of the range online, the rest offline" \
			sh -c "paste '$d/$t-states.before' '$d/$t-states.after' | awk '\$1 == \"online\" && \$2 != \"online\" { bad = 1 } \$1 == \"offline\" && \$2 == \"offline\" { off = 1 } \$1 == \"offline\" && \$2 == \"online\" && off { bad = 1 } \$1 != \"online\" && \$1 != \"offline\" { bad = 1 } END { exit bad }'"
	done
	check "term: the held action stopped between two blocks; the call says how far it got (exit 130)" \
		grep -qE 'stopped between two memory blocks \(nsalignd is stopping\): [0-4] of 4 blocks done \(exit 130\)' "$d/term-online.err"
	# the blocks the action onlined: offline before it, online after (on a
	# kernel that onlines new memory itself into Normal, a block the guest
	# could not offline beforehand, its pages unmovable, stays online throughout)
	check "term: ... as many blocks went online as it says" \
		sh -c "[ \$(paste '$d/term-states.before' '$d/term-states.after' | grep -c '^offline.online\$') = \$(sed -n 's/.*: \([0-4]\) of 4 blocks done.*/\1/p' '$d/term-online.err') ]"
	check "term: nsalignd said it waits for the action, then stopped" \
		sh -c "grep -q 'stopping: online-memory for $first-$last (pid [0-9]*) stops between two memory blocks' '$d/term-journal.txt' && grep -q 'the running action is over: stopping' '$d/term-journal.txt'"
	check "stop: the call got the action's end: its JSON, or stopped between two blocks (exit 130)" \
		sh -c "grep -q 'stopped between two memory blocks (nsalignd is stopping)' '$d/stop-online.err' ||
			jq -r '.data[0]' '$d/stop-online.out' | jq -e '.changed + .already == .blocks' >/dev/null"
}
