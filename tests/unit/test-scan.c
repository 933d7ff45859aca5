/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The /proc scanner and the scanning tiers, on fixture trees. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "scan.h"

#define MAX_CALLS 4096 /* the tests on the real /proc see the whole host */

/* What the scanner reported, in order. */
struct call {
	char what; /* d(iscovered), v(anished), r(aw) */
	pid_t pid;
	uint64_t start;
	enum pt_scan_kind kind;
	enum pt_event_type type; /* raw */
	int64_t lo, hi;
	char argv0[64];
	char comm[PT_COMM_LEN];
	char exe[64];
	uint8_t src[PT_F_COUNT], why[PT_F_COUNT];
};

static struct {
	char *root;
	struct pt_procfs fs;
	struct pt_table *t;
	struct pt_scanner *s;
	struct call calls[MAX_CALLS];
	size_t ncalls;
	uint64_t missed;
	unsigned nmissed;
	pid_t remove_when; /* when this pid is discovered, remove remove_pid */
	pid_t remove_pid;
	int64_t removed_us; /* when it did */
} E;

/* The hooks get the monitor pointer back; the tests need no monitor. */
#define M ((struct pt_monitor *)&E)

static struct call *record(char what, const struct pt_proc *p)
{
	struct call *c;

	cr_assert_lt(E.ncalls, MAX_CALLS);
	c = &E.calls[E.ncalls++];
	memset(c, 0, sizeof(*c));
	c->what = what;
	c->pid = p->pid;
	c->start = p->start;
	memcpy(c->comm, p->comm, PT_COMM_LEN);
	if (p->args)
		snprintf(c->argv0, sizeof(c->argv0), "%s", p->args);
	if (p->exe)
		snprintf(c->exe, sizeof(c->exe), "%s", p->exe);
	memcpy(c->src, p->src, sizeof(c->src));
	memcpy(c->why, p->why, sizeof(c->why));
	return c;
}

static void h_discovered(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_image img,
			 enum pt_scan_kind kind, int64_t lo, int64_t hi)
{
	struct pt_proc *p;
	struct call *c;

	cr_assert_eq(m, M);
	/* what the core does with an image that is not the process's own */
	pt_core_inherit_image(E.t, info, img);
	p = pt_table_add(E.t, info->pid, info->start);
	cr_assert_not_null(p);
	pt_proc_merge(p, info, PT_FMASK_ALL);
	pt_table_touch(E.t, p);
	c = record('d', info);
	c->kind = kind;
	c->lo = lo;
	c->hi = hi;
	if (E.remove_when == info->pid) {
		cr_assert_eq(fx_remove(E.root, E.remove_pid, NULL), 0);
		E.removed_us = pt_now_us();
	}
	pt_proc_clear(info);
	free(info);
}

static void h_vanished(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
		       int64_t lo, int64_t hi)
{
	struct call *c = record('v', rec);

	c->kind = kind;
	c->lo = lo;
	c->hi = hi;
	pt_table_exit(E.t, rec, hi, PT_STATE_EXIT_UNKNOWN);
}

static void h_missed(struct pt_monitor *m, uint64_t count, const char *reason)
{
	cr_assert_not_null(reason);
	E.missed += count;
	E.nmissed++;
}

static void h_raw(struct pt_monitor *m, struct pt_raw *ev)
{
	struct pt_proc *p = pt_table_get_live(E.t, ev->pid);
	struct call *c;

	cr_assert_not_null(ev->info);
	c = record('r', ev->info);
	c->type = ev->type;
	c->lo = ev->lo_us;
	c->hi = ev->hi_us;
	cr_assert_leq(ev->lo_us, ev->hi_us);
	cr_assert(ev->synthesized);
	if (p)
		pt_proc_merge(p, ev->info, PT_FMASK_ALL);
	pt_proc_clear(ev->info);
	free(ev->info);
	ev->info = NULL;
}

static void h_threads(struct pt_monitor *m, pid_t pid, const pid_t *tids, size_t n)
{
	pt_table_set_threads(E.t, pid, tids, n);
}

static struct pt_table *h_table(struct pt_monitor *m)
{
	return E.t;
}

static const struct pt_scan_hooks hooks = {
	.discovered = h_discovered,
	.vanished = h_vanished,
	.missed = h_missed,
	.raw = h_raw,
	.threads = h_threads,
	.table = h_table,
};

static void write_root_file(const char *name, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", E.root, name);
	f = fopen(path, "we");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(content, f);
	fclose(f);
}

static void setup(void)
{
	struct pt_table_opts to = {
		.retention_us = 60000000,
		.mem_max = 16u << 20,
		.exec_history = 4,
	};

	memset(&E, 0, sizeof(E));
	E.root = fx_root_new();
	cr_assert_not_null(E.root);
	cr_assert_eq(fx_set_last_pid(E.root, 1000), 0);
	write_root_file("sys/kernel/pid_max", "32768\n");
	cr_assert_eq(pt_procfs_open(&E.fs, E.root, 4096), 0);
	E.t = pt_table_new(&to);
	cr_assert_not_null(E.t);
}

static void teardown(void)
{
	pt_scanner_free(E.s);
	pt_table_free(E.t);
	pt_procfs_close(&E.fs);
	fx_root_free(E.root);
}

static void new_scanner(void)
{
	E.s = pt_scanner_new(&E.fs, &hooks);
	cr_assert_not_null(E.s);
}

static void add_proc(pid_t pid, uint64_t start, const char *comm, const char *argv0,
		     unsigned nthreads)
{
	char cmdline[128];
	size_t n = strlen(argv0) + 1;
	struct fx_proc p = {
		.pid = pid,
		.ppid = 1,
		.comm = comm,
		.start = start,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.egid = 1000,
		.sid = pid,
		.pgid = pid,
		.cmdline = cmdline,
		.exe = argv0,
		.cwd = "/",
		.nthreads = nthreads,
	};

	cr_assert_lt(n + 4, sizeof(cmdline));
	memcpy(cmdline, argv0, n);
	memcpy(cmdline + n, "-x", 3);
	p.cmdline_len = n + 3;
	cr_assert_eq(fx_add_proc(E.root, &p), 0);
}

/* Mark pid as forked and not exec'd yet: PF_FORKNOEXEC in stat field 9. */
static void set_forknoexec(pid_t pid)
{
	char path[PATH_MAX], buf[2048], *p;
	unsigned long flags;
	ssize_t n;
	int fd, field = 2;

	snprintf(path, sizeof(path), "%s/%d/stat", E.root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	p = strrchr(buf, ')') + 1;
	while (field < 8) {
		p = strchr(p + 1, ' ');
		field++;
	}
	flags = strtoul(p + 1, NULL, 10) | 0x40;
	{
		char out[2048];
		char *rest = strchr(p + 1, ' ');
		int len =
			snprintf(out, sizeof(out), "%.*s %lu%s", (int)(p - buf), buf, flags, rest);

		cr_assert_eq(fx_write(E.root, pid, "stat", out, (size_t)len), 0);
	}
}

static size_t count(char what)
{
	size_t n = 0;

	for (size_t i = 0; i < E.ncalls; i++)
		n += E.calls[i].what == what;
	return n;
}

static const struct call *find(char what, pid_t pid)
{
	for (size_t i = 0; i < E.ncalls; i++)
		if (E.calls[i].what == what && E.calls[i].pid == pid)
			return &E.calls[i];
	return NULL;
}

static const struct call *must_find(char what, pid_t pid)
{
	const struct call *c = find(what, pid);

	if (!c) {
		cr_assert_fail("no '%c' call for pid %d", what, (int)pid);
		abort();
	}
	return c;
}

static void reset_calls(void)
{
	E.ncalls = 0;
	E.missed = 0;
	E.nmissed = 0;
}

static void snapshot3(void)
{
	add_proc(100, 5000, "init", "/sbin/init", 1);
	add_proc(200, 6000, "bash", "/bin/bash", 1);
	add_proc(300, 7000, "sleep", "/bin/sleep", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 3);
	reset_calls();
}

/* A process of the fixture: cmdline NULL reads empty, exe NULL has no link. */
static void add_child(pid_t pid, pid_t ppid, uint64_t start, const char *comm, const char *cmdline,
		      const char *exe, char state)
{
	struct fx_proc p = {
		.pid = pid,
		.ppid = ppid,
		.comm = comm,
		.state = state,
		.start = start,
		.uid = 1000,
		.euid = 1000,
		.gid = 1000,
		.egid = 1000,
		.sid = pid,
		.pgid = pid,
		.cmdline = cmdline,
		.cmdline_len = cmdline ? strlen(cmdline) + 1 : 0,
		.exe = exe,
		.cwd = "/",
	};

	cr_assert_eq(fx_add_proc(E.root, &p), 0);
}

static size_t count_raw(enum pt_event_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < E.ncalls; i++)
		n += E.calls[i].what == 'r' && E.calls[i].type == type;
	return n;
}

