/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The replay reader and alert lines (issue 14): an alert line is told from an
 * event line by its "event" member, handed to the caller, never imported and
 * never malformed unless the caller cannot read it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "replay.h"

#define IS(s) pt_replay_is_alert(s, strlen(s))

Test(replay, is_alert)
{
	cr_assert(IS("{\"event\":\"alert\",\"rule\":\"r\"}"));
	cr_assert(IS("{ \"time\":\"t\", \"event\" :\t\"alert\" }"));
	cr_assert(IS("{\"rule\":\"event\",\"event\":\"alert\"}"));
	cr_assert_not(IS("{\"event\":\"exec\"}"));
	cr_assert_not(IS("{\"event\":\"alerts\"}"));
	cr_assert_not(IS("{\"event\":\"exec\",\"rule\":\"alert\"}"));
	/* inside a string every quote is escaped: not a member */
	cr_assert_not(IS("{\"event\":\"exec\",\"argv\":[\"\\\"event\\\":\\\"alert\\\"\"]}"));
	cr_assert_not(IS("{\"event\""));
	cr_assert_not(IS("\"event\":"));
	cr_assert_not(IS(""));
}

struct seen {
	unsigned n;
	char last[256];
};

static int on_alert(const char *line, size_t len, void *data)
{
	struct seen *s = data;

	cr_assert_lt(len, sizeof(s->last));
	memcpy(s->last, line, len);
	s->last[len] = '\0';
	s->n++;
	return line[0] == '{' ? 0 : -EINVAL;
}

static void bad(uint64_t line, const char *why, void *data)
{
	(void)line, (void)why, (void)data;
}

Test(replay, alert_lines_to_the_caller)
{
	static const char text[] =
		"{\"event\":\"alert\",\"time\":\"2026-12-03T08:01:02.123456000Z\",\"rule\":\"r\"}\n"
		"\n"
		"x \"event\":\"alert\"\n"
		"{\"event\":\"alert\",\"rule\":\"last, no newline\"}";
	struct pt_options o;
	struct pt_monitor *m = NULL;
	struct seen s = {0};
	struct pt_replay r;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	pt_replay_init(&r, m, bad, NULL);
	r.alert = on_alert;
	r.alert_data = &s;
	cr_assert_eq(pt_replay_feed(&r, text, sizeof(text) - 1), 0);
	cr_assert_eq(pt_replay_finish(&r), 0);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(s.last, "{\"event\":\"alert\",\"rule\":\"last, no newline\"}");
	cr_assert_eq(r.st.lines, 4);
	cr_assert_eq(r.st.alerts, 2);
	cr_assert_eq(r.st.malformed, 1); /* the handler could not read it */
	cr_assert_eq(r.st.blank, 1);
	cr_assert_eq(r.st.imported, 0);
	pt_replay_free(&r);
	/* without a handler: counted, not malformed */
	cr_assert_eq(pt_replay_buf(m, text, sizeof(text) - 1, &r.st, bad, NULL), 0);
	cr_assert_eq(r.st.alerts, 3);
	cr_assert_eq(r.st.malformed, 0);
	pt_monitor_close(m);
}
