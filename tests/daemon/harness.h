/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsalignd on a umockdev testbed: a sysfs with the kernel's memory block
 * layout, a /proc/iomem, uevents sent by umockdev to the daemon's real
 * libudev monitor, and the daemon's stderr read line by line.  Shared by
 * tests/daemon/test-uevents.c and bench/daemon-burst.c.
 *
 * libumockdev-preload must be in both processes: in the daemon, so that
 * its /sys, /proc/iomem and netlink socket are the testbed's; in this
 * process too, because umockdev_testbed_uevent() looks the device up with
 * libudev before it sends the event.  harness_reexec() restarts the
 * program with it in LD_PRELOAD, as umockdev-wrapper would; under
 * AddressSanitizer libasan has to come first in LD_PRELOAD (ASan refuses
 * to start otherwise), so the libasan this program runs with goes first.
 *
 * Memory blocks are made by hand, not with umockdev_testbed_add_device():
 * umockdev 0.17 does not count "memory" among the buses and would put
 * them under /sys/class/memory, and it sends an add event for every
 * device it makes, while the kernel's layout is /sys/bus/memory/devices
 * and the tests choose when the events go out.
 */
#ifndef NSALIGN_DAEMON_HARNESS_H
#define NSALIGN_DAEMON_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

/* 128 MiB blocks, as on x86_64 below 64 GiB of RAM */
#define H_BLOCK_SIZE 0x8000000ULL
#define H_MEMORY_DIR "/sys/devices/system/memory"

struct h_line {
	char *text;
	uint64_t usec; /* CLOCK_MONOTONIC when read */
};

struct harness {
	UMockdevTestbed *tb;
	char *root;   /* the testbed's directory ($UMOCKDEV_DIR) */
	char tmp[64]; /* configuration, runtime directory, rules root, notify socket */
	pid_t pid;
	int err_fd, notify_fd;
	bool ready, eof, echo;
	char partial[4096];
	size_t n_partial;
	struct h_line *lines;
	size_t n_lines, cap_lines;
};

static inline uint64_t h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static inline __attribute__((format(printf, 1, 2), noreturn)) void h_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(99);
}

static int h_find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	if (base && strncmp(base + 1, "libasan.so", 10) == 0) {
		snprintf(data, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

/* Run again with libumockdev-preload (after libasan under ASan); returns once it is there. */
static inline void harness_reexec(char **argv)
{
	char asan[PATH_MAX] = "", preload[3 * PATH_MAX];
	const char *old = getenv("LD_PRELOAD");

	if (getenv("NSA_HARNESS_PRELOADED"))
		return;
	dl_iterate_phdr(h_find_asan, asan);
	snprintf(preload, sizeof(preload), "%s%slibumockdev-preload.so.0%s%s", asan,
		 asan[0] ? ":" : "", old && old[0] ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv("NSA_HARNESS_PRELOADED", "1", 1);
	fflush(stdout);
	execv("/proc/self/exe", argv);
	h_bail("cannot run again under libumockdev-preload: %s", strerror(errno));
}

static inline void h_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		h_bail("%s: %s", path, strerror(errno));
}

static inline void h_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		h_bail("mkdir %s: %s", buf, strerror(errno));
}

/* A file in the testbed: "/sys/..." or "/proc/..." */
static inline void harness_file(struct harness *h, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", h->root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	h_mkdirs(dir);
	h_write(path, text);
}

static inline void h_symlink(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		h_bail("symlink %s: %s", path, strerror(errno));
}

/*
 * The testbed: block_size_bytes, node0, an empty kernel log (the host's
 * PMEM messages stay out), and /proc/iomem as given.
 */
static inline void harness_testbed(struct harness *h, const char *iomem)
{
	char path[PATH_MAX];

	h->tb = umockdev_testbed_new();
	h->root = umockdev_testbed_get_root_dir(h->tb);
	harness_file(h, H_MEMORY_DIR "/block_size_bytes", "8000000\n");
	harness_file(h, H_MEMORY_DIR "/auto_online_blocks", "offline\n");
	snprintf(path, sizeof(path), "%s/sys/devices/system/node/node0", h->root);
	h_mkdirs(path);
	snprintf(path, sizeof(path), "%s/sys/bus/memory/devices", h->root);
	h_mkdirs(path);
	harness_file(h, "/proc/iomem", iomem);
	harness_file(h, "/proc/sys/kernel/random/boot_id",
		     "6c0ffee0-0000-4000-8000-000000000001\n");
	harness_file(h, "/dev/kmsg", "");
}

/* memoryN as the kernel makes it; no event */
static inline void harness_add_block(struct harness *h, uint64_t index, bool online)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], text[64];
	static const struct {
		const char *name;
		const char *online, *offline;
	} attrs[] = {
		{ "state", "online\n", "offline\n" },
		{ "online", "1\n", "0\n" },
		{ "valid_zones", "Normal\n", "Normal Movable\n" },
		{ "removable", "1\n", "1\n" },
		{ "phys_device", "0\n", "0\n" },
		{ "uevent", "", "" },
	};

	snprintf(dir, sizeof(dir), "%s" H_MEMORY_DIR "/memory%" PRIu64, h->root, index);
	if (mkdir(dir, 0755) < 0)
		h_bail("mkdir %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/phys_index", dir);
	snprintf(text, sizeof(text), "%08" PRIx64 "\n", index);
	h_write(path, text);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, attrs[i].name);
		h_write(path, online ? attrs[i].online : attrs[i].offline);
	}
	snprintf(path, sizeof(path), "%s/subsystem", dir);
	h_symlink("../../../../bus/memory", path);
	snprintf(path, sizeof(path), "%s/node0", dir);
	h_symlink("../../node/node0", path);
	snprintf(path, sizeof(path), "%s/sys/bus/memory/devices/memory%" PRIu64, h->root, index);
	snprintf(text, sizeof(text), "../../../devices/system/memory/memory%" PRIu64, index);
	h_symlink(text, path);
}

