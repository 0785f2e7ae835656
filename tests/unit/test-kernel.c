// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/kernel.c, table-driven over the kernel's cases: each row is a
 * namespace geometry at an address under one set of capabilities, and
 * what the kernel does there (accepts, or refuses with its exact line).
 * The rows with real addresses and messages are the ones the lab's 6.1
 * kernel printed (KERNEL-NOTES.md); the others follow pfn_devs.c and
 * namespace_devs.c line by line.
 */
#include <errno.h>

#include "kernel.h"
#include "test.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* x86_64 with the capabilities of a v5.7+ kernel (6.1 in the lab) */
static struct nsa_platform x86(void)
{
	struct nsa_platform p = { .arch = "x86_64", .kernel_release = "6.1.0-56-amd64" };

	nsa_platform_fill_defaults(&p, false);
	return p;
}

/* the same, before memremap_compat_align() (v5.3 to v5.6) */
static struct nsa_platform x86_pre57(void)
{
	struct nsa_platform p = { .arch = "x86_64", .kernel_release = "5.4.0-1-amd64" };

	nsa_platform_fill_defaults(&p, false);
	return p;
}

enum caps { CAPS_61, CAPS_54 };

struct probe_case {
	const char *what;
	enum caps caps;
	bool legacy;
	const uint64_t *dax_alignments; /* the region's, 0-terminated; NULL: page/PMD/PUD */
	struct nsa_pfn_geometry g;
	uint64_t spa, size;
	enum nsa_accept verdict;
	const char *message; /* the kernel's line, "" when accepted */
	uint64_t violated_align;
};

// clang-format off
#define FSDAX(off, al)  { .pfn = true, .known = true, .offset = (off), .align = (al) }
#define DEVDAX(off, al) { .pfn = true, .dax = true, .known = true, .offset = (off), .align = (al) }
#define RAW             { 0 }
/* a 1.4 block: where the struct pages are, and the page and struct page sizes it was made for */
#define IB4(off, al, map, ps, pss) { .pfn = true, .known = true, .offset = (off), .align = (al), \
				     .map_mode = (map), .page_size = (ps), .page_struct_size = (pss) }
// clang-format on
static const uint64_t arm64_dax[] = { 4096, 2 * MiB, 0 };

