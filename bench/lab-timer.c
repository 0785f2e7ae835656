// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lab-timer: times one command in the VM lab's guest (bench/vm-compare.sh).
 *
 *   lab-timer LABEL COMMAND [ARG...]
 *
 * Runs COMMAND with its output to /dev/null and prints one line:
 *
 *   LABEL WALL_US USER_US SYS_US MAXRSS_KIB STATUS
 *
 * wall time from CLOCK_MONOTONIC around fork and wait, user and system time
 * and peak RSS from the child's rusage (wait4), STATUS its exit code (128 +
 * the signal when killed).  Built static by bench/vm-compare.sh, as the lab
 * builds its other guest tools: the guest has no compiler and busybox's time
 * has no microseconds.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long us_of(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, code;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: lab-timer LABEL COMMAND [ARG...]\n");
		return 64;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("lab-timer: fork");
		return 71;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("lab-timer: wait4");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%s %lld %lld %lld %ld %d\n", argv[1],
	       ((long long)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec)) / 1000,
	       us_of(&ru.ru_utime), us_of(&ru.ru_stime), ru.ru_maxrss, code);
	return 0;
}
