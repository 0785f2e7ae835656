// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Making a planned namespace real, through libndctl, the way the kernel's
 * sysfs interface wants it: claim the region's idle namespace seed, give it
 * a uuid and the planned size, then hand it to a pfn, dax or btt seed with
 * the planned alignment and enable that.  Any failure after the size was
 * set gives the capacity back (the seed returns to size 0), so a failed
 * create leaves the region as it was.
 *
 * The drivers a mode needs are loaded first with libkmod, so that a
 * missing module is found before anything is allocated.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libkmod.h>
#include <ndctl/libndctl.h>
#include <linux/ndctl.h> /* ND_DEVICE_NAMESPACE_PMEM */
#include <uuid/uuid.h>

#include "private.h"
#include "nd.h"

/* ------------------------------------------------------------ modules */

/* libkmod's complaints are details: nsalign says which module and what to do. */
static void kmod_log_to_ctx(void *data, int priority, const char *file, int line, const char *fn,
			    const char *format, va_list args)
{
	char msg[512];

	(void)priority, (void)file, (void)line, (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	dbg((struct nsa_ctx *)data, "libkmod: %s", msg);
}

/* A libkmod context whose messages go to ctx's log, not to stderr. */
static struct kmod_ctx *kmod_ctx_new(struct nsa_ctx *ctx)
{
	struct kmod_ctx *kctx = kmod_new(NULL, NULL);

	if (!kctx)
		return NULL;
	kmod_set_log_fn(kctx, kmod_log_to_ctx, ctx);
	kmod_set_log_priority(kctx, nsa_get_log_priority(ctx));
	return kctx;
}

static int load_module(struct nsa_ctx *ctx, struct kmod_ctx *kctx, const char *name, char *err,
		       size_t errlen)
{
	struct kmod_module *mod = NULL;
	int r, state;

	r = nsa_fault(ctx, name);
	if (r)
		return nsa_say(err, errlen, -ENOENT, "kernel module %s: injected failure", name);
	r = kmod_module_new_from_name(kctx, name, &mod);
	if (r < 0)
		return nsa_say(err, errlen, r, "kernel module %s: %s", name, strerror(-r));
	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN ||
	    state == KMOD_MODULE_COMING) {
		kmod_module_unref(mod);
		return 0;
	}
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
					    NULL);
	if (r > 0)
		r = nsa_say(err, errlen, -EPERM, "kernel module %s is blacklisted (modprobe.d)",
			    name);
	else if (r == -ENOENT)
		r = nsa_say(err, errlen, r,
			    "kernel module %s is not installed for this kernel: install the "
			    "kernel's modules package, or check 'modinfo %s'",
			    name, name);
	else if (r < 0)
		r = nsa_say(err, errlen, r, "kernel module %s did not load: %s", name,
			    strerror(-r));
	else
		info(ctx, "loaded %s\n", name);
	kmod_module_unref(mod);
	return r;
}

int nsa_load_module(struct nsa_ctx *ctx, const char *name, char *err, size_t errlen)
{
	struct kmod_ctx *kctx = kmod_ctx_new(ctx);
	int r;

	if (!kctx)
		return nsa_say(err, errlen, -ENOMEM, "libkmod: cannot create a context");
	r = load_module(ctx, kctx, name, err, errlen);
	kmod_unref(kctx);
	return r;
}

int nsa_load_mode_modules(struct nsa_ctx *ctx, enum nsa_mode mode, bool for_kmem, char *err,
			  size_t errlen)
{
	const char *mods[4];
	struct kmod_ctx *kctx;
	int n = 0, r = 0;

	switch (mode) {
	case NSA_MODE_RAW:
	case NSA_MODE_FSDAX:
		mods[n++] = "nd_pmem";
		break;
	case NSA_MODE_SECTOR:
		mods[n++] = "nd_pmem";
		mods[n++] = "nd_btt";
		break;
	case NSA_MODE_DEVDAX:
		mods[n++] = "device_dax";
		mods[n++] = "dax_pmem";
		if (for_kmem)
			mods[n++] = "kmem";
		break;
	default:
		return nsa_say(err, errlen, -EINVAL, "no mode");
	}
	kctx = kmod_ctx_new(ctx);
	if (!kctx)
		return nsa_say(err, errlen, -ENOMEM, "libkmod: cannot create a context");
	for (int i = 0; i < n && r == 0; i++)
		r = load_module(ctx, kctx, mods[i], err, errlen);
	kmod_unref(kctx);
	return r;
}

