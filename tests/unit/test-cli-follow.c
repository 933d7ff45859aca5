/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch -p's rules (src/cli-follow.c) without a kernel: a monitor over a
 * fixture /proc with no tier, fed synthetic raw events as a source would, and
 * each event asked of cli_follow_event() as watch does.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli.h"
#include "fixture.h"
#include "internal.h"

#define MAXEV 512

/* cli-output.c is not linked here */
const char *cli_signame(int sig)
{
	(void)sig;
	return "SIG";
}

static char *root;
static struct pt_monitor *m;
static struct cli_follow *f;
static struct {
	enum pt_event_type type;
	pid_t pid;
	bool shown;
} got[MAXEV];
static unsigned ngot;

static void on_event(const struct pt_event *ev, void *data)
{
	(void)data;
	cr_assert_lt(ngot, MAXEV);
	got[ngot].type = ev->type;
	got[ngot].pid = ev->pid;
	got[ngot].shown = cli_follow_event(f, ev);
	ngot++;
}

static void add_fx(pid_t pid, pid_t ppid, uint64_t start)
{
	cr_assert_eq(fx_add_simple(root, pid, ppid, "sh", start, NULL, 0), 0);
}

static void setup(void)
{
	struct pt_options o;

	root = fx_root_new();
	cr_assert_not_null(root);
	add_fx(1, 0, 10);
	add_fx(100, 1, 500); /* followed with -p */
	add_fx(150, 100, 510); /* its child, already running */
	add_fx(151, 150, 520); /* and grandchild */
	add_fx(160, 1, 530); /* unrelated */
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.threads = true;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	cr_assert_eq(pt_monitor_subscribe(m, on_event, NULL), 0);
	f = cli_follow_new("test", false);
	cr_assert_not_null(f);
	ngot = 0;
}

static void teardown(void)
{
	cli_follow_free(f);
	pt_monitor_close(m);
	fx_root_free(root);
}

static void start(const char *pids)
{
	char err[128];

	cr_assert_eq(cli_follow_add_pids(f, pids, err, sizeof(err)), 0);
	cli_follow_events(f, PT_EVMASK_ALL);
	cr_assert_eq(cli_follow_start(f, m, 100), 0);
}

static void raw(enum pt_event_type type, pid_t pid, pid_t ppid, uint64_t start)
{
	struct pt_raw r = {.type = type, .pid = pid, .tid = pid, .ppid = ppid, .start = start};

	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
}

static void raw_thread(pid_t pid, pid_t tid)
{
	struct pt_raw r = {.type = PT_EV_FORK, .pid = pid, .tid = tid, .ppid = 1};

	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
}

static void raw_exit(pid_t pid)
{
	struct pt_raw r = {.type = PT_EV_EXIT, .pid = pid, .tid = pid, .time_us = pt_now_us()};

	pt_core_raw(m, &r);
}

/* Was the last event of this type for pid shown? Fails if there was none. */
static bool shown(enum pt_event_type type, pid_t pid)
{
	for (unsigned i = ngot; i-- > 0;)
		if (got[i].type == type && got[i].pid == pid)
			return got[i].shown;
	cr_assert_fail("no %s event for %d", pt_event_name(type), (int)pid);
	abort();
}

TestSuite(follow, .init = setup, .fini = teardown);

Test(follow, pid_lists)
{
	char err[128];

	cr_assert_eq(cli_follow_add_pids(f, "1,2", err, sizeof(err)), 0);
	cr_assert_eq(cli_follow_add_pids(f, "3", err, sizeof(err)), 0);
	cr_assert(cli_follow_has_pids(f));
	cr_assert_eq(cli_follow_add_pids(f, "1,,2", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "1,", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "0", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "-5", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "x", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "2147483648", err, sizeof(err)), -EINVAL);
	cr_assert_eq(cli_follow_add_pids(f, "", err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "invalid -p"));
}

Test(follow, a_pid_not_running_is_an_error)
{
	char err[128];

	cr_assert_eq(cli_follow_add_pids(f, "100,4242", err, sizeof(err)), 0);
	cr_assert_eq(cli_follow_start(f, m, 100), -ESRCH);
}

