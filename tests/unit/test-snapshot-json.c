// SPDX-License-Identifier: GPL-2.0-or-later
/* Snapshot JSON round trip, block runs, and every way a file can be damaged. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "test.h"

static struct nsa_snapshot *full_snapshot(void)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	struct nsa_resource *r;
	struct nsa_region *reg;
	struct nsa_namespace *ns;
	struct nsa_daxdev *d;

	snprintf(s->source, sizeof(s->source), "unit test");
	s->collected_at = 1763800000;
	snprintf(s->platform.arch, sizeof(s->platform.arch), "x86_64");
	snprintf(s->platform.kernel_release, sizeof(s->platform.kernel_release), "6.1.0-56-amd64");
	s->platform.page_size = 4096;
	s->platform.block_size = 128 * NSA_MiB;
	s->platform.memmap_on_memory = 1;
	s->platform.iomem_visible = true;
	snprintf(s->platform.auto_online_blocks, sizeof(s->platform.auto_online_blocks), "offline");
	nsa_platform_fill_defaults(&s->platform, false);

	r = nsa_snapshot_add_resource(s);
	*r = (struct nsa_resource){ 0x104000000,  0x203fdffff, strdup("Persistent Memory"),
				    NSA_RES_PMEM, 0,	       -1 };
	r = nsa_snapshot_add_resource(s);
	*r = (struct nsa_resource){ 0x104000000,       0x143ffffff, strdup("namespace0.0"),
				    NSA_RES_NAMESPACE, 1,	    0 };
	r = nsa_snapshot_add_resource(s);
	*r = (struct nsa_resource){ 0x105200000, 0x143ffffff, strdup("dax0.0"), NSA_RES_DAX, 2, 1 };
	r = nsa_snapshot_add_resource(s);
	*r = (struct nsa_resource){ 0x204000000,	0x20bffffff, strdup("System RAM"),
				    NSA_RES_SYSTEM_RAM, 0,	     -1 };

	reg = nsa_snapshot_add_region(s);
	snprintf(reg->dev, sizeof(reg->dev), "region0");
	reg->id = 0;
	snprintf(reg->type, sizeof(reg->type), "pmem");
	snprintf(reg->provider, sizeof(reg->provider), "ACPI.NFIT");
	reg->spa_start = 0x104000000;
	reg->size = 4 * NSA_GiB - 128 * NSA_KiB;
	reg->align = 16 * NSA_MiB;
	reg->mappings = 1;
	reg->numa_node = 0;
	reg->enabled = true;
	reg->has_labels = true;
	reg->dax_alignments[0] = 4096;
	reg->dax_alignments[1] = 2 * NSA_MiB;
	reg->n_dax_alignments = 2;

	ns = nsa_snapshot_add_namespace(s);
	snprintf(ns->dev, sizeof(ns->dev), "namespace0.0");
	snprintf(ns->region, sizeof(ns->region), "region0");
	snprintf(ns->uuid, sizeof(ns->uuid), "5e2b7c11-93d4-4a1e-8f60-7b2c9d4e5f02");
	snprintf(ns->holder_uuid, sizeof(ns->holder_uuid), "8d0e0f4c-2b8a-4c55-9a41-0d4f3a1b2c01");
	ns->mode = NSA_MODE_DEVDAX;
	ns->map = NSA_MAP_DEV;
	ns->spa_start = 0x104000000;
	ns->size = NSA_GiB;
	ns->enabled = true;
	ns->align = 2 * NSA_MiB;
	ns->data_start = 0x105200000;
	ns->data_size = 0x3ee00000;
	ns->probe_error = -95;
	snprintf(ns->holder, sizeof(ns->holder), "dax0.0");
	ns->ib.valid = true;
	snprintf(ns->ib.signature, sizeof(ns->ib.signature), "NVDIMM_DAX_INFO");
	ns->ib.version_major = 1;
	ns->ib.version_minor = 4;
	ns->ib.dataoff = 0x1200000;
	ns->ib.align = 2 * NSA_MiB;
	ns->ib.mode = 2;

	d = nsa_snapshot_add_daxdev(s);
	snprintf(d->dev, sizeof(d->dev), "dax0.0");
	snprintf(d->namespace_dev, sizeof(d->namespace_dev), "namespace0.0");
	d->region_id = 0;
	d->spa_start = 0x105200000;
	d->size = 0x3ee00000;
	d->align = 2 * NSA_MiB;
	d->mode = NSA_DAX_SYSTEM_RAM;
	d->online_blocks = 7;
	d->total_blocks = 7;
	d->movable = true;

	for (uint64_t i = 0; i < 40; i++) {
		struct nsa_memblock *b = nsa_snapshot_add_block(s);
		b->index = i < 24 ? i : i + 9; /* a hole */
		b->state = i < 30 ? NSA_BLOCK_ONLINE : NSA_BLOCK_OFFLINE;
		b->zones = i < 24 ? NSA_ZONE_NORMAL : NSA_ZONE_MOVABLE;
		b->node = 0;
		b->removable = 1;
	}
	nsa_snapshot_add_note(s, "a note");
	nsa_snapshot_add_kernel_line(
		s, "dax0.1: bad offset: 0x40000000 dax disabled align: 0x40000000");
	nsa_snapshot_finish(s);
	return s;
}

