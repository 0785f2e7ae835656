// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Memory hotplug of PMEM: what kmem will make of a dax device (whole memory
 * blocks only, as dev_dax_kmem_probe() aligns the range inward to the block
 * size), and the per-block state changes through sysfs, one block at a
 * time, so that long work can report progress and stop between blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

int nsa_kmem_plan(const struct nsa_snapshot *s, const char *dax, struct nsa_kmem_plan *out)
{
	const struct nsa_daxdev *d = NULL;
	struct nsa_kmem_yield y;
	struct nsa_platform p;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n_daxdevs && !d; i++)
		if (strcmp(s->daxdevs[i].dev, dax) == 0)
			d = &s->daxdevs[i];
	if (!d)
		return -ENODEV;
	nsa_effective_platform(s, &p);
	if (!p.block_size || !d->spa_start || !d->size)
		return -EINVAL;
	nsa_strlcpy(out->dax, d->dev, sizeof(out->dax));
	out->spa_start = d->spa_start;
	out->size = d->size;
	out->block_size = p.block_size;
	out->memmap_on_memory = nsa_kernel_kmem_memmap_in_range(d);
	nsa_kernel_kmem(&p, d->spa_start, d->size, out->memmap_on_memory, &y);
	out->first_block = y.first_block;
	out->n_blocks = y.n_blocks;
	out->usable = y.usable;
	out->lost_head = y.lost_head;
	out->lost_tail = y.lost_tail;
	out->memmap_bytes = y.memmap_bytes;
	out->memmap_ram_bytes = y.memmap_ram_bytes;
	out->system_ram = y.system_ram;
	return 0;
}

/* ------------------------------------------------------------ blocks */

static const char *policy_word(enum nsa_online_policy policy)
{
	switch (policy) {
	case NSA_ONLINE_MOVABLE:
		return "online_movable";
	case NSA_ONLINE_KERNEL:
		return "online_kernel";
	default:
		return "online";
	}
}

