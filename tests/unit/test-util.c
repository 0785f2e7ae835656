// SPDX-License-Identifier: GPL-2.0-or-later
/* Sizes, alignment math, names, platform granularities. */
#include <errno.h>

#include "libnsalign.h"
#include "test.h"

static int64_t size_of(const char *s, bool neg, int *r)
{
	int64_t v = -1;

	*r = nsa_parse_size(s, neg, &v);
	return v;
}

TEST(parse_size_units)
{
	int r;

	CHECK_U64(size_of("64M", false, &r), 64 * NSA_MiB);
	CHECK_U64(size_of("1G", false, &r), NSA_GiB);
	CHECK_U64(size_of("2m", false, &r), 2 * NSA_MiB);
	CHECK_U64(size_of("4096", false, &r), 4096);
	CHECK_U64(size_of("0x4000000", false, &r), 64 * NSA_MiB);
	CHECK_U64(size_of("1.5G", false, &r), 3 * 512 * NSA_MiB);
	CHECK_U64(size_of("16MiB", false, &r), 16 * NSA_MiB);
	CHECK_U64(size_of("4KiB", false, &r), 4096);
	CHECK(r == 0);
}

TEST(parse_size_refuses_decimal_looking_units)
{
	int64_t v;

	/* util-linux reads MB as 10^6, ndctl as 2^20: neither is guessed */
	CHECK(nsa_parse_size("4KB", false, &v) == -EDOM);
	CHECK(nsa_parse_size("64MB", false, &v) == -EDOM);
	CHECK(nsa_parse_size("1gb", false, &v) == -EDOM);
	CHECK(nsa_parse_size("-128MB", true, &v) == -EDOM);
	CHECK(nsa_parse_size("64Mi", false, &v) == -EINVAL);
	CHECK(nsa_parse_size("64MiBs", false, &v) == -EINVAL);
}

TEST(parse_size_negative_only_when_allowed)
{
	int64_t v;

	CHECK(nsa_parse_size("-128M", true, &v) == 0 && v == -(int64_t)(128 * NSA_MiB));
	CHECK(nsa_parse_size("-128M", false, &v) == -EINVAL);
	CHECK(nsa_parse_size("+64M", true, &v) == 0 && v == (int64_t)(64 * NSA_MiB));
}

TEST(parse_size_rejects_garbage)
{
	int64_t v;
	const char *bad[] = { "", "M", "12Q", "0x", "1.3", "64 M", "-", "1.G", "0xZZ", NULL };

	for (int i = 0; bad[i]; i++) {
		int r = nsa_parse_size(bad[i], true, &v);
		if (r != -EINVAL)
			printf("#   \"%s\" gave %d\n", bad[i], r);
		CHECK(r == -EINVAL);
	}
	CHECK(nsa_parse_size("99999999999T", false, &v) == -ERANGE);
	CHECK(nsa_parse_size(NULL, false, &v) == -EINVAL);
}

TEST(parse_u64)
{
	uint64_t v;

	CHECK(nsa_parse_u64("8000000", 16, &v) == 0 && v == 0x8000000);
	CHECK(nsa_parse_u64("42", 10, &v) == 0 && v == 42);
	CHECK(nsa_parse_u64("-1", 10, &v) == -EINVAL);
	CHECK(nsa_parse_u64("12x", 10, &v) == -EINVAL);
	CHECK(nsa_parse_u64("", 10, &v) == -EINVAL);
}

TEST(size_strings)
{
	char buf[64];

	CHECK_STR(nsa_size_str(128 * NSA_MiB, buf, sizeof(buf)), "128 MiB");
	CHECK_STR(nsa_size_str(1006 * NSA_MiB, buf, sizeof(buf)), "1006 MiB");
	CHECK_STR(nsa_size_str(NSA_GiB, buf, sizeof(buf)), "1 GiB");
	CHECK_STR(nsa_size_str(4096, buf, sizeof(buf)), "4 KiB");
	CHECK_STR(nsa_size_str(0, buf, sizeof(buf)), "0 bytes");
	CHECK_STR(nsa_size_str(100, buf, sizeof(buf)), "100 bytes");
	/* ndctl -u */
	CHECK_STR(nsa_size_human(8 * NSA_GiB, buf, sizeof(buf)), "8.00 GiB (8.59 GB)");
	CHECK_STR(nsa_size_human(2 * NSA_GiB, buf, sizeof(buf)), "2.00 GiB (2.15 GB)");
}