static struct nsa_snapshot *round_trip(const struct nsa_snapshot *s, char **text_out)
{
	struct json_object *obj = nsa_snapshot_to_json(s);
	struct nsa_snapshot *back = NULL;
	char err[256];

	if (!obj)
		return NULL;
	if (text_out)
		*text_out = strdup(json_object_to_json_string(obj));
	if (nsa_snapshot_from_json(obj, &back, err, sizeof(err)) < 0)
		printf("#   from_json: %s\n", err);
	json_object_put(obj);
	return back;
}

TEST(round_trip_every_field)
{
	struct nsa_snapshot *s = full_snapshot(), *b;
	char *t1 = NULL, *t2 = NULL;

	b = round_trip(s, &t1);
	REQUIRE(b);
	CHECK_STR(b->source, "unit test");
	CHECK(b->collected_at == 1763800000);
	CHECK_STR(b->platform.kernel_release, "6.1.0-56-amd64");
	CHECK_U64(b->platform.section_size, 128 * NSA_MiB);
	CHECK(b->platform.memmap_on_memory == 1 && b->platform.iomem_visible);
	REQUIRE(b->n_iomem == 4);
	CHECK(b->iomem[2].type == NSA_RES_DAX && b->iomem[2].parent == 1 && b->iomem[2].depth == 2);
	CHECK(b->iomem[3].parent == -1);
	REQUIRE(b->n_regions == 1 && b->n_namespaces == 1 && b->n_daxdevs == 1);
	CHECK_U64(b->regions[0].align, 16 * NSA_MiB);
	CHECK(b->regions[0].n_dax_alignments == 2 &&
	      b->regions[0].dax_alignments[1] == 2 * NSA_MiB);
	CHECK_STR(b->namespaces[0].uuid, "5e2b7c11-93d4-4a1e-8f60-7b2c9d4e5f02");
	CHECK_STR(b->namespaces[0].holder_uuid, "8d0e0f4c-2b8a-4c55-9a41-0d4f3a1b2c01");
	CHECK(b->namespaces[0].mode == NSA_MODE_DEVDAX && b->namespaces[0].map == NSA_MAP_DEV);
	CHECK_U64(b->namespaces[0].data_start, 0x105200000);
	CHECK(b->namespaces[0].probe_error == -95);
	CHECK(b->namespaces[0].region_index == 0);
	CHECK(b->namespaces[0].ib.valid && b->namespaces[0].ib.version_minor == 4);
	CHECK_U64(b->namespaces[0].ib.dataoff, 0x1200000);
	CHECK(b->daxdevs[0].mode == NSA_DAX_SYSTEM_RAM && b->daxdevs[0].online_blocks == 7);
	REQUIRE(b->n_blocks == 40);
	CHECK_U64(b->blocks[24].index, 33);
	CHECK(b->blocks[35].state == NSA_BLOCK_OFFLINE && b->blocks[35].zones == NSA_ZONE_MOVABLE);
	CHECK(b->n_notes == 1 && b->n_kernel_log == 1);

	/* and the second trip changes nothing */
	nsa_snapshot_free(round_trip(b, &t2));
	CHECK(t1 && t2 && strcmp(t1, t2) == 0);
	free(t1);
	free(t2);
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}

