// SPDX-License-Identifier: LGPL-2.1-or-later
/* STUB: being written */
#include <errno.h>

#include "private.h"
struct json_object *nsa_snapshot_to_json(const struct nsa_snapshot *s) { return NULL; }
int nsa_snapshot_from_json(struct json_object *obj, struct nsa_snapshot **out, char *err, size_t errlen) { return -ENOSYS; }
int nsa_snapshot_load(const char *path, struct nsa_snapshot **out, char *err, size_t errlen) { return -ENOSYS; }
int nsa_snapshot_save(const struct nsa_snapshot *s, const char *path) { return -ENOSYS; }
