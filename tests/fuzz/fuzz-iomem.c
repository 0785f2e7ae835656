// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc/iomem parser (nsa_iomem_parse()), given exactly the input's
 * bytes (no NUL after them).  Properties: every resource's parent comes
 * before it, one level up, and a child lies inside its parent.
 */
#include <stdlib.h>

#include "libnsalign.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	bool all_zero = false;
	int bad_line = 0;

	if (!s)
		abort();
	if (nsa_iomem_parse(s, (const char *)data, size, &bad_line, &all_zero) == 0) {
		for (size_t i = 0; i < s->n_iomem; i++) {
			const struct nsa_resource *r = &s->iomem[i], *p;

			if (r->end < r->start)
				fuzz_fail("a resource ends before it starts");
			if (r->parent < 0) {
				if (r->depth != 0)
					fuzz_fail("a nested resource without a parent");
				continue;
			}
			if ((size_t)r->parent >= i)
				fuzz_fail("a parent after its child");
			p = &s->iomem[r->parent];
			if (p->depth != r->depth - 1)
				fuzz_fail("a parent not one level up");
			if (r->start < p->start || r->end > p->end)
				fuzz_fail("a child outside its parent");
		}
		nsa_snapshot_finish(s);
		(void)nsa_snapshot_has_pmem(s);
	} else if (bad_line < 1) {
		fuzz_fail("a refused input without the line");
	}
	nsa_snapshot_free(s);
	return 0;
}