/* Unknown numbers (-1: no NUMA node, a devdax device's memory blocks) are absent, never -1. */
TEST(unknown_numbers_are_absent_and_read_back_unknown)
{
	struct nsa_snapshot *s = nsa_snapshot_new(), *b;
	struct nsa_region *r = nsa_snapshot_add_region(s);
	struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);
	struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);
	char *t = NULL;

	REQUIRE(r && ns && d);
	snprintf(r->dev, sizeof(r->dev), "region0");
	r->size = NSA_GiB;
	snprintf(ns->dev, sizeof(ns->dev), "namespace0.0");
	ns->size = NSA_GiB;
	snprintf(d->dev, sizeof(d->dev), "dax0.0");
	d->size = NSA_GiB;
	d->mode = NSA_DAX_DEVDAX;
	b = round_trip(s, &t);
	REQUIRE(b && t);
	CHECK(!strstr(t, "-1"));
	CHECK(!strstr(t, "online_memblocks") && !strstr(t, "numa_node") && !strstr(t, "region_id"));
	REQUIRE(b->n_regions == 1 && b->n_namespaces == 1 && b->n_daxdevs == 1);
	CHECK(b->regions[0].id == -1 && b->regions[0].numa_node == -1);
	CHECK(b->namespaces[0].target_node == -1);
	CHECK(b->daxdevs[0].online_blocks == -1 && b->daxdevs[0].total_blocks == -1 &&
	      b->daxdevs[0].region_id == -1);
	free(t);
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}

/* Unknown strings (no machine-id, no name, blockdev, holder, map, security) are absent, never "".
 */
TEST(unknown_strings_are_absent_and_old_empty_strings_read)
{
	struct nsa_snapshot *s = nsa_snapshot_new(), *b = NULL;
	struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);
	struct nsa_dimm *m = nsa_snapshot_add_dimm(s);
	struct json_object *o;
	char err[128] = "", *t = NULL;

	REQUIRE(ns && m);
	snprintf(ns->dev, sizeof(ns->dev), "namespace0.0");
	ns->size = NSA_GiB;
	ns->mode = NSA_MODE_RAW;
	snprintf(m->dev, sizeof(m->dev), "nmem0");
	b = round_trip(s, &t);
	REQUIRE(b && t);
	CHECK(!strstr(t, "\"\""));
	CHECK(!strstr(t, "host_id") && !strstr(t, "blockdev") && !strstr(t, "holder") &&
	      !strstr(t, "\"map\"") && !strstr(t, "security") && !strstr(t, "\"name\""));
	CHECK(strstr(t, "\"schema\": 4") || strstr(t, "\"schema\":4"));
	REQUIRE(b->n_namespaces == 1 && b->n_dimms == 1);
	CHECK_STR(b->namespaces[0].blockdev, "");
	CHECK_STR(b->namespaces[0].holder, "");
	CHECK(b->namespaces[0].map == NSA_MAP_NONE);
	free(t);
	nsa_snapshot_free(b);
	b = NULL;
	/* schema 3 wrote "" for them: read as unknown all the same */
	o = json_tokener_parse(
		"{\"schema\": 3, \"platform\": {\"host_id\": \"\"}, \"namespaces\": [{\"dev\": "
		"\"namespace0.0\", \"size\": 1073741824, \"mode\": \"raw\", \"map\": \"\", "
		"\"name\": \"\", \"blockdev\": \"\", \"holder\": \"\"}], \"dimms\": [{\"dev\": "
		"\"nmem0\", \"security\": \"\"}]}");
	REQUIRE(o);
	CHECK(nsa_snapshot_from_json(o, &b, err, sizeof(err)) == 0);
	json_object_put(o);
	REQUIRE(b && b->n_namespaces == 1 && b->n_dimms == 1);
	CHECK_STR(b->platform.host_id, "");
	CHECK_STR(b->namespaces[0].holder, "");
	CHECK(b->namespaces[0].map == NSA_MAP_NONE);
	CHECK_STR(b->dimms[0].security, "");
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}

