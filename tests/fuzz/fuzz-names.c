// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The small parsers of sizes and names: nsa_parse_size() (--size, --align,
 * Granularity=), nsa_parse_u64(), the kernel release, the mode, block
 * state, zone and iomem names.  The input is one string, cut at its first
 * NUL.  Properties: a name read back from what it names is the same.
 */
#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), buf[128];
	int64_t v, w;
	uint64_t u;
	uint8_t zones;
	enum nsa_mode m;
	enum nsa_block_state st;

	if (!s)
		abort();
	if (nsa_parse_size(s, true, &v) == 0) {
		if (v >= 0 && s[0] != '-' && (nsa_parse_size(s, false, &w) < 0 || w != v))
			fuzz_fail("a size reads differently without a sign allowed");
		nsa_size_str(v < 0 ? (uint64_t)-v : (uint64_t)v, buf, sizeof(buf));
		nsa_size_human((uint64_t)v, buf, sizeof(buf));
		(void)nsa_align_of((uint64_t)v);
	}
	for (int base = 0; base <= 16; base += base ? 6 : 10)
		if (nsa_parse_u64(s, base, &u) == 0)
			nsa_size_str(u, buf, sizeof(buf));
	(void)nsa_kernel_at_least(s, 5, 7);

	m = nsa_mode_from_name(s);
	if (nsa_mode_from_name(nsa_mode_name(m)) != m)
		fuzz_fail("a mode's name names another mode");
	st = nsa_block_state_from_name(s);
	if (nsa_block_state_from_name(nsa_block_state_name(st)) != st)
		fuzz_fail("a block state's name names another state");
	zones = nsa_zones_parse(s);
	if (nsa_zones_parse(nsa_zones_str(zones, buf, sizeof(buf))) != zones)
		fuzz_fail("zones written and read back differ");
	(void)nsa_res_type_name(nsa_res_type_from_name(s));
	free(s);
	return 0;
}
