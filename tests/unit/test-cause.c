// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Why the PMEM moved.  The two boots are the VM lab's (the NVDIMM 64 MiB
 * higher on boot 2: lab-shift-boot1/2, captured before snapshots had a DIMM
 * inventory); every case adds by hand, in code, the DIMMs, the mappings and
 * the System RAM it is about, and says so.  The lab's move-cause scenario
 * checks the same causes against QEMU and the kernel.
 */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "compare-run.h"
#include "fixtures.h"
#include "test.h"

#define DEVDAX_UUID "f41534c6-4c30-429c-892b-16ebeef271bc"

static const struct nsa_finding *find(const struct run *r, const char *code)
{
	for (size_t i = 0; i < r->a->n_findings; i++)
		if (strcmp(r->a->findings[i].code->code, code) == 0)
			return &r->a->findings[i];
	return NULL;
}

static const struct nsa_fact *evidence(const struct nsa_finding *f, const char *key)
{
	for (int i = 0; f && f->cause && i < f->cause->n_evidence; i++)
		if (strcmp(f->cause->evidence[i].key, key) == 0)
			return &f->cause->evidence[i];
	return NULL;
}

/* Hand-made: a DIMM (and its mapping) in region `region`. */
static void add_dimm(struct nsa_snapshot *s, const char *dev, const char *serial, uint32_t handle,
		     const char *region, uint64_t length)
{
	struct nsa_dimm *d = nsa_snapshot_add_dimm(s);
	struct nsa_mapping *m = nsa_snapshot_add_mapping(s);

	snprintf(d->dev, sizeof(d->dev), "%s", dev);
	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	snprintf(d->id, sizeof(d->id), "8086-%s", serial + 2);
	d->handle = handle;
	d->enabled = true;
	snprintf(m->region, sizeof(m->region), "%s", region);
	snprintf(m->dimm, sizeof(m->dimm), "%s", dev);
	m->length = length;
	m->position = 0;
}

/* Hand-made: a top-level iomem range (RAM the platform added, or a range in front). */
static void add_range(struct nsa_snapshot *s, uint64_t start, uint64_t end, const char *name)
{
	struct nsa_resource *r = nsa_snapshot_add_resource(s);

	r->start = start;
	r->end = end;
	r->name = strdup(name);
	r->type = nsa_res_type_from_name(name);
}

/* Hand-made: a second, small NVDIMM region in front of region0 (at 4 GiB - 64 MiB..4 GiB is
 * RAM-free) */
static void add_front_region(struct nsa_snapshot *s, uint64_t start)
{
	struct nsa_region *r = nsa_snapshot_add_region(s);

	snprintf(r->dev, sizeof(r->dev), "region1");
	snprintf(r->type, sizeof(r->type), "pmem");
	snprintf(r->provider, sizeof(r->provider), "ACPI.NFIT");
	r->spa_start = start;
	r->size = 64 * NSA_MiB;
	r->mappings = 1;
	r->enabled = true;
	add_dimm(s, "nmem1", "0x00000bd1", 2, "region1", 64 * NSA_MiB);
	nsa_snapshot_finish(s);
}

TEST(same_dimms_same_ram_is_firmware)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	const struct nsa_finding *f;
	struct json_object *j, *c, *v;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "firmware");
	CHECK(strstr(f->cause->text, "same DIMMs, same RAM") != NULL);
	CHECK(strstr(f->cause->text, "a firmware setting or update moved the PMEM") != NULL);
	CHECK(strstr(f->message, "Most likely cause: same DIMMs, same RAM") != NULL);
	CHECK(evidence(f, "ram_below_old") &&
	      evidence(f, "ram_below_old")->u64 == evidence(f, "ram_below_new")->u64);
	CHECK(evidence(f, "dimms_old") && evidence(f, "dimms_old")->u64 == 1);
	CHECK(evidence(f, "region_dimms") &&
	      strcmp(evidence(f, "region_dimms")->str, "nmem0") == 0);
	/* the namespace that broke says the same */
	f = find(&r, "NSA-NS-MOVED-UNAVAILABLE");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "firmware");
	CHECK(strstr(f->message, "moved it by +64 MiB. Most likely cause: same DIMMs") != NULL);
	/* JSON: a cause object with its code, words and evidence */
	j = nsa_finding_to_json(f, false);
	REQUIRE(json_object_object_get_ex(j, "cause", &c));
	CHECK(json_object_object_get_ex(c, "code", &v) &&
	      strcmp(json_object_get_string(v), "firmware") == 0);
	CHECK(json_object_object_get_ex(c, "evidence", &v) &&
	      json_object_object_get_ex(v, "shift", &v) &&
	      json_object_get_int64(v) == 64 * (int64_t)NSA_MiB);
	/* the existing facts stay */
	CHECK(json_object_object_get_ex(j, "spa_old", &v) &&
	      json_object_object_get_ex(j, "shift", &v));
	json_object_put(j);
	run_free(&r);
}

