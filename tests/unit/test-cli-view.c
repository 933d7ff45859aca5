/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * watch's text views (cli-output.c, cli-fit.c): --time formats, the --color
 * decision and codes, --tree depths from the table's lineage, --compact; probe's
 * fidelity per tier and its one command (cli-privs.c).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/cli.h"
#include "fixture.h"
#include "internal.h"

/* 2025-12-02T13:03:07.123456Z */
#define T_US 1764680587123456LL

static void expect_time(enum cli_time fmt, int64_t us, int64_t t0, const char *want)
{
	char buf[64];

	cli_fmt_time(buf, sizeof(buf), fmt, us, t0);
	cr_expect_str_eq(buf, want, "format %d", (int)fmt);
}

Test(time, formats_east_of_utc)
{
	setenv("TZ", "ABC-01:30", 1); /* POSIX TZ: 1h30 east, no tzdata needed */
	tzset();
	expect_time(CLI_TIME_LOCAL, T_US, 0, "14:33:07.123456");
	expect_time(CLI_TIME_UTC, T_US, 0, "13:03:07.123456Z");
	expect_time(CLI_TIME_ISO, T_US, 0, "2025-12-02T14:33:07.123456+01:30");
	expect_time(CLI_TIME_EPOCH, T_US, 0, "1764680587.123456");
	expect_time(CLI_TIME_RELATIVE, T_US, T_US - 3141593, "3.141593");
	expect_time(CLI_TIME_RELATIVE, T_US, T_US, "0.000000");
	/* an event from before watch was ready (the first scan) */
	expect_time(CLI_TIME_RELATIVE, T_US, T_US + 120, "-0.000120");
	expect_time(CLI_TIME_RELATIVE, T_US, T_US + 2500000, "-2.500000");
}

Test(time, formats_west_of_utc_and_date_change)
{
	setenv("TZ", "XYZ+05", 1);
	tzset();
	/* 13:03 UTC is 08:03 the same day; 02:00 UTC is the day before */
	expect_time(CLI_TIME_ISO, T_US, 0, "2025-12-02T08:03:07.123456-05:00");
	expect_time(CLI_TIME_ISO, 1764640800000001LL, 0, "2025-12-01T21:00:00.000001-05:00");
	expect_time(CLI_TIME_LOCAL, 1764640800000001LL, 0, "21:00:00.000001");
	expect_time(CLI_TIME_UTC, 1764640800000001LL, 0, "02:00:00.000001Z");
}

Test(time, names)
{
	enum cli_time t;
	static const char *const names[] = {"local", "utc", "iso", "relative", "epoch"};

	for (int i = 0; i < 5; i++) {
		cr_expect_eq(cli_time_from_name(names[i], &t), 0, "%s", names[i]);
		cr_expect_eq((int)t, i);
	}
	cr_expect_lt(cli_time_from_name("UTC", &t), 0);
	cr_expect_lt(cli_time_from_name("", &t), 0);
	cr_expect_lt(cli_time_from_name("rel", &t), 0);
}

Test(color, decision)
{
	enum cli_color c;

	/* auto: a terminal, NO_COLOR unset or empty, TERM not dumb */
	cr_expect(cli_color_wanted(CLI_COLOR_AUTO, true, NULL, "xterm"));
	cr_expect(cli_color_wanted(CLI_COLOR_AUTO, true, "", "xterm"), "empty NO_COLOR is unset");
	cr_expect(cli_color_wanted(CLI_COLOR_AUTO, true, NULL, NULL));
	cr_expect_not(cli_color_wanted(CLI_COLOR_AUTO, false, NULL, "xterm"), "not a terminal");
	cr_expect_not(cli_color_wanted(CLI_COLOR_AUTO, true, "1", "xterm"));
	cr_expect_not(cli_color_wanted(CLI_COLOR_AUTO, true, "0", "xterm"), "any value counts");
	cr_expect_not(cli_color_wanted(CLI_COLOR_AUTO, true, NULL, "dumb"));
	/* an explicit choice wins over NO_COLOR and the terminal */
	cr_expect(cli_color_wanted(CLI_COLOR_ALWAYS, false, "1", "dumb"));
	cr_expect_not(cli_color_wanted(CLI_COLOR_NEVER, true, NULL, "xterm"));
	cr_expect_eq(cli_color_from_name("always", &c), 0);
	cr_expect_eq(c, CLI_COLOR_ALWAYS);
	cr_expect_eq(cli_color_from_name("never", &c), 0);
	cr_expect_eq(c, CLI_COLOR_NEVER);
	cr_expect_eq(cli_color_from_name("auto", &c), 0);
	cr_expect_eq(c, CLI_COLOR_AUTO);
	cr_expect_lt(cli_color_from_name("yes", &c), 0);
}