/* What the kernel sends: "add", "remove", "change", "online", "offline" */
static inline void harness_uevent(struct harness *h, uint64_t index, const char *action)
{
	char devpath[64];

	snprintf(devpath, sizeof(devpath), H_MEMORY_DIR "/memory%" PRIu64, index);
	umockdev_testbed_uevent(h->tb, devpath, action);
}

static inline void h_take_line(struct harness *h, const char *text, size_t len, uint64_t t)
{
	if (h->n_lines == h->cap_lines) {
		size_t cap = h->cap_lines ? 2 * h->cap_lines : 64;
		struct h_line *l = realloc(h->lines, cap * sizeof(*l));

		if (!l)
			h_bail("out of memory");
		h->lines = l;
		h->cap_lines = cap;
	}
	h->lines[h->n_lines].text = strndup(text, len);
	h->lines[h->n_lines].usec = t;
	if (!h->lines[h->n_lines].text)
		h_bail("out of memory");
	if (h->echo)
		printf("# daemon: %s\n", h->lines[h->n_lines].text);
	h->n_lines++;
}

/* Read what the daemon says for up to timeout_ms; false once its stderr is closed. */
static inline bool harness_pump(struct harness *h, int timeout_ms)
{
	struct pollfd p[2] = { { h->err_fd, POLLIN, 0 }, { h->notify_fd, POLLIN, 0 } };
	char buf[8192];
	ssize_t n;

	if (h->eof)
		return false;
	if (poll(p, 2, timeout_ms) <= 0)
		return true;
	if (p[1].revents & POLLIN) {
		n = recv(h->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
				if (strcmp(l, "READY=1") == 0)
					h->ready = true;
		}
	}
	if (p[0].revents & (POLLIN | POLLHUP)) {
		uint64_t t = h_now();

		n = read(h->err_fd, buf, sizeof(buf));
		if (n <= 0) {
			h->eof = true;
			return false;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (h->n_partial < sizeof(h->partial))
					h->partial[h->n_partial++] = buf[i];
				continue;
			}
			h_take_line(h, h->partial, h->n_partial, t);
			h->n_partial = 0;
		}
	}
	return true;
}

/* The first line from index `from` on that contains needle, waiting up to timeout_ms; -1 if none */
static inline ssize_t harness_wait_line(struct harness *h, size_t from, const char *needle,
					int timeout_ms)
{
	uint64_t end = h_now() + (uint64_t)timeout_ms * 1000;

	for (;;) {
		for (size_t i = from; i < h->n_lines; i++)
			if (strstr(h->lines[i].text, needle))
				return (ssize_t)i;
		from = h->n_lines;
		if (h_now() >= end || !harness_pump(h, (int)((end - h_now()) / 1000) + 1))
			return -1;
	}
}

/* Read for ms milliseconds, whatever comes */
static inline void harness_drain(struct harness *h, int ms)
{
	uint64_t end = h_now() + (uint64_t)ms * 1000;

	while (h_now() < end && harness_pump(h, (int)((end - h_now()) / 1000) + 1))
		;
}

