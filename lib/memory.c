// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory blocks onlined and offlined under the one-owner rule: every block
 * is checked in the snapshot before the first is touched; it must exist
 * and hold the memory of one owner only (a block shared with boot RAM,
 * another device or firmware is never changed on their behalf).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "act.h"

enum nsa_block_verdict nsa_block_may_change(const struct nsa_snapshot *s, uint64_t index,
					    const char *owner, const char *owners[4], int *n)
{
	ssize_t at = s->platform.block_size
			     ? nsa_snapshot_block_at(s, index * s->platform.block_size)
			     : -1;
	int no;

	*n = 0;
	if (at < 0 || s->blocks[at].index != index)
		return NSA_BLOCK_NOT_THERE;
	no = nsa_block_owners(s, index, owners, 4);
	*n = no < 0 ? 0 : no;
	if (no <= 0)
		return NSA_BLOCK_NO_MEMORY;
	if (no > 1)
		return NSA_BLOCK_SHARED;
	if (owner && strcmp(owners[0], owner) != 0)
		return NSA_BLOCK_OTHER_OWNER;
	return NSA_BLOCK_MAY;
}

/* The blocks of a dax device in System RAM mode. */
static int dax_blocks(const struct nsa_snapshot *s, const char *dax, struct nsa_memory_result *out)
{
	const struct nsa_daxdev *d = NULL;
	struct nsa_kmem_plan k;

	for (size_t i = 0; i < s->n_daxdevs; i++)
		if (strcmp(s->daxdevs[i].dev, dax) == 0)
			d = &s->daxdevs[i];
	if (!d || nsa_kmem_plan(s, dax, &k) < 0)
		return FAIL(NSA_ACT_NOINPUT, "%s: no such dax device (see 'nsalign list -X')", dax);
	if (d->mode != NSA_DAX_SYSTEM_RAM)
		return FAIL(NSA_ACT_REFUSED,
			    "%s is devdax, not System RAM: 'nsalign reconfigure %s --mode "
			    "system-ram' first",
			    dax, dax);
	out->first = k.first_block;
	out->n = k.n_blocks;
	return 0;
}

/*
 * A range ending at 2^64 - 1 (first + n wraps to 0 or below first) would
 * skip every check: refused, naming the last block.  Other ranges past the
 * last block are refused by check_blocks() at the first missing one.
 */
static int check_range(const struct nsa_snapshot *s, struct nsa_memory_result *out)
{
	uint64_t last = out->first + out->n - 1;

	if (out->n && out->first + out->n > out->first)
		return 0;
	if (!s->n_blocks)
		return FAIL(NSA_ACT_NOINPUT,
			    "memory%" PRIu64 "-memory%" PRIu64
			    ": there are no memory blocks (see 'nsalign list -B')",
			    out->first, last);
	return FAIL(NSA_ACT_NOINPUT,
		    "memory%" PRIu64 "-memory%" PRIu64
		    " goes beyond the last memory block, memory%" PRIu64
		    " (see 'nsalign list -B'); nothing was changed",
		    out->first, last, s->blocks[s->n_blocks - 1].index);
}

/*
 * An online block whose valid_zones says "none" spans two zones or two NUMA
 * nodes: the kernel set no zone for it at boot and memory_block_offline()
 * refuses it (-EINVAL).
 */
#define SPANS_WHY                                                                               \
	"memory%" PRIu64 " (%#" PRIx64 "-%#" PRIx64 ") spans two zones or two NUMA nodes (its " \
	"valid_zones says none): the kernel cannot offline it; nothing was changed"

/* Every block checked before the first is touched. */
static int check_blocks(const struct nsa_snapshot *s, const struct nsa_memory_request *req,
			struct nsa_memory_result *out)
{
	const char *dax = req->dax[0] ? req->dax : NULL, *verb = req->online ? "online" : "offline";
	uint64_t B = out->block_size;