/* The start ticks of a process born now, as stat field 22 shows them. */
static uint64_t now_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)E.fs.clk_tck +
		(uint64_t)ts.tv_nsec / (1000000000u / (uint64_t)E.fs.clk_tck);
}

static void assert_inherited(const struct call *c, const char *argv0, const char *exe,
			     const char *comm)
{
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_INHERITED, "argv src %d", c->src[PT_F_ARGV]);
	cr_assert_eq(c->src[PT_F_EXE], PT_SRC_INHERITED, "exe src %d", c->src[PT_F_EXE]);
	cr_assert_eq(c->src[PT_F_COMM], PT_SRC_INHERITED, "comm src %d", c->src[PT_F_COMM]);
	cr_assert_str_eq(c->argv0, argv0);
	cr_assert_str_eq(c->exe, exe);
	cr_assert_str_eq(c->comm, comm);
}

TestSuite(scan, .init = setup, .fini = teardown);

Test(scan, pid_arithmetic)
{
	/* the counter went from 32760 to 50: 32761..32767, then 1..50 */
	cr_assert_eq(pt_pid_span(32760, 50, 32768), 57);
	cr_assert_eq(pt_pid_span(100, 200, 32768), 100);
	cr_assert_eq(pt_pid_span(200, 200, 32768), 0);
	/* after a wrap the allocator restarts at 300 */
	cr_assert_eq(pt_pid_span(32000, 500, 32768), 767 + 201);
	cr_assert_eq(pt_pid_span(4194000, 310, 4194304), 303 + 11);

	cr_assert(pt_pid_in_window(32765, 32760, 50));
	cr_assert(pt_pid_in_window(10, 32760, 50));
	cr_assert(pt_pid_in_window(50, 32760, 50));
	cr_assert_not(pt_pid_in_window(51, 32760, 50));
	cr_assert_not(pt_pid_in_window(32760, 32760, 50));
	cr_assert_not(pt_pid_in_window(299, 32760, 500));
	cr_assert(pt_pid_in_window(300, 32760, 500));
	cr_assert(pt_pid_in_window(150, 100, 200));
	cr_assert_not(pt_pid_in_window(100, 100, 200));
	cr_assert_not(pt_pid_in_window(201, 100, 200));
	cr_assert_not(pt_pid_in_window(150, 200, 200));
}

Test(scan, last_pid_and_pid_max)
{
	pid_t v;

	cr_assert_eq(pt_procfs_last_pid(&E.fs, &v), 0);
	cr_assert_eq(v, 1000);
	cr_assert_eq(pt_procfs_pid_max(&E.fs, &v), 0);
	cr_assert_eq(v, 32768);
	/* without loadavg, ns_last_pid */
	write_root_file("loadavg", "garbage\n");
	write_root_file("sys/kernel/ns_last_pid", "4242\n");
	cr_assert_eq(pt_procfs_last_pid(&E.fs, &v), 0);
	cr_assert_eq(v, 4242);
}

Test(scan, snapshot_then_quiet)
{
	add_proc(100, 5000, "init", "/sbin/init", 1);
	add_proc(200, 6000, "bash", "/bin/bash", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 2);
	cr_assert_eq(count('d'), 2);
	cr_assert_eq(E.calls[0].kind, PT_SCAN_SNAPSHOT);
	cr_assert_str_eq(must_find('d', 200)->argv0, "/bin/bash");
	cr_assert_eq(must_find('d', 200)->start, 6000);
	cr_assert_eq(E.nmissed, 0);
	reset_calls();

	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(E.ncalls, 0);

	struct pt_scan_stats st;

	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.scans, 3);
	cr_assert_eq(st.added, 2);
	cr_assert_eq(st.vanished, 0);
	cr_assert_eq(st.last_pid, 1000);
}

Test(scan, exit_is_reported_with_bounds)
{
	int64_t before, between;

	add_proc(100, 5000, "init", "/sbin/init", 1);
	add_proc(300, 7000, "sleep", "/bin/sleep", 1);
	new_scanner();
	before = pt_now_us();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 2);
	between = pt_now_us();
	reset_calls();

	cr_assert_eq(fx_remove(E.root, 300, NULL), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(E.ncalls, 1);
	cr_assert_eq(E.calls[0].what, 'v');
	cr_assert_eq(E.calls[0].pid, 300);
	cr_assert_eq(E.calls[0].kind, PT_SCAN_SYNTH);
	/* lo: the previous scan, when it was last seen; hi: this scan */
	cr_assert_geq(E.calls[0].lo, before);
	cr_assert_leq(E.calls[0].lo, between);
	cr_assert_geq(E.calls[0].hi, between);
	cr_assert_null(pt_table_get_live(E.t, 300));
}

Test(scan, pid_reuse_is_an_exit_and_a_new_process)
{
	snapshot3();
	/* same pid, another start: the process we knew is gone */
	add_proc(200, 9000, "sh", "/bin/sh", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	cr_assert_eq(E.ncalls, 2);
	cr_assert_eq(E.calls[0].what, 'v');
	cr_assert_eq(E.calls[0].start, 6000);
	cr_assert_eq(E.calls[1].what, 'd');
	cr_assert_eq(E.calls[1].start, 9000);
	cr_assert_str_eq(E.calls[1].argv0, "/bin/sh");
	cr_assert_eq(pt_table_get_live(E.t, 200)->start, 9000);
}

Test(scan, start_within_one_tick_is_the_same_process)
{
	snapshot3();
	add_proc(200, 6001, "bash", "/bin/bash", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.ncalls, 0);
}

Test(scan, unreadable_entries_are_counted_not_reported)
{
	char path[PATH_MAX];
	struct pt_scan_stats st;
	bool root = geteuid() == 0;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 8000, "secret", "/bin/secret", 1);
	/* what hidepid=1 does to other users' processes */
	snprintf(path, sizeof(path), "%s/1005", E.root);
	cr_assert_eq(chmod(path, 0), 0);
	snprintf(path, sizeof(path), "%s/200", E.root);
	cr_assert_eq(chmod(path, 0), 0);
	if (root)
		setfsuid(65534); /* drops CAP_DAC_OVERRIDE for file access */

	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	pt_scanner_stats(E.s, &st);
	if (root)
		setfsuid(0);
	cr_assert_eq(E.ncalls, 0, "a known process that turned unreadable is not gone");
	cr_assert_eq(st.unreadable, 2);
	/* an unreadable pid was seen: it is not a miss */
	cr_assert_eq(E.missed, 9);

	/* readable again: found */
	snprintf(path, sizeof(path), "%s/1005", E.root);
	cr_assert_eq(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/200", E.root);
	cr_assert_eq(chmod(path, 0755), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_not_null(find('d', 1005));
}

Test(scan, processes_vanishing_mid_scan)
{
	struct pt_scan_stats st;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(500, 8000, "a", "/bin/a", 1);
	add_proc(501, 8001, "b", "/bin/b", 1);
	/* 500 is read, then 501 goes before we reach it */
	E.remove_when = 500;
	E.remove_pid = 501;
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(count('d'), 1);
	cr_assert_not_null(find('d', 500));
	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.raced, 1);
	cr_assert_eq(st.unreadable, 0);
	reset_calls();

	/* a known process going between listing and reading is an exit */
	add_proc(600, 8002, "c", "/bin/c", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	reset_calls();
	add_proc(550, 8003, "d", "/bin/d", 1);
	E.remove_when = 550;
	E.remove_pid = 600;
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	cr_assert_not_null(find('d', 550));
	cr_assert_not_null(find('v', 600));
}

Test(scan, misses_across_pid_wrap)
{
	struct pt_scan_stats st;

	cr_assert_eq(fx_set_last_pid(E.root, 32760), 0);
	add_proc(1, 10, "init", "/sbin/init", 1);
	add_proc(100, 5000, "daemon", "/sbin/daemon", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 2);
	reset_calls();

	/* 57 pids handed out (32761..32767, 1..50); pid 1 was in use and
	 * skipped; 3 new processes seen: 53 missed */
	cr_assert_eq(fx_set_last_pid(E.root, 50), 0);
	add_proc(32765, 9000, "x", "/bin/x", 1);
	add_proc(10, 9001, "y", "/bin/y", 1);
	add_proc(40, 9002, "z", "/bin/z", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 3);
	cr_assert_eq(count('d'), 3);
	cr_assert_eq(E.nmissed, 1);
	cr_assert_eq(E.missed, 53);
	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.missed_est, 53);
	cr_assert_eq(st.last_pid, 50);

	/* nothing new: nothing missed */
	reset_calls();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.nmissed, 0);
}

