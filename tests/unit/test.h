/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small TAP producer for unit tests: every TEST() is one "ok"/"not ok"
 * line, so the harness counts test cases, not programs.
 */
#ifndef NSALIGN_TEST_H
#define NSALIGN_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static int test_failed_current;
static int test_fail_count;

#define TEST(name)                                                                              \
	static void test_##name(void);                                                          \
	static const struct test_case test_case_##name __attribute__((                          \
		used, section("nsa_tests"), aligned(sizeof(void *)))) = { #name, test_##name }; \
	static void test_##name(void)

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			test_failed_current = 1;                                            \
		}                                                                           \
	} while (0)

#define CHECK_U64(a, b)                                                                          \
	do {                                                                                     \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                                 \
		if (_a != _b) {                                                                  \
			printf("#   %s:%d: %s == %#" PRIx64 " (%" PRIu64 "), expected %#" PRIx64 \
			       " (%" PRIu64 ")\n",                                               \
			       __FILE__, __LINE__, #a, _a, _a, _b, _b);                          \
			test_failed_current = 1;                                                 \
		}                                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                          \
	do {                                                                                     \
		const char *_a = (a), *_b = (b);                                                 \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                                         \
			printf("#   %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
			       #a, _a ? _a : "(null)", _b ? _b : "(null)");                      \
			test_failed_current = 1;                                                 \
		}                                                                                \
	} while (0)

/* Abort the current test case (e.g. a NULL that later checks would dereference). */
#define REQUIRE(cond)                                                                         \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			printf("#   %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); \
			test_failed_current = 1;                                              \
			return;                                                               \
		}                                                                             \
	} while (0)

extern const struct test_case __start_nsa_tests[];
extern const struct test_case __stop_nsa_tests[];

int main(int argc, char **argv)
{
	const struct test_case *t;
	int n = 0, i = 0;

	for (t = __start_nsa_tests; t < __stop_nsa_tests; t++)
		n++;
	printf("1..%d\n", n);
	for (t = __start_nsa_tests; t < __stop_nsa_tests; t++) {
		test_failed_current = 0;
		t->fn();
		printf("%sok %d - %s\n", test_failed_current ? "not " : "", ++i, t->name);
		test_fail_count += test_failed_current;
	}
	return test_fail_count ? 1 : 0;
}

#endif