/* what, capabilities, legacy, region dax aligns, geometry, spa, size, verdict, message, align */
// clang-format off
static const struct probe_case probe_cases[] = {
	{ "fsdax 2M align where it was made", CAPS_61, false, NULL,
	  FSDAX(34 * MiB, 2 * MiB),
	  0x100000000, 2 * GiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "devdax 1G moved by 64M (lab, 6.1)", CAPS_61, false, NULL,
	  DEVDAX(GiB, GiB),
	  0x144000000, 2 * GiB, NSA_ACCEPT_NO,
	  "bad offset: 0x40000000 dax disabled align: 0x40000000", GiB },
	{ "fsdax 2M moved by 1M (lab, 6.1)", CAPS_61, false, NULL,
	  FSDAX(6 * MiB, 2 * MiB),
	  0x100100000, GiB, NSA_ACCEPT_NO,
	  "bad offset: 0x600000 dax disabled align: 0x200000", 2 * MiB },
	{ "fsdax 4K moved by 1M: the compat align", CAPS_61, false, NULL,
	  FSDAX(16 * MiB, 4 * KiB),
	  0x100100000, GiB, NSA_ACCEPT_NO,
	  "resource start misaligned", 2 * MiB },
	{ "fsdax 4K moved by 1M before v5.7", CAPS_54, false, NULL,
	  FSDAX(16 * MiB, 4 * KiB),
	  0x100100000, GiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "end off the compat align", CAPS_61, false, NULL,
	  FSDAX(16 * MiB, 4 * KiB),
	  0x100000000, GiB + MiB, NSA_ACCEPT_NO,
	  "resource end misaligned", 2 * MiB },
	{ "devdax 64M align: not a page size", CAPS_61, false, NULL,
	  DEVDAX(64 * MiB, 64 * MiB),
	  0x100000000, GiB, NSA_ACCEPT_NO,
	  "init failed, alignment mismatch: 2097152:67108864", 64 * MiB },
	{ "fsdax 64M align: fsdax takes any", CAPS_61, false, NULL,
	  FSDAX(64 * MiB, 64 * MiB),
	  0x100000000, GiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "devdax 1G where the region offers 4K and 2M (arm64)", CAPS_61, false, arm64_dax,
	  DEVDAX(GiB, GiB),
	  0xc0000000, 2 * GiB, NSA_ACCEPT_NO,
	  "init failed, alignment mismatch: 2097152:1073741824", GiB },
	{ "align above the capacity", CAPS_61, false, NULL,
	  FSDAX(16 * MiB, GiB),
	  0x100000000, 512 * MiB, NSA_ACCEPT_NO,
	  "alignment: 40000000 exceeds capacity 20000000", GiB },
	{ "dataoff past the end", CAPS_61, false, NULL,
	  FSDAX(GiB, 2 * MiB),
	  0x100000000, GiB, NSA_ACCEPT_NO,
	  "pfn array size exceeds capacity of namespace0.0", 0 },
	{ "dataoff not page aligned", CAPS_61, false, NULL,
	  FSDAX(16 * MiB + 512, 16 * MiB),
	  0x100000000, GiB, NSA_ACCEPT_NO,
	  "bad offset: 0x1000200 dax disabled align: 0x1000000", 16 * MiB },
	{ "nothing left after the pads", CAPS_61, false, NULL,
	  { .pfn = true, .known = true, .offset = 14 * MiB, .align = 2 * MiB, .end_trunc = 2 * MiB },
	  0x100000000, 16 * MiB, NSA_ACCEPT_NO,
	  "bad offset with small namespace", 0 },
	{ "block of a 64K-page kernel, struct pages in PMEM", CAPS_61, false, NULL,
	  IB4(16 * MiB, 2 * MiB, NSA_PFN_MODE_PMEM, 64 * KiB, 64),
	  0x100000000, GiB, NSA_ACCEPT_NO,
	  "init failed, page size mismatch 65536", 0 },
	{ "block of a 64K-page kernel, struct pages in RAM", CAPS_61, false, NULL,
	  IB4(16 * MiB, 2 * MiB, NSA_PFN_MODE_RAM, 64 * KiB, 64),
	  0x100000000, GiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "block with a smaller struct page", CAPS_61, false, NULL,
	  IB4(16 * MiB, 2 * MiB, NSA_PFN_MODE_PMEM, 4096, 56),
	  0x100000000, GiB, NSA_ACCEPT_NO,
	  "init failed, struct page size mismatch 56", 0 },
	{ "legacy range 1M off (lab, 6.1)", CAPS_61, true, NULL,
	  RAW,
	  0x138900000, 100 * MiB, NSA_ACCEPT_NO,
	  "[mem 0x138900000-0x13ecfffff flags 0x200] misaligned, unable to map", 2 * MiB },
	{ "legacy range 1M off, fsdax: refused before the info block", CAPS_61, true, NULL,
	  FSDAX(4 * MiB, 2 * MiB),
	  0x138900000, 100 * MiB, NSA_ACCEPT_NO,
	  "[mem 0x138900000-0x13ecfffff flags 0x200] misaligned, unable to map", 2 * MiB },
	{ "legacy range on 2M, sharing a section with RAM", CAPS_61, true, NULL,
	  RAW,
	  0x145000000, 60 * MiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "legacy range 1M off before v5.7", CAPS_54, true, NULL,
	  RAW,
	  0x138900000, 100 * MiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "raw on a labelled region, 1M off", CAPS_61, false, NULL,
	  RAW,
	  0x100100000, GiB, NSA_ACCEPT_YES,
	  "", 0 },
	{ "fsdax whose info block was not read", CAPS_61, false, NULL,
	  { .pfn = true },
	  0x100000000, GiB, NSA_ACCEPT_UNKNOWN,
	  "", 0 },
};
// clang-format on

TEST(probe_table)
{
	for (size_t i = 0; i < sizeof(probe_cases) / sizeof(probe_cases[0]); i++) {
		const struct probe_case *c = &probe_cases[i];
		struct nsa_platform p = c->caps == CAPS_61 ? x86() : x86_pre57();
		struct nsa_region r = { .legacy = c->legacy };
		struct nsa_placement pl;

		for (int k = 0; c->dax_alignments && c->dax_alignments[k]; k++)
			r.dax_alignments[r.n_dax_alignments++] = c->dax_alignments[k];
		nsa_kernel_probe(&p, &r, &c->g, "namespace0.0", c->spa, c->size, &pl);
		if (pl.verdict != c->verdict || strcmp(pl.kernel_message, c->message) != 0 ||
		    pl.violated_align != c->violated_align) {
			printf("#   %s: verdict %d \"%s\" align %#" PRIx64
			       ", expected %d \"%s\" align %#" PRIx64 "\n",
			       c->what, pl.verdict, pl.kernel_message, pl.violated_align,
			       c->verdict, c->message, c->violated_align);
			test_failed_current = 1;
		}
	}
}