TEST(a_million_blocks_are_runs)
{
	struct nsa_snapshot *s = nsa_snapshot_new(), *b;
	struct json_object *obj, *mem, *runs;

	REQUIRE(s);
	s->platform.iomem_visible = true;
	for (uint64_t i = 0; i < 1000000; i++) {
		struct nsa_memblock *m = nsa_snapshot_add_block(s);
		m->index = i;
		m->state = (i / 1000) % 2 ? NSA_BLOCK_OFFLINE : NSA_BLOCK_ONLINE;
		m->node = 0;
	}
	obj = nsa_snapshot_to_json(s);
	REQUIRE(obj);
	json_object_object_get_ex(obj, "memory", &mem);
	json_object_object_get_ex(mem, "blocks", &runs);
	CHECK(json_object_array_length(runs) == 1000);
	json_object_put(obj);
	b = round_trip(s, NULL);
	REQUIRE(b);
	CHECK(b->n_blocks == 1000000);
	CHECK(b->blocks[999999].index == 999999 && b->blocks[1500].state == NSA_BLOCK_OFFLINE);
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}

static int load_text(const char *text, char *err, size_t len)
{
	char path[] = "/tmp/nsalign-test-XXXXXX";
	struct nsa_snapshot *s = NULL;
	int fd = mkstemp(path), r;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	r = nsa_snapshot_load(path, &s, err, len);
	unlink(path);
	nsa_snapshot_free(s);
	return r;
}

#define EXPECT_BAD(text, want_r, substr)                                                         \
	do {                                                                                     \
		char _err[256] = "";                                                             \
		int _r = load_text(text, _err, sizeof(_err));                                    \
		if (_r != (want_r) || !strstr(_err, substr))                                     \
			printf("#   got %d \"%s\", want %d \"%s\"\n", _r, _err, want_r, substr); \
		CHECK(_r == (want_r) && strstr(_err, substr));                                   \
	} while (0)

