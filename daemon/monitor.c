// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The udev monitor: nd, dax and memory events, after udev has processed
 * them.  Events only say "look again": the next analysis reads again the
 * memory blocks that had events, or everything after an nd or dax event,
 * so a lost event (the socket overflowed) costs nothing but a full
 * reconcile.  Bursts are coalesced: hot-adding 1 TiB is 8192 memory block
 * events and one analysis (a few while they come, each reading only the
 * blocks added since the one before).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/epoll.h>
#include <time.h>

#include <libudev.h>

#include "nsalignd.h"

/* What a burst of hot-added memory needs; the kernel caps it without CAP_NET_ADMIN. */
#define RECEIVE_BUFFER (128 * 1024 * 1024)
/* sd-event's default accuracy (0) is 250 ms: the 10 ms quiet period would be 10 to 260 ms */
#define COALESCE_ACCURACY_USEC (1000ULL)

/*
 * Remove events whose add has not come yet.  An add event is news only
 * when the last analysis did not see the device, or when the device went
 * away in between (removed and added again between two analyses).  Any
 * other add event is late or repeated -- a burst cut in two by the 250 ms
 * cap, udev lagging behind sysfs, "udevadm trigger --action=add" -- for a
 * device an analysis already judged, and must not be reported or acted on
 * twice.  After an analysis only the devices it saw stay here (removed
 * and back before it, their add event still to come): an add for a
 * device it did not see is news anyway.
 */
static struct newset gone;
static bool gone_lost; /* out of memory: every add event is news */

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static bool seen_block(const struct manager *m, uint64_t index)
{
	const struct nsa_snapshot *s = m->snapshot;

	return s && s->platform.block_size &&
	       nsa_snapshot_block_at(s, index * s->platform.block_size) >= 0;
}

static bool seen_dax(const struct manager *m, const char *dax)
{
	for (size_t i = 0; m->snapshot && i < m->snapshot->n_daxdevs; i++)
		if (strcmp(m->snapshot->daxdevs[i].dev, dax) == 0)
			return true;
	return false;
}

static bool take_gone_block(uint64_t index)
{
	for (size_t i = 0; i < gone.n_blocks; i++)
		if (gone.blocks[i] == index) {
			gone.blocks[i] = gone.blocks[--gone.n_blocks];
			return true;
		}
	return false;
}

static bool take_gone_dax(const char *dax)
{
	for (size_t i = 0; i < gone.n_dax; i++)
		if (strcmp(gone.dax[i], dax) == 0) {
			memmove(gone.dax[i], gone.dax[--gone.n_dax], sizeof(gone.dax[i]));
			return true;
		}
	return false;
}

/* Keep what the last analysis saw (back before it, the add event still to come). */
static void prune_gone(struct manager *m)
{
	size_t n = 0;

	for (size_t i = 0; i < gone.n_blocks; i++)
		if (seen_block(m, gone.blocks[i]))
			gone.blocks[n++] = gone.blocks[i];
	gone.n_blocks = n;
	n = 0;
	for (size_t i = 0; i < gone.n_dax; i++)
		if (seen_dax(m, gone.dax[i]))
			memmove(gone.dax[n++], gone.dax[i], sizeof(gone.dax[i]));
	gone.n_dax = n;
}

static int on_coalesced(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	uint64_t events = m->pending_events, t0 = now_usec(), burst = t0 - m->burst_start;
	char how[64];
	int r;

	m->pending_events = 0;
	m->burst_start = 0;
	r = manager_analyze(m);
	if (r < 0) {
		log_msg(m, LOG_ERR, "analysis failed: %s", strerror(-r));
	} else {
		if (m->last_was_full)
			snprintf(how, sizeof(how), "all read");
		else
			snprintf(how, sizeof(how), "%zu read again", m->last_reread);
		log_msg(m, LOG_DEBUG,
			"analysis %" PRIu64 ": %" PRIu64 " events over %" PRIu64
			" us, %zu memory blocks (%s), %zu findings, %" PRIu64
			" us (collect %" PRIu64 ", analyze %" PRIu64 ")",
			m->analyses, events, burst, m->snapshot->n_blocks, how,
			m->analysis->n_findings, now_usec() - t0, m->last_collect_usec,
			m->last_analyze_usec);
	}
	if (r >= 0)
		prune_gone(m);
	manager_notify_status(m);
	return 0;
}

void manager_schedule_analysis(struct manager *m)
{
	uint64_t now = now_usec(), at;
	int r;

	if (!m->burst_start)
		m->burst_start = now;
	at = now + COALESCE_QUIET_USEC;
	if (at > m->burst_start + COALESCE_MAX_USEC)
		at = m->burst_start + COALESCE_MAX_USEC;
	if (!m->coalesce) {
		r = sd_event_add_time(m->event, &m->coalesce, CLOCK_MONOTONIC, at,
				      COALESCE_ACCURACY_USEC, on_coalesced, m);
		if (r < 0) {
			log_msg(m, LOG_ERR, "cannot schedule an analysis: %s", strerror(-r));
			return;
		}
		sd_event_source_set_description(m->coalesce, "coalesce");
	} else {
		sd_event_source_set_time(m->coalesce, at);
	}
	sd_event_source_set_enabled(m->coalesce, SD_EVENT_ONESHOT);
}