static inline size_t harness_count(const struct harness *h, size_t from, const char *needle)
{
	size_t n = 0;

	for (size_t i = from; i < h->n_lines; i++)
		if (strstr(h->lines[i].text, needle))
			n++;
	return n;
}

/*
 * Start the daemon with nsalign.conf `conf`; true once it said READY=1
 * (after its first analysis).  NSALIGND names it.
 */
static inline bool harness_start(struct harness *h, const char *conf, int timeout_ms)
{
	const char *daemon = getenv("NSALIGND");
	char conf_dir[128], run_dir[128], rules[128], path[160];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int pipefd[2];
	uint64_t end;

	if (!daemon)
		h_bail("NSALIGND must name nsalignd (make check sets it)");
	snprintf(h->tmp, sizeof(h->tmp), "/tmp/nsalignd-harness.XXXXXX");
	if (!mkdtemp(h->tmp))
		h_bail("mkdtemp: %s", strerror(errno));
	snprintf(conf_dir, sizeof(conf_dir), "%s/conf", h->tmp);
	snprintf(run_dir, sizeof(run_dir), "%s/run", h->tmp);
	snprintf(rules, sizeof(rules), "%s/rules", h->tmp);
	h_mkdirs(conf_dir);
	h_mkdirs(run_dir);
	h_mkdirs(rules);
	snprintf(path, sizeof(path), "%s/nsalign.conf", conf_dir);
	h_write(path, conf);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", h->tmp);
	h->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (h->notify_fd < 0 || bind(h->notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		h_bail("notify socket: %s", strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		h_bail("pipe: %s", strerror(errno));

	fflush(stdout);
	h->pid = fork();
	if (h->pid < 0)
		h_bail("fork: %s", strerror(errno));
	if (h->pid == 0) {
		char *argv[] = { (char *)daemon,
				 "-c",
				 conf_dir,
				 "--runtime-dir",
				 run_dir,
				 "--bus",
				 "none",
				 "--log-target",
				 "console",
				 "--rules-root",
				 rules,
				 "-d",
				 NULL };

		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		setenv("NOTIFY_SOCKET", sa.sun_path, 1);
		execv(daemon, argv);
		fprintf(stderr, "exec %s: %s\n", daemon, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	h->err_fd = pipefd[0];
	end = h_now() + (uint64_t)timeout_ms * 1000;
	while (!h->ready && h_now() < end && harness_pump(h, 50))
		;
	return h->ready;
}

/* SIGSTOP, and wait until it is stopped: events sent now wait in its socket */
static inline bool harness_freeze(struct harness *h)
{
	siginfo_t si = { 0 };

	if (kill(h->pid, SIGSTOP) < 0)
		return false;
	if (waitid(P_PID, (id_t)h->pid, &si, WSTOPPED | WEXITED | WNOWAIT) < 0)
		return false;
	return si.si_code == CLD_STOPPED;
}

static inline void harness_thaw(struct harness *h)
{
	kill(h->pid, SIGCONT);
}

/* A value from /proc/PID/status ("VmHWM", "voluntary_ctxt_switches"), in its unit; -1 if none */
static inline long long harness_status(const struct harness *h, const char *key)
{
	char path[64], line[256];
	long long v = -1;
	size_t len = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)h->pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* SIGTERM; the exit status as waitpid() gives it, -1 if it did not end in timeout_ms */
static inline int harness_stop(struct harness *h, int timeout_ms)
{
	uint64_t end = h_now() + (uint64_t)timeout_ms * 1000;
	int status;

	kill(h->pid, SIGTERM);
	while (h_now() < end && harness_pump(h, 100))
		;
	for (;;) {
		pid_t r = waitpid(h->pid, &status, WNOHANG);

		if (r == h->pid)
			return status;
		if (r < 0 || h_now() >= end) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, &status, 0);
			return -1;
		}
		usleep(10000);
	}
}

static int h_remove(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static inline void harness_free(struct harness *h)
{
	for (size_t i = 0; i < h->n_lines; i++)
		free(h->lines[i].text);
	free(h->lines);
	if (h->err_fd > 0)
		close(h->err_fd);
	if (h->notify_fd > 0)
		close(h->notify_fd);
	if (h->tmp[0] && nftw(h->tmp, h_remove, 16, FTW_DEPTH | FTW_PHYS) < 0)
		printf("# could not remove %s: %s\n", h->tmp, strerror(errno));
	if (h->tb)
		g_object_unref(h->tb); /* removes the testbed's directory */
	g_free(h->root);
	fflush(stdout);
}

#endif
