/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnsalign: the nsalign engine.
 *
 * collect -> snapshot -> analyze -> findings.  The snapshot is plain C
 * structs with a JSON round trip; the analyzer is pure (no I/O), so every
 * decision can be replayed from a snapshot file.
 *
 * Conventions (libkmod style): an opaque context, ref/unref, negative errno
 * on failure, no exit().  The library writes nothing itself: its messages
 * go to the log callback, which writes to stderr until the caller sets its
 * own (nsa_set_log_fn()).
 *
 * This is the one header to include; it includes libnsalign-*.h.
 */
#ifndef LIBNSALIGN_H
#define LIBNSALIGN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>

struct json_object;

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

struct nsa_ctx;

typedef void (*nsa_log_fn)(void *data, int priority, const char *file, int line, const char *fn,
			   const char *format, va_list args);

struct nsa_ctx *nsa_new(void);
struct nsa_ctx *nsa_ref(struct nsa_ctx *ctx);
struct nsa_ctx *nsa_unref(struct nsa_ctx *ctx);
void nsa_set_log_fn(struct nsa_ctx *ctx, nsa_log_fn fn, void *data);
void nsa_set_log_priority(struct nsa_ctx *ctx, int priority); /* LOG_ERR .. LOG_DEBUG */
int nsa_get_log_priority(struct nsa_ctx *ctx);

/*
 * Where the collector reads the live system.  Defaults are the real paths;
 * tests point them elsewhere.  (libndctl/libdaxctl hard-code their own
 * paths; these only cover what nsalign reads itself.)
 */
int nsa_set_sysfs_root(struct nsa_ctx *ctx, const char *root); /* default "" */
int nsa_set_proc_root(struct nsa_ctx *ctx, const char *root);  /* default "" */
const char *nsa_get_sysfs_root(struct nsa_ctx *ctx);
const char *nsa_get_proc_root(struct nsa_ctx *ctx);

/*
 * Platform mapping granularity: how far firmware moves PMEM.  0 (the
 * default): the architecture's figure, nsa_platform_granularity().
 */
void nsa_set_platform_granularity(struct nsa_ctx *ctx, uint64_t bytes);
uint64_t nsa_get_platform_granularity(struct nsa_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Sizes and alignment math (util.c)                                   */
/* ------------------------------------------------------------------ */

#define NSA_KiB (1ULL << 10)
#define NSA_MiB (1ULL << 20)
#define NSA_GiB (1ULL << 30)
#define NSA_TiB (1ULL << 40)

/*
 * Parse "64M", "1G", "4096", "0x4000000", "2m", "1.5G", "16MiB": K, M, G,
 * T, P, E are binary, as ndctl reads them, with an optional "iB".  A leading
 * '-' is accepted only when allow_negative (shifts).  Returns 0, -EDOM for
 * "64MB" (decimal to util-linux, binary to ndctl: refused), -EINVAL, -ERANGE.
 */
int nsa_parse_size(const char *s, bool allow_negative, int64_t *out);
int nsa_parse_u64(const char *s, int base, uint64_t *out);
/* "128 MiB", "1 GiB", "2 MiB", "1006 MiB", "4 KiB", exact when possible. */
const char *nsa_size_str(uint64_t bytes, char *buf, size_t len);
/* ndctl -u style: "8.00 GiB (8.59 GB)". */
const char *nsa_size_human(uint64_t bytes, char *buf, size_t len);
struct json_object;
/*
 * A size or an address as a JSON number.  human: printed as ndctl -u
 * prints it (json-c's serializer: "8.00 GiB (8.59 GB)" from 1 KiB up,
 * "0x100000000"), the value itself stays the number.
 */
struct json_object *nsa_json_size(uint64_t bytes, bool human);
struct json_object *nsa_json_addr(uint64_t addr, bool human);

/* Largest power of two dividing x (x == 0 -> 1ULL << 63). */
uint64_t nsa_align_of(uint64_t x);
/*
 * Multiples of a, for any a > 0, not only powers of two: an interleaved
 * region's align is 16 MiB times its ways when 16 MiB does not divide by
 * them (48 MiB for 3 ways, 96 MiB for 6).  a == 0: x itself.
 */
static inline bool nsa_is_aligned(uint64_t x, uint64_t a)
{
	return a == 0 || x % a == 0;
}
static inline uint64_t nsa_align_down(uint64_t x, uint64_t a)
{
	return a ? x - x % a : x;
}
static inline uint64_t nsa_align_up(uint64_t x, uint64_t a)
{
	return a && x % a ? x - x % a + a : x;
}
/* Least common multiple (0 when either is 0 or it overflows). */
uint64_t nsa_lcm(uint64_t a, uint64_t b);
static inline bool nsa_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* The rest of the API, by topic. */
#include "libnsalign-snapshot.h"
#include "libnsalign-analysis.h"
#include "libnsalign-map.h"
#include "libnsalign-actions.h"
#include "libnsalign-hotplug.h"

#endif
