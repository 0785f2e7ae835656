// SPDX-License-Identifier: LGPL-2.1-or-later
/* STUB: being written */
#include <errno.h>

#include "private.h"
int nsa_analyze(const struct nsa_snapshot *s, const struct nsa_analysis_opts *opts, struct nsa_analysis **out) { return -ENOSYS; }
void nsa_analysis_free(struct nsa_analysis *a) { }
int nsa_analysis_exit_code(const struct nsa_analysis *a) { return 0; }