TEST(geometry_from_an_info_block_reads_what_its_version_has)
{
	struct nsa_infoblock ib = { .signature = "NVDIMM_DAX_INFO",
				    .version_major = 1,
				    .version_minor = 1,
				    .dataoff = 48 * MiB,
				    .align = 4096,
				    .start_pad = 4096,
				    .page_size = 65536 };
	struct nsa_pfn_geometry g;

	nsa_kernel_ib_geometry(&ib, &g);
	CHECK(g.pfn && g.dax && g.known);
	CHECK_U64(g.align, 32 * MiB); /* before 1.2: 1 << ilog2(dataoff) */
	CHECK_U64(g.start_pad, 4096);
	CHECK_U64(g.page_size, 0); /* before 1.4: this kernel's */
	ib.version_minor = 4;
	nsa_kernel_ib_geometry(&ib, &g);
	CHECK_U64(g.align, 4096);
	CHECK_U64(g.page_size, 65536);
}

TEST(legacy_namespace_nothing_claims_is_raw_with_pages)
{
	/* mode_show() says "memory" for it: ndctl lists it as fsdax */
	struct nsa_namespace ns = { .mode = NSA_MODE_FSDAX,
				    .spa_start = 0x138900000,
				    .size = 100 * MiB };
	struct nsa_region legacy = { .legacy = true }, nfit = { 0 };
	struct nsa_pfn_geometry g;

	nsa_kernel_ns_geometry(&ns, &legacy, &g);
	CHECK(!g.pfn);
	nsa_kernel_ns_geometry(&ns, &nfit, &g);
	CHECK(g.pfn && !g.known);
	nsa_strlcpy(ns.holder, "pfn1.0", sizeof(ns.holder));
	nsa_kernel_ns_geometry(&ns, &legacy, &g);
	CHECK(g.pfn);
}

TEST(aligns_largest_first_region_list_wins)
{
	struct nsa_platform p = x86();
	struct nsa_region r = { .n_dax_alignments = 2, .dax_alignments = { 4096, 2 * MiB } };
	uint64_t v[NSA_KERNEL_MAX_ALIGNS];

	REQUIRE(nsa_kernel_aligns(&p, NULL, true, v) == 3);
	CHECK(v[0] == GiB && v[1] == 2 * MiB && v[2] == 4096);
	REQUIRE(nsa_kernel_aligns(&p, &r, true, v) == 2);
	CHECK(v[0] == 2 * MiB && v[1] == 4096);
	CHECK(!nsa_kernel_dax_align_ok(&p, &r, GiB));
	CHECK(nsa_kernel_dax_align_ok(&p, NULL, GiB));
	CHECK_U64(nsa_kernel_default_align(&p), 2 * MiB);
}

TEST(pfn_layout_as_nd_pfn_init)
{
	struct nsa_platform p = x86();
	uint64_t off, trunc;

	/* devdax -s 2G -a 1G at 0x140000000 (lab): dataoff 1 GiB */
	CHECK(nsa_kernel_pfn_layout(&p, false, 0x140000000, 2 * GiB, GiB, &off, &trunc) == 0);
	CHECK_U64(off, GiB);
	CHECK_U64(trunc, 0);
	/* map=mem: only the 8K of label space and info block, aligned */
	CHECK(nsa_kernel_pfn_layout(&p, true, 0x100000000, GiB, 2 * MiB, &off, &trunc) == 0);
	CHECK_U64(off, 2 * MiB);
	/* "start ... misaligned" */
	CHECK(nsa_kernel_pfn_layout(&p, false, 0x100100000, GiB, 2 * MiB, &off, &trunc) == -EINVAL);
	/* devdax -s 1G -a 1G: "unable to satisfy requested alignment" (lab) */
	CHECK(nsa_kernel_pfn_layout(&p, false, 0x140000000, GiB, GiB, &off, &trunc) == -ENOSPC);
}