TEST(alignment_math)
{
	CHECK_U64(nsa_align_of(0x140000000), NSA_GiB);
	CHECK_U64(nsa_align_of(0x144000000), 64 * NSA_MiB);
	CHECK_U64(nsa_align_of(0x138900000), NSA_MiB);
	CHECK_U64(nsa_align_of(0), 1ULL << 63);
	CHECK(nsa_is_aligned(0x105200000, 2 * NSA_MiB));
	CHECK(!nsa_is_aligned(0x105200000, 128 * NSA_MiB));
	CHECK_U64(nsa_align_up(0x105200000, 128 * NSA_MiB), 0x108000000);
	CHECK_U64(nsa_align_down(0x144000000, 128 * NSA_MiB), 0x140000000);
	CHECK(nsa_is_pow2(64 * NSA_MiB) && !nsa_is_pow2(3 * NSA_MiB) && !nsa_is_pow2(0));
	/* any multiple, as a 3- or 6-way region's align (48 MiB, 96 MiB) */
	CHECK(nsa_is_aligned(0x23f000000 - 0x200000000, 48 * NSA_MiB));
	CHECK(!nsa_is_aligned(1000 * NSA_MiB, 48 * NSA_MiB));
	CHECK_U64(nsa_align_down(1000 * NSA_MiB, 48 * NSA_MiB), 960 * NSA_MiB);
	CHECK_U64(nsa_align_up(1000 * NSA_MiB, 96 * NSA_MiB), 1056 * NSA_MiB);
	CHECK_U64(nsa_align_up(960 * NSA_MiB, 96 * NSA_MiB), 960 * NSA_MiB);
	CHECK_U64(nsa_align_down(5, 0), 5);
	CHECK_U64(nsa_lcm(48 * NSA_MiB, 6 * NSA_MiB), 48 * NSA_MiB);
	CHECK_U64(nsa_lcm(96 * NSA_MiB, 6 * NSA_GiB), 6 * NSA_GiB);
	CHECK_U64(nsa_lcm(16 * NSA_MiB, 2 * NSA_GiB), 2 * NSA_GiB);
	CHECK_U64(nsa_lcm(80 * NSA_MiB, 5 * NSA_GiB), 5 * NSA_GiB);
	CHECK_U64(nsa_lcm(0, 4096), 0);
	CHECK_U64(nsa_lcm(1ULL << 63, 3), 0); /* overflows */
}

TEST(names)
{
	char buf[64];

	CHECK(nsa_mode_from_name("fsdax") == NSA_MODE_FSDAX);
	CHECK(nsa_mode_from_name("memory") == NSA_MODE_FSDAX);
	CHECK(nsa_mode_from_name("dax") == NSA_MODE_DEVDAX);
	CHECK(nsa_mode_from_name("safe") == NSA_MODE_SECTOR);
	CHECK(nsa_mode_from_name("bogus") == NSA_MODE_UNKNOWN);
	CHECK_STR(nsa_mode_name(NSA_MODE_DEVDAX), "devdax");
	CHECK(nsa_res_type_from_name("System RAM") == NSA_RES_SYSTEM_RAM);
	CHECK(nsa_res_type_from_name("System RAM (kmem)") == NSA_RES_KMEM);
	CHECK(nsa_res_type_from_name("Persistent Memory (legacy)") == NSA_RES_PMEM_LEGACY);
	CHECK(nsa_res_type_from_name("namespace0.1") == NSA_RES_NAMESPACE);
	CHECK(nsa_res_type_from_name("dax12.0") == NSA_RES_DAX);
	CHECK(nsa_res_type_from_name("namespace") == NSA_RES_OTHER);
	CHECK(nsa_res_type_from_name("reserved") == NSA_RES_RESERVED);
	CHECK(nsa_zones_parse("DMA32 Normal Movable") ==
	      (NSA_ZONE_DMA32 | NSA_ZONE_NORMAL | NSA_ZONE_MOVABLE));
	CHECK_STR(nsa_zones_str(NSA_ZONE_NORMAL | NSA_ZONE_MOVABLE, buf, sizeof(buf)),
		  "Normal Movable");
	CHECK(nsa_block_state_from_name("going-offline") == NSA_BLOCK_GOING_OFFLINE);
}

