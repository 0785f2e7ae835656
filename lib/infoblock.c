// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pfn/dax info block (the kernel's struct nd_pfn_sb): 4096 bytes at
 * namespace offset 4096, little-endian, sealed by a fletcher64 checksum
 * over 32-bit words with the checksum field counted as zero.  Read,
 * validated as the kernel does (drivers/nvdimm/pfn_devs.c,
 * nd_pfn_validate()), and written back field by field: every byte this
 * code does not name (flags, padding) stays as it was.
 *
 *   offset size  field
 *        0   16  signature     "NVDIMM_PFN_INFO\0" fsdax, "NVDIMM_DAX_INFO\0" devdax
 *       16   16  uuid          the info block's own (ndctl's "uuid")
 *       32   16  parent_uuid   the namespace's label uuid (zero: label-less)
 *       48    4  flags
 *       52    2  version_major
 *       54    2  version_minor
 *       56    8  dataoff       from namespace start + start_pad to the data
 *       64    8  npfns
 *       72    4  mode          1 struct pages in RAM, 2 in PMEM
 *       76    4  start_pad     minor >= 1
 *       80    4  end_trunc     minor >= 1
 *       84    4  align         minor >= 2
 *       88    4  page_size     minor >= 4
 *       92    2  page_struct_size  minor >= 4
 *     4088    8  checksum
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <uuid/uuid.h>

#include "kernel.h"

#define OFF_SIGNATURE	     0
#define OFF_UUID	     16
#define OFF_PARENT_UUID	     32
#define OFF_FLAGS	     48
#define OFF_VERSION_MAJOR    52
#define OFF_VERSION_MINOR    54
#define OFF_DATAOFF	     56
#define OFF_NPFNS	     64
#define OFF_MODE	     72
#define OFF_START_PAD	     76
#define OFF_END_TRUNC	     80
#define OFF_ALIGN	     84
#define OFF_PAGE_SIZE	     88
#define OFF_PAGE_STRUCT_SIZE 92
#define OFF_CHECKSUM	     4088

#define SIG_LEN 16
static const char pfn_sig[SIG_LEN] = "NVDIMM_PFN_INFO";
static const char dax_sig[SIG_LEN] = "NVDIMM_DAX_INFO";

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint64_t nsa_infoblock_checksum(const void *block)
{
	const uint8_t *b = block;
	uint32_t lo = 0;
	uint64_t hi = 0;

	for (size_t i = 0; i < NSA_INFOBLOCK_SIZE; i += 4) {
		/* the checksum's own two words count as zero */
		lo += i >= OFF_CHECKSUM ? 0 : get32(b + i);
		hi += lo;
	}
	return hi << 32 | lo;
}

static void uuid_out(const uint8_t *raw, char *buf)
{
	static const uint8_t zero[16];

	if (memcmp(raw, zero, 16) == 0)
		buf[0] = '\0';
	else
		uuid_unparse_lower(raw, buf);
}

int nsa_infoblock_parse(const void *buf, size_t len, const char *parent_uuid,
			struct nsa_infoblock *ib, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	uint64_t sum;

	*ib = (struct nsa_infoblock){ 0 };
	if (len < NSA_INFOBLOCK_SIZE)
		return nsa_say(err, errlen, -EINVAL, "truncated: %zu of %d bytes", len,
			       NSA_INFOBLOCK_SIZE);
	if (memcmp(b, pfn_sig, SIG_LEN) != 0 && memcmp(b, dax_sig, SIG_LEN) != 0)
		return nsa_say(err, errlen, -ENODATA,
			       "no pfn or dax info block (signature \"%.15s\")",
			       b[0] >= 0x20 && b[0] < 0x7f ? (const char *)b : "");
	memcpy(ib->signature, b, SIG_LEN - 1);
	ib->signature[SIG_LEN - 1] = '\0';
	uuid_out(b + OFF_UUID, ib->uuid);
	uuid_out(b + OFF_PARENT_UUID, ib->parent_uuid);
	ib->flags = get32(b + OFF_FLAGS);
	ib->version_major = get16(b + OFF_VERSION_MAJOR);
	ib->version_minor = get16(b + OFF_VERSION_MINOR);
	ib->dataoff = get64(b + OFF_DATAOFF);
	ib->npfns = get64(b + OFF_NPFNS);
	ib->mode = get32(b + OFF_MODE);
	/* fields a version does not have read as the kernel reads them */
	if (ib->version_minor >= 1) {
		ib->start_pad = get32(b + OFF_START_PAD);
		ib->end_trunc = get32(b + OFF_END_TRUNC);
	}
	if (ib->version_minor >= 2)
		ib->align = get32(b + OFF_ALIGN);
	if (ib->version_minor >= 4) {
		ib->page_size = get32(b + OFF_PAGE_SIZE);
		ib->page_struct_size = get16(b + OFF_PAGE_STRUCT_SIZE);
	}
	ib->checksum = get64(b + OFF_CHECKSUM);

	sum = nsa_infoblock_checksum(b);
	if (sum != ib->checksum)
		return nsa_say(err, errlen, -EBADMSG,
			       "checksum %#018" PRIx64 " does not match the contents (%#018" PRIx64
			       "): damaged, or edited without resealing",
			       ib->checksum, sum);
	if (ib->version_major != 1)
		return nsa_say(err, errlen, -EPROTO, "version %u.%u: only 1.x is known",
			       ib->version_major, ib->version_minor);
	if (ib->mode != NSA_PFN_MODE_RAM && ib->mode != NSA_PFN_MODE_PMEM)
		return nsa_say(err, errlen, -EPROTO,
			       "mode %" PRIu32 " is neither ram (1) nor pmem (2)", ib->mode);
	if (parent_uuid && strcasecmp(parent_uuid, ib->parent_uuid) != 0)
		return nsa_say(err, errlen, -ESTALE,
			       "parent uuid %s is not the namespace's (%s): a block of an earlier "
			       "namespace",
			       ib->parent_uuid[0] ? ib->parent_uuid : "(none)",
			       parent_uuid[0] ? parent_uuid : "none");
	ib->valid = true;
	return 0;
}

