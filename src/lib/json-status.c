/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's status as one JSON object: what `proctrail status --json`
 * prints and what proctraild's status command answers (with its own daemon
 * member added), so both say the same thing in the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void kv_u64(struct pt_buf *b, const char *key, uint64_t v)
{
	pt_buf_printf(b, ",\"%s\":%" PRIu64, key, v);
}

/* A share of execs as a number 0..1 with 4 decimals, null when there was none. */
static void kv_rate(struct pt_buf *b, const char *key, uint64_t n, uint64_t total)
{
	if (!total)
		pt_buf_printf(b, ",\"%s\":null", key);
	else
		pt_buf_printf(b, ",\"%s\":%.4f", key, (double)n / (double)total);
}

PT_EXPORT char *pt_json_status(const struct pt_monitor *m, size_t *len)
{
	const char *boot = pt_monitor_boot_id(m);
	struct pt_status st;
	struct pt_buf b;
	bool first = true;
	int r;

	r = pt_monitor_status(m, &st);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	pt_buf_init(&b);
	pt_buf_printf(&b, "{\"version\":\"%s\",\"json_schema\":%d,\"tier\":\"%s\"", pt_version(),
		      pt_json_schema_version(), pt_tier_name(st.tier));
	pt_buf_adds(&b, ",\"boot_id\":");
	if (boot)
		pt_json_str(&b, boot, strlen(boot));
	else
		pt_buf_adds(&b, "null");
	kv_u64(&b, "alive", st.alive);
	kv_u64(&b, "exited", st.exited);
	kv_u64(&b, "threads", st.threads);
	kv_u64(&b, "lost", st.lost);
	kv_u64(&b, "lost_estimated", st.lost_estimated);
	kv_u64(&b, "resyncs", st.resyncs);
	kv_u64(&b, "evicted", st.evicted);
	kv_u64(&b, "expired", st.expired);
	kv_u64(&b, "malformed", st.malformed);
	kv_u64(&b, "mem", st.mem);
	kv_u64(&b, "exec_total", st.exec_total);
	kv_u64(&b, "exec_args_ok", st.exec_args_ok);
	kv_u64(&b, "exec_exe_ok", st.exec_exe_ok);
	kv_rate(&b, "args_rate", st.exec_args_ok, st.exec_total);
	kv_rate(&b, "exe_rate", st.exec_exe_ok, st.exec_total);
	pt_buf_adds(&b, ",\"events\":{");
	for (unsigned t = 0; t < PT_EV_COUNT; t++)
		pt_buf_printf(&b, "%s\"%s\":%" PRIu64, t ? "," : "",
			      pt_event_name((enum pt_event_type)t), st.events[t]);
	pt_buf_adds(&b, "},\"missing_events\":[");
	for (unsigned t = 0; t < PT_EV_COUNT; t++) {
		if (!(st.events_missing & PT_EVMASK(t)))
			continue;
		pt_buf_printf(&b, "%s\"%s\"", first ? "" : ",",
			      pt_event_name((enum pt_event_type)t));
		first = false;
	}
	pt_buf_adds(&b, "]}");
	return pt_buf_steal(&b, len);
}