/* ------------------------------------------------------------ libndctl */

/* The region's idle namespace: the 0th if idle (ndctl does the same), else the seed. */
static struct ndctl_namespace *idle_namespace(struct ndctl_region *region)
{
	struct ndctl_namespace *ndns;

	ndctl_namespace_foreach (region, ndns)
		if (ndctl_namespace_get_id(ndns) == 0 &&
		    ndctl_namespace_is_configuration_idle(ndns))
			return ndns;
	ndns = ndctl_region_get_namespace_seed(region);
	return ndns && ndctl_namespace_is_configuration_idle(ndns) ? ndns : NULL;
}

#define STEP(ctx, name, call, ...)                                                    \
	do {                                                                          \
		int _r = nsa_fault(ctx, name);                                        \
		if (_r == 0)                                                          \
			_r = (call);                                                  \
		if (_r < 0) {                                                         \
			r = nsa_say(out->error, sizeof(out->error), _r, __VA_ARGS__); \
			goto fail;                                                    \
		}                                                                     \
	} while (0)

/*
 * Give ndns (an idle seed, or a label-less namespace: labelled == false)
 * the planned configuration.  On failure everything it allocated is given
 * back.
 */
static int setup_namespace(struct nsa_ctx *ctx, struct ndctl_region *region,
			   struct ndctl_namespace *ndns, bool labelled, const struct nsa_plan *plan,
			   const char *uuid_str, const char *name, struct nsa_create_result *out)
{
	struct ndctl_pfn *pfn = NULL;
	struct ndctl_dax *dax = NULL;
	struct ndctl_btt *btt = NULL;
	enum ndctl_namespace_mode nmode;
	enum ndctl_pfn_loc loc = plan->map == NSA_MAP_MEM ? NDCTL_PFN_LOC_RAM : NDCTL_PFN_LOC_PMEM;
	uuid_t uuid, holder_uuid;
	bool allocated = false;
	int r;

	if (uuid_str && uuid_str[0]) {
		if (uuid_parse(uuid_str, uuid) != 0)
			return nsa_say(out->error, sizeof(out->error), -EINVAL,
				       "'%s' is not a uuid", uuid_str);
	} else {
		uuid_generate(uuid);
	}
	uuid_generate(holder_uuid);
	switch (plan->mode) {
	case NSA_MODE_FSDAX:
		nmode = NDCTL_NS_MODE_FSDAX;
		break;
	case NSA_MODE_DEVDAX:
		nmode = NDCTL_NS_MODE_DEVDAX;
		break;
	case NSA_MODE_SECTOR:
		nmode = NDCTL_NS_MODE_SECTOR;
		break;
	default:
		nmode = NDCTL_NS_MODE_RAW;
		break;
	}

	nsa_strlcpy(out->dev, ndctl_namespace_get_devname(ndns), sizeof(out->dev));
	uuid_unparse(uuid, out->uuid);

	/* from here on the kernel allocates: every failure rolls back */
	if (labelled) {
		STEP(ctx, "set-uuid", ndctl_namespace_set_uuid(ndns, uuid),
		     "%s: cannot set the uuid: %s", out->dev, strerror(-_r));
		STEP(ctx, "set-name", ndctl_namespace_set_alt_name(ndns, name ? name : ""),
		     "%s: cannot set the name: %s", out->dev, strerror(-_r));
		allocated = true;
		STEP(ctx, "set-size", ndctl_namespace_set_size(ndns, plan->size),
		     "%s: the kernel did not allocate %" PRIu64 " bytes: %s", out->dev, plan->size,
		     strerror(-_r));
	} else {
		ndctl_namespace_get_uuid(ndns, uuid);
		uuid_unparse(uuid, out->uuid);
	}
	out->spa_start = ndctl_namespace_get_resource(ndns);
	/* opportunistic, as ndctl does: kernels before 4.13 lack it */
	ndctl_namespace_set_enforce_mode(ndns, nmode);

	switch (plan->mode) {
	case NSA_MODE_FSDAX:
		pfn = ndctl_region_get_pfn_seed(region);
		if (!pfn) {
			r = nsa_say(out->error, sizeof(out->error), -ENXIO,
				    "%s: no pfn seed: this kernel cannot do fsdax here",
				    plan->region);
			goto fail;
		}
		nsa_strlcpy(out->holder, ndctl_pfn_get_devname(pfn), sizeof(out->holder));
		STEP(ctx, "holder-uuid", ndctl_pfn_set_uuid(pfn, holder_uuid),
		     "%s: cannot set the uuid: %s", out->holder, strerror(-_r));
		STEP(ctx, "holder-map", ndctl_pfn_set_location(pfn, loc),
		     "%s: cannot set the memmap location: %s", out->holder, strerror(-_r));
		if (ndctl_pfn_has_align(pfn))
			STEP(ctx, "holder-align", ndctl_pfn_set_align(pfn, plan->align),
			     "%s: cannot set align %#" PRIx64 ": %s", out->holder, plan->align,
			     strerror(-_r));
		STEP(ctx, "holder-namespace", ndctl_pfn_set_namespace(pfn, ndns),
		     "%s: cannot claim %s: %s", out->holder, out->dev, strerror(-_r));
		STEP(ctx, "enable", ndctl_pfn_enable(pfn),
		     "%s: the kernel did not enable it (see 'journalctl -k -b | tail'): %s",
		     out->holder, strerror(-_r));
		break;
	case NSA_MODE_DEVDAX:
		dax = ndctl_region_get_dax_seed(region);
		if (!dax) {
			r = nsa_say(out->error, sizeof(out->error), -ENXIO,
				    "%s: no dax seed: this kernel cannot do devdax here",
				    plan->region);
			goto fail;
		}
		nsa_strlcpy(out->holder, ndctl_dax_get_devname(dax), sizeof(out->holder));
		STEP(ctx, "holder-uuid", ndctl_dax_set_uuid(dax, holder_uuid),
		     "%s: cannot set the uuid: %s", out->holder, strerror(-_r));
		STEP(ctx, "holder-map", ndctl_dax_set_location(dax, loc),
		     "%s: cannot set the memmap location: %s", out->holder, strerror(-_r));
		STEP(ctx, "holder-align", ndctl_dax_set_align(dax, plan->align),
		     "%s: cannot set align %#" PRIx64 ": %s", out->holder, plan->align,
		     strerror(-_r));
		STEP(ctx, "holder-namespace", ndctl_dax_set_namespace(dax, ndns),
		     "%s: cannot claim %s: %s", out->holder, out->dev, strerror(-_r));
		STEP(ctx, "enable", ndctl_dax_enable(dax),
		     "%s: the kernel did not enable it (see 'journalctl -k -b | tail'): %s",
		     out->holder, strerror(-_r));
		break;
	case NSA_MODE_SECTOR:
		btt = ndctl_region_get_btt_seed(region);
		if (!btt) {
			r = nsa_say(out->error, sizeof(out->error), -ENXIO,
				    "%s: no btt seed: load nd_btt", plan->region);
			goto fail;
		}
		nsa_strlcpy(out->holder, ndctl_btt_get_devname(btt), sizeof(out->holder));
		STEP(ctx, "holder-uuid", ndctl_btt_set_uuid(btt, holder_uuid),
		     "%s: cannot set the uuid: %s", out->holder, strerror(-_r));
		STEP(ctx, "holder-sector-size", ndctl_btt_set_sector_size(btt, 4096),
		     "%s: cannot set a 4096-byte sector: %s", out->holder, strerror(-_r));
		STEP(ctx, "holder-namespace", ndctl_btt_set_namespace(btt, ndns),
		     "%s: cannot claim %s: %s", out->holder, out->dev, strerror(-_r));
		STEP(ctx, "enable", ndctl_btt_enable(btt), "%s: the kernel did not enable it: %s",
		     out->holder, strerror(-_r));
		break;
	default:
		STEP(ctx, "enable", ndctl_namespace_enable(ndns),
		     "%s: the kernel did not enable it: %s", out->dev, strerror(-_r));
		break;
	}
	return 0;

fail:
	/* give everything back: the holder lets go, the seed returns to size 0 */
	if (pfn)
		ndctl_pfn_set_namespace(pfn, NULL);
	if (dax)
		ndctl_dax_set_namespace(dax, NULL);
	if (btt)
		ndctl_btt_set_namespace(btt, NULL);
	if (allocated) {
		ndctl_namespace_disable_invalidate(ndns);
		ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
		out->rolled_back = ndctl_namespace_delete(ndns) == 0;
	} else {
		ndctl_namespace_disable_invalidate(ndns);
		out->rolled_back = true;
	}
	return r;
}

