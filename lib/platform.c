// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Granularities the kernel does not export, derived from the architecture,
 * the page size and the kernel release.  Everything here is a run-time
 * decision: nsalign built on x86_64 judges an arm64 snapshot correctly.
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

bool nsa_kernel_at_least(const char *release, int major, int minor)
{
	int ma = 0, mi = 0;

	if (!release || sscanf(release, "%d.%d", &ma, &mi) < 1)
		return true; /* unknown: assume a current kernel */
	return ma > major || (ma == major && mi >= minor);
}

static bool arch_is(const char *arch, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(arch, *names) == 0)
			return true;
	return false;
}

static const char *const x86_64_names[] = { "x86_64", "amd64", NULL };
static const char *const arm64_names[] = { "aarch64", "arm64", NULL };
static const char *const ppc64_names[] = { "ppc64", "ppc64le", NULL };
static const char *const riscv64_names[] = { "riscv64", NULL };
static const char *const s390x_names[] = { "s390x", NULL };

bool nsa_platform_is_arm64(const struct nsa_platform *p)
{
	return arch_is(p->arch, arm64_names);
}

/* SECTION_SIZE_BITS from arch/<arch>/include/asm/sparsemem.h */
static uint64_t section_size(const struct nsa_platform *p)
{
	if (arch_is(p->arch, x86_64_names) || arch_is(p->arch, riscv64_names))
		return 128 * NSA_MiB; /* 27 */
	if (arch_is(p->arch, arm64_names)) {
		/* v5.12 "arm64/sparsemem: reduce SECTION_SIZE_BITS": 30 before */
		if (!nsa_kernel_at_least(p->kernel_release, 5, 12))
			return NSA_GiB;
		return p->page_size == 64 * NSA_KiB ? 512 * NSA_MiB : 128 * NSA_MiB;
	}
	if (arch_is(p->arch, ppc64_names))
		return 16 * NSA_MiB; /* 24 */
	if (arch_is(p->arch, s390x_names))
		return 256 * NSA_MiB; /* 28 */
	return 128 * NSA_MiB;
}

/*
 * HPAGE_PMD_SIZE / HPAGE_PUD_SIZE as nd_pfn_supported_alignments() offers
 * them; PUD only where the arch has CONFIG_HAVE_ARCH_TRANSPARENT_HUGEPAGE_PUD.
 */
static void huge_sizes(struct nsa_platform *p, bool ppc64_hash_mmu)
{
	uint64_t ps = p->page_size ? p->page_size : 4096;

	if (arch_is(p->arch, x86_64_names)) {
		p->pmd_size = p->pmd_size ?: 2 * NSA_MiB;
		p->pud_size = p->pud_size ?: NSA_GiB;
	} else if (arch_is(p->arch, arm64_names)) {
		/* one page of page-table entries (8 bytes each) maps a PMD */
		p->pmd_size = p->pmd_size ?: ps * (ps / 8);
	} else if (arch_is(p->arch, ppc64_names)) {
		p->pmd_size = p->pmd_size ?: (ppc64_hash_mmu ? 16 * NSA_MiB : 2 * NSA_MiB);
	} else if (arch_is(p->arch, riscv64_names) || arch_is(p->arch, s390x_names)) {
		p->pmd_size =
			p->pmd_size ?: (arch_is(p->arch, s390x_names) ? NSA_MiB : 2 * NSA_MiB);
	}
}

void nsa_platform_fill_defaults(struct nsa_platform *p, bool ppc64_hash_mmu)
{
	if (!p->page_size)
		p->page_size = 4096;
	if (!p->subsection_size)
		p->subsection_size = 2 * NSA_MiB; /* SUBSECTION_SHIFT 21, all arches */
	if (!p->section_size)
		p->section_size = section_size(p);
	if (!p->block_size)
		p->block_size = p->section_size; /* the minimum the kernel uses */
	if (!p->memremap_compat_align) {
		/* mm/memremap.c memremap_compat_align(); ppc64 hash: linear map page */
		if (arch_is(p->arch, ppc64_names) && ppc64_hash_mmu)
			p->memremap_compat_align = 16 * NSA_MiB;
		else
			p->memremap_compat_align = p->subsection_size;
	}
	huge_sizes(p, ppc64_hash_mmu);
	/* "mm: sub-section memory hotplug" (v5.3); memremap_compat_align() (v5.7) */
	p->subsection_hotplug = nsa_kernel_at_least(p->kernel_release, 5, 3);
	p->compat_align_enforced = nsa_kernel_at_least(p->kernel_release, 5, 7);
}

/*
 * How far firmware moves PMEM between boots, by architecture: what nsalign
 * assumes unless nsalign.conf (Granularity=) or --granularity says.  x86
 * platforms place PMEM in 64 MiB steps.  The other architectures publish
 * no figure: NSA_PLATFORM_GRANULARITY, the x86 one, until one is known (a
 * recorded move that is not a multiple says so: NSA-GRANULARITY-COARSE).
 */
static const struct {
	const char *const *names;
	uint64_t granularity;
} granularities[] = {
	{ x86_64_names, 64 * NSA_MiB },
};

uint64_t nsa_platform_granularity(const struct nsa_platform *p, uint64_t configured)
{
	if (configured)
		return configured;
	for (size_t i = 0; p && i < sizeof(granularities) / sizeof(granularities[0]); i++)
		if (arch_is(p->arch, granularities[i].names))
			return granularities[i].granularity;
	return NSA_PLATFORM_GRANULARITY;
}
