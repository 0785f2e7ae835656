// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The analyzer: snapshot in, findings out, no I/O.
 *
 * Kernel acceptance follows the kernel's own checks, in the kernel's order
 * (Linux 6.1 unless a comment says otherwise):
 *   drivers/nvdimm/namespace_devs.c nvdimm_namespace_common_probe()
 *   drivers/nvdimm/pfn_devs.c       nd_pfn_validate()
 *   mm/memremap.c                   memremap_compat_align()
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel.h"

#define SZ_16M	       (16 * NSA_MiB)
#define MAX_NEIGHBOURS 8

struct analysis_priv {
	struct nsa_analysis pub;
	size_t cap_findings;
	char **strings; /* verdict refusals */
	size_t n_strings, cap_strings;
};

static struct analysis_priv *apriv(struct nsa_analysis *a)
{
	return (struct analysis_priv *)a;
}

/* ------------------------------------------------------------ findings */

struct nsa_finding *nsa_analysis_add(struct nsa_analysis *a, const char *code, const char *dev,
				     const char *uuid)
{
	const struct nsa_code_info *info = nsa_code_lookup(code);
	struct nsa_finding *f;

	if (!info)
		return NULL;
	f = nsa_array_push((void **)&a->findings, &a->n_findings, &apriv(a)->cap_findings,
			   sizeof(*f));
	if (!f)
		return NULL;
	f->code = info;
	f->severity = info->severity;
	nsa_strlcpy(f->dev, dev, sizeof(f->dev));
	nsa_strlcpy(f->uuid, uuid, sizeof(f->uuid));
	return f;
}

void nsa_analysis_drop(struct nsa_analysis *a, size_t i)
{
	if (i >= a->n_findings)
		return;
	nsa_finding_clear(&a->findings[i]);
	memmove(&a->findings[i], &a->findings[i + 1],
		(a->n_findings - i - 1) * sizeof(a->findings[0]));
	a->n_findings--;
}

void nsa_analysis_recount(struct nsa_analysis *a)
{
	memset(a->counts, 0, sizeof(a->counts));
	for (size_t i = 0; i < a->n_findings; i++)
		a->counts[a->findings[i].severity]++;
}

struct nsa_analysis *nsa_analysis_new(void)
{
	struct analysis_priv *p = calloc(1, sizeof(*p));

	return p ? &p->pub : NULL;
}

void nsa_analysis_free(struct nsa_analysis *a)
{
	struct analysis_priv *p;

	if (!a)
		return;
	p = apriv(a);
	for (size_t i = 0; i < a->n_findings; i++)
		nsa_finding_clear(&a->findings[i]);
	for (size_t i = 0; i < a->n_verdicts; i++)
		free(a->verdicts[i].neighbours);
	for (size_t i = 0; i < p->n_strings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(a->findings);
	free(a->verdicts);
	free(a->block_owner);
	free(p);
}

int nsa_analysis_exit_code(const struct nsa_analysis *a)
{
	int worst = 0;

	for (size_t i = 0; i < a->n_findings; i++) {
		if (a->findings[i].severity == NSA_SEV_ERROR)
			return 2;
		if (a->findings[i].severity == NSA_SEV_WARNING)
			worst = 1;
	}
	return worst;
}

static const char *keep_string(struct nsa_analysis *a, const char *s)
{
	struct analysis_priv *p = apriv(a);
	char **slot =
		nsa_array_push((void **)&p->strings, &p->n_strings, &p->cap_strings, sizeof(*slot));

	if (!slot)
		return NULL;
	*slot = strdup(s);
	return *slot;
}

/* ------------------------------------------------------------ placement */

static const struct nsa_region *ns_region(const struct nsa_snapshot *s,
					  const struct nsa_namespace *ns)
{
	if (ns->region_index >= 0 && (size_t)ns->region_index < s->n_regions)
		return &s->regions[ns->region_index];
	return nsa_snapshot_find_region(s, ns->region);
}

/* nsa_kernel_probe() for a namespace as the snapshot describes it, at spa. */
static void check_at(const struct nsa_platform *p, const struct nsa_namespace *ns,
		     const struct nsa_region *region, const struct nsa_pfn_geometry *g,
		     uint64_t spa, struct nsa_placement *out)
{
	nsa_kernel_probe(p, region, g, ns->dev, spa, ns->size, out);
}

void nsa_check_placement_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
			    const struct nsa_region *region, uint64_t spa_start,
			    struct nsa_placement *out)
{
	struct nsa_pfn_geometry g;

	nsa_kernel_ns_geometry(ns, region, &g);
	check_at(p, ns, region, &g, spa_start, out);
}

int nsa_check_placement(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
			struct nsa_placement *out)
{
	struct nsa_platform p;

	if (ns_index >= s->n_namespaces)
		return -EINVAL;
	nsa_effective_platform(s, &p);
	nsa_check_placement_on(&p, &s->namespaces[ns_index], ns_region(s, &s->namespaces[ns_index]),
			       spa_start, out);
	return 0;
}

int nsa_repair_plan_on(const struct nsa_platform *p, const struct nsa_namespace *ns,
		       const struct nsa_region *region, uint64_t spa_start, uint64_t *align)
{
	struct nsa_pfn_geometry g;
	char why[256];

	*align = 0;
	nsa_kernel_ns_geometry(ns, region, &g);
	if (!g.pfn)
		return -EPROTO; /* no info block: nothing to rewrite */
	if (!g.known || !spa_start || !ns->size)
		return -ENODATA;
	/* without the block itself: the version this kernel writes (1.4) */
	return nsa_kernel_repair_align(p, region, &g, ns->ib.valid ? ns->ib.version_minor : 4,
				       spa_start, ns->size, 0, align, why, sizeof(why));
}

