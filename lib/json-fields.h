/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON fields (jf_): a C struct described by a table of fields, written
 * to and read from a JSON object in the table's order (json-fields.c).
 * Reading is strict: the first bad value fails with its path
 * ("namespaces[3].size: ...").
 */
#ifndef NSALIGN_JSON_FIELDS_H
#define NSALIGN_JSON_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

enum jf_type {
	JF_STR,	   /* char[] */
	JF_STR_OR, /* char[], written as the string at off2 when empty, read only when it differs */
	JF_U64,	   /* uint64_t */
	JF_U32,	   /* uint32_t */
	JF_U16,	   /* uint16_t */
	JF_INT,	   /* int */
	JF_BOOL,   /* bool */
	JF_TRIBOOL,  /* int: -1 (null, unknown), 0, 1 */
	JF_ALIGNS,   /* uint64_t[]: powers of two, how many in the int at off2 */
	JF_VERSION,  /* uint16_t major, and minor at off2: "MAJOR.MINOR" */
	JF_MODE,     /* enum nsa_mode by name */
	JF_MAP,	     /* enum nsa_map by name */
	JF_DAX_MODE, /* enum nsa_dax_mode by name */
};

#define JF_REQUIRED (1U << 0)
#define JF_POW2	    (1U << 1) /* 0 or a power of two */
#define JF_IF_SET   (1U << 2) /* written only when not 0 (JF_INT, JF_BOOL) */
#define JF_IF_KNOWN (1U << 3) /* JF_INT: written only when not negative (-1: unknown) */

struct jf_field {
	const char *key;
	enum jf_type type;
	unsigned flags;
	size_t off, len, off2;
};

#define JF(S, key, type, m, flags)                                       \
	{                                                                \
		key, type, flags, offsetof(S, m), sizeof(((S *)0)->m), 0 \
	}
#define JF2(S, key, type, m, m2, flags)                                                \
	{                                                                              \
		key, type, flags, offsetof(S, m), sizeof(((S *)0)->m), offsetof(S, m2) \
	}

/* Where reading is, for the error: "namespaces[3]". */
struct jf_reader {
	char *err;
	size_t errlen;
	char where[96];
};

/* err = "WHERE.KEY: MESSAGE"; returns -EINVAL. */
int jf_fail(struct jf_reader *rd, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* where = "ARRAY[I]" */
void jf_at(struct jf_reader *rd, const char *array, size_t i);
/* The value of key, NULL when absent or null; -EINVAL when required and absent. */
int jf_member(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	      struct json_object **v);
int jf_get_u64(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	       uint64_t *out);
int jf_get_int(struct jf_reader *rd, struct json_object *o, const char *key, int *out);
int jf_get_str(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	       char *buf, size_t len);
int jf_get_array(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
		 struct json_object **arr);
/* -EINVAL "expected an object (WHAT)" unless v is one. */
int jf_get_object(struct jf_reader *rd, struct json_object *v, const char *what);

void jf_put_str(struct json_object *o, const char *key, const char *v);
void jf_put_u64(struct json_object *o, const char *key, uint64_t v);

/* obj's fields into o, in the table's order; returns o. */
struct json_object *jf_write(struct json_object *o, const void *obj, const struct jf_field *f,
			     size_t n);
/* o's values into obj's fields; absent optional ones leave the field as it is. */
int jf_read(struct jf_reader *rd, struct json_object *o, void *obj, const struct jf_field *f,
	    size_t n);

#define JF_WRITE(o, obj, table)	   jf_write(o, obj, table, sizeof(table) / sizeof((table)[0]))
#define JF_READ(rd, o, obj, table) jf_read(rd, o, obj, table, sizeof(table) / sizeof((table)[0]))

#define JF_TRY(expr)               \
	do {                       \
		int _r = (expr);   \
		if (_r < 0)        \
			return _r; \
	} while (0)

#endif
