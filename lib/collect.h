/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The collector's parts (lib/collect.c, collect-dax.c, collect-kmsg.c, collect-memory.c). */
#ifndef NSA_COLLECT_H
#define NSA_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "private.h"

struct ndctl_dax;

/* One collection's directories, held open: sysfs's bus/nd/devices and /sys/bus/dax/devices. */
struct nd_dirs {
	int nd;	 /* -1: not there */
	int dax; /* -1: not there (no dax bus: the old dax class, or no dax at all) */
};

/*
 * The dax devices of a devdax namespace (ns_dev), appended to s; a System
 * RAM one's block counts stay unknown until nsa_collect_dax_ram_blocks().
 */
int nsa_collect_daxdevs(struct nsa_snapshot *s, const struct nd_dirs *dirs, struct ndctl_dax *dax,
			const char *ns_dev, int region_id);
/* Each System RAM dax device's blocks from s->blocks (read, sorted). */
void nsa_collect_dax_ram_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s, bool block_size_known);

/* every memory block, sorted by index, each with its node */
int nsa_collect_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s);
/*
 * Only the blocks of System RAM dax devices (s->daxdevs), sorted: 1 when
 * some device's range is unknown (no address or block size), and the
 * caller must read them all.
 */
int nsa_collect_dax_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s, bool block_size_known);
/* old's blocks, with those in changed[] read again (added, changed or gone) */
int nsa_collect_update_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s,
			      const struct nsa_snapshot *old, const uint64_t *changed,
			      size_t n_changed);

/* This boot's PMEM kernel messages into s, probe failures marked (collect-kmsg.c). */
void nsa_collect_kernel_log(struct nsa_snapshot *s);

#endif