int nsa_create_namespace(struct nsa_ctx *ctx, const struct nsa_plan *plan, const char *uuid,
			 const char *name, struct nsa_create_result *out)
{
	struct ndctl_ctx *nctx = NULL;
	struct ndctl_region *region;
	struct ndctl_namespace *ndns;
	int r;

	memset(out, 0, sizeof(*out));
	out->untouched = true; /* until setup_namespace() claims the seed */
	if (!plan->ok)
		return nsa_say(out->error, sizeof(out->error), -EINVAL, "the plan was refused: %s",
			       plan->refusal);
	r = nsa_nd_new(ctx, &nctx);
	if (r < 0)
		return nsa_say(out->error, sizeof(out->error), r, "libndctl: %s", strerror(-r));
	region = nsa_nd_region(nctx, plan->region);
	if (!region) {
		r = nsa_say(out->error, sizeof(out->error), -ENODEV, "%s: no such region",
			    plan->region);
		goto out;
	}
	if (!ndctl_region_is_enabled(region)) {
		r = nsa_say(out->error, sizeof(out->error), -ENXIO,
			    "%s is disabled: 'ndctl enable-region %s' first", plan->region,
			    plan->region);
		goto out;
	}
	ndns = idle_namespace(region);
	if (!ndns) {
		r = nsa_say(out->error, sizeof(out->error), -EBUSY,
			    "%s has no idle namespace seed: another create is under way, or the "
			    "region's label slots are used up",
			    plan->region);
		goto out;
	}
	if (ndctl_namespace_get_type(ndns) != ND_DEVICE_NAMESPACE_PMEM) {
		r = nsa_say(
			out->error, sizeof(out->error), -EOPNOTSUPP,
			"%s has no namespace labels, so it cannot be divided: 'ndctl "
			"disable-region %s; ndctl init-labels all; ndctl enable-region %s' (this "
			"ends the label-less namespace that spans it now)",
			plan->region, plan->region, plan->region);
		goto out;
	}
	out->untouched = false;
	r = setup_namespace(ctx, region, ndns, true, plan, uuid, name, out);
out:
	ndctl_unref(nctx);
	return r;
}