int nsa_repair_plan(const struct nsa_snapshot *s, size_t ns_index, uint64_t spa_start,
		    uint64_t *align)
{
	struct nsa_platform p;

	*align = 0;
	if (ns_index >= s->n_namespaces)
		return -EINVAL;
	nsa_effective_platform(s, &p);
	return nsa_repair_plan_on(&p, &s->namespaces[ns_index],
				  ns_region(s, &s->namespaces[ns_index]), spa_start, align);
}

/* ------------------------------------------------------------ occupants */

/* Non-overlapping ranges of one kind, sorted: a range query is a binary search. */
struct range_set {
	struct occupant {
		uint64_t start, end; /* inclusive */
		const char *name;
		enum nsa_res_type type;
		int ns_index; /* for namespaces, else -1 */
		int region_index;
	} * v;
	size_t n, cap;
};

static int cmp_occupant(const void *a, const void *b)
{
	const struct occupant *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

static int range_add(struct range_set *set, uint64_t start, uint64_t end, const char *name,
		     enum nsa_res_type type, int ns_index, int region_index)
{
	struct occupant *o = nsa_array_push((void **)&set->v, &set->n, &set->cap, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*o = (struct occupant){ start, end, name, type, ns_index, region_index };
	return 0;
}

/* First occupant whose end is >= addr (ends are sorted when ranges do not overlap). */
static size_t range_first(const struct range_set *set, uint64_t addr)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->v[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool is_boot_ram(const struct nsa_snapshot *s, size_t i)
{
	if (s->iomem[i].type != NSA_RES_SYSTEM_RAM)
		return false;
	/* System RAM inside PMEM or a dax device is kmem: PMEM's own, not a neighbour */
	for (int p = s->iomem[i].parent; p >= 0; p = s->iomem[p].parent) {
		enum nsa_res_type t = s->iomem[p].type;

		if (t == NSA_RES_PMEM || t == NSA_RES_PMEM_LEGACY || t == NSA_RES_DAX ||
		    t == NSA_RES_NAMESPACE || t == NSA_RES_SOFT_RESERVED)
			return false;
	}
	return true;
}

struct occupancy {
	struct range_set ram, pmem, ns, reserved;
};

static void occupancy_free(struct occupancy *o)
{
	free(o->ram.v);
	free(o->pmem.v);
	free(o->ns.v);
	free(o->reserved.v);
}

static int occupancy_build(const struct nsa_snapshot *s, struct occupancy *o)
{
	int r = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < s->n_iomem && r == 0; i++) {
		const struct nsa_resource *res = &s->iomem[i];

		if (is_boot_ram(s, i))
			r = range_add(&o->ram, res->start, res->end, res->name, res->type, -1, -1);
		else if (res->type == NSA_RES_PMEM || res->type == NSA_RES_PMEM_LEGACY)
			r = range_add(&o->pmem, res->start, res->end, res->name, res->type, -1, -1);
		else if (res->type == NSA_RES_RESERVED && res->depth == 0)
			r = range_add(&o->reserved, res->start, res->end, res->name, res->type, -1,
				      -1);
	}
	for (size_t i = 0; i < s->n_namespaces && r == 0; i++) {
		const struct nsa_namespace *ns = &s->namespaces[i];

		if (ns->size && ns->spa_start)
			r = range_add(&o->ns, ns->spa_start, ns->spa_start + ns->size - 1, ns->dev,
				      NSA_RES_NAMESPACE, (int)i, ns->region_index);
	}
	for (struct range_set *set = &o->ram; set <= &o->reserved; set++)
		if (set->n) /* qsort(NULL, 0, ...) is undefined */
			qsort(set->v, set->n, sizeof(*set->v), cmp_occupant);
	return r;
}

/* ------------------------------------------------------------ per namespace */

struct ctx {
	const struct nsa_snapshot *s;
	struct nsa_platform p;
	uint64_t granularity;
	struct nsa_analysis *a;
	struct occupancy occ;
};

static int add_neighbour(struct nsa_ns_verdict *v, const struct occupant *o, uint64_t section,
			 bool shares_block)
{
	struct nsa_neighbour *n;

	for (size_t i = 0; i < v->n_neighbours; i++)
		if (v->neighbours[i].start == o->start && v->neighbours[i].type == o->type) {
			v->neighbours[i].shares_block |= shares_block;
			return 0;
		}
	if (v->n_neighbours >= MAX_NEIGHBOURS)
		return 0;
	n = reallocarray(v->neighbours, v->n_neighbours + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	v->neighbours = n;
	n[v->n_neighbours++] =
		(struct nsa_neighbour){ o->type, o->name, o->start, o->end, section, shares_block };
	return 0;
}

struct shared {
	const struct occupant *ram, *pmem, *ns;
	uint64_t ram_section, pmem_section, ns_section;
};

/*
 * Who else lives in one edge section of the namespace [start, end]: the
 * sections in between are the namespace's alone.
 */
static int scan_section(struct ctx *c, size_t ns_index, uint64_t section, struct nsa_ns_verdict *v,
			struct shared *sh, bool *shared)
{
	const struct nsa_namespace *ns = &c->s->namespaces[ns_index];
	uint64_t S = c->p.section_size, B = c->p.block_size;
	uint64_t ws = section * S, we = ws + S - 1;
	uint64_t ns_end = ns->spa_start + ns->size - 1;
	uint64_t bfirst = ns->spa_start / B * B, blast = ns_end / B * B + B - 1;
	const struct range_set *sets[] = { &c->occ.ram, &c->occ.pmem, &c->occ.ns,
					   &c->occ.reserved };
	int r;

	for (size_t k = 0; k < ARRAY_SIZE(sets); k++) {
		const struct range_set *set = sets[k];

		for (size_t i = range_first(set, ws); i < set->n && set->v[i].start <= we; i++) {
			const struct occupant *o = &set->v[i];
			bool in_block;

			if (o->ns_index == (int)ns_index)
				continue;
			/* the namespace's own PMEM range is its parent, not a neighbour */
			if (set == &c->occ.pmem && o->start <= ns->spa_start && o->end >= ns_end)
				continue;
			in_block = o->start <= blast && o->end >= bfirst;
			r = add_neighbour(v, o, section, in_block);
			if (r < 0)
				return r;
			*shared = true;
			if (set == &c->occ.ram && !sh->ram) {
				sh->ram = o;
				sh->ram_section = section;
			} else if (set == &c->occ.pmem && !sh->pmem) {
				sh->pmem = o;
				sh->pmem_section = section;
			} else if (set == &c->occ.ns && !sh->ns) {
				if (o->region_index == ns->region_index) {
					sh->ns = o;
					sh->ns_section = section;
				}
			}
		}
	}
	return 0;
}

/* The edge sections that hold a neighbour (the others are the namespace's alone). */
static int count_shared_sections(const struct nsa_ns_verdict *v, uint64_t S)
{
	int n = 0;

	for (int e = 0; e < (v->first_section == v->last_section ? 1 : 2); e++) {
		uint64_t sec = e ? v->last_section : v->first_section;
		bool any = false;

		for (size_t k = 0; k < v->n_neighbours && !any; k++)
			any = v->neighbours[k].start <= sec * S + S - 1 &&
			      v->neighbours[k].end >= sec * S;
		n += any;
	}
	return n;
}

static int count_shared_blocks(struct ctx *c, size_t ns_index, struct nsa_ns_verdict *v)
{
	const struct nsa_namespace *ns = &c->s->namespaces[ns_index];
	uint64_t B = c->p.block_size;
	uint64_t edges[2] = { v->first_block, v->last_block };
	int n = 0;

	for (int e = 0; e < (v->first_block == v->last_block ? 1 : 2); e++) {
		uint64_t bs = edges[e] * B, be = bs + B - 1;
		bool shared = false;

		/* a block the namespace does not fill is shared with whoever fills the rest */
		if (ns->spa_start <= bs && ns->spa_start + ns->size - 1 >= be)
			continue;
		for (size_t i = 0; i < v->n_neighbours && !shared; i++)
			shared = v->neighbours[i].start <= be && v->neighbours[i].end >= bs;
		n += shared;
	}
	return n;
}

static void fmt_size(uint64_t v, char *buf, size_t len)
{
	nsa_size_str(v, buf, len);
}

static const char *ns_what(const struct nsa_namespace *ns, char *buf, size_t len)
{
	char size[32];

	fmt_size(ns->size, size, sizeof(size));
	snprintf(buf, len, "%s (%s, %s at %#" PRIx64 ")", ns->dev, nsa_mode_name(ns->mode), size,
		 ns->spa_start);
	return buf;
}

/*
 * The kernel's refusal lines name seed devices (pfn0.1, dax0.1) that are
 * reused and probed in parallel, so they cannot be tied to a namespace by
 * name: quote them all; with one refused namespace they are its own.
 */
char *nsa_kernel_refusals(const struct nsa_snapshot *s, const char *only, bool with_probe)
{
	static const char *const refusals[] = { "bad offset",	      "misaligned",
						"alignment mismatch", "exceeds capacity",
						"settings mismatch",  "probe of" };
	size_t n = ARRAY_SIZE(refusals) - (with_probe ? 0 : 1);
	char *joined = NULL;
	size_t len = 0;

	for (size_t i = 0; i < s->n_kernel_log; i++) {
		const char *line = s->kernel_log[i];
		bool match = only && strstr(line, only) != NULL;
		char *grown;

		for (size_t k = 0; !only && k < n && !match; k++)
			match = strstr(line, refusals[k]) != NULL;
		if (!match)
			continue;
		while (*line == ' ')
			line++;
		grown = realloc(joined, len + strlen(line) + 3);
		if (!grown) {
			free(joined);
			return NULL;
		}
		joined = grown;
		len += (size_t)sprintf(joined + len, "%s%s", len ? "; " : "", line);
	}
	return joined;
}

static int quote_kernel_log(struct ctx *c, struct nsa_finding *f)
{
	char *joined = nsa_kernel_refusals(c->s, NULL, false);

	if (joined)
		nsa_finding_fact_str(f, "kernel_message", joined);
	free(joined);
	return 0;
}

static int report_unavailable(struct ctx *c, const struct nsa_namespace *ns,
			      const struct nsa_region *region, const struct nsa_pfn_geometry *g,
			      const struct nsa_placement *pl, struct nsa_ns_verdict *v)
{
	char what[128], a1[32], a2[32];
	struct nsa_finding *f;
	int r;

	ns_what(ns, what, sizeof(what));
	if (pl->verdict == NSA_ACCEPT_NO &&
	    strcmp(pl->kernel_check, "nvdimm_namespace_common_probe") == 0) {
		f = nsa_analysis_add(c->a, "NSA-NS-MISALIGNED-RANGE", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		fmt_size(pl->violated_align, a1, sizeof(a1));
		nsa_finding_set_message(
			f,
			"%s is a label-less PMEM range (%s) whose %s %#" PRIx64
			" is not aligned to %s, the memremap compat alignment. The kernel maps "
			"such "
			"ranges with struct pages and refuses this one before reading anything on "
			"it, "
			"whatever its mode: the namespace stays disabled.",
			what, region && region->provider[0] ? region->provider : "e820/memmap=",
			pl->violated_addr == ns->spa_start ? "start" : "end", pl->violated_addr,
			a1);
		nsa_finding_set_remedy(
			f,
			"The range comes from the firmware's memory map or a memmap=SIZE!START "
			"kernel "
			"parameter: make START and SIZE multiples of %s (better: of the %s section "
			"size, so no section is shared with System RAM) and reboot. Do not write "
			"to "
			"the range in the meantime.",
			a1, nsa_size_str(c->p.section_size, a2, sizeof(a2)));
		nsa_finding_fact_str(f, "kernel_message", pl->kernel_message);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "size", ns->size);
		nsa_finding_fact_u64(f, "required_align", pl->violated_align);
		v->refusal = keep_string(c->a, pl->kernel_message);
		return 0;
	}
	if (pl->verdict == NSA_ACCEPT_NO) {
		f = nsa_analysis_add(c->a, "NSA-NS-INFOBLOCK-MISFIT", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		fmt_size(pl->violated_align, a1, sizeof(a1));
		nsa_finding_set_message(
			f,
			"%s carries a %s info block that no longer fits where the namespace is: "
			"the kernel's %s() refuses it with '%s'%s%s. This happens when the "
			"platform "
			"moves the PMEM to another physical address. The data is still on the "
			"media.%s",
			what, g->dax ? "devdax" : "fsdax", pl->kernel_check, pl->kernel_message,
			pl->violated_align ? ": the checked address is not a multiple of " : "",
			pl->violated_align ? a1 : "",
			ns->force_raw && ns->enabled
				? " It is up raw now (force_raw set), as 'nsalign rescue' leaves "
				  "it: its data can be read, not used as fsdax or devdax."
				: "");
		{
			const char *key = ns->uuid[0] ? ns->uuid : ns->dev;
			uint64_t fix = 0;
			int rp = nsa_repair_plan_on(&c->p, ns, region, ns->spa_start, &fix);
			char how[320];

			if (rp == 0)
				snprintf(
					how, sizeof(how),
					" If the move is permanent: 'nsalign repair %s --dry-run', "
					"then --force (its align becomes %s, the old block is "
					"saved "
					"first).",
					key, nsa_size_str(fix, a2, sizeof(a2)));
			else
				snprintf(how, sizeof(how),
					 " No align fits where it is now: only 'nsalign rescue' or "
					 "the old hardware layout gives the data back.");
			nsa_finding_set_remedy(
				f,
				"Do not re-create or reconfigure the namespace and do not run mkfs "
				"on it: that destroys the data. Restoring the previous hardware "
				"layout (DIMM slots, firmware memory settings) brings it back. The "
				"data, read-only, nothing written: 'nsalign rescue %s'.%s",
				key, how);
			if (rp == 0)
				nsa_finding_fact_u64(f, "repair_align", fix);
		}
		nsa_finding_fact_str(f, "kernel_message", pl->kernel_message);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "dataoff", g->offset);
		nsa_finding_fact_u64(f, "align", g->align);
		if (pl->violated_addr)
			nsa_finding_fact_addr(f, "checked_addr", pl->violated_addr);
		v->refusal = keep_string(c->a, pl->kernel_message);
		return 0;
	}
	if (g->pfn || (ns->probe_error == -EOPNOTSUPP && !(region && region->legacy))) {
		/*
		 * Refused at probe.  On 6.1 a refused fsdax/devdax namespace shows
		 * up raw and disabled with an empty holder_class (ndctl's default
		 * v1.1 labels carry no claim class); the kernel's "probe of
		 * namespaceX.Y failed with error -95" (nd_pfn_validate()'s
		 * -EOPNOTSUPP) is the evidence, and names this boot's device.
		 */
		f = nsa_analysis_add(c->a, "NSA-NS-REFUSED", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s is %s but the kernel refused it at probe%s: it shows up raw and "
			"disabled. The usual cause is that the platform moved the PMEM (a DIMM "
			"added, "
			"removed or failed, a firmware update) so that the namespace's data start "
			"lost the alignment its info block records; the kernel then prints 'bad "
			"offset: ... dax disabled align: ...' or 'resource start misaligned'. The "
			"data is most likely intact.",
			what,
			g->pfn ? (g->dax ? "labelled for devdax" : "labelled for fsdax")
			       : "an fsdax or devdax namespace",
			ns->probe_error ? " (error -95, EOPNOTSUPP: its info block does not fit)"
					: "");
		{
			const char *key = ns->uuid[0] ? ns->uuid : ns->dev;
			uint64_t compat = c->p.memremap_compat_align;
			char how[400];

			/*
			 * Its info block was not read, but where it starts is known:
			 * off the compat alignment, no align can make the kernel map
			 * it (nd_pfn_validate(): "resource start misaligned"; the
			 * kernel writes no start_pad since 5.3).
			 */
			if (ns->spa_start && compat && ns->spa_start % compat)
				snprintf(how, sizeof(how),
					 " It now starts at %#" PRIx64 ", off a %s boundary: no "
					 "info block can make the kernel map it there, so 'nsalign "
					 "repair' cannot help.",
					 ns->spa_start, nsa_size_str(compat, a1, sizeof(a1)));
			else
				snprintf(
					how, sizeof(how),
					" If the move is permanent, 'nsalign repair %s --dry-run' "
					"says whether rewriting its info block's align brings it "
					"back, and --force does it (the old block is saved first).",
					key);
			nsa_finding_set_remedy(
				f,
				"Do not re-create or reconfigure the namespace and do not run mkfs "
				"on it: that destroys the data. Putting the hardware back as it "
				"was restores access. Meanwhile the data, read-only, nothing "
				"written: 'nsalign rescue %s'.%s The kernel's reason: 'journalctl "
				"-k -b | grep -e \"bad offset\" -e misaligned -e alignment'.",
				key, how);
		}
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "size", ns->size);
		if (ns->holder_class[0])
			nsa_finding_fact_str(f, "holder_class", ns->holder_class);
		if (ns->probe_error)
			nsa_finding_fact_i64(f, "probe_error", ns->probe_error);
		r = quote_kernel_log(c, f);
		if (r < 0)
			return r;
		v->refusal = keep_string(c->a, "refused at probe (see the kernel log)");
		return 0;
	}
	f = nsa_analysis_add(c->a, "NSA-NS-DISABLED", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	nsa_finding_set_message(f, "%s is disabled: no driver is bound and nothing maps it.", what);
	nsa_finding_set_remedy(f,
			       "If that is not intended: 'ndctl enable-namespace %s', then look at "
			       "'journalctl -k -b | grep %s' if it fails.",
			       ns->dev, ns->dev);
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	v->refusal = keep_string(c->a, "disabled");
	return 0;
}

static int report_fragile(struct ctx *c, const struct nsa_namespace *ns,
			  const struct nsa_region *region, const struct nsa_pfn_geometry *g,
			  struct nsa_ns_verdict *v)
{
	char what[128], need[32], brk[32], gran[32];
	struct nsa_placement after;
	struct nsa_finding *f;
	bool data = g->pfn && g->known && g->align >= v->required_align;

	check_at(&c->p, ns, region, g, ns->spa_start + v->break_shift, &after);
	f = nsa_analysis_add(c->a, "NSA-NS-FRAGILE", ns->dev, ns->uuid);
	if (!f)
		return -ENOMEM;
	ns_what(ns, what, sizeof(what));
	fmt_size(v->required_align, need, sizeof(need));
	fmt_size(v->break_shift, brk, sizeof(brk));
	fmt_size(c->granularity, gran, sizeof(gran));
	nsa_finding_set_message(
		f,
		"%s needs its %s aligned to %s%s. The platform moves PMEM in steps of %s (a DIMM "
		"added, removed or failed, a firmware update): a %s move makes the kernel refuse "
		"it%s%s%s and its data becomes unreachable until the PMEM is back where it was.",
		what, data ? "data start" : "start", need, data ? " (its info-block align)" : "",
		gran, brk, after.kernel_message[0] ? " with '" : "", after.kernel_message,
		after.kernel_message[0] ? "'" : "");
	if (g->dax)
		nsa_finding_set_remedy(
			f,
			"While the data is reachable, back it up; then re-create the namespace "
			"with "
			"an alignment that divides %s, e.g. 'ndctl create-namespace -e %s -f -m "
			"devdax -a 2M' (this erases it: restore the backup afterwards). The device "
			"then maps with 2 MiB pages instead of %s ones.",
			gran, ns->dev, need);
	else
		nsa_finding_set_remedy(
			f,
			"While the data is reachable, back it up; then re-create the namespace "
			"with "
			"an alignment that divides %s, e.g. 'ndctl create-namespace -e %s -f -m "
			"%s -a 2M' (this erases it: restore the backup afterwards).",
			gran, ns->dev, nsa_mode_name(ns->mode));
	nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	if (ns->data_start)
		nsa_finding_fact_addr(f, "data_start", ns->data_start);
	nsa_finding_fact_u64(f, "required_align", v->required_align);
	nsa_finding_fact_u64(f, "break_shift", v->break_shift);
	nsa_finding_fact_u64(f, "platform_granularity", c->granularity);
	if (after.kernel_message[0])
		nsa_finding_fact_str(f, "kernel_message_after_move", after.kernel_message);
	return 0;
}

static int report_sharing(struct ctx *c, const struct nsa_namespace *ns,
			  const struct nsa_region *region, const struct shared *sh)
{
	char what[128], sec[32], blk[32];
	uint64_t S = c->p.section_size;
	struct nsa_finding *f;

	ns_what(ns, what, sizeof(what));
	fmt_size(S, sec, sizeof(sec));
	fmt_size(c->p.block_size, blk, sizeof(blk));
	if (sh->ram) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-RAM", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		if (!c->p.subsection_hotplug)
			f->severity = NSA_SEV_ERROR;
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " (%#" PRIx64 "-%#" PRIx64
			") with System RAM %#" PRIx64 "-%#" PRIx64 ". %s Memory hotplug works on "
			"whole %s memory blocks, so that part can never be onlined as System RAM "
			"(dax kmem) and the block stays with the boot memory.",
			what, sec, sh->ram_section, sh->ram_section * S,
			sh->ram_section * S + S - 1, sh->ram->start, sh->ram->end,
			c->p.subsection_hotplug
				? "This kernel maps it anyway (sub-section hotplug, 2 MiB), so "
				  "fsdax/devdax work."
				: "This kernel (before 5.3) maps PMEM in whole sections: it pads "
				  "or "
				  "refuses the namespace ('section collision').",
			blk);
		nsa_finding_set_remedy(
			f,
			"%s For kmem use, or on kernels before 5.3, the PMEM range must start and "
			"end on %s boundaries: fix it in the firmware memory map%s.",
			c->p.subsection_hotplug
				? "Nothing is needed for fsdax or devdax use here."
				: "Upgrade to a kernel >= 5.3 (sub-section hotplug).",
			sec,
			region && region->legacy ? ", or choose a memmap=SIZE!START with START and "
						   "SIZE multiples of "
						   "the section size"
						 : "");
		nsa_finding_fact_u64(f, "section", sh->ram_section);
		nsa_finding_fact_addr(f, "ram_start", sh->ram->start);
		nsa_finding_fact_addr(f, "ram_end", sh->ram->end);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
		nsa_finding_fact_u64(f, "section_size", S);
	}
	if (sh->pmem) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-PMEM", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " with another PMEM range, '%s' %#" PRIx64
			"-%#" PRIx64
			" (pmem/ndctl#76). %s Only one owner can online a memory block, "
			"so dax kmem cannot use the shared block.",
			what, sec, sh->pmem_section, sh->pmem->name, sh->pmem->start, sh->pmem->end,
			c->p.subsection_hotplug
				? "This kernel handles it (sub-section hotplug), but fsdax/devdax "
				  "namespaces need a 2 MiB aligned start and ndctl insists on 16 "
				  "MiB."
				: "Kernels before 5.3 cannot map both: 'Conflicting mapping in "
				  "same "
				  "section'.");
		nsa_finding_set_remedy(
			f,
			"Ask the platform to place PMEM ranges on %s boundaries (firmware "
			"interleave/mapping settings). Until then use raw or sector mode for the "
			"part in the shared section.",
			sec);
		nsa_finding_fact_u64(f, "section", sh->pmem_section);
		nsa_finding_fact_addr(f, "other_start", sh->pmem->start);
		nsa_finding_fact_addr(f, "other_end", sh->pmem->end);
		nsa_finding_fact_addr(f, "spa_start", ns->spa_start);
	}
	if (sh->ns) {
		f = nsa_analysis_add(c->a, "NSA-NS-SHARES-SECTION-NS", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s shares %s section %" PRIu64 " with %s of the same region. "
			"Fine on this kernel for fsdax/devdax; only one of them can "
			"give the shared memory block to System RAM.",
			what, sec, sh->ns_section, sh->ns->name);
		nsa_finding_set_remedy(f, "Nothing, unless both are meant for dax kmem.");
		nsa_finding_fact_u64(f, "section", sh->ns_section);
		nsa_finding_fact_str(f, "other", sh->ns->name);
	}
	return 0;
}

