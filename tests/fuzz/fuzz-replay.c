/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The replay reader (src/replay.c) on any bytes: no crash, no leak; every line
 * counted once (blank, imported, alert or malformed); a malformed line told with its
 * number and one line of reason; and the counts do not depend on how the
 * stream is cut into reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "replay.h"

static struct pt_monitor *open_empty(void)
{
	struct pt_options o;
	struct pt_monitor *m = NULL;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	o.threads = true;
	FUZZ_CHECK(pt_monitor_open(&m, &o) == 0);
	return m;
}

struct told {
	uint64_t last, n;
};

static void bad(uint64_t line, const char *why, void *data)
{
	struct told *t = data;

	FUZZ_CHECK(line > t->last);
	FUZZ_CHECK(why && why[0] && !strchr(why, '\n'));
	t->last = line;
	t->n++;
}

/* An alert line, without its newline: "not JSON" (-EINVAL, malformed) unless it
 * starts as an object, as replay's own handler would judge it. */
static int alert(const char *line, size_t len, void *data)
{
	(void)data;
	FUZZ_CHECK(len && !memchr(line, '\n', len));
	return line[0] == '{' ? 0 : -EINVAL;
}

static void check(const struct pt_replay_stats *st, const struct told *t)
{
	FUZZ_CHECK(st->lines == st->blank + st->imported + st->malformed + st->alerts);
	FUZZ_CHECK(st->too_long <= st->malformed);
	FUZZ_CHECK(t->n == st->malformed);
	FUZZ_CHECK(t->last <= st->lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_replay_stats whole;
	struct told t1 = {0}, t2 = {0};
	struct pt_monitor *m;
	struct pt_replay r;
	size_t line_max, cut, off = 0;

	if (size < 2)
		return 0;
	/* a small line limit, so that too-long lines and their skipping are reached */
	line_max = 16 + (size_t)data[0] * 8;
	cut = 1 + data[1] % 61;
	data += 2;
	size -= 2;

	m = open_empty();
	pt_replay_init(&r, m, bad, &t1);
	r.line_max = line_max;
	r.alert = alert;
	FUZZ_CHECK(pt_replay_feed(&r, (const char *)data, size) == 0);
	FUZZ_CHECK(pt_replay_finish(&r) == 0);
	whole = r.st;
	pt_replay_free(&r);
	pt_monitor_close(m);
	check(&whole, &t1);

	/* the same bytes in reads of cut bytes: the same counts */
	m = open_empty();
	pt_replay_init(&r, m, bad, &t2);
	r.line_max = line_max;
	r.alert = alert;
	while (off < size) {
		size_t n = size - off < cut ? size - off : cut;

		FUZZ_CHECK(pt_replay_feed(&r, (const char *)data + off, n) == 0);
		off += n;
	}
	FUZZ_CHECK(pt_replay_finish(&r) == 0);
	check(&r.st, &t2);
	FUZZ_CHECK(memcmp(&r.st, &whole, sizeof(whole)) == 0);
	pt_replay_free(&r);
	pt_monitor_close(m);

	/* and the one-call form, at the default limit */
	m = open_empty();
	FUZZ_CHECK(pt_replay_buf(m, (const char *)data, size, &whole, NULL, NULL) == 0);
	FUZZ_CHECK(whole.lines == whole.blank + whole.imported + whole.malformed + whole.alerts);
	pt_monitor_close(m);
	return 0;
}
