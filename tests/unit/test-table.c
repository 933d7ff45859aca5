/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "internal.h"

/* Criterion ignores LeakSanitizer's report: check in the test body. */
static void done(struct pt_table *t)
{
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0, "memory leaked (see stderr)");
}

#define T0 1700000000000000LL /* a fake "now" in wall-clock microseconds */
#define SEC 1000000LL

static struct pt_table *table(int64_t retention_us, size_t mem_max, unsigned history)
{
	struct pt_table_opts o = {
		.retention_us = retention_us,
		.mem_max = mem_max,
		.exec_history = history,
	};
	struct pt_table *t = pt_table_new(&o);

	cr_assert_not_null(t);
	return t;
}

static struct pt_table *table_default(void)
{
	return table(60 * SEC, (size_t)64 << 20, 4);
}

static struct pt_proc *add(struct pt_table *t, pid_t pid, uint64_t start, int64_t start_us,
			   pid_t ppid)
{
	struct pt_proc *p = pt_table_add(t, pid, start);

	cr_assert_not_null(p, "add %d", (int)pid);
	p->start_us = start_us;
	p->ppid = ppid;
	return p;
}

static void set_args(struct pt_table *t, struct pt_proc *p, size_t len, char fill)
{
	char *a = malloc(len);

	cr_assert_not_null(a);
	memset(a, fill, len - 1);
	a[len - 1] = '\0';
	pt_proc_set_args(p, a, len, false);
	pt_table_touch(t, p);
}

static struct pt_table_stats stats(const struct pt_table *t)
{
	struct pt_table_stats st;

	pt_table_stats(t, &st);
	return st;
}

Test(table, null_destructors)
{
	pt_table_free(NULL);
}

Test(table, add_get_idempotent)
{
	struct pt_table *t = table_default();
	struct pt_proc *p = pt_table_add(t, 100, 5000);

	cr_assert_not_null(p);
	cr_assert_eq(p->pid, 100);
	cr_assert_eq(p->start, 5000);
	cr_assert_eq(p->state, PT_STATE_ALIVE);
	cr_assert_eq(p->nthreads, 1);
	cr_assert_eq(p->nexecs, 0);
	cr_assert_eq(pt_table_get(t, 100), p);
	cr_assert_eq(pt_table_get_live(t, 100), p);

	cr_assert_eq(pt_table_add(t, 100, 5000), p);
	cr_assert_eq(pt_table_add(t, 100, 4999), p, "start from a fork timestamp, one tick early");
	cr_assert_eq(pt_table_add(t, 100, 5001), p, "one tick late");
	cr_assert_eq(pt_table_add(t, 100, 0), p, "unknown start");
	cr_assert_eq(stats(t).alive, 1);
	cr_assert_eq(stats(t).exited, 0);

	errno = 0;
	cr_assert_null(pt_table_get(t, 101));
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(pt_table_get_live(t, 101));
	cr_assert_null(pt_table_get_at(t, 101, T0));

	/* a record first seen without a start time matches the later, exact one */
	p = pt_table_add(t, 200, 0);
	cr_assert_eq(pt_table_add(t, 200, 777), p);
	cr_assert_eq(stats(t).alive, 2);
	done(t);
}

Test(table, pid_reuse_with_tick_conversion)
{
	struct pt_table_opts o = {
		.retention_us = 120 * SEC,
		.mem_max = (size_t)64 << 20,
		.exec_history = 4,
		.clk_tck = 100,
		.boot_us = T0,
	};
	struct pt_table *t = pt_table_new(&o);
	struct pt_proc *a, *b;

	cr_assert_not_null(t);
	a = pt_table_add(t, 300, 1000);
	cr_assert_not_null(a);
	cr_assert_eq(a->start_us, pt_ticks_to_us(1000, 100, T0));
	b = pt_table_add(t, 300, 2000);
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	cr_assert_eq(b->start_us, pt_ticks_to_us(2000, 100, T0));

	cr_assert_eq(a->state, PT_STATE_EXIT_UNKNOWN);
	cr_assert_eq(a->exit_us, b->start_us, "closed when the new generation started");
	cr_assert_eq(a->exit_code, -1);
	cr_assert_eq(b->state, PT_STATE_ALIVE);
	cr_assert_eq(stats(t).alive, 1);
	cr_assert_eq(stats(t).exited, 1);

	cr_assert_eq(pt_table_get(t, 300), b);
	cr_assert_eq(pt_table_get_live(t, 300), b);
	/* a start is known to a tick: just before it still names it, a tick before does not */
	cr_assert_eq(pt_table_get_at(t, 300, a->start_us - 1), a);
	cr_assert_eq(pt_table_get_at(t, 300, a->start_us - 10000), a);
	cr_assert_null(pt_table_get_at(t, 300, a->start_us - 10001));
	cr_assert_eq(pt_table_get_at(t, 300, a->start_us), a);
	cr_assert_eq(pt_table_get_at(t, 300, a->start_us + 1), a);
	cr_assert_eq(pt_table_get_at(t, 300, b->start_us - 1), a);
	cr_assert_eq(pt_table_get_at(t, 300, b->start_us), b);
	cr_assert_eq(pt_table_get_at(t, 300, b->start_us + 3600 * SEC), b);

	/* late data about the old generation finds it; it is not resurrected */
	cr_assert_eq(pt_table_add(t, 300, 1000), a);
	cr_assert_eq(pt_table_add(t, 300, 1001), a);
	cr_assert_eq(a->state, PT_STATE_EXIT_UNKNOWN);
	/* an even older generation we never saw is gone */
	errno = 0;
	cr_assert_null(pt_table_add(t, 300, 500));
	cr_assert_eq(errno, ESTALE);
	cr_assert_eq(stats(t).alive, 1);
	cr_assert_eq(stats(t).exited, 1);
	done(t);
}

