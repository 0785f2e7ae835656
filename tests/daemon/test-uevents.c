// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalignd's udev monitor without a kernel: umockdev sends memory block
 * uevents to the daemon's real libudev monitor, over a testbed sysfs with
 * the kernel's layout; the daemon runs with MemoryBlocks=online_movable,
 * new blocks in a Reserved range are reported as NSA-HOTPLUG-SKIPPED, one
 * finding per run of blocks, and new blocks of System RAM are onlined (by
 * a child of the daemon, through the library) and reported.  Asserted on the daemon's stderr: one
 * analysis per burst, exactly the added blocks reported, nothing reported
 * twice, exit 0 on SIGTERM.
 *
 * Bursts that must give one analysis are sent while the daemon is stopped
 * (SIGSTOP), so that they wait in its socket whatever the machine's load;
 * one burst is paced instead, over more than the 10 ms quiet period, to
 * show that each event puts the analysis off.  umockdev's sender gives up
 * (abort) when the daemon's socket is full (net.unix.max_dgram_qlen
 * datagrams, 10 by default), so no burst here is longer than that.
 */
#include "harness.h"

#define PLAN 21

static int n_test, n_failed;

static __attribute__((format(printf, 2, 3))) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	n_failed += !cond;
	return cond;
}

static struct harness h = { .echo = true };

/* From a burst sent while the daemon was stopped: its first event to its analysis, in us */
static uint64_t delays[8];
static size_t n_delays;

/*
 * The analyses from line `from` on, once the burst is over; events: those
 * of the first; frozen: the burst was sent while the daemon was stopped.
 */
static size_t analyses_since(size_t from, uint64_t *events, bool frozen)
{
	ssize_t i = harness_wait_line(&h, from, "nsalignd: analysis ", 10000);
	uint64_t over = 0;
	const char *p;

	*events = 0;
	if (i < 0)
		return 0;
	p = strstr(h.lines[i].text, "nsalignd: analysis ");
	if (sscanf(p, "nsalignd: analysis %*u: %" SCNu64 " events over %" SCNu64 " us", events,
		   &over) != 2)
		*events = 0;
	else if (frozen && n_delays < sizeof(delays) / sizeof(delays[0]))
		delays[n_delays++] = over;
	/* a burst split in two would show its second analysis well within the 250 ms cap */
	harness_drain(&h, 400);
	return harness_count(&h, from, "nsalignd: analysis ");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static size_t skipped_since(size_t from)
{
	return harness_count(&h, from, "NSA-HOTPLUG-SKIPPED");
}

/* seen[k]: how often the NSA-HOTPLUG-SKIPPED lines since FROM name memoryK (k < 64) */
static void skipped_blocks(size_t from, unsigned seen[64])
{
	for (size_t i = from; i < h.n_lines; i++) {
		const char *p = strstr(h.lines[i].text, "NSA-HOTPLUG-SKIPPED memory");
		uint64_t a, b;
		char *end;

		if (!p)
			continue;
		a = b = strtoull(p + strlen("NSA-HOTPLUG-SKIPPED memory"), &end, 10);
		if (*end == '-')
			b = strtoull(end + 1, NULL, 10);
		for (uint64_t k = a; k <= b; k++)
			seen[k < 64 ? k : 0]++;
	}
}

/* the NSA-HOTPLUG-SKIPPED lines since FROM name each of blocks LO-HI once, no other */
static bool skipped_exactly(size_t from, uint64_t lo, uint64_t hi)
{
	unsigned seen[64] = { 0 };

	skipped_blocks(from, seen);
	for (uint64_t k = 0; k < 64; k++)
		if (seen[k] != (k >= lo && k <= hi))
			return false;
	return true;
}

static bool has_line(size_t from, const char *needle)
{
	return harness_count(&h, from, needle) == 1;
}

/* n new offline blocks from first, their add events sent while the daemon is stopped */
static bool frozen_burst(uint64_t first, uint64_t n)
{
	if (!harness_freeze(&h))
		return false;
	for (uint64_t i = first; i < first + n; i++) {
		harness_add_block(&h, i, false);
		harness_uevent(&h, i, "add");
	}
	harness_thaw(&h);
	return true;
}

static int max_dgram_qlen(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
	int n = 10;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 10;
		fclose(f);
	}
	return n;
}

