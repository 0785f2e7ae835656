// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

struct nsa_ctx {
	int refcount;
	nsa_log_fn log_fn;
	void *log_data;
	int log_priority;
	char *sysfs_root;
	char *proc_root;
	uint64_t platform_granularity;
	nsa_fault_fn fault_fn;
	void *fault_data;
	char *fault_env;
};

#ifdef NSALIGN_FAULT_INJECTION
/*
 * Test builds only: stop at step for ever, saying so on stderr (the one
 * place libnsalign writes), so that the VM lab can cut the power there.
 */
static _Noreturn void pause_at(const char *step)
{
	dprintf(STDERR_FILENO, "NSA-FAULT-PAUSE %s\n", step);
	for (;;)
		pause();
}

/*
 * NSALIGN_FAULT_INJECT=STEP: STEP fails (-EIO).  pause:STEP: the process
 * stops at STEP.  torn:STEP: a write that asks STEP writes its first half
 * only, then stops at STEP-half (a power cut there is a torn write).
 */
static int env_fault(void *data, const char *step)
{
	const char *want = data;
	size_t n;

	if (strncmp(want, "pause:", 6) == 0) {
		if (strcmp(want + 6, step) == 0)
			pause_at(step);
		return 0;
	}
	if (strncmp(want, "torn:", 5) == 0) {
		want += 5;
		n = strlen(want);
		if (strcmp(want, step) == 0)
			return NSA_FAULT_TORN;
		if (strncmp(want, step, n) == 0 && strcmp(step + n, "-half") == 0)
			pause_at(step);
		return 0;
	}
	return strcmp(want, step) == 0 ? -EIO : 0;
}
#endif

static void log_stderr(void *data, int priority, const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	fprintf(stderr, "libnsalign: %s: ", fn);
	vfprintf(stderr, format, args);
}

static int log_priority_from_env(const char *value)
{
	char *end;
	long prio = strtol(value, &end, 10);

	if (end != value && (*end == '\0' || *end == '\n'))
		return (int)prio;
	if (strncmp(value, "err", 3) == 0)
		return LOG_ERR;
	if (strncmp(value, "info", 4) == 0)
		return LOG_INFO;
	if (strncmp(value, "debug", 5) == 0)
		return LOG_DEBUG;
	return LOG_ERR;
}

struct nsa_ctx *nsa_new(void)
{
	struct nsa_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env;

	if (!ctx)
		return NULL;
	ctx->refcount = 1;
	ctx->log_fn = log_stderr;
	ctx->log_priority = LOG_ERR;
	ctx->platform_granularity = 0; /* the architecture's */
	ctx->sysfs_root = strdup("");
	ctx->proc_root = strdup("");
	if (!ctx->sysfs_root || !ctx->proc_root) {
		nsa_unref(ctx);
		return NULL;
	}
	env = secure_getenv("NSALIGN_LOG");
	if (env)
		ctx->log_priority = log_priority_from_env(env);
#ifdef NSALIGN_FAULT_INJECTION
	/*
	 * Test builds only (configure --enable-fault-injection): make the
	 * named step fail, to prove what a failure leaves behind.
	 */
	env = secure_getenv("NSALIGN_FAULT_INJECT");
	if (env && env[0]) {
		ctx->fault_env = strdup(env);
		ctx->fault_fn = env_fault;
		ctx->fault_data = ctx->fault_env;
	}
#endif
	return ctx;
}

struct nsa_ctx *nsa_ref(struct nsa_ctx *ctx)
{
	if (ctx)
		ctx->refcount++;
	return ctx;
}

struct nsa_ctx *nsa_unref(struct nsa_ctx *ctx)
{
	if (!ctx || --ctx->refcount > 0)
		return NULL;
	free(ctx->sysfs_root);
	free(ctx->proc_root);
	free(ctx->fault_env);
	free(ctx);
	return NULL;
}

void nsa_set_log_fn(struct nsa_ctx *ctx, nsa_log_fn fn, void *data)
{
	ctx->log_fn = fn;
	ctx->log_data = data;
}

void nsa_set_log_priority(struct nsa_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

int nsa_get_log_priority(struct nsa_ctx *ctx)
{
	return ctx->log_priority;
}

void nsa_log(struct nsa_ctx *ctx, int priority, const char *file, int line, const char *fn,
	     const char *format, ...)
{
	va_list args;

	if (!ctx->log_fn)
		return;
	va_start(args, format);
	ctx->log_fn(ctx->log_data, priority, file, line, fn, format, args);
	va_end(args);
}

static int set_root(char **slot, const char *root)
{
	char *copy = strdup(root ? root : "");

	if (!copy)
		return -ENOMEM;
	/* "/tmp/x/" and "/tmp/x" name the same root: keep no trailing slash. */
	for (size_t n = strlen(copy); n > 0 && copy[n - 1] == '/'; n--)
		copy[n - 1] = '\0';
	free(*slot);
	*slot = copy;
	return 0;
}

int nsa_set_sysfs_root(struct nsa_ctx *ctx, const char *root)
{
	return set_root(&ctx->sysfs_root, root);
}

int nsa_set_proc_root(struct nsa_ctx *ctx, const char *root)
{
	return set_root(&ctx->proc_root, root);
}

const char *nsa_get_sysfs_root(struct nsa_ctx *ctx)
{
	return ctx->sysfs_root;
}

const char *nsa_get_proc_root(struct nsa_ctx *ctx)
{
	return ctx->proc_root;
}

void nsa_set_platform_granularity(struct nsa_ctx *ctx, uint64_t bytes)
{
	ctx->platform_granularity = bytes;
}

uint64_t nsa_get_platform_granularity(struct nsa_ctx *ctx)
{
	return ctx->platform_granularity;
}

void nsa_set_fault_hook(struct nsa_ctx *ctx, nsa_fault_fn fn, void *data)
{
	ctx->fault_fn = fn;
	ctx->fault_data = data;
}

int nsa_fault(struct nsa_ctx *ctx, const char *step)
{
	if (!ctx || !ctx->fault_fn)
		return 0;
	return ctx->fault_fn(ctx->fault_data, step);
}