Test(follow, descendants_running_and_born_and_nothing_else)
{
	start("100");
	raw(PT_EV_FORK, 200, 151, 600); /* below the grandchild that was running */
	raw(PT_EV_FORK, 201, 160, 601);
	raw(PT_EV_EXEC, 200, 0, 600);
	raw(PT_EV_EXEC, 201, 0, 601);
	raw(PT_EV_FORK, 202, 200, 602);
	cr_assert(shown(PT_EV_FORK, 200));
	cr_assert(shown(PT_EV_EXEC, 200));
	cr_assert(shown(PT_EV_FORK, 202));
	cr_assert_not(shown(PT_EV_FORK, 201));
	cr_assert_not(shown(PT_EV_EXEC, 201));
	raw_exit(150);
	cr_assert(shown(PT_EV_EXIT, 150), "a child running before watch is followed");
	raw_exit(160);
	cr_assert_not(shown(PT_EV_EXIT, 160));
}

/* The kernel moves an orphan to init; it stays followed, and its children too. */
Test(follow, orphans_stay_followed)
{
	start("100");
	raw(PT_EV_FORK, 300, 100, 700);
	raw(PT_EV_FORK, 301, 300, 701);
	raw_exit(300);
	add_fx(301, 1, 701); /* /proc: moved to init */
	pt_core_reparent(m);
	cr_assert_eq(pt_proc_ppid(pt_lookup(m, 301)), 1);
	raw(PT_EV_EXEC, 301, 0, 701);
	cr_assert(shown(PT_EV_EXEC, 301));
	raw(PT_EV_FORK, 302, 301, 702);
	cr_assert(shown(PT_EV_FORK, 302));
}

Test(follow, a_reused_pid_is_not_followed)
{
	start("100");
	raw(PT_EV_FORK, 400, 100, 800);
	raw_exit(400);
	cr_assert(shown(PT_EV_EXIT, 400));
	raw(PT_EV_FORK, 400, 160, 900);
	cr_assert_not(shown(PT_EV_FORK, 400));
	raw(PT_EV_EXEC, 400, 0, 900);
	cr_assert_not(shown(PT_EV_EXEC, 400));
	raw(PT_EV_FORK, 401, 400, 901);
	cr_assert_not(shown(PT_EV_FORK, 401), "nor what the new owner of the pid starts");
}

Test(follow, threads_of_followed_processes)
{
	start("100");
	raw_thread(100, 1100);
	raw_thread(160, 1160);
	cr_assert(shown(PT_EV_FORK, 100));
	cr_assert_not(shown(PT_EV_FORK, 160));
}

/* Fork and exit are read for the lineage even when --events leaves them out. */
Test(follow, lineage_without_printing_forks)
{
	char err[128];

	cr_assert_eq(cli_follow_add_pids(f, "100", err, sizeof(err)), 0);
	cr_assert_eq(cli_follow_events(f, PT_EVMASK(PT_EV_EXEC)),
		     PT_EVMASK(PT_EV_EXEC) | PT_EVMASK(PT_EV_FORK) | PT_EVMASK(PT_EV_EXIT));
	cr_assert_eq(cli_follow_start(f, m, 100), 0);
	raw(PT_EV_FORK, 500, 100, 1000);
	raw(PT_EV_EXEC, 500, 0, 1000);
	cr_assert_not(shown(PT_EV_FORK, 500));
	cr_assert(shown(PT_EV_EXEC, 500));
}

Test(follow, lost_events_are_always_shown)
{
	struct pt_event ev = {.type = PT_EV_LOST};

	start("100");
	cr_assert(cli_follow_event(f, &ev));
}

Test(follow, done_when_every_pid_named_has_exited)
{
	start("100,160");
	raw(PT_EV_FORK, 600, 100, 1100);
	raw_exit(100);
	cr_assert_not(cli_follow_done(f));
	raw_exit(160);
	cr_assert(cli_follow_done(f), "descendants still running do not hold watch");
	cr_assert_eq(cli_follow_end(f, 0, true), 0);
}

Test(follow, no_leaks)
{
	start("100");
	for (pid_t p = 1000; p < 1200; p++) /* the set grows a few times */
		raw(PT_EV_FORK, p, p - 1 >= 1000 ? p - 1 : 100, (uint64_t)p * 10);
	cr_assert(shown(PT_EV_FORK, 1199));
	cli_follow_free(f);
	f = NULL;
	pt_monitor_close(m);
	m = NULL;
	cr_assert_eq(fx_leaks(), 0, "memory leaked (see stderr)");
}
