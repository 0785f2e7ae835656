// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/iomem parsing: nesting, names with spaces, zeroed addresses, bad lines. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnsalign.h"
#include "test.h"

/* The nesting the 6.1 lab shows after daxctl reconfigure-device -m system-ram */
static const char lab_iomem[] = "00000000-00000fff : Reserved\n"
				"00001000-0009fbff : System RAM\n"
				"00100000-7ffdffff : System RAM\n"
				"  01000000-01e01fff : Kernel code\n"
				"fec00000-fec003ff : IOAPIC 0\n"
				"100000000-103ffffff : System RAM\n"
				"104000000-203fdffff : Persistent Memory\n"
				"  104000000-143ffffff : namespace0.0\n"
				"    105200000-143ffffff : dax0.0\n"
				"      108000000-13fffffff : System RAM (kmem)\n"
				"204000000-20bffffff : Persistent Memory (legacy)\n";

TEST(nesting_and_types)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	bool zero = true;
	int bad = 0;

	REQUIRE(s);
	CHECK(nsa_iomem_parse(s, lab_iomem, sizeof(lab_iomem) - 1, &bad, &zero) == 0);
	CHECK(!zero);
	REQUIRE(s->n_iomem == 11);
	CHECK(s->iomem[0].type == NSA_RES_RESERVED);
	CHECK(s->iomem[3].depth == 1 && s->iomem[3].parent == 2);
	CHECK_STR(s->iomem[3].name, "Kernel code");
	CHECK(s->iomem[6].type == NSA_RES_PMEM && s->iomem[6].depth == 0);
	CHECK(s->iomem[7].type == NSA_RES_NAMESPACE && s->iomem[7].parent == 6);
	CHECK(s->iomem[8].type == NSA_RES_DAX && s->iomem[8].parent == 7);
	CHECK(s->iomem[9].type == NSA_RES_KMEM && s->iomem[9].parent == 8 &&
	      s->iomem[9].depth == 3);
	CHECK_U64(s->iomem[9].start, 0x108000000);
	CHECK_U64(s->iomem[9].end, 0x13fffffff);
	CHECK(s->iomem[10].type == NSA_RES_PMEM_LEGACY && s->iomem[10].parent == -1);
	CHECK_STR(s->iomem[4].name, "IOAPIC 0");
	nsa_snapshot_free(s);
}

TEST(zeroed_addresses_unprivileged)
{
	static const char text[] = "00000000-00000000 : Reserved\n"
				   "00000000-00000000 : System RAM\n"
				   "  00000000-00000000 : Kernel code\n"
				   "00000000-00000000 : Persistent Memory\n";
	struct nsa_snapshot *s = nsa_snapshot_new();
	bool zero = false;

	REQUIRE(s);
	CHECK(nsa_iomem_parse(s, text, sizeof(text) - 1, NULL, &zero) == 0);
	CHECK(zero);
	CHECK(s->n_iomem == 4);
	nsa_snapshot_free(s);
}

TEST(no_trailing_newline_and_crlf)
{
	static const char text[] =
		"00100000-7ffdffff : System RAM\r\n100000000-10fffffff : Persistent Memory";
	struct nsa_snapshot *s = nsa_snapshot_new();

	REQUIRE(s);
	CHECK(nsa_iomem_parse(s, text, sizeof(text) - 1, NULL, NULL) == 0);
	REQUIRE(s->n_iomem == 2);
	CHECK_STR(s->iomem[0].name, "System RAM");
	CHECK(s->iomem[1].type == NSA_RES_PMEM);
	nsa_snapshot_free(s);
}

TEST(bad_lines_are_named)
{
	static const struct {
		const char *text;
		int line;
	} cases[] = {
		{ "00100000-7ffdffff : System RAM\ngarbage\n", 2 },
		{ "00100000 : System RAM\n", 1 },
		{ "7ffdffff-00100000 : System RAM\n", 1 },    /* end before start */
		{ "  00100000-7ffdffff : Kernel code\n", 1 }, /* child without parent */
		{ "00100000-7ffdffff : A\n    00200000-00300000 : B\n", 2 }, /* skipped a level */
		{ " 00100000-7ffdffff : odd indent\n", 1 },
		{ "00100000-7ffdffff:System RAM\n", 1 },
		{ "11112222333344445-ffffffffffffffff : too long\n", 1 },
		/* a child outside its parent: the snapshot reader would refuse it */
		{ "00100000-7ffdffff : System RAM\n  7ffd0000-7ffeffff : Kernel code\n", 2 },
		{ "00100000-7ffdffff : System RAM\n  00000000-00001fff : Kernel code\n", 2 },
		{ "00100000-7ffdffff : A\n  00200000-00300000 : B\n    00300000-00400000 : C\n",
		  3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsa_snapshot *s = nsa_snapshot_new();
		int bad = 0;

		REQUIRE(s);
		CHECK(nsa_iomem_parse(s, cases[i].text, strlen(cases[i].text), &bad, NULL) ==
		      -EINVAL);
		if (bad != cases[i].line)
			printf("#   case %zu: bad line %d, expected %d\n", i, bad, cases[i].line);
		CHECK(bad == cases[i].line);
		nsa_snapshot_free(s);
	}
}

TEST(empty_input)
{
	struct nsa_snapshot *s = nsa_snapshot_new();
	bool zero = true;

	REQUIRE(s);
	CHECK(nsa_iomem_parse(s, "", 0, NULL, &zero) == 0);
	CHECK(s->n_iomem == 0);
	CHECK(!zero); /* nothing read is not "addresses hidden" */
	nsa_snapshot_free(s);
}

/*
 * The text ends where a page that cannot be read begins: a parser that
 * reads one byte past the last line (no newline, no NUL) is killed there.
 */
TEST(last_line_without_newline_is_read_within_its_bytes)
{
	static const char *const texts[] = {
		"00100000-7ffdffff : System RAM\n100000000-10fffffff",
		"00100000-7ffdffff : System RAM\n100000000",
		"00100000-7ffdffff : System RAM\n100000000-",
		"00100000-7ffdffff : System RAM\n\r",
		"00100000-7ffdffff : System RAM\n1",
	};
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	REQUIRE(map != MAP_FAILED);
	REQUIRE(mprotect(map + page, (size_t)page, PROT_NONE) == 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t len = strlen(texts[i]);
		char *at = map + page - len;
		struct nsa_snapshot *s = nsa_snapshot_new();
		int r;

		REQUIRE(s);
		memcpy(at, texts[i], len);
		r = nsa_iomem_parse(s, at, len, NULL, NULL);
		CHECK(r == (i == 3 ? 0 : -EINVAL));
		nsa_snapshot_free(s);
	}
	munmap(map, (size_t)page * 2);
}