int main(int argc, char **argv)
{
	uint64_t events, t, t_first = 0, t_prev = 0, max_gap = 0;
	size_t mark, n;
	int status;

	harness_reexec(argv);
	printf("1..%d\n", PLAN);
	if (max_dgram_qlen() < 10)
		h_bail("net.unix.max_dgram_qlen is %d: the bursts here need 10", max_dgram_qlen());

	/* 1 GiB of boot RAM, online; 4 GiB up Reserved, where the new blocks come */
	harness_testbed(&h, "00000000-3fffffff : System RAM\n"
			    "100000000-1ffffffff : Reserved\n");
	for (uint64_t i = 0; i < 8; i++)
		harness_add_block(&h, i, true);

	if (!ok(harness_start(&h, "[Hotplug]\nMemoryBlocks=online_movable\n[Log]\nLevel=info\n",
			      20000),
		"nsalignd starts on the testbed and says READY=1 after its first analysis"))
		h_bail("nsalignd did not start");
	harness_drain(&h, 100);
	ok(has_line(0, "[new] NSA-NO-PMEM") && skipped_since(0) == 0,
	   "first analysis: NSA-NO-PMEM reported, nothing said of the 8 online boot blocks");

	/* 8 add events queued at once: one analysis */
	mark = h.n_lines;
	if (!frozen_burst(32, 8))
		h_bail("cannot stop nsalignd");
	n = analyses_since(mark, &events, true);
	ok(n == 1 && events == 8, "a burst of 8 add events: %zu analysis(es), %" PRIu64 " events",
	   n, events);
	ok(skipped_since(mark) == 1 &&
		   has_line(mark, "[action] NSA-HOTPLUG-SKIPPED memory32-39: 8 new memory blocks "
				  "(0x100000000-0x13fffffff) came up offline"),
	   "one NSA-HOTPLUG-SKIPPED for exactly memory32-39");
	ok(has_line(mark, "16 memory blocks (8 read again)"),
	   "the burst's analysis reads again only its 8 blocks, and has all 16");

	/*
	 * 10 add events 1.5 ms apart: longer than the quiet period in all, one
	 * analysis.  Only if this program was held up for most of the quiet
	 * period between two events (a loaded machine) can that not hold.  The
	 * blocks are in sysfs before the first event, as when udev lags behind
	 * the kernel: an analysis between two events would report them all.
	 */
	mark = h.n_lines;
	for (uint64_t i = 40; i < 50; i++)
		harness_add_block(&h, i, false);
	for (uint64_t i = 40; i < 50; i++) {
		harness_uevent(&h, i, "add");
		t = h_now();
		if (i == 40)
			t_first = t;
		else if (t - t_prev > max_gap)
			max_gap = t - t_prev;
		t_prev = t;
		usleep(1500);
	}
	n = analyses_since(mark, &events, false);
	if (max_gap >= 8000)
		printf("ok %d - # SKIP this program was held up %" PRIu64
		       " us between two events, near the 10 ms quiet period\n",
		       ++n_test, max_gap);
	else
		ok(n == 1 && events == 10,
		   "10 add events over %" PRIu64
		   " us, longer than the quiet period (largest gap %" PRIu64
		   " us): %zu analysis(es), %" PRIu64 " events",
		   t_prev - t_first, max_gap, n, events);
	/* a burst a loaded machine split (the test above skipped) is reported in parts */
	if (n == 1)
		ok(skipped_since(mark) == 1 &&
			   has_line(mark, "[action] NSA-HOTPLUG-SKIPPED memory40-49: 10 new memory "
					  "blocks (0x140000000-0x18fffffff)"),
		   "the second burst: one NSA-HOTPLUG-SKIPPED for memory40-49, the first burst's "
		   "blocks not again");
	else
		ok(skipped_exactly(mark, 40, 49),
		   "the second burst, split in %zu analyses by a held-up sender: its "
		   "NSA-HOTPLUG-SKIPPED lines name memory40-49 once each, the first burst's "
		   "blocks not again",
		   n);

	/* two runs in one burst: one finding each */
	mark = h.n_lines;
	if (!harness_freeze(&h))
		h_bail("cannot stop nsalignd");
	for (uint64_t i = 52; i < 55; i++) {
		harness_add_block(&h, i, false);
		harness_uevent(&h, i, "add");
	}
	for (uint64_t i = 58; i < 60; i++) {
		harness_add_block(&h, i, false);
		harness_uevent(&h, i, "add");
	}
	harness_thaw(&h);
	n = analyses_since(mark, &events, true);
	ok(n == 1 && skipped_since(mark) == 2 &&
		   has_line(mark,
			    "[action] NSA-HOTPLUG-SKIPPED memory52-54: 3 new memory blocks") &&
		   has_line(mark, "[action] NSA-HOTPLUG-SKIPPED memory58-59: 2 new memory blocks"),
	   "memory52-54 and memory58-59 in one burst: one analysis, one finding per run");

	/* a change event: an analysis that has nothing new to say */
	mark = h.n_lines;
	if (!harness_freeze(&h))
		h_bail("cannot stop nsalignd");
	harness_uevent(&h, 33, "change");
	harness_thaw(&h);
	n = analyses_since(mark, &events, true);
	ok(n == 1 && harness_count(&h, mark, "nsalignd: [") == 0,
	   "a change event on memory33: one analysis, no finding repeated");
	ok(harness_count(&h, mark, "(1 read again)") == 1, "... which reads memory33 alone again");

	/* a reload: the next analysis reads everything again */
	mark = h.n_lines;
	kill(h.pid, SIGHUP);
	n = analyses_since(mark, &events, false);
	ok(n == 1 && harness_count(&h, mark, "(all read)") == 1 &&
		   harness_count(&h, mark, "nsalignd: [") == 0,
	   "SIGHUP: one analysis that reads everything again, no finding repeated");

	/* an add event again for blocks already reported (udevadm trigger --action=add) */
	mark = h.n_lines;
	if (!harness_freeze(&h))
		h_bail("cannot stop nsalignd");
	harness_uevent(&h, 32, "add");
	harness_uevent(&h, 45, "add");
	harness_thaw(&h);
	n = analyses_since(mark, &events, true);
	ok(n == 1 && skipped_since(mark) == 0,
	   "add events again for memory32 and memory45, not removed in between: not reported "
	   "again");

	/* removed and added again within one burst: new, though both analyses see it */
	mark = h.n_lines;
	if (!harness_freeze(&h))
		h_bail("cannot stop nsalignd");
	{
		char path[PATH_MAX];
		static const char *const files[] = { "phys_index",  "state",	 "online",
						     "valid_zones", "removable", "phys_device",
						     "uevent",	    "subsystem", "node0" };

		harness_uevent(&h, 36, "remove"); /* the kernel sends it before sysfs goes */
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s" H_MEMORY_DIR "/memory36/%s", h.root,
				 files[i]);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s" H_MEMORY_DIR "/memory36", h.root);
		rmdir(path);
		snprintf(path, sizeof(path), "%s/sys/bus/memory/devices/memory36", h.root);
		unlink(path);
		harness_add_block(&h, 36, false);
		harness_uevent(&h, 36, "add");
	}
	harness_thaw(&h);
	n = analyses_since(mark, &events, true);
	ok(n == 1 && events == 2 && skipped_since(mark) == 1 &&
		   has_line(mark, "[action] NSA-HOTPLUG-SKIPPED memory36: 1 new memory block "),
	   "memory36 removed and added again in one burst: reported once as new");

	/*
	 * Hot-added System RAM: the policy onlines it, in a child that calls
	 * the library (nsa_memory_set()), and reports what it did.
	 */
	harness_file(&h, "/proc/iomem",
		     "00000000-3fffffff : System RAM\n"
		     "100000000-1ffffffff : Reserved\n"
		     "200000000-20fffffff : System RAM\n");
	/* a crash kernel loaded, on a kernel without memory/crash_hotplug */
	harness_file(&h, "/sys/kernel/kexec_crash_loaded", "1\n");
	mark = h.n_lines;
	if (!frozen_burst(64, 2))
		h_bail("cannot stop nsalignd");
	ok(harness_wait_line(&h, mark, "NSA-HOTPLUG-ONLINED", 10000) >= 0 &&
		   has_line(mark, "[action] NSA-HOTPLUG-ONLINED memory64-memory65: "
				  "memory64-memory65: 2 new memory blocks onlined by the "
				  "MemoryBlocks policy (movable)") &&
		   harness_count(&h, mark, "NSA-HOTPLUG-FAILED") == 0,
	   "2 new blocks of System RAM: NSA-HOTPLUG-ONLINED memory64-memory65 (movable)");
	ok(has_line(mark,
		    ". kdump: the loaded crash kernel's memory map no longer "
		    "matches the memory (this kernel has no memory/crash_hotplug): reload it"),
	   "... with a crash kernel loaded and no crash_hotplug: the entry says to reload kdump");
	{
		char path[PATH_MAX], state[64] = "";
		bool right = true;

		for (int i = 64; i <= 65; i++) {
			FILE *f;

			snprintf(path, sizeof(path), "%s" H_MEMORY_DIR "/memory%d/state", h.root,
				 i);
			f = fopen(path, "re");
			if (!f || !fgets(state, sizeof(state), f) ||
			    strncmp(state, "online_movable", 14) != 0) {
				printf("# memory%d/state: %s\n", i, state);
				right = false;
			}
			if (f)
				fclose(f);
		}
		ok(right, "... and wrote online_movable to memory64/state and memory65/state");
	}
	harness_drain(&h, 400);

	/*
	 * A kernel that onlines new memory itself (auto_online_blocks=online, as
	 * Debian's 6.12): new blocks are its own, MemoryBlocks= leaves them
	 * alone, even ones the daemon sees offline before the kernel onlined them.
	 */
	harness_file(&h, H_MEMORY_DIR "/auto_online_blocks", "online\n");
	harness_file(&h, "/proc/iomem",
		     "00000000-3fffffff : System RAM\n"
		     "100000000-1ffffffff : Reserved\n"
		     "200000000-21fffffff : System RAM\n");
	mark = h.n_lines;
	kill(h.pid, SIGHUP); /* auto_online_blocks is read with everything else */
	analyses_since(mark, &events, false);
	mark = h.n_lines;
	if (!frozen_burst(66, 2))
		h_bail("cannot stop nsalignd");
	n = analyses_since(mark, &events, false);
	{
		char path[PATH_MAX], state[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s" H_MEMORY_DIR "/memory66/state", h.root);
		f = fopen(path, "re");
		if (!f || !fgets(state, sizeof(state), f))
			state[0] = '\0';
		if (f)
			fclose(f);
		harness_drain(&h, 400);
		ok(n >= 1 && harness_count(&h, mark, "NSA-HOTPLUG-") == 0 &&
			   strncmp(state, "offline", 7) == 0,
		   "auto_online_blocks=online: 2 new blocks of System RAM left to the kernel "
		   "(no action, memory66/state %.*s)",
		   (int)strcspn(state, "\n"), state);
	}

	/*
	 * sd-event's default timer accuracy (250 ms) once made the 10 ms quiet
	 * period anything up to 260 ms; the median stands a loaded machine.
	 */
	qsort(delays, n_delays, sizeof(delays[0]), cmp_u64);
	ok(n_delays == 5 && delays[2] >= 10000 && delays[2] < 50000,
	   "the analysis of a burst queued at once starts 10 ms after its first event (median of "
	   "%zu: %" PRIu64 " us)",
	   n_delays, n_delays ? delays[n_delays / 2] : 0);

	/* over the whole run: each block as often as it came, each new finding once */
	{
		unsigned reports[64] = { 0 }, want;
		bool right = true;

		for (size_t i = 0; i < h.n_lines; i++)
			for (size_t j = i + 1; j < h.n_lines; j++)
				if (strstr(h.lines[i].text, "[new]") &&
				    strcmp(h.lines[i].text, h.lines[j].text) == 0) {
					printf("# twice: %s\n", h.lines[i].text);
					right = false;
				}
		skipped_blocks(0, reports);
		for (unsigned k = 0; k < 64; k++) {
			want = (k >= 32 && k < 50) || (k >= 52 && k < 55) || k == 58 || k == 59;
			want += k == 36; /* removed and back */
			if (reports[k] != want) {
				printf("# memory%u reported %u times, expected %u\n", k, reports[k],
				       want);
				right = false;
			}
		}
		ok(right && has_line(0, "NSA-NO-PMEM"),
		   "over the run: each block reported once (memory36 twice), each new finding "
		   "once");
	}

	mark = h.n_lines;
	status = harness_stop(&h, 20000);
	ok(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "SIGTERM: nsalignd exits 0 (status %#x)", (unsigned)status);
	ok(harness_count(&h, 0, "exiting:") == 0 && harness_count(&h, 0, "ERROR") == 0 &&
		   harness_count(&h, 0, "runtime error") == 0,
	   "no error from nsalignd, AddressSanitizer or UBSan");

	harness_free(&h);
	if (n_test != PLAN)
		printf("# %d tests run, %d planned\n", n_test, PLAN);
	return n_failed || n_test != PLAN ? 1 : 0;
}