Test(table, pid_reuse_without_conversion_closes_now)
{
	struct pt_table *t = table_default();
	struct pt_proc *a = add(t, 10, 100, T0, 1), *b;
	int64_t before = pt_now_us(), after;

	b = pt_table_add(t, 10, 200);
	after = pt_now_us();
	cr_assert_not_null(b);
	cr_assert_neq(a, b);
	cr_assert_eq(a->state, PT_STATE_EXIT_UNKNOWN);
	cr_assert(a->exit_us >= before && a->exit_us <= after);
	cr_assert_eq(pt_table_get_live(t, 10), b);

	/* the caller learns the real start: the estimated exit overlaps it */
	b->start_us = a->exit_us - 1000;
	for (pid_t pid = 20; pid < 2000; pid++) /* grow the hash: chains get reordered */
		cr_assert_not_null(pt_table_add(t, pid, 1));
	cr_assert_eq(pt_table_get_at(t, 10, b->start_us + 1), b, "the latest start wins");
	cr_assert_eq(pt_table_get_at(t, 10, b->start_us - 1), a);
	cr_assert_eq(pt_table_get(t, 10), b);
	done(t);
}

Test(table, exited_zombie_not_resurrected)
{
	struct pt_table *t = table_default();
	struct pt_proc *p = add(t, 42, 900, T0, 1);

	pt_table_exit(t, p, T0 + SEC, PT_STATE_EXITED);
	/* a /proc scan still sees the zombie with the same start */
	cr_assert_eq(pt_table_add(t, 42, 900), p);
	cr_assert_eq(p->state, PT_STATE_EXITED);
	cr_assert_null(pt_table_get_live(t, 42));
	cr_assert_eq(stats(t).alive, 0);
	cr_assert_eq(stats(t).exited, 1);
	done(t);
}

Test(table, get_at_generations)
{
	struct pt_table *t = table_default();
	struct pt_proc *a, *b, *c;

	a = add(t, 400, 100, T0, 1);
	pt_table_exit(t, a, T0 + 10, PT_STATE_EXITED);
	b = add(t, 400, 200, T0 + 20, 1);
	cr_assert_neq(a, b);
	pt_table_exit(t, b, T0 + 30, PT_STATE_EXITED);
	c = add(t, 400, 300, T0 + 40, 1);
	cr_assert_neq(b, c);

	/* before the first start by more than a tick: nothing; within a tick: the first */
	cr_assert_null(pt_table_get_at(t, 400, T0 - 10001));
	cr_assert_eq(pt_table_get_at(t, 400, T0 - 1), a);
	cr_assert_eq(pt_table_get_at(t, 400, T0), a);
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 9), a);
	/* between generations, within a tick of the next start: the next one */
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 10), b);
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 25), b);
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 35), c);
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 50), c);
	cr_assert_eq(pt_table_get(t, 400), c);

	pt_table_exit(t, c, T0 + 60, PT_STATE_EXITED);
	cr_assert_null(pt_table_get_live(t, 400));
	cr_assert_eq(pt_table_get(t, 400), c, "newest exited");
	cr_assert_eq(pt_table_get_at(t, 400, T0 + 25), b);
	cr_assert_eq(stats(t).exited, 3);
	done(t);
}

