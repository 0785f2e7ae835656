/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_UTIL_JSON_H
#define NSALIGN_UTIL_JSON_H

#include <stdint.h>

#include "libnsalign.h"

struct json_object;

/* JSON output (json.c): one way to print each object, for nsalign and nsalignd. */
enum {
	JSON_HUMAN = 1 << 0, /* sizes printed as "2.00 GiB (2.15 GB)", addresses as "0x..." */
	JSON_NO_ADDRESSES = 1 << 1, /* addresses hidden (no CAP_SYS_ADMIN): null */
};
struct json_object *json_size(uint64_t v, unsigned flags);
/* NULL (JSON null) with JSON_NO_ADDRESSES */
struct json_object *json_addr(uint64_t v, unsigned flags);
/* RFC 3339 in UTC, "2026-12-03T17:00:57Z": every timestamp nsalign prints */
struct json_object *json_time(int64_t t);
/*
 * The "schema" every JSON document of nsalign and nsalignd starts with
 * (its JSON Schema in doc/); a key is removed or changes meaning only with a new one.
 */
#define JSON_SCHEMA 1
/* obj with "schema": JSON_SCHEMA first (a new reference; obj itself when it has one). */
struct json_object *json_document(struct json_object *obj);
struct json_object *json_platform(const struct nsa_platform *p, uint64_t granularity,
				  unsigned flags);
struct json_object *json_region(const struct nsa_region *r, unsigned flags);
/* A namespace: "size" is ndctl's (usable; null unknown), "raw_size" the namespace's. */
struct json_object *json_namespace(const struct nsa_snapshot *s, const struct nsa_analysis *a,
				   size_t index, unsigned flags);
struct json_object *json_daxdev(const struct nsa_daxdev *d, unsigned flags);
struct json_object *json_findings(const struct nsa_analysis *a, unsigned flags);
/* The text nsalign prints for a document (pretty, without the final newline); NULL: no memory. */
const char *json_text(struct json_object *obj);

#endif
