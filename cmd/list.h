/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NSALIGN_LIST_H
#define NSALIGN_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "libnsalign.h"

/* The tables of 'nsalign list --format text', in the order they print. */
enum list_table {
	LIST_REGIONS,
	LIST_NAMESPACES,
	LIST_DAX,
	LIST_BLOCKS,
	LIST_IOMEM,
	LIST_PLATFORM,
	LIST_N_TABLES,
};

struct list_table_opts {
	unsigned tables;	  /* bits: 1 << enum list_table */
	const char *columns;	  /* -o: "DEV,SIZE", "+UUID", or NULL for the defaults */
	bool raw, noheadings;	  /* --raw, --noheadings */
	bool bytes;		  /* -b: sizes in bytes */
	uint64_t granularity;	  /* the platform granularity shown */
	const bool *region_shown; /* per region (-r), NULL: all */
	const bool *ns_shown;	  /* per namespace (-r, -n), NULL: all */
	const size_t *ns_order;	  /* namespaces in the order to print, NULL: as collected */
};

/* -o names a column of at least one selected table: 0, or EX_USAGE after saying so. */
int list_check_columns(const struct list_table_opts *o);
/* The selected tables on stdout, through libsmartcols.  0 or a sysexits code. */
int list_print_tables(const struct nsa_snapshot *s, const struct nsa_analysis *a,
		      const struct list_table_opts *o);

/* Owners a block's row names at most (nsa_block_owners()) */
#define LIST_BLOCK_OWNERS 8
/*
 * Block i's owners (nsa_block_owners()) in owners[]: how many.  One owner
 * is the analysis's (a block's System RAM or kmem), several are all of them.
 */
int list_block_owners(const struct nsa_snapshot *s, const struct nsa_analysis *a, size_t i,
		      const char *owners[LIST_BLOCK_OWNERS]);
/* The OWNER column: the one owner, or "shared: A, B" for several. */
const char *list_block_owner_str(const struct nsa_snapshot *s, const struct nsa_analysis *a,
				 size_t i, char *buf, size_t len);

/* The document's version: 2 since namespaces' "size" is ndctl's (see nsalign-list(8)). */
#define LIST_JSON_SCHEMA 2

/* ndctl's -m names (fsdax/memory, devdax/dax, sector, raw); NSA_MODE_UNKNOWN for others */
enum nsa_mode list_mode(const char *m);
/* --ndctl among the arguments: list_ndctl() prints what 'ndctl list' does (list-ndctl.c). */
bool list_wants_ndctl(int argc, char **argv);
int list_ndctl(int argc, char **argv, struct nsa_ctx *ctx);

#endif