/* ---- lines of the text format, written to memory ---- */

static char *buf;
static size_t buflen;

static void out_init(struct cli_out *o, FILE **f)
{
	*f = open_memstream(&buf, &buflen);
	cr_assert_not_null(*f);
	*o = (struct cli_out){.fmt = &cli_fmt_text, .f = *f, .view = CLI_VIEW_WATCH};
}

static struct pt_event exit_ev(int code, int sig)
{
	return (struct pt_event){
		.type = PT_EV_EXIT,
		.time_us = T_US,
		.pid = 42,
		.tid = 42,
		.ppid = 1,
		.u.exit = {.exit_code = sig ? -1 : code, .signal = sig, .duration_us = 1500},
	};
}

static char *lines(struct cli_out *o, FILE *f, const struct pt_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(o->fmt->event(o, &ev[i]), 0);
	fclose(f);
	return buf;
}

Test(color, codes_only_on_failures_and_signals)
{
	struct pt_event ev[] = {exit_ev(0, 0), exit_ev(3, 0), exit_ev(0, 9)};
	struct cli_out o;
	FILE *f;
	char *s, *l2, *l3;

	out_init(&o, &f);
	o.color = true;
	s = lines(&o, f, ev, 3);
	l2 = strchr(s, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	cr_expect_null(memchr(s, '\033', (size_t)(l2 - s)), "exit 0 is not coloured: %s", s);
	cr_expect_not_null(strstr(l2, "\033[31m[exit 3]\033[0m after 1.5ms\n"), "%s", l2);
	cr_expect_not_null(strstr(l3, "\033[35m[SIGKILL]\033[0m after 1.5ms\n"), "%s", l3);
	free(s);
}

Test(color, none_when_off)
{
	struct pt_event ev[] = {exit_ev(3, 0), exit_ev(0, 11)};
	struct cli_out o;
	FILE *f;
	char *s;

	out_init(&o, &f);
	o.compact = true;
	s = lines(&o, f, ev, 2);
	cr_expect_null(strchr(s, '\033'), "%s", s);
	cr_expect_not_null(strstr(s, "exit 3"));
	cr_expect_not_null(strstr(s, "SIGSEGV"));
	free(s);
}

Test(compact, one_line_at_exit_with_status_and_duration)
{
	struct pt_event ev[] = {
		{.type = PT_EV_FORK, .time_us = T_US, .pid = 42, .tid = 42, .ppid = 1},
		{.type = PT_EV_EXEC, .time_us = T_US, .pid = 42, .tid = 42, .ppid = 1},
		exit_ev(3, 0),
		{.type = PT_EV_LOST, .time_us = T_US, .u.lost = {.count = 7, .reason = "x"}},
	};
	struct cli_out o;
	FILE *f;
	char *s;

	setenv("TZ", "UTC0", 1);
	tzset();
	out_init(&o, &f);
	o.compact = true;
	o.color = true;
	s = lines(&o, f, ev, 4);
	cr_expect_str_eq(s,
			 "13:03:07.123456      42       1 \033[31mexit 3\033[0m          1.5ms  ?\n"
			 "13:03:07.123456 lost 7 events: x\n");
	free(s);
}

/* An event type newer than this program (exec_failed, ...) still gets a line. */
Test(compact, unknown_event_type_prints)
{
	struct pt_event ev = {.type = PT_EV_COUNT, .time_us = T_US, .pid = 5, .tid = 5};
	bool modes[][2] = {{false, false}, {true, false}, {false, true}, {true, true}};

	for (size_t i = 0; i < 4; i++) {
		struct cli_out o;
		FILE *f;
		char *s;

		out_init(&o, &f);
		o.tree = modes[i][0];
		o.compact = modes[i][1];
		s = lines(&o, f, &ev, 1);
		cr_expect_not_null(strstr(s, "unknown"), "tree %d compact %d: %s", o.tree,
				   o.compact, s);
		free(s);
	}
}

/* ---- the line fitter: colour codes take no column and are never cut ---- */

static char *fit(unsigned width, const char *in)
{
	FILE *m = open_memstream(&buf, &buflen);
	FILE *f;

	cr_assert_not_null(m);
	setenv("LC_ALL", "C", 1);
	f = cli_fit_open(m, width);
	cr_assert_not_null(f);
	fputs(in, f);
	fclose(f);
	fclose(m);
	return buf;
}

Test(fit, sgr_takes_no_column)
{
	char *s = fit(10, "\033[31m0123456789\033[0m\n");

	cr_expect_str_eq(s, "\033[31m0123456789\033[0m\n", "exactly 10 columns fit");
	free(s);
	s = fit(10, "ab\033[35mcdefghijklmn\033[0m\n");
	cr_expect_str_eq(s, "ab\033[35mcdefghi>\033[0m\n", "cut, the reset still written");
	free(s);
	s = fit(10, "012345678\033[31m9\033[0m\n");
	cr_expect_str_eq(s, "012345678\033[31m9\033[0m\n");
	free(s);
	s = fit(10, "0123456789\033[31mX\033[0m\n");
	cr_expect_str_eq(s, "012345678>\033[31m\033[0m\n");
	free(s);
}

/* Bytes a process controls are escaped first: their ESC is text, and counts. */
Test(fit, escaped_esc_counts)
{
	char *esc = NULL, *s;
	size_t len = 0;
	FILE *m = open_memstream(&esc, &len);

	cr_assert_not_null(m);
	cli_escape_str(m, "\033[31mEVIL");
	fputc('\n', m);
	fclose(m);
	s = fit(10, esc);
	cr_expect_str_eq(s, "\\x1b[31mE>\n");
	free(s);
	free(esc);
}

/* ---- --tree: depths from the table's lineage ---- */

static char *root;
static struct pt_monitor *m;
static struct cli_out out;
static FILE *outf;

static void on_event(const struct pt_event *ev, void *data)
{
	(void)data;
	cr_assert_eq(out.fmt->event(&out, ev), 0);
}

static void add_fx(pid_t pid, pid_t ppid, const char *comm, uint64_t start)
{
	cr_assert_eq(fx_add_simple(root, pid, ppid, comm, start, NULL, 0), 0);
}

static void tree_setup(void)
{
	struct pt_options o;

	root = fx_root_new();
	cr_assert_not_null(root);
	add_fx(1, 0, "init", 10);
	add_fx(100, 1, "bash", 500);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.threads = true;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	cr_assert_eq(pt_monitor_subscribe(m, on_event, NULL), 0);
	out_init(&out, &outf);
	out.m = m;
	out.tree = true;
}

static void tree_teardown(void)
{
	out.fmt->end(&out, PT_TIER_NONE);
	pt_monitor_close(m);
	fx_root_free(root);
	cr_expect_eq(fx_leaks(), 0);
}

static void fork_(pid_t pid, pid_t ppid, uint64_t start)
{
	struct pt_raw r = {
		.type = PT_EV_FORK, .pid = pid, .tid = pid, .ppid = ppid, .start = start};

	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
}

static void exit_(pid_t pid, int status)
{
	struct pt_raw r = {.type = PT_EV_EXIT, .pid = pid, .tid = pid, .time_us = pt_now_us()};

	r.u.exit.status = status;
	pt_core_raw(m, &r);
}

struct tline {
	unsigned indent, shown; /* shown: the depth in brackets past the cap, else 0 */
	int pid;
	char event[16];
	char rest[256];
};

/* The lines written: "TIME<space><indent>PID EVENT DETAIL". */
static size_t tree_lines(struct tline *v, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	fclose(outf);
	outf = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
		char *p = l + 16;
		unsigned sp = 0;

		cr_assert_gt(strlen(l), 16, "%s", l);
		while (p[sp] == ' ')
			sp++;
		v[n].indent = sp;
		v[n].rest[0] = 0;
		v[n].shown = 0;
		if (p[sp] == '[') {
			cr_assert_eq(sscanf(p + sp, "[%u] ", &v[n].shown), 1, "%s", l);
			p = strchr(p + sp, ' ') + 1;
			sp = 0;
		}
		cr_assert_geq(sscanf(p + sp, "%d %15s %255[^\n]", &v[n].pid, v[n].event, v[n].rest),
			      2, "%s", l);
		n++;
	}
	free(buf);
	buf = NULL;
	return n;
}

