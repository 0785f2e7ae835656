// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalignd under a burst of memory block uevents, sent by umockdev to its
 * real libudev monitor (the harness of tests/daemon/test-uevents): BLOCKS
 * new offline blocks (default 10000) in a Reserved range, each made in the
 * testbed's sysfs and then announced with an add event, as the kernel
 * does; MemoryBlocks=online_movable, so the daemon reports them as
 * NSA-HOTPLUG-SKIPPED.  Prints:
 *
 *   - the time from the last uevent sent to the log line that reports the
 *     last block (target < 100 ms);
 *   - the daemon's peak RSS (VmHWM) at idle before the burst and after it
 *     (target < 4 MiB);
 *   - its context switches over IDLE seconds (default 10) of idle after
 *     the burst (target 0).
 *
 * Figures, and MET / NOT MET against the targets; it fails only when the
 * daemon does (does not start, leaves a block unreported, exits non-zero).
 *
 * umockdev's sender gives up (abort) when the daemon's socket is full, and
 * an AF_UNIX socket holds net.unix.max_dgram_qlen datagrams (10 by
 * default), where the kernel's netlink socket would hold the whole burst
 * in the daemon's 128 MiB receive buffer.  The sendmsg() below waits for
 * room instead, so the burst goes at the pace the daemon reads it.
 *
 *   daemon-burst [BLOCKS [IDLE_SECONDS]]   (NSALIGND, NSALIGN: the programs;
 *                                          default: next to this one)
 */
#include <dlfcn.h>

#include "harness.h"

#define FIRST_BLOCK 32 /* 4 GiB up */

static unsigned long long waits;

/* umockdev's uevent sender: wait for room in the daemon's socket instead of abort() */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*next)(int, const struct msghdr *, int);

	if (!next)
		next = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	for (;;) {
		ssize_t n = next(fd, msg, flags);
		struct pollfd p = { fd, POLLOUT, 0 };

		if (n >= 0 || errno != EAGAIN || (flags & MSG_DONTWAIT))
			return n;
		waits++;
		poll(&p, 1, 1000);
	}
}

static void default_program(const char *env, const char *name)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;

	if (getenv(env))
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		h_bail("%s is not set", env);
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../%s", self, name);
	setenv(env, path, 1);
}

static const char *met(bool cond)
{
	return cond ? "MET" : "NOT MET";
}

/* pcount, the third field of /proc/PID/schedstat: times the task was scheduled in */
static long long schedstat_runs(pid_t pid)
{
	char path[64];
	unsigned long long run, wait, count;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu %llu", &run, &wait, &count);
	fclose(f);
	return n == 3 ? (long long)count : -1;
}

/*
 * Where the resident memory is, from /proc/PID/smaps: Pss (shared pages
 * divided among the processes that map them), private pages (what the
 * daemon alone costs), and the largest mappings by file.
 */
struct mapping_rss {
	char name[96];
	long long kb;
};