TEST(kernel_versions)
{
	CHECK(nsa_kernel_at_least("6.1.0-56-amd64", 5, 3));
	CHECK(nsa_kernel_at_least("5.3.0", 5, 3));
	CHECK(!nsa_kernel_at_least("4.19.0-27-amd64", 5, 3));
	CHECK(!nsa_kernel_at_least("5.4.0", 5, 7));
	CHECK(nsa_kernel_at_least("10.0", 5, 7));
}

static struct nsa_platform plat(const char *arch, uint64_t page, const char *release)
{
	struct nsa_platform p = { 0 };

	snprintf(p.arch, sizeof(p.arch), "%s", arch);
	snprintf(p.kernel_release, sizeof(p.kernel_release), "%s", release);
	p.page_size = page;
	return p;
}

TEST(granularities_x86_64)
{
	struct nsa_platform p = plat("x86_64", 4096, "6.1.0-56-amd64");

	nsa_platform_fill_defaults(&p, false);
	CHECK_U64(p.section_size, 128 * NSA_MiB);
	CHECK_U64(p.subsection_size, 2 * NSA_MiB);
	CHECK_U64(p.memremap_compat_align, 2 * NSA_MiB);
	CHECK_U64(p.pmd_size, 2 * NSA_MiB);
	CHECK_U64(p.pud_size, NSA_GiB);
	CHECK(p.subsection_hotplug && p.compat_align_enforced);
}

TEST(granularities_arm64)
{
	struct nsa_platform p4 = plat("aarch64", 4096, "6.1.0");
	struct nsa_platform p16 = plat("aarch64", 16384, "6.1.0");
	struct nsa_platform p64 = plat("aarch64", 65536, "6.1.0");
	struct nsa_platform old = plat("aarch64", 65536, "5.4.0");

	nsa_platform_fill_defaults(&p4, false);
	nsa_platform_fill_defaults(&p16, false);
	nsa_platform_fill_defaults(&p64, false);
	nsa_platform_fill_defaults(&old, false);
	CHECK_U64(p4.section_size, 128 * NSA_MiB);
	CHECK_U64(p4.pmd_size, 2 * NSA_MiB);
	CHECK_U64(p16.section_size, 128 * NSA_MiB);
	CHECK_U64(p16.pmd_size, 32 * NSA_MiB);
	CHECK_U64(p64.section_size, 512 * NSA_MiB);
	CHECK_U64(p64.pmd_size, 512 * NSA_MiB);
	CHECK_U64(p64.pud_size, 0); /* no HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD on arm64 */
	CHECK_U64(old.section_size, NSA_GiB);
	CHECK_U64(p64.memremap_compat_align, 2 * NSA_MiB);
}

TEST(granularities_ppc64)
{
	struct nsa_platform hash = plat("ppc64le", 65536, "6.1.0");
	struct nsa_platform radix = plat("ppc64le", 65536, "6.1.0");

	nsa_platform_fill_defaults(&hash, true);
	nsa_platform_fill_defaults(&radix, false);
	CHECK_U64(hash.section_size, 16 * NSA_MiB);
	CHECK_U64(hash.memremap_compat_align, 16 * NSA_MiB);
	CHECK_U64(radix.memremap_compat_align, 2 * NSA_MiB);
}

TEST(old_kernels)
{
	struct nsa_platform p = plat("x86_64", 4096, "4.19.0-27-amd64");
	struct nsa_platform q = plat("x86_64", 4096, "5.4.0");

	nsa_platform_fill_defaults(&p, false);
	nsa_platform_fill_defaults(&q, false);
	CHECK(!p.subsection_hotplug && !p.compat_align_enforced);
	CHECK(q.subsection_hotplug && !q.compat_align_enforced);
}