TestSuite(tree, .init = tree_setup, .fini = tree_teardown);

/*
 * A shell (200, a child of bash 100) starts three children in parallel, each
 * forking a grandchild; the stream interleaves them, so the line before says
 * nothing about the depth. Children of init are the roots: bash 0, the shell
 * 1, its children 2, the grandchildren 3.
 */
Test(tree, interleaved_parallel_children)
{
	static const struct {
		char op;
		pid_t pid, ppid;
	} script[] = {
		{'f', 200, 100}, {'f', 201, 200}, {'f', 202, 200}, {'f', 301, 201}, {'f', 203, 200},
		{'f', 302, 202}, {'x', 301, 0},	  {'f', 303, 203}, {'x', 202, 0},   {'x', 302, 0},
		{'x', 201, 0},	 {'x', 303, 0},	  {'x', 203, 0},   {'x', 200, 0},
	};
	struct tline v[32];
	size_t n;

	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		if (script[i].op == 'f')
			fork_(script[i].pid, script[i].ppid, 1000 + (uint64_t)script[i].pid);
		else
			exit_(script[i].pid, 0);
	}
	n = tree_lines(v, 32);
	cr_assert_eq(n, sizeof(script) / sizeof(script[0]));
	for (size_t i = 0; i < n; i++) {
		unsigned want = script[i].pid == 200 ? 1 : script[i].pid < 300 ? 2 : 3;

		cr_expect_eq(v[i].pid, script[i].pid, "line %zu", i);
		cr_expect_str_eq(v[i].event, script[i].op == 'f' ? "fork" : "exit");
		cr_expect_eq(v[i].indent, 2 * want, "line %zu: pid %d indented %u, not %u", i,
			     v[i].pid, v[i].indent, 2 * want);
		if (script[i].op == 'x')
			cr_expect_not_null(strstr(v[i].rest, "[exit 0] after "), "%s", v[i].rest);
	}
}