Test(scan, snapshot_and_resync_report_no_misses)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1100), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_RESYNC), 0);
	cr_assert_eq(E.nmissed, 0);
	/* and the window restarts after it */
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.nmissed, 0);
}

Test(scan, threads_are_not_misses)
{
	add_proc(500, 5000, "srv", "/bin/srv", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	reset_calls();

	/* 10 pids: a new process with 2 threads (2 pids) and 2 new threads of 500 */
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(500, 5000, "srv", "/bin/srv", 3);
	add_proc(1005, 9000, "new", "/bin/new", 2);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(E.missed, 6);
}

Test(scan, snapshot_records_threads_synth_does_not)
{
	add_proc(700, 5000, "mt", "/bin/mt", 3);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	cr_assert_eq(pt_table_thread_tgid(E.t, 1000700), 700);
	cr_assert_eq(pt_table_thread_tgid(E.t, 2000700), 700);
	cr_assert_eq(pt_table_get_live(E.t, 700)->nthreads, 3);

	add_proc(800, 5001, "mt2", "/bin/mt2", 2);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(pt_table_thread_tgid(E.t, 1000800), 0);

	/* a resync drops the threads that ended */
	add_proc(700, 5000, "mt", "/bin/mt", 2);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_RESYNC), 0);
	cr_assert_eq(pt_table_thread_tgid(E.t, 1000700), 700);
	cr_assert_eq(pt_table_thread_tgid(E.t, 2000700), 0);
	cr_assert_eq(pt_table_thread_tgid(E.t, 1000800), 800);
}

/* Hooks that only count: the scanner itself must not change the table. */
static unsigned n_disc, n_thr;

static void c_discovered(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_image img,
			 enum pt_scan_kind kind, int64_t lo, int64_t hi)
{
	n_disc++;
	pt_proc_clear(info);
	free(info);
}

static void c_vanished(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
		       int64_t lo, int64_t hi)
{
}

static void c_threads(struct pt_monitor *m, pid_t pid, const pid_t *tids, size_t n)
{
	cr_assert_eq(pid, 700);
	cr_assert_eq(n, 3);
	n_thr++;
}

Test(scan, scanner_never_writes_the_table)
{
	const struct pt_scan_hooks counting = {
		.discovered = c_discovered,
		.vanished = c_vanished,
		.missed = h_missed,
		.raw = h_raw,
		.threads = c_threads,
		.table = h_table,
	};
	struct pt_table_stats ts;
	struct pt_proc *p;

	add_proc(600, 5000, "one", "/bin/one", 1);
	add_proc(700, 5000, "mt", "/bin/mt", 3);
	/* a record the table holds whose process is gone */
	p = pt_table_add(E.t, 650, 4000);
	cr_assert_not_null(p);
	E.s = pt_scanner_new(&E.fs, &counting);
	cr_assert_not_null(E.s);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 3);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_RESYNC), 3);
	cr_assert_eq(n_disc, 4, "both processes reported twice");
	cr_assert_eq(n_thr, 2, "the threads go to the core");
	pt_table_stats(E.t, &ts);
	cr_assert_eq(ts.alive, 1, "only the record the test added");
	cr_assert_eq(ts.threads, 0);
	cr_assert_eq(pt_table_get_live(E.t, 650), p, "a vanished record is the core's to close");
}

Test(scan, fast_scan_reads_only_new_pids)
{
	snapshot3();
	/* outside the window: a fast scan does not read known processes */
	add_proc(100, 5555, "other", "/bin/other", 1);
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "new", "/bin/new", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(E.ncalls, 1);
	cr_assert_str_eq(must_find('d', 1005)->argv0, "/bin/new");
	cr_assert_eq(E.nmissed, 0, "fast scans report misses at the next full scan");

	/* it notices the exits of the processes it found; the others wait */
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_eq(fx_remove(E.root, 300, NULL), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_not_null(find('v', 1005));
	cr_assert_null(find('v', 300));

	/* the full scan finds the reuse and the exit, and reports the 9 pids never seen */
	reset_calls();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 3);
	cr_assert_eq(E.calls[0].what, 'v');
	cr_assert_eq(E.calls[0].start, 5000);
	cr_assert_eq(E.calls[1].what, 'd');
	cr_assert_eq(E.calls[1].start, 5555);
	cr_assert_not_null(find('v', 300));
	cr_assert_eq(E.nmissed, 1);
	cr_assert_eq(E.missed, 9);
}

Test(scan, fast_scan_counts_what_it_read_past_the_counter_once)
{
	snapshot3();
	/* 1012 was born after the scan read the counter (1010) */
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "a", "/bin/a", 1);
	add_proc(1012, 9001, "b", "/bin/b", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	/* it belongs to the next window, and is gone by the next scan */
	cr_assert_eq(fx_remove(E.root, 1012, NULL), 0);
	cr_assert_eq(fx_set_last_pid(E.root, 1020), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_not_null(find('v', 1012));
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	/* 20 handed out, 1005 and 1012 seen */
	cr_assert_eq(E.missed, 18);
}

Test(scan, fast_scan_reads_a_reused_pid_in_the_window)
{
	cr_assert_eq(fx_set_last_pid(E.root, 32000), 0);
	add_proc(305, 5000, "old", "/bin/old", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	reset_calls();
	/* the counter wrapped past 305: it may have been handed out again */
	cr_assert_eq(fx_set_last_pid(E.root, 310), 0);
	add_proc(305, 9000, "new", "/bin/new", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(E.calls[0].what, 'v');
	cr_assert_eq(E.calls[1].what, 'd');
	cr_assert_eq(E.calls[1].start, 9000);
}

Test(scan, exec_of_a_known_process)
{
	snapshot3();
	/* comm, exe and argv changed: an exec */
	add_proc(200, 6000, "ls", "/bin/ls", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(E.ncalls, 1);
	cr_assert_eq(E.calls[0].what, 'r');
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	cr_assert_str_eq(E.calls[0].argv0, "/bin/ls");
	reset_calls();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);

	/* only the name changed (prctl PR_SET_NAME): a comm event */
	add_proc(200, 6000, "worker", "/bin/ls", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(E.calls[0].type, PT_EV_COMM);
	cr_assert_str_eq(E.calls[0].comm, "worker");

	struct pt_scan_stats st;

	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.execs, 2);
}

Test(scan, exec_after_discovery_before_exec)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	/* read between fork and exec: the parent's argv */
	add_proc(1005, 9000, "bash", "/bin/bash", 1);
	set_forknoexec(1005);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_str_eq(must_find('d', 1005)->argv0, "/bin/bash");
	reset_calls();

	/* still not exec'd: nothing */
	cr_assert_eq(pt_scan_new(M, E.s), 0);

	/* the exec happened (same comm would do: the flag says it) */
	add_proc(1005, 9000, "bash", "/bin/true", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(E.calls[0].what, 'r');
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	cr_assert_str_eq(E.calls[0].argv0, "/bin/true");
	reset_calls();
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.ncalls, 0);
}

/* ---- exec captures (the inotify tier's readers) ---- */

/* The core (a fast scan) reads pid 1005 between its fork and its exec. */
static void read_1005_before_exec(void)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "bash", "/bin/bash", 1);
	set_forknoexec(1005);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	reset_calls();
}

