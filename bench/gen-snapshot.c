// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen-snapshot: a large synthetic nsalign snapshot (schema 1) for the
 * benchmark.  Half the address space is System RAM with reserved holes,
 * half is PMEM: regions of namespaces in every mode, some fragile (1 GiB
 * devdax), some refused after a move, some sharing sections, dax devices
 * (some onlined as System RAM), and memory blocks whose state, zones and
 * presence change every few hundred blocks.  Deterministic per seed.
 *
 *   gen-snapshot [--blocks N] [--namespaces N] [--seed S] [-o FILE]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB	   ((uint64_t)1 << 20)
#define GiB	   ((uint64_t)1 << 30)
#define BLOCK	   (128 * MiB)
#define PER_REGION 100

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: small, deterministic, good enough for layouts */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static void uuid(FILE *f, uint64_t n)
{
	fprintf(f, "\"%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64 "-%012" PRIx64 "\"",
		(uint64_t)((n * 2654435761ULL) & 0xffffffffULL), n & 0xffff, (n >> 4) & 0xfff,
		(n >> 8) & 0xfff, n);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "blocks", 1, NULL, 'b' },
					      { "namespaces", 1, NULL, 'n' },
					      { "seed", 1, NULL, 's' },
					      { "output", 1, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	uint64_t nblocks = 1000000, nns = 10000, seed = 1;
	const char *out = NULL;
	FILE *f = stdout;
	int c;

	while ((c = getopt_long(argc, argv, "b:n:s:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			nblocks = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nns = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: gen-snapshot [--blocks N] [--namespaces N] [--seed S] "
				"[-o FILE]\n");
			return 64;
		}
	}
	if (nblocks < 64 || nns < 1) {
		fprintf(stderr, "gen-snapshot: need at least 64 blocks and 1 namespace\n");
		return 64;
	}
	if (out && !(f = fopen(out, "w"))) {
		perror(out);
		return 74;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;

	uint64_t total = nblocks * BLOCK, ram_end = total / 2;
	uint64_t nregions = (nns + PER_REGION - 1) / PER_REGION;
	uint64_t region_size = ((total - ram_end) / nregions) & ~(BLOCK - 1);
	uint64_t ns_size = (region_size / PER_REGION) & ~(16 * MiB - 1);

	if (ns_size < 64 * MiB) {
		fprintf(stderr, "gen-snapshot: too many namespaces for %" PRIu64 " blocks\n",
			nblocks);
		return 64;
	}
	fprintf(f,
		"{\"schema\":1,\"source\":\"hand-made: bench/gen-snapshot --blocks %" PRIu64
		" --namespaces %" PRIu64 " --seed %" PRIu64 "\",\"collected_at\":0,"
		"\"collector\":\"gen-snapshot\",\n",
		nblocks, nns, seed);
	fprintf(f,
		"\"platform\":{\"arch\":\"x86_64\",\"kernel_release\":\"6.1.0-56-amd64\","
		"\"page_size\":4096,\"subsection_size\":%" PRIu64 ",\"section_size\":%" PRIu64 ","
		"\"block_size\":%" PRIu64 ",\"memremap_compat_align\":%" PRIu64
		",\"pmd_size\":%" PRIu64 ","
		"\"pud_size\":%" PRIu64
		",\"subsection_hotplug\":true,\"compat_align_enforced\":true,"
		"\"memmap_on_memory\":false,\"auto_online_blocks\":\"offline\","
		"\"iomem_visible\":true,\"ndctl_available\":true},\n",
		2 * MiB, BLOCK, BLOCK, 2 * MiB, 2 * MiB, GiB);

	/* iomem: RAM in 64 chunks with reserved holes, then one PMEM range per region */
	fprintf(f, "\"iomem\":[");
	uint64_t chunk = ram_end / 64;
	for (int i = 0; i < 64; i++) {
		uint64_t s = i * chunk, e = s + chunk - 1;
		fprintf(f, "%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"name\":\"System RAM\"},",
			i ? ",\n" : "", s + (i ? 0 : 0x1000), e - 4 * MiB);
		fprintf(f, "{\"start\":%" PRIu64 ",\"end\":%" PRIu64 ",\"name\":\"Reserved\"}",
			e - 4 * MiB + 1, e);
	}
	for (uint64_t r = 0; r < nregions; r++) {
		uint64_t rs = ram_end + r * region_size;
		fprintf(f,
			",\n{\"start\":%" PRIu64 ",\"end\":%" PRIu64
			",\"name\":\"Persistent Memory\",\"children\":[",
			rs, rs + region_size - 1);
		for (uint64_t k = 0; k < PER_REGION && r * PER_REGION + k < nns; k++) {
			uint64_t i = r * PER_REGION + k, s = rs + k * ns_size;
			fprintf(f,
				"%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64
				",\"name\":\"namespace%" PRIu64 ".%" PRIu64 "\"}",
				k ? "," : "", s, s + ns_size - 1, r, k);
			(void)i;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "],\n\"regions\":[");
	for (uint64_t r = 0; r < nregions; r++)
		fprintf(f,
			"%s{\"dev\":\"region%" PRIu64 "\",\"id\":%" PRIu64
			",\"type\":\"pmem\",\"provider\":\"ACPI.NFIT\",\"resource\":%" PRIu64
			",\"size\":%" PRIu64 ",\"align\":%" PRIu64
			",\"mappings\":1,\"numa_node\":%" PRIu64
			",\"enabled\":true,\"labels\":true,\"dax_alignments\":[4096,2097152,"
			"1073741824]}",
			r ? ",\n" : "", r, r, ram_end + r * region_size, region_size, 16 * MiB,
			r % 4);

	/* namespaces: a realistic mix of modes and troubles */
	fprintf(f, "],\n\"namespaces\":[");
	for (uint64_t i = 0; i < nns; i++) {
		uint64_t r = i / PER_REGION, k = i % PER_REGION;
		uint64_t s = ram_end + r * region_size + k * ns_size,
			 npfns = (ns_size - 8192) / 4096;
		const char *mode = "fsdax", *hc = "pfn";
		uint64_t align = 2 * MiB, off;
		int enabled = 1, probe = 0, kind = (int)(rnd() % 10);

		switch (kind) {
		case 4:
		case 5:
			mode = "devdax";
			hc = "dax";
			break;
		case 6:
			mode = "devdax"; /* 1 GiB pages: fragile */
			hc = "dax";
			align = ns_size >= 2 * GiB ? GiB : 2 * MiB;
			break;
		case 7:
			mode = "raw";
			hc = "";
			break;
		case 8:
			mode = "sector";
			hc = "btt";
			break;
		case 9:
			mode = "raw"; /* refused after a move */
			hc = "";
			enabled = 0;
			probe = -95;
			break;
		}
		fprintf(f,
			"%s{\"dev\":\"namespace%" PRIu64 ".%" PRIu64
			"\",\"region\":\"region%" PRIu64 "\",\"raw_uuid\":",
			i ? ",\n" : "", r, k, r);
		uuid(f, i + 1);
		fprintf(f,
			",\"mode\":\"%s\",\"holder_class\":\"%s\",\"resource\":%" PRIu64
			",\"size\":%" PRIu64 ",\"enabled\":%s,\"numa_node\":%" PRIu64,
			mode, hc, s, ns_size, enabled ? "true" : "false", r % 4);
		if (probe)
			fprintf(f, ",\"probe_error\":%d", probe);
		if (!strcmp(hc, "pfn") || !strcmp(hc, "dax")) {
			off = align_up(s + 8192 + 64 * npfns, align) - s;
			if (off < ns_size)
				fprintf(f,
					",\"map\":\"dev\",\"align\":%" PRIu64
					",\"data_resource\":%" PRIu64 ",\"data_size\":%" PRIu64,
					align, s + off, ns_size - off);
		}
		fprintf(f, "}");
	}

	/* dax devices for devdax namespaces: every third one onlined as System RAM */
	fprintf(f, "],\n\"dax\":[],\n\"memory\":{\"block_size\":%" PRIu64 ",\"blocks\":[", BLOCK);
	uint64_t idx = 0;
	int first = 1;
	static const char *const zones[] = { "DMA32 Normal", "Normal", "Normal Movable",
					     "Movable" };
	while (idx < nblocks) {
		uint64_t len = 1 + rnd() % 300;
		const char *state = rnd() % 4 ? "online" : "offline";

		if (idx + len > nblocks)
			len = nblocks - idx;
		fprintf(f,
			"%s{\"first\":%" PRIu64 ",\"count\":%" PRIu64
			",\"state\":\"%s\",\"zones\":\"%s\",\"node\":%d,\"removable\":true}",
			first ? "" : ",\n", idx, len, state, zones[rnd() % 4], (int)(rnd() % 4));
		first = 0;
		idx += len + (rnd() % 8 == 0 ? 1 + rnd() % 4 : 0); /* a hole now and then */
	}
	fprintf(f, "]},\n\"notes\":[],\"kernel_log\":[\"nd_pmem: probe of namespace0.9 failed "
		   "with error -95\"]}\n");
	if (out && fclose(f) != 0) {
		perror(out);
		return 74;
	}
	return 0;
}