/*
 * When a parent exits first, the kernel reparents its child to init: the
 * child's exit line stays at the depth it was shown at, and a child it forks
 * after that sits one level under it. A pid used again by a new process gets
 * the new process's depth.
 */
Test(tree, depth_kept_across_reparenting_and_not_across_pid_reuse)
{
	struct tline v[16];
	size_t n;

	fork_(200, 100, 1200);
	fork_(201, 200, 1201);
	exit_(200, 0);
	add_fx(201, 1, "orphan", 1201); /* /proc: already moved to init */
	pt_core_reparent(m);
	cr_assert_eq(pt_lookup(m, 201)->ppid, 1, "the fixture reparents");
	fork_(202, 201, 1202);
	exit_(201, 0x100);
	exit_(202, 0);
	fork_(201, 100, 1300); /* pid reused, a child of bash */
	n = tree_lines(v, 16);
	cr_assert_eq(n, 7);
	cr_expect_eq(v[0].indent, 2); /* 200 */
	cr_expect_eq(v[1].indent, 4); /* 201 */
	cr_expect_eq(v[2].indent, 2); /* 200 exits */
	cr_expect_eq(v[3].indent, 6, "202 under reparented 201: %u", v[3].indent);
	cr_expect_eq(v[4].indent, 4, "201's exit where it was shown: %u", v[4].indent);
	cr_expect_not_null(strstr(v[4].rest, "[exit 1]"), "%s", v[4].rest);
	cr_expect_eq(v[5].indent, 6);
	cr_expect_eq(v[6].pid, 201);
	cr_expect_eq(v[6].indent, 2, "a new 201 under bash: %u", v[6].indent);
}

/* Past CLI_TREE_INDENT_MAX levels the indentation stops growing and shows the depth. */
Test(tree, deep_chain_is_capped)
{
	struct tline v[40];
	size_t n;

	for (pid_t i = 0; i < 30; i++)
		fork_(500 + i, i ? 500 + i - 1 : 100, 2000 + (uint64_t)i);
	n = tree_lines(v, 40);
	cr_assert_eq(n, 30);
	for (size_t i = 0; i < n; i++) {
		unsigned depth = (unsigned)i + 1;

		cr_expect_eq(v[i].pid, 500 + (int)i);
		if (depth <= CLI_TREE_INDENT_MAX) {
			cr_expect_eq(v[i].indent, 2 * depth, "depth %u", depth);
			cr_expect_eq(v[i].shown, 0, "depth %u", depth);
		} else {
			/* "[25] 524 fork" */
			cr_expect_eq(v[i].indent, 2 * CLI_TREE_INDENT_MAX, "depth %u", depth);
			cr_expect_eq(v[i].shown, depth);
		}
	}
}

