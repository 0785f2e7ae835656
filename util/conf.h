/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsalign.conf, read by nsalign (its [Platform] section) and nsalignd (all of it) */
#ifndef NSALIGND_CONF_H
#define NSALIGND_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libnsalign.h"

/* [Hotplug] MemoryBlocks=: a memory block that comes up offline */
enum nsad_block_policy {
	NSAD_BLOCKS_NOTHING = 0,
	NSAD_BLOCKS_ONLINE,	    /* the kernel picks the zone */
	NSAD_BLOCKS_ONLINE_MOVABLE, /* ZONE_MOVABLE: can be offlined again */
};

/* [Hotplug] DaxDevices=: a new devdax device */
enum nsad_dax_policy {
	NSAD_DAX_NOTHING = 0,
	NSAD_DAX_SYSTEM_RAM, /* nsalign reconfigure --mode system-ram */
};

/* Where nsalign, its boot check and nsalignd read nsalign.conf (nsalignd -c, NSALIGN_CONFIG_DIR) */
#define NSAD_CONFIG_DIR SYSCONFDIR "/nsalign"

struct nsad_config {
	enum nsad_block_policy memory_blocks;
	enum nsad_dax_policy dax_devices;
	bool dax_movable;	   /* [Hotplug] DaxZone=movable (default) */
	uint64_t granularity;	   /* [Platform] Granularity=, 0: auto */
	enum nsa_severity log_min; /* [Log] Level= */
	char **files;		   /* the files read, in order, NULL-terminated */
	size_t n_files;
};

void nsad_config_defaults(struct nsad_config *c);

/*
 * Read DIR/nsalign.conf (may be missing), then DIR/nsalign.conf.d/ *.conf in
 * the lexical order of their names; a later file overrides an earlier one
 * key by key, "Key=" resets a key to its default, a drop-in linked to
 * /dev/null is masked. Strict: an unknown section, key or value is an error.
 * On error returns a negative errno, puts one line "FILE:LINE: what;
 * expected ..." in err and leaves out untouched; on success fills out
 * (free it with nsad_config_free).
 */
int nsad_config_load(const char *dir, struct nsad_config *out, char *err, size_t errlen);
void nsad_config_free(struct nsad_config *c);

const char *nsad_block_policy_name(enum nsad_block_policy p);
const char *nsad_dax_policy_name(enum nsad_dax_policy p);
/* "a.conf, b.conf" or "no configuration file (defaults)", cut to len */
const char *nsad_config_files_str(const struct nsad_config *c, char *buf, size_t len);

#endif
