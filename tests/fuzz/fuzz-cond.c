/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The condition parser (pt_cond_parse), strict and lax. Whatever the bytes:
 * 0, or -EINVAL with one line and a position inside the text; no crash, no
 * leak, bounded recursion. What parses evaluates (on a fixed record and an
 * exec event, with and without a context, the same), and its text is a
 * fixpoint: parsed again it gives the same text, mask and answers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

/* Two records: init (1) and its child bash (100), as JSON lines. */
static const char *const records[] = {
	"{\"pid\":1,\"ppid\":0,\"start\":10,\"state\":\"alive\",\"comm\":\"init\","
	"\"exe\":\"/sbin/init\",\"argv\":[\"/sbin/init\"],\"argv_truncated\":false,\"uid\":0,"
	"\"euid\":0,\"gid\":0,\"egid\":0,\"sid\":1,\"pgid\":1,\"tty\":0,\"cwd\":\"/\","
	"\"cgroup\":\"/"
	"init.scope\",\"ns\":{\"mnt\":4026531841},\"start_time\":\"2026-12-02T04:12:42.915010Z\","
	"\"tier\":\"netlink\",\"threads\":1,\"loginuid\":-1}",
	"{\"pid\":100,\"ppid\":1,\"start\":500,\"state\":\"alive\",\"comm\":\"bash\","
	"\"exe\":\"/usr/bin/bash\",\"argv\":[\"bash\",\"-c\",\"find /etc -perm -4000\"],"
	"\"argv_truncated\":false,\"uid\":1000,\"euid\":0,\"gid\":100,\"egid\":0,\"sid\":100,"
	"\"pgid\":100,\"tty\":34816,\"cwd\":\"/home/u\",\"cgroup\":\"/user.slice\","
	"\"ns\":{\"mnt\":4026531841},\"start_time\":\"2026-12-02T04:12:42.915010Z\",\"tier\":"
	"\"netlink\",\"threads\":1,\"loginuid\":1000}",
};

/* Macros: m1 and m2 strict, m3 names a field proctrail lacks (lax). */
struct macros {
	struct pt_cond *m[3];
};

static const struct pt_cond *macro(const char *name, void *data)
{
	struct macros *ms = data;

	if (name[0] == 'm' && name[1] >= '1' && name[1] <= '3' && !name[2])
		return ms->m[name[1] - '1'];
	return NULL;
}

static void macros_init(struct macros *ms)
{
	static const char *const text[] = {
		"proc.name in (bash, sh) and evt.type in (execve, execveat)",
		"m1 or not proc.aname[1] = init or proc.args contains \"\\ \"",
		"fd.name startswith /etc and evt.type = open",
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(text); i++)
		FUZZ_CHECK(pt_cond_parse(text[i], i == 2 ? PT_COND_LAX : 0, macro, ms, &ms->m[i],
					 NULL) == 0);
}

static void macros_free(struct macros *ms)
{
	for (size_t i = 0; i < PT_ARRAY_SIZE(ms->m); i++)
		pt_cond_free(ms->m[i]);
}

struct world {
	struct pt_monitor *m;
	const struct pt_proc *p;
	struct pt_event ev;
	struct pt_cond_ctx *x;
	struct macros ms;
};

static void world_init(struct world *w)
{
	struct pt_options o;
	char why[256];

	memset(w, 0, sizeof(*w));
	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	FUZZ_CHECK(pt_monitor_open(&w->m, &o) == 0);
	for (size_t i = 0; i < PT_ARRAY_SIZE(records); i++) {
		int r = pt_import_proc(w->m, records[i], strlen(records[i]), &w->p, why,
				       sizeof(why));

		if (r)
			fprintf(stderr, "record %zu: %s\n", i, why);
		FUZZ_CHECK(r == 0);
	}
	w->ev.type = PT_EV_EXEC;
	w->ev.pid = w->ev.tid = 100;
	w->ev.ppid = 1;
	w->ev.proc = w->p;
	w->x = pt_cond_ctx_new();
	FUZZ_CHECK(w->x);
	macros_init(&w->ms);
}

static void world_free(struct world *w)
{
	macros_free(&w->ms);
	pt_cond_ctx_free(w->x);
	pt_monitor_close(w->m);
}

/* The answers of c on the record, the event, and nothing: as bits. */
static unsigned answers(struct world *w, const struct pt_cond *c)
{
	unsigned r = 0;

	r |= pt_cond_match(c, w->m, w->p, NULL) ? 1 : 0;
	r |= pt_cond_match(c, w->m, NULL, &w->ev) ? 2 : 0;
	r |= pt_cond_match(c, NULL, w->p, NULL) ? 4 : 0;
	pt_cond_ctx_set(w->x, w->m, w->p, NULL);
	FUZZ_CHECK(pt_cond_eval(c, w->x) == !!(r & 1));
	FUZZ_CHECK(pt_cond_eval(c, w->x) == !!(r & 1));
	pt_cond_ctx_set(w->x, w->m, NULL, &w->ev);
	FUZZ_CHECK(pt_cond_eval(c, w->x) == !!(r & 2));
	return r;
}

static void check_parsed(struct world *w, const struct pt_cond *c, unsigned flags)
{
	struct pt_cond_error err;
	struct pt_cond *again = NULL;
	char *text, *text2;
	unsigned i;

	FUZZ_CHECK((pt_cond_evmask(c) & ~PT_EVMASK_ALL) == 0);
	for (i = 0; pt_cond_missing(c, i); i++)
		FUZZ_CHECK(pt_cond_missing(c, i)[0] && !strchr(pt_cond_missing(c, i), '\n'));
	FUZZ_CHECK(flags & PT_COND_LAX || i == 0);
	text = pt_cond_text(c);
	if (!text)
		return; /* out of memory */
	FUZZ_CHECK(pt_cond_parse(text, flags, NULL, NULL, &again, &err) == 0);
	text2 = pt_cond_text(again);
	FUZZ_CHECK(text2 && strcmp(text, text2) == 0);
	FUZZ_CHECK(pt_cond_evmask(c) == pt_cond_evmask(again));
	FUZZ_CHECK(answers(w, c) == answers(w, again));
	for (i = 0; pt_cond_missing(c, i); i++)
		FUZZ_CHECK(pt_cond_missing(again, i) &&
			   strcmp(pt_cond_missing(c, i), pt_cond_missing(again, i)) == 0);
	free(text);
	free(text2);
	pt_cond_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {0, PT_COND_LAX};
	char *s = malloc(size + 1);
	struct world w;
	int ok[2];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	world_init(&w);
	for (size_t i = 0; i < PT_ARRAY_SIZE(flags); i++) {
		struct pt_cond_error err;
		struct pt_cond *c = NULL;
		int r = pt_cond_parse(s, flags[i], macro, &w.ms, &c, &err);

		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
		FUZZ_CHECK((r == 0) == (c != NULL));
		ok[i] = r == 0;
		if (r == 0) {
			check_parsed(&w, c, flags[i]);
			pt_cond_free(c);
		} else {
			FUZZ_CHECK(err.msg[0] && !strchr(err.msg, '\n'));
			FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)));
			FUZZ_CHECK(err.pos >= -1 && err.pos <= (int)strlen(s));
		}
	}
	/* lax accepts everything strict does */
	FUZZ_CHECK(!ok[0] || ok[1]);
	world_free(&w);
	free(s);
	return 0;
}