/* "memory42" -> 42 */
static bool block_index(const char *sysname, uint64_t *index)
{
	char *end;

	if (strncmp(sysname, "memory", 6) != 0 || !sysname[6])
		return false;
	errno = 0;
	*index = strtoull(sysname + 6, &end, 10);
	return !errno && !*end;
}

static void note_event(struct manager *m, struct udev_device *d)
{
	const char *subsystem = udev_device_get_subsystem(d);
	const char *action = udev_device_get_action(d);
	const char *sysname = udev_device_get_sysname(d);
	uint64_t index;

	m->events_total++;
	m->pending_events++;
	if (!subsystem || !action || !sysname)
		return;
	/* what the next analysis reads again: this block, or everything */
	if (strcmp(subsystem, "memory") == 0 && block_index(sysname, &index)) {
		if (newset_add_block(&m->touched, index) < 0)
			m->need_full = true;
	} else {
		m->need_full = true;
	}
	if (strcmp(action, "remove") == 0) {
		if (strcmp(subsystem, "memory") == 0 && block_index(sysname, &index))
			gone_lost |= newset_add_block(&gone, index) < 0;
		else if (strcmp(subsystem, "dax") == 0 && strncmp(sysname, "dax", 3) == 0)
			gone_lost |= newset_add_dax(&gone, sysname) < 0;
		return;
	}
	if (strcmp(action, "add") != 0)
		return;
	if (strcmp(subsystem, "memory") == 0 && block_index(sysname, &index)) {
		if (!take_gone_block(index) && seen_block(m, index) && !m->overflowed && !gone_lost)
			return; /* late or repeated: the last analysis saw it */
		if (newset_add_block(&m->fresh, index) < 0)
			m->overflowed = true; /* out of memory: fall back to the snapshot diff */
	} else if (strcmp(subsystem, "dax") == 0 && strncmp(sysname, "dax", 3) == 0) {
		if (!take_gone_dax(sysname) && seen_dax(m, sysname) && !m->overflowed && !gone_lost)
			return;
		if (newset_add_dax(&m->fresh, sysname) < 0)
			m->overflowed = true;
	}
}

static int on_monitor(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	struct udev_device *d;
	bool any = false;

	for (;;) {
		errno = 0;
		d = udev_monitor_receive_device(m->monitor);
		if (!d) {
			if (errno == ENOBUFS) {
				/* events were lost: only a full look tells what changed */
				m->overflows++;
				m->overflowed = true;
				any = true;
				log_msg(m, LOG_INFO,
					"the udev monitor overflowed; a full reconcile follows");
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0)
				break;
			if (errno == EINTR)
				continue;
			/* a message not for us (bad credentials, filtered): next */
			if (errno == EINVAL || errno == EPERM || errno == EBADMSG)
				continue;
			log_msg(m, LOG_WARNING, "udev monitor: %s", strerror(errno));
			break;
		}
		note_event(m, d);
		udev_device_unref(d);
		any = true;
	}
	if (any)
		manager_schedule_analysis(m);
	return 0;
}

int monitor_start(struct manager *m)
{
	static const char *const subsystems[] = { "nd", "dax", "memory" };
	int r;

	m->udev = udev_new();
	if (!m->udev)
		return -ENOMEM;
	m->monitor = udev_monitor_new_from_netlink(m->udev, "udev");
	if (!m->monitor)
		return errno ? -errno : -ENOMEM;
	for (size_t i = 0; i < sizeof(subsystems) / sizeof(subsystems[0]); i++) {
		r = udev_monitor_filter_add_match_subsystem_devtype(m->monitor, subsystems[i],
								    NULL);
		if (r < 0)
			return r;
	}
	r = udev_monitor_set_receive_buffer_size(m->monitor, RECEIVE_BUFFER);
	if (r < 0)
		log_msg(m, LOG_DEBUG,
			"udev monitor: no %d MiB receive buffer (%s): a burst may overflow it, "
			"which costs a full reconcile",
			RECEIVE_BUFFER >> 20, strerror(-r));
	r = udev_monitor_enable_receiving(m->monitor);
	if (r < 0)
		return r;
	r = sd_event_add_io(m->event, &m->monitor_source, udev_monitor_get_fd(m->monitor), EPOLLIN,
			    on_monitor, m);
	if (r < 0)
		return r;
	sd_event_source_set_description(m->monitor_source, "udev-monitor");
	return 0;
}

void monitor_stop(struct manager *m)
{
	m->coalesce = sd_event_source_disable_unref(m->coalesce);
	m->monitor_source = sd_event_source_disable_unref(m->monitor_source);
	m->monitor = udev_monitor_unref(m->monitor);
	m->udev = udev_unref(m->udev);
	free(gone.blocks);
	free(gone.dax);
	gone = (struct newset){ 0 };
}
