// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Round-trip properties.  A snapshot written, read back and written again
 * is byte for byte the same file, for every captured snapshot and for
 * layouts generated from seeds; an info block serialized from what was
 * parsed of it is the same 4096 bytes, for blocks generated from seeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libnsalign.h"
#include "test.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static char dir[64];

static void remove_dir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/a.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	unlink(path);
	rmdir(dir);
}

static const char *tmp_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/nsalign-test-roundtrip.XXXXXX");
		if (!mkdtemp(dir)) {
			printf("Bail out! mkdtemp: %s\n", strerror(errno));
			exit(1);
		}
		atexit(remove_dir);
	}
	return dir;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);

		rewind(f);
		buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* write s to a.json, read it, write that to b.json: the same bytes */
static bool write_read_write(const struct nsa_snapshot *s, const char *what)
{
	char a[128], b[128], err[256];
	struct nsa_snapshot *back = NULL;
	char *ta, *tb;
	size_t la, lb;
	bool same;
	int r;

	snprintf(a, sizeof(a), "%s/a.json", tmp_dir());
	snprintf(b, sizeof(b), "%s/b.json", tmp_dir());
	if (nsa_snapshot_save(s, a) < 0) {
		printf("#   %s: cannot write\n", what);
		return false;
	}
	r = nsa_snapshot_load(a, &back, err, sizeof(err));
	if (r < 0) {
		printf("#   %s: what was written does not read back: %s\n", what, err);
		return false;
	}
	r = nsa_snapshot_save(back, b);
	nsa_snapshot_free(back);
	if (r < 0)
		return false;
	ta = slurp(a, &la);
	tb = slurp(b, &lb);
	same = ta && tb && la == lb && memcmp(ta, tb, la) == 0;
	if (!same)
		printf("#   %s: written %zu bytes, read and written again %zu, different\n", what,
		       la, lb);
	free(ta);
	free(tb);
	return same;
}

static int check_dir(const char *d)
{
	struct dirent *de;
	DIR *dp = opendir(d);
	int n = 0;

	if (!dp) {
		printf("#   %s: %s\n", d, strerror(errno));
		test_failed_current = 1;
		return 0;
	}
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		struct nsa_snapshot *s = NULL;
		char path[PATH_MAX], err[256];

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, de->d_name);
		if (nsa_snapshot_load(path, &s, err, sizeof(err)) < 0) {
			printf("#   %s: %s\n", de->d_name, err);
			test_failed_current = 1;
			continue;
		}
		CHECK(write_read_write(s, de->d_name));
		nsa_snapshot_free(s);
		n++;
	}
	closedir(dp);
	return n;
}

TEST(every_captured_snapshot_writes_reads_and_writes_the_same_bytes)
{
	const char *top = getenv("TOP_SRCDIR") ? getenv("TOP_SRCDIR") : "..";
	char d[PATH_MAX];
	int n;

	snprintf(d, sizeof(d), "%s/tests/fixtures", top);
	n = check_dir(d);
	snprintf(d, sizeof(d), "%s/tests/snapshots", top);
	n += check_dir(d);
	printf("# %d snapshots\n", n);
	CHECK(n >= 10);
}

/* ------------------------------------------------------------ generated layouts */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t pick(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void uuid(char *buf, bool maybe_empty)
{
	if (maybe_empty && pick(4) == 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, NSA_UUID_LEN, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
		 (unsigned long long)(rnd() & 0xffffffff), (unsigned long long)(rnd() & 0xffff),
		 (unsigned long long)(rnd() & 0xfff), (unsigned long long)(rnd() & 0xfff),
		 (unsigned long long)(rnd() & 0xffffffffffffULL));
}

/* text with what JSON escapes: quotes, backslashes, slashes, control and non-ASCII bytes */
static void text(char *buf, size_t len)
{
	static const char *const bits[] = { "a",  "Z",	  "0",	  " ", "\"", "\\", "/", "\t",
					    "\n", "\x01", "\x7f", "é", "€",  ":",  "{", "]" };
	size_t used = 0, n = pick(len);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *b = bits[pick(sizeof(bits) / sizeof(bits[0]))];

		if (used + strlen(b) >= len)
			break;
		strcpy(buf + used, b);
		used += strlen(b);
	}
}