Test(table, exit_and_retention)
{
	struct pt_table *t = table(1 * SEC, (size_t)64 << 20, 4);
	struct pt_proc *live = add(t, 5000, 1, T0, 1);
	struct pt_table_stats st;

	for (int i = 0; i < 10; i++) {
		struct pt_proc *p = add(t, 1000 + i, 10 + i, T0, 1);

		pt_table_exit(t, p, T0 + i * 1000, PT_STATE_EXITED);
		cr_assert_eq(p->state, PT_STATE_EXITED);
		cr_assert_eq(p->exit_us, T0 + i * 1000);
	}
	st = stats(t);
	cr_assert_eq(st.alive, 1);
	cr_assert_eq(st.exited, 10);

	pt_table_expire(t, T0 + SEC); /* nothing is past retention yet */
	cr_assert_eq(stats(t).expired, 0);

	/* exits at T0 .. T0+4000 are older than one second at T0+1s+4500 */
	pt_table_expire(t, T0 + SEC + 4500);
	st = stats(t);
	cr_assert_eq(st.expired, 5);
	cr_assert_eq(st.exited, 5);
	cr_assert_eq(st.evicted, 0);
	for (int i = 0; i < 10; i++) {
		if (i < 5)
			cr_assert_null(pt_table_get(t, 1000 + i), "pid %d", 1000 + i);
		else
			cr_assert_not_null(pt_table_get(t, 1000 + i), "pid %d", 1000 + i);
	}

	/* live records never expire */
	pt_table_expire(t, T0 + 3600 * SEC);
	st = stats(t);
	cr_assert_eq(st.expired, 10);
	cr_assert_eq(st.exited, 0);
	cr_assert_eq(st.alive, 1);
	cr_assert_eq(pt_table_get(t, 5000), live);
	done(t);
}

Test(table, exit_time_zero_means_now)
{
	struct pt_table *t = table_default();
	struct pt_proc *p = add(t, 7, 1, T0, 1);
	int64_t before = pt_now_us();

	pt_table_exit(t, p, 0, PT_STATE_EXIT_UNKNOWN);
	cr_assert(p->exit_us >= before && p->exit_us <= pt_now_us());
	cr_assert_eq(p->state, PT_STATE_EXIT_UNKNOWN);
	done(t);
}

Test(table, touch_accounts_strings)
{
	struct pt_table *t = table_default();
	struct pt_proc *p = add(t, 7, 1, T0, 1);
	size_t m0 = stats(t).mem;

	set_args(t, p, 10000, 'x');
	cr_assert_geq(stats(t).mem, m0 + 10000);
	pt_proc_set_args(p, NULL, 0, false);
	pt_table_touch(t, p);
	cr_assert_eq(stats(t).mem, m0);
	done(t);
}

Test(table, memory_cap_evicts_oldest_exited)
{
	const size_t cap = 1 << 20;
	struct pt_table *t = table(3600 * SEC, cap, 4);
	struct pt_proc *live = add(t, 50000, 1, T0, 1);
	struct pt_table_stats st;

	set_args(t, live, 64 << 10, 'L');
	for (int i = 0; i < 100; i++) {
		struct pt_proc *p = add(t, 100 + i, 10 + i, T0 + i, 1);

		set_args(t, p, 16 << 10, 'a');
		pt_table_exit(t, p, T0 + 1000 + i, PT_STATE_EXITED);
	}
	cr_assert_gt(stats(t).mem, cap);

	pt_table_expire(t, T0 + 2000);
	st = stats(t);
	cr_assert_leq(st.mem, cap);
	cr_assert_gt(st.evicted, 0);
	cr_assert_lt(st.evicted, 100);
	cr_assert_eq(st.expired, 0);
	cr_assert_eq(st.evicted + st.exited, 100);
	cr_assert_eq(st.alive, 1);
	cr_assert_eq(pt_table_get_live(t, 50000), live);
	for (int i = 0; i < 100; i++) {
		if ((uint64_t)i < st.evicted)
			cr_assert_null(pt_table_get(t, 100 + i), "pid %d should be evicted",
				       100 + i);
		else
			cr_assert_not_null(pt_table_get(t, 100 + i), "pid %d should stay", 100 + i);
	}
	/* being just under the cap, one more big exited record evicts again */
	{
		struct pt_proc *p = add(t, 99999, 5, T0 + 3000, 1);
		uint64_t before = st.evicted;

		set_args(t, p, 16 << 10, 'b');
		pt_table_exit(t, p, T0 + 3001, PT_STATE_EXITED);
		pt_table_expire(t, T0 + 3002);
		st = stats(t);
		cr_assert_gt(st.evicted, before);
		cr_assert_leq(st.mem, cap);
		cr_assert_not_null(pt_table_get(t, 99999), "newest stays");
	}
	done(t);
}