static bool root_200(const struct pt_proc *p, void *data)
{
	return pt_proc_pid(p) == *(pid_t *)data;
}

/* A command that follows a process (-p) makes it the root: depth 0, its children 1. */
Test(tree, root_hook_sets_depth_zero)
{
	pid_t r = 200;
	struct tline v[8];
	size_t n;

	out.tree_root = root_200;
	out.tree_root_data = &r;
	fork_(200, 100, 1200);
	fork_(201, 200, 1201);
	fork_(301, 201, 1301);
	n = tree_lines(v, 8);
	cr_assert_eq(n, 3);
	cr_expect_eq(v[0].indent, 0);
	cr_expect_eq(v[1].indent, 2);
	cr_expect_eq(v[2].indent, 4);
}

/* --threads: a thread's lines sit one level under its process, by tid. */
Test(tree, thread_one_level_under_its_process)
{
	struct pt_raw r = {.type = PT_EV_FORK, .pid = 200, .tid = 2001, .ppid = 100, .start = 1200};
	struct tline v[8];
	size_t n;

	fork_(200, 100, 1200);
	r.time_us = pt_now_us();
	pt_core_raw(m, &r);
	fork_(201, 200, 1201);
	n = tree_lines(v, 8);
	cr_assert_eq(n, 3);
	cr_expect_eq(v[0].indent, 2);
	cr_expect_eq(v[1].pid, 2001);
	cr_expect_str_eq(v[1].event, "clone");
	cr_expect_eq(v[1].indent, 4);
	cr_expect_eq(v[2].indent, 4, "the process's child, not the thread's: %u", v[2].indent);
}

/* ---- the CONTAINER column ---- */

#define CTR_BOOT "4bf3a2c7-0f8b-4cde-bdc8-72d4a501152d"

/* A record imported into m, with its container members. */
static const struct pt_proc *ctr_rec(struct pt_monitor *mon, int pid, const char *ctr)
{
	const struct pt_proc *p = NULL;
	char *line, why[256] = "";

	cr_assert_gt(
		asprintf(&line,
			 "{\"pid\":%d,\"ppid\":1,\"start\":%d,\"state\":\"alive\",\"comm\":\"c\","
			 "\"exe\":\"/bin/c\",\"argv\":[\"c\"],\"argv_truncated\":false,\"uid\":0,"
			 "\"euid\":0,\"gid\":0,\"egid\":0,\"sid\":0,\"pgid\":0,\"tty\":0,"
			 "\"cwd\":\"/\",\"cgroup\":\"/\",\"ns\":{},\"tier\":\"none\","
			 "\"start_time\":\"2026-12-02T16:56:18.647000Z\",\"threads\":1,"
			 "\"loginuid\":-1,\"parent_key\":null%s,\"key\":\"" CTR_BOOT ":%d:%d\"}",
			 pid, pid, ctr, pid, pid),
		0);
	cr_assert_eq(pt_import_proc(mon, line, strlen(line), &p, why, sizeof(why)), 0, "%s", why);
	free(line);
	return p;
}

/* watch: no column until the first event in a container, then a header with
 * it and the column on every line; "-" on the host, "?" unknown. */
