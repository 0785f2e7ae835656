// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's view for callers who are not root.  The snapshot keeps its
 * names, sizes, modes, uuids and memory blocks (all readable by anyone in
 * sysfs) and loses every physical address: /proc/iomem reads as zeros, as
 * the kernel shows it to them (so "Kernel code", "Kernel data" and "Kernel
 * bss" say nothing about where KASLR put the kernel), and so do the region,
 * namespace, data and dax device resources.  The kernel log is left out:
 * its lines name addresses, and dmesg_restrict keeps it from them anyway.
 * A finding's message, remedy and facts name addresses too; such a caller
 * gets what fired where, not the text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

#define UNPRIVILEGED_NOTE                                                                      \
	"physical addresses hidden: nsalignd shows them and the kernel log to root only; the " \
	"caller is not root"

struct json_object *nsad_snapshot_json_unprivileged(const struct nsa_snapshot *s)
{
	struct nsa_snapshot v = *s; /* shallow: names, blocks and notes are s's */
	struct json_object *o = NULL;
	char **notes;

	v.iomem = calloc(s->n_iomem ?: 1, sizeof(*v.iomem));
	v.regions = calloc(s->n_regions ?: 1, sizeof(*v.regions));
	v.namespaces = calloc(s->n_namespaces ?: 1, sizeof(*v.namespaces));
	v.daxdevs = calloc(s->n_daxdevs ?: 1, sizeof(*v.daxdevs));
	notes = calloc(s->n_notes + 1, sizeof(*notes));
	if (!v.iomem || !v.regions || !v.namespaces || !v.daxdevs || !notes)
		goto out;
	for (size_t i = 0; i < s->n_iomem; i++) {
		v.iomem[i] = s->iomem[i];
		v.iomem[i].start = v.iomem[i].end = 0;
	}
	for (size_t i = 0; i < s->n_regions; i++) {
		v.regions[i] = s->regions[i];
		v.regions[i].spa_start = 0;
	}
	for (size_t i = 0; i < s->n_namespaces; i++) {
		v.namespaces[i] = s->namespaces[i];
		v.namespaces[i].spa_start = 0;
		v.namespaces[i].data_start = 0;
	}
	for (size_t i = 0; i < s->n_daxdevs; i++) {
		v.daxdevs[i] = s->daxdevs[i];
		v.daxdevs[i].spa_start = 0;
	}
	v.platform.iomem_visible = false;
	v.kernel_log = NULL;
	v.n_kernel_log = 0;
	if (s->n_notes)
		memcpy(notes, s->notes, s->n_notes * sizeof(*notes));
	notes[s->n_notes] = (char *)UNPRIVILEGED_NOTE;
	v.notes = notes;
	v.n_notes = s->n_notes + 1;
	o = nsa_snapshot_to_json(&v);
out:
	free(v.iomem);
	free(v.regions);
	free(v.namespaces);
	free(v.daxdevs);
	free(notes);
	return o;
}

int nsad_findings_unprivileged(struct json_object *findings)
{
	static const char *const keep[] = { "code", "message_id", "severity", "dev", "raw_uuid" };
	size_t n = json_object_array_length(findings);

	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(findings, i);
		struct json_object *cut = json_object_new_object(), *v;

		if (!cut)
			return -ENOMEM;
		for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (json_object_object_get_ex(f, keep[k], &v))
				json_object_object_add(cut, keep[k], json_object_get(v));
		json_object_array_put_idx(findings, i, cut); /* frees f */
	}
	return 0;
}