/* What a reader would hand over: the process as the fixture has it now. */
static struct pt_proc *capture_of(pid_t pid)
{
	struct pt_proc *info;
	uint64_t start = 0;

	cr_assert_eq(pt_scan_capture(&E.fs, pid, &start, &info), PT_CAPTURE_EXEC);
	cr_assert_not_null(info);
	return info;
}

/* A process the core never saw, pid 1005, and a reader's capture of its exec. */
static void capture_new_1005(void)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
}

Test(scan, capture_tells_where_the_exec_is)
{
	struct pt_proc *info = NULL;
	uint64_t start = 0;

	/* before its exec: read again later, its start learnt */
	add_proc(1005, 9000, "bash", "/bin/bash", 1);
	set_forknoexec(1005);
	cr_assert_eq(pt_scan_capture(&E.fs, 1005, &start, &info), PT_CAPTURE_WAIT);
	cr_assert_null(info);
	cr_assert_eq(start, 9000);

	/* exec'd: argv, comm and start */
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scan_capture(&E.fs, 1005, &start, &info), PT_CAPTURE_EXEC);
	cr_assert_not_null(info);
	cr_assert_str_eq(info->args, "/bin/true");
	cr_assert_str_eq(info->comm, "true");
	cr_assert_eq(info->start, 9000);
	cr_assert(pt_proc_has(info, PT_F_ARGV));
	pt_proc_clear(info);
	free(info);

	/* another process under the pid: not the one waited for */
	add_proc(1005, 9100, "true", "/bin/true", 1);
	cr_assert_eq(pt_scan_capture(&E.fs, 1005, &start, &info), PT_CAPTURE_GONE);
	cr_assert_null(info);

	/* in the middle of its exec (no argv yet): read again later */
	start = 0;
	add_child(1006, 100, 9200, "true", NULL, "/bin/true", 'S');
	cr_assert_eq(pt_scan_capture(&E.fs, 1006, &start, &info), PT_CAPTURE_WAIT);

	/* a zombie: nothing to add */
	start = 0;
	add_child(1007, 100, 9300, "true", NULL, NULL, 'Z');
	cr_assert_eq(pt_scan_capture(&E.fs, 1007, &start, &info), PT_CAPTURE_SKIP);
	cr_assert_null(info);

	/* no such process */
	start = 0;
	cr_assert_eq(pt_scan_capture(&E.fs, 1999, &start, &info), PT_CAPTURE_GONE);
	cr_assert_eq(fx_leaks(), 0);
}

/* A reader saw an exec the core never read: the process is gone by the time
 * the core looks, and the capture is all there is. */
Test(scan, capture_of_a_process_gone_is_a_fork_exec_and_exit)
{
	struct pt_scan_stats st;
	const struct call *d;

	capture_new_1005();
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_geq(pt_scan_new(M, E.s), 2);
	d = must_find('d', 1005);
	cr_assert_str_eq(d->argv0, "/bin/true");
	cr_assert_eq(d->start, 9000);
	cr_assert_eq(d->why[PT_F_CWD], PT_WHY_GONE, "what it did not read is gone");
	cr_assert_not_null(find('v', 1005), "its exit, found at once");
	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.captured, 1);

	/* counted as seen: one pid handed out, one seen, nothing missed */
	reset_calls();
	E.missed = 0;
	cr_assert_geq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.missed, 9, "the other 9 pids of (1000, 1010] were missed");
	cr_assert_eq(fx_leaks(), 0);
}

/* The core read it before its exec; the reader saw the exec; the process is
 * gone before the core reads it again: the exec has its argv all the same. */
Test(scan, capture_completes_an_exec_the_core_saw_begin)
{
	const struct call *r;

	read_1005_before_exec();

	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	r = must_find('r', 1005);
	cr_assert_eq(r->type, PT_EV_EXEC);
	cr_assert_str_eq(r->argv0, "/bin/true");
	cr_assert_eq(count_raw(PT_EV_EXEC), 1);
	cr_assert_eq(fx_leaks(), 0);
}

/* A capture of what the core knows already (the other reader's, or one the
 * core read itself) changes nothing. */
Test(scan, capture_of_a_known_image_is_dropped)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	reset_calls();
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(E.ncalls, 0);
	cr_assert_eq(fx_leaks(), 0);
}

/* The core read one image, the reader another: an exec in between. */
Test(scan, capture_of_another_image_is_an_exec)
{
	const struct call *r;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "sh", "/bin/sh", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	reset_calls();
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	r = must_find('r', 1005);
	cr_assert_eq(r->type, PT_EV_EXEC);
	cr_assert_str_eq(r->argv0, "/bin/true");
	cr_assert_eq(fx_leaks(), 0);
}

/* Two readers saw two execs of one process (sh -c 'exec x'), and the one that
 * saw the second handed over first: the execs are used in the order they were
 * seen, and the process is left with its last image. */
Test(scan, captures_are_used_in_the_order_they_were_seen)
{
	struct pt_proc *first, *second;
	int64_t t;
	const char *argv0[2];
	size_t n = 0;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "sh", "/bin/sh", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	reset_calls();
	add_proc(1005, 9000, "env", "/usr/bin/env", 1);
	first = capture_of(1005);
	add_proc(1005, 9000, "true", "/bin/true", 1);
	second = capture_of(1005);
	t = pt_now_us();
	cr_assert_eq(pt_scanner_add_capture(E.s, second, t + 20), 0);
	cr_assert_eq(pt_scanner_add_capture(E.s, first, t + 10), 0);
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	for (size_t i = 0; i < E.ncalls; i++)
		if (E.calls[i].what == 'r' && E.calls[i].type == PT_EV_EXEC && n < 2)
			argv0[n++] = E.calls[i].argv0;
	cr_assert_eq(n, 2, "both execs reported");
	cr_assert_str_eq(argv0[0], "/usr/bin/env");
	cr_assert_str_eq(argv0[1], "/bin/true", "the last image is the last one seen");
	cr_assert_eq(fx_leaks(), 0);
}

/* A full scan that starts with a capture still keeps its thread counts in
 * pid order: the next one sees the new threads of an older process. */
Test(scan, capture_in_a_full_scan_keeps_thread_counts)
{
	capture_new_1005();
	cr_assert_geq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(count('d'), 1);
	E.missed = 0;
	/* two pids handed out, both threads of init */
	add_proc(100, 5000, "init", "/sbin/init", 3);
	cr_assert_eq(fx_set_last_pid(E.root, 1012), 0);
	cr_assert_geq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(E.missed, 0, "init's 2 new threads taken for %llu misses",
		     (unsigned long long)E.missed);
	cr_assert_eq(fx_leaks(), 0);
}

/* Still there when the core looks: read as any new process, once. */
Test(scan, capture_of_a_live_process_is_read_once)
{
	capture_new_1005();
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(count('d'), 1);
	cr_assert_str_eq(must_find('d', 1005)->exe, "/bin/true");
	cr_assert_eq(must_find('d', 1005)->src[PT_F_CWD], PT_SRC_PROC, "read now, all of it");
	cr_assert_eq(fx_leaks(), 0);
}

/* The index of the first call of a kind for pid; fails the test if none. */
static size_t index_of(char what, pid_t pid)
{
	return (size_t)(must_find(what, pid) - E.calls);
}

/*
 * A child found before its parent, which the table does not hold, has its
 * parent read and reported first: watch -- CMD follows a child whose fork
 * names a followed parent. One reader can see a child's exec before another
 * sees its parent's.
 */
Test(scan, capture_of_a_child_before_its_parent_reports_the_parent_first)
{
	struct pt_scan_stats st;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, 9000, "sh", "sh", "/bin/sh", 'S');
	add_child(1007, 1005, 9001, "sleep", "sleep", "/bin/sleep", 'S');
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1007), pt_now_us()), 0);
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(count('d'), 2, "each found once");
	cr_assert_lt(index_of('d', 1005), index_of('d', 1007), "the parent after its child");
	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.parents_first, 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0, "nothing left to find");
	cr_assert_eq(E.missed, 8, "10 pids handed out, 2 seen once each: %llu missed",
		     (unsigned long long)E.missed);
	cr_assert_eq(fx_leaks(), 0);
}

