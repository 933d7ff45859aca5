/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The replay reader (replay.h): lines of a recorded --json stream into the table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

void pt_replay_init(struct pt_replay *r, struct pt_monitor *m, pt_replay_bad_fn bad, void *data)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->bad = bad;
	r->data = data;
}

void pt_replay_free(struct pt_replay *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}

static size_t line_max(const struct pt_replay *r)
{
	return r->line_max ? r->line_max : PT_REPLAY_LINE_MAX;
}

static void bad_line(struct pt_replay *r, const char *why)
{
	r->st.malformed++;
	if (r->bad)
		r->bad(r->st.lines, why, r->data);
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static size_t skip_blank(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

bool pt_replay_is_alert(const char *line, size_t len)
{
	static const char key[] = "\"event\"", val[] = "\"alert\"";
	const char *p = line;
	size_t n = len;

	while (n >= sizeof(key) - 1) {
		const char *k = memmem(p, n, key, sizeof(key) - 1);
		size_t i;

		if (!k)
			return false;
		i = (size_t)(k - p) + sizeof(key) - 1;
		i = skip_blank(p, n, i);
		if (i < n && p[i] == ':') {
			i = skip_blank(p, n, i + 1);
			return n - i >= sizeof(val) - 1 && memcmp(p + i, val, sizeof(val) - 1) == 0;
		}
		p += i;
		n -= i;
	}
	return false;
}

/* One whole line, without its '\n'. */
static int one_line(struct pt_replay *r, const char *p, size_t n)
{
	char why[256] = "";
	int e;

	r->st.lines++;
	if (blank(p, n)) {
		r->st.blank++;
		return 0;
	}
	if (memchr(p, '\0', n)) {
		bad_line(r, "a NUL byte in the line");
		return 0;
	}
	if (pt_replay_is_alert(p, n)) {
		/* not an event of the table: the caller's (replay prints or drops it) */
		e = r->alert ? r->alert(p, n, r->alert_data) : 0;
		if (e == -EINVAL)
			bad_line(r, "an alert line that is not a JSON object");
		else if (e == 0)
			r->st.alerts++;
		return e == -ENOMEM ? e : 0;
	}
	e = pt_import_event(r->m, p, n, why, sizeof(why));
	if (e == -ENOMEM)
		return e;
	if (e < 0) {
		bad_line(r, why[0] ? why : strerror(-e));
		return 0;
	}
	r->st.imported++;
	return 0;
}

static void too_long(struct pt_replay *r)
{
	char why[96];

	r->st.lines++;
	r->st.too_long++;
	snprintf(why, sizeof(why), "a line longer than %zu bytes", line_max(r));
	bad_line(r, why);
}

int pt_replay_feed(struct pt_replay *r, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		int e;

		if (r->skipping) {
			/* the rest of a line already counted too long */
		} else if (r->len + take > line_max(r)) {
			too_long(r);
			r->len = 0;
			r->skipping = true;
		} else if (nl && !r->len) {
			/* the whole line is in the caller's bytes: no copy */
			e = one_line(r, p, take);
			if (e < 0)
				return e;
		} else {
			if (r->len + take > r->cap) {
				size_t cap = r->cap ? r->cap : 4096;
				char *b;

				while (cap < r->len + take)
					cap *= 2;
				b = realloc(r->buf, cap);
				if (!b)
					return -ENOMEM;
				r->buf = b;
				r->cap = cap;
			}
			memcpy(r->buf + r->len, p, take);
			r->len += take;
			if (nl) {
				e = one_line(r, r->buf, r->len);
				r->len = 0;
				if (e < 0)
					return e;
			}
		}
		if (nl)
			r->skipping = false;
		p += take + (nl ? 1 : 0);
		n -= take + (nl ? 1 : 0);
	}
	return 0;
}

int pt_replay_finish(struct pt_replay *r)
{
	int e = 0;

	if (r->len && !r->skipping)
		e = one_line(r, r->buf, r->len);
	r->len = 0;
	r->skipping = false;
	return e;
}

int pt_replay_buf(struct pt_monitor *m, const char *buf, size_t len, struct pt_replay_stats *st,
		  pt_replay_bad_fn bad, void *data)
{
	struct pt_replay r;
	int e;

	pt_replay_init(&r, m, bad, data);
	e = pt_replay_feed(&r, buf, len);
	if (e == 0)
		e = pt_replay_finish(&r);
	if (st)
		*st = r.st;
	pt_replay_free(&r);
	return e;
}