static void add_res(struct nsa_snapshot *s, uint64_t start, uint64_t end, const char *name,
		    int parent)
{
	struct nsa_resource *r = nsa_snapshot_add_resource(s);

	r->start = start;
	r->end = end;
	r->name = strdup(name);
	r->parent = parent;
	r->depth = parent < 0 ? 0 : s->iomem[parent].depth + 1;
	r->type = nsa_res_type_from_name(name);
}

static struct nsa_snapshot *generate(uint64_t seed)
{
	static const char *const arches[] = { "x86_64", "aarch64", "ppc64le", "s390x" };
	static const char *const onlines[] = { "offline", "online", "online_kernel",
					       "online_movable", "" };
	static const enum nsa_mode modes[] = { NSA_MODE_RAW, NSA_MODE_SECTOR, NSA_MODE_FSDAX,
					       NSA_MODE_DEVDAX, NSA_MODE_UNKNOWN };
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_platform *p = &s->platform;
	uint64_t block, addr, ram_end;
	int n_regions;

	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	snprintf(s->source, sizeof(s->source), "generated layout, seed %llu",
		 (unsigned long long)seed);
	s->collected_at = (int64_t)(1700000000 + pick(100000000));
	snprintf(s->collector, sizeof(s->collector), "nsalign test");
	snprintf(p->arch, sizeof(p->arch), "%s", arches[pick(4)]);
	snprintf(p->kernel_release, sizeof(p->kernel_release), "%llu.%llu.0-%llu-amd64",
		 (unsigned long long)(4 + pick(3)), (unsigned long long)pick(20),
		 (unsigned long long)pick(60));
	text(p->hostname, sizeof(p->hostname));
	uuid(p->boot_id, true);
	p->page_size = pick(3) ? 4096 : 65536;
	p->subsection_size = 2 * MiB;
	p->section_size = 128 * MiB << pick(3);
	block = p->section_size << pick(4);
	p->block_size = pick(5) ? block : 0;
	p->memremap_compat_align = pick(2) ? 2 * MiB : 16 * MiB;
	p->pmd_size = 2 * MiB;
	p->pud_size = pick(3) ? GiB : 0;
	p->subsection_hotplug = pick(2);
	p->compat_align_enforced = pick(2);
	p->memmap_on_memory = (int)pick(3) - 1;
	snprintf(p->auto_online_blocks, sizeof(p->auto_online_blocks), "%s", onlines[pick(5)]);
	p->no_zone_device = pick(4) == 0;
	p->memory_probe = pick(4) == 0;
	p->iomem_visible = pick(5) != 0;
	p->ndctl_available = pick(5) != 0;