TEST(kmem_whole_blocks_and_memmap)
{
	struct nsa_platform p = x86();
	struct nsa_kmem_yield y;

	p.block_size = 128 * MiB;
	/* lab: dax0.0 0x105200000-0x143ffffff gives 0x108000000-0x13fffffff, 7 blocks */
	nsa_kernel_kmem(&p, 0x105200000, 0x143ffffff - 0x105200000 + 1, false, &y);
	CHECK_U64(y.first_block, 0x108000000 / (128 * MiB));
	CHECK_U64(y.n_blocks, 7);
	CHECK_U64(y.usable, 896 * MiB);
	CHECK_U64(y.lost_head + y.lost_tail, 110 * MiB);
	CHECK_U64(y.system_ram, 896 * MiB);
	/* memmap on the memory: 64 bytes per 4 KiB page of each block */
	nsa_kernel_kmem(&p, 0x105200000, 0x143ffffff - 0x105200000 + 1, true, &y);
	CHECK_U64(y.memmap_bytes, 7 * 2 * MiB);
	CHECK_U64(y.memmap_ram_bytes, 0);
	CHECK_U64(y.system_ram, 896 * MiB - 14 * MiB);
	/* in RAM: the same 64 bytes per page, out of the RAM there is */
	nsa_kernel_kmem(&p, 0x105200000, 0x143ffffff - 0x105200000 + 1, false, &y);
	CHECK_U64(y.memmap_bytes, 0);
	CHECK_U64(y.memmap_ram_bytes, 7 * 2 * MiB);
	/* too small for one block */
	nsa_kernel_kmem(&p, 0x105200000, 14 * MiB, false, &y);
	CHECK_U64(y.n_blocks, 0);
	CHECK_U64(y.lost_head, 14 * MiB);
}

TEST(auto_online_zone)
{
	/* 6.1: offline; Debian's 6.12 (CONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE): online */
	CHECK(nsa_kernel_auto_online_zone("offline", "contig-zones", false) == NSA_ZONE_NONE);
	CHECK(nsa_kernel_auto_online_zone("online", "contig-zones", false) == NSA_ZONE_NORMAL);
	CHECK(nsa_kernel_auto_online_zone("online", "", false) == NSA_ZONE_NORMAL);
	CHECK(nsa_kernel_auto_online_zone("online", "contig-zones", true) == NSA_ZONE_MOVABLE);
	CHECK(nsa_kernel_auto_online_zone("online", "auto-movable", false) == 0);
	CHECK(nsa_kernel_auto_online_zone("online_movable", "", false) == NSA_ZONE_MOVABLE);
	CHECK(nsa_kernel_auto_online_zone("online_kernel", "", true) == NSA_ZONE_NORMAL);
	CHECK(nsa_kernel_auto_online_zone("", "", false) == 0);
	CHECK(nsa_kernel_auto_online_zone(NULL, NULL, false) == 0);
}

TEST(repair_align)
{
	struct nsa_platform p = x86();
	struct nsa_pfn_geometry g = DEVDAX(GiB, GiB);
	char why[256];
	uint64_t a;

	/* +64M: 2M brings it back */
	CHECK(nsa_kernel_repair_align(&p, NULL, &g, 4, 0x144000000, 2 * GiB, 0, &a, why,
				      sizeof(why)) == 0);
	CHECK_U64(a, 2 * MiB);
	/* +1M: nothing can (the compat align) */
	CHECK(nsa_kernel_repair_align(&p, NULL, &g, 4, 0x140100000, 2 * GiB, 0, &a, why,
				      sizeof(why)) == -ERANGE);
	CHECK(strstr(why, "2 MiB boundary") != NULL);
	/* 1.1 has no align field */
	CHECK(nsa_kernel_repair_align(&p, NULL, &g, 1, 0x144000000, 2 * GiB, 0, &a, why,
				      sizeof(why)) == -EPROTO);
	/* devdax on a region offering 4K and 2M, asked for up to 1G: 2M */
	{
		struct nsa_region r = { .n_dax_alignments = 2,
					.dax_alignments = { 4096, 2 * MiB } };

		CHECK(nsa_kernel_repair_align(&p, &r, &g, 4, 0x144000000, 2 * GiB, GiB, &a, why,
					      sizeof(why)) == 0);
		CHECK_U64(a, 2 * MiB);
	} /* fsdax with its data on an 8 GiB boundary, up to 8G asked: the 32-bit field
	   * cannot hold 8 GiB (it would be written as 0), so the plan is refused */
	{
		struct nsa_pfn_geometry f = DEVDAX(2 * GiB, GiB);

		f.dax = false;
		CHECK(nsa_kernel_repair_align(&p, NULL, &f, 4, 0x180000000, 16 * GiB, 8 * GiB, &a,
					      why, sizeof(why)) == -ERANGE);
		CHECK_U64(a, 0);
		CHECK(strstr(why, "32-bit align field") != NULL);
		CHECK(nsa_kernel_repair_align(&p, NULL, &f, 4, 0x180000000, 16 * GiB, 2 * GiB, &a,
					      why, sizeof(why)) == 0);
		CHECK_U64(a, 2 * GiB);
	}
}

