/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef NSALIGN_PRIVATE_H
#define NSALIGN_PRIVATE_H

#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void nsa_log(struct nsa_ctx *ctx, int priority, const char *file, int line, const char *fn,
	     const char *format, ...) __attribute__((format(printf, 6, 7)));

#define nsa_log_cond(ctx, prio, ...)                                                   \
	do {                                                                           \
		if (nsa_get_log_priority(ctx) >= (prio))                               \
			nsa_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)

#define dbg(ctx, ...)	 nsa_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...)	 nsa_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define notice(ctx, ...) nsa_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define err(ctx, ...)	 nsa_log_cond(ctx, LOG_ERR, __VA_ARGS__)

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)

/* Copy with truncation, always NUL-terminated. */
static inline void nsa_strlcpy(char *dst, const char *src, size_t len)
{
	if (!len)
		return;
	if (!src)
		src = "";
	size_t n = 0;

	while (n < len - 1 && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Grow a dynamic array to hold n+1 elements; returns the new slot, zeroed. */
void *nsa_array_push(void **array, size_t *n, size_t *cap, size_t elem_size);

/* Read a small text file whole (sysfs attribute, /proc file); trailing newline stripped. */
int nsa_read_file(const char *path, char **out, size_t *len);
/* Read one sysfs attribute "dir/attr" into buf; trailing newline stripped. */
int nsa_sysfs_read(const char *dir, const char *attr, char *buf, size_t len);
int nsa_sysfs_read_u64(const char *dir, const char *attr, int base, uint64_t *out);

/* Free what a finding owns (message, remedy, string facts). */
void nsa_finding_clear(struct nsa_finding *f);

#endif
