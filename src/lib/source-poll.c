/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The poll tier: a full /proc scan every poll_interval_ms. It needs nothing
 * but a readable /proc and misses what lives shorter than the interval; the
 * scanner estimates how much from the pid counter. The monitor runs the scans
 * through tick/next_tick_ms (its timerfd); the source has no fd of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "scan.h"

struct poll_src {
	struct pt_scanner *scan;
	int64_t interval_us;
	int64_t next_us; /* CLOCK_MONOTONIC */
};

static int probe(const struct pt_options *o, char *why, size_t len)
{
	unsigned ms = o && o->poll_interval_ms ? o->poll_interval_ms : 100;
	char note[256];
	int r;

	r = pt_scan_probe(o ? o->proc_root : NULL, note, sizeof(note));
	if (r < 0) {
		snprintf(why, len, "%s", note);
		return r;
	}
	snprintf(why, len, "%s scan every %u ms%s%s", PT_PROC_ROOT, ms, note[0] ? "; note: " : "",
		 note);
	return 0;
}

static int src_open(struct pt_monitor *m, void **priv, char *why, size_t len)
{
	const struct pt_options *o = pt_core_options(m);
	struct poll_src *src;
	int r;

	r = pt_scan_probe(o->proc_root, why, len);
	if (r < 0)
		return r;
	if (why[0])
		pt_log(m, PT_LOG_WARNING, "poll: %s", why);
	why[0] = '\0';

	src = calloc(1, sizeof(*src));
	if (!src)
		return -ENOMEM;
	src->scan = pt_scanner_new(pt_core_procfs(m), pt_core_scan_hooks());
	if (!src->scan) {
		free(src);
		return -ENOMEM;
	}
	src->interval_us = (int64_t)(o->poll_interval_ms ? o->poll_interval_ms : 100) * 1000;
	src->next_us = pt_mono_us() + src->interval_us;
	pt_log(m, PT_LOG_INFO, "poll: scanning every %" PRId64 " ms", src->interval_us / 1000);
	*priv = src;
	return 0;
}

static int src_fd(void *priv)
{
	(void)priv;
	return -1;
}

static int src_tick(struct pt_monitor *m, void *priv, int64_t now_us)
{
	struct poll_src *src = priv;
	int64_t now = pt_mono_us();

	(void)now_us;
	/* from the start of this scan: the interval bounds what we miss */
	src->next_us = now + src->interval_us;
	return pt_scan(m, src->scan, PT_SCAN_SYNTH);
}

/* No fd: the monitor calls this only to flush before it returns. */
static int src_dispatch(struct pt_monitor *m, void *priv)
{
	(void)m;
	(void)priv;
	return 0;
}

static int src_next_tick_ms(void *priv)
{
	const struct poll_src *src = priv;
	int64_t left = src->next_us - pt_mono_us();

	return left <= 0 ? 0 : (int)(left / 1000);
}

static void src_close(struct pt_monitor *m, void *priv)
{
	struct poll_src *src = priv;
	struct pt_scan_stats st;

	if (!src)
		return;
	pt_scanner_stats(src->scan, &st);
	pt_log(m, PT_LOG_INFO,
	       "poll: %" PRIu64 " scans, %" PRIu64 " found (%" PRIu64 " after a child), %" PRIu64
	       " vanished, %" PRIu64 " unreadable, %" PRIu64 " missed (estimated)",
	       st.scans, st.added, st.parents_first, st.vanished, st.unreadable, st.missed_est);
	pt_scanner_free(src->scan);
	free(src);
}

const struct pt_source_ops pt_source_poll = {
	.name = "poll",
	.tier = PT_TIER_POLL,
	.probe = probe,
	.open = src_open,
	.fd = src_fd,
	.dispatch = src_dispatch,
	.tick = src_tick,
	.next_tick_ms = src_next_tick_ms,
	.close = src_close,
	.gaps = pt_scan_gaps,
};
