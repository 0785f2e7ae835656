// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What nsalignd's Snapshot() and Check() give a caller who is not root
 * (daemon/redact.c, org.nsalign1(5)): snapshots taken as root in the VM
 * lab lose every physical address and the kernel log, and keep the rest;
 * findings keep what fired where, and lose the texts that name addresses.
 */
#include <string.h>

#include "fixtures.h"
#include "redact.h"
#include "test.h"
#include "util/json.h"

/* Every start and end in an iomem tree is 0; *named counts the names kept. */
static bool iomem_all_zero(struct json_object *list, size_t *named)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *v;

		if (json_object_object_get_ex(e, "start", &v) && json_object_get_uint64(v))
			return false;
		if (json_object_object_get_ex(e, "end", &v) && json_object_get_uint64(v))
			return false;
		if (json_object_object_get_ex(e, "name", &v) && json_object_get_string(v)[0])
			(*named)++;
		if (json_object_object_get_ex(e, "children", &v) && !iomem_all_zero(v, named))
			return false;
	}
	return true;
}

static uint64_t u64_at(struct json_object *o, const char *list, size_t i, const char *key)
{
	struct json_object *l, *v;

	if (!json_object_object_get_ex(o, list, &l) || i >= json_object_array_length(l))
		return UINT64_MAX;
	if (!json_object_object_get_ex(json_object_array_get_idx(l, i), key, &v))
		return 0; /* 0 is left out */
	return json_object_get_uint64(v);
}

static void check_unprivileged_snapshot(const char *name)
{
	struct nsa_snapshot *s = load(name), *back = NULL;
	struct json_object *o, *v;
	const char *text;
	char err[256];
	size_t named = 0;

	REQUIRE(s);
	REQUIRE(s->platform.iomem_visible); /* taken as root */
	o = nsad_snapshot_json_unprivileged(s);
	REQUIRE(o);
	text = json_object_to_json_string(o);
	REQUIRE(json_object_object_get_ex(o, "iomem", &v));
	CHECK(iomem_all_zero(v, &named));
	CHECK(named == s->n_iomem); /* the lines stay, as /proc/iomem shows them */
	for (size_t i = 0; i < s->n_regions; i++)
		CHECK_U64(u64_at(o, "regions", i, "resource"), 0);
	for (size_t i = 0; i < s->n_namespaces; i++) {
		CHECK_U64(u64_at(o, "namespaces", i, "resource"), 0);
		CHECK_U64(u64_at(o, "namespaces", i, "data_resource"), 0);
		CHECK_U64(u64_at(o, "namespaces", i, "size"), s->namespaces[i].size);
	}
	for (size_t i = 0; i < s->n_daxdevs; i++)
		CHECK_U64(u64_at(o, "dax", i, "resource"), 0);
	CHECK(strstr(text, "\"kernel_log\":[]") || strstr(text, "\"kernel_log\": [ ]"));
	CHECK(strstr(text, "physical addresses hidden: nsalignd shows them") != NULL);
	CHECK(strstr(text, "0x") == NULL);

	/* what the snapshot reader takes, with the blocks and devices unchanged */
	REQUIRE(nsa_snapshot_from_json(o, &back, err, sizeof(err)) == 0);
	CHECK(!back->platform.iomem_visible);
	CHECK_U64(back->n_blocks, s->n_blocks);
	CHECK_U64(back->n_namespaces, s->n_namespaces);
	CHECK_U64(back->n_kernel_log, 0);
	CHECK_U64(back->n_notes, s->n_notes + 1);
	/* and the daemon's own view is untouched */
	CHECK(s->platform.iomem_visible);
	CHECK(s->n_iomem == 0 || s->iomem[s->n_iomem - 1].end != 0);
	CHECK(s->n_namespaces == 0 || s->namespaces[0].spa_start != 0);
	nsa_snapshot_free(back);
	json_object_put(o);
	nsa_snapshot_free(s);
}

TEST(snapshot_for_non_root_has_no_address_kernel_code_included)
{
	struct nsa_snapshot *s = load("lab-shift-boot1");
	bool kernel_code = false;

	REQUIRE(s);
	for (size_t i = 0; i < s->n_iomem; i++)
		kernel_code = kernel_code || (strcmp(s->iomem[i].name, "Kernel code") == 0 &&
					      s->iomem[i].start != 0);
	CHECK(kernel_code); /* the fixture holds what the bug leaked */
	nsa_snapshot_free(s);
	check_unprivileged_snapshot("lab-shift-boot1");
}

TEST(snapshot_for_non_root_drops_the_kernel_log)
{
	/* its kernel log names the refused namespace's address */
	check_unprivileged_snapshot("lab-shift-boot2");
	check_unprivileged_snapshot("lab-legacy-misaligned");
	check_unprivileged_snapshot("lab-kmem-system-ram");
}

TEST(findings_for_non_root_say_what_fired_where_without_text)
{
	struct nsa_snapshot *s = load("lab-shift-boot2");
	struct nsa_analysis_opts opts = { .with_info = true };
	struct nsa_analysis *a = NULL;
	struct json_object *full, *cut;
	const char *text;

	REQUIRE(s);
	REQUIRE(nsa_analyze(s, &opts, &a) == 0);
	full = json_findings(a, 0);
	cut = json_findings(a, 0);
	REQUIRE(full && cut);
	CHECK(strstr(json_object_to_json_string(full), "0x") != NULL);
	REQUIRE(nsad_findings_unprivileged(cut) == 0);
	text = json_object_to_json_string(cut);
	CHECK(strstr(text, "0x") == NULL);
	CHECK(strstr(text, "message\"") == NULL && strstr(text, "remedy") == NULL);
	REQUIRE(json_object_array_length(cut) == json_object_array_length(full));
	for (size_t i = 0; i < json_object_array_length(cut); i++) {
		struct json_object *f = json_object_array_get_idx(full, i);
		struct json_object *c = json_object_array_get_idx(cut, i), *a1, *a2;

		json_object_object_foreach (c, key, val) {
			CHECK(strcmp(key, "code") == 0 || strcmp(key, "message_id") == 0 ||
			      strcmp(key, "severity") == 0 || strcmp(key, "dev") == 0 ||
			      strcmp(key, "raw_uuid") == 0);
			(void)val;
		}
		REQUIRE(json_object_object_get_ex(f, "code", &a1));
		REQUIRE(json_object_object_get_ex(c, "code", &a2));
		CHECK_STR(json_object_get_string(a2), json_object_get_string(a1));
		REQUIRE(json_object_object_get_ex(f, "severity", &a1));
		REQUIRE(json_object_object_get_ex(c, "severity", &a2));
		CHECK_STR(json_object_get_string(a2), json_object_get_string(a1));
	}
	json_object_put(full);
	json_object_put(cut);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}