TEST(capabilities_from_what_the_kernel_shows)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_region *r;
	struct nsa_platform p;

	REQUIRE(s);
	nsa_strlcpy(s->platform.arch, "x86_64", sizeof(s->platform.arch));
	nsa_strlcpy(s->platform.kernel_release, "5.4.0-1-amd64",
		    sizeof(s->platform.kernel_release));
	nsa_effective_platform(s, &p);
	CHECK(p.subsection_hotplug && !p.compat_align_enforced);
	/* a region with an "align" attribute: the kernel has memremap_compat_align() */
	r = nsa_snapshot_add_region(s);
	REQUIRE(r);
	r->align = 16 * MiB;
	nsa_effective_platform(s, &p);
	CHECK(p.subsection_hotplug && p.compat_align_enforced);
	nsa_snapshot_free(s);
}

TEST(geometry_of_a_refused_namespace_from_the_kernel_line)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_namespace ns = { .spa_start = 0x144000000, .size = 2 * GiB };
	struct nsa_platform p = x86();
	struct nsa_pfn_geometry g;

	REQUIRE(s);
	CHECK(!nsa_kernel_log_geometry(s, &p, &ns, &g));
	/* the lab's 6.1 line after a 64 MiB move, and one that holds here (not its own) */
	REQUIRE(nsa_snapshot_add_kernel_line(
			s, "dax0.1: bad offset: 0x40000000 dax disabled align: 0x40000000") == 0);
	REQUIRE(nsa_snapshot_add_kernel_line(
			s, "pfn0.2: bad offset: 0x200000 dax disabled align: 0x200000") == 0);
	REQUIRE(nsa_kernel_log_geometry(s, &p, &ns, &g));
	CHECK(g.pfn && g.dax && g.known);
	CHECK_U64(g.offset, GiB);
	CHECK_U64(g.align, GiB);
	CHECK_U64(g.end_trunc, 0);
	/* a second, different refusal that also fails here: no telling which */
	REQUIRE(nsa_snapshot_add_kernel_line(
			s, "pfn0.3: bad offset: 0x600000 dax disabled align: 0x40000000") == 0);
	CHECK(!nsa_kernel_log_geometry(s, &p, &ns, &g));
	nsa_snapshot_free(s);
}

/* arm64 (4K pages, 128 MiB sections, 6.12): the struct pages of a partial section */
TEST(arm64_partial_section_memmap_from_the_altmap)
{
	struct nsa_platform arm = { .arch = "aarch64", .kernel_release = "6.12.38+deb12-arm64" };
	struct nsa_platform amd = x86();
	static const struct {
		uint64_t start, size;
		bool dax, map_ram;
		uint64_t short_at; /* 0: accepted */
	} cases[] = {
		{ 0xc0000000, 144 * MiB, false, false, 0xc8000000 }, /* lab: -12 */
		{ 0xc0000000, 144 * MiB, true, false, 0xc8000000 },
		{ 0xc0000000, 144 * MiB, false, true, 0 }, /* map=mem: no altmap */
		{ 0xc0000000, 256 * MiB, false, false, 0 },
		{ 0xc0000000, 96 * MiB, false, false, 0 },
		{ 0xc1000000, 224 * MiB, false, false, 0 }, /* no whole section */
		{ 0xc1000000, 248 * MiB, false, false, 0xd0000000 },
		{ 0xc1000000, 256 * MiB, false, false, 0 }, /* head + tail = 128 MiB */
		{ 0xc0000000, 1040 * MiB, false, false, 0x100000000 },
	};

	nsa_platform_fill_defaults(&arm, false);
	CHECK_U64(arm.section_size, 128 * MiB);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsa_pfn_geometry g = { .pfn = true, .dax = cases[i].dax, .known = true };
		struct nsa_placement pl;

		g.map_mode = cases[i].map_ram ? NSA_PFN_MODE_RAM : NSA_PFN_MODE_PMEM;
		g.align = 2 * MiB;
		REQUIRE(nsa_kernel_pfn_layout(&arm, cases[i].map_ram, cases[i].start, cases[i].size,
					      g.align, &g.offset, &g.end_trunc) == 0);
		nsa_kernel_probe(&arm, NULL, &g, "namespace0.0", cases[i].start, cases[i].size,
				 &pl);
		if (cases[i].short_at) {
			CHECK(pl.verdict == NSA_ACCEPT_NO);
			CHECK_STR(pl.kernel_check, "vmemmap_populate");
			CHECK_STR(pl.kernel_message,
				  cases[i].dax
					  ? "probe with driver device_dax failed with error -12"
					  : "probe with driver nd_pmem failed with error -12");
			CHECK_U64(pl.violated_addr, cases[i].short_at);
		} else if (pl.verdict != NSA_ACCEPT_YES) {
			printf("#   case %zu refused: %s\n", i, pl.kernel_message);
			test_failed_current = 1;
		}
		/* x86_64 takes a partial section's struct pages from RAM */
		nsa_kernel_probe(&amd, NULL, &g, "namespace0.0", cases[i].start + 0x40000000,
				 cases[i].size, &pl);
		CHECK(pl.verdict == NSA_ACCEPT_YES);
	}
}