/* ------------------------------------------------------------ reconfigure */

#define INFO_LEN 8192 /* what ndctl zeroes: labels/partitions (4K) + the info block (4K) */

/*
 * Read or write the first INFO_LEN bytes of a disabled namespace through
 * its raw block device (read-only for a read), then disable it again.
 */
static int raw_io(struct nsa_ctx *ctx, struct ndctl_namespace *ndns, void *buf, bool write,
		  char *err, size_t errlen)
{
	const char *dev = ndctl_namespace_get_devname(ndns);
	char path[64], blockdev[NSA_DEV_LEN];
	int r;

	r = nsa_nd_raw_up(ctx, ndns, dev, !write, path, sizeof(path), blockdev, sizeof(blockdev),
			  err, errlen);
	if (r < 0)
		return r;
	r = nsa_nd_rw(ctx, path, buf, INFO_LEN, 0, (write ? NSA_ND_WRITE : 0) | NSA_ND_EXCL, "raw",
		      "the first 8192 bytes", err, errlen);
	nsa_nd_raw_off(ndns);
	return r;
}

/* Put the old namespace back: same uuid, name and size, its first 8 KiB rewritten. */
static bool restore(struct nsa_ctx *ctx, struct ndctl_region *region, struct ndctl_namespace *old,
		    bool labelled, uuid_t uuid, const char *name, uint64_t size, void *backup)
{
	struct ndctl_namespace *ndns = old;
	char err[128];

	if (labelled) {
		ndns = idle_namespace(region);
		if (!ndns || ndctl_namespace_set_uuid(ndns, uuid) < 0 ||
		    ndctl_namespace_set_alt_name(ndns, name) < 0 ||
		    ndctl_namespace_set_size(ndns, size) < 0)
			return false;
	}
	if (raw_io(ctx, ndns, backup, true, err, sizeof(err)) < 0)
		return false;
	/* the kernel finds the info block again and brings its pfn/dax/btt back */
	ndctl_namespace_enable(ndns);
	return true;
}