TEST(ram_below_grew)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	/* hand-made: 64 MiB of System RAM where the PMEM started on boot 1 */
	add_range(cur, 0x100000000ULL, 0x103ffffffULL, "System RAM");
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "ram-below-grew");
	CHECK(strstr(f->cause->text, "System RAM below region0 grew by 64 MiB") != NULL);
	CHECK(strstr(f->cause->text, "so the platform placed the PMEM 64 MiB higher") != NULL);
	CHECK_U64(evidence(f, "ram_below_new")->u64 - evidence(f, "ram_below_old")->u64,
		  64 * NSA_MiB);
	CHECK_U64(evidence(f, "ram_top_new")->u64, 0x104000000ULL);
	f = find(&r, "NSA-NS-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "ram-below-grew");
	CHECK(strstr(f->message, "Most likely cause: System RAM below region0 grew") != NULL);
	run_free(&r);
}

TEST(dimm_removed_in_front)
{
	/* boot 2 recorded, boot 1 now: region0 64 MiB lower */
	struct nsa_snapshot *old = load("lab-shift-boot2"), *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	/* hand-made: on the recorded boot a 64 MiB NVDIMM sat in front of region0 */
	add_front_region(old, 0x100000000ULL);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-removed");
	CHECK(strstr(f->cause->text, "nmem1 (serial 0x00000bd1), region1 at 0x100000000 on the "
				     "recorded boot, is gone; region0 now starts at 0x100000000, "
				     "64 MiB lower") != NULL);
	CHECK(evidence(f, "dimm") && strcmp(evidence(f, "dimm")->str, "nmem1") == 0);
	CHECK(evidence(f, "dimm_serial") &&
	      strcmp(evidence(f, "dimm_serial")->str, "0x00000bd1") == 0);
	run_free(&r);
}

TEST(dimm_added_in_front)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	/* hand-made: a new 64 MiB NVDIMM in front of region0 */
	add_front_region(cur, 0x100000000ULL);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-added");
	CHECK(strstr(f->cause->text, "nmem1 (serial 0x00000bd1) is new, region1 at 0x100000000 "
				     "in front of it; region0 now starts at 0x104000000, 64 MiB "
				     "higher") != NULL);
	run_free(&r);
}

TEST(dimm_failed)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	/* hand-made: the NFIT flags a failed mapping now */
	cur->dimms[0].flags = NSA_DIMM_FAILED_MAP;
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-failed");
	CHECK(strstr(f->cause->text, "nmem0 (serial 0x00000bd0) reports map_fail now (ok on the "
				     "recorded boot)") != NULL);
	run_free(&r);
}

TEST(old_record_without_inventory_says_unknown_and_keeps_the_message)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	/* as an older nsalign recorded it: no DIMMs, no memory map */
	for (size_t i = 0; i < old->n_iomem; i++)
		free(old->iomem[i].name);
	old->n_iomem = 0;
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-REGION-MOVED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "unknown");
	CHECK(strstr(f->cause->text, "DIMM inventory and memory map of the recorded boot are not "
				     "known") != NULL);
	CHECK(strstr(f->message, "A DIMM added, removed or failed, a firmware update or a change "
				 "of other memory does this.") != NULL);
	CHECK(strstr(f->message, "Most likely cause") == NULL);
	run_free(&r);
}

/* Edited: every namespace of region `dev` gone from s (and the region too when drop_region). */
static void empty_region(struct nsa_snapshot *s, const char *dev, bool drop_region)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n_namespaces; i++)
		if (strcmp(s->namespaces[i].region, dev) != 0)
			s->namespaces[k++] = s->namespaces[i];
	s->n_namespaces = k;
	for (size_t i = 0; drop_region && i < s->n_regions; i++)
		if (strcmp(s->regions[i].dev, dev) == 0) {
			memmove(&s->regions[i], &s->regions[i + 1],
				(s->n_regions - i - 1) * sizeof(s->regions[0]));
			s->n_regions--;
			break;
		}
	for (size_t i = 0; i < s->n_namespaces; i++)
		s->namespaces[i].region_index = -1;
}

static size_t count_code(const struct run *r, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->a->n_findings; i++)
		n += strcmp(r->a->findings[i].code->code, code) == 0;
	return n;
}

