// SPDX-License-Identifier: LGPL-2.1-or-later
/* Structs to and from JSON objects, driven by a table of fields (json-fields.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "private.h"
#include "json-fields.h"

/* An unknown (empty) string is absent, never "" (schema 4; readers take both). */
void jf_put_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

void jf_put_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *u64_array(const uint64_t *v, int n)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(v[i]));
	return a;
}

struct json_object *jf_write(struct json_object *o, const void *obj, const struct jf_field *f,
			     size_t n)
{
	const char *base = obj;

	for (; n--; f++) {
		const void *v = base + f->off;
		char version[16];

		switch (f->type) {
		case JF_STR:
			jf_put_str(o, f->key, v);
			break;
		case JF_STR_OR:
			jf_put_str(o, f->key, *(const char *)v ? v : base + f->off2);
			break;
		case JF_U64:
			jf_put_u64(o, f->key, *(const uint64_t *)v);
			break;
		case JF_U32:
			jf_put_u64(o, f->key, *(const uint32_t *)v);
			break;
		case JF_U16:
			jf_put_u64(o, f->key, *(const uint16_t *)v);
			break;
		case JF_INT:
			/* unknown (-1): absent, read back as -1 */
			if ((f->flags & JF_IF_KNOWN) && *(const int *)v < 0)
				break;
			if (!(f->flags & JF_IF_SET) || *(const int *)v)
				json_object_object_add(o, f->key,
						       json_object_new_int(*(const int *)v));
			break;
		case JF_BOOL:
			if (!(f->flags & JF_IF_SET) || *(const bool *)v)
				json_object_object_add(o, f->key,
						       json_object_new_boolean(*(const bool *)v));
			break;
		case JF_TRIBOOL:
			json_object_object_add(o, f->key,
					       *(const int *)v < 0
						       ? NULL
						       : json_object_new_boolean(*(const int *)v));
			break;
		case JF_ALIGNS:
			json_object_object_add(o, f->key,
					       u64_array(v, *(const int *)(base + f->off2)));
			break;
		case JF_VERSION:
			snprintf(version, sizeof(version), "%u.%u", *(const uint16_t *)v,
				 *(const uint16_t *)(base + f->off2));
			jf_put_str(o, f->key, version);
			break;
		case JF_MODE:
			jf_put_str(o, f->key, nsa_mode_name(*(const enum nsa_mode *)v));
			break;
		case JF_MAP:
			jf_put_str(o, f->key, nsa_map_name(*(const enum nsa_map *)v));
			break;
		case JF_DAX_MODE:
			jf_put_str(o, f->key, nsa_dax_mode_name(*(const enum nsa_dax_mode *)v));
			break;
		}
	}
	return o;
}

int jf_fail(struct jf_reader *rd, const char *key, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->err && rd->errlen)
		snprintf(rd->err, rd->errlen, "%s%s%s: %s", rd->where,
			 rd->where[0] && key ? "." : "", key ? key : "", msg);
	return -EINVAL;
}

void jf_at(struct jf_reader *rd, const char *array, size_t i)
{
	snprintf(rd->where, sizeof(rd->where), "%s[%zu]", array, i);
}

/* The value of key, NULL when absent or null; -EINVAL when required and absent. */
int jf_member(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	      struct json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v) || !*v) {
		*v = NULL;
		return required ? jf_fail(rd, key, "missing") : 0;
	}
	return 0;
}

int jf_get_u64(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	       uint64_t *out)
{
	struct json_object *v;
	int r = jf_member(rd, o, key, required, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return jf_fail(rd, key, "expected a non-negative number");
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_u32(struct jf_reader *rd, struct json_object *o, const char *key, uint32_t *out)
{
	uint64_t v = *out;
	int r = jf_get_u64(rd, o, key, false, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return jf_fail(rd, key, "%" PRIu64 " does not fit in 32 bits", v);
	*out = (uint32_t)v;
	return 0;
}

int jf_get_int(struct jf_reader *rd, struct json_object *o, const char *key, int *out)
{
	struct json_object *v;
	int r = jf_member(rd, o, key, false, &v);
	int64_t i;

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_int))
		return jf_fail(rd, key, "expected a number");
	i = json_object_get_int64(v);
	if (i < INT32_MIN || i > INT32_MAX)
		return jf_fail(rd, key, "out of range");
	*out = (int)i;
	return 0;
}

static int get_bool(struct jf_reader *rd, struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;
	int r = jf_member(rd, o, key, false, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_boolean))
		return jf_fail(rd, key, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

int jf_get_str(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
	       char *buf, size_t len)
{
	struct json_object *v;
	int r = jf_member(rd, o, key, required, &v);

	if (r < 0 || !v)
		return r;
	if (!json_object_is_type(v, json_type_string))
		return jf_fail(rd, key, "expected a string");
	if ((size_t)json_object_get_string_len(v) >= len)
		return jf_fail(rd, key, "longer than %zu characters", len - 1);
	nsa_strlcpy(buf, json_object_get_string(v), len);
	return 0;
}

int jf_get_array(struct jf_reader *rd, struct json_object *o, const char *key, bool required,
		 struct json_object **arr)
{
	int r = jf_member(rd, o, key, required, arr);

	if (r < 0 || !*arr)
		return r;
	if (!json_object_is_type(*arr, json_type_array))
		return jf_fail(rd, key, "expected an array");
	return 0;
}

int jf_get_object(struct jf_reader *rd, struct json_object *v, const char *what)
{
	if (!json_object_is_type(v, json_type_object))
		return jf_fail(rd, NULL, "expected an object (%s)", what);
	return 0;
}

static int read_alignments(struct jf_reader *rd, struct json_object *o, const char *key,
			   uint64_t *v, int *n, int max)
{
	struct json_object *arr;

	JF_TRY(jf_get_array(rd, o, key, false, &arr));
	if (!arr)
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_int) || json_object_get_int64(e) <= 0 ||
		    !nsa_is_pow2(json_object_get_uint64(e)))
			return jf_fail(rd, key, "expected powers of two");
		if (*n < max)
			v[(*n)++] = json_object_get_uint64(e);
	}
	return 0;
}