	/* RAM below 4 GiB with a reserved hole, then PMEM regions with namespaces inside */
	ram_end = (1 + pick(4)) * GiB - 1;
	add_res(s, 0, 4095, "Reserved", -1);
	add_res(s, 4096, ram_end, "System RAM", -1);
	add_res(s, 16 * MiB, 16 * MiB + pick(64) * MiB + 4095, "Kernel code", 1);
	addr = 4 * GiB;
	n_regions = (int)pick(4);
	for (int i = 0; i < n_regions; i++) {
		struct nsa_region *r = nsa_snapshot_add_region(s);
		uint64_t size = (1 + pick(16)) * GiB, at = addr;
		int pmem = (int)s->n_iomem, n_ns = (int)pick(4);

		snprintf(r->dev, sizeof(r->dev), "region%d", i);
		r->id = i;
		snprintf(r->type, sizeof(r->type), "pmem");
		snprintf(r->provider, sizeof(r->provider), "%s", pick(2) ? "ACPI.NFIT" : "e820");
		r->legacy = strcmp(r->provider, "e820") == 0;
		r->spa_start = p->iomem_visible ? addr : 0;
		r->size = size;
		r->align = pick(2) ? 16 * MiB : 0;
		r->mappings = (int)pick(3);
		r->numa_node = (int)pick(3) - 1;
		r->target_node = (int)pick(3) - 1;
		r->enabled = pick(4) != 0;
		r->read_only = pick(8) == 0;
		r->has_labels = !r->legacy;
		r->no_idle_seed = pick(6) == 0;
		r->n_pfn_alignments = (int)pick(4);
		for (int k = 0; k < r->n_pfn_alignments; k++)
			r->pfn_alignments[k] = 4096ULL << (9 * k);
		r->n_dax_alignments = (int)pick(4);
		for (int k = 0; k < r->n_dax_alignments; k++)
			r->dax_alignments[k] = 4096ULL << (9 * k);
		add_res(s, addr, addr + size - 1,
			r->legacy ? "Persistent Memory (legacy)" : "Persistent Memory", -1);
		for (int k = 0; k < n_ns && at + GiB <= addr + size; k++) {
			struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);
			uint64_t nsize =
				(1 + pick((addr + size - at) / GiB)) * GiB - pick(3) * 64 * MiB;

			snprintf(ns->dev, sizeof(ns->dev), "namespace%d.%d", i, k);
			snprintf(ns->region, sizeof(ns->region), "region%d", i);
			uuid(ns->uuid, r->legacy);
			uuid(ns->holder_uuid, true);
			text(ns->name, sizeof(ns->name));
			ns->mode = modes[pick(5)];
			ns->map = ns->mode == NSA_MODE_FSDAX || ns->mode == NSA_MODE_DEVDAX
					  ? (enum nsa_map)(1 + pick(2))
					  : NSA_MAP_NONE;
			snprintf(ns->holder_class, sizeof(ns->holder_class), "%s",
				 ns->mode == NSA_MODE_FSDAX    ? "pfn"
				 : ns->mode == NSA_MODE_DEVDAX ? "dax"
				 : ns->mode == NSA_MODE_SECTOR ? "btt"
							       : "");
			ns->spa_start = p->iomem_visible ? at : 0;
			ns->size = nsize;
			ns->enabled = pick(4) != 0;
			ns->force_raw = pick(8) == 0;
			ns->numa_node = (int)pick(3) - 1;
			ns->target_node = (int)pick(3) - 1;
			if (ns->holder_class[0])
				snprintf(ns->holder, sizeof(ns->holder), "%s%d.%d",
					 ns->holder_class, i, k);
			ns->align = ns->holder_class[0] && ns->mode != NSA_MODE_SECTOR
					    ? (pick(2) ? 2 * MiB : GiB)
					    : 0;
			if (ns->align && ns->spa_start) {
				ns->data_start = ns->spa_start + 2 * MiB * (1 + pick(8));
				ns->data_size = nsize - (ns->data_start - ns->spa_start);
			}
			snprintf(ns->blockdev, sizeof(ns->blockdev), "%s",
				 ns->mode == NSA_MODE_DEVDAX ? "" : "pmem0");
			ns->probe_error = pick(6) == 0 ? -(int)pick(30) : 0;
			if (ns->align && pick(2)) {
				struct nsa_infoblock *ib = &ns->ib;

				ib->valid = pick(4) != 0;
				snprintf(ib->signature, sizeof(ib->signature), "%s",
					 ns->mode == NSA_MODE_DEVDAX ? "NVDIMM_DAX_INFO"
								     : "NVDIMM_PFN_INFO");
				uuid(ib->uuid, false);
				snprintf(ib->parent_uuid, sizeof(ib->parent_uuid), "%s", ns->uuid);
				ib->version_major = 1;
				ib->version_minor = (uint16_t)pick(5);
				ib->dataoff = 2 * MiB * pick(600);
				ib->npfns = pick(1ULL << 20);
				ib->mode = (uint32_t)(1 + pick(2));
				ib->start_pad = (uint32_t)pick(2) * 64 * (uint32_t)MiB;
				ib->end_trunc = (uint32_t)pick(2) * 2 * (uint32_t)MiB;
				ib->align = (uint32_t)ns->align;
				ib->page_size = (uint32_t)p->page_size;
				ib->page_struct_size = 64;
				ib->flags = (uint32_t)pick(3);
				ib->checksum = rnd();
				/* a block that does not validate carries why (no draw: same
				 * layouts) */
				if (!ib->valid)
					snprintf(ib->damage, sizeof(ib->damage),
						 "checksum %#018" PRIx64
						 " does not match the contents",
						 ib->checksum);
			}
			if (ns->spa_start) {
				int nsr = (int)s->n_iomem;

				add_res(s, at, at + nsize - 1, ns->dev, pmem);
				if (ns->mode == NSA_MODE_DEVDAX) {
					struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);

					snprintf(d->dev, sizeof(d->dev), "dax%d.%d", i, k);
					snprintf(d->namespace_dev, sizeof(d->namespace_dev), "%s",
						 ns->dev);
					d->region_id = i;
					d->spa_start = ns->data_start;
					d->size = ns->data_size;
					d->align = ns->align;
					d->mode = (enum nsa_dax_mode)pick(3);
					d->target_node = (int)pick(2);
					d->numa_node = (int)pick(2);
					d->online_blocks = (int)pick(9) - 1;
					d->total_blocks = (int)pick(9);
					d->movable = pick(2);
					d->memmap_on_memory = pick(4) == 0;
					if (d->spa_start)
						add_res(s, d->spa_start, d->spa_start + d->size - 1,
							d->dev, nsr);
				}
			}
			at += nsize + pick(2) * GiB;
		}
		addr += size + pick(3) * GiB;
	}

	/* memory blocks in runs: states, zones, nodes, holes */
	if (p->block_size) {
		uint64_t idx = pick(4);
		int runs = (int)pick(8);

		for (int k = 0; k < runs; k++) {
			uint64_t count = 1 + pick(40);
			uint8_t st = (uint8_t)pick(4), zones = (uint8_t)pick(64);
			int32_t node = (int32_t)pick(3) - 1;
			uint8_t removable = (uint8_t)pick(2);

			for (uint64_t b = 0; b < count; b++) {
				struct nsa_memblock *m = nsa_snapshot_add_block(s);

				m->index = idx + b;
				m->state = st;
				m->zones = zones;
				m->node = node;
				m->removable = removable;
			}
			idx += count + pick(3);
		}
	}
	for (int k = (int)pick(3); k > 0; k--) {
		char note[64];

		text(note, sizeof(note));
		nsa_snapshot_add_note(s, "%s", note);
	}
	if (pick(2))
		nsa_snapshot_add_kernel_line(
			s, "dax0.1: bad offset: 0x40000000 dax disabled align: 0x40000000");
	if (pick(2))
		nsa_snapshot_add_kernel_line(
			s, "nd_pmem namespace0.0: probe of namespace0.0 failed with error -12");
	nsa_snapshot_finish(s);
	return s;
}