/*
 * The same rule in closed form (worked out from the kernel's budget): with
 * head and tail the partial sections at the ends and F the whole ones, the
 * struct pages run out iff F >= 1, tail != 0 and head + tail < a section.
 * Held against the model for every 2 MiB start and size in a 512 MiB window.
 */
TEST(arm64_partial_section_rule_closed_form)
{
	struct nsa_platform arm = { .arch = "aarch64", .kernel_release = "6.12.38+deb12-arm64" };
	const uint64_t S = 128 * MiB, base = 0xc0000000;
	int mismatches = 0;

	nsa_platform_fill_defaults(&arm, false);
	for (uint64_t off = 0; off < 512 * MiB; off += 2 * MiB) {
		for (uint64_t size = 16 * MiB; size < 600 * MiB; size += 2 * MiB) {
			uint64_t s = base + off, e = s + size;
			uint64_t head = (S - s % S) % S, tail = e % S;
			uint64_t whole = e / S > (s + S - 1) / S ? e / S - (s + S - 1) / S : 0;
			bool fails = whole >= 1 && tail != 0 && head + tail < S;
			struct nsa_pfn_geometry g = { .pfn = true,
						      .known = true,
						      .align = 2 * MiB };
			struct nsa_placement pl;

			g.map_mode = NSA_PFN_MODE_PMEM;
			if (nsa_kernel_pfn_layout(&arm, false, s, size, g.align, &g.offset,
						  &g.end_trunc) < 0)
				continue;
			nsa_kernel_probe(&arm, NULL, &g, "namespace0.0", s, size, &pl);
			if (fails != (pl.verdict == NSA_ACCEPT_NO) && mismatches++ < 5)
				printf("#   start %#" PRIx64 " size %" PRIu64 " MiB: model %s\n", s,
				       (uint64_t)(size / MiB),
				       fails ? "accepts" : pl.kernel_message);
		}
	}
	CHECK(mismatches == 0);
}

TEST(probe_failure_lines_of_6_1_and_6_12)
{
	char dev[32];
	int err = 0;

	CHECK(nsa_kernel_probe_failure("nd_pmem: probe of namespace0.1 failed with error -95", dev,
				       sizeof(dev), &err));
	CHECK_STR(dev, "namespace0.1");
	CHECK(err == -95);
	CHECK(nsa_kernel_probe_failure(
		"nd_pmem namespace0.0: probe with driver nd_pmem failed with error -95", dev,
		sizeof(dev), &err));
	CHECK_STR(dev, "namespace0.0");
	CHECK(err == -95);
	CHECK(nsa_kernel_probe_failure(
		"nd_pmem pfn0.1: probe with driver nd_pmem failed with error -12", dev, sizeof(dev),
		&err));
	CHECK_STR(dev, "pfn0.1");
	CHECK(err == -12);
	CHECK(!nsa_kernel_probe_failure("dax0.1: bad offset: 0x40000000 dax disabled align: "
					"0x40000000",
					dev, sizeof(dev), &err));
	CHECK(!nsa_kernel_probe_failure(": probe with driver nd_pmem failed with error -95", dev,
					sizeof(dev), &err));
}

/* without ZONE_DEVICE pmem_should_map_pages() is false: a label-less range maps anyway */
TEST(no_zone_device_maps_no_pages)
{
	struct nsa_platform p = x86();
	struct nsa_region legacy = { .legacy = true };
	struct nsa_pfn_geometry raw = { 0 };
	struct nsa_placement pl;

	nsa_kernel_probe(&p, &legacy, &raw, "namespace0.0", 0x138900000, 100 * MiB, &pl);
	CHECK(pl.verdict == NSA_ACCEPT_NO);
	CHECK_U64(nsa_kernel_required_align(&p, &legacy, &raw), 2 * MiB);
	p.no_zone_device = true;
	nsa_kernel_probe(&p, &legacy, &raw, "namespace0.0", 0x138900000, 100 * MiB, &pl);
	CHECK(pl.verdict == NSA_ACCEPT_YES);
	CHECK_U64(nsa_kernel_required_align(&p, &legacy, &raw), 0);
}

