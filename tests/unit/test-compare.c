// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What changed since the recorded boot.  The two-boot case is real: both
 * snapshots come from the VM lab (boot 1 with a 1 GiB-aligned devdax
 * namespace, boot 2 with the NVDIMM 64 MiB higher).  The other cases edit
 * a lab snapshot in code, and say what they edit.
 */
#include <errno.h>
#include <stdlib.h>

#include "libnsalign.h"
#include "compare-run.h"
#include "fixtures.h"
#include "test.h"

#define DEVDAX_UUID "f41534c6-4c30-429c-892b-16ebeef271bc"
#define FSDAX_UUID  "3ca840bd-f6e8-4f4c-8650-61048c3d7d7f"

static const struct nsa_finding *find(const struct run *r, const char *code, const char *uuid)
{
	for (size_t i = 0; i < r->a->n_findings; i++)
		if (strcmp(r->a->findings[i].code->code, code) == 0 &&
		    (!uuid || strcmp(r->a->findings[i].uuid, uuid) == 0))
			return &r->a->findings[i];
	return NULL;
}

static int count(const struct run *r, const char *prefix)
{
	int n = 0;

	for (size_t i = 0; i < r->a->n_findings; i++)
		n += strncmp(r->a->findings[i].code->code, prefix, strlen(prefix)) == 0;
	return n;
}

static const struct nsa_fact *fact(const struct nsa_finding *f, const char *key)
{
	for (int i = 0; f && i < f->n_facts; i++)
		if (strcmp(f->facts[i].key, key) == 0)
			return &f->facts[i];
	return NULL;
}

static struct nsa_namespace *ns_by_uuid(struct nsa_snapshot *s, const char *uuid)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (strcmp(s->namespaces[i].uuid, uuid) == 0)
			return &s->namespaces[i];
	return NULL;
}

static void remove_ns(struct nsa_snapshot *s, const char *uuid)
{
	struct nsa_namespace *ns = ns_by_uuid(s, uuid);
	size_t i;

	if (!ns)
		return;
	i = (size_t)(ns - s->namespaces);
	memmove(ns, ns + 1, (s->n_namespaces - i - 1) * sizeof(*ns));
	s->n_namespaces--;
}

TEST(lab_shift_names_the_broken_rule)
{
	struct run r;
	const struct nsa_finding *f;
	const struct nsa_fact *x;

	REQUIRE(compare(&r, load("lab-shift-boot1"), load("lab-shift-boot2")) == 0);
	f = find(&r, "NSA-NS-MOVED-UNAVAILABLE", DEVDAX_UUID);
	REQUIRE(f);
	CHECK_STR(f->dev, "namespace0.1");
	x = fact(f, "spa_old");
	CHECK(x && x->u64 == 0x140000000ULL);
	x = fact(f, "spa_new");
	CHECK(x && x->u64 == 0x144000000ULL);
	x = fact(f, "shift");
	CHECK(x && x->i64 == 64 * (int64_t)NSA_MiB);
	x = fact(f, "predicted_message");
	CHECK(x && strcmp(x->str, "bad offset: 0x40000000 dax disabled align: 0x40000000") == 0);
	x = fact(f, "kernel_check");
	CHECK(x && strcmp(x->str, "nd_pfn_validate") == 0);
	x = fact(f, "violated_align");
	CHECK(x && x->u64 == NSA_GiB);
	x = fact(f, "checked_addr");
	CHECK(x && x->u64 == 0x184000000ULL);
	/* the kernel of boot 2 printed exactly that */
	x = fact(f, "kernel_confirms");
	CHECK(x && x->b);
	x = fact(f, "kernel_message");
	CHECK(x && strstr(x->str, "dax0.1: bad offset: 0x40000000 dax disabled align: 0x40000000"));
	CHECK(strstr(f->remedy, "Do not re-create") != NULL);
	/* the commands that give the data back, by the stable uuid */
	CHECK(strstr(f->remedy, "'nsalign rescue " DEVDAX_UUID "'") != NULL);
	CHECK(strstr(f->remedy, "'nsalign repair " DEVDAX_UUID " --dry-run'") != NULL);
	CHECK(strstr(f->remedy, "align becomes 2 MiB") != NULL);
	x = fact(f, "repair_align");
	CHECK(x && x->u64 == 2 * NSA_MiB);
	/* it replaces the analyzer's vaguer finding */
	CHECK(find(&r, "NSA-NS-REFUSED", NULL) == NULL);
	f = find(&r, "NSA-NS-MOVED", FSDAX_UUID);
	REQUIRE(f);
	x = fact(f, "shift");
	CHECK(x && x->i64 == 64 * (int64_t)NSA_MiB);
	/* matched by the label's uuid: the key that names it, raw_uuid */
	CHECK_STR(fact(f, "identity")->str, "raw_uuid");
	f = find(&r, "NSA-REGION-MOVED", NULL);
	REQUIRE(f);
	CHECK_STR(f->dev, "region0");
	CHECK(count(&r, "NSA-NS-VANISHED") == 0 && count(&r, "NSA-NS-NEW") == 0);
	CHECK(count(&r, "NSA-KERNEL") == 0 && count(&r, "NSA-BLOCK") == 0);
	CHECK_U64(nsa_analysis_exit_code(r.a), 2);
	CHECK_U64(r.a->counts[NSA_SEV_ERROR], 1);
	run_free(&r);
}