TEST(generated_layouts_write_read_and_write_the_same_bytes)
{
	int bad = 0;

	for (uint64_t seed = 1; seed <= 300; seed++) {
		struct nsa_snapshot *s = generate(seed);
		char what[64];

		REQUIRE(s);
		snprintf(what, sizeof(what), "seed %llu", (unsigned long long)seed);
		if (!write_read_write(s, what))
			bad++;
		nsa_snapshot_free(s);
		if (bad > 5)
			break;
	}
	CHECK(bad == 0);
}

/* ------------------------------------------------------------ info blocks */

TEST(generated_info_blocks_serialize_back_to_the_same_bytes)
{
	int bad = 0;

	for (uint64_t seed = 1; seed <= 2000; seed++) {
		uint8_t b[NSA_INFOBLOCK_SIZE], again[NSA_INFOBLOCK_SIZE];
		struct nsa_infoblock ib = { 0 }, parsed;
		char err[256];

		rng = seed * 0x9E3779B97F4A7C15ULL + 7;
		/* padding and flags the code does not know stay as they are */
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rnd();
		snprintf(ib.signature, sizeof(ib.signature), "%s",
			 pick(2) ? "NVDIMM_DAX_INFO" : "NVDIMM_PFN_INFO");
		uuid(ib.uuid, true);
		uuid(ib.parent_uuid, true);
		ib.version_major = 1;
		ib.version_minor = (uint16_t)pick(10);
		ib.dataoff = rnd();
		ib.npfns = rnd();
		ib.mode = (uint32_t)(1 + pick(2));
		ib.start_pad = (uint32_t)rnd();
		ib.end_trunc = (uint32_t)rnd();
		ib.align = (uint32_t)rnd();
		ib.page_size = (uint32_t)rnd();
		ib.page_struct_size = (uint16_t)rnd();
		ib.flags = (uint32_t)rnd();
		REQUIRE(nsa_infoblock_serialize(&ib, b) == 0);
		if (nsa_infoblock_parse(b, sizeof(b), ib.parent_uuid, &parsed, err, sizeof(err)) <
		    0) {
			printf("#   seed %llu: %s\n", (unsigned long long)seed, err);
			bad++;
			continue;
		}
		memcpy(again, b, sizeof(again));
		REQUIRE(nsa_infoblock_serialize(&parsed, again) == 0);
		if (memcmp(again, b, sizeof(b)) != 0) {
			printf("#   seed %llu: serialize(parse(b)) != b\n",
			       (unsigned long long)seed);
			bad++;
		}
		if (bad > 5)
			break;
	}
	CHECK(bad == 0);
}
