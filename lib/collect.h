/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The collector's parts (lib/collect.c, lib/collect-memory.c): internal. */
#ifndef NSA_COLLECT_H
#define NSA_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "private.h"

/* every memory block, sorted by index, each with its node */
int nsa_collect_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s);
/* old's blocks, with those in changed[] read again (added, changed or gone) */
int nsa_collect_update_blocks(struct nsa_ctx *ctx, struct nsa_snapshot *s,
			      const struct nsa_snapshot *old, const uint64_t *changed,
			      size_t n_changed);

#endif