const struct nsa_daxdev *nsa_ns_daxdev(const struct nsa_snapshot *s, const struct nsa_namespace *ns)
{
	for (size_t i = 0; i < s->n_daxdevs; i++)
		if (ns->dev[0] && strcmp(s->daxdevs[i].namespace_dev, ns->dev) == 0)
			return &s->daxdevs[i];
	return NULL;
}

static int report_kmem(struct ctx *c, const char *dev, const char *uuid, bool is_ram,
		       uint64_t start, uint64_t size, uint64_t usable, uint64_t blocks)
{
	char s1[32], s2[32], s3[32], bs[32];
	struct nsa_finding *f;
	uint64_t lost = size - usable;

	fmt_size(size, s1, sizeof(s1));
	fmt_size(usable, s2, sizeof(s2));
	fmt_size(lost, s3, sizeof(s3));
	fmt_size(c->p.block_size, bs, sizeof(bs));
	if (usable == 0) {
		f = nsa_analysis_add(c->a, "NSA-KMEM-TOO-SMALL", dev, uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s (%s at %#" PRIx64 ") contains no whole %s memory block. 'daxctl "
			"reconfigure-device -m system-ram %s' fails with EINVAL and leaves the "
			"device disabled, neither devdax nor System RAM.",
			dev, s1, start, bs, dev);
		nsa_finding_set_remedy(f,
				       "Keep it as devdax, or make it span whole memory blocks.");
	} else {
		f = nsa_analysis_add(c->a, "NSA-KMEM-LOSS", dev, uuid);
		if (!f)
			return -ENOMEM;
		if (!is_ram)
			f->severity = NSA_SEV_INFO;
		nsa_finding_set_message(f,
					"%s (%s at %#" PRIx64 ") %s %s as System RAM in %" PRIu64
					" whole %s blocks; %s at the edges %s lost, because memory "
					"hotplug works on "
					"whole blocks and the kernel says nothing about the rest.",
					dev, s1, start, is_ram ? "gives" : "would give", s2, blocks,
					bs, s3, is_ram ? "is" : "would be");
		nsa_finding_set_remedy(
			f,
			"Place and size dax devices meant for System RAM on %s boundaries (create "
			"the namespace so that its data range is block aligned).",
			bs);
	}
	nsa_finding_fact_addr(f, "start", start);
	nsa_finding_fact_u64(f, "size", size);
	nsa_finding_fact_u64(f, "usable", usable);
	nsa_finding_fact_u64(f, "lost", lost);
	nsa_finding_fact_u64(f, "blocks", blocks);
	nsa_finding_fact_u64(f, "block_size", c->p.block_size);
	return 0;
}

static int analyze_namespace(struct ctx *c, size_t i)
{
	const struct nsa_namespace *ns = &c->s->namespaces[i];
	const struct nsa_region *region = ns_region(c->s, ns);
	struct nsa_ns_verdict *v = &c->a->verdicts[i];
	uint64_t S = c->p.section_size, B = c->p.block_size, end = ns->spa_start + ns->size;
	struct shared sh = { 0 };
	struct nsa_placement now;
	struct nsa_pfn_geometry g;
	bool shared = false;
	int r;

	v->ns_index = i;
	v->available = ns->enabled;
	if (!ns->size || !ns->spa_start)
		return 0;
	nsa_kernel_ns_geometry(ns, region, &g);
	v->start_align = nsa_align_of(ns->spa_start);
	v->end_align = nsa_align_of(end);
	if (ns->data_start)
		v->data_align = nsa_align_of(ns->data_start);
	v->first_section = ns->spa_start / S;
	v->last_section = (end - 1) / S;
	v->first_block = ns->spa_start / B;
	v->last_block = (end - 1) / B;
	v->required_align = nsa_kernel_required_align(&c->p, region, &g);

	check_at(&c->p, ns, region, &g, ns->spa_start, &now);
	if (!ns->enabled) {
		r = report_unavailable(c, ns, region, &g, &now, v);
		if (r < 0)
			return r;
	}

	/* robustness: the smallest move by a multiple of the granularity that breaks it */
	if (now.verdict == NSA_ACCEPT_YES && v->required_align) {
		uint64_t G = c->granularity, limit = v->required_align > G ? v->required_align : G;

		v->survives_granularity = true;
		for (uint64_t d = G; d <= limit && d; d += G) {
			struct nsa_placement up, down;

			check_at(&c->p, ns, region, &g, ns->spa_start + d, &up);
			if (ns->spa_start >= d)
				check_at(&c->p, ns, region, &g, ns->spa_start - d, &down);
			else
				down.verdict = NSA_ACCEPT_YES;
			if (up.verdict == NSA_ACCEPT_NO || down.verdict == NSA_ACCEPT_NO) {
				v->break_shift = d;
				v->survives_granularity = false;
				break;
			}
			if (d / G >= 64)
				break;
		}
		if (ns->enabled && !v->survives_granularity) {
			r = report_fragile(c, ns, region, &g, v);
			if (r < 0)
				return r;
		}
	} else if (now.verdict == NSA_ACCEPT_YES) {
		v->survives_granularity = true; /* depends on no alignment at all */
	}

	/* collisions: only the edge sections can hold anyone else */
	r = scan_section(c, i, v->first_section, v, &sh, &shared);
	if (r == 0 && v->last_section != v->first_section)
		r = scan_section(c, i, v->last_section, v, &sh, &shared);
	if (r < 0)
		return r;
	v->shared_sections = shared ? count_shared_sections(v, S) : 0;
	v->shared_blocks = count_shared_blocks(c, i, v);
	r = report_sharing(c, ns, region, &sh);
	if (r < 0)
		return r;

	/* ndctl's check_dax_align(): fsdax/devdax only on 16 MiB aligned namespaces */
	if (g.dax && ns->enabled && g.known && !nsa_kernel_dax_align_ok(&c->p, region, g.align)) {
		struct nsa_finding *f =
			nsa_analysis_add(c->a, "NSA-DAX-ALIGN-UNSUPPORTED", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(f,
					"%s uses a devdax alignment of %#" PRIx64
					" that this kernel does not offer (page, PMD or PUD size).",
					ns->dev, g.align);
		nsa_finding_set_remedy(
			f, "Use 4K, 2M or 1G (see 'ndctl list -R -v' supported_alignments).");
		nsa_finding_fact_u64(f, "align", g.align);
	}
	if (ns->ib.valid && ns->ib.start_pad) {
		struct nsa_finding *f =
			nsa_analysis_add(c->a, "NSA-NS-START-PAD", ns->dev, ns->uuid);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(f,
					"%s was created by a kernel before 5.3 with %" PRIu32
					" bytes of start padding "
					"to reach a section boundary. Current kernels no longer "
					"create such layouts and "
					"the padding breaks when the platform moves the PMEM.",
					ns->dev, ns->ib.start_pad);
		nsa_finding_set_remedy(f, "Back up the data, re-create the namespace, restore.");
		nsa_finding_fact_u64(f, "start_pad", ns->ib.start_pad);
	}

	/* kmem yield for devdax */
	if (ns->mode == NSA_MODE_DEVDAX || nsa_ns_daxdev(c->s, ns)) {
		const struct nsa_daxdev *dax = nsa_ns_daxdev(c->s, ns);
		uint64_t ds = dax && dax->spa_start ? dax->spa_start : ns->data_start;
		uint64_t dsize = dax && dax->size ? dax->size : ns->data_size;

		if (ds && dsize) {
			struct nsa_kmem_yield y;

			nsa_kernel_kmem(&c->p, ds, dsize, nsa_kernel_kmem_memmap_in_range(dax), &y);
			v->kmem_usable = y.usable;
			v->kmem_blocks = y.n_blocks;
			v->kmem_lost = dsize - v->kmem_usable;
			if (v->kmem_lost || !v->kmem_usable) {
				r = report_kmem(c, dax ? dax->dev : ns->dev, ns->uuid,
						dax && dax->mode == NSA_DAX_SYSTEM_RAM, ds, dsize,
						v->kmem_usable, v->kmem_blocks);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int analyze_regions(struct ctx *c)
{
	for (size_t i = 0; i < c->s->n_regions; i++) {
		const struct nsa_region *r = &c->s->regions[i];
		struct nsa_finding *f;

		if (!r->spa_start || nsa_is_aligned(r->spa_start, SZ_16M))
			continue;
		f = nsa_analysis_add(c->a, "NSA-REGION-MISALIGNED", r->dev, NULL);
		if (!f)
			return -ENOMEM;
		nsa_finding_set_message(
			f,
			"%s starts at %#" PRIx64
			", not on a 16 MiB boundary. 'ndctl create-namespace "
			"-m fsdax|devdax' refuses namespaces there ('misaligned to 16M, adjust "
			"region "
			"alignment and retry'), and the kernel needs 2 MiB for any mapped mode.",
			r->dev, r->spa_start);
		nsa_finding_set_remedy(
			f, "Use raw or sector mode in this region, or have the platform "
			   "place the PMEM on a 16 MiB (better: 128 MiB) boundary.");
		nsa_finding_fact_addr(f, "spa_start", r->spa_start);
		nsa_finding_fact_u64(f, "start_align", nsa_align_of(r->spa_start));
	}
	return 0;
}

/* The owners of memory: boot/hot-added System RAM and each dax device's kmem. */
static int block_owners(const struct nsa_snapshot *s, const struct nsa_platform *p,
			struct nsa_analysis *a)
{
	struct range_set ram = { 0 };
	uint64_t B = p->block_size;
	size_t k = 0;
	int r = 0;

	if (!s->n_blocks || !B)
		return 0;
	a->block_owner = calloc(s->n_blocks, sizeof(*a->block_owner));
	if (!a->block_owner)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_iomem && r == 0; i++) {
		const struct nsa_resource *res = &s->iomem[i];

		if (res->type == NSA_RES_KMEM && res->parent >= 0)
			r = range_add(&ram, res->start, res->end, s->iomem[res->parent].name,
				      res->type, -1, -1);
		else if (is_boot_ram(s, i))
			r = range_add(&ram, res->start, res->end, res->name, res->type, -1, -1);
	}
	if (ram.n)
		qsort(ram.v, ram.n, sizeof(*ram.v), cmp_occupant);
	/* both sorted: one walk */
	for (size_t i = 0; i < s->n_blocks && r == 0; i++) {
		uint64_t start = s->blocks[i].index * B;

		while (k < ram.n && ram.v[k].end < start)
			k++;
		if (k < ram.n && ram.v[k].start <= start + B - 1)
			a->block_owner[i] = ram.v[k].name;
	}
	free(ram.v);
	return r;
}

int nsa_analyze(const struct nsa_snapshot *s, const struct nsa_analysis_opts *opts,
		struct nsa_analysis **out)
{
	struct analysis_priv *p = calloc(1, sizeof(*p));
	struct ctx c = { .s = s };
	int r = 0;

	if (!p)
		return -ENOMEM;
	c.a = &p->pub;
	nsa_effective_platform(s, &c.p);
	c.granularity =
		opts && opts->platform_granularity ? opts->platform_granularity : 64 * NSA_MiB;
	if (s->n_namespaces) {
		c.a->verdicts = calloc(s->n_namespaces, sizeof(*c.a->verdicts));
		if (!c.a->verdicts) {
			free(p);
			return -ENOMEM;
		}
		c.a->n_verdicts = s->n_namespaces;
	}

	/* memory blocks have owners whether or not there is PMEM */
	if (s->platform.iomem_visible) {
		r = block_owners(s, &c.p, c.a);
		if (r < 0)
			goto out;
	}
	if (!nsa_snapshot_has_pmem(s)) {
		struct nsa_finding *f = nsa_analysis_add(c.a, "NSA-NO-PMEM", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(f,
					"No persistent memory: no nd regions%s and no "
					"'Persistent Memory' in /proc/iomem.",
					s->platform.ndctl_available ? ""
								    : " (libnvdimm not loaded)");
		nsa_finding_set_remedy(f, "Nothing to check. With NVDIMMs installed, load the "
					  "drivers: 'modprobe nfit nd_pmem dax_pmem'.");
		goto out;
	}
	if (!s->platform.iomem_visible) {
		struct nsa_finding *f = nsa_analysis_add(c.a, "NSA-ADDRESSES-HIDDEN", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(f, "The snapshot has no physical addresses (/proc/iomem "
					   "read as zeros without CAP_SYS_ADMIN): alignment, "
					   "collisions and kernel acceptance were not analyzed.");
		nsa_finding_set_remedy(
			f, "Take the snapshot as root: 'sudo nsalign snapshot -o FILE'.");
		for (size_t i = 0; i < c.a->n_verdicts; i++) {
			c.a->verdicts[i].ns_index = i;
			c.a->verdicts[i].available = s->namespaces[i].enabled;
		}
		goto out;
	}
	if (!c.p.subsection_hotplug) {
		struct nsa_finding *f =
			nsa_analysis_add(c.a, "NSA-KERNEL-NO-SUBSECTION", NULL, NULL);

		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		nsa_finding_set_message(
			f,
			"Kernel %s predates sub-section memory hotplug (5.3): PMEM is mapped in "
			"whole "
			"sections, namespaces are padded to section boundaries, and padding breaks "
			"when the platform moves the PMEM.",
			s->platform.kernel_release[0] ? s->platform.kernel_release : "(unknown)");
		nsa_finding_set_remedy(f, "Use a kernel >= 5.7 (sub-section hotplug and "
					  "memremap_compat_align()).");
	}

	r = occupancy_build(s, &c.occ);
	if (r == 0)
		r = analyze_regions(&c);
	for (size_t i = 0; i < s->n_namespaces && r == 0; i++)
		r = analyze_namespace(&c, i);
	occupancy_free(&c.occ);
out:
	if (r < 0) {
		nsa_analysis_free(c.a);
		return r;
	}
	nsa_analysis_recount(c.a);
	if (opts && !opts->with_info) {
		/* drop info findings after counting nothing of them */
		size_t k = 0;

		for (size_t i = 0; i < c.a->n_findings; i++) {
			if (c.a->findings[i].severity == NSA_SEV_INFO)
				nsa_finding_clear(&c.a->findings[i]);
			else
				c.a->findings[k++] = c.a->findings[i];
		}
		c.a->n_findings = k;
		c.a->counts[NSA_SEV_INFO] = 0;
	}
	*out = c.a;
	return 0;
}