/* The same when a capture holds all there is: the child is gone. */
Test(scan, capture_of_a_child_gone_reports_its_parent_first)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, 9000, "sh", "sh", "/bin/sh", 'S');
	add_child(1007, 1005, 9001, "true", "true", "/bin/true", 'S');
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1007), pt_now_us()), 0);
	cr_assert_eq(fx_remove(E.root, 1007, NULL), 0);
	cr_assert_geq(pt_scan_new(M, E.s), 2);
	cr_assert_lt(index_of('d', 1005), index_of('d', 1007));
	cr_assert_eq(fx_leaks(), 0);
}

/* After the pids wrapped, the listing's pid order puts a child before its
 * parent: in a full scan, and in a fast scan that lists all of /proc. */
Test(scan, scans_across_pid_wrap_report_the_parent_first)
{
	cr_assert_eq(fx_set_last_pid(E.root, 32700), 0);
	add_proc(100, 5000, "init", "/sbin/init", 1);
	new_scanner();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	reset_calls();
	cr_assert_eq(fx_set_last_pid(E.root, 310), 0);
	add_child(32710, 100, 9000, "sh", "sh", "/bin/sh", 'S');
	add_child(305, 32710, 9001, "sleep", "sleep", "/bin/sleep", 'S');
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	cr_assert_eq(count('d'), 2);
	cr_assert_lt(index_of('d', 32710), index_of('d', 305));

	reset_calls();
	cr_assert_eq(fx_set_last_pid(E.root, 32720), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	cr_assert_eq(fx_set_last_pid(E.root, 320), 0);
	add_child(32730, 100, 9100, "sh", "sh", "/bin/sh", 'S');
	add_child(315, 32730, 9101, "sleep", "sleep", "/bin/sleep", 'S');
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(count('d'), 2);
	cr_assert_lt(index_of('d', 32730), index_of('d', 315));
	cr_assert_eq(fx_leaks(), 0);
}

/* A parent gone, or a younger process under its pid, is left to the listing. */
Test(scan, a_parent_gone_or_younger_than_its_child_is_left_to_the_listing)
{
	struct pt_scan_stats st;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1007, 1005, 9001, "sleep", "sleep", "/bin/sleep", 'S');
	add_child(1008, 1008, 9002, "odd", "odd", "/bin/odd", 'S');
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(count('d'), 2);
	cr_assert_null(find('d', 1005));

	/* the pid 1012 names as its parent is a younger process now: found in its turn */
	cr_assert_eq(fx_set_last_pid(E.root, 1020), 0);
	add_child(1012, 1015, 9003, "sleep", "sleep", "/bin/sleep", 'S');
	add_child(1015, 200, 9010, "young", "young", "/bin/young", 'S');
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1012), pt_now_us()), 0);
	reset_calls();
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_lt(index_of('d', 1012), index_of('d', 1015));
	pt_scanner_stats(E.s, &st);
	cr_assert_eq(st.parents_first, 0);
	cr_assert_eq(fx_leaks(), 0);
}

Test(scan, last_pid_of_a_loadavg_line)
{
	pid_t last = 0;

	cr_assert_eq(pt_parse_last_pid("0.00 0.01 0.05 1/123 4567\n", &last), 0);
	cr_assert_eq(last, 4567);
	cr_assert_eq(pt_parse_last_pid("0.00 0.01 0.05 1/123 x", &last), -EINVAL);
	cr_assert_eq(pt_parse_last_pid("nothing", &last), -EINVAL);
	cr_assert_eq(pt_parse_last_pid("0.00 0.01 0.05 1/123 99999999999", &last), -EINVAL);
	cr_assert_eq(last, 4567);
}

static int collect_pids(pid_t pid, void *data)
{
	pid_t *v = data;

	v[++v[0]] = pid;
	return v[0] == 7;
}

Test(scan, pid_seek_works_on_procfs_only)
{
	struct pt_pidseek ps = {.dir_fd = -1};
	pid_t v[8] = {0};
	int root = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* a fixture directory keeps no pid order in its offsets */
	add_proc(100, 5000, "init", "/sbin/init", 1);
	add_proc(200, 6000, "bash", "/bin/bash", 1);
	cr_assert_eq(pt_pidseek_open(&ps, E.fs.root_fd), -EOPNOTSUPP);
	cr_assert_eq(ps.dir_fd, -1);

	cr_assert_geq(root, 0);
	if (pt_pidseek_open(&ps, root) < 0) {
		close(root);
		cr_skip_test("/proc lists too few processes to learn its offsets");
	}
	/* from our own pid: ourselves first, never a thread, in order */
	cr_assert_eq(pt_pidseek_each(&ps, getpid(), INT_MAX, collect_pids, v), 0);
	cr_assert_geq(v[0], 1);
	cr_assert_eq(v[1], getpid());
	for (pid_t i = 2; i <= v[0]; i++)
		cr_assert_gt(v[i], v[i - 1]);
	v[0] = 0;
	cr_assert_eq(pt_pidseek_each(&ps, getpid(), getpid(), collect_pids, v), 0);
	cr_assert_eq(v[0], 1);
	pt_pidseek_close(&ps);
	cr_assert_eq(ps.dir_fd, -1);
	close(root);
}

Test(scan, snapshot_emits_no_exec)
{
	snapshot3();
	pt_scanner_free(E.s);
	new_scanner();
	/* the table says bash, /proc says ls: a snapshot only fills */
	add_proc(200, 6000, "ls", "/bin/ls", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 0);
	cr_assert_eq(E.ncalls, 0);
}

Test(scan, empty_root_vanishes_everything)
{
	snapshot3();
	cr_assert_eq(fx_remove(E.root, 100, NULL), 0);
	cr_assert_eq(fx_remove(E.root, 200, NULL), 0);
	cr_assert_eq(fx_remove(E.root, 300, NULL), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 3);
	cr_assert_eq(count('v'), 3);
}

