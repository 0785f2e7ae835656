/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parsers of the command line's values: block and address ranges, dax
 * device names, zones, shifts, sizes and the names of modes and maps.  They
 * print nothing (the commands say what was wrong), so that the fuzz target
 * tests/fuzz/fuzz-cli-args.c can drive them.
 */
#ifndef NSALIGN_CMD_ARGS_H
#define NSALIGN_CMD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnsalign.h"

/*
 * --blocks: "32", "32-35", "memory32-memory35" (decimal, inclusive).  *n is
 * last - first + 1, which wraps to 0 for 0-(2^64-1): the library refuses it.
 * 0 or -EINVAL.
 */
int cmd_parse_blocks(const char *arg, uint64_t *first, uint64_t *n);
/*
 * --range: "0x100000000-0x11fffffff" (inclusive, as /proc/iomem) or
 * "0x100000000+512M": [*start, *end_excl), never empty, never past 2^64 - 1.
 * 0 or -EINVAL.
 */
int cmd_parse_range(const char *arg, uint64_t *start, uint64_t *end_excl);
/* "dax0.0": a dax device's name, as an argument without an option */
bool cmd_is_dax_name(const char *arg);
/* --zone movable|normal|auto: 0 or -EINVAL */
int cmd_parse_zone(const char *arg, enum nsa_online_policy *out);
/*
 * One --shift, "64M,-128M,1G": each move appended to *v (*n of them; a
 * repeated --shift adds up; *v is kept, grown, also on error).  Returns 0;
 * -EDOM ("64MB"), -EINVAL (not a size), -ERANGE (not a multiple of 4 KiB):
 * *bad and *bad_len give the move in arg; -ENODATA: no move in arg;
 * -ENOMEM.
 */
int cmd_parse_shifts(const char *arg, int64_t **v, size_t *n, size_t *bad, size_t *bad_len);
/* A size above 0 (--size, probe's SIZE): 0, -EDOM ("64MB") or -EINVAL. */
int cmd_parse_positive_size(const char *arg, uint64_t *out);
/* --align: "auto" (0) or a power of two: 0, -EDOM or -EINVAL. */
int cmd_parse_align(const char *arg, uint64_t *out);
/* --granularity: a power of two of at least 4 KiB: 0, -EDOM or -EINVAL. */
int cmd_parse_granularity_value(const char *arg, uint64_t *out);
/* --mode: fsdax, devdax, raw, sector, and ndctl's old names memory and dax. */
enum nsa_mode cmd_parse_mode(const char *arg);
/* --map mem|dev: 0 or -EINVAL */
int cmd_parse_map(const char *arg, enum nsa_map *out);

#endif
