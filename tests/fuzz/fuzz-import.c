/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading JSON back (pt_import_proc, pt_import_event): lines a socket or a file
 * gave, into a monitor opened with PT_OPEN_EMPTY. Whatever the bytes: 0 or
 * -EINVAL with one line of reason, no crash, no leak; and what is accepted is a
 * fixpoint: written again and read again, it gives the same line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

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

static void check_why(int r, const char *why)
{
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	if (r < 0)
		FUZZ_CHECK(why[0] && !strchr(why, '\n'));
}

/* What the subscriber got, written as JSON. */
struct got {
	char *line;
	size_t len;
	unsigned n;
};

static void on_event(const struct pt_event *ev, void *data)
{
	struct got *g = data;

	g->n++;
	free(g->line);
	g->line = pt_json_event(ev, &g->len);
	FUZZ_CHECK(g->line && pt_utf8_valid(g->line, g->len));
}

static void proc_fixpoint(const struct pt_proc *p)
{
	struct pt_monitor *m2 = open_empty();
	const struct pt_proc *q = NULL;
	char why[256] = "", *a, *b;
	size_t la, lb;

	a = pt_json_proc(p, &la);
	FUZZ_CHECK(a && pt_utf8_valid(a, la));
	FUZZ_CHECK(pt_import_proc(m2, a, la, &q, why, sizeof(why)) == 0);
	b = pt_json_proc(q, &lb);
	FUZZ_CHECK(b && la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	pt_monitor_close(m2);
}

static void event_fixpoint(const struct got *g)
{
	struct pt_monitor *m2 = open_empty();
	struct got g2 = {0};
	char why[256] = "";

	FUZZ_CHECK(pt_monitor_subscribe(m2, on_event, &g2) == 0);
	FUZZ_CHECK(pt_import_event(m2, g->line, g->len, why, sizeof(why)) == 0);
	FUZZ_CHECK(g2.n == 1 && g2.len == g->len && memcmp(g2.line, g->line, g->len) == 0);
	free(g2.line);
	pt_monitor_close(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_monitor *m = open_empty();
	const char *p = (const char *)data, *end = p + size;
	struct got g = {0};

	FUZZ_CHECK(pt_monitor_subscribe(m, on_event, &g) == 0);
	/* one line at a time, into one table: records and events mix */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const struct pt_proc *out = NULL;
		char why[256] = "";
		unsigned before = g.n;
		int r;

		r = pt_import_proc(m, p, n, &out, why, sizeof(why));
		check_why(r, why);
		FUZZ_CHECK((r == 0) == (out != NULL));
		if (out)
			proc_fixpoint(out);
		why[0] = '\0';
		r = pt_import_event(m, p, n, why, sizeof(why));
		check_why(r, why);
		if (r < 0)
			FUZZ_CHECK(g.n == before);
		if (r == 0 && g.n > before)
			event_fixpoint(&g);
		p += n + 1;
	}
	free(g.line);
	pt_monitor_close(m);
	return 0;
}