/* A child read mid-exec shows no argv yet; the next scan reads it again. */
Test(scan, exec_caught_without_argv_is_read_again)
{
	struct fx_proc p = {
		.pid = 1005,
		.ppid = 1,
		.comm = "true",
		.start = 9000,
		.exe = "/bin/true",
	};

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	cr_assert_eq(fx_add_proc(E.root, &p), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	/* its parent unknown: an empty argv, not its own */
	cr_assert_str_eq(must_find('d', 1005)->argv0, "");
	cr_assert_eq(must_find('d', 1005)->src[PT_F_ARGV], PT_SRC_INHERITED);
	reset_calls();
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	cr_assert_str_eq(E.calls[0].argv0, "/bin/true");
}

/* Past the point of no return, before the new argv is set up: wait for it. */
static void half_done_exec(void)
{
	struct fx_proc p = {
		.pid = 1005,
		.ppid = 1,
		.comm = "true",
		.start = 9000,
		.exe = "/bin/true",
	};

	read_1005_before_exec();
	cr_assert_eq(fx_add_proc(E.root, &p), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(E.ncalls, 0);
}

Test(scan, exec_seen_half_done_waits_for_argv)
{
	half_done_exec();
	add_proc(1005, 9000, "true", "/bin/true", 1);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(E.ncalls, 1);
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	cr_assert_str_eq(E.calls[0].argv0, "/bin/true");
}

Test(scan, exec_seen_half_done_is_reported_before_the_exit)
{
	half_done_exec();
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(E.ncalls, 2);
	cr_assert_eq(E.calls[0].what, 'r');
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	cr_assert_str_eq(E.calls[0].comm, "true");
	cr_assert_eq(E.calls[1].what, 'v');
}

/* ---- windows: they start at the last scan that looked at the process ---- */

/* Fast scans do not look at old processes: an exit or an exec a full scan
 * finds may predate them, but not the previous full scan. */
Test(scan, full_scan_windows_start_at_the_previous_full_scan)
{
	int64_t before, after, gone;
	const struct call *c;

	before = pt_now_us();
	snapshot3();
	after = pt_now_us();
	usleep(2000);
	cr_assert_eq(fx_remove(E.root, 300, NULL), 0);
	add_proc(200, 6000, "ls", "/bin/ls", 1);
	gone = pt_now_us();
	usleep(2000);
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(E.ncalls, 0);
	usleep(2000);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);

	c = must_find('v', 300);
	cr_assert_geq(c->lo, before);
	cr_assert_leq(c->lo, after, "the exit window starts after the exit (at a fast scan)");
	cr_assert_geq(c->hi, gone);
	c = must_find('r', 200);
	cr_assert_eq(c->type, PT_EV_EXEC);
	cr_assert_geq(c->lo, before);
	cr_assert_leq(c->lo, after, "the exec window starts after the exec (at a fast scan)");
	cr_assert_geq(c->hi, gone);
}

/* A process a fast scan found is watched for a while; past that, and for an
 * exec it was waiting for past PENDING_FAST_US, only a full scan looks. */
Test(scan, windows_of_processes_fast_scans_stopped_watching)
{
	uint64_t start = now_ticks();
	int64_t t_snap, t0, changed_us;
	const struct call *c;

	t_snap = pt_now_us();
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, start, "a", "/bin/a", "/bin/a", 'S');
	add_child(1006, 200, start, "bash", "bash\0-c", "/bin/bash", 'S');
	set_forknoexec(1006);
	t0 = pt_now_us();
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	reset_calls();
	usleep(2000);
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	usleep(1100000);

	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	add_child(1006, 200, start, "true", "/bin/true", "/bin/true", 'S');
	changed_us = pt_now_us();
	usleep(2000);
	cr_assert_eq(pt_scan_new(M, E.s), 0, "fast scans no longer look at them");
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	c = must_find('v', 1005);
	cr_assert_geq(c->lo, t_snap);
	cr_assert_leq(c->lo, changed_us);
	c = must_find('r', 1006);
	cr_assert_eq(c->type, PT_EV_EXEC);
	cr_assert_str_eq(c->argv0, "/bin/true");
	cr_assert_geq(c->lo, t0);
	cr_assert_leq(c->lo, changed_us);
	cr_assert_geq(c->hi, changed_us);
}

/* The fork: after the last scan if the pid is new since, else after the last
 * full scan, or its start time if it is older than that. */
Test(scan, fork_windows)
{
	int64_t t_snap, t_fast, t_read, t_old;
	const struct call *c;

	t_snap = pt_now_us();
	snapshot3();
	usleep(2000);
	t_fast = pt_now_us();
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	usleep(2000);

	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, now_ticks(), "a", "/bin/a", "/bin/a", 'S');
	t_read = pt_now_us();
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	c = must_find('d', 1005);
	cr_assert_geq(c->lo, t_fast);
	cr_assert_leq(c->lo, t_read);
	cr_assert_geq(c->hi, t_read);

	/* below the window: it could have been there at any scan since the full one */
	add_child(150, 200, now_ticks(), "b", "/bin/b", "/bin/b", 'S');
	/* and one long gone from every listing (unreadable, say): 90 s after boot */
	add_child(160, 200, 9000, "c", "/bin/c", "/bin/c", 'S');
	t_old = pt_ticks_to_us(9000, E.fs.clk_tck, pt_boot_epoch_us());
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	c = must_find('d', 150);
	cr_assert_geq(c->lo, t_snap);
	cr_assert_leq(c->lo, t_fast, "the fork window starts at a fast scan that never listed it");
	c = must_find('d', 160);
	cr_assert_leq(c->lo, t_old + 10000);
}

/* A known process gone between the listing and its reading: after the listing. */
Test(scan, exit_window_ends_after_the_read)
{
	const struct call *c;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(600, 8002, "c", "/bin/c", 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	reset_calls();
	add_proc(550, 8003, "d", "/bin/d", 1);
	E.remove_when = 550;
	E.remove_pid = 600;
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 2);
	c = must_find('v', 600);
	cr_assert_geq(c->hi, E.removed_us, "the window ends before the exit");
	cr_assert_leq(c->lo, c->hi);
}

/* ---- processes read before or in the middle of their exec ---- */

/* Read mid-exec (live, argv empty): the fork with the parent's image, marked
 * inherited so that the core reports no exec; the exec once, when its argv is
 * there. */
Test(scan, mid_exec_is_a_fork_then_one_exec)
{
	uint64_t start = now_ticks();
	int64_t t0, t1;
	const struct call *c;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, start, "true", NULL, "/bin/true", 'S');
	t0 = pt_now_us();
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	t1 = pt_now_us();
	cr_assert_eq(E.ncalls, 1);
	assert_inherited(must_find('d', 1005), "/bin/bash", "/bin/bash", "bash");
	reset_calls();

	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
	add_child(1005, 200, start, "true", "/bin/true", "/bin/true", 'S');
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(count_raw(PT_EV_EXEC), 1);
	c = must_find('r', 1005);
	cr_assert_str_eq(c->argv0, "/bin/true");
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_PROC);
	/* it began before we read it */
	cr_assert_leq(c->lo, t0);
	cr_assert_leq(c->hi, t1);
	reset_calls();
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
}

/* Read mid-exec, gone before its argv was there: one exec, the argv missing
 * with the reason, then the exit. */
Test(scan, mid_exec_then_gone_is_one_exec_without_argv)
{
	uint64_t start = now_ticks();
	const struct call *c;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, start, "true", NULL, "/bin/true", 'S');
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	reset_calls();
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	cr_assert_eq(E.calls[0].what, 'r');
	cr_assert_eq(E.calls[0].type, PT_EV_EXEC);
	c = &E.calls[0];
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_NONE);
	cr_assert_eq(c->why[PT_F_ARGV], PT_WHY_GONE);
	cr_assert_str_eq(c->exe, "/bin/true", "the exe was the new one when read");
	cr_assert_eq(E.calls[1].what, 'v');
	reset_calls();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
}

/* Read mid-exec as a zombie after all: the exec with what its zombie shows. */
Test(scan, mid_exec_then_zombie_is_one_exec_without_argv)
{
	uint64_t start = now_ticks();
	const struct call *c;

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, start, "bash", NULL, "/bin/true", 'S');
	set_forknoexec(1005);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	assert_inherited(must_find('d', 1005), "/bin/bash", "/bin/bash", "bash");
	reset_calls();
	add_child(1005, 200, start, "true", NULL, NULL, 'Z');
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	c = must_find('r', 1005);
	cr_assert_eq(c->type, PT_EV_EXEC);
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_NONE);
	cr_assert_eq(c->why[PT_F_ARGV], PT_WHY_ZOMBIE);
	cr_assert_str_eq(c->comm, "true");
	cr_assert_str_eq(c->exe, "/bin/true", "the exe read mid-exec, gone from the zombie");
}

/* Another user's process mid-exec: the exe does not read either, and procfs
 * calls the argv a zombie's; stat says it is alive. */
Test(scan, mid_exec_without_exe_is_not_a_zombie)
{
	uint64_t start = now_ticks();

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	/* what procfs makes of an exe it cannot read: neither known nor gone */
	add_child(1005, 200, start, "true", NULL, "/bin/true", 'S');
	cr_assert_eq(fx_remove(E.root, 1005, "exe"), 0);
	cr_assert_eq(fx_write(E.root, 1005, "exe", "", 0), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	assert_inherited(must_find('d', 1005), "/bin/bash", "/bin/bash", "bash");
	reset_calls();
	cr_assert_eq(pt_scan_new(M, E.s), 0);
	add_child(1005, 200, start, "true", "/bin/true", NULL, 'S');
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(count_raw(PT_EV_EXEC), 1);
	cr_assert_str_eq(must_find('r', 1005)->argv0, "/bin/true");
	reset_calls();
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0);
}

/* Seen before its exec and gone before the next scan: we cannot know it
 * exec'd; its record says the image is its parent's. */
