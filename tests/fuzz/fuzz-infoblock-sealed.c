// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The info block reader past its checksum: the input's first 4096 bytes
 * (zero-padded) get a correct checksum before nsa_infoblock_parse(), so the
 * fields are what is fuzzed.  The 56 bytes after them say where the
 * namespace is (start, size, page size, max align): the block is checked
 * there as the kernel would and a repair align computed, as repair does.
 * Property: an accepted block serializes back to the same 4096 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"
#include "fuzz.h"

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t page_sizes[] = { 4096, 16384, 65536 };
	uint8_t block[NSA_INFOBLOCK_SIZE] = { 0 }, again[NSA_INFOBLOCK_SIZE], tail[56] = { 0 };
	struct nsa_infoblock ib;
	struct nsa_ib_place pl;
	uint64_t align, page;
	char err[640];

	memcpy(block, data, size < sizeof(block) ? size : sizeof(block));
	if (size > sizeof(block))
		memcpy(tail, data + sizeof(block),
		       size - sizeof(block) < sizeof(tail) ? size - sizeof(block) : sizeof(tail));
	put64(block + NSA_INFOBLOCK_SIZE - 8, nsa_infoblock_checksum(block));
	if (nsa_infoblock_parse(block, sizeof(block), NULL, &ib, err, sizeof(err)) < 0)
		return 0;
	if (!ib.valid)
		fuzz_fail("accepted but not valid");

	/* serialize(parse(b)) == b */
	memcpy(again, block, sizeof(again));
	if (nsa_infoblock_serialize(&ib, again) < 0)
		fuzz_fail("an accepted block does not serialize");
	if (memcmp(again, block, sizeof(block)) != 0)
		fuzz_fail("serialize(parse(b)) != b");
	/* and from zeroes: only the padding may differ */
	memset(again, 0, sizeof(again));
	if (nsa_infoblock_serialize(&ib, again) < 0 ||
	    nsa_infoblock_parse(again, sizeof(again), ib.parent_uuid, &ib, err, sizeof(err)) < 0)
		fuzz_fail("a serialized block does not parse");

	(void)nsa_infoblock_effective_align(&ib);
	/* where the namespace is: a page-aligned resource below 2^52, as the kernel has them */
	page = page_sizes[tail[0] % 3];
	pl = (struct nsa_ib_place){
		.start = get64(tail + 8) & ((1ULL << 52) - 1) & ~(page - 1),
		.size = get64(tail + 16) & ((1ULL << 46) - 1) & ~(page - 1),
		.page_size = page,
		.compat_align = tail[1] & 1 ? 16 * NSA_MiB : 0,
		.pmd_size = page == 65536 ? 512 * NSA_MiB : 0,
		.pud_size = page == 4096 ? 0 : UINT64_MAX,
	};
	(void)nsa_infoblock_check(&ib, &pl, err, sizeof(err));
	if (nsa_repair_align(&ib, &pl, get64(tail + 24), &align, err, sizeof(err)) == 0) {
		struct nsa_infoblock fixed = ib;

		fixed.align = (uint32_t)align;
		if (fixed.align != align)
			fuzz_fail("a repair align the info block cannot hold");
		if (nsa_infoblock_check(&fixed, &pl, err, sizeof(err)) < 0)
			fuzz_fail("the kernel would refuse the repaired block");
	}
	return 0;
}