	for (uint64_t i = out->first; i < out->first + out->n; i++) {
		const char *owners[4];
		ssize_t at;
		int no;

		switch (nsa_block_may_change(s, i, dax, owners, &no)) {
		case NSA_BLOCK_NOT_THERE:
			return FAIL(NSA_ACT_NOINPUT,
				    "memory%" PRIu64 " does not exist (see 'nsalign list -B')", i);
		case NSA_BLOCK_NO_MEMORY:
			return FAIL(NSA_ACT_REFUSED,
				    "memory%" PRIu64 " holds no memory in /proc/iomem", i);
		case NSA_BLOCK_OTHER_OWNER:
		case NSA_BLOCK_SHARED:
			if (dax)
				return FAIL(
					NSA_ACT_REFUSED,
					"memory%" PRIu64 " (%#" PRIx64 "-%#" PRIx64
					") holds %s%s%s, not only %s's memory: nsalign does "
					"not %s it on another owner's behalf; nothing was changed",
					i, i * B, (i + 1) * B - 1, owners[0], no > 1 ? " and " : "",
					no > 1 ? owners[1] : "", dax, verb);
			return FAIL(NSA_ACT_REFUSED,
				    "memory%" PRIu64 " (%#" PRIx64 "-%#" PRIx64
				    ") is shared by %s and %s%s%s: nsalign does not %s a block on "
				    "another owner's behalf; nothing was changed",
				    i, i * B, (i + 1) * B - 1, owners[0], owners[1],
				    no > 2 ? " and " : "", no > 2 ? owners[2] : "", verb);
		case NSA_BLOCK_MAY:
			break;
		}
		at = nsa_snapshot_block_at(s, i * B);
		/* valid_zones "none" when online: it spans two zones or nodes (no mem->zone) */
		if (!req->online && s->blocks[at].state == NSA_BLOCK_ONLINE &&
		    s->blocks[at].zones == NSA_ZONE_NONE)
			return FAIL(NSA_ACT_REFUSED, SPANS_WHY, i, i * B, (i + 1) * B - 1);
		if ((req->online && s->blocks[at].state == NSA_BLOCK_ONLINE) ||
		    (!req->online && s->blocks[at].state == NSA_BLOCK_OFFLINE))
			out->already++;
		if (req->online && s->blocks[at].state == NSA_BLOCK_ONLINE &&
		    s->blocks[at].zones == NSA_ZONE_MOVABLE)
			out->already_movable++;
	}
	return 0;
}

int nsa_memory_set(struct nsa_ctx *ctx, const struct nsa_snapshot *s,
		   const struct nsa_memory_request *req, const struct nsa_act_opts *opts,
		   struct nsa_memory_result *out)
{
	struct timespec t0;
	int r;

	memset(out, 0, sizeof(*out));
	out->block_size = s->platform.block_size;
	out->first = req->first;
	out->n = req->n;
	if (!out->block_size)
		return FAIL(NSA_ACT_UNAVAILABLE,
			    "this kernel has no memory blocks (no memory hotplug)");
	if (req->dax[0] && dax_blocks(s, req->dax, out) < 0)
		return -1;
	if (check_range(s, out) < 0 || check_blocks(s, req, out) < 0)
		return -1;
	if (req->online) {
		if (nsa_zone_balance_read(ctx, &out->zones) < 0)
			info(ctx, "no /proc/zoneinfo: the zones it leads to are unknown");
		/* offline blocks are in no zone yet; their memmap was made when they were added */
		nsa_zone_balance_after(&out->zones, (out->n - out->already) * out->block_size,
				       req->policy == NSA_ONLINE_MOVABLE, 0);
	}
	if (opts->planned)
		opts->planned(opts->data);
	if (opts->dry_run)
		return 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = nsa_blocks_set(ctx, out->first, out->n, req->online, req->policy, opts->stop,
			   opts->progress, opts->data, &out->blocks);
	out->seconds = nsa_seconds_since(&t0);
	out->applied = true;
	nsa_kdump_read(ctx, out->blocks.changed > 0, &out->kdump);
	if (r < 0)
		return FAIL(NSA_ACT_REFUSED,
			    "the kernel refused memory%" PRIu64 ": %s%s; %" PRIu64
			    " blocks before it were %s",
			    out->blocks.failed_block, strerror(-out->blocks.error),
			    !req->online && out->blocks.error == -EBUSY
				    ? " (in use by unmovable pages)"
				    : "",
			    out->blocks.changed + out->blocks.already,
			    req->online ? "onlined" : "offlined");
	return 0;
}