Test(scan, child_seen_before_exec_keeps_its_inherited_image)
{
	uint64_t start = now_ticks();

	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, start, "bash", "/bin/bash\0-x", "/bin/bash", 'S');
	set_forknoexec(1005);
	/* and one that exited before we read it, its argv gone with its mm */
	add_child(1006, 200, start, "bash", NULL, NULL, 'Z');
	set_forknoexec(1006);
	cr_assert_eq(pt_scan_new(M, E.s), 2);
	assert_inherited(must_find('d', 1005), "/bin/bash", "/bin/bash", "bash");
	assert_inherited(must_find('d', 1006), "/bin/bash", "/bin/bash", "bash");
	reset_calls();
	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	cr_assert_eq(fx_remove(E.root, 1006, NULL), 0);
	/* a zombie is not watched by fast scans: the full one finds it gone */
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 1);
	cr_assert_eq(count('v'), 2);
	cr_assert_eq(count('r'), 0);
	for (size_t i = 0; i < E.ncalls; i++)
		assert_inherited(&E.calls[i], "/bin/bash", "/bin/bash", "bash");
}

/* Seen half done, then killed before its argv was set up (a failed exec):
 * the exec without an argv, not with an empty one. */
Test(scan, exec_seen_half_done_then_zombie_has_no_argv)
{
	const struct call *c;

	half_done_exec();
	add_child(1005, 1, 9000, "true", NULL, NULL, 'Z');
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	c = must_find('r', 1005);
	cr_assert_eq(c->type, PT_EV_EXEC);
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_NONE);
	cr_assert_eq(c->why[PT_F_ARGV], PT_WHY_ZOMBIE);
	cr_assert_str_eq(c->exe, "/bin/true");
}

/* On the real /proc a fast scan reads the new pids before listing the rest. */
Test(scan, fast_scan_on_real_proc)
{
	struct pt_procfs fs;
	struct pt_scan_stats st;
	const struct call *c;
	char path[64], buf[64];
	pid_t child;

	cr_assert_eq(pt_procfs_open(&fs, "/proc", 4096), 0);
	E.s = pt_scanner_new(&fs, &hooks);
	cr_assert_not_null(E.s);
	cr_assert_geq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	reset_calls();

	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		execl("/bin/sleep", "/bin/sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* wait for the exec to be complete */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)child);
	for (int i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > 0 && strncmp(buf, "/bin/sleep", n) == 0)
			break;
		usleep(2000);
	}
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	c = must_find('d', child);
	cr_assert_str_eq(c->argv0, "/bin/sleep");
	pt_scanner_stats(E.s, &st);
	cr_assert_geq(st.early, 1, "the new pid was not read ahead of the listing");

	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, NULL, 0), child);
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	cr_assert_not_null(find('v', child));
	pt_scanner_free(E.s);
	E.s = NULL;
	pt_procfs_close(&fs);
}

/* A child that never execs: fork and exit, its image its parent's, marked so. */
Test(scan, child_without_exec_on_real_proc)
{
	struct pt_procfs fs;
	const struct call *c;
	char self[64];
	pid_t child;
	int fd;
	ssize_t n;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	n = read(fd, self, sizeof(self) - 1);
	close(fd);
	cr_assert_gt(n, 0);
	self[n] = '\0';

	cr_assert_eq(pt_procfs_open(&fs, "/proc", 4096), 0);
	E.s = pt_scanner_new(&fs, &hooks);
	cr_assert_not_null(E.s);
	cr_assert_geq(pt_scan(M, E.s, PT_SCAN_SNAPSHOT), 1);
	reset_calls();

	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	c = must_find('d', child);
	cr_assert_eq(c->src[PT_F_ARGV], PT_SRC_INHERITED);
	cr_assert_eq(c->src[PT_F_COMM], PT_SRC_INHERITED);
	cr_assert_str_eq(c->argv0, self);

	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, NULL, 0), child);
	cr_assert_geq(pt_scan_new(M, E.s), 1);
	cr_assert_not_null(find('v', child));
	for (size_t i = 0; i < E.ncalls; i++)
		cr_assert(E.calls[i].what != 'r' || E.calls[i].pid != child,
			  "an exec it never did");
	pt_scanner_free(E.s);
	E.s = NULL;
	pt_procfs_close(&fs);
}

/* ---- probing ---- */

static char *write_tmp(const char *content)
{
	char *path = strdup("/tmp/pt-test-scan-XXXXXX");
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

Test(scan, hidepid_from_mountinfo)
{
	static const struct {
		const char *line;
		int want;
	} cases[] = {
		{"22 28 0:21 / /proc rw,nosuid shared:12 - proc proc rw,hidepid=invisible\n", 2},
		{"22 28 0:21 / /proc rw - proc proc rw,hidepid=2,gid=4\n", 2},
		{"22 28 0:21 / /proc rw - proc proc rw,hidepid=noaccess\n", 1},
		{"22 28 0:21 / /proc rw master:1 shared:2 - proc proc rw,hidepid=ptraceable\n", 4},
		{"22 28 0:21 / /proc rw - proc proc rw\n", 0},
		{"22 28 0:21 / /proc rw - tmpfs tmpfs rw,hidepid=2\n", -ENOENT},
		{"22 28 0:21 / /other rw - proc proc rw,hidepid=2\n", -ENOENT},
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(cases); i++) {
		char *path = write_tmp(cases[i].line);

		cr_assert_eq(pt_proc_hidepid(path, "/proc"), cases[i].want, "%s", cases[i].line);
		unlink(path);
		free(path);
	}
	cr_assert_lt(pt_proc_hidepid("/nonexistent/mountinfo", "/proc"), 0);
}

Test(scan, probe_a_proc_root)
{
	char why[256];
	char *empty;

	snapshot3();
	cr_assert_eq(pt_scan_probe(E.root, why, sizeof(why)), 0);
	cr_assert_str_eq(why, "");
	cr_assert_eq(pt_scan_probe("/proc", why, sizeof(why)), 0);

	empty = fx_root_new();
	cr_assert_eq(pt_scan_probe(empty, why, sizeof(why)), -ENOENT);
	cr_assert_neq(why[0], '\0');
	fx_root_free(empty);
	cr_assert_lt(pt_scan_probe("/nonexistent", why, sizeof(why)), 0);
}

/* ---- the inotify tier's directories ---- */

static void mkdirs(const char *base, const char *const *names)
{
	char path[PATH_MAX];

	for (; *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", base, *names);
		cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
	}
}

static void put(const char *base, const char *name, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	f = fopen(path, "we");
	cr_assert_not_null(f);
	fputs(content, f);
	fclose(f);
}

static bool has_dir(const struct pt_watch_dirs *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->path[i], path) == 0)
			return true;
	return false;
}

Test(scan, watch_dirs_from_path_and_ldconf)
{
	char *base = fx_root_new(), list[2048], path[PATH_MAX], conf[PATH_MAX + 64];
	struct pt_watch_dirs d;

	mkdirs(base, (const char *const[]){"a", "b", "lib1", "lib2", "lib3", "conf.d", NULL});
	snprintf(path, sizeof(path), "%s/c", base);
	cr_assert_eq(symlink("a", path), 0);

	/* PATH: empty and relative entries skipped, the symlink and the repeat deduplicated */
	pt_watch_dirs_init(&d);
	snprintf(list, sizeof(list), "%s/a:%s/b::relative:%s/c:/nonexistent:%s/a", base, base, base,
		 base);
	cr_assert_eq(pt_watch_dirs_add_list(&d, list), 0);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.dups, 2);
	snprintf(path, sizeof(path), "%s/a", base);
	cr_assert(has_dir(&d, path));

	/* ld.so.conf: comments, a relative include glob, several per line, a loop */
	snprintf(conf, sizeof(conf), "# libs\ninclude conf.d/*.conf\n%s/lib1\n", base);
	put(base, "ld.so.conf", conf);
	snprintf(conf, sizeof(conf), "%s/lib2 %s/lib3 # trailing\n%s/a\n", base, base, base);
	put(base, "conf.d/x.conf", conf);
	put(base, "conf.d/loop.conf", "include ../ld.so.conf\n");
	put(base, "conf.d/ignored.txt", "/nonexistent\n");
	snprintf(path, sizeof(path), "%s/ld.so.conf", base);
	cr_assert_eq(pt_watch_dirs_add_ldconf(&d, path), 0);
	cr_assert_eq(d.n, 5);
	for (const char *const *n = (const char *const[]){"lib1", "lib2", "lib3", NULL}; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s", base, *n);
		cr_assert(has_dir(&d, path), "%s missing", path);
	}
	pt_watch_dirs_free(&d);
	fx_root_free(base);
}