TEST(vanished_dimm_removed_names_its_serial)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	/* recorded: region0 on nmem0 and a 64 MiB region1 (nmem1) in front; now nmem1 alone */
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_front_region(old, 0xfc000000ULL);
	empty_region(cur, "region0", true);
	add_front_region(cur, 0xfc000000ULL);
	REQUIRE(compare(&r, old, cur) == 0);
	CHECK_U64(count_code(&r, "NSA-NS-VANISHED"), 2);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-removed");
	CHECK(strstr(f->cause->text, "nmem0 (serial 0x00000bd0), a DIMM of region0 (at "
				     "0x100000000 on the recorded boot), is gone, and the region "
				     "with it") != NULL);
	CHECK(strstr(f->message, "its region is gone too. Most likely cause: nmem0 (serial "
				 "0x00000bd0)") != NULL);
	CHECK(strstr(f->message, "A DIMM removed, failed or moved") == NULL);
	CHECK(strstr(f->remedy, "First choice: put the NVDIMM with serial 0x00000bd0 back in "
				"its slot; the namespace then comes back.") != NULL);
	CHECK(evidence(f, "dimm_serial") &&
	      strcmp(evidence(f, "dimm_serial")->str, "0x00000bd0") == 0);
	CHECK(evidence(f, "region_recorded") &&
	      strcmp(evidence(f, "region_recorded")->str, "region0") == 0);
	CHECK(evidence(f, "region_now") == NULL);
	CHECK(evidence(f, "dimms_old")->u64 == 2 && evidence(f, "dimms_new")->u64 == 1);
	/* no move finding, so none counts in the move causes */
	CHECK_U64(count_code(&r, "NSA-REGION-MOVED"), 0);
	run_free(&r);
}

TEST(vanished_last_dimm_removed)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	/* the machine's only NVDIMM gone: no region, no DIMM on this boot */
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	empty_region(cur, "region0", true);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-removed");
	CHECK(evidence(f, "dimms_new") && evidence(f, "dimms_new")->u64 == 0);
	run_free(&r);
}

TEST(vanished_same_hardware_is_a_destroyed_label)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;
	struct run r;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	empty_region(cur, "region0", false);
	REQUIRE(compare(&r, old, cur) == 0);
	CHECK_U64(count_code(&r, "NSA-NS-VANISHED"), 2);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "namespace-destroyed");
	CHECK(strstr(f->message, "Most likely cause: same DIMMs, and region0 is here: the "
				 "namespace's label was destroyed ('ndctl destroy-namespace', "
				 "'ndctl init-labels') or the label area damaged.") != NULL);
	CHECK(strstr(f->remedy, "First choice") == NULL);
	CHECK(evidence(f, "region_now") && strcmp(evidence(f, "region_now")->str, "region0") == 0);
	CHECK(evidence(f, "region_dimms") &&
	      strcmp(evidence(f, "region_dimms")->str, "nmem0") == 0);
	CHECK(evidence(f, "dimm") == NULL);
	run_free(&r);
}

TEST(vanished_region_disabled_or_gone_or_dimm_failed)
{
	struct nsa_snapshot *old, *cur;
	const struct nsa_finding *f;
	struct run r;

	/* the region is listed, disabled */
	old = load("lab-shift-boot1");
	cur = load("lab-shift-boot1");
	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	empty_region(cur, "region0", false);
	cur->regions[0].enabled = false;
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "region-disabled");
	CHECK(strstr(f->cause->text, "region0 is here but disabled") != NULL);
	run_free(&r);

	/* the region is gone, its DIMM is here */
	old = load("lab-shift-boot1");
	cur = load("lab-shift-boot1");
	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_front_region(cur, 0xfc000000ULL);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region1", 0);
	empty_region(cur, "region0", true);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "region-gone");
	CHECK(strstr(f->cause->text, "region0 (at 0x100000000 on the recorded boot) is not on "
				     "this boot, though its DIMMs are") != NULL);
	run_free(&r);

	/* a DIMM of the region reports a failure now */
	old = load("lab-shift-boot1");
	cur = load("lab-shift-boot1");
	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	cur->dimms[0].flags = NSA_DIMM_FAILED_MAP;
	empty_region(cur, "region0", false);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "dimm-failed");
	CHECK(strstr(f->cause->text, "nmem0 (serial 0x00000bd0), a DIMM of region0, reports "
				     "map_fail now (ok on the recorded boot)") != NULL);
	CHECK(evidence(f, "dimm_health") &&
	      strcmp(evidence(f, "dimm_health")->str, "map_fail") == 0);
	run_free(&r);
}

