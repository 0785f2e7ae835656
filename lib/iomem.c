// SPDX-License-Identifier: LGPL-2.1-or-later
/* STUB: being written */
#include <errno.h>

#include "private.h"
int nsa_iomem_parse(struct nsa_snapshot *s, const char *text, size_t len, int *bad_line, bool *all_zero) { return -ENOSYS; }