Test(column, watch_from_the_first_container_on)
{
	struct pt_options opt;
	struct pt_monitor *cm;
	const struct pt_proc *h, *c, *u;
	struct cli_out o;
	FILE *f;
	char *s, *l[6];
	char sc[16];

	pt_options_init(&opt);
	opt.tier = PT_TIER_NONE;
	opt.flags |= PT_OPEN_EMPTY;
	cr_assert_eq(pt_monitor_open(&cm, &opt), 0);
	h = ctr_rec(cm, 10, ",\"container_id\":\"host\"");
	c = ctr_rec(cm, 20,
		    ",\"container_id\":\"4f2a0c9e1b7d3a5c6e8f\",\"container_runtime\":\"docker\"");
	u = ctr_rec(cm, 30, "");
	cr_assert(cli_proc_ctr_short(c, sc, sizeof(sc)));
	cr_assert_str_eq(sc, "4f2a0c9e1b7d");
	cli_proc_ctr_short(h, sc, sizeof(sc));
	cr_assert_str_eq(sc, "-");
	cli_proc_ctr_short(u, sc, sizeof(sc));
	cr_assert_str_eq(sc, "?");

	out_init(&o, &f);
	o.header = true;
	o.time = CLI_TIME_UTC;
	struct pt_event ev[] = {
		{.type = PT_EV_EXEC, .time_us = T_US, .pid = 10, .tid = 10, .ppid = 1, .proc = h},
		{.type = PT_EV_EXEC, .time_us = T_US, .pid = 20, .tid = 20, .ppid = 1, .proc = c},
		{.type = PT_EV_EXEC, .time_us = T_US, .pid = 10, .tid = 10, .ppid = 1, .proc = h},
		{.type = PT_EV_EXEC, .time_us = T_US, .pid = 30, .tid = 30, .ppid = 1, .proc = u},
	};
	s = lines(&o, f, ev, 4);
	l[0] = s;
	for (int i = 1; i < 6; i++) {
		l[i] = strchr(l[i - 1], '\n');
		cr_assert_not_null(l[i], "%s", s);
		*l[i]++ = 0;
	}
	cr_expect_null(strstr(l[0], "CONTAINER"), "%s", l[0]);
	cr_expect_not_null(strstr(l[1], "UID  CONTAINER    DETAIL"), "%s", l[1]);
	cr_expect_not_null(strstr(l[2], " 0  4f2a0c9e1b7d /bin/c: c"), "%s", l[2]);
	cr_expect_not_null(strstr(l[3], " 0  -            /bin/c: c"), "%s", l[3]);
	cr_expect_not_null(strstr(l[4], " 0  ?            /bin/c: c"), "%s", l[4]);
	cr_expect_str_empty(l[5]);
	free(s);
	pt_monitor_close(cm);
}

/* ---- probe: what capabilities buy (cli-privs.c) ---- */

#define CAPB(c) (UINT64_C(1) << (c))
#define NET_ADMIN CAPB(12)
#define SYS_PTRACE CAPB(19)
#define SYS_NICE CAPB(23)

static struct cli_privs the_privs;

/* nl, bpf: the probes of those tiers; inotify and poll run */
static const struct cli_privs *privs(uint64_t eff, uid_t euid, const char *exe, int nl, int bpf)
{
	struct cli_privs_in in = {.eff = eff, .euid = euid, .exe = exe, .bindir = "/usr/local/bin"};

	in.probe[PT_TIER_NETLINK] = nl;
	in.probe[PT_TIER_BPF] = bpf;
	cli_privs_init(&the_privs, &in);
	return &the_privs;
}

Test(privs, nobody_on_a_kernel_that_refuses_listeners)
{
	const struct cli_privs *p = privs(0, 65534, "/usr/bin/proctrail", -EPERM, -EPERM);
	struct cli_fidelity f;

	cr_expect(!p->full);
	cr_expect(p->fixable);
	cr_expect_str_eq(
		p->setcap,
		"sudo setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice+ep /usr/bin/proctrail");
	cr_expect_str_eq(p->unit, "AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_SYS_NICE");
	cli_privs_tier(p, PT_TIER_NETLINK, &f);
	cr_expect_eq(f.level, CLI_FID_NONE);
	cr_expect_str_eq(f.raise, p->setcap);
	cli_privs_tier(p, PT_TIER_BPF, &f);
	cr_expect_eq(f.level, CLI_FID_NONE);
	cr_expect_str_eq(f.raise,
			 "sudo setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice,cap_bpf,"
			 "cap_perfmon+ep /usr/bin/proctrail");
	cli_privs_tier(p, PT_TIER_POLL, &f);
	cr_expect_eq(f.level, CLI_FID_PARTIAL);
	cr_expect(strstr(f.detail, "this user's processes only") != NULL, "%s", f.detail);
	cr_expect(strstr(f.raise, p->setcap) != NULL, "%s", f.raise);
}

