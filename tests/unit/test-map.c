// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsa_pmap_build() on the lab's snapshots changed by hand where no kernel
 * gave the case: a dax device too small for kmem, a block run broken by
 * one offline block, a range that ends at the last address, no addresses.
 */
#include <errno.h>

#include "libnsalign.h"
#include "fixtures.h"
#include "test.h"

static struct nsa_pmap *map_of(const struct nsa_snapshot *s, enum nsa_pmap_unit unit,
			       struct nsa_analysis **a)
{
	struct nsa_analysis_opts opts = { .with_info = true };
	struct nsa_pmap *m = NULL;

	if (nsa_analyze(s, &opts, a) < 0)
		return NULL;
	if (nsa_pmap_build(s, *a, unit, 0, &m) < 0)
		return NULL;
	return m;
}

static bool has_mark(const struct nsa_pmap_row *row, const char *code, const char *dev)
{
	for (size_t i = 0; i < row->n_marks; i++)
		if (strcmp(row->marks[i].code, code) == 0 && strcmp(row->marks[i].dev, dev) == 0)
			return true;
	return false;
}

/* rows follow each other from 0, parts fill their rows */
static void check_tiles(const struct nsa_pmap *m)
{
	uint64_t at = 0;

	for (size_t i = 0; i < m->n_rows; i++) {
		uint64_t sum = 0;

		CHECK_U64(m->rows[i].start, at);
		CHECK_U64(m->rows[i].size, m->rows[i].count * m->unit_size);
		for (size_t k = 0; k < m->rows[i].n_parts; k++)
			sum += m->rows[i].parts[k].size;
		CHECK_U64(sum, m->rows[i].size);
		at += m->rows[i].size;
	}
}

TEST(a_dax_device_smaller_than_a_block_is_marked_whole)
{
	struct nsa_snapshot *s = load("lab-kmem-devdax");
	struct nsa_analysis *a = NULL;
	struct nsa_pmap *m;
	uint64_t lo, hi;
	int marked = 0;

	REQUIRE(s && s->n_daxdevs == 1);
	s->daxdevs[0].size = 64 * NSA_MiB; /* 0x105200000 + 64 MiB: no whole block */
	lo = s->daxdevs[0].spa_start;
	hi = lo + s->daxdevs[0].size - 1;
	m = map_of(s, NSA_PMAP_BLOCKS, &a);
	REQUIRE(m);
	check_tiles(m);
	for (size_t i = 0; i < m->n_rows; i++) {
		const struct nsa_pmap_row *row = &m->rows[i];
		bool in = row->start <= hi && row->start + row->size - 1 >= lo;

		CHECK(has_mark(row, "NSA-KMEM-TOO-SMALL", "dax0.0") == in);
		marked += in;
	}
	CHECK(marked == 2); /* blocks 32 and 33 */
	nsa_pmap_free(m);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(one_offline_block_breaks_a_run)
{
	struct nsa_snapshot *s = load("lab-kmem-system-ram");
	struct nsa_analysis *a = NULL;
	struct nsa_pmap *m;
	ssize_t b;
	uint64_t firsts[3] = { 33, 35, 36 }, counts[3] = { 2, 1, 4 };
	size_t found = 0;

	REQUIRE(s);
	b = nsa_snapshot_block_at(s, 35 * s->platform.block_size);
	REQUIRE(b >= 0);
	s->blocks[b].state = NSA_BLOCK_OFFLINE;
	m = map_of(s, NSA_PMAP_BLOCKS, &a);
	REQUIRE(m);
	check_tiles(m);
	for (size_t i = 0; i < m->n_rows; i++) {
		const struct nsa_pmap_row *row = &m->rows[i];

		if (row->n_parts != 1 || row->parts[0].kind != NSA_OWNER_KMEM)
			continue;
		REQUIRE(found < 3);
		CHECK_U64(row->first, firsts[found]);
		CHECK_U64(row->count, counts[found]);
		CHECK(row->has_block &&
		      row->state == (found == 1 ? NSA_BLOCK_OFFLINE : NSA_BLOCK_ONLINE));
		found++;
	}
	CHECK(found == 3);
	nsa_pmap_free(m);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(a_range_up_to_the_last_address)
{
	struct nsa_snapshot *s = load("lab-pmem-pmem-section");
	struct nsa_analysis *a = NULL;
	struct nsa_resource *r;
	struct nsa_pmap *m;
	const struct nsa_pmap_row *last;

	REQUIRE(s);
	r = nsa_snapshot_add_resource(s);
	REQUIRE(r);
	*r = (struct nsa_resource){ 0xffff000000000000ULL, UINT64_MAX, strdup("PCI Bus 0000:40"),
				    NSA_RES_OTHER,	   0,	       -1 };
	m = map_of(s, NSA_PMAP_SECTIONS, &a);
	REQUIRE(m && m->n_rows);
	check_tiles(m);
	last = &m->rows[m->n_rows - 1];
	CHECK_U64(last->start + last->size - 1, UINT64_MAX);
	CHECK(last->parts[0].kind == NSA_OWNER_DEVICE);
	nsa_pmap_free(m);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(no_addresses_no_map)
{
	struct nsa_snapshot *s = load("lab-unprivileged");
	struct nsa_pmap *m = (struct nsa_pmap *)1;

	REQUIRE(s);
	CHECK(nsa_pmap_build(s, NULL, NSA_PMAP_SECTIONS, 0, &m) == -ENODATA);
	CHECK(m == NULL);
	nsa_snapshot_free(s);
}
