// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The info block reader (nsa_infoblock_parse()) on the input as it is: most
 * inputs fail the checksum, which is what a damaged block does.  The first
 * byte picks the parent uuid the caller expects (none, label-less, one).
 */
#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const parents[] = { NULL, "", "cf8e5a16-511b-42e8-bb72-a33f32c4e51d" };
	struct nsa_infoblock ib;
	char err[256];
	int r;

	if (size < 1)
		return 0;
	r = nsa_infoblock_parse(data + 1, size - 1, parents[data[0] % 3], &ib, err, sizeof(err));
	if (r == 0 && !ib.valid)
		fuzz_fail("accepted but not valid");
	if (r < 0 && (ib.valid || !err[0]))
		fuzz_fail("refused without a reason");
	(void)nsa_infoblock_is_devdax(&ib);
	return 0;
}
