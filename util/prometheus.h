/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_UTIL_PROMETHEUS_H
#define NSALIGN_UTIL_PROMETHEUS_H

#include <stdint.h>

#include "libnsalign.h"

/* Prometheus textfile metrics (prometheus.c); path NULL or "-": stdout. */
struct prom_extra {
	int64_t baseline_at; /* 0: no baseline */
};
int prometheus_write(struct nsa_ctx *ctx, const char *path, const struct nsa_snapshot *s,
		     const struct nsa_analysis *a, const struct prom_extra *x);

#endif