TEST(damaged_files_are_refused_with_a_reason)
{
	EXPECT_BAD("", -EINVAL, "empty");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {", -EINVAL, "line 1");
	EXPECT_BAD("{\n\"schema\": 1,\n\"platform\": {}\n", -EINVAL, "line 4");
	EXPECT_BAD("not json", -EINVAL, "line 1");
	EXPECT_BAD("[1, 2]", -EINVAL, "not a JSON object");
	EXPECT_BAD("{\"platform\": {}}", -EINVAL, "schema: missing");
	EXPECT_BAD("{\"schema\": 1}", -EINVAL, "platform: missing");
	EXPECT_BAD("{\"schema\": 0, \"platform\": {}}", -EINVAL, "schema");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {\"page_size\": -4096}}", -EINVAL,
		   "platform.page_size: expected a non-negative number");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {\"block_size\": 3}}", -EINVAL, "power of two");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"namespaces\": [{\"dev\": \"namespace0.0\", "
		   "\"size\": \"big\"}]}",
		   -EINVAL, "namespaces[0].size: expected a non-negative number");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"namespaces\": [{\"size\": 4096}]}", -EINVAL,
		   "namespaces[0].dev: missing");
	EXPECT_BAD(
		"{\"schema\": 1, \"platform\": {}, \"namespaces\": [{\"dev\": \"n\", \"size\": 1, "
		"\"mode\": \"turbo\"}]}",
		-EINVAL, "namespaces[0].mode");
	EXPECT_BAD(
		"{\"schema\": 1, \"platform\": {}, \"iomem\": [{\"start\": 10, \"end\": 20, "
		"\"name\": \"A\", \"children\": [{\"start\": 5, \"end\": 8, \"name\": \"B\"}]}]}",
		-EINVAL, "outside its parent");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"memory\": {\"blocks\": [{\"first\": 5, "
		   "\"count\": 2}, {\"first\": 6, \"count\": 1}]}}",
		   -EINVAL, "out of order or repeated");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"memory\": {\"blocks\": [{\"first\": "
		   "18446744073709551615, \"count\": 2}]}}",
		   -EINVAL, "overflows");
	/* memory.block_size becomes platform.block_size: as strict as that */
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"memory\": {\"block_size\": 3}}", -EINVAL,
		   "memory.block_size: 0x3 is not a power of two");
	/* a 100-byte file declaring 2^26 blocks (1 GiB of memory to read it) */
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"memory\": {\"blocks\": [{\"first\": 0, "
		   "\"count\": 67108864}]}}",
		   -EINVAL, "memory.blocks[0].count: more than 1048576 memory blocks");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}, \"memory\": {\"blocks\": [{\"first\": 0, "
		   "\"count\": 1048576}, {\"first\": 2000000, \"count\": 1}]}}",
		   -EINVAL, "memory.blocks[1].count: more than 1048576 memory blocks");
	/* blocks past the 64-bit address space: index * block_size would wrap */
	EXPECT_BAD("{\"schema\": 1, \"platform\": {\"block_size\": 134217728}, \"memory\": "
		   "{\"blocks\": [{\"first\": 137438953471, \"count\": 2}]}}",
		   -EINVAL, "lies past 2^64");
	EXPECT_BAD("{\"schema\": 7, \"platform\": {}}", -EPROTONOSUPPORT, "schema 7");
	EXPECT_BAD("{\"schema\": 1, \"platform\": {}} trailing", -EINVAL, "text after");
}

TEST(load_missing_file)
{
	struct nsa_snapshot *s = NULL;

	CHECK(nsa_snapshot_load("/nonexistent/nsalign.json", &s, NULL, 0) == -ENOENT);
	CHECK(nsa_snapshot_load("/tmp", &s, NULL, 0) == -EISDIR);
	CHECK(s == NULL);
}

TEST(save_is_atomic_and_readable)
{
	char dir[] = "/tmp/nsalign-save-XXXXXX", path[64], err[128];
	struct nsa_snapshot *s = full_snapshot(), *b = NULL;
	struct stat st;

	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	CHECK(nsa_snapshot_save(s, path) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(nsa_snapshot_load(path, &b, err, sizeof(err)) == 0);
	CHECK(b && b->n_namespaces == 1);
	/* no temporary file left beside it */
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	snprintf(path, sizeof(path), "/nonexistent-dir/snap.json");
	CHECK(nsa_snapshot_save(s, path) == -ENOENT);
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}

TEST(machine_id_of_older_snapshots_is_not_kept)
{
	struct nsa_snapshot *s = NULL, *b;
	struct json_object *o;
	char err[128] = "", *text = NULL;

	o = json_tokener_parse("{\"schema\": 1, \"platform\": {\"machine_id\": "
			       "\"0123456789abcdef0123456789abcdef\"}}");
	REQUIRE(o);
	CHECK(nsa_snapshot_from_json(o, &s, err, sizeof(err)) == 0);
	json_object_put(o);
	REQUIRE(s);
	CHECK_STR(s->platform.host_id, "");
	memcpy(s->platform.host_id, "fedcba9876543210fedcba9876543210", 33);
	b = round_trip(s, &text);
	REQUIRE(b && text);
	CHECK_STR(b->platform.host_id, "fedcba9876543210fedcba9876543210");
	CHECK(!strstr(text, "machine_id") && !strstr(text, "0123456789abcdef0123"));
	free(text);
	nsa_snapshot_free(b);
	nsa_snapshot_free(s);
}