Test(table, live_records_never_evicted)
{
	struct pt_table *t = table(3600 * SEC, 1000, 4);
	struct pt_table_stats st;
	struct pt_proc *x;

	for (int i = 0; i < 3; i++)
		set_args(t, add(t, 10 + i, 1, T0, 1), 8192, 'l');
	pt_table_expire(t, T0);
	st = stats(t);
	cr_assert_eq(st.alive, 3);
	cr_assert_eq(st.evicted, 0);
	cr_assert_gt(st.mem, 1000, "over the cap, and the stats show it");

	x = add(t, 20, 1, T0, 1);
	pt_table_exit(t, x, T0 + 1, PT_STATE_EXITED);
	pt_table_expire(t, T0 + 2);
	st = stats(t);
	cr_assert_eq(st.evicted, 1);
	cr_assert_eq(st.exited, 0);
	cr_assert_eq(st.alive, 3);
	done(t);
}

static void set_image(struct pt_proc *p, int n)
{
	char exe[32], args[32];
	int len;

	snprintf(exe, sizeof(exe), "/bin/a%d", n);
	len = snprintf(args, sizeof(args), "a%d%cx", n, '\0');
	p->exe = strdup(exe);
	cr_assert_not_null(p->exe);
	pt_proc_set_args(p, memcpy(malloc((size_t)len + 1), args, (size_t)len + 1), (size_t)len + 1,
			 n % 2);
}

Test(table, exec_history_bounded_in_order)
{
	struct pt_table *t = table(60 * SEC, (size_t)64 << 20, 3);
	struct pt_proc *p = add(t, 500, 1, T0, 1);
	size_t m;

	set_image(p, 0);
	pt_table_touch(t, p);
	for (int i = 1; i <= 5; i++) {
		pt_table_push_exec(t, p, T0 + i * 100);
		cr_assert_null(p->exe);
		cr_assert_null(p->args);
		cr_assert_eq(p->args_len, 0);
		cr_assert_eq(p->src[PT_F_EXE], PT_SRC_NONE);
		set_image(p, i);
		pt_table_touch(t, p);
		cr_assert_eq(p->nexecs, i < 3 ? (unsigned)i : 3u);
	}
	cr_assert_str_eq(p->exe, "/bin/a5");
	cr_assert_eq(p->nexecs, 3);
	cr_assert_not_null(p->execs);
	for (unsigned k = 0; k < 3; k++) {
		const struct pt_exec *e = &p->execs[k];
		int n = (int)k + 2; /* a0 and a1 were dropped */
		char want[16];

		snprintf(want, sizeof(want), "/bin/a%d", n);
		cr_assert_str_eq(e->exe, want);
		cr_assert_eq(e->time_us, T0 + n * 100, "image %d began at its exec", n);
		cr_assert_eq(e->args_len, 5);
		cr_assert_eq(memcmp(e->args, want + 5, 3), 0);
		cr_assert_str_eq(e->args + 3, "x");
		cr_assert_eq(e->args_truncated, n % 2);
	}

	/* the first history entry of a fresh record is timed at its start */
	{
		struct pt_proc *q = add(t, 501, 1, T0 + 7, 1);

		set_image(q, 9);
		pt_table_push_exec(t, q, T0 + 99);
		cr_assert_eq(q->nexecs, 1);
		cr_assert_eq(q->execs[0].time_us, T0 + 7);
		cr_assert_str_eq(q->execs[0].exe, "/bin/a9");
	}

	/* history strings are accounted */
	m = stats(t).mem;
	pt_table_push_exec(t, p, T0 + 1000);
	cr_assert_gt(stats(t).mem, m - strlen("/bin/a5") - 6 - 1);
	done(t);
}

Test(table, exec_history_zero)
{
	struct pt_table *t = table(60 * SEC, (size_t)64 << 20, 0);
	struct pt_proc *p = add(t, 500, 1, T0, 1);
	size_t m;

	pt_table_push_exec(t, p, T0 + 1); /* nothing to push is fine */
	set_image(p, 1);
	pt_table_touch(t, p);
	m = stats(t).mem;
	pt_table_push_exec(t, p, T0 + 2);
	cr_assert_eq(p->nexecs, 0);
	cr_assert_null(p->exe);
	cr_assert_null(p->args);
	cr_assert_lt(stats(t).mem, m);
	done(t);
}