TEST(same_layout_reports_nothing)
{
	struct run r;

	REQUIRE(compare(&r, load("lab-shift-boot1"), load("lab-shift-boot1")) == 0);
	CHECK(count(&r, "NSA-NS-MOVED") == 0 && count(&r, "NSA-REGION") == 0);
	CHECK(count(&r, "NSA-NS-VANISHED") == 0 && count(&r, "NSA-NS-NEW") == 0);
	CHECK(count(&r, "NSA-NS-MODE-LOST") == 0);
	run_free(&r);
}

TEST(vanished_and_new)
{
	struct run r;
	struct nsa_snapshot *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;

	REQUIRE(cur);
	remove_ns(cur, DEVDAX_UUID); /* edited: the devdax namespace is gone */
	REQUIRE(compare(&r, load("lab-shift-boot1"), cur) == 0);
	f = find(&r, "NSA-NS-VANISHED", DEVDAX_UUID);
	REQUIRE(f);
	CHECK_STR(fact(f, "mode_recorded")->str, "devdax");
	CHECK_U64(fact(f, "spa_old")->u64, 0x140000000ULL);
	CHECK_U64(nsa_analysis_exit_code(r.a), 2);
	run_free(&r);

	cur = load("lab-shift-boot1");
	{
		struct nsa_snapshot *old = load("lab-shift-boot1");

		remove_ns(old, DEVDAX_UUID); /* edited: recorded before it was created */
		REQUIRE(compare(&r, old, cur) == 0);
	}
	REQUIRE(find(&r, "NSA-NS-NEW", DEVDAX_UUID));
	CHECK(count(&r, "NSA-NS-VANISHED") == 0);
	run_free(&r);
}

TEST(mode_lost_in_place)
{
	struct run r;
	struct nsa_snapshot *cur = load("lab-shift-boot1");
	struct nsa_namespace *ns;
	const struct nsa_finding *f;

	REQUIRE(cur);
	/* edited: the devdax namespace came back raw and disabled at the same place */
	ns = ns_by_uuid(cur, DEVDAX_UUID);
	REQUIRE(ns);
	ns->mode = NSA_MODE_RAW;
	ns->enabled = false;
	ns->holder[0] = ns->holder_class[0] = '\0';
	ns->data_start = ns->data_size = ns->align = 0;
	REQUIRE(compare(&r, load("lab-shift-boot1"), cur) == 0);
	f = find(&r, "NSA-NS-MODE-LOST", DEVDAX_UUID);
	REQUIRE(f);
	CHECK_STR(fact(f, "mode")->str, "raw");
	CHECK(find(&r, "NSA-NS-DISABLED", NULL) == NULL);
	CHECK(count(&r, "NSA-NS-MOVED") == 0);
	run_free(&r);
}

