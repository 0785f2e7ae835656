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
#include <unistd.h>

#include <libkmod.h>
#include <ndctl/libndctl.h>
#include <linux/ndctl.h> /* ND_DEVICE_NAMESPACE_PMEM */
#include <uuid/uuid.h>

#include "private.h"

static int say(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int say(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ------------------------------------------------------------ modules */

static int load_module(struct nsa_ctx *ctx, struct kmod_ctx *kctx, const char *name, char *err,
		       size_t errlen)
{
	struct kmod_module *mod = NULL;
	int r, state;

	r = nsa_fault(ctx, name);
	if (r)
		return say(err, errlen, -ENOENT, "kernel module %s: injected failure", name);
	r = kmod_module_new_from_name(kctx, name, &mod);
	if (r < 0)
		return say(err, errlen, r, "kernel module %s: %s", name, strerror(-r));
	state = kmod_module_get_initstate(mod);
	if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN ||
	    state == KMOD_MODULE_COMING) {
		kmod_module_unref(mod);
		return 0;
	}
	r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL,
					    NULL);
	if (r > 0)
		r = say(err, errlen, -EPERM, "kernel module %s is blacklisted (modprobe.d)", name);
	else if (r == -ENOENT)
		r = say(err, errlen, r,
			"kernel module %s is not installed for this kernel: install the "
			"kernel's modules package, or check 'modinfo %s'",
			name, name);
	else if (r < 0)
		r = say(err, errlen, r, "kernel module %s did not load: %s", name, strerror(-r));
	else
		info(ctx, "loaded %s\n", name);
	kmod_module_unref(mod);
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
		return say(err, errlen, -EINVAL, "no mode");
	}
	kctx = kmod_new(NULL, NULL);
	if (!kctx)
		return say(err, errlen, -ENOMEM, "libkmod: cannot create a context");
	for (int i = 0; i < n && r == 0; i++)
		r = load_module(ctx, kctx, mods[i], err, errlen);
	kmod_unref(kctx);
	return r;
}

/* ------------------------------------------------------------ libndctl */

static struct ndctl_region *find_region(struct ndctl_ctx *nctx, const char *dev)
{
	struct ndctl_region *region;
	struct ndctl_bus *bus;

	ndctl_bus_foreach(nctx, bus)
		ndctl_region_foreach(bus, region)
			if (strcmp(ndctl_region_get_devname(region), dev) == 0)
				return region;
	return NULL;
}

/* The region's idle namespace: the 0th if idle (ndctl does the same), else the seed. */
static struct ndctl_namespace *idle_namespace(struct ndctl_region *region)
{
	struct ndctl_namespace *ndns;

	ndctl_namespace_foreach(region, ndns)
		if (ndctl_namespace_get_id(ndns) == 0 &&
		    ndctl_namespace_is_configuration_idle(ndns))
			return ndns;
	ndns = ndctl_region_get_namespace_seed(region);
	return ndns && ndctl_namespace_is_configuration_idle(ndns) ? ndns : NULL;
}

#define STEP(ctx, name, call, ...)                                                         \
	do {                                                                               \
		int _r = nsa_fault(ctx, name);                                             \
		if (_r == 0)                                                               \
			_r = (call);                                                       \
		if (_r < 0) {                                                              \
			r = say(out->error, sizeof(out->error), _r, __VA_ARGS__);          \
			goto fail;                                                         \
		}                                                                          \
	} while (0)