Test(privs, no_net_admin_where_the_connector_lets_anyone_listen)
{
	const struct cli_privs *p = privs(0, 1000, "/usr/bin/proctrail", 0, -EPERM);
	struct cli_fidelity f;

	cr_expect_str_eq(p->setcap,
			 "sudo setcap cap_sys_ptrace,cap_sys_nice+ep /usr/bin/proctrail");
	cr_expect_str_eq(p->unit, "AmbientCapabilities=CAP_SYS_PTRACE CAP_SYS_NICE");
	cli_privs_tier(p, PT_TIER_NETLINK, &f);
	cr_expect_eq(f.level, CLI_FID_PARTIAL);
	cr_expect(strstr(f.detail, "no cap_sys_nice") != NULL, "%s", f.detail);
}

Test(privs, net_admin_only_and_then_all_three)
{
	const struct cli_privs *p = privs(NET_ADMIN, 65534, "/usr/bin/proctrail", 0, -EPERM);
	struct cli_fidelity f;

	cr_expect(!p->full);
	cr_expect_str_eq(
		p->setcap,
		"sudo setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice+ep /usr/bin/proctrail");
	p = privs(NET_ADMIN | SYS_PTRACE | SYS_NICE, 65534, "/usr/bin/proctrail", 0, -EPERM);
	cr_expect(p->full);
	cr_expect(!p->fixable);
	cli_privs_tier(p, PT_TIER_NETLINK, &f);
	cr_expect_eq(f.level, CLI_FID_FULL);
	cr_expect_str_eq(f.raise, "");
	cli_privs_tier(p, PT_TIER_INOTIFY, &f);
	cr_expect_eq(f.level, CLI_FID_PARTIAL);
	cr_expect_str_eq(f.raise, "", "nothing raises inotify when netlink has full fidelity");
}

Test(privs, rtprio_is_as_good_as_sys_nice)
{
	struct cli_privs_in in = {.eff = NET_ADMIN | SYS_PTRACE,
				  .fifo = true,
				  .euid = 1000,
				  .exe = "/usr/bin/proctrail",
				  .bindir = "/usr/bin"};

	cli_privs_init(&the_privs, &in);
	cr_expect(the_privs.full);
}

Test(privs, root_needs_no_sudo)
{
	const struct cli_privs *p = privs(NET_ADMIN, 0, "/usr/bin/proctrail", 0, -EPERM);

	cr_expect_str_eq(p->setcap,
			 "setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice+ep /usr/bin/proctrail");
}

Test(privs, no_capability_helps_when_the_connector_is_out_of_reach)
{
	/* another network namespace: ECONNREFUSED, not EPERM */
	const struct cli_privs *p = privs(0, 1000, "/usr/bin/proctrail", -ECONNREFUSED, -EPERM);
	struct cli_fidelity f;

	cr_expect(!p->full);
	cr_expect(!p->fixable);
	cli_privs_tier(p, PT_TIER_NETLINK, &f);
	cr_expect_str_eq(f.raise, "");
	cli_privs_tier(p, PT_TIER_INOTIFY, &f);
	cr_expect_str_eq(f.raise, "sudo setcap cap_sys_ptrace+ep /usr/bin/proctrail");
}

Test(privs, a_build_tree_names_the_installed_binary)
{
	static const char *const tree[] = {"/src/build/.libs/lt-proctrail",
					   "/src/build/.libs/proctrail"};

	for (size_t i = 0; i < 2; i++) {
		const struct cli_privs *p = privs(0, 1000, tree[i], -EPERM, -EPERM);

		cr_expect(p->build_tree, "%s", tree[i]);
		cr_expect_str_eq(p->path, "/usr/local/bin/proctrail");
	}
	cr_expect(!privs(0, 1000, "/opt/x.libs/proctrail", -EPERM, -EPERM)->build_tree);
	cr_expect_str_eq(privs(0, 1000, "", -EPERM, -EPERM)->path, "/usr/local/bin/proctrail");
}

Test(privs, the_path_is_one_shell_word)
{
	cr_expect_str_eq(privs(0, 1000, "/opt/my dir/it's/proctrail", -EPERM, -EPERM)->path,
			 "'/opt/my dir/it'\\''s/proctrail'");
	cr_expect_str_eq(privs(0, 1000, "/tmp/a\x1b[2Jb/proctrail", -EPERM, -EPERM)->path,
			 "$'/tmp/a\\x1b[2Jb/proctrail'");
	cr_expect_str_eq(privs(0, 1000, "/tmp/a\nb'/proctrail", -EPERM, -EPERM)->path,
			 "$'/tmp/a\\x0ab\\'/proctrail'");
}