TEST(odd_shift_cannot_be_repaired_in_place)
{
	struct run r;
	struct nsa_snapshot *cur = load("lab-shift-boot1");
	struct nsa_namespace *ns;
	const struct nsa_finding *f;

	REQUIRE(cur);
	/* edited: the fsdax namespace (2 MiB align) moved by +1 MiB and was refused */
	ns = ns_by_uuid(cur, FSDAX_UUID);
	REQUIRE(ns);
	ns->spa_start += NSA_MiB;
	ns->mode = NSA_MODE_RAW;
	ns->enabled = false;
	ns->data_start = ns->data_size = ns->align = 0;
	REQUIRE(compare(&r, load("lab-shift-boot1"), cur) == 0);
	f = find(&r, "NSA-NS-MOVED-UNAVAILABLE", FSDAX_UUID);
	REQUIRE(f);
	CHECK_U64(fact(f, "violated_align")->u64, 2 * NSA_MiB);
	CHECK(strstr(fact(f, "predicted_message")->str, "bad offset:") != NULL);
	CHECK(strstr(f->remedy, "is not a multiple of 2 MiB") != NULL);
	/* no such line in this (edited) boot's log */
	CHECK(fact(f, "kernel_confirms")->b == false);
	run_free(&r);
}

TEST(platform_changes)
{
	struct run r;
	struct nsa_snapshot *cur = load("lab-shift-boot1");
	const struct nsa_finding *f;

	REQUIRE(cur);
	/* edited: a pre-5.3 kernel with 256 MiB memory blocks */
	cur->platform.block_size = 256 * NSA_MiB;
	snprintf(cur->platform.kernel_release, sizeof(cur->platform.kernel_release),
		 "4.19.0-27-amd64");
	cur->platform.subsection_hotplug = false;
	cur->platform.compat_align_enforced = false;
	REQUIRE(compare(&r, load("lab-shift-boot1"), cur) == 0);
	f = find(&r, "NSA-BLOCK-SIZE-CHANGED", NULL);
	REQUIRE(f);
	CHECK_U64(fact(f, "block_size_old")->u64, 128 * NSA_MiB);
	CHECK_U64(fact(f, "block_size_new")->u64, 256 * NSA_MiB);
	f = find(&r, "NSA-KERNEL-SUBSECTION-LOST", NULL);
	REQUIRE(f);
	CHECK_STR(fact(f, "kernel_new")->str, "4.19.0-27-amd64");
	CHECK(count(&r, "NSA-KERNEL-CHANGED") == 0);
	run_free(&r);

	/* and back: the newer kernel has it again */
	{
		struct nsa_snapshot *old = load("lab-shift-boot1");

		snprintf(old->platform.kernel_release, sizeof(old->platform.kernel_release),
			 "4.19.0-27-amd64");
		old->platform.subsection_hotplug = false;
		REQUIRE(compare(&r, old, load("lab-shift-boot1")) == 0);
		CHECK(find(&r, "NSA-KERNEL-SUBSECTION-GAINED", NULL) != NULL);
		run_free(&r);
	}
	/* a plain kernel update */
	cur = load("lab-shift-boot1");
	snprintf(cur->platform.kernel_release, sizeof(cur->platform.kernel_release),
		 "6.12.0-1-amd64");
	REQUIRE(compare(&r, load("lab-shift-boot1"), cur) == 0);
	f = find(&r, "NSA-KERNEL-CHANGED", NULL);
	REQUIRE(f);
	CHECK_STR(fact(f, "kernel_old")->str, "6.1.0-56-amd64");
	run_free(&r);
}

TEST(label_less_ranges_match_by_range_then_size)
{
	struct run r;
	struct nsa_snapshot *cur = load("lab-legacy-misaligned");
	const struct nsa_finding *f;
	struct nsa_namespace *ns;

	REQUIRE(cur);
	/* unchanged: matched by range, nothing to say */
	REQUIRE(compare(&r, load("lab-legacy-misaligned"), cur) == 0);
	CHECK(count(&r, "NSA-NS-MOVED") == 0 && count(&r, "NSA-NS-NEW") == 0 &&
	      count(&r, "NSA-NS-VANISHED") == 0);
	run_free(&r);

	/* edited: the working 60 MiB range moved by +128 MiB */
	cur = load("lab-legacy-misaligned");
	ns = &cur->namespaces[0];
	REQUIRE(ns->enabled && !ns->uuid[0]);
	ns->spa_start += 128 * NSA_MiB;
	if (ns->data_start)
		ns->data_start += 128 * NSA_MiB;
	REQUIRE(compare(&r, load("lab-legacy-misaligned"), cur) == 0);
	f = find(&r, "NSA-NS-MOVED", NULL);
	REQUIRE(f);
	CHECK_STR(fact(f, "identity")->str, "range");
	CHECK(strstr(f->message, "matched by its size") != NULL);
	CHECK(count(&r, "NSA-NS-NEW") == 0 && count(&r, "NSA-NS-VANISHED") == 0);
	run_free(&r);
}
