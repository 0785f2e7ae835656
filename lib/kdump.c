// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kdump after memory hotplug: whether the loaded crash kernel's memory map
 * (its elfcorehdr) still describes the memory.  The kernel rewrites it on
 * memory hot add/remove and online/offline when
 * /sys/devices/system/memory/crash_hotplug says 1 (CONFIG_CRASH_HOTPLUG,
 * Linux 6.6, and a crash kernel loaded with kexec_file_load() or a kexec
 * that allows it); otherwise a loaded crash kernel must be reloaded.
 * /sys/kernel/kexec_crash_loaded says whether one is loaded.
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

/* 0 or 1 from DIR/ATTR, -1 when the file is not there or says neither */
static int read_bit(const char *dir, const char *attr)
{
	char buf[16];

	if (nsa_sysfs_read(dir, attr, buf, sizeof(buf)) < 0)
		return -1;
	return buf[0] == '1' ? 1 : buf[0] == '0' ? 0 : -1;
}

void nsa_kdump_read(struct nsa_ctx *ctx, bool changed, struct nsa_kdump *out)
{
	char dir[512];
	const char *root = nsa_get_sysfs_root(ctx);

	memset(out, 0, sizeof(*out));
	out->checked = true;
	out->changed = changed;
	snprintf(dir, sizeof(dir), "%s/sys/kernel", root);
	out->loaded = (int8_t)read_bit(dir, "kexec_crash_loaded");
	snprintf(dir, sizeof(dir), "%s/sys/devices/system/memory", root);
	out->crash_hotplug = (int8_t)read_bit(dir, "crash_hotplug");
	out->reload = changed && out->loaded == 1 && out->crash_hotplug != 1;
}

const char *nsa_kdump_str(const struct nsa_kdump *k, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!k->checked || !k->changed || k->loaded != 1)
		return buf;
	if (k->reload)
		snprintf(buf, len,
			 "kdump: the loaded crash kernel's memory map no longer matches the "
			 "memory (%s): reload it (Debian: 'systemctl restart kdump-tools', "
			 "Fedora/RHEL: 'systemctl restart kdump')",
			 k->crash_hotplug == 0 ? "memory/crash_hotplug is 0"
					       : "this kernel has no memory/crash_hotplug");
	else
		snprintf(buf, len,
			 "kdump: the kernel updated the loaded crash kernel's memory map itself "
			 "(memory/crash_hotplug is 1); nothing to reload");
	return buf;
}