/* the -12 that leaves sections set up: arm64 only, by the seed device's region */
TEST(memmap_leak_by_region)
{
	struct nsa_platform arm = { .arch = "aarch64", .kernel_release = "6.12.95+deb12-arm64" };
	struct nsa_platform amd = x86();
	struct nsa_snapshot *s = nsa_snapshot_new();

	REQUIRE(s);
	nsa_platform_fill_defaults(&arm, false);
	REQUIRE(nsa_snapshot_add_kernel_line(
			s,
			"device_dax dax2.0: probe with driver device_dax failed with error -17") ==
		0);
	REQUIRE(nsa_snapshot_add_kernel_line(
			s, "nd_pmem: probe of namespace1.0 failed with error -12") == 0);
	CHECK(!nsa_kernel_memmap_leak(s, &arm, 2)); /* -17 follows a -12, it makes none */
	CHECK(!nsa_kernel_memmap_leak(s, &arm, 1)); /* a namespace's own, not a pfn/dax probe */
	REQUIRE(nsa_snapshot_add_kernel_line(
			s,
			"device_dax dax12.1: probe with driver device_dax failed with error -12") ==
		0);
	CHECK(!nsa_kernel_memmap_leak(s, &arm, 1));
	CHECK_STR(nsa_kernel_memmap_leak(s, &arm, 12),
		  "device_dax dax12.1: probe with driver device_dax failed with error -12");
	CHECK(!nsa_kernel_memmap_leak(s, &amd, 12));
	nsa_snapshot_free(s);
}

/*
 * region_devs.c default_align() and align_store(), and ndctl's size check
 * (validate_namespace_options(): region align, then align x interleave
 * ways; ndctl issue 125): 16 MiB unless 16 MiB does not divide by the ways.
 */
TEST(interleave_set_aligns_and_sizes)
{
	struct nsa_platform p = x86();
	struct nsa_region r = { .size = 64 * GiB };
	static const struct {
		int ways;
		uint64_t align, fsdax_2m, devdax_1g, raw;
	} rows[] = {
		{ 1, 16 * MiB, 16 * MiB, 1 * GiB, 16 * MiB },
		{ 2, 16 * MiB, 16 * MiB, 2 * GiB, 16 * MiB },
		{ 3, 48 * MiB, 48 * MiB, 3 * GiB, 48 * MiB },
		{ 4, 16 * MiB, 16 * MiB, 4 * GiB, 16 * MiB },
		{ 5, 80 * MiB, 80 * MiB, 5 * GiB, 80 * MiB },
		{ 6, 96 * MiB, 96 * MiB, 6 * GiB, 96 * MiB },
		{ 8, 16 * MiB, 16 * MiB, 8 * GiB, 16 * MiB },
		{ 12, 192 * MiB, 192 * MiB, 12 * GiB, 192 * MiB },
		{ 16, 16 * MiB, 32 * MiB, 16 * GiB, 16 * MiB },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r.mappings = rows[i].ways;
		r.align = 0; /* default_align() */
		CHECK_U64(nsa_kernel_region_align(&p, &r), rows[i].align);
		r.align = rows[i].align; /* the attribute says the same */
		CHECK(nsa_kernel_region_align_valid(&r, 4096));
		CHECK_U64(nsa_kernel_ns_size_quantum(&p, &r, 2 * MiB), rows[i].fsdax_2m);
		CHECK_U64(nsa_kernel_ns_size_quantum(&p, &r, 1 * GiB), rows[i].devdax_1g);
		CHECK_U64(nsa_kernel_ns_size_quantum(&p, &r, 4 * KiB), rows[i].raw);
	}
	/* a region under 16 MiB: the page size, times the ways when needed */
	r.size = 12 * MiB;
	r.align = 0;
	r.mappings = 3;
	CHECK_U64(nsa_kernel_region_align(&p, &r), 12 * KiB);
	/* align_store(): multiples of the ways with a power-of-two share of a page or more */
	r.size = 64 * GiB;
	r.align = 24 * MiB; /* 8 MiB a DIMM */
	CHECK(nsa_kernel_region_align_valid(&r, 4096));
	r.align = 32 * MiB; /* not a multiple of 3 */
	CHECK(!nsa_kernel_region_align_valid(&r, 4096));
	r.align = 36 * MiB; /* 12 MiB a DIMM */
	CHECK(!nsa_kernel_region_align_valid(&r, 4096));
	r.align = 6 * KiB; /* 2 KiB a DIMM */
	CHECK(!nsa_kernel_region_align_valid(&r, 4096));
	r.mappings = 0; /* label-less: one "way" */
	r.align = 16 * MiB;
	CHECK(nsa_kernel_region_align_valid(&r, 4096));
}