int nsa_create_namespace(struct nsa_ctx *ctx, const struct nsa_plan *plan, const char *uuid_str,
			 const char *name, struct nsa_create_result *out)
{
	struct ndctl_ctx *nctx = NULL;
	struct ndctl_region *region;
	struct ndctl_namespace *ndns;
	struct ndctl_pfn *pfn = NULL;
	struct ndctl_dax *dax = NULL;
	struct ndctl_btt *btt = NULL;
	enum ndctl_namespace_mode nmode;
	enum ndctl_pfn_loc loc = plan->map == NSA_MAP_MEM ? NDCTL_PFN_LOC_RAM : NDCTL_PFN_LOC_PMEM;
	uuid_t uuid, holder_uuid;
	bool allocated = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (!plan->ok)
		return say(out->error, sizeof(out->error), -EINVAL, "the plan was refused: %s",
			   plan->refusal);
	if (uuid_str && uuid_str[0]) {
		if (uuid_parse(uuid_str, uuid) != 0)
			return say(out->error, sizeof(out->error), -EINVAL,
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

	r = ndctl_new(&nctx);
	if (r < 0)
		return say(out->error, sizeof(out->error), r, "libndctl: %s", strerror(-r));
	region = find_region(nctx, plan->region);
	if (!region) {
		r = say(out->error, sizeof(out->error), -ENODEV, "%s: no such region", plan->region);
		goto out;
	}
	if (!ndctl_region_is_enabled(region)) {
		r = say(out->error, sizeof(out->error), -ENXIO,
			"%s is disabled: 'ndctl enable-region %s' first", plan->region, plan->region);
		goto out;
	}
	ndns = idle_namespace(region);
	if (!ndns) {
		r = say(out->error, sizeof(out->error), -EBUSY,
			"%s has no idle namespace seed: another create is under way, or the "
			"region's label slots are used up",
			plan->region);
		goto out;
	}
	if (ndctl_namespace_get_type(ndns) != ND_DEVICE_NAMESPACE_PMEM) {
		r = say(out->error, sizeof(out->error), -EOPNOTSUPP,
			"%s has no namespace labels, so it cannot be divided: 'ndctl "
			"disable-region %s; ndctl init-labels all; ndctl enable-region %s' (this "
			"ends the label-less namespace that spans it now)",
			plan->region, plan->region, plan->region);
		goto out;
	}
	nsa_strlcpy(out->dev, ndctl_namespace_get_devname(ndns), sizeof(out->dev));
	uuid_unparse(uuid, out->uuid);

	/* from here on the kernel allocates: every failure rolls back */
	STEP(ctx, "set-uuid", ndctl_namespace_set_uuid(ndns, uuid), "%s: cannot set the uuid: %s",
	     out->dev, strerror(-_r));
	STEP(ctx, "set-name", ndctl_namespace_set_alt_name(ndns, name ? name : ""),
	     "%s: cannot set the name: %s", out->dev, strerror(-_r));
	allocated = true;
	STEP(ctx, "set-size", ndctl_namespace_set_size(ndns, plan->size),
	     "%s: the kernel did not allocate %" PRIu64 " bytes: %s", out->dev, plan->size,
	     strerror(-_r));
	out->spa_start = ndctl_namespace_get_resource(ndns);
	/* opportunistic, as ndctl does: kernels before 4.13 lack it */
	ndctl_namespace_set_enforce_mode(ndns, nmode);

	switch (plan->mode) {
	case NSA_MODE_FSDAX:
		pfn = ndctl_region_get_pfn_seed(region);
		if (!pfn) {
			r = say(out->error, sizeof(out->error), -ENXIO,
				"%s: no pfn seed: this kernel cannot do fsdax here", plan->region);
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
			r = say(out->error, sizeof(out->error), -ENXIO,
				"%s: no dax seed: this kernel cannot do devdax here", plan->region);
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
			r = say(out->error, sizeof(out->error), -ENXIO,
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
		STEP(ctx, "enable", ndctl_btt_enable(btt),
		     "%s: the kernel did not enable it: %s", out->holder, strerror(-_r));
		break;
	default:
		STEP(ctx, "enable", ndctl_namespace_enable(ndns),
		     "%s: the kernel did not enable it: %s", out->dev, strerror(-_r));
		break;
	}
	r = 0;
	goto out;

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
		out->rolled_back = true;
	}
out:
	ndctl_unref(nctx);
	return r;
}
