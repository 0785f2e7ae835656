// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsalign rescue NAMESPACE [--undo]: the data of a namespace the kernel
 * refuses after a platform move, read-only, nothing written.
 * nsalign repair NAMESPACE [--align SIZE] [--dry-run] [--force]: its info
 * block's align rewritten for where it is now, the old block saved first;
 * --restore BACKUP puts a saved block back.  doc/rescue-repair.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "builtin.h"

enum {
	OPT_JSON = 'j',
	OPT_FORCE = 'f',
	OPT_ALIGN = 'a',
	OPT_UNDO = 6000,
	OPT_DRY_RUN,
	OPT_BACKUP_DIR,
	OPT_RESTORE,
};

static const struct cmd_option rescue_options[] = {
	{ "undo", 0, NULL, "detach the loop device, disable the namespace, clear force_raw",
	  OPT_UNDO },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_spec rescue_spec = {
	.name = "rescue",
	.usage = "nsalign rescue NAMESPACE [--json]\n"
		 "       nsalign rescue --undo NAMESPACE [--json]",
	.about = "Give back, read-only, the data of a namespace the kernel refuses since the "
		 "platform\n"
		 "moved the PMEM: the namespace comes up raw (force_raw) and read-only, and a "
		 "read-only\n"
		 "loop device covers its data area. Nothing is written to the media. NAMESPACE "
		 "is a\n"
		 "device name or its uuid. Exit status: 0 done, 64 usage, 65 its info block is "
		 "damaged,\n"
		 "66 no such namespace, 69 no nd subsystem or loop driver, 73 refused (the reason "
		 "is\n"
		 "printed; nothing changed), 74 I/O error, 77 needs root.",
	.options = rescue_options,
};

static const struct cmd_option repair_options[] = {
	{ "align", 'a', "SIZE",
	  "the largest align to write (default 2M: it survives every later 2 MiB-multiple move)" },
	{ "dry-run", 0, NULL, "print the plan, change nothing", OPT_DRY_RUN },
	{ "force", 'f', NULL, "rewrite the info block (the old one is saved first)" },
	{ "backup-dir", 0, "DIR",
	  "where the old block is saved (default: " NSA_STATE_DIR "/backup)", OPT_BACKUP_DIR },
	{ "restore", 0, "BACKUP", "write a saved info block back (with --force)", OPT_RESTORE },
	{ "json", 'j', NULL, "print the result as one JSON document" },
	{ NULL },
};

static const struct cmd_spec repair_spec = {
	.name = "repair",
	.usage = "nsalign repair NAMESPACE [--align SIZE] [--dry-run] [--force] [--backup-dir "
		 "DIR] [--json]\n"
		 "       nsalign repair NAMESPACE --restore BACKUP [--force] [--dry-run] "
		 "[--json]",
	.about = "Make the kernel accept again a namespace it refuses since the platform moved "
		 "the\n"
		 "PMEM: rewrite its info block's align (and checksum) so that the data start "
		 "where it\n"
		 "is now satisfies it. Says the plan and what it costs; --force saves the old "
		 "block,\n"
		 "writes, reads back, and hands the namespace to the kernel, putting the old "
		 "block back\n"
		 "if the kernel refuses. A move that is not a multiple of 2 MiB cannot be "
		 "repaired:\n"
		 "'nsalign rescue' still gives the data back. Exit status: 0 done (or planned), "
		 "64 usage,\n"
		 "65 a damaged info block or backup, 66 no such namespace or backup, 69 no nd "
		 "subsystem,\n"
		 "73 refused (the reason is printed; nothing changed, or the old block is back), "
		 "74 I/O\n"
		 "error, 77 needs root.",
	.options = repair_options,
};

static int exit_code(int r)
{
	switch (-r) {
	case 0:
		return 0;
	case ENOENT:
		return EX_NOINPUT;
	case ENODEV:
		return EX_UNAVAILABLE;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case ECANCELED:
	case ERANGE:
	case ENOTRECOVERABLE:
	case EBUSY:
		return EX_CANTCREAT;
	case EBADMSG:
	case ENODATA:
	case EPROTO:
	case ESTALE:
	case EINVAL:
		return EX_DATAERR;
	case ENOMEM:
		return EX_SOFTWARE;
	default:
		return EX_IOERR;
	}
}

static const char *mode_name(const struct nsa_infoblock *ib)
{
	return nsa_infoblock_is_devdax(ib) ? "devdax" : "fsdax";
}

static struct json_object *infoblock_json(const struct nsa_infoblock *ib)
{
	struct json_object *o = json_object_new_object();
	char version[16];

	snprintf(version, sizeof(version), "%u.%u", ib->version_major, ib->version_minor);
	json_object_object_add(o, "signature", json_object_new_string(ib->signature));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(ib)));
	json_object_object_add(o, "uuid", json_object_new_string(ib->uuid));
	json_object_object_add(o, "parent_uuid", json_object_new_string(ib->parent_uuid));
	json_object_object_add(o, "version", json_object_new_string(version));
	json_object_object_add(o, "dataoff", json_object_new_uint64(ib->dataoff));
	json_object_object_add(o, "npfns", json_object_new_uint64(ib->npfns));
	json_object_object_add(
		o, "map", json_object_new_string(ib->mode == NSA_PFN_MODE_PMEM ? "dev" : "mem"));
	json_object_object_add(o, "start_pad", json_object_new_uint64(ib->start_pad));
	json_object_object_add(o, "end_trunc", json_object_new_uint64(ib->end_trunc));
	json_object_object_add(o, "align", json_object_new_uint64(ib->align));
	return o;
}

