// SPDX-License-Identifier: LGPL-2.1-or-later
/* STUB: being written */
#include <errno.h>

#include "private.h"
int nsa_collect(struct nsa_ctx *ctx, struct nsa_snapshot **out) { return -ENOSYS; }
