// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The collector: reads the live system into a snapshot and changes
 * nothing (no enabling, no force_raw, no module loading, no writes).
 * nd objects come from libndctl, dax devices from libdaxctl; memory blocks
 * (/sys/devices/system/memory), /proc/iomem, the kernel log (/dev/kmsg)
 * and a few attributes the libraries do not expose (holder_class as the
 * kernel words it, a dax device's driver and memmap_on_memory) are read
 * directly, each once, through directories held open for the collection.
 * What a System RAM dax device's memory blocks are (online, how many, in
 * Movable) comes from nsalign's own block table, read once: libdaxctl's
 * daxctl_memory_*() would walk the node's blocks again for each question
 * and each device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>
#include <linux/ndctl.h> /* ND_DEVICE_NAMESPACE_IO */
#include <systemd/sd-id128.h>
#include <uuid/uuid.h>

#include "collect.h"
#include "nd.h"

static void path_of(struct nsa_ctx *ctx, bool proc, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", proc ? nsa_get_proc_root(ctx) : nsa_get_sysfs_root(ctx), rel);
}

static void read_line(const char *path, char *buf, size_t len)
{
	char *text;

	buf[0] = '\0';
	if (nsa_read_file(path, &text, NULL) < 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	nsa_strlcpy(buf, text, len);
	free(text);
}

/*
 * The machine as nsalign names it: /etc/machine-id hashed with nsalign's
 * own application id, so that a snapshot sent to someone else does not
 * carry the machine-id itself ("" when there is none).
 */
#define NSALIGN_APP_ID SD_ID128_MAKE(a8, f1, c1, b9, 91, 14, 41, 1e, 88, 95, 6e, e0, 11, 18, a8, 87)

static void host_id(char *buf, size_t len)
{
	char text[SD_ID128_STRING_MAX];
	sd_id128_t id;

	buf[0] = '\0';
	if (sd_id128_get_machine_app_specific(NSALIGN_APP_ID, &id) == 0)
		nsa_strlcpy(buf, sd_id128_to_string(id, text), len);
}

static bool ppc64_hash_mmu(struct nsa_ctx *ctx)
{
	char path[PATH_MAX], *text;
	bool hash = false;

	path_of(ctx, true, "/proc/cpuinfo", path, sizeof(path));
	if (nsa_read_file(path, &text, NULL) < 0)
		return false;
	/* "MMU		: Hash" or "MMU		: Radix" */
	for (char *line = strstr(text, "\nMMU"); line; line = strstr(line + 1, "\nMMU")) {
		char *colon = strchr(line, ':');

		if (colon && strncmp(colon + 1, " Hash", 5) == 0)
			hash = true;
	}
	free(text);
	return hash;
}

/* The platform; false when block_size_bytes could not be read (block_size is then a default). */
static bool collect_platform(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	struct nsa_platform *p = &s->platform;
	char path[PATH_MAX], buf[64];
	struct utsname u;
	long ps = sysconf(_SC_PAGESIZE);
	bool block_size_read;

	if (uname(&u) == 0) {
		nsa_strlcpy(p->arch, u.machine, sizeof(p->arch));
		nsa_strlcpy(p->kernel_release, u.release, sizeof(p->kernel_release));
		nsa_strlcpy(p->hostname, u.nodename, sizeof(p->hostname));
	}
	p->page_size = ps > 0 ? (uint64_t)ps : 4096;
	path_of(ctx, true, "/proc/sys/kernel/random/boot_id", path, sizeof(path));
	read_line(path, p->boot_id, sizeof(p->boot_id));
	host_id(p->host_id, sizeof(p->host_id));

	path_of(ctx, false, "/sys/devices/system/memory", path, sizeof(path));
	block_size_read = nsa_sysfs_read_u64(path, "block_size_bytes", 16, &p->block_size) == 0;
	if (!block_size_read)
		p->block_size = 0;
	if (nsa_sysfs_read(path, "auto_online_blocks", buf, sizeof(buf)) == 0)
		nsa_strlcpy(p->auto_online_blocks, buf, sizeof(p->auto_online_blocks));
	/* the probe interface (CONFIG_ARCH_MEMORY_PROBE): write-only, so only its presence */
	if (p->block_size) {
		strncat(path, "/probe", sizeof(path) - strlen(path) - 1);
		p->memory_probe = access(path, F_OK) == 0;
	}
	path_of(ctx, false, "/sys/module/memory_hotplug/parameters", path, sizeof(path));
	if (nsa_sysfs_read(path, "memmap_on_memory", buf, sizeof(buf)) == 0)
		p->memmap_on_memory = buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
	/* the MMU matters on ppc64 alone: /proc/cpuinfo is read there only */
	nsa_platform_fill_defaults(p, strncmp(p->arch, "ppc64", 5) == 0 && ppc64_hash_mmu(ctx));
	return block_size_read && p->block_size;
}

void nsa_collect_platform(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	(void)collect_platform(ctx, s);
}

static int collect_iomem(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	char path[PATH_MAX], *text;
	bool all_zero = false;
	size_t len;
	int bad = 0, r;

	path_of(ctx, true, "/proc/iomem", path, sizeof(path));
	r = nsa_read_file(path, &text, &len);
	if (r < 0) {
		nsa_snapshot_add_note(s, "%s unreadable (%s): no collision analysis", path,
				      strerror(-r));
		return 0;
	}
	r = nsa_iomem_parse(s, text, len, &bad, &all_zero);
	free(text);
	if (r == -EINVAL) {
		nsa_snapshot_add_note(s, "%s line %d not understood: iomem ignored", path, bad);
		return 0;
	}
	if (r < 0)
		return r;
	s->platform.iomem_visible = !all_zero;
	if (all_zero)
		nsa_snapshot_add_note(s,
				      "/proc/iomem shows zero addresses: physical addresses need "
				      "CAP_SYS_ADMIN; run nsalign as root");
	return 0;
}

static void uuid_str(const unsigned char *uu, char *buf)
{
	static const unsigned char zero[16];

	if (memcmp(uu, zero, 16) == 0) {
		buf[0] = '\0';
		return;
	}
	uuid_unparse_lower(uu, buf);
}

/* ULLONG_MAX is libndctl's "could not read": resource attributes are root-only. */
static uint64_t known(unsigned long long v)
{
	return v == ULLONG_MAX ? 0 : v;
}

static void read_alignments_pfn(struct ndctl_pfn *pfn, struct nsa_region *r)
{
	int n = ndctl_pfn_get_num_alignments(pfn);

	for (int i = 0; i < n && r->n_pfn_alignments < (int)ARRAY_SIZE(r->pfn_alignments); i++) {
		unsigned long a = 0;

		if (ndctl_pfn_get_supported_alignment(pfn, i) > 0)
			a = (unsigned long)ndctl_pfn_get_supported_alignment(pfn, i);
		if (a)
			r->pfn_alignments[r->n_pfn_alignments++] = a;
	}
}

static void read_alignments_dax(struct ndctl_dax *dax, struct nsa_region *r)
{
	int n = ndctl_dax_get_num_alignments(dax);

	for (int i = 0; i < n && r->n_dax_alignments < (int)ARRAY_SIZE(r->dax_alignments); i++) {
		unsigned long a = 0;

		if (ndctl_dax_get_supported_alignment(dax, i) > 0)
			a = (unsigned long)ndctl_dax_get_supported_alignment(dax, i);
		if (a)
			r->dax_alignments[r->n_dax_alignments++] = a;
	}
}

/*
 * A namespace up raw (force_raw, as 'nsalign rescue' leaves it, or a
 * kernel that found no valid info block) shows its info block at byte
 * 4096 of its pmem disk: read it there, read-only, and only there.  A
 * block that does not validate is kept with valid false and why in
 * damage.  A refused namespace is disabled and stays unread: reading it
 * would mean enabling it, and collecting changes nothing.
 */
static void read_raw_infoblock(struct nsa_namespace *ns)
{
	char path[64];
	struct nsa_infoblock ib;
	void *block = NULL;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", ns->blockdev);
	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return; /* root only, as the disk is */
	if (posix_memalign(&block, 4096, NSA_INFOBLOCK_SIZE) == 0 &&
	    pread(fd, block, NSA_INFOBLOCK_SIZE, NSA_INFOBLOCK_OFFSET) == NSA_INFOBLOCK_SIZE &&
	    nsa_infoblock_classify(block, ns->uuid, &ib) != 0)
		ns->ib = ib;
	free(block);
	close(fd);
}

/* ndctl list's "size" and "sector_size", by its rules (ndctl/json.c) */
static void ndctl_facts(struct nsa_namespace *ns, struct ndctl_namespace *ndns,
			struct ndctl_pfn *pfn, struct ndctl_dax *dax, struct ndctl_btt *btt)
{
	unsigned int sector = 0;

	if (pfn)
		ns->usable_size = known(ndctl_pfn_get_size(pfn));
	else if (dax)
		ns->usable_size = known(ndctl_dax_get_size(dax));
	else if (btt)
		ns->usable_size = known(ndctl_btt_get_size(btt));
	else
		ns->usable_size = ns->size;
	if (btt)
		sector = ndctl_btt_get_sector_size(btt);
	else if (!dax) {
		sector = ndctl_namespace_get_sector_size(ndns);
		if (!sector || sector == UINT_MAX)
			sector = 512; /* the kernel's default without a label's */
	}
	ns->sector_size = sector == UINT_MAX ? 0 : sector;
}

static const char *persistence_name(enum ndctl_persistence_domain pd)
{
	switch (pd) {
	case PERSISTENCE_CPU_CACHE:
		return "cpu_cache";
	case PERSISTENCE_MEM_CTRL:
		return "memory_controller";
	case PERSISTENCE_NONE:
		return "none";
	default:
		return "unknown";
	}
}

/* What ndctl list prints of a region besides: extent, iset, persistence, badblocks, mappings. */
static int collect_region_ndctl(struct nsa_snapshot *s, struct ndctl_region *region)
{
	struct nsa_region *reg = &s->regions[s->n_regions - 1];
	struct ndctl_interleave_set *iset = ndctl_region_get_interleave_set(region);
	struct ndctl_mapping *mapping;
	struct ndctl_namespace *ndns;
	struct badblock *bb;

	nsa_strlcpy(reg->persistence_domain,
		    persistence_name(ndctl_region_get_persistence_domain(region)),
		    sizeof(reg->persistence_domain));
	reg->max_available_extent = known(ndctl_region_get_max_available_extent(region));
	reg->iset_id = iset ? ndctl_interleave_set_get_cookie(iset) : 0;
	nsa_strlcpy(reg->bus, ndctl_bus_get_devname(ndctl_region_get_bus(region)),
		    sizeof(reg->bus));
	ndctl_region_badblock_foreach(region, bb) reg->badblock_count += bb->len;
	ndctl_namespace_foreach (region, ndns) {
		unsigned int sector = ndctl_namespace_get_sector_size(ndns);

		if (reg->idle_namespace[0])
			break;
		if (ndctl_namespace_get_size(ndns)) {
			reg->idle_position++; /* listed before it */
			continue;
		}
		if (ndctl_namespace_is_active(ndns))
			continue;
		nsa_strlcpy(reg->idle_namespace, ndctl_namespace_get_devname(ndns),
			    sizeof(reg->idle_namespace));
		reg->idle_sector_size = !sector || sector == UINT_MAX ? 512 : sector;
	}
	ndctl_mapping_foreach(region, mapping)
	{
		struct nsa_mapping *m = nsa_snapshot_add_mapping(s);

		if (!m)
			return -ENOMEM;
		nsa_strlcpy(m->region, ndctl_region_get_devname(region), sizeof(m->region));
		nsa_strlcpy(m->dimm, ndctl_dimm_get_devname(ndctl_mapping_get_dimm(mapping)),
			    sizeof(m->dimm));
		m->offset = ndctl_mapping_get_offset(mapping);
		m->length = ndctl_mapping_get_length(mapping);
		m->position = ndctl_mapping_get_position(mapping);
	}
	return 0;
}

static const char *security_name(enum ndctl_security_state st)
{
	switch (st) {
	case NDCTL_SECURITY_DISABLED:
		return "disabled";
	case NDCTL_SECURITY_UNLOCKED:
		return "unlocked";
	case NDCTL_SECURITY_LOCKED:
		return "locked";
	case NDCTL_SECURITY_FROZEN:
		return "frozen";
	case NDCTL_SECURITY_OVERWRITE:
		return "overwrite";
	default:
		return "";
	}
}

/* The bus's DIMMs, with what ndctl list -D prints of them. */
static int collect_dimms(struct nsa_snapshot *s, struct ndctl_bus *bus)
{
	struct ndctl_dimm *dimm;

	ndctl_dimm_foreach(bus, dimm)
	{
		struct nsa_dimm *d = nsa_snapshot_add_dimm(s);
		unsigned short phys = ndctl_dimm_get_phys_id(dimm);
		unsigned int serial = ndctl_dimm_get_serial(dimm);

		if (!d)
			return -ENOMEM;
		nsa_strlcpy(d->dev, ndctl_dimm_get_devname(dimm), sizeof(d->dev));
		nsa_strlcpy(d->bus, ndctl_bus_get_devname(bus), sizeof(d->bus));
		if (ndctl_dimm_get_unique_id(dimm))
			nsa_strlcpy(d->id, ndctl_dimm_get_unique_id(dimm), sizeof(d->id));
		/* the identity across boots, which cause.c names (UINT_MAX: not NFIT) */
		if (serial != UINT_MAX)
			snprintf(d->serial, sizeof(d->serial), "0x%08x", serial);
		d->handle = ndctl_dimm_get_handle(dimm);
		d->phys_id = phys < USHRT_MAX ? phys : -1;
		d->enabled = ndctl_dimm_is_enabled(dimm);
		d->flags = (ndctl_dimm_failed_map(dimm) ? NSA_DIMM_FAILED_MAP : 0) |
			   (ndctl_dimm_failed_save(dimm) ? NSA_DIMM_FAILED_SAVE : 0) |
			   (ndctl_dimm_failed_arm(dimm) ? NSA_DIMM_FAILED_ARM : 0) |
			   (ndctl_dimm_failed_restore(dimm) ? NSA_DIMM_FAILED_RESTORE : 0) |
			   (ndctl_dimm_failed_flush(dimm) ? NSA_DIMM_FAILED_FLUSH : 0) |
			   (ndctl_dimm_smart_pending(dimm) ? NSA_DIMM_SMART_EVENT : 0);
		nsa_strlcpy(d->security, security_name(ndctl_dimm_get_security(dimm)),
			    sizeof(d->security));
		d->security_frozen = ndctl_dimm_security_is_frozen(dimm);
	}
	return 0;
}

static int collect_namespace(struct nsa_snapshot *s, const struct nd_dirs *dirs,
			     struct ndctl_namespace *ndns, const struct nsa_region *region,
			     bool *resource_hidden)
{
	const char *dev = ndctl_namespace_get_devname(ndns);
	char rel[64], buf[32];
	struct nsa_namespace *ns;
	struct ndctl_pfn *pfn;
	struct ndctl_dax *dax;
	struct ndctl_btt *btt;
	unsigned char uu[16];

	if (!ndctl_namespace_get_size(ndns))
		return 0; /* a seed: nothing allocated */
	ns = nsa_snapshot_add_namespace(s);
	if (!ns)
		return -ENOMEM;
	nsa_strlcpy(ns->dev, dev, sizeof(ns->dev));
	nsa_strlcpy(ns->region, region->dev, sizeof(ns->region));
	ns->size = ndctl_namespace_get_size(ndns);
	ns->spa_start = known(ndctl_namespace_get_resource(ndns));
	if (!ns->spa_start)
		*resource_hidden = true;
	ns->numa_node = ndctl_namespace_get_numa_node(ndns);
	ns->target_node = ndctl_namespace_get_target_node(ndns);
	nsa_strlcpy(ns->name, ndctl_namespace_get_alt_name(ndns), sizeof(ns->name));
	if (!region->legacy) {
		ndctl_namespace_get_uuid(ndns, uu);
		uuid_str(uu, ns->uuid);
	}
	switch (ndctl_namespace_get_mode(ndns)) {
	case NDCTL_NS_MODE_FSDAX:
		ns->mode = NSA_MODE_FSDAX;
		break;
	case NDCTL_NS_MODE_SECTOR:
		ns->mode = NSA_MODE_SECTOR;
		break;
	case NDCTL_NS_MODE_RAW:
		ns->mode = NSA_MODE_RAW;
		break;
	case NDCTL_NS_MODE_DEVDAX:
		ns->mode = NSA_MODE_DEVDAX;
		break;
	default:
		ns->mode = NSA_MODE_UNKNOWN;
		break;
	}

	/*
	 * The label's claim survives a refused probe: the mark of a namespace
	 * the kernel refused.  Read here as the kernel words it: libndctl
	 * keeps only a mode id (ndctl_namespace_get_enforce_mode()), the same
	 * for "pfn" and a kernel without the attribute.
	 */
	snprintf(rel, sizeof(rel), "%s/holder_class", dev);
	if (nsa_sysfs_readat(dirs->nd, rel, buf, sizeof(buf)) == 0)
		nsa_strlcpy(ns->holder_class, buf, sizeof(ns->holder_class));
	/* libndctl read force_raw when it listed the namespace */
	ns->force_raw = ndctl_namespace_get_raw_mode(ndns) == 1;

	/*
	 * Its claim, asked once: each of these walks the region's devices of
	 * that kind and reads the namespace's holder again.  Enabled as
	 * ndctl_namespace_is_active() says, from the same three answers (it
	 * would ask all three again): a namespace claimed by pfn/dax/btt has
	 * no driver itself, its claim does.
	 */
	pfn = ndctl_namespace_get_pfn(ndns);
	dax = ndctl_namespace_get_dax(ndns);
	btt = ndctl_namespace_get_btt(ndns);
	ns->enabled = (btt && ndctl_btt_is_enabled(btt)) || (pfn && ndctl_pfn_is_enabled(pfn)) ||
		      (dax && ndctl_dax_is_enabled(dax)) ||
		      (!btt && !pfn && !dax && ndctl_namespace_is_enabled(ndns));
	if (pfn) {
		ndctl_pfn_get_uuid(pfn, uu);
		uuid_str(uu, ns->holder_uuid);
		nsa_strlcpy(ns->holder, ndctl_pfn_get_devname(pfn), sizeof(ns->holder));
		ns->align = ndctl_pfn_get_align(pfn);
		ns->data_start = known(ndctl_pfn_get_resource(pfn));
		ns->data_size = known(ndctl_pfn_get_size(pfn));
		ns->map = ndctl_pfn_get_location(pfn) == NDCTL_PFN_LOC_PMEM ? NSA_MAP_DEV
									    : NSA_MAP_MEM;
		if (ndctl_pfn_get_block_device(pfn))
			nsa_strlcpy(ns->blockdev, ndctl_pfn_get_block_device(pfn),
				    sizeof(ns->blockdev));
	} else if (dax) {
		ndctl_dax_get_uuid(dax, uu);
		uuid_str(uu, ns->holder_uuid);
		nsa_strlcpy(ns->holder, ndctl_dax_get_devname(dax), sizeof(ns->holder));
		ns->align = ndctl_dax_get_align(dax);
		ns->data_start = known(ndctl_dax_get_resource(dax));
		ns->data_size = known(ndctl_dax_get_size(dax));
		ns->map = ndctl_dax_get_location(dax) == NDCTL_PFN_LOC_PMEM ? NSA_MAP_DEV
									    : NSA_MAP_MEM;
		if (nsa_collect_daxdevs(s, dirs, dax, ns->dev, region->id) < 0)
			return -ENOMEM;
		if (s->n_daxdevs &&
		    strcmp(s->daxdevs[s->n_daxdevs - 1].namespace_dev, ns->dev) == 0)
			nsa_strlcpy(ns->chardev, s->daxdevs[s->n_daxdevs - 1].dev,
				    sizeof(ns->chardev));
	} else if (btt) {
		ndctl_btt_get_uuid(btt, uu);
		uuid_str(uu, ns->holder_uuid);
		nsa_strlcpy(ns->holder, ndctl_btt_get_devname(btt), sizeof(ns->holder));
		if (ndctl_btt_get_block_device(btt))
			nsa_strlcpy(ns->blockdev, ndctl_btt_get_block_device(btt),
				    sizeof(ns->blockdev));
	} else if (ndctl_namespace_get_block_device(ndns)) {
		nsa_strlcpy(ns->blockdev, ndctl_namespace_get_block_device(ndns),
			    sizeof(ns->blockdev));
		read_raw_infoblock(ns);
	}
	if (!ns->holder_uuid[0] || strcmp(ns->holder_uuid, ns->uuid) == 0)
		ns->holder_uuid[0] = '\0';
	ndctl_facts(ns, ndns, pfn, dax, btt);
	return 0;
}

#define RESOURCE_HIDDEN_NOTE                                                              \
	"region and namespace 'resource' attributes are readable by root only: physical " \
	"addresses missing"

static int collect_nd(struct nsa_ctx *ctx, struct nsa_snapshot *s)
{
	struct nd_dirs dirs = { -1, -1 };
	char path[PATH_MAX];
	struct ndctl_ctx *nctx;
	struct ndctl_bus *bus;
	bool resource_hidden = false;
	int r = 0;

	/* the collection's one libndctl context (and the libdaxctl one inside it) */
	if (nsa_nd_new(ctx, &nctx) < 0)
		return 0; /* no nd bus: no PMEM, not an error */
	path_of(ctx, false, "/sys/bus/nd/devices", path, sizeof(path));
	dirs.nd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dirs.dax = open("/sys/bus/dax/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ndctl_bus_foreach (nctx, bus) {
		const char *provider = ndctl_bus_get_provider(bus);
		struct ndctl_region *region;

		s->platform.ndctl_available = true;
		r = collect_dimms(s, bus);
		if (r < 0)
			goto out;
		ndctl_region_foreach (bus, region) {
			struct ndctl_namespace *ndns;
			struct nsa_region *reg;
			struct ndctl_pfn *pfn;
			struct ndctl_dax *dax;

			reg = nsa_snapshot_add_region(s);
			if (!reg) {
				r = -ENOMEM;
				goto out;
			}
			nsa_strlcpy(reg->dev, ndctl_region_get_devname(region), sizeof(reg->dev));
			reg->id = (int)ndctl_region_get_id(region);
			nsa_strlcpy(reg->type, ndctl_region_get_type_name(region),
				    sizeof(reg->type));
			nsa_strlcpy(reg->provider, provider, sizeof(reg->provider));
			reg->spa_start = known(ndctl_region_get_resource(region));
			if (!reg->spa_start)
				resource_hidden = true;
			reg->size = ndctl_region_get_size(region);
			reg->align = known(ndctl_region_get_align(region));
			reg->available_size = ndctl_region_get_available_size(region);
			reg->mappings = (int)ndctl_region_get_mappings(region);
			reg->numa_node = ndctl_region_get_numa_node(region);
			reg->target_node = ndctl_region_get_target_node(region);
			reg->enabled = ndctl_region_is_enabled(region);
			reg->read_only = ndctl_region_get_ro(region) > 0;
			/* e820 (memmap=, "Persistent Memory (legacy)") regions have no labels */
			reg->legacy = provider && strcmp(provider, "e820") == 0;
			reg->has_labels = !reg->legacy && reg->mappings > 0;
			pfn = ndctl_region_get_pfn_seed(region);
			if (pfn)
				read_alignments_pfn(pfn, reg);
			dax = ndctl_region_get_dax_seed(region);
			if (dax)
				read_alignments_dax(dax, reg);
			r = collect_region_ndctl(s, region);
			if (r < 0)
				goto out;
			/* regions without pfn/dax seeds: a kernel without ZONE_DEVICE */
			if (s->n_regions == 1)
				s->platform.no_zone_device = !pfn && !dax;
			else if (pfn || dax)
				s->platform.no_zone_device = false;

			ndctl_namespace_foreach (region, ndns) {
				/* reg may move when the array grows: pass a copy */
				struct nsa_region copy = s->regions[s->n_regions - 1];

				r = collect_namespace(s, &dirs, ndns, &copy, &resource_hidden);
				if (r < 0)
					goto out;
			}
			/*
			 * A new namespace needs an idle seed: a failed create can
			 * hold it.  A label namespace with a size is configured,
			 * never idle: ndctl_namespace_is_configuration_idle() is
			 * asked of the others alone (it asks the claim again);
			 * an io namespace (no labels) with a size can be idle.
			 * Without labels the answer is not used.
			 */
			if (s->regions[s->n_regions - 1].has_labels) {
				bool idle = false;

				ndctl_namespace_foreach (region, ndns)
					if (!idle && (!ndctl_namespace_get_size(ndns) ||
						      ndctl_namespace_get_type(ndns) ==
							      ND_DEVICE_NAMESPACE_IO))
						idle = ndctl_namespace_is_configuration_idle(
							       ndns) != 0;
				s->regions[s->n_regions - 1].no_idle_seed = !idle;
			}
		}
	}
	if (resource_hidden)
		nsa_snapshot_add_note(s, "%s", RESOURCE_HIDDEN_NOTE);
out:
	if (dirs.nd >= 0)
		close(dirs.nd);
	if (dirs.dax >= 0)
		close(dirs.dax);
	ndctl_unref(nctx);
	return r;
}

static struct nsa_snapshot *live_snapshot_new(void)
{
	struct nsa_snapshot *s = nsa_snapshot_new();

	if (!s)
		return NULL;
	nsa_strlcpy(s->source, "live", sizeof(s->source));
	snprintf(s->collector, sizeof(s->collector), "nsalign %s", PACKAGE_VERSION);
	s->collected_at = (int64_t)time(NULL);
	return s;
}

/* The nd side of an older snapshot: regions, namespaces, dax devices, dimms, its note. */
static int copy_nd(struct nsa_snapshot *s, const struct nsa_snapshot *old)
{
	s->platform.ndctl_available = old->platform.ndctl_available;
	for (size_t i = 0; i < old->n_regions; i++) {
		struct nsa_region *r = nsa_snapshot_add_region(s);

		if (!r)
			return -ENOMEM;
		*r = old->regions[i];
	}
	for (size_t i = 0; i < old->n_namespaces; i++) {
		struct nsa_namespace *ns = nsa_snapshot_add_namespace(s);

		if (!ns)
			return -ENOMEM;
		*ns = old->namespaces[i];
		ns->probe_error = 0; /* the kernel log, read again, says it again */
	}
	for (size_t i = 0; i < old->n_daxdevs; i++) {
		struct nsa_daxdev *d = nsa_snapshot_add_daxdev(s);

		if (!d)
			return -ENOMEM;
		*d = old->daxdevs[i];
	}
	for (size_t i = 0; i < old->n_dimms; i++) {
		struct nsa_dimm *d = nsa_snapshot_add_dimm(s);

		if (!d)
			return -ENOMEM;
		*d = old->dimms[i];
	}
	for (size_t i = 0; i < old->n_mappings; i++) {
		struct nsa_mapping *m = nsa_snapshot_add_mapping(s);

		if (!m)
			return -ENOMEM;
		*m = old->mappings[i];
	}
	for (size_t i = 0; i < old->n_notes; i++)
		if (strcmp(old->notes[i], RESOURCE_HIDDEN_NOTE) == 0 &&
		    nsa_snapshot_add_note(s, "%s", RESOURCE_HIDDEN_NOTE) < 0)
			return -ENOMEM;
	return 0;
}

/* milliseconds since *t, and *t now: the stages' times for --debug */
static double lap(struct timespec *t)
{
	double ms = nsa_seconds_since(t) * 1e3;

	clock_gettime(CLOCK_MONOTONIC, t);
	return ms;
}

/*
 * Everything (old NULL), or an update of old: its nd side copied, only
 * changed[] blocks read; flags (NSA_COLLECT_*): what a new one leaves out.
 */
static int collect(struct nsa_ctx *ctx, unsigned flags, const struct nsa_snapshot *old,
		   const uint64_t *changed, size_t n_changed, struct nsa_snapshot **out)
{
	struct nsa_snapshot *s = live_snapshot_new();
	double ms[5] = { 0 };
	struct timespec t;
	bool block_size_known;
	int r;

	if (!s)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &t);
	block_size_known = collect_platform(ctx, s);
	ms[0] = lap(&t);
	r = collect_iomem(ctx, s);
	ms[1] = lap(&t);
	if (r == 0)
		r = old ? copy_nd(s, old) : collect_nd(ctx, s);
	ms[2] = lap(&t);
	if (r == 0 && old) {
		r = nsa_collect_update_blocks(ctx, s, old, changed, n_changed);
	} else if (r == 0) {
		/* the dax devices' blocks alone when asked, all when their ranges are unknown */
		if (flags & NSA_COLLECT_NO_BLOCKS)
			r = nsa_collect_dax_blocks(ctx, s, block_size_known);
		if (r == 1 || !(flags & NSA_COLLECT_NO_BLOCKS))
			r = nsa_collect_blocks(ctx, s);
		if (r == 0)
			nsa_collect_dax_ram_blocks(ctx, s, block_size_known);
	}
	ms[3] = lap(&t);
	if (r == 0)
		nsa_collect_kernel_log(s);
	ms[4] = lap(&t);
	if (r < 0) {
		nsa_snapshot_free(s);
		return r;
	}
	nsa_snapshot_finish(s);
	dbg(ctx,
	    "collected in %.1f ms: platform %.1f, /proc/iomem %.1f, nd %.1f (%zu regions, "
	    "%zu namespaces, %zu dax devices%s), memory blocks %.1f (%zu), kernel log %.1f (%zu "
	    "lines kept)",
	    ms[0] + ms[1] + ms[2] + ms[3] + ms[4], ms[0], ms[1], ms[2], s->n_regions,
	    s->n_namespaces, s->n_daxdevs, old ? ", copied" : "", ms[3], s->n_blocks, ms[4],
	    s->n_kernel_log);
	*out = s;
	return 0;
}

int nsa_collect(struct nsa_ctx *ctx, struct nsa_snapshot **out)
{
	return collect(ctx, 0, NULL, NULL, 0, out);
}

int nsa_collect_some(struct nsa_ctx *ctx, unsigned flags, struct nsa_snapshot **out)
{
	return collect(ctx, flags, NULL, NULL, 0, out);
}

int nsa_collect_update(struct nsa_ctx *ctx, const struct nsa_snapshot *old, const uint64_t *changed,
		       size_t n_changed, struct nsa_snapshot **out)
{
	return collect(ctx, 0, old, changed, n_changed, out);
}
