// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The udev rules and daxctl configuration nsalign reads to find the others
 * that online memory (nsa_find_competitors()), and the findings made of
 * them.  The input is files separated by FUZZ_SEP: a rules file in
 * /etc/udev/rules.d, one in /usr/lib/udev/rules.d, and, when there is a
 * third part, a daxctl configuration in /etc/daxctl.conf.d beside Debian's
 * daxctl rule; a fourth part is auto_online_blocks.  Property: every
 * competitor names a file and a line of it.
 */
#include <stdlib.h>
#include <string.h>

#include "libnsalign.h"
#include "fuzz.h"

static const char daxctl_rule[] = "ACTION==\"add\", SUBSYSTEM==\"dax\",\\\n"
				  "  RUN+=\"/usr/bin/daxctl -C $env{DEVNAME}\"\n";

static int lines(const uint8_t *p, size_t len)
{
	int n = 1;

	for (size_t i = 0; i < len; i++)
		n += p[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	struct nsa_competitor *c = NULL;
	struct nsa_analysis *a;
	const uint8_t *part[4] = { NULL };
	size_t len[4] = { 0 }, n = 0;
	char *auto_online = NULL;
	int max_line = 1;

	fuzz_clear(dir);
	for (int i = 0; i < 4 && data; i++) {
		len[i] = fuzz_part(&data, &size, FUZZ_SEP, &part[i]);
		if (lines(part[i], len[i]) > max_line)
			max_line = lines(part[i], len[i]);
	}
	fuzz_write(dir, "etc/udev/rules.d/50-fuzz.rules", part[0], len[0]);
	if (part[1])
		fuzz_write(dir, "usr/lib/udev/rules.d/90-fuzz.rules", part[1], len[1]);
	if (part[2]) {
		fuzz_write(dir, "lib/udev/rules.d/90-daxctl-device.rules", daxctl_rule,
			   strlen(daxctl_rule));
		fuzz_write(dir, "etc/daxctl.conf.d/fuzz.conf", part[2], len[2]);
	}
	if (part[3] && !(auto_online = strndup((const char *)part[3], len[3])))
		abort();
	if (nsa_find_competitors(dir, auto_online, &c, &n) < 0) {
		free(auto_online);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!c[i].path[0] || c[i].line < 0 || c[i].line > max_line ||
		    (c[i].kind != NSA_COMPETITOR_AUTO_ONLINE && c[i].line == 0))
			fuzz_fail("a competitor without its file and line");
	a = nsa_analysis_new();
	if (!a)
		abort();
	nsa_competitor_findings(a, c, n, false);
	nsa_competitor_findings(a, c, n, true);
	nsa_analysis_free(a);
	free(c);
	free(auto_online);
	return 0;
}
