// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cross-boot state file (nsa_state_load() of DIR/state.json).
 * Properties: what it reads (all of a good file, the good records of a
 * damaged one) writes, reads back and writes again the same; a damaged
 * file is moved aside, never kept in place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "libnsalign.h"
#include "fuzz.h"

#define WRITE_FLAGS \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static struct nsa_ctx *ctx;

static void quiet(void *data, int priority, const char *file, int line, const char *fn,
		  const char *format, va_list args)
{
}

static char *write_text(const struct nsa_state *st)
{
	struct json_object *o = nsa_state_to_json(st);
	char *text;

	if (!o)
		fuzz_fail("nsa_state_to_json");
	text = strdup(json_object_to_json_string_ext(o, WRITE_FLAGS));
	json_object_put(o);
	if (!text)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	struct nsa_state *st = NULL, *back = NULL;
	char err[512], path[512];
	char *first, *second;

	if (!ctx) {
		ctx = nsa_new();
		if (!ctx)
			abort();
		nsa_set_log_fn(ctx, quiet, NULL);
	}
	fuzz_clear(dir);
	fuzz_write(dir, "state.json", data, size);
	if (nsa_state_load(ctx, dir, &st, err, sizeof(err)) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	/* a damaged file is kept aside; the records it could read are still there */
	if (st->damaged_path && access(path, F_OK) == 0)
		fuzz_fail("a damaged state file was left in place");
	(void)nsa_state_baseline(st);
	first = write_text(st);
	fuzz_write(dir, "state.json", first, strlen(first));
	if (nsa_state_load(ctx, dir, &back, err, sizeof(err)) < 0 || back->damaged_path) {
		fprintf(stderr, "fuzz: %s\n", back ? back->damage_reason : err);
		fuzz_fail("the written state does not read back");
	}
	second = write_text(back);
	if (strcmp(first, second) != 0)
		fuzz_fail("write -> read -> write is not byte-identical");
	free(first);
	free(second);
	nsa_state_free(back);
	nsa_state_free(st);
	return 0;
}