Test(scan, default_watch_dirs)
{
	struct pt_watch_dirs d;
	struct stat a, b;
	const char *extra[] = {"/tmp", NULL};

	pt_watch_dirs_init(&d);
	cr_assert_eq(pt_watch_dirs_default(&d, "/usr/bin:/bin:relative", extra), 0);
	cr_assert(has_dir(&d, "/etc"));
	cr_assert(has_dir(&d, "/usr/bin"));
	cr_assert(has_dir(&d, "/tmp"));
	for (size_t i = 0; i < d.n; i++)
		for (size_t j = i + 1; j < d.n; j++)
			cr_assert(d.dev[i] != d.dev[j] || d.ino[i] != d.ino[j], "%s = %s",
				  d.path[i], d.path[j]);
	/* merged /usr: /bin is /usr/bin */
	if (stat("/bin", &a) == 0 && stat("/usr/bin", &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		cr_assert_geq(d.dups, 1);
	pt_watch_dirs_free(&d);
}

/* ---- the tiers, through a real monitor on a fixture root ---- */

struct seen {
	unsigned fork, exec, exit, lost;
	uint64_t lost_count;
	bool estimated, synthesized;
	char argv0[64];
	pid_t pid;
};

static void on_event(const struct pt_event *ev, void *data)
{
	struct seen *s = data;

	if (ev->type == PT_EV_LOST) {
		s->lost++;
		s->lost_count += ev->u.lost.count;
		s->estimated = ev->u.lost.estimated;
		return;
	}
	if (ev->pid != s->pid)
		return;
	s->synthesized = ev->synthesized;
	if (ev->type == PT_EV_FORK)
		s->fork++;
	if (ev->type == PT_EV_EXIT)
		s->exit++;
	if (ev->type == PT_EV_EXEC) {
		s->exec++;
		if (ev->proc && ev->proc->args)
			snprintf(s->argv0, sizeof(s->argv0), "%s", ev->proc->args);
	}
}

static void run_until(struct pt_monitor *m, const unsigned *counter, unsigned want,
		      void (*poke)(void))
{
	int64_t end = pt_mono_us() + 3000000;

	while (*counter < want && pt_mono_us() < end) {
		if (poke)
			poke();
		cr_assert_geq(pt_monitor_run(m, 20), 0);
	}
}

static char *watched;

static void touch_watched(void)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/file", watched);
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
}

static struct pt_monitor *open_tier(enum pt_tier tier, unsigned interval_ms, struct seen *seen)
{
	const char *dirs[] = {watched, NULL};
	struct pt_monitor *m;
	struct pt_options o;
	static const char *const *keep;

	pt_options_init(&o);
	o.tier = tier;
	o.proc_root = E.root;
	o.poll_interval_ms = interval_ms;
	keep = dirs;
	o.watch_dirs = keep;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	cr_assert_eq(pt_monitor_tier(m), tier);
	cr_assert_eq(pt_monitor_subscribe(m, on_event, seen), 0);
	return m;
}

Test(scan, inotify_open_triggers_a_fast_scan)
{
	struct seen seen = {.pid = 1005};
	struct pt_monitor *m;

	add_proc(100, 5000, "init", "/sbin/init", 1);
	watched = fx_root_new();
	/* no periodic scan in this test: only the watch can find it */
	m = open_tier(PT_TIER_INOTIFY, 600000, &seen);
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_proc(1005, 9000, "new", "/bin/new", 1);
	run_until(m, &seen.exec, 1, touch_watched);
	cr_assert_eq(seen.fork, 1);
	cr_assert_eq(seen.exec, 1);
	cr_assert(seen.synthesized);
	cr_assert_str_eq(seen.argv0, "/bin/new");

	cr_assert_eq(fx_remove(E.root, 1005, NULL), 0);
	run_until(m, &seen.exit, 1, touch_watched);
	cr_assert_eq(seen.exit, 1);
	pt_monitor_close(m);
	fx_root_free(watched);
}

Test(scan, poll_scans_on_its_interval_and_estimates_losses)
{
	struct seen seen = {.pid = 1050};
	struct pt_monitor *m;
	int64_t t0;

	add_proc(100, 5000, "init", "/sbin/init", 1);
	m = open_tier(PT_TIER_POLL, 20, &seen);
	/* 100 pids handed out, one process to show for it */
	cr_assert_eq(fx_set_last_pid(E.root, 1100), 0);
	add_proc(1050, 9000, "new", "/bin/new", 1);
	t0 = pt_mono_us();
	run_until(m, &seen.exec, 1, NULL);
	cr_assert_eq(seen.exec, 1);
	cr_assert_lt(pt_mono_us() - t0, 1000000);
	cr_assert_str_eq(seen.argv0, "/bin/new");
	cr_assert_eq(seen.lost, 1);
	cr_assert_eq(seen.lost_count, 99);
	cr_assert(seen.estimated);

	cr_assert_eq(fx_remove(E.root, 1050, NULL), 0);
	run_until(m, &seen.exit, 1, NULL);
	cr_assert_eq(seen.exit, 1);
	pt_monitor_close(m);
}

static void run_for(struct pt_monitor *m, int ms)
{
	int64_t end = pt_mono_us() + ms * 1000;

	while (pt_mono_us() < end)
		cr_assert_geq(pt_monitor_run(m, 20), 0);
}

/* Through the core: a process read mid-exec is a fork, then one exec, and
 * the counts say so. */
Test(scan, poll_mid_exec_is_a_fork_then_one_exec)
{
	struct seen seen = {.pid = 1050};
	uint64_t start = now_ticks();
	struct pt_monitor *m;
	struct pt_status st;

	add_proc(100, 5000, "init", "/sbin/init", 1);
	m = open_tier(PT_TIER_POLL, 20, &seen);
	cr_assert_eq(fx_set_last_pid(E.root, 1100), 0);
	add_child(1050, 100, start, "true", NULL, "/bin/true", 'S');
	run_until(m, &seen.fork, 1, NULL);
	run_for(m, 100);
	cr_assert_eq(seen.fork, 1);
	cr_assert_eq(seen.exec, 0, "an exec with an empty argv");

	add_child(1050, 100, start, "true", "/bin/true", "/bin/true", 'S');
	run_until(m, &seen.exec, 1, NULL);
	run_for(m, 100);
	cr_assert_eq(seen.exec, 1);
	cr_assert_str_eq(seen.argv0, "/bin/true");
	cr_assert_eq(pt_monitor_status(m, &st), 0);
	cr_assert_eq(st.exec_total, 1);
	cr_assert_eq(st.exec_args_ok, 1);
	pt_monitor_close(m);
}

Test(scan, probes)
{
	char why[512];
	struct pt_options o;

	pt_options_init(&o);
	cr_assert_eq(pt_source_poll.probe(&o, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pt_source_inotify.probe(&o, why, sizeof(why)), 0, "%s", why);
	o.proc_root = "/nonexistent";
	cr_assert_lt(pt_source_poll.probe(&o, why, sizeof(why)), 0);
	cr_assert_neq(why[0], '\0');
	cr_assert_lt(pt_source_inotify.probe(&o, why, sizeof(why)), 0);
}
/* The full scan after a fast one counts as seen, in the window before its own,
 * only what the fast scan did not find: an estimate of misses is not halved. */
Test(scan, full_scan_does_not_count_again_what_a_fast_scan_found)
{
	snapshot3();
	cr_assert_eq(fx_set_last_pid(E.root, 1010), 0);
	add_child(1005, 200, 9000, "sh", "sh", "/bin/sh", 'S');
	cr_assert_eq(pt_scanner_add_capture(E.s, capture_of(1005), pt_now_us()), 0);
	cr_assert_eq(pt_scan_new(M, E.s), 1);
	cr_assert_eq(pt_scan(M, E.s, PT_SCAN_SYNTH), 0, "nothing left to find");
	cr_assert_eq(E.missed, 9, "%llu missed", (unsigned long long)E.missed);
}