struct tids {
	pid_t v[16];
	int n;
	struct pt_table *t;
	bool del;
};

static int collect_tid(pid_t tid, void *data)
{
	struct tids *c = data;

	cr_assert_lt(c->n, 16);
	c->v[c->n++] = tid;
	if (c->del)
		pt_table_thread_del(c->t, tid);
	return 0;
}

static bool has_tid(const struct tids *c, pid_t tid)
{
	for (int i = 0; i < c->n; i++)
		if (c->v[i] == tid)
			return true;
	return false;
}

static int stop_at_second(pid_t tid, void *data)
{
	int *n = data;

	return ++*n == 2 ? -7 : 0;
}

Test(table, threads)
{
	struct pt_table *t = table_default();
	struct pt_proc *p = add(t, 600, 1, T0, 1), *q;
	struct tids c = {.t = t};
	size_t m0 = stats(t).mem;
	int n = 0;

	cr_assert_eq(pt_table_thread_add(t, 601, 600), 0);
	cr_assert_eq(pt_table_thread_add(t, 602, 600), 0);
	cr_assert_eq(pt_table_thread_add(t, 603, 600), 0);
	cr_assert_eq(p->nthreads, 4);
	cr_assert_gt(stats(t).mem, m0, "thread entries are accounted");
	cr_assert_eq(pt_table_thread_add(t, 601, 600), 0, "idempotent");
	cr_assert_eq(pt_table_thread_add(t, 600, 600), 0, "the leader is not in the map");
	cr_assert_eq(p->nthreads, 4);
	cr_assert_eq(stats(t).threads, 3);
	cr_assert_eq(pt_table_thread_add(t, 701, 700), -ESRCH);

	cr_assert_eq(pt_table_thread_tgid(t, 601), 600);
	cr_assert_eq(pt_table_thread_tgid(t, 600), 600);
	cr_assert_eq(pt_table_thread_tgid(t, 9999), 0);

	cr_assert_eq(pt_table_foreach_thread(t, 600, collect_tid, &c), 0);
	cr_assert_eq(c.n, 4);
	cr_assert_eq(c.v[0], 600, "leader first");
	cr_assert(has_tid(&c, 601) && has_tid(&c, 602) && has_tid(&c, 603));
	cr_assert_eq(pt_table_foreach_thread(t, 600, stop_at_second, &n), -7);
	cr_assert_eq(pt_table_foreach_thread(t, 700, collect_tid, &c), -ESRCH);

	pt_table_thread_del(t, 602);
	pt_table_thread_del(t, 602); /* unknown tid: no-op */
	pt_table_thread_del(t, 600); /* the leader: no-op */
	cr_assert_eq(p->nthreads, 3);
	cr_assert_eq(pt_table_thread_tgid(t, 602), 0);
	cr_assert_eq(stats(t).threads, 2);

	/* deleting the tid being visited is allowed (what an exec does) */
	c = (struct tids){.t = t, .del = true};
	cr_assert_eq(pt_table_foreach_thread(t, 600, collect_tid, &c), 0);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(p->nthreads, 1);
	cr_assert_eq(stats(t).threads, 0);

	/* a tid reused by another process moves */
	q = add(t, 800, 1, T0, 1);
	cr_assert_eq(pt_table_thread_add(t, 801, 600), 0);
	cr_assert_eq(pt_table_thread_add(t, 801, 800), 0);
	cr_assert_eq(pt_table_thread_tgid(t, 801), 800);
	cr_assert_eq(p->nthreads, 1);
	cr_assert_eq(q->nthreads, 2);

	/* pids and tids share a number space */
	cr_assert_eq(pt_table_thread_add(t, 802, 800), 0);
	cr_assert_eq(q->nthreads, 3);
	{
		struct pt_proc *r = add(t, 802, 50, T0 + 1, 1), *s;

		cr_assert_eq(pt_table_thread_tgid(t, 802), 802, "thread exit missed, pid reused");
		cr_assert_eq(q->nthreads, 2);
		cr_assert_eq(pt_table_thread_add(t, 802, 800), 0,
			     "process exit missed, tid reused");
		cr_assert_eq(r->state, PT_STATE_EXIT_UNKNOWN);
		cr_assert_eq(pt_table_thread_tgid(t, 802), 800);
		cr_assert_eq(q->nthreads, 3);
		pt_table_thread_del(t, 802);
		s = add(t, 802, 60, T0 + 2, 1);
		cr_assert_neq(s, r);
		cr_assert_eq(pt_table_thread_tgid(t, 802), 802);
		cr_assert_eq(q->nthreads, 2);
	}

	/* exit removes the process's threads */
	cr_assert_eq(pt_table_thread_add(t, 604, 600), 0);
	cr_assert_eq(pt_table_thread_add(t, 605, 600), 0);
	cr_assert_eq(stats(t).threads, 3);
	pt_table_exit(t, p, T0 + 5, PT_STATE_EXITED);
	cr_assert_eq(pt_table_thread_tgid(t, 604), 0);
	cr_assert_eq(pt_table_thread_tgid(t, 605), 0);
	cr_assert_eq(pt_table_thread_tgid(t, 600), 0);
	cr_assert_eq(pt_table_thread_tgid(t, 801), 800);
	cr_assert_eq(p->nthreads, 1);
	cr_assert_eq(stats(t).threads, 1);
	cr_assert_eq(pt_table_thread_add(t, 606, 600), -ESRCH);
	done(t); /* frees 801 */
}