static struct json_object *result_json(const struct nsa_rescue_result *res)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "schema", json_object_new_int(RESCUE_JSON_SCHEMA));
	json_object_object_add(o, "dev", json_object_new_string(res->dev));
	/* a label-less namespace has no raw_uuid: absent, not "" */
	if (res->uuid[0])
		json_object_object_add(o, "raw_uuid", json_object_new_string(res->uuid));
	json_object_object_add(o, "region", json_object_new_string(res->region));
	json_object_object_add(o, "resource", json_object_new_uint64(res->start));
	/* the namespace's size; the data's is data_size (rescue reads it raw) */
	json_object_object_add(o, "raw_size", json_object_new_uint64(res->size));
	if (res->ib.signature[0]) {
		json_object_object_add(o, "infoblock", infoblock_json(&res->ib));
		json_object_object_add(o, "data_offset", json_object_new_uint64(res->data_offset));
		json_object_object_add(o, "data_size", json_object_new_uint64(res->data_size));
	}
	if (res->refusal[0])
		json_object_object_add(o, "kernel_refusal", json_object_new_string(res->refusal));
	return o;
}

/* stderr, or the JSON's "error" too; returns the exit code */
static int fail(const char *cmd, struct json_object *o, bool json, int r,
		const struct nsa_rescue_result *res)
{
	cmd_error(cmd, "%s", res->error[0] ? res->error : strerror(-r));
	/* no namespace found: the error document alone, as every command's */
	if (json && !res->dev[0]) {
		json_object_put(o);
		o = json_object_new_object();
	}
	if (json && o) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "code", json_object_new_int(exit_code(r)));
		json_object_object_add(
			e, "message",
			json_object_new_string(res->error[0] ? res->error : strerror(-r)));
		json_object_object_add(o, "error", e);
		json_print(o);
	}
	json_object_put(o);
	return exit_code(r);
}

/* One line of text on stdout, wrapped to 80 columns under its own indentation. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char *text = NULL;
	size_t lead;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	lead = strspn(text, " ");
	fwrite(text, 1, lead, stdout);
	cmd_wrap(stdout, lead, lead + 4, text + lead);
	free(text);
}

/* A command line in the text: never broken, so that it can be copied. */
#define NB(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), cmd_nobreak(buf, sizeof(buf), buf))

static int print_and_put(struct json_object *o)
{
	int r = json_print(o);

	json_object_put(o);
	return r ? EX_IOERR : 0;
}

/* The one NAMESPACE argument, before, between or after the options. */
static int one_namespace(const char *cmd, int argc, char **argv, const char **ns)
{
	if (optind >= argc) {
		cmd_error(cmd,
			  "which namespace? (a device name such as namespace0.1, or its uuid)");
		return EX_USAGE;
	}
	*ns = argv[optind++];
	if (optind < argc) {
		cmd_error(cmd, "one namespace at a time ('%s' is one too many)", argv[optind]);
		return EX_USAGE;
	}
	return 0;
}

static int need_root(const char *cmd, const char *ns)
{
	if (geteuid() == 0)
		return 0;
	cmd_error(cmd,
		  "%s: reading a refused namespace's info block needs root (it is enabled raw "
		  "for the moment it takes)",
		  ns);
	return EX_NOPERM;
}

