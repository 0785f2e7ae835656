// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The results of the acts of memory hotplug (libnsalign-hotplug.h) as
 * nsalign's exit status and as JSON, the same for nsalign and nsalignd.
 */
#include <sysexits.h>

#include <json-c/json.h>

#include "act.h"

int act_exit_status(enum nsa_act_status st)
{
	switch (st) {
	case NSA_ACT_DONE:
		return 0;
	case NSA_ACT_USAGE:
		return EX_USAGE;
	case NSA_ACT_NOINPUT:
		return EX_NOINPUT;
	case NSA_ACT_UNAVAILABLE:
		return EX_UNAVAILABLE;
	case NSA_ACT_REFUSED:
		return EX_CANTCREAT;
	case NSA_ACT_NOPERM:
		return EX_NOPERM;
	case NSA_ACT_INTERRUPTED:
		return 130;
	default:
		return EX_SOFTWARE;
	}
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

/* onlining: the zones it leads to; absent when /proc/zoneinfo was not read */
static void zones_json(struct json_object *o, const struct nsa_zone_balance *z)
{
	struct json_object *j;

	if (!z->known)
		return;
	j = json_object_new_object();
	add(j, "kernel_bytes", json_object_new_uint64(z->kernel_bytes));
	add(j, "movable_bytes", json_object_new_uint64(z->movable_bytes));
	add(j, "adding", json_object_new_uint64(z->adding));
	add(j, "movable", json_object_new_boolean(z->movable));
	add(j, "ratio_pct_before", json_object_new_uint64(z->ratio_pct_before));
	add(j, "ratio_pct_after", json_object_new_uint64(z->ratio_pct_after));
	add(j, "auto_movable_ratio",
	    z->auto_movable_ratio >= 0 ? json_object_new_int(z->auto_movable_ratio) : NULL);
	add(j, "threshold_pct", json_object_new_uint64(z->threshold_pct));
	add(j, "beyond", json_object_new_boolean(z->beyond));
	add(j, "memmap_ram_bytes", json_object_new_uint64(z->memmap_ram_bytes));
	add(o, "zones", j);
}

/* after a change: kdump's crash kernel, and whether it must be reloaded */
static void kdump_json(struct json_object *o, const struct nsa_kdump *k)
{
	struct json_object *j;

	if (!k->checked)
		return;
	j = json_object_new_object();
	add(j, "crash_kernel_loaded", k->loaded < 0 ? NULL : json_object_new_boolean(k->loaded));
	add(j, "crash_hotplug",
	    k->crash_hotplug < 0 ? NULL : json_object_new_boolean(k->crash_hotplug));
	add(j, "reload", json_object_new_boolean(k->reload));
	add(o, "kdump", j);
}

struct json_object *act_memory_json(const struct nsa_memory_result *r)
{
	struct json_object *o = json_object_new_object();

	add(o, "first_block", json_object_new_uint64(r->first));
	add(o, "blocks", json_object_new_uint64(r->n));
	add(o, "bytes", json_object_new_uint64(r->n * r->block_size));
	add(o, "already", json_object_new_uint64(r->already));
	zones_json(o, &r->zones);
	if (r->applied) {
		add(o, "changed", json_object_new_uint64(r->blocks.changed));
		add(o, "unchanged", json_object_new_uint64(r->blocks.already));
		add(o, "interrupted", json_object_new_boolean(r->blocks.interrupted));
		add(o, "seconds", json_object_new_double(r->seconds));
		kdump_json(o, &r->kdump);
	}
	return o;
}

static struct json_object *plan_json(const struct nsa_reconfigure_result *r)
{
	const struct nsa_kmem_plan *k = &r->plan;
	struct json_object *o = json_object_new_object();

	add(o, "dev", json_object_new_string(k->dax));
	add(o, "resource", json_object_new_uint64(k->spa_start));
	add(o, "size", json_object_new_uint64(k->size));
	add(o, "block_size", json_object_new_uint64(k->block_size));
	add(o, "first_block", json_object_new_uint64(k->first_block));
	add(o, "blocks", json_object_new_uint64(k->n_blocks));
	add(o, "usable", json_object_new_uint64(k->usable));
	add(o, "lost", json_object_new_uint64(k->lost_head + k->lost_tail));
	add(o, "memmap_on_memory", json_object_new_boolean(k->memmap_on_memory));
	add(o, "memmap_bytes", json_object_new_uint64(k->memmap_bytes));
	add(o, "memmap_ram_bytes", json_object_new_uint64(k->memmap_ram_bytes));
	add(o, "system_ram", json_object_new_uint64(k->system_ram));
	if (r->to_ram)
		zones_json(o, &r->zones);
	if (r->to_ram) {
		add(o, "zone", json_object_new_string(r->movable ? "Movable" : "Normal"));
		add(o, "kernel_onlines", json_object_new_boolean(r->kernel_zone != NSA_ZONE_NONE));
		if (r->kernel_zone != NSA_ZONE_NONE)
			add(o, "kernel_zone",
			    r->kernel_zone ? json_object_new_string(nsa_zone_name(r->kernel_zone))
					   : NULL);
	}
	return o;
}

struct json_object *act_reconfigure_json(const struct nsa_reconfigure_result *r)
{
	struct json_object *o = json_object_new_object(), *res;
	const struct nsa_block_result *b = &r->blocks;

	add(o, "plan", plan_json(r));
	if (!r->applied)
		return o;
	res = json_object_new_object();
	add(res, "mode", json_object_new_string(r->to_ram ? "system-ram" : "devdax"));
	add(res, "blocks_changed", json_object_new_uint64(b->changed));
	add(res, "blocks_already", json_object_new_uint64(b->already));
	add(res, "blocks_moved", json_object_new_uint64(b->moved));
	add(res, "bytes",
	    json_object_new_uint64((b->changed + b->moved + b->already) * r->plan.block_size));
	add(res, "zone",
	    json_object_new_string(!r->to_ram	? "none"
				   : r->movable ? "Movable"
						: "Normal"));
	add(res, "interrupted", json_object_new_boolean(b->interrupted));
	add(res, "seconds", json_object_new_double(r->seconds));
	kdump_json(res, &r->kdump);
	add(o, "result", res);
	return o;
}