static int collect_proc(const struct pt_proc *p, void *data)
{
	struct tids *c = data;

	cr_assert_lt(c->n, 16);
	c->v[c->n++] = p->pid;
	return 0;
}

Test(table, lineage)
{
	struct pt_table *t = table_default();
	struct pt_proc *init, *sub, *a, *b, *c, *d, *x, *y, *z, *w;
	struct tids kids = {0};

	init = add(t, 1, 1, T0, 0);
	sub = add(t, 50, 10, T0 + 500, 1);
	a = add(t, 100, 50, T0 + 1000, 1);
	c = add(t, 200, 60, T0 + 2000, 100);

	cr_assert_null(pt_table_parent(t, init), "ppid 0");
	cr_assert_eq(pt_table_parent(t, a), init);
	cr_assert_eq(pt_table_parent(t, c), a);

	/* an exited parent within retention is still the parent */
	pt_table_exit(t, a, T0 + 3000, PT_STATE_EXITED);
	cr_assert_eq(pt_table_parent(t, c), a);

	/* pid 100 reused by a younger process: still a, not b */
	b = add(t, 100, 90, T0 + 5000, 1);
	cr_assert_neq(a, b);
	cr_assert_eq(pt_table_parent(t, c), a);
	d = add(t, 300, 95, T0 + 6000, 100);
	cr_assert_eq(pt_table_parent(t, d), b);

	cr_assert_eq(pt_table_foreach_child(t, a, PT_SEL_ALL, collect_proc, &kids), 0);
	cr_assert_eq(kids.n, 1);
	cr_assert_eq(kids.v[0], 200);
	kids.n = 0;
	cr_assert_eq(pt_table_foreach_child(t, b, PT_SEL_ALL, collect_proc, &kids), 0);
	cr_assert_eq(kids.n, 1);
	cr_assert_eq(kids.v[0], 300);
	kids.n = 0;
	cr_assert_eq(pt_table_foreach_child(t, b, PT_SEL_EXITED, collect_proc, &kids), 0);
	cr_assert_eq(kids.n, 0);

	/* orphans reparented to init, then to a subreaper */
	c->ppid = 1;
	cr_assert_eq(pt_table_parent(t, c), init);
	kids.n = 0;
	cr_assert_eq(pt_table_foreach_child(t, init, PT_SEL_ALIVE, collect_proc, &kids), 0);
	cr_assert_eq(kids.n, 3, "sub, b and c; got %d", kids.n);
	c->ppid = 50;
	cr_assert_eq(pt_table_parent(t, c), sub);

	/* the only record of the ppid is younger than the child: not its parent */
	x = add(t, 400, 70, T0 + 2500, 450);
	y = add(t, 450, 99, T0 + 4000, 1);
	cr_assert_null(pt_table_parent(t, x));
	(void)y;

	/* a parent that exited before the child started is not its parent */
	z = add(t, 460, 3, T0 + 100, 1);
	pt_table_exit(t, z, T0 + 200, PT_STATE_EXITED);
	w = add(t, 461, 5, T0 + 300, 460);
	cr_assert_null(pt_table_parent(t, w));

	/* start_us unknown: start ticks decide */
	{
		struct pt_proc *old = add(t, 470, 1000, 0, 1), *kid, *young;

		kid = add(t, 471, 1100, 0, 470);
		cr_assert_eq(pt_table_parent(t, kid), old);
		pt_table_exit(t, old, T0 + 10, PT_STATE_EXITED);
		young = add(t, 470, 1200, 0, 1);
		cr_assert_neq(young, old);
		cr_assert_eq(pt_table_parent(t, kid), old);
	}
	done(t);
}

