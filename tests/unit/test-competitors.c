// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Who else onlines memory: the root trees under tests/fixtures/competitors
 * (its README.md says what each holds) and the findings made of them.
 */
#include <errno.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "fixtures.h"
#include "test.h"

static const char *root(const char *name)
{
	static char path[512];
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES") : "../tests/fixtures";

	snprintf(path, sizeof(path), "%s/competitors/%s", dir, name);
	return path;
}

static bool starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The competitors found under fixture `name`; -1 on error. */
static int find(const char *name, const char *auto_online, struct nsa_competitor **c)
{
	size_t n = 99;
	int r = nsa_find_competitors(root(name), auto_online, c, &n);

	if (r < 0) {
		printf("#   %s: %s\n", root(name), strerror(-r));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		printf("#   %s: kind %d %s:%d %s%s%s\n", name, (*c)[i].kind, (*c)[i].path,
		       (*c)[i].line, (*c)[i].detail, (*c)[i].via[0] ? " via " : "", (*c)[i].via);
	return (int)n;
}

TEST(rhel_guarded_memory_section_found_once_on_merged_usr)
{
	struct nsa_competitor *c = NULL;

	/* /lib is a symlink to usr/lib: the same file must not count twice */
	REQUIRE(find("rhel", "offline", &c) == 1);
	CHECK(c[0].kind == NSA_COMPETITOR_UDEV_RULE);
	CHECK_STR(c[0].path, "/usr/lib/udev/rules.d/40-redhat.rules");
	CHECK(c[0].line == 16);
	CHECK_STR(c[0].detail, "ATTR{state}==\"offline\", ATTR{state}=\"$env{.state}\"");
	CHECK_STR(c[0].via, "");
	free(c);
}

TEST(ubuntu_memory_line_in_lib_found)
{
	struct nsa_competitor *c = NULL;

	REQUIRE(find("ubuntu", "", &c) == 1);
	CHECK(c[0].kind == NSA_COMPETITOR_UDEV_RULE);
	CHECK_STR(c[0].path, "/lib/udev/rules.d/40-vm-hotadd.rules");
	CHECK(c[0].line == 9);
	CHECK(starts(c[0].detail, "SUBSYSTEM==\"memory\", ACTION==\"add\""));
	free(c);
}

TEST(masked_by_dev_null_symlink_or_empty_file)
{
	struct nsa_competitor *c = (void *)1;

	CHECK(find("masked-null", "offline", &c) == 0);
	CHECK(c == NULL);
	c = (void *)1;
	CHECK(find("masked-empty", "offline", &c) == 0);
	CHECK(c == NULL);
}

TEST(same_name_in_etc_hides_run_and_usr_lib)
{
	struct nsa_competitor *c = NULL;

	/* 40-vm-hotadd.rules: /etc's (cpus only) wins; 50-runtime.rules only in /run */
	REQUIRE(find("override", "offline", &c) == 1);
	CHECK_STR(c[0].path, "/run/udev/rules.d/50-runtime.rules");
	CHECK(c[0].line == 1);
	CHECK_STR(c[0].detail,
		  "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}:=\"online_movable\"");
	free(c);
}

TEST(daxctl_rule_with_sections)
{
	struct nsa_competitor *c = NULL;

	/* only pmem.conf: the example is commented out, linked.conf is a symlink, .bak */
	REQUIRE(find("daxctl-config", "offline", &c) == 2);
	CHECK(c[0].kind == NSA_COMPETITOR_DAXCTL && c[1].kind == NSA_COMPETITOR_DAXCTL);
	CHECK_STR(c[0].path, "/etc/daxctl.conf.d/pmem.conf");
	CHECK(c[0].line == 3);
	CHECK_STR(c[0].detail, "[reconfigure-device dimm0] "
			       "nvdimm.uuid=0b3a4c0e-7c2e-4f5c-9a55-1f1d3c1e9a01 "
			       "mode=system-ram online=true movable=false");
	CHECK_STR(c[0].via, "/usr/lib/udev/rules.d/90-daxctl-device.rules:1");
	CHECK_STR(c[1].path, "/etc/daxctl.conf.d/pmem.conf");
	CHECK(c[1].line == 9);
	CHECK_STR(c[1].detail, "[reconfigure-device dimm1] "
			       "nvdimm.uuid=9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6 mode=system-ram");
	free(c);
}

TEST(daxctl_rule_without_section_or_section_without_rule)
{
	struct nsa_competitor *c = NULL;

	CHECK(find("daxctl-noconfig", "offline", &c) == 0);
	free(c);
	c = NULL;
	CHECK(find("daxctl-norule", "offline", &c) == 0);
	free(c);
}

TEST(daxctl_rule_in_debian_form)
{
	struct nsa_competitor *c = NULL;

	REQUIRE(find("daxctl-debian", "", &c) == 1);
	CHECK(c[0].kind == NSA_COMPETITOR_DAXCTL);
	CHECK_STR(c[0].path, "/etc/daxctl.conf.d/kmem.conf");
	CHECK(c[0].line == 1);
	CHECK_STR(c[0].via, "/lib/udev/rules.d/90-daxctl-device.rules:1");
	free(c);
}

TEST(continued_rules_count_from_their_first_line)
{
	struct nsa_competitor *c = NULL;

	REQUIRE(find("continuation", "offline", &c) == 2);
	CHECK_STR(c[0].path, "/etc/udev/rules.d/80-local-memory.rules");
	CHECK(c[0].line == 2);
	CHECK_STR(c[0].detail,
		  "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}=\"online_kernel\"");
	/* a comment line inside the continuation; RUN writes the state */
	CHECK(c[1].line == 7);
	CHECK(strstr(c[1].detail, "echo online > /sys$devpath/state") != NULL);
	free(c);
}

TEST(comparisons_offlining_and_other_subsystems_do_not_count)
{
	struct nsa_competitor *c = NULL;

	CHECK(find("not-onlining", "offline", &c) == 0);
	free(c);
}

TEST(missing_root_has_no_competitors)
{
	struct nsa_competitor *c = (void *)1;
	size_t n = 99;

	CHECK(nsa_find_competitors(root("does-not-exist"), "offline", &c, &n) == 0);
	CHECK(n == 0 && c == NULL);
	CHECK(nsa_find_competitors(root("does-not-exist"), NULL, &c, &n) == 0);
	CHECK(n == 0 && c == NULL);
}

TEST(auto_online_blocks_counts_unless_offline_or_unknown)
{
	const char *on[] = { "online", "online_kernel", "online_movable" };
	struct nsa_competitor *c = NULL;

	for (size_t i = 0; i < 3; i++) {
		REQUIRE(find("does-not-exist", on[i], &c) == 1);
		CHECK(c[0].kind == NSA_COMPETITOR_AUTO_ONLINE);
		CHECK_STR(c[0].path, "/sys/devices/system/memory/auto_online_blocks");
		CHECK(c[0].line == 0);
		CHECK_STR(c[0].detail, on[i]);
		free(c);
		c = NULL;
	}
	CHECK(find("does-not-exist", "offline", &c) == 0);
	CHECK(find("does-not-exist", "", &c) == 0);
}

TEST(results_in_kind_path_line_order)
{
	struct nsa_competitor *c = NULL;

	REQUIRE(find("continuation", "online_movable", &c) == 3);
	CHECK(c[0].kind == NSA_COMPETITOR_UDEV_RULE && c[0].line == 2);
	CHECK(c[1].kind == NSA_COMPETITOR_UDEV_RULE && c[1].line == 7);
	CHECK(c[2].kind == NSA_COMPETITOR_AUTO_ONLINE);
	free(c);
	c = NULL;
	REQUIRE(find("daxctl-config", "online", &c) == 3);
	CHECK(c[0].kind == NSA_COMPETITOR_AUTO_ONLINE);
	CHECK(c[1].kind == NSA_COMPETITOR_DAXCTL && c[1].line == 3);
	CHECK(c[2].kind == NSA_COMPETITOR_DAXCTL && c[2].line == 9);
	free(c);
}

TEST(live_system_reads_without_error)
{
	struct nsa_competitor *c = NULL;
	size_t n;

	/* whatever this machine has: the directories are readable */
	CHECK(nsa_find_competitors("", "", &c, &n) == 0);
	free(c);
}

/* ------------------------------------------------------------ findings */

static struct nsa_analysis *analysis(struct nsa_snapshot **s)
{
	struct nsa_analysis_opts opts = { .with_info = true };
	struct nsa_analysis *a = NULL;

	*s = load("host-no-pmem");
	if (!*s || nsa_analyze(*s, &opts, &a) < 0)
		return NULL;
	return a;
}

static const struct nsa_fact *fact(const struct nsa_finding *f, const char *key)
{
	for (int i = 0; i < f->n_facts; i++)
		if (strcmp(f->facts[i].key, key) == 0)
			return &f->facts[i];
	return NULL;
}

TEST(findings_are_warnings_when_nsalignd_onlines)
{
	struct nsa_competitor *c = NULL;
	struct nsa_snapshot *s;
	struct nsa_analysis *a = analysis(&s);
	size_t before, n;
	int warnings;

	REQUIRE(a);
	REQUIRE(nsa_find_competitors(root("rhel"), "online_movable", &c, &n) == 0 && n == 2);
	before = a->n_findings;
	warnings = a->counts[NSA_SEV_WARNING];
	REQUIRE(nsa_competitor_findings(a, c, n, true) == 0);
	REQUIRE(a->n_findings == before + 2);
	CHECK(a->counts[NSA_SEV_WARNING] == warnings + 2);

	const struct nsa_finding *f = &a->findings[before];
	CHECK_STR(f->code->code, "NSA-ONLINE-UDEV-RULE");
	CHECK(f->severity == NSA_SEV_WARNING);
	CHECK_STR(f->dev, "40-redhat.rules:16");
	CHECK(strstr(f->message, "/usr/lib/udev/rules.d/40-redhat.rules:16") != NULL);
	CHECK(strstr(f->message, "race") != NULL);
	CHECK(starts(f->remedy, "ln -s /dev/null /etc/udev/rules.d/40-redhat.rules && "
				"udevadm control --reload"));
	REQUIRE(fact(f, "line") && fact(f, "path") && fact(f, "rule"));
	CHECK(fact(f, "line")->type == NSA_FACT_I64 && fact(f, "line")->i64 == 16);
	CHECK_STR(fact(f, "path")->str, "/usr/lib/udev/rules.d/40-redhat.rules");

	f = &a->findings[before + 1];
	CHECK_STR(f->code->code, "NSA-ONLINE-AUTO");
	CHECK(f->severity == NSA_SEV_WARNING);
	CHECK_STR(f->dev, "auto_online_blocks");
	CHECK(strstr(f->message, "'online_movable'") != NULL);
	CHECK(strstr(f->remedy, "echo offline > /sys/devices/system/memory/auto_online_blocks") !=
	      NULL);
	CHECK(strstr(f->remedy, "memhp_default_state=offline") != NULL);
	CHECK(fact(f, "line") == NULL);
	REQUIRE(fact(f, "auto_online_blocks"));
	CHECK_STR(fact(f, "auto_online_blocks")->str, "online_movable");
	CHECK(nsa_analysis_exit_code(a) >= 1);

	free(c);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(findings_are_info_when_nsalignd_leaves_memory_alone)
{
	struct nsa_competitor *c = NULL;
	struct nsa_snapshot *s;
	struct nsa_analysis *a = analysis(&s);
	int counts[3];
	size_t before, n;

	REQUIRE(a);
	REQUIRE(nsa_find_competitors(root("daxctl-config"), "online", &c, &n) == 0 && n == 3);
	before = a->n_findings;
	memcpy(counts, a->counts, sizeof(counts));
	REQUIRE(nsa_competitor_findings(a, c, n, false) == 0);
	REQUIRE(a->n_findings == before + 3);
	CHECK(a->counts[NSA_SEV_INFO] == counts[NSA_SEV_INFO] + 3);
	CHECK(a->counts[NSA_SEV_WARNING] == counts[NSA_SEV_WARNING]);
	CHECK(a->counts[NSA_SEV_ERROR] == counts[NSA_SEV_ERROR]);
	for (size_t i = before; i < a->n_findings; i++) {
		CHECK(a->findings[i].severity == NSA_SEV_INFO);
		CHECK(strstr(a->findings[i].message, "nothing races now") != NULL);
	}

	const struct nsa_finding *f = &a->findings[before + 1];
	CHECK_STR(f->code->code, "NSA-ONLINE-DAXCTL");
	CHECK_STR(f->dev, "pmem.conf:3");
	CHECK(strstr(f->message, "/usr/lib/udev/rules.d/90-daxctl-device.rules:1") != NULL);
	CHECK(strstr(f->message, "/etc/daxctl.conf.d/pmem.conf:3") != NULL);
	CHECK(starts(f->remedy, "Remove the section at line 3 ([reconfigure-device dimm0] "
				"nvdimm.uuid=0b3a4c0e-7c2e-4f5c-9a55-1f1d3c1e9a01 "
				"mode=system-ram online=true movable=false) from "
				"/etc/daxctl.conf.d/pmem.conf"));
	REQUIRE(fact(f, "udev_rule") && fact(f, "section"));
	CHECK_STR(fact(f, "udev_rule")->str, "/usr/lib/udev/rules.d/90-daxctl-device.rules:1");
	CHECK_STR(f->code->title, "daxctl's udev rule reconfigures dax devices to System RAM");

	/* the table keeps its own severity; the finding's is the override */
	CHECK(nsa_code_lookup("NSA-ONLINE-DAXCTL")->severity == NSA_SEV_WARNING);

	/* the JSON contract carries the override */
	struct json_object *o = nsa_finding_to_json(f, true), *v;
	REQUIRE(o);
	CHECK(json_object_object_get_ex(o, "severity", &v) &&
	      strcmp(json_object_get_string(v), "info") == 0);
	CHECK(json_object_object_get_ex(o, "line", &v) && json_object_get_int(v) == 3);
	json_object_put(o);

	free(c);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(rule_in_etc_is_deleted_not_masked)
{
	struct nsa_competitor *c = NULL;
	struct nsa_snapshot *s;
	struct nsa_analysis *a = analysis(&s);
	size_t before, n;

	REQUIRE(a);
	REQUIRE(nsa_find_competitors(root("continuation"), "", &c, &n) == 0 && n == 2);
	before = a->n_findings;
	REQUIRE(nsa_competitor_findings(a, c, n, true) == 0);
	CHECK_STR(a->findings[before].dev, "80-local-memory.rules:2");
	CHECK_STR(a->findings[before + 1].dev, "80-local-memory.rules:7");
	CHECK_STR(a->findings[before].remedy,
		  "Delete the rule at line 2 of /etc/udev/rules.d/80-local-memory.rules (or the "
		  "file, if that is all it does), then: udevadm control --reload");
	free(c);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(no_competitors_no_findings)
{
	struct nsa_snapshot *s;
	struct nsa_analysis *a = analysis(&s);
	size_t before;

	REQUIRE(a);
	before = a->n_findings;
	CHECK(nsa_competitor_findings(a, NULL, 0, true) == 0);
	CHECK(a->n_findings == before);
	nsa_analysis_free(a);
	nsa_snapshot_free(s);
}

TEST(new_codes_are_in_the_catalog)
{
	static const struct {
		const char *code;
		enum nsa_severity sev;
	} want[] = {
		{ "NSA-ONLINE-UDEV-RULE", NSA_SEV_WARNING },
		{ "NSA-ONLINE-AUTO", NSA_SEV_WARNING },
		{ "NSA-ONLINE-DAXCTL", NSA_SEV_WARNING },
		{ "NSA-RESOLVED", NSA_SEV_INFO },
		{ "NSA-HOTPLUG-ONLINED", NSA_SEV_INFO },
		{ "NSA-HOTPLUG-RECONFIGURED", NSA_SEV_INFO },
		{ "NSA-HOTPLUG-FAILED", NSA_SEV_ERROR },
		{ "NSA-HOTPLUG-SKIPPED", NSA_SEV_WARNING },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct nsa_code_info *ci = nsa_code_lookup(want[i].code);

		CHECK(ci != NULL);
		if (ci)
			CHECK(ci->severity == want[i].sev);
	}
}