int cmd_rescue(int argc, char **argv, struct nsa_ctx *ctx)
{
	struct nsa_rescue_result res;
	struct json_object *o;
	const char *ns = NULL, *arg;
	bool json = false, undo = false;
	int c, r;

	while ((c = cmd_getopt(&rescue_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_UNDO:
			undo = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	r = one_namespace("rescue", argc, argv, &ns);
	if (!r)
		r = need_root("rescue", ns);
	if (r)
		return r;

	r = undo ? nsa_rescue_undo(ctx, ns, NSA_RESCUE_RUN_DIR, &res)
		 : nsa_rescue(ctx, ns, NSA_RESCUE_RUN_DIR, &res);
	o = res.dev[0] ? result_json(&res) : json_object_new_object();
	if (r < 0)
		return fail("rescue", o, json, r, &res);
	if (undo) {
		json_object_object_add(o, "undone", json_object_new_boolean(true));
		if (res.loopdev[0])
			json_object_object_add(o, "loop", json_object_new_string(res.loopdev));
		if (json)
			return print_and_put(o);
		char cmd[128];

		say("%s: rescue undone%s%s; the namespace is disabled again, as the kernel left it",
		    res.dev, res.loopdev[0] ? ", " : "", res.loopdev[0] ? res.loopdev : "");
		say("  to make the kernel accept it: %s",
		    NB(cmd, "nsalign repair %s --dry-run", res.uuid[0] ? res.uuid : res.dev));
		json_object_put(o);
		return 0;
	}
	{
		char blk[64], mount[160], dd[160], undo_cmd[96];
		bool devdax = nsa_infoblock_is_devdax(&res.ib);

		snprintf(blk, sizeof(blk), "/dev/%s", res.blockdev);
		snprintf(undo_cmd, sizeof(undo_cmd), "nsalign rescue --undo %s",
			 res.uuid[0] ? res.uuid : res.dev);
		snprintf(mount, sizeof(mount), "mount -o %s %s /mnt",
			 nsa_rescue_mount_options(res.fstype), res.loopdev);
		snprintf(dd, sizeof(dd), "dd if=%s of=FILE bs=1M status=progress", res.loopdev);
		json_object_object_add(o, "blockdev", json_object_new_string(blk));
		json_object_object_add(o, "read_only", json_object_new_boolean(true));
		json_object_object_add(o, "loop", json_object_new_string(res.loopdev));
		if (!devdax && res.fstype[0]) {
			/* no file system recognised: no fstype, no mount command */
			json_object_object_add(o, "fstype", json_object_new_string(res.fstype));
			json_object_object_add(o, "mount", json_object_new_string(mount));
		} else if (devdax) {
			json_object_object_add(o, "copy", json_object_new_string(dd));
		}
		json_object_object_add(o, "undo", json_object_new_string(undo_cmd));
		if (json)
			return print_and_put(o);
		json_object_put(o);
		char nb[160];

		say("%s (%s, %s) is refused by the kernel: %s", res.dev, mode_name(&res.ib),
		    res.uuid[0] ? res.uuid : "no label", res.refusal);
		say("  raw namespace:  %s, read-only (info block at 4096, data at %#" PRIx64 ")",
		    blk, res.data_offset);
		say("  its data:       %s, read-only, %" PRIu64 " bytes", res.loopdev,
		    res.data_size);
		if (!devdax && res.fstype[0])
			say("  file system:    %s: %s", res.fstype, NB(nb, "%s", mount));
		else if (!devdax)
			say("  file system:    none recognised; the bytes are in %s", res.loopdev);
		else
			say("  devdax data:    bytes %#" PRIx64 "-%#" PRIx64
			    " of %s, all of %s: %s",
			    res.data_offset, res.data_offset + res.data_size - 1, blk, res.loopdev,
			    NB(nb, "%s", dd));
		say("  nothing was written to the media. When done: %s", NB(nb, "%s", undo_cmd));
		say("  to make the kernel accept it again: %s",
		    NB(nb, "nsalign repair %s --dry-run", res.uuid[0] ? res.uuid : res.dev));
	}
	return 0;
}

static const char *cost(const struct nsa_rescue_result *res, char *buf, size_t len)
{
	uint64_t old = nsa_infoblock_effective_align(&res->ib);
	char a[32], b[32];

	nsa_size_str(old, a, sizeof(a));
	nsa_size_str(res->new_align, b, sizeof(b));
	if (nsa_infoblock_is_devdax(&res->ib))
		snprintf(buf, len,
			 "the dax device maps its memory in %s pages instead of %s: programs that "
			 "map it take more TLB misses; its size, place and data do not change",
			 b, a);
	else
		snprintf(buf, len,
			 "the pfn align goes from %s to %s; the file system, its data and huge "
			 "(2 MiB) DAX mappings are unchanged",
			 a, b);
	return buf;
}

int cmd_repair(int argc, char **argv, struct nsa_ctx *ctx)
{
	const char *ns = NULL, *arg, *restore = NULL;
	const char *backup_dir = NSA_STATE_DIR "/backup";
	struct nsa_rescue_result res;
	struct json_object *o;
	bool json = false;
	unsigned flags = 0;
	uint64_t max_align = 0;
	int64_t v;
	int c, r;

	while ((c = cmd_getopt(&repair_spec, argc, argv, &arg)) != -1) {
		switch (c) {
		case OPT_HELP:
			return 0;
		case OPT_ALIGN:
			if (nsa_parse_size(arg, false, &v) == -EDOM)
				return cmd_size_unit_error("repair", "--align", arg);
			if (nsa_parse_size(arg, false, &v) < 0 || v < 4096 ||
			    !nsa_is_pow2((uint64_t)v)) {
				cmd_error("repair",
					  "--align %s: expected a power of two from 4K (e.g. "
					  "2M)",
					  arg);
				return EX_USAGE;
			}
			/* the info block's align field is 32 bits */
			if ((uint64_t)v > UINT32_MAX) {
				cmd_error("repair",
					  "--align %s: the info block's align field is 32 bits, it "
					  "holds at most 2G",
					  arg);
				return EX_USAGE;
			}
			max_align = (uint64_t)v;
			break;
		case OPT_DRY_RUN:
			flags |= NSA_REPAIR_DRY_RUN;
			break;
		case OPT_FORCE:
			flags |= NSA_REPAIR_FORCE;
			break;
		case OPT_BACKUP_DIR:
			backup_dir = arg;
			break;
		case OPT_RESTORE:
			restore = arg;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	r = one_namespace("repair", argc, argv, &ns);
	if (!r && restore && max_align) {
		cmd_error("repair", "--restore writes the saved block as it is: no --align");
		r = EX_USAGE;
	}
	if (!r)
		r = need_root("repair", ns);
	if (r)
		return r;

	r = restore ? nsa_repair_restore(ctx, ns, restore, flags, backup_dir, &res)
		    : nsa_repair(ctx, ns, max_align, flags, backup_dir, &res);
	o = res.dev[0] ? result_json(&res) : json_object_new_object();
	if (res.new_align) {
		char why[256];

		json_object_object_add(o, "new_align", json_object_new_uint64(res.new_align));
		if (!restore)
			json_object_object_add(
				o, "cost", json_object_new_string(cost(&res, why, sizeof(why))));
		if (!json && (r == 0 || r == -ECANCELED || r == -ENOTRECOVERABLE)) {
			char a[32], b[32];

			char nb[96];

			if (restore) {
				say("%s (%s, %s): restore from %s: align %s, dataoff %#" PRIx64
				    "; %s%s%s",
				    res.dev, mode_name(&res.ib),
				    res.uuid[0] ? res.uuid : "no label", restore,
				    nsa_size_str(res.new_align, b, sizeof(b)), res.ib.dataoff,
				    res.refusal[0] ? NB(nb, "the kernel will refuse it where the "
							    "namespace is now: '")
						   : NB(nb, "the kernel accepts it where the "
							    "namespace is now"),
				    res.refusal, res.refusal[0] ? "'" : "");
			} else {
				say("%s (%s, %s): %s", res.dev, mode_name(&res.ib),
				    res.uuid[0] ? res.uuid : "no label",
				    res.refusal[0] ? res.refusal
						   : "the kernel accepts its info block here");
				say("  plan: align %s, nothing else in the info block changes "
				    "(dataoff %#" PRIx64 ", uuid %s)",
				    NB(nb, "%s -> %s",
				       nsa_size_str(nsa_infoblock_effective_align(&res.ib), a,
						    sizeof(a)),
				       nsa_size_str(res.new_align, b, sizeof(b))),
				    res.ib.dataoff, res.ib.uuid);
				say("  cost: %s", cost(&res, why, sizeof(why)));
			}
		}
	}
	json_object_object_add(o, "dry_run", json_object_new_boolean(flags & NSA_REPAIR_DRY_RUN));
	json_object_object_add(o, "written", json_object_new_boolean(res.written));
	json_object_object_add(o, "accepted", json_object_new_boolean(res.accepted));
	json_object_object_add(o, "restored", json_object_new_boolean(res.restored));
	if (res.backup[0])
		json_object_object_add(o, "backup", json_object_new_string(res.backup));
	if (res.holder[0])
		json_object_object_add(o, "holder", json_object_new_string(res.holder));
	if (r < 0)
		return fail("repair", o, json, r, &res);
	if (json)
		return print_and_put(o);
	json_object_put(o);
	if (flags & NSA_REPAIR_DRY_RUN) {
		char nb[PATH_MAX + 160];

		say("  dry run: nothing changed; %s does it",
		    NB(nb, "'nsalign repair %s%s%s --force'", res.uuid[0] ? res.uuid : res.dev,
		       restore ? " --restore " : "", restore ? restore : ""));
		return 0;
	}
	say("  old block saved: %s", res.backup);
	if (res.accepted)
		say("  the%ckernel%caccepted %s: it runs as %s", CMD_NBSP, CMD_NBSP, res.dev,
		    res.holder);
	else
		say("  written; the kernel does not accept %s here (%s): it stays disabled",
		    res.dev, res.refusal[0] ? res.refusal : "see dmesg");
	return 0;
}