/*
 * Regression: a parent and child started in the same tick, their start_us
 * derived from ticks a few microseconds apart, or the child's ticks derived
 * from a fork timestamp one tick early. The parent must still be found.
 */
Test(table, parent_in_same_tick)
{
	struct pt_table *t = table_default();
	struct pt_proc *parent, *child, *early, *later;

	parent = add(t, 400, 777, T0 + 10, 1);
	child = add(t, 401, 777, T0 + 3, 400);
	cr_assert_eq(pt_table_parent(t, child), parent, "same tick, start_us jitter");
	early = add(t, 402, 776, T0, 400);
	cr_assert_eq(pt_table_parent(t, early), parent, "child ticks one early");
	/* two ticks before the parent: that pid's holder cannot be its parent */
	later = add(t, 403, 775, T0, 400);
	cr_assert_null(pt_table_parent(t, later));
	done(t);
}

static int count_proc(const struct pt_proc *p, void *data)
{
	(*(int *)data)++;
	return 0;
}

static int stop_third(const struct pt_proc *p, void *data)
{
	return ++*(int *)data == 3 ? 42 : 0;
}

Test(table, foreach_select_and_stop)
{
	struct pt_table *t = table_default();
	int n;

	for (int i = 0; i < 8; i++) {
		struct pt_proc *p = add(t, 10 + i, 1, T0, 1);

		if (i >= 5)
			pt_table_exit(t, p, T0 + i, PT_STATE_EXITED);
	}
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_ALIVE, count_proc, &n), 0);
	cr_assert_eq(n, 5);
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_EXITED, count_proc, &n), 0);
	cr_assert_eq(n, 3);
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_ALL, count_proc, &n), 0);
	cr_assert_eq(n, 8);
	n = 0;
	cr_assert_eq(pt_table_foreach(t, 0, count_proc, &n), 0);
	cr_assert_eq(n, 0);
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_ALL, stop_third, &n), 42);
	cr_assert_eq(n, 3);
	n = 0;
	cr_assert_eq(pt_table_foreach_exited(t, stop_third, &n), 42);
	cr_assert_eq(n, 3);
	done(t);
}

Test(table, foreach_exited_newest_first)
{
	struct pt_table *t = table_default();
	static const int64_t exits[] = {30, 10, 20, 50, 40};
	struct tids c = {0};
	struct pt_proc *p;

	for (unsigned i = 0; i < PT_ARRAY_SIZE(exits); i++)
		pt_table_exit(t, add(t, 100 + (pid_t)exits[i], 1, T0, 1), T0 + exits[i],
			      PT_STATE_EXITED);
	add(t, 999, 1, T0, 1); /* alive: not listed */
	cr_assert_eq(pt_table_foreach_exited(t, collect_proc, &c), 0);
	cr_assert_eq(c.n, 5);
	cr_assert_eq(c.v[0], 150);
	cr_assert_eq(c.v[1], 140);
	cr_assert_eq(c.v[2], 130);
	cr_assert_eq(c.v[3], 120);
	cr_assert_eq(c.v[4], 110);

	/* an exit-unknown later confirmed with its real, earlier time moves */
	p = pt_table_get(t, 150);
	pt_table_exit(t, p, T0 + 5, PT_STATE_EXITED);
	c.n = 0;
	cr_assert_eq(pt_table_foreach_exited(t, collect_proc, &c), 0);
	cr_assert_eq(c.n, 5);
	cr_assert_eq(c.v[0], 140);
	cr_assert_eq(c.v[4], 150);
	cr_assert_eq(stats(t).exited, 5);
	done(t);
}

#define STRESS_ADDS 100000
#define STRESS_PIDS 4096

static int count_threads(pid_t tid, void *data)
{
	(*(int *)data)++;
	return 0;
}

struct order {
	int64_t last;
	uint64_t n;
};

static int check_order(const struct pt_proc *p, void *data)
{
	struct order *o = data;

	cr_assert_neq(p->state, PT_STATE_ALIVE);
	cr_assert_leq(p->exit_us, o->last, "newest exit first");
	o->last = p->exit_us;
	o->n++;
	return 0;
}