static void memory_breakdown(pid_t pid, char *buf, size_t len)
{
	struct mapping_rss top[64] = { 0 };
	long long pss = 0, priv = 0, v;
	char path[64], line[512], name[96] = "", perms[5];
	unsigned long long lo, hi;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *slash;

		if (sscanf(line, "Pss: %lld", &v) == 1) {
			pss += v;
		} else if (sscanf(line, "Private_Clean: %lld", &v) == 1 ||
			   sscanf(line, "Private_Dirty: %lld", &v) == 1) {
			priv += v;
		} else if (sscanf(line, "Rss: %lld", &v) == 1) {
			size_t i;

			for (i = 0; i < n && strcmp(top[i].name, name) != 0; i++)
				;
			if (i == n && n < sizeof(top) / sizeof(top[0]))
				snprintf(top[n++].name, sizeof(top[0].name), "%s", name);
			if (i < n)
				top[i].kb += v;
		} else if (sscanf(line, "%llx-%llx %4s", &lo, &hi, perms) == 3) {
			/* "start-end perms offset dev inode   path": a new mapping */
			slash = strrchr(line, '/');
			if (slash)
				snprintf(name, sizeof(name), "%.*s", (int)strcspn(slash + 1, "\n"),
					 slash + 1);
			else
				snprintf(name, sizeof(name), "%s",
					 strchr(line, '[') ? "[heap, stack, vdso]" : "[anonymous]");
		}
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) /* largest first */
		for (size_t j = i + 1; j < n; j++)
			if (top[j].kb > top[i].kb) {
				struct mapping_rss t = top[i];

				top[i] = top[j];
				top[j] = t;
			}
	f = fmemopen(buf, len, "w");
	if (!f)
		return;
	fprintf(f, "      now: Pss %.2f MiB, private %.2f MiB; by mapping (MiB):", pss / 1024.0,
		priv / 1024.0);
	for (size_t i = 0; i < n && i < 6; i++)
		fprintf(f, "%s %s %.2f", i ? "," : "", top[i].name, top[i].kb / 1024.0);
	fputc('\n', f);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct harness h = { 0 };
	uint64_t blocks = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000;
	unsigned idle = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
	uint64_t last = FIRST_BLOCK + blocks - 1, t_start, t_last = 0, t_line = 0, t_all = 0;
	unsigned char *reported;
	size_t scanned = 0, analyses_before;
	uint64_t twice = 0, missing = 0;
	long long hwm_idle, anon_idle, file_idle, hwm_after, anon_after, file_after;
	long long vol0, invol0, runs0, vol1, invol1, runs1;
	uint64_t longest = 0, last_took = 0;
	char iomem[256], breakdown[1024] = "";
	int status, fail = 0;

	harness_reexec(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!blocks || blocks > 1000000)
		h_bail("usage: daemon-burst [BLOCKS (1-1000000) [IDLE_SECONDS]]");
	h.echo = getenv("NSA_BENCH_ECHO") != NULL; /* what the daemon says, as "# daemon: " lines */
	default_program("NSALIGND", "nsalignd");
	reported = calloc(blocks, 1);
	if (!reported)
		h_bail("out of memory");

	snprintf(iomem, sizeof(iomem),
		 "00000000-3fffffff : System RAM\n"
		 "%llx-%llx : Reserved\n",
		 FIRST_BLOCK * H_BLOCK_SIZE, (last + 1) * H_BLOCK_SIZE - 1);
	harness_testbed(&h, iomem);
	for (uint64_t i = 0; i < 8; i++)
		harness_add_block(&h, i, true);
	if (!harness_start(&h, "[Hotplug]\nMemoryBlocks=online_movable\n", 30000))
		h_bail("nsalignd did not start (%zu lines; last: %s)", h.n_lines,
		       h.n_lines ? h.lines[h.n_lines - 1].text : "none");
	harness_drain(&h, 500);
	hwm_idle = harness_status(&h, "VmHWM");
	anon_idle = harness_status(&h, "RssAnon");
	file_idle = harness_status(&h, "RssFile");
	analyses_before = harness_count(&h, 0, "nsalignd: analysis ");

	/* the burst: each block in sysfs, then its add event */
	t_start = h_now();
	for (uint64_t i = FIRST_BLOCK; i <= last; i++) {
		harness_add_block(&h, i, false);
		harness_uevent(&h, i, "add");
		harness_pump(&h, 0); /* time-stamp what the daemon says during the burst */
	}
	t_last = h_now();

	/* until every block is reported, and the daemon has been quiet for a second */
	for (uint64_t deadline = h_now() + 120 * 1000000ULL; h_now() < deadline;) {
		uint64_t covered = 0;

		for (; scanned < h.n_lines; scanned++) {
			const char *p;
			uint64_t a, b;
			char *end;

			p = strstr(h.lines[scanned].text, "nsalignd: analysis ");
			if (p) {
				/* "analysis N: E events over B us, K memory blocks, F findings, T
				 * us" */
				p = strstr(p, " findings, ");
				if (p && sscanf(p, " findings, %" SCNu64 " us", &last_took) == 1 &&
				    last_took > longest)
					longest = last_took;
				continue;
			}
			p = strstr(h.lines[scanned].text, "NSA-HOTPLUG-SKIPPED memory");
			if (!p)
				continue;
			a = b = strtoull(p + strlen("NSA-HOTPLUG-SKIPPED memory"), &end, 10);
			if (*end == '-')
				b = strtoull(end + 1, NULL, 10);
			for (uint64_t k = a; k <= b; k++) {
				if (k < FIRST_BLOCK || k > last)
					continue;
				twice += reported[k - FIRST_BLOCK] == 1;
				if (reported[k - FIRST_BLOCK] < 2)
					reported[k - FIRST_BLOCK]++;
			}
			if (a <= last && last <= b && !t_line)
				t_line = h.lines[scanned].usec;
		}
		for (uint64_t k = 0; k < blocks; k++)
			covered += reported[k] > 0;
		if (covered == blocks && !t_all)
			t_all = h_now();
		if (t_all && h_now() - t_all > 1000000)
			break;
		harness_pump(&h, 100);
	}
	for (uint64_t k = 0; k < blocks; k++)
		missing += !reported[k];
	hwm_after = harness_status(&h, "VmHWM");
	anon_after = harness_status(&h, "RssAnon");
	file_after = harness_status(&h, "RssFile");
	memory_breakdown(h.pid, breakdown, sizeof(breakdown));

	/* idle: what wakes the daemon when nothing happens */
	harness_drain(&h, 500);
	vol0 = harness_status(&h, "voluntary_ctxt_switches");
	invol0 = harness_status(&h, "nonvoluntary_ctxt_switches");
	runs0 = schedstat_runs(h.pid);
	harness_drain(&h, (int)idle * 1000);
	vol1 = harness_status(&h, "voluntary_ctxt_switches");
	invol1 = harness_status(&h, "nonvoluntary_ctxt_switches");
	runs1 = schedstat_runs(h.pid);

	status = harness_stop(&h, 30000);

	printf("nsalignd, %" PRIu64 " memory block add events through umockdev\n", blocks);
	printf("  burst sent in                  %9.1f ms (%.0f events/s; the sender waited "
	       "%llu times for room in the daemon's socket)\n",
	       (t_last - t_start) / 1000.0, blocks * 1e6 / (double)(t_last - t_start), waits);
	printf("  analyses                       %9zu (the last took %.1f ms, the longest %.1f "
	       "ms; %" PRIu64 " blocks in all)\n",
	       harness_count(&h, 0, "nsalignd: analysis ") - analyses_before, last_took / 1000.0,
	       longest / 1000.0, blocks + 8);
	printf("  NSA-HOTPLUG-SKIPPED lines      %9zu (blocks reported twice: %" PRIu64
	       ", never: %" PRIu64 ")\n",
	       harness_count(&h, 0, "NSA-HOTPLUG-SKIPPED"), twice, missing);
	if (t_line > t_last)
		printf("  (a) last uevent -> its report  %9.1f ms   target < 100 ms: %s\n",
		       (t_line - t_last) / 1000.0, met(t_line - t_last < 100000));
	else if (t_line)
		printf("  (a) last uevent -> its report  %9s      an analysis reported the last "
		       "block "
		       "before its event went out (it saw sysfs first)\n",
		       "0");
	else
		printf("  (a) last uevent -> its report  %9s      the last block was not "
		       "reported\n",
		       "-");
	printf("  VmHWM at idle before the burst %9.2f MiB (RssAnon %.2f MiB, RssFile %.2f MiB)\n",
	       hwm_idle / 1024.0, anon_idle / 1024.0, file_idle / 1024.0);
	printf("  (b) VmHWM after the burst      %9.2f MiB   target < 4 MiB: %s (now RssAnon "
	       "%.2f MiB, RssFile %.2f MiB)\n",
	       hwm_after / 1024.0, met(hwm_after >= 0 && hwm_after < 4096), anon_after / 1024.0,
	       file_after / 1024.0);
	if (breakdown[0])
		fputs(breakdown, stdout);
	printf("  (c) context switches, %2u s idle %7lld      target 0: %s (voluntary %lld, "
	       "involuntary %lld; schedstat: scheduled in %lld times)\n",
	       idle, (vol1 - vol0) + (invol1 - invol0), met(vol1 == vol0 && invol1 == invol0),
	       vol1 - vol0, invol1 - invol0, runs1 - runs0);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("bench: nsalignd did not exit 0 on SIGTERM (status %#x)\n",
		       (unsigned)status);
		fail = 1;
	}
	if (missing) {
		printf("bench: %" PRIu64 " blocks never reported\n", missing);
		fail = 1;
	}
	free(reported);
	harness_free(&h);
	return fail;
}