TEST(vanished_without_inventory_keeps_the_general_words)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;
	struct json_object *j, *c, *v;
	struct run r;

	REQUIRE(old && cur);
	/* recorded by an older nsalign: no DIMMs */
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	empty_region(cur, "region0", false);
	REQUIRE(compare(&r, old, cur) == 0);
	f = find(&r, "NSA-NS-VANISHED");
	REQUIRE(f && f->cause);
	CHECK_STR(f->cause->code, "unknown");
	CHECK(strstr(f->message, "A DIMM removed, failed or moved to another slot") != NULL);
	CHECK(strstr(f->message, "Most likely cause") == NULL);
	/* JSON: the cause object, as on the move findings */
	j = nsa_finding_to_json(f, false);
	REQUIRE(json_object_object_get_ex(j, "cause", &c));
	CHECK(json_object_object_get_ex(c, "code", &v) &&
	      strcmp(json_object_get_string(v), "unknown") == 0);
	json_object_put(j);
	run_free(&r);
}

TEST(moves_only_keeps_the_findings_with_a_cause)
{
	struct nsa_snapshot *old = load("lab-shift-boot1"), *cur = load("lab-shift-boot2");
	struct run r;
	size_t n_cause = 0;

	REQUIRE(old && cur);
	add_dimm(old, "nmem0", "0x00000bd0", 1, "region0", old->regions[0].size);
	add_dimm(cur, "nmem0", "0x00000bd0", 1, "region0", cur->regions[0].size);
	snprintf(cur->platform.kernel_release, sizeof(cur->platform.kernel_release), "6.12.0");
	memset(&r, 0, sizeof(r));
	r.base.layout = nsa_snapshot_layout(old);
	r.base.recorded_at = old->collected_at;
	r.base.baseline = true;
	r.cur = cur;
	nsa_snapshot_free(old);
	{
		struct nsa_analysis_opts opts = { .platform_granularity = 64 * NSA_MiB,
						  .with_info = true };

		REQUIRE(r.base.layout && nsa_analyze(cur, &opts, &r.a) == 0);
	}
	REQUIRE(nsa_compare_moves(&r.base, cur, r.a) == 0);
	/* what moved, with its cause, as nsa_compare() says it; no kernel change */
	CHECK_U64(count_code(&r, "NSA-REGION-MOVED"), 1);
	CHECK_U64(count_code(&r, "NSA-NS-MOVED-UNAVAILABLE"), 1);
	CHECK_U64(count_code(&r, "NSA-KERNEL-CHANGED") + count_code(&r, "NSA-NS-NEW") +
			  count_code(&r, "NSA-NS-MODE-LOST"),
		  0);
	for (size_t i = 0; i < r.a->n_findings; i++)
		n_cause += r.a->findings[i].cause != NULL;
	CHECK_U64(n_cause, 3);
	CHECK_STR(find(&r, "NSA-NS-MOVED-UNAVAILABLE")->cause->code, "firmware");
	/* the analyzer's own finding about the broken namespace is replaced, as by check --boot */
	CHECK_U64(count_code(&r, "NSA-NS-REFUSED"), 0);
	run_free(&r);
}

TEST(record_keeps_the_inventory_and_the_memory_map)
{
	struct nsa_snapshot *s = load("lab-shift-boot1"), *l, *back = NULL;
	struct json_object *j;
	size_t ram = 0, other = 0;
	char err[200];

	REQUIRE(s);
	add_dimm(s, "nmem0", "0x00000bd0", 1, "region0", s->regions[0].size);
	l = nsa_snapshot_layout(s);
	REQUIRE(l);
	CHECK_U64(l->n_dimms, 1);
	CHECK_U64(l->n_mappings, 1);
	CHECK_U64(l->n_blocks, 0);
	for (size_t i = 0; i < l->n_iomem; i++) {
		ram += l->iomem[i].type == NSA_RES_SYSTEM_RAM;
		other += l->iomem[i].depth != 0 || l->iomem[i].type == NSA_RES_OTHER ||
			 l->iomem[i].type == NSA_RES_NAMESPACE;
	}
	CHECK(ram >= 2);
	CHECK_U64(other, 0);
	/* through JSON and back, as the state file holds it */
	j = nsa_snapshot_to_json(l);
	REQUIRE(nsa_snapshot_from_json(j, &back, err, sizeof(err)) == 0);
	CHECK_STR(back->dimms[0].serial, "0x00000bd0");
	CHECK_STR(back->dimms[0].id, "8086-00000bd0");
	CHECK_U64(back->dimms[0].handle, 1);
	CHECK_STR(back->mappings[0].dimm, "nmem0");
	CHECK_U64(back->mappings[0].length, s->regions[0].size);
	CHECK_U64(back->n_iomem, l->n_iomem);
	json_object_put(j);
	nsa_snapshot_free(back);
	nsa_snapshot_free(l);
	nsa_snapshot_free(s);
}