int nsa_reconfigure_namespace(struct nsa_ctx *ctx, const char *dev, const struct nsa_plan *plan,
			      const char *uuid, const char *name, const char *backup_dir,
			      struct nsa_create_result *out)
{
	struct ndctl_ctx *nctx = NULL;
	struct ndctl_region *region = NULL;
	struct ndctl_namespace *ndns;
	void *buf = NULL, *zero = NULL;
	char old_uuid_str[NSA_UUID_LEN], old_name[64], old_dev[NSA_DEV_LEN];
	uint64_t old_size;
	uuid_t old_uuid;
	bool labelled;
	int r;

	memset(out, 0, sizeof(*out));
	out->untouched = true; /* until setup_namespace() claims the seed */
	if (!plan->ok)
		return nsa_say(out->error, sizeof(out->error), -EINVAL, "the plan was refused: %s",
			       plan->refusal);
	r = nsa_nd_new(ctx, &nctx);
	if (r < 0)
		return nsa_say(out->error, sizeof(out->error), r, "libndctl: %s", strerror(-r));
	ndns = nsa_nd_namespace(nctx, dev, &region);
	if (!ndns) {
		r = nsa_say(out->error, sizeof(out->error), -ENODEV, "%s: no such namespace", dev);
		goto out;
	}
	if (posix_memalign(&buf, 4096, INFO_LEN) || posix_memalign(&zero, 4096, INFO_LEN)) {
		r = nsa_say(out->error, sizeof(out->error), -ENOMEM, "out of memory");
		goto out;
	}
	memset(zero, 0, INFO_LEN);
	labelled = ndctl_namespace_get_type(ndns) == ND_DEVICE_NAMESPACE_PMEM;
	nsa_strlcpy(old_dev, ndctl_namespace_get_devname(ndns), sizeof(old_dev));
	ndctl_namespace_get_uuid(ndns, old_uuid);
	uuid_unparse(old_uuid, old_uuid_str);
	nsa_strlcpy(old_name, ndctl_namespace_get_alt_name(ndns), sizeof(old_name));
	old_size = ndctl_namespace_get_size(ndns);

	/* 1. stop it: refuses when it is mounted or open */
	r = ndctl_namespace_disable_safe(ndns);
	if (r < 0) {
		r = nsa_say(out->error, sizeof(out->error), r,
			    "%s is in use (mounted, or its device is open): stop using it first",
			    dev);
		goto out;
	}
	/* 2. keep its first 8 KiB (the info block), then clear them */
	r = raw_io(ctx, ndns, buf, false, out->error, sizeof(out->error));
	if (r == 0) {
		r = nsa_nd_backup_save(ctx, backup_dir, old_dev, labelled ? old_uuid_str : "", buf,
				       INFO_LEN, out->backup, sizeof(out->backup));
		if (r < 0)
			nsa_say(out->error, sizeof(out->error), r,
				"%s: cannot write the backup: %s", backup_dir, strerror(-r));
	}
	if (r < 0) {
		ndctl_namespace_enable(ndns); /* nothing changed: as it was */
		out->rolled_back = true;
		goto out;
	}
	r = raw_io(ctx, ndns, zero, true, out->error, sizeof(out->error));
	if (r < 0)
		goto restore;
	/* 3. give the capacity back (labelled) and lay out the new namespace */
	if (labelled) {
		ndctl_namespace_set_enforce_mode(ndns, NDCTL_NS_MODE_RAW);
		r = nsa_fault(ctx, "delete");
		if (r == 0)
			r = ndctl_namespace_delete(ndns);
		if (r < 0) {
			nsa_say(out->error, sizeof(out->error), r, "%s: cannot release it: %s", dev,
				strerror(-r));
			goto restore;
		}
		ndns = idle_namespace(region);
		if (!ndns) {
			r = nsa_say(out->error, sizeof(out->error), -EBUSY,
				    "%s: no idle namespace seed", plan->region);
			goto restore;
		}
	}
	r = setup_namespace(ctx, region, ndns, labelled, plan, labelled ? uuid : NULL, name, out);
	if (r == 0)
		goto out;
restore:
	out->restored = restore(ctx, region, ndns, labelled, old_uuid, old_name, old_size, buf);
	out->rolled_back = out->restored;
out:
	free(buf);
	free(zero);
	ndctl_unref(nctx);
	return r;
}
