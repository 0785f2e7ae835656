// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalignd's configuration (nsad_config_load()): nsalign.conf and its
 * drop-ins.  The input is files separated by FUZZ_SEP: nsalign.conf (empty:
 * none), then up to 4 drop-ins nsalign.conf.d/N.conf ("@null": a symlink
 * to /dev/null, masked).  Properties: an error names a file, a line and
 * what was expected; a success leaves values the daemon knows.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/conf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	struct nsad_config c;
	const uint8_t *part;
	char err[512], name[64], buf[256];
	size_t len;
	int r;

	fuzz_clear(dir);
	len = fuzz_part(&data, &size, FUZZ_SEP, &part);
	if (len)
		fuzz_write(dir, "nsalign.conf", part, len);
	for (int i = 0; i < 4 && data; i++) {
		len = fuzz_part(&data, &size, FUZZ_SEP, &part);
		snprintf(name, sizeof(name), "nsalign.conf.d/%d.conf", i);
		if (len == 5 && memcmp(part, "@null", 5) == 0) {
			char path[512];

			fuzz_write(dir, "nsalign.conf.d/.keep", "", 0);
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (symlink("/dev/null", path) < 0)
				fuzz_fail("symlink");
		} else {
			fuzz_write(dir, name, part, len);
		}
	}
	r = nsad_config_load(dir, &c, err, sizeof(err));
	if (r < 0) {
		if (!err[0] || strchr(err, '\n'))
			fuzz_fail("an error without one line of reason");
		return 0;
	}
	if (c.memory_blocks > NSAD_BLOCKS_ONLINE_MOVABLE || c.dax_devices > NSAD_DAX_SYSTEM_RAM ||
	    c.log_min > NSA_SEV_ERROR || (c.granularity && !nsa_is_pow2(c.granularity)))
		fuzz_fail("a value the daemon does not know");
	(void)nsad_block_policy_name(c.memory_blocks);
	(void)nsad_dax_policy_name(c.dax_devices);
	(void)nsad_config_files_str(&c, buf, sizeof(buf));
	nsad_config_free(&c);
	return 0;
}