/* A value read as text and turned into what the member holds. */
static int read_named(struct jf_reader *rd, struct json_object *o, const struct jf_field *f,
		      char *base)
{
	char text[16] = "";
	void *v = base + f->off;
	unsigned major = 0, minor = 0;

	JF_TRY(jf_get_str(rd, o, f->key, f->flags & JF_REQUIRED, text,
			  f->type == JF_MAP ? 8 : sizeof(text)));
	switch (f->type) {
	case JF_VERSION:
		if (!text[0])
			return 0;
		if (sscanf(text, "%u.%u", &major, &minor) != 2 || major > 0xffff || minor > 0xffff)
			return jf_fail(rd, f->key, "expected MAJOR.MINOR");
		*(uint16_t *)v = (uint16_t)major;
		*(uint16_t *)(base + f->off2) = (uint16_t)minor;
		return 0;
	case JF_MODE:
		*(enum nsa_mode *)v = nsa_mode_from_name(text);
		if (text[0] && *(enum nsa_mode *)v == NSA_MODE_UNKNOWN &&
		    strcmp(text, "unknown") != 0)
			return jf_fail(rd, f->key, "'%s' is not raw, sector, fsdax or devdax",
				       text);
		return 0;
	case JF_MAP:
		*(enum nsa_map *)v = strcmp(text, "mem") == 0	? NSA_MAP_MEM
				     : strcmp(text, "dev") == 0 ? NSA_MAP_DEV
								: NSA_MAP_NONE;
		return 0;
	default:
		*(enum nsa_dax_mode *)v = strcmp(text, "devdax") == 0	    ? NSA_DAX_DEVDAX
					  : strcmp(text, "system-ram") == 0 ? NSA_DAX_SYSTEM_RAM
									    : NSA_DAX_UNKNOWN;
		return 0;
	}
}

int jf_read(struct jf_reader *rd, struct json_object *o, void *obj, const struct jf_field *f,
	    size_t n)
{
	char *base = obj;

	for (; n--; f++) {
		void *v = base + f->off;
		bool required = f->flags & JF_REQUIRED;
		struct json_object *j;
		char text[NSA_UUID_LEN] = "";
		uint32_t u32;
		bool b = false;

		switch (f->type) {
		case JF_STR:
			JF_TRY(jf_get_str(rd, o, f->key, required, v, f->len));
			break;
		case JF_STR_OR:
			JF_TRY(jf_get_str(rd, o, f->key, required, text, sizeof(text)));
			if (text[0] && strcmp(text, base + f->off2) != 0)
				nsa_strlcpy(v, text, f->len);
			break;
		case JF_U64:
			JF_TRY(jf_get_u64(rd, o, f->key, required, v));
			if ((f->flags & JF_POW2) && *(uint64_t *)v && !nsa_is_pow2(*(uint64_t *)v))
				return jf_fail(rd, f->key, "not a power of two");
			break;
		case JF_U32:
			JF_TRY(get_u32(rd, o, f->key, v));
			break;
		case JF_U16:
			u32 = *(uint16_t *)v;
			JF_TRY(get_u32(rd, o, f->key, &u32));
			if (u32 > UINT16_MAX)
				return jf_fail(rd, f->key, "out of range");
			*(uint16_t *)v = (uint16_t)u32;
			break;
		case JF_INT:
			JF_TRY(jf_get_int(rd, o, f->key, v));
			break;
		case JF_BOOL:
			JF_TRY(get_bool(rd, o, f->key, v));
			break;
		case JF_TRIBOOL:
			JF_TRY(jf_member(rd, o, f->key, false, &j));
			if (j) {
				JF_TRY(get_bool(rd, o, f->key, &b));
				*(int *)v = b;
			}
			break;
		case JF_ALIGNS:
			JF_TRY(read_alignments(rd, o, f->key, v, (int *)(base + f->off2),
					       (int)(f->len / sizeof(uint64_t))));
			break;
		default:
			JF_TRY(read_named(rd, o, f, base));
			break;
		}
	}
	return 0;
}