int nsa_infoblock_classify(const void *block, const char *parent_uuid, struct nsa_infoblock *ib)
{
	char why[sizeof(ib->damage)] = "";
	int r = nsa_infoblock_parse(block, NSA_INFOBLOCK_SIZE, parent_uuid, ib, why, sizeof(why));

	if (r == 0)
		return 1;
	if (r == -ENODATA || !why[0])
		return 0;
	nsa_strlcpy(ib->damage, why, sizeof(ib->damage));
	return r;
}

static int uuid_in(const char *s, uint8_t *raw)
{
	if (!s[0]) {
		memset(raw, 0, 16);
		return 0;
	}
	return uuid_parse(s, raw) == 0 ? 0 : -EINVAL;
}

int nsa_infoblock_serialize(const struct nsa_infoblock *ib, void *block)
{
	uint8_t *b = block;
	uint8_t uu[16], pu[16];

	if ((strcmp(ib->signature, "NVDIMM_PFN_INFO") != 0 &&
	     strcmp(ib->signature, "NVDIMM_DAX_INFO") != 0) ||
	    uuid_in(ib->uuid, uu) < 0 || uuid_in(ib->parent_uuid, pu) < 0)
		return -EINVAL;
	memcpy(b + OFF_SIGNATURE, nsa_infoblock_is_devdax(ib) ? dax_sig : pfn_sig, SIG_LEN);
	memcpy(b + OFF_UUID, uu, 16);
	memcpy(b + OFF_PARENT_UUID, pu, 16);
	put32(b + OFF_FLAGS, ib->flags);
	put16(b + OFF_VERSION_MAJOR, ib->version_major);
	put16(b + OFF_VERSION_MINOR, ib->version_minor);
	put64(b + OFF_DATAOFF, ib->dataoff);
	put64(b + OFF_NPFNS, ib->npfns);
	put32(b + OFF_MODE, ib->mode);
	if (ib->version_minor >= 1) {
		put32(b + OFF_START_PAD, ib->start_pad);
		put32(b + OFF_END_TRUNC, ib->end_trunc);
	}
	if (ib->version_minor >= 2)
		put32(b + OFF_ALIGN, ib->align);
	if (ib->version_minor >= 4) {
		put32(b + OFF_PAGE_SIZE, ib->page_size);
		put16(b + OFF_PAGE_STRUCT_SIZE, ib->page_struct_size);
	}
	put64(b + OFF_CHECKSUM, nsa_infoblock_checksum(b));
	return 0;
}

bool nsa_infoblock_is_devdax(const struct nsa_infoblock *ib)
{
	return strcmp(ib->signature, "NVDIMM_DAX_INFO") == 0;
}

/* The alignment the kernel uses: the recorded one, or, before 1.2, from dataoff. */
uint64_t nsa_infoblock_effective_align(const struct nsa_infoblock *ib)
{
	struct nsa_pfn_geometry g;

	nsa_kernel_ib_geometry(ib, &g);
	return g.align;
}

/*
 * The kernel a place describes: its page, compat, PMD and PUD sizes, on a
 * kernel that enforces memremap_compat_align() (v5.7+).
 */
static void place_platform(const struct nsa_ib_place *pl, struct nsa_platform *p)
{
	memset(p, 0, sizeof(*p));
	p->page_size = pl->page_size ? pl->page_size : 4096;
	p->memremap_compat_align = pl->compat_align ? pl->compat_align : SZ_2M;
	p->pmd_size = pl->pmd_size ? pl->pmd_size : SZ_2M;
	p->pud_size = pl->pud_size == UINT64_MAX ? 0 : pl->pud_size ? pl->pud_size : SZ_1G;
	p->subsection_hotplug = p->compat_align_enforced = true;
}

int nsa_infoblock_check(const struct nsa_infoblock *ib, const struct nsa_ib_place *p, char *msg,
			size_t len)
{
	struct nsa_pfn_geometry g;
	struct nsa_placement pl;
	struct nsa_platform k;

	place_platform(p, &k);
	nsa_kernel_ib_geometry(ib, &g);
	nsa_kernel_probe(&k, NULL, &g, NULL, p->start, p->size, &pl);
	if (pl.verdict == NSA_ACCEPT_YES)
		return 0;
	return nsa_say(msg, len, -EOPNOTSUPP, "%s", pl.kernel_message);
}

int nsa_repair_align(const struct nsa_infoblock *ib, const struct nsa_ib_place *p,
		     uint64_t max_align, uint64_t *align, char *why, size_t len)
{
	struct nsa_pfn_geometry g;
	struct nsa_platform k;

	place_platform(p, &k);
	nsa_kernel_ib_geometry(ib, &g);
	return nsa_kernel_repair_align(&k, NULL, &g, ib->version_minor, p->start, p->size,
				       max_align, align, why, len);
}