/* a live fsdax/devdax namespace as sysfs shows it: its start, size, data range */
static struct nsa_namespace live(enum nsa_mode mode, enum nsa_map map, uint64_t spa, uint64_t size,
				 uint64_t align, uint64_t gap, uint64_t trunc)
{
	struct nsa_namespace ns = { .dev = "namespace0.0",
				    .mode = mode,
				    .map = map,
				    .spa_start = spa,
				    .size = size,
				    .align = align,
				    .enabled = true,
				    .holder = "pfn0.0" };

	ns.data_start = spa + gap;
	ns.data_size = size - gap - trunc;
	return ns;
}

TEST(live_padding_of_todays_kernel_is_none)
{
	struct nsa_platform p = x86();
	struct nsa_pad pad;
	/* the lab's fsdax -a 2M -s 1G (tests/fixtures/infoblocks/fsdax-2m.bin): dataoff 18 MiB */
	struct nsa_namespace ns =
		live(NSA_MODE_FSDAX, NSA_MAP_DEV, 4 * GiB, GiB, 2 * MiB, 18 * MiB, 0);

	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_SYSFS);
	CHECK_U64(pad.start_pad, 0);
	CHECK_U64(pad.end_trunc, 0);
	/* devdax -a 1G -s 2G at 5 GiB: dataoff 1 GiB */
	ns = live(NSA_MODE_DEVDAX, NSA_MAP_DEV, 5 * GiB, 2 * GiB, GiB, GiB, 0);
	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_SYSFS);
	CHECK_U64(pad.start_pad, 0);
	/* no pfn/dax device, no data range: nothing to say */
	ns.holder[0] = '\0';
	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_UNKNOWN);
}

TEST(live_padding_of_a_pre_5_3_kernel_is_the_section_padding)
{
	struct nsa_platform p = x86();
	struct nsa_pad pad;
	/*
	 * map=mem at 4 GiB + 1 MiB, 256 MiB: padded 127 MiB to the section at
	 * 4 GiB + 128 MiB, the end truncated 1 MiB to the section at 4 GiB +
	 * 256 MiB, dataoff 2 MiB (8 KiB up to the 2 MiB align): data at
	 * 4 GiB + 130 MiB.  Off the 2 MiB compat align, no padding is impossible.
	 */
	struct nsa_namespace ns = live(NSA_MODE_FSDAX, NSA_MAP_MEM, 4 * GiB + MiB, 256 * MiB,
				       2 * MiB, 129 * MiB, MiB);

	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_SYSFS);
	CHECK_U64(pad.start_pad, 127 * MiB);
	CHECK_U64(pad.end_trunc, MiB);
	/*
	 * map=dev, 1 GiB at 4 GiB + 64 MiB (2 MiB aligned): a 4.x kernel padded
	 * 64 MiB and truncated 64 MiB to sections; npfns (896 MiB - 8 KiB) / 4 KiB
	 * rounded up to a section's 32768 pages, 64 bytes each: 14 MiB, so
	 * dataoff ALIGN(8 KiB + 14 MiB, 2 MiB) = 16 MiB.
	 */
	ns = live(NSA_MODE_FSDAX, NSA_MAP_DEV, 4 * GiB + 64 * MiB, GiB, 2 * MiB, 80 * MiB,
		  64 * MiB);
	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_SYSFS);
	CHECK_U64(pad.start_pad, 64 * MiB);
	CHECK_U64(pad.end_trunc, 64 * MiB);
}

TEST(live_padding_off_the_compat_align_is_at_least_the_way_there)
{
	struct nsa_platform p = x86();
	struct nsa_pad pad;
	/* at 4 GiB + 1 MiB, data 5 MiB in: no kernel's layout, but mapped only padded */
	struct nsa_namespace ns =
		live(NSA_MODE_DEVDAX, NSA_MAP_MEM, 4 * GiB + MiB, 256 * MiB, 2 * MiB, 5 * MiB, MiB);

	nsa_kernel_live_pad(&p, &ns, &pad);
	CHECK(pad.source == NSA_PAD_SYSFS_MIN);
	CHECK_U64(pad.start_pad, MiB);
	CHECK_U64(pad.end_trunc, MiB);
}