static int block_path(struct nsa_ctx *ctx, uint64_t index, char *path, size_t len)
{
	if (snprintf(path, len, "%s/sys/devices/system/memory/memory%" PRIu64,
		     nsa_get_sysfs_root(ctx), index) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int nsa_block_state(struct nsa_ctx *ctx, uint64_t index, enum nsa_block_state *state)
{
	char path[256], buf[32];
	int r = block_path(ctx, index, path, sizeof(path));

	if (r == 0)
		r = nsa_sysfs_read(path, "state", buf, sizeof(buf));
	if (r < 0)
		return r;
	*state = nsa_block_state_from_name(buf);
	return 0;
}

static int block_write(struct nsa_ctx *ctx, uint64_t index, const char *word)
{
	char path[256], file[300];
	ssize_t n;
	int fd, r = block_path(ctx, index, path, sizeof(path));

	if (r < 0)
		return r;
	r = nsa_fault(ctx, word);
	if (r)
		return r;
	snprintf(file, sizeof(file), "%s/state", path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, word, strlen(word));
	r = n < 0 ? -errno : 0;
	close(fd);
	return r;
}

int nsa_blocks_set(struct nsa_ctx *ctx, uint64_t first, uint64_t n, bool online,
		   enum nsa_online_policy policy, const volatile int *stop,
		   void (*progress)(void *data, uint64_t done, uint64_t total), void *data,
		   struct nsa_block_result *out)
{
	const char *word = online ? policy_word(policy) : "offline";

	memset(out, 0, sizeof(*out));
	for (uint64_t i = 0; i < n; i++) {
		enum nsa_block_state st;
		int r;

		if (stop && *stop) {
			out->interrupted = true;
			break;
		}
		r = nsa_block_state(ctx, first + i, &st);
		if (r < 0) {
			out->error = r;
			out->failed_block = first + i;
			return r;
		}
		if ((online && st == NSA_BLOCK_ONLINE) || (!online && st == NSA_BLOCK_OFFLINE)) {
			out->already++;
		} else {
			r = block_write(ctx, first + i, word);
			if (r < 0) {
				out->error = r;
				out->failed_block = first + i;
				return r;
			}
			out->changed++;
		}
		if (progress)
			progress(data, i + 1, n);
	}
	return 0;
}

int nsa_block_zone(struct nsa_ctx *ctx, uint64_t index, uint8_t *zone)
{
	char path[256], buf[64];
	int r = block_path(ctx, index, path, sizeof(path));

	if (r == 0)
		r = nsa_sysfs_read(path, "valid_zones", buf, sizeof(buf));
	if (r < 0)
		return r;
	*zone = nsa_zones_parse(buf);
	return 0;
}

/* Is an online block in `zone` where `policy` wants it? */
static bool zone_fits(uint8_t zone, enum nsa_online_policy policy)
{
	switch (policy) {
	case NSA_ONLINE_MOVABLE:
		return zone == NSA_ZONE_MOVABLE;
	case NSA_ONLINE_KERNEL:
		return zone && !(zone & NSA_ZONE_MOVABLE);
	default:
		return true;
	}
}

/* One online block out of `zone` into the policy's: offline, online; back where it was on a
 * refusal. */
static int move_block(struct nsa_ctx *ctx, uint64_t index, uint8_t zone,
		      enum nsa_online_policy policy)
{
	int r = block_write(ctx, index, "offline");

	if (r < 0)
		return r; /* still online where it was */
	r = block_write(ctx, index, policy_word(policy));
	if (r < 0)
		block_write(ctx, index,
			    zone & NSA_ZONE_MOVABLE ? "online_movable" : "online_kernel");
	return r;
}

int nsa_blocks_place(struct nsa_ctx *ctx, uint64_t first, uint64_t n, enum nsa_online_policy policy,
		     const volatile int *stop,
		     void (*progress)(void *data, uint64_t done, uint64_t total), void *data,
		     struct nsa_block_result *out)
{
	memset(out, 0, sizeof(*out));
	for (uint64_t i = 0; i < n; i++) {
		enum nsa_block_state st;
		uint8_t zone = 0;
		int r;

		if (stop && *stop) {
			out->interrupted = true;
			break;
		}
		r = nsa_block_state(ctx, first + i, &st);
		if (r == 0 && st == NSA_BLOCK_ONLINE)
			r = nsa_block_zone(ctx, first + i, &zone);
		if (r == 0) {
			if (st != NSA_BLOCK_ONLINE)
				r = block_write(ctx, first + i, policy_word(policy));
			else if (!zone_fits(zone, policy))
				r = move_block(ctx, first + i, zone, policy);
		}
		if (r < 0) {
			out->error = r;
			out->failed_block = first + i;
			return r;
		}
		if (st != NSA_BLOCK_ONLINE)
			out->changed++;
		else if (!zone_fits(zone, policy))
			out->moved++;
		else
			out->already++;
		if (progress)
			progress(data, i + 1, n);
	}
	return 0;
}

/* /proc/cmdline has the word `word` */
static bool cmdline_has(struct nsa_ctx *ctx, const char *word)
{
	char path[256], line[4096], *t, *save = NULL;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/cmdline", nsa_get_proc_root(ctx));
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		for (t = strtok_r(line, " \t\n", &save); t && !found;
		     t = strtok_r(NULL, " \t\n", &save))
			found = strcmp(t, word) == 0;
	fclose(f);
	return found;
}

uint8_t nsa_auto_online_zone(struct nsa_ctx *ctx, const struct nsa_platform *p)
{
	char path[256], policy[32] = "";

	snprintf(path, sizeof(path), "%s/sys/module/memory_hotplug/parameters",
		 nsa_get_sysfs_root(ctx));
	if (nsa_sysfs_read(path, "online_policy", policy, sizeof(policy)) < 0)
		policy[0] = '\0';
	return nsa_kernel_auto_online_zone(p->auto_online_blocks, policy,
					   cmdline_has(ctx, "movable_node"));
}

const char *nsa_zone_name(uint8_t zone)
{
	switch (zone) {
	case NSA_ZONE_NORMAL:
		return "Normal";
	case NSA_ZONE_MOVABLE:
		return "Movable";
	case NSA_ZONE_NONE:
		return "none";
	default:
		return "the kernel's choice";
	}
}

/* ------------------------------------------------------------ ownership */