Test(table, stress_random)
{
	struct pt_table_opts o = {
		.retention_us = 120 * SEC,
		.mem_max = 5 << 19,
		.exec_history = 2,
		.clk_tck = 100,
		.boot_us = T0,
	};
	struct pt_table *t = pt_table_new(&o);
	static uint64_t live_start[STRESS_PIDS]; /* 0 = not alive in the model */
	uint64_t created = 0, alive = 0, ticks = 1;
	unsigned seed = 12345;
	struct pt_table_stats st;
	int64_t now = T0;
	int n;

	cr_assert_not_null(t);
	memset(live_start, 0, sizeof(live_start));
	for (int i = 0; created < STRESS_ADDS; i++) {
		pid_t pid = 1 + (pid_t)(rand_r(&seed) % (STRESS_PIDS - 1));
		int op = rand_r(&seed) % 8;
		struct pt_proc *p;

		ticks += 3; /* never within the +-1 tick of the same process */
		now = pt_ticks_to_us(ticks, 100, T0) + 5000;
		if (op < 4) {
			p = pt_table_add(t, pid, ticks);
			cr_assert_not_null(p);
			cr_assert_eq(p->state, PT_STATE_ALIVE);
			if (!live_start[pid])
				alive++;
			created++;
			live_start[pid] = ticks;
			cr_assert_eq(pt_table_get_at(t, pid, now), p);
			p->ppid = 1 + (pid_t)(rand_r(&seed) % (STRESS_PIDS - 1));
			set_args(t, p, 1 + (size_t)(rand_r(&seed) % 512), 'z');
		} else if (op == 4 && live_start[pid]) {
			p = pt_table_get_live(t, pid);
			cr_assert_not_null(p);
			cr_assert_eq(p->start, live_start[pid]);
			pt_table_push_exec(t, p, now);
			set_args(t, p, 1 + (size_t)(rand_r(&seed) % 256), 'e');
		} else if (op == 5 && live_start[pid]) {
			pid_t tid = 1 + (pid_t)(rand_r(&seed) % (STRESS_PIDS - 1));

			if (tid == pid)
				continue;
			if (live_start[tid]) { /* a process whose exit we missed */
				live_start[tid] = 0;
				alive--;
			}
			cr_assert_eq(pt_table_thread_add(t, tid, pid), 0);
			cr_assert_eq(pt_table_thread_tgid(t, tid), pid);
		} else if (live_start[pid]) {
			p = pt_table_get_live(t, pid);
			cr_assert_not_null(p);
			pt_table_exit(t, p, now,
				      rand_r(&seed) % 2 ? PT_STATE_EXITED : PT_STATE_EXIT_UNKNOWN);
			live_start[pid] = 0;
			alive--;
		}
		if (i % 1000 == 0)
			pt_table_expire(t, now);
	}
	pt_table_expire(t, now);
	st = stats(t);
	cr_log_info("stress: created %llu alive %llu exited %llu expired %llu evicted %llu "
		    "threads %llu mem %zu",
		    (unsigned long long)created, (unsigned long long)st.alive,
		    (unsigned long long)st.exited, (unsigned long long)st.expired,
		    (unsigned long long)st.evicted, (unsigned long long)st.threads, st.mem);
	cr_assert_eq(st.alive, alive);
	cr_assert_eq(st.alive + st.exited + st.expired + st.evicted, created);
	cr_assert_gt(st.expired + st.evicted, 0);
	cr_assert(st.mem <= o.mem_max || st.exited == 0, "over the cap with exited records left");
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_ALIVE, count_proc, &n), 0);
	cr_assert_eq((uint64_t)n, st.alive);
	n = 0;
	cr_assert_eq(pt_table_foreach(t, PT_SEL_EXITED, count_proc, &n), 0);
	cr_assert_eq((uint64_t)n, st.exited);
	{
		struct order ord = {.last = INT64_MAX};

		cr_assert_eq(pt_table_foreach_exited(t, check_order, &ord), 0);
		cr_assert_eq(ord.n, st.exited);
	}

	/* threads: the sum over live records matches the map */
	{
		uint64_t sum = 0;

		for (pid_t pid = 1; pid < STRESS_PIDS; pid++) {
			struct pt_proc *p = pt_table_get_live(t, pid);

			if (!p)
				continue;
			n = 0;
			cr_assert_eq(pt_table_foreach_thread(t, pid, count_threads, &n), 0);
			cr_assert_eq((unsigned)n, p->nthreads);
			sum += p->nthreads - 1;
		}
		cr_assert_eq(sum, st.threads);
	}

	/* exits found through a reused tid are timed by the real clock */
	pt_table_expire(t, pt_now_us() + 3600 * SEC);
	st = stats(t);
	cr_assert_eq(st.exited, 0);
	cr_assert_eq(st.alive, alive);
	done(t);
}
