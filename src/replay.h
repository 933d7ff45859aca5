/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader of `proctrail replay` (replay.c): a recorded --json stream, line
 * by line, into a monitor opened with PT_OPEN_EMPTY (pt_import_event), whose
 * subscribers see the events as they were recorded. The bytes are untrusted:
 * lines are bounded, and a line that does not import is counted and told,
 * never fatal.
 */
#ifndef PT_REPLAY_H
#define PT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctrail/proctrail.h"

/* The longest line read (a --json event line with a 128 KiB argv is far less). */
#define PT_REPLAY_LINE_MAX (4u << 20)

struct pt_replay_stats {
	uint64_t lines; /* lines read, blank ones included */
	uint64_t imported; /* event lines imported */
	uint64_t blank; /* empty or white-space lines, skipped */
	uint64_t malformed; /* lines that did not import (too long ones included) */
	uint64_t too_long; /* of which longer than the limit */
	uint64_t alerts; /* alert lines ("event":"alert"): not imported, not malformed */
};

/* A malformed line: its number (from 1) and why, one line. */
typedef void (*pt_replay_bad_fn)(uint64_t line, const char *why, void *data);
/* An alert line (an alert rules raised when the stream was recorded), without its
 * '\n': 0; -EINVAL when it does not read (counted malformed); -ENOMEM stops. */
typedef int (*pt_replay_alert_fn)(const char *line, size_t len, void *data);

struct pt_replay {
	struct pt_monitor *m;
	struct pt_replay_stats st;
	size_t line_max; /* 0: PT_REPLAY_LINE_MAX */
	pt_replay_bad_fn bad;
	void *data;
	/* alert lines: to alert, when set */
	pt_replay_alert_fn alert;
	void *alert_data;
	/* the line being read */
	char *buf;
	size_t len, cap;
	bool skipping; /* in a line too long: skip to its end */
};

/* r zeroed; then set m, bad, data (and line_max) */
void pt_replay_init(struct pt_replay *r, struct pt_monitor *m, pt_replay_bad_fn bad, void *data);
/* The next n bytes of the stream: every line they end is imported. 0 or -ENOMEM. */
int pt_replay_feed(struct pt_replay *r, const char *p, size_t n);
/* The end of the stream: a last line without '\n' is imported too. 0 or -ENOMEM. */
int pt_replay_finish(struct pt_replay *r);
void pt_replay_free(struct pt_replay *r);

/*
 * Whether a line is an alert line: a member "event" whose value is "alert"
 * (inside a JSON string every quote is escaped, so the bytes "event":"alert"
 * are a member wherever they are; no event line has a nested "event").
 */
bool pt_replay_is_alert(const char *line, size_t len);

/* A whole buffer at once (a fuzzer): feed and finish; st (may be NULL) gets the counts. */
int pt_replay_buf(struct pt_monitor *m, const char *buf, size_t len, struct pt_replay_stats *st,
		  pt_replay_bad_fn bad, void *data);

#endif
