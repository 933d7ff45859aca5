/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The /proc reader and the record helpers, against fixture trees and /proc. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "container.h"
#include "internal.h"
#include "fixture.h"

/* Criterion ignores a worker's exit status once its tests passed: check here. */
static void leak_check(void)
{
	cr_assert_eq(fx_leaks(), 0, "memory leaked (see stderr)");
}

#define ALL PT_FMASK_ALL
#define ID64 "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"

static char *root;
static struct pt_procfs fs;

static void setup(void)
{
	root = fx_root_new();
	cr_assert_not_null(root);
	cr_assert_eq(pt_procfs_open(&fs, root, 0), 0);
}

static void teardown(void)
{
	pt_procfs_close(&fs);
	fx_root_free(root);
	leak_check();
}

TestSuite(parse, .fini = leak_check);
TestSuite(record, .fini = leak_check);
TestSuite(procfs, .init = setup, .fini = teardown);
TestSuite(live, .fini = leak_check);

/* A plain sleeping process: /bin/sleep 100 */
static struct fx_proc sleeper(pid_t pid)
{
	static const char cmd[] = "/bin/sleep\0"
				  "100";

	return (struct fx_proc){
		.pid = pid,
		.ppid = 1,
		.comm = "sleep",
		.start = 123456,
		.uid = 1000,
		.euid = 1001,
		.gid = 100,
		.egid = 101,
		.sid = pid - 1,
		.pgid = pid,
		.tty_nr = 34816,
		.cmdline = cmd,
		.cmdline_len = sizeof(cmd),
		.exe = "/usr/bin/sleep",
		.cwd = "/home/user",
		.mnt_ns = 4026531841ULL,
		.loginuid = "1000",
	};
}

static void add(const struct fx_proc *p)
{
	cr_assert_eq(fx_add_proc(root, p), 0);
}

static int read_pid(pid_t pid, unsigned fields, struct pt_proc *p)
{
	pt_proc_init(p);
	return pt_procfs_read(&fs, pid, fields, p);
}

static void assert_known(const struct pt_proc *p, enum pt_field f)
{
	cr_assert_eq(p->src[f], PT_SRC_PROC, "field %d src %d why %d", f, p->src[f], p->why[f]);
	cr_assert_eq(p->why[f], PT_WHY_NONE, "field %d", f);
}

static void assert_missing(const struct pt_proc *p, enum pt_field f, enum pt_why why)
{
	cr_assert_eq(p->src[f], PT_SRC_NONE, "field %d should be unknown", f);
	cr_assert_eq(p->why[f], why, "field %d: why %d, expected %d", f, p->why[f], why);
}

static char *path_of(pid_t pid, const char *name)
{
	char *s;

	cr_assert_geq(asprintf(&s, "%s/%d/%s", root, (int)pid, name), 0);
	return s;
}

/* ---- stat ---- */

/* A stat line with all 52 fields around the given comm. */
static size_t stat_line(char *buf, size_t cap, const char *comm, char state)
{
	int n = snprintf(buf, cap,
			 "4242 (%s) %c 17 4242 4000 34817 -1 4194304 101 0 0 0 3 1 0 0 20 0 "
			 "7 0 987654 8568832 1320 18446744073709551615 94085617532928 "
			 "94085617552809 140731489547536 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 "
			 "94085617568816 94085617570432 94085707227136 140731489553033 "
			 "140731489553053 140731489553053 140731489554411 0\n",
			 comm, state);

	cr_assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static void assert_stat_fields(const struct pt_stat *st)
{
	cr_assert_eq(st->state, 'S');
	cr_assert_eq(st->ppid, 17);
	cr_assert_eq(st->pgid, 4242);
	cr_assert_eq(st->sid, 4000);
	cr_assert_eq(st->tty_nr, 34817);
	cr_assert_eq(st->nthreads, 7);
	cr_assert_eq(st->start, 987654);
}

static void check_comm(const char *comm, const char *expect)
{
	char buf[1024];
	struct pt_stat st;
	size_t n = stat_line(buf, sizeof(buf), comm, 'S');
	/* exact-size copy without a NUL so that ASan catches any overread */
	char *exact = malloc(n);

	cr_assert_not_null(exact);
	memcpy(exact, buf, n);
	cr_assert_eq(pt_parse_stat(exact, n, &st), 0, "comm \"%s\"", comm);
	cr_assert_str_eq(st.comm, expect);
	assert_stat_fields(&st);
	free(exact);
}

Test(parse, stat_plain)
{
	check_comm("bash", "bash");
}

Test(parse, stat_comm_parentheses)
{
	check_comm("a) (b", "a) (b");
	check_comm(") S 1 2 3 (", ") S 1 2 3 (");
	check_comm("((", "((");
	check_comm("", "");
}

Test(parse, stat_comm_newline)
{
	check_comm("a\nb", "a\nb");
	check_comm("\n) S 9 9 9 9\n", "\n) S 9 9 9 9\n");
}

Test(parse, stat_comm_spaces)
{
	check_comm("Web Content", "Web Content");
	check_comm("  ", "  ");
}

Test(parse, stat_comm_long_truncated)
{
	/* workqueue workers print "kworker/u8:3-events_unbound", over 15 bytes */
	check_comm("kworker/u8:3-events_unbound", "kworker/u8:3-ev");
	check_comm("0123456789abcdef", "0123456789abcde");
}

Test(parse, stat_malformed)
{
	static const char *const bad[] = {
		"",
		"4242",
		"4242 (bash S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		")4242 (bash S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 (bash) S 17 4242",
		"4242 (bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
		"4242 (bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n5",
		"4242 (bash) 5 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 (bash) S x7 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 (bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		"99999999999999999999999 0",
		"4242 (bash) S 17 4242 4000 99999999999 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 (bash)S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"(bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"42x2 (bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0",
		"4242 (bash) S 17 4242 4000 0 -1 0 0 0 0 0 0 0 0 0 20 0 -1 0 5 0",
	};
	struct pt_stat st;

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++)
		cr_assert_eq(pt_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL, "case %zu: %s", i,
			     bad[i]);
	cr_assert_eq(pt_parse_stat(NULL, 0, &st), -EINVAL);
}

/* Every truncation of a valid line parses or fails cleanly, never overreads. */
Test(parse, stat_every_prefix)
{
	char buf[1024];
	size_t n = stat_line(buf, sizeof(buf), "a) (b", 'S');
	const char *f22 = strstr(buf, " 987654 ");
	size_t need = (size_t)(f22 - buf) + 8; /* through the space after field 22 */
	struct pt_stat st;

	for (size_t len = 0; len <= n; len++) {
		char *exact = malloc(len ? len : 1);
		int r;

		cr_assert_not_null(exact);
		memcpy(exact, buf, len);
		r = pt_parse_stat(exact, len, &st);
		if (len >= need)
			cr_assert_eq(r, 0, "len %zu", len);
		else
			cr_assert_eq(r, -EINVAL, "len %zu", len);
		free(exact);
	}
}

/* ---- status ---- */

Test(parse, status_creds)
{
	static const char s[] = "Name:\tfoo\\nUid:\t1\t1\t1\t1\n"
				"Umask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\n"
				"Pid:\t4243\nPPid:\t1\nTracerPid:\t0\n"
				"Uid:\t1000\t0\t1002\t1003\nGid:\t100\t4294967294\t102\t103\n"
				"FDSize:\t64\nThreads:\t2\n";
	uid_t u[4];
	gid_t g[4];
	pid_t tgid;

	cr_assert_eq(pt_parse_status_creds(s, sizeof(s) - 1, u, g, &tgid), 0);
	cr_assert_eq(tgid, 4242);
	cr_assert_eq(u[0], 1000);
	cr_assert_eq(u[1], 0);
	cr_assert_eq(u[2], 1002);
	cr_assert_eq(u[3], 1003);
	cr_assert_eq(g[0], 100);
	cr_assert_eq(g[1], 4294967294u);
	cr_assert_eq(g[3], 103);
	cr_assert_eq(pt_parse_status_creds(s, sizeof(s) - 1, u, g, NULL), 0);
}

Test(parse, status_malformed)
{
	static const char *const bad[] = {
		"",
		"Name:\tx\nTgid:\t1\nGid:\t0\t0\t0\t0\n",
		"Name:\tx\nTgid:\t1\nUid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\t0\t0\tx\t0\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t1\nUid:\t0\t0\t0\t4294967296\nGid:\t0\t0\t0\t0\n",
		"Tgid:\t\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
	};
	uid_t u[4];
	gid_t g[4];
	pid_t tgid;

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++)
		cr_assert_eq(pt_parse_status_creds(bad[i], strlen(bad[i]), u, g, &tgid), -EINVAL,
			     "case %zu", i);
}

/* ---- argv ---- */

Test(parse, args_count)
{
	cr_assert_eq(pt_args_count(NULL, 0), 0);
	cr_assert_eq(pt_args_count("", 0), 0);
	cr_assert_eq(pt_args_count("\0", 1), 1);
	cr_assert_eq(pt_args_count("ls\0", 3), 1);
	cr_assert_eq(pt_args_count("ls\0-l\0/tmp\0", 11), 3);
	cr_assert_eq(pt_args_count("a\0\0b\0", 5), 3);
	cr_assert_eq(pt_args_count("abc", 3), 1);
	cr_assert_eq(pt_args_count("a\0bc", 4), 2);
}

/* ---- status: NSpid ---- */

Test(parse, status_nspid)
{
	pid_t vpid = -1, vpgid = -1;

	/* nested pid namespaces: the last value is the innermost */
	cr_assert_eq(pt_parse_status_nspid("Pid:\t9\nNSpid:\t4242\t17\t1\nNSpgid:\t4240\t15\n", 43,
					   &vpid, &vpgid),
		     0);
	cr_assert_eq(vpid, 1);
	cr_assert_eq(vpgid, 15);
	cr_assert_eq(pt_parse_status_nspid("NSpid:\t77\nNSpgid:\t70\n", 21, &vpid, &vpgid), 0);
	cr_assert_eq(vpid, 77);
	cr_assert_eq(vpgid, 70);
	/* before Linux 4.1 */
	cr_assert_eq(pt_parse_status_nspid("Pid:\t9\n", 7, &vpid, &vpgid), -ENOENT);
	cr_assert_eq(pt_parse_status_nspid("NSpid:\t\nNSpgid:\t1\n", 18, &vpid, &vpgid), -EINVAL);
	cr_assert_eq(pt_parse_status_nspid("NSpid:\t1x\nNSpgid:\t1\n", 20, &vpid, &vpgid), -EINVAL);
	cr_assert_eq(pt_parse_status_nspid("NSpid:\t-3\nNSpgid:\t1\n", 20, &vpid, &vpgid), -EINVAL);
}

/* ---- record helpers ---- */

Test(record, init)
{
	struct pt_proc p;

	memset(&p, 0xa5, sizeof(p));
	pt_proc_init(&p);
	cr_assert_eq(p.exit_code, -1);
	cr_assert_null(p.exe);
	cr_assert_null(p.args);
	cr_assert_null(p.execs);
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		cr_assert_eq(p.src[f], PT_SRC_NONE);
		cr_assert_eq(p.why[f], PT_WHY_NOT_READ);
		cr_assert_not(pt_proc_has(&p, f));
	}
}

Test(record, set_known_missing)
{
	struct pt_proc p;

	pt_proc_init(&p);
	pt_proc_set_known(&p, PT_F_EXE, PT_SRC_EVENT);
	cr_assert_eq(p.src[PT_F_EXE], PT_SRC_EVENT);
	cr_assert_eq(p.why[PT_F_EXE], PT_WHY_NONE);
	cr_assert(pt_proc_has(&p, PT_F_EXE));
	pt_proc_set_missing(&p, PT_F_EXE, PT_WHY_PERM);
	cr_assert_eq(p.src[PT_F_EXE], PT_SRC_NONE);
	cr_assert_eq(p.why[PT_F_EXE], PT_WHY_PERM);
	/* never "unknown because known" */
	pt_proc_set_missing(&p, PT_F_EXE, PT_WHY_NONE);
	cr_assert_eq(p.why[PT_F_EXE], PT_WHY_NOT_READ);
	pt_proc_set_known(&p, PT_F_EXE, PT_SRC_NONE);
	cr_assert_eq(p.why[PT_F_EXE], PT_WHY_NOT_READ);
	/* out of range is ignored */
	pt_proc_set_known(&p, PT_F_COUNT, PT_SRC_PROC);
	pt_proc_set_missing(&p, PT_F_COUNT, PT_WHY_GONE);
}

static char *dupmem(const char *s, size_t n)
{
	char *d = malloc(n);

	cr_assert_not_null(d);
	memcpy(d, s, n);
	return d;
}

Test(record, merge_known_only)
{
	struct pt_proc dst, src;

	pt_proc_init(&dst);
	pt_proc_init(&src);
	dst.ppid = 1;
	pt_proc_set_known(&dst, PT_F_PPID, PT_SRC_PROC);
	dst.exe = strdup("/old");
	pt_proc_set_known(&dst, PT_F_EXE, PT_SRC_INHERITED);
	strcpy(dst.comm, "old");
	dst.uid = 5;

	src.ppid = 77; /* not known: must not be copied */
	strcpy(src.comm, "new");
	pt_proc_set_known(&src, PT_F_COMM, PT_SRC_EVENT);
	src.exe = strdup("/usr/bin/new");
	pt_proc_set_known(&src, PT_F_EXE, PT_SRC_PROC);
	src.uid = 1;
	src.euid = 2;
	src.gid = 3;
	src.egid = 4;
	pt_proc_set_known(&src, PT_F_CREDS, PT_SRC_BPF);
	src.start = 555;
	src.start_us = 1700000000123456LL;
	pt_proc_set_known(&src, PT_F_START, PT_SRC_PROC);
	src.ns[PT_NS_MNT] = 4026531841ULL;
	src.ns[PT_NS_PID] = 4026531836ULL;
	pt_proc_set_known(&src, PT_F_NS, PT_SRC_PROC);
	src.cgroup = strdup("/docker/" ID64);
	src.cgroup_id = 77;
	pt_proc_set_known(&src, PT_F_CGROUP, PT_SRC_PROC);
	{
		struct pt_cgroup_attr a = {.runtime = PT_RT_DOCKER, .id = ID64};

		src.ctr = pt_ctr_new(&a, NULL);
		cr_assert_not_null(src.ctr);
	}
	pt_proc_set_known(&src, PT_F_CONTAINER, PT_SRC_PROC);
	src.vpid = 5;
	src.vpgid = 6;
	pt_proc_set_known(&src, PT_F_NSPID, PT_SRC_PROC);
	pt_proc_set_args(&src, dupmem("a\0b\0", 4), 4, true);
	pt_proc_set_known(&src, PT_F_ARGV, PT_SRC_PROC);
	src.cwd = strdup("/tmp");
	pt_proc_set_missing(&src, PT_F_CWD, PT_WHY_PERM); /* value present, field unknown */

	/* ARGV is not asked for */
	cr_assert_eq(pt_proc_merge(&dst, &src, ALL & ~PT_FMASK(PT_F_ARGV)), 0);
	cr_assert_eq(dst.ppid, 1);
	cr_assert_eq(dst.src[PT_F_PPID], PT_SRC_PROC);
	cr_assert_str_eq(dst.comm, "new");
	cr_assert_eq(dst.src[PT_F_COMM], PT_SRC_EVENT);
	cr_assert_str_eq(dst.exe, "/usr/bin/new");
	cr_assert_neq(dst.exe, src.exe);
	cr_assert_eq(dst.src[PT_F_EXE], PT_SRC_PROC);
	cr_assert_eq(dst.uid, 1);
	cr_assert_eq(dst.euid, 2);
	cr_assert_eq(dst.gid, 3);
	cr_assert_eq(dst.egid, 4);
	cr_assert_eq(dst.src[PT_F_CREDS], PT_SRC_BPF);
	cr_assert_eq(dst.start, 555);
	cr_assert_eq(dst.start_us, 1700000000123456LL);
	cr_assert_eq(dst.ns[PT_NS_MNT], 4026531841ULL);
	cr_assert_eq(dst.ns[PT_NS_PID], 4026531836ULL);
	cr_assert_str_eq(dst.cgroup, "/docker/" ID64);
	cr_assert_eq(dst.cgroup_id, 77);
	/* the container is shared, by reference */
	cr_assert_eq(dst.ctr, src.ctr);
	cr_assert_eq(src.ctr->refs, 2);
	cr_assert_eq(dst.vpid, 5);
	cr_assert_eq(dst.vpgid, 6);
	cr_assert_neq(dst.cgroup, src.cgroup);
	cr_assert_null(dst.cwd);
	cr_assert_eq(dst.why[PT_F_CWD], PT_WHY_NOT_READ);
	cr_assert_null(dst.args);
	cr_assert_eq(dst.src[PT_F_ARGV], PT_SRC_NONE);

	cr_assert_eq(pt_proc_merge(&dst, &src, PT_FMASK(PT_F_ARGV)), 0);
	cr_assert_neq(dst.args, src.args);
	cr_assert_eq(dst.args_len, 4);
	cr_assert_eq(memcmp(dst.args, "a\0b\0", 4), 0);
	cr_assert_eq(dst.argc, 2);
	cr_assert(dst.args_truncated);
	assert_known(&dst, PT_F_ARGV);

	/* a known empty argv replaces a longer one */
	pt_proc_set_args(&src, NULL, 0, false);
	cr_assert_eq(pt_proc_merge(&dst, &src, ALL), 0);
	cr_assert_null(dst.args);
	cr_assert_eq(dst.args_len, 0);
	cr_assert_eq(dst.argc, 0);
	cr_assert_not(dst.args_truncated);
	assert_known(&dst, PT_F_ARGV);

	/* merging a record into itself changes nothing */
	cr_assert_eq(pt_proc_merge(&dst, &dst, ALL), 0);
	cr_assert_str_eq(dst.exe, "/usr/bin/new");

	pt_proc_clear(&dst);
	pt_proc_clear(&src);
}

Test(record, set_args_terminates)
{
	struct pt_proc p;

	pt_proc_init(&p);
	pt_proc_set_args(&p, dupmem("ab\0cd", 5), 5, false);
	cr_assert_eq(p.args_len, 6);
	cr_assert_eq(p.args[5], '\0');
	cr_assert_eq(p.argc, 2);
	cr_assert_not(p.args_truncated);
	pt_proc_set_args(&p, dupmem("x\0", 2), 2, true);
	cr_assert_eq(p.args_len, 2);
	cr_assert_eq(p.argc, 1);
	cr_assert(p.args_truncated);
	pt_proc_set_args(&p, malloc(1), 0, false);
	cr_assert_null(p.args);
	cr_assert_eq(p.argc, 0);
	pt_proc_clear(&p);
}

Test(record, clear_leaves_exec_history)
{
	struct pt_exec hist[2] = {{.time_us = 1}, {.time_us = 2}};
	struct pt_proc p;

	pt_proc_init(&p);
	p.pid = 42;
	p.start = 9;
	p.exe = strdup("/bin/x");
	pt_proc_set_known(&p, PT_F_EXE, PT_SRC_PROC);
	pt_proc_set_args(&p, dupmem("x\0", 2), 2, false);
	pt_proc_set_known(&p, PT_F_ARGV, PT_SRC_PROC);
	p.cwd = strdup("/");
	p.cgroup = strdup("/");
	{
		struct pt_cgroup_attr a = {.runtime = PT_RT_DOCKER, .id = ID64};

		p.ctr = pt_ctr_new(&a, NULL);
	}
	pt_proc_set_known(&p, PT_F_COMM, PT_SRC_PROC);
	p.execs = hist;
	p.nexecs = 2;

	pt_proc_clear(&p);
	cr_assert_null(p.exe);
	cr_assert_null(p.args);
	cr_assert_eq(p.args_len, 0);
	cr_assert_null(p.cwd);
	cr_assert_null(p.cgroup);
	cr_assert_null(p.ctr);
	cr_assert_eq(p.why[PT_F_CONTAINER], PT_WHY_NOT_READ);
	cr_assert_eq(p.execs, hist);
	cr_assert_eq(p.nexecs, 2);
	cr_assert_eq(p.pid, 42);
	cr_assert_eq(p.start, 9);
	cr_assert_eq(p.why[PT_F_EXE], PT_WHY_NOT_READ);
	cr_assert_eq(p.why[PT_F_ARGV], PT_WHY_NOT_READ);
	cr_assert(pt_proc_has(&p, PT_F_COMM));
	pt_proc_clear(&p); /* twice is fine */
}

Test(record, mem)
{
	struct pt_proc p;

	pt_proc_init(&p);
	cr_assert_eq(pt_proc_mem(&p), 0);
	p.exe = strdup("/bin/x"); /* 7 */
	pt_proc_set_args(&p, dupmem("x\0yz\0", 5), 5, false); /* 5 */
	p.cwd = strdup("/"); /* 2 */
	p.cgroup = strdup("/a"); /* 3 */
	cr_assert_eq(pt_proc_mem(&p), 7 + 5 + 2 + 3);
	pt_proc_clear(&p);
	cr_assert_eq(pt_proc_mem(&p), 0);
}

Test(record, ticks_to_us)
{
	cr_assert_eq(pt_ticks_to_us(0, 100, 1000), 1000);
	cr_assert_eq(pt_ticks_to_us(250, 100, 1000), 1000 + 2500000);
	cr_assert_eq(pt_ticks_to_us(1, 250, 0), 4000);
	cr_assert_eq(pt_ticks_to_us(3, 0, 0), 30000); /* unknown hz: USER_HZ 100 */
	/* a century of uptime does not overflow */
	cr_assert_eq(pt_ticks_to_us(315576000000ULL + 37, 100, 1700000000000000LL),
		     1700000000000000LL + 3155760000000000LL + 370000);
}

Test(record, clocks)
{
	int64_t now = pt_now_us(), boot = pt_boot_us(), epoch = pt_boot_epoch_us();

	cr_assert_gt(now, 1600000000000000LL);
	cr_assert_gt(boot, 0);
	cr_assert_gt(pt_mono_us(), 0);
	cr_assert_lt(epoch, now);
	/* REALTIME - BOOTTIME, within the time the three calls took */
	cr_assert_lt(llabs(epoch + boot - now), 100000);
}

/* ---- the reader, on fixture trees ---- */

Test(procfs, open_defaults)
{
	struct pt_procfs f2;

	cr_assert_eq(fs.args_max, 128 * 1024);
	cr_assert_gt(fs.clk_tck, 0);
	cr_assert_str_eq(fs.root, root);
	cr_assert_eq(pt_procfs_open(&f2, "/nonexistent-proc-root", 0), -ENOENT);
	pt_procfs_close(&f2);
	cr_assert_eq(f2.root_fd, -1);
}

/* ---- cgroup, container, NSpid ---- */

/* ns/cgroup of pid (or of "self") as the kernel shows it: a symlink. */
static void set_cgns(const char *who, uint64_t ino)
{
	char *dir, *link, target[64];

	cr_assert_geq(asprintf(&dir, "%s/%s/ns", root, who), 0);
	mkdir(dir, 0755);
	cr_assert_geq(asprintf(&link, "%s/cgroup", dir), 0);
	unlink(link);
	snprintf(target, sizeof(target), "cgroup:[%llu]", (unsigned long long)ino);
	cr_assert_eq(symlink(target, link), 0);
	free(link);
	free(dir);
}

static void add_cg(pid_t pid, const char *cgroup)
{
	struct fx_proc fp = sleeper(pid);

	fp.cgroup = cgroup;
	add(&fp);
}

Test(procfs, cgroup_host)
{
	struct pt_proc p;

	add_cg(1300, "0::/user.slice/user-1000.slice/session-2.scope\n");
	cr_assert_eq(read_pid(1300, PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER), &p), 0);
	cr_assert_str_eq(p.cgroup, "/user.slice/user-1000.slice/session-2.scope");
	assert_known(&p, PT_F_CONTAINER);
	cr_assert_null(p.ctr, "the host is no container");
	/* nothing to read for the host: its metadata is known (empty) */
	assert_known(&p, PT_F_CTR_META);
	cr_assert_null(pt_proc_container(&p));
	cr_assert_null(pt_proc_container_id(&p));
	pt_proc_clear(&p);
}

Test(procfs, cgroup_container)
{
	struct pt_proc p;

	add_cg(1301, "12:memory:/x\n0::/system.slice/docker-" ID64 ".scope/sub\n");
	cr_assert_eq(read_pid(1301, PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER), &p), 0);
	cr_assert_str_eq(p.cgroup, "/system.slice/docker-" ID64 ".scope/sub");
	assert_known(&p, PT_F_CONTAINER);
	cr_assert_not_null(p.ctr);
	cr_assert_eq(p.ctr->refs, 1);
	cr_assert_str_eq(p.ctr->id, ID64);
	cr_assert_eq(p.ctr->runtime, PT_RT_DOCKER);
	/* the container's own cgroup, not the process's sub-cgroup */
	cr_assert_str_eq(p.ctr->cgroup, "/system.slice/docker-" ID64 ".scope");
	cr_assert_eq(pt_proc_container(&p), p.ctr);
	cr_assert_str_eq(pt_proc_container_id(&p), ID64);
	assert_missing(&p, PT_F_CTR_META, PT_WHY_NOT_READ);
	pt_proc_clear(&p);
}

static const char mountinfo_docker[] =
	"1025 1000 0:52 / / rw,relatime master:1 - overlay overlay rw\n"
	"1030 1025 0:28 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n"
	"1040 1025 8:1 /var/lib/docker/containers/" ID64 "/hostname /etc/hostname rw - ext4 "
	"/dev/sda1 rw\n";

Test(procfs, cgroup_private_namespace_reads_mountinfo)
{
	struct pt_proc p;

	fs.self_cgns = 4026531835ULL;
	add_cg(1302, "0::/\n");
	set_cgns("1302", 4026532999ULL);
	cr_assert_eq(fx_write(root, 1302, "mountinfo", mountinfo_docker, strlen(mountinfo_docker)),
		     0);
	cr_assert_eq(read_pid(1302, PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER), &p), 0);
	cr_assert_str_eq(p.cgroup, "/");
	assert_known(&p, PT_F_CONTAINER);
	cr_assert_not_null(p.ctr);
	cr_assert_str_eq(p.ctr->id, ID64);
	pt_proc_clear(&p);

	/* a private namespace whose mountinfo names nothing: not found, not the host */
	cr_assert_eq(fx_write(root, 1302, "mountinfo", "1 0 0:1 / / rw - ext4 /dev/x rw\n", 32), 0);
	cr_assert_eq(read_pid(1302, PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER), &p), 0);
	assert_known(&p, PT_F_CGROUP);
	assert_missing(&p, PT_F_CONTAINER, PT_WHY_NOT_FOUND);
	assert_missing(&p, PT_F_CTR_META, PT_WHY_NOT_FOUND);
	cr_assert_null(p.ctr);
	pt_proc_clear(&p);

	/* unreadable mountinfo: why it could not be read */
	cr_assert_eq(fx_remove(root, 1302, "mountinfo"), 0);
	cr_assert_eq(read_pid(1302, PT_FMASK(PT_F_CGROUP) | PT_FMASK(PT_F_CONTAINER), &p), 0);
	cr_assert_eq(p.src[PT_F_CONTAINER], PT_SRC_NONE);
	cr_assert_neq(p.why[PT_F_CONTAINER], PT_WHY_NOT_READ);
	pt_proc_clear(&p);
}

Test(procfs, cgroup_own_namespace_skips_mountinfo)
{
	struct pt_proc p;

	fs.self_cgns = 4026531835ULL;
	add_cg(1303, "0::/\n");
	set_cgns("1303", 4026531835ULL);
	/* a mountinfo that would name a container: not read, the process is ours */
	cr_assert_eq(fx_write(root, 1303, "mountinfo", mountinfo_docker, strlen(mountinfo_docker)),
		     0);
	cr_assert_eq(read_pid(1303, PT_FMASK(PT_F_CONTAINER), &p), 0);
	assert_known(&p, PT_F_CONTAINER);
	cr_assert_null(p.ctr);
	pt_proc_clear(&p);
}

Test(procfs, cgroup_and_nspid_missing)
{
	struct pt_proc p;
	static const char status[] = "Name:\tx\nTgid:\t1304\nPid:\t1304\nPPid:\t1\n"
				     "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";

	add_cg(1304, "0::/\n");
	cr_assert_eq(fx_remove(root, 1304, "cgroup"), 0);
	cr_assert_eq(fx_write(root, 1304, "status", status, strlen(status)), 0);
	cr_assert_eq(read_pid(1304, ALL, &p), 0);
	/* a kernel without cgroups: every part of the attribution says so */
	assert_missing(&p, PT_F_CGROUP, PT_WHY_KERNEL);
	assert_missing(&p, PT_F_CONTAINER, PT_WHY_KERNEL);
	assert_missing(&p, PT_F_CTR_META, PT_WHY_KERNEL);
	/* a kernel before NSpid (4.1): credentials still read from the same file */
	assert_missing(&p, PT_F_NSPID, PT_WHY_KERNEL);
	assert_known(&p, PT_F_CREDS);
	pt_proc_clear(&p);
}

Test(procfs, read_everything)
{
	struct fx_proc fp = sleeper(1234);
	struct pt_proc p;
	int64_t before = pt_boot_epoch_us();

	fp.nthreads = 3;
	fp.cgroup = "12:memory:/x\n0::/system.slice/docker-" ID64 ".scope\n";
	add(&fp);
	cr_assert_eq(read_pid(1234, ALL, &p), 0);
	/* the container's name and image are the monitor's to read, once per container */
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (f != PT_F_CTR_META)
			assert_known(&p, f);
	assert_missing(&p, PT_F_CTR_META, PT_WHY_NOT_READ);
	cr_assert_eq(p.vpid, 1234);
	cr_assert_eq(p.vpgid, 1234);
	cr_assert_eq(p.pid, 1234);
	cr_assert_eq(p.ppid, 1);
	cr_assert_eq(p.sid, 1233);
	cr_assert_eq(p.pgid, 1234);
	cr_assert_eq(p.tty_nr, 34816);
	cr_assert_eq(p.start, 123456);
	cr_assert_geq(p.start_us, pt_ticks_to_us(123456, fs.clk_tck, before) - 1000);
	cr_assert_leq(p.start_us, pt_ticks_to_us(123456, fs.clk_tck, pt_boot_epoch_us()) + 1000);
	cr_assert_str_eq(p.comm, "sleep");
	cr_assert_str_eq(p.exe, "/usr/bin/sleep");
	cr_assert_eq(p.args_len,
		     sizeof("/bin/sleep\0"
			    "100"));
	cr_assert_eq(memcmp(p.args,
			    "/bin/sleep\0"
			    "100",
			    p.args_len),
		     0);
	cr_assert_eq(p.argc, 2);
	cr_assert_not(p.args_truncated);
	cr_assert_eq(p.uid, 1000);
	cr_assert_eq(p.euid, 1001);
	cr_assert_eq(p.gid, 100);
	cr_assert_eq(p.egid, 101);
	cr_assert_str_eq(p.cwd, "/home/user");
	cr_assert_str_eq(p.cgroup, "/system.slice/docker-" ID64 ".scope");
	cr_assert_not_null(p.ctr);
	cr_assert_str_eq(p.ctr->id, ID64);
	cr_assert_eq(p.ctr->runtime, PT_RT_DOCKER);
	cr_assert_eq(p.cgroup_id, 0, "a fixture tree's cgroups are not this host's");
	cr_assert_eq(p.ns[PT_NS_MNT], 4026531841ULL);
	cr_assert_eq(p.ns[PT_NS_PID], 0); /* the fixture has only ns/mnt */
	cr_assert_eq(p.nthreads, 3);
	cr_assert_eq(p.loginuid, 1000);
	pt_proc_clear(&p);
}

/* loginuid: 4294967295 until pam_loginuid writes it; no file without CONFIG_AUDIT. */
Test(procfs, loginuid)
{
	static const struct {
		const char *content; /* NULL: no file */
		uid_t want;
		enum pt_why why;
	} cases[] = {
		{"0", 0, PT_WHY_NONE},	       {"4294967295", (uid_t)-1, PT_WHY_NONE},
		{"1000\n", 1000, PT_WHY_NONE}, {NULL, 0, PT_WHY_KERNEL},
		{"", 0, PT_WHY_ERROR},	       {"12x", 0, PT_WHY_ERROR},
		{"-1", 0, PT_WHY_ERROR},       {"4294967296", 0, PT_WHY_ERROR},
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(cases); i++) {
		struct fx_proc fp = sleeper(90);
		struct pt_proc p;

		fp.loginuid = cases[i].content;
		add(&fp);
		cr_assert_eq(read_pid(90, PT_FMASK(PT_F_LOGINUID), &p), 0);
		if (cases[i].why == PT_WHY_NONE) {
			assert_known(&p, PT_F_LOGINUID);
			cr_assert_eq(p.loginuid, cases[i].want, "case %zu", i);
		} else {
			assert_missing(&p, PT_F_LOGINUID, cases[i].why);
		}
		pt_proc_clear(&p);
	}
}

Test(procfs, only_requested_fields)
{
	struct fx_proc fp = sleeper(77);
	struct pt_proc p;

	add(&fp);
	cr_assert_eq(read_pid(77, PT_FMASK(PT_F_COMM) | PT_FMASK(PT_F_CWD), &p), 0);
	assert_known(&p, PT_F_COMM);
	assert_known(&p, PT_F_CWD);
	cr_assert_str_eq(p.comm, "sleep");
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		if (f == PT_F_COMM || f == PT_F_CWD)
			continue;
		assert_missing(&p, f, PT_WHY_NOT_READ);
	}
	cr_assert_null(p.exe);
	cr_assert_null(p.args);
	cr_assert_eq(p.ppid, 0);
	pt_proc_clear(&p);
}

Test(procfs, comm_variants)
{
	static const char *const comms[] = {"a) (b", "a\nb", "Web Content", ") S 1 ("};
	struct pt_proc p;

	for (size_t i = 0; i < PT_ARRAY_SIZE(comms); i++) {
		struct fx_proc fp = sleeper(100 + (pid_t)i);

		fp.comm = comms[i];
		add(&fp);
		cr_assert_eq(read_pid(fp.pid, ALL, &p), 0);
		assert_known(&p, PT_F_COMM);
		assert_known(&p, PT_F_PPID);
		assert_known(&p, PT_F_CREDS);
		cr_assert_str_eq(p.comm, comms[i]);
		cr_assert_eq(p.ppid, 1);
		cr_assert_eq(p.start, 123456);
		cr_assert_eq(p.euid, 1001);
		pt_proc_clear(&p);
	}
}

Test(procfs, kernel_thread)
{
	struct fx_proc fp = sleeper(50);
	struct pt_proc p;

	fp.ppid = 2;
	fp.comm = "kworker/0:1H";
	fp.cmdline = NULL;
	fp.cmdline_len = 0;
	fp.exe = NULL;
	fp.cwd = "/";
	fp.uid = fp.euid = fp.gid = fp.egid = 0;
	add(&fp);
	cr_assert_eq(read_pid(50, ALL, &p), 0);
	assert_known(&p, PT_F_ARGV);
	cr_assert_null(p.args);
	cr_assert_eq(p.args_len, 0);
	cr_assert_eq(p.argc, 0);
	assert_missing(&p, PT_F_EXE, PT_WHY_KERNEL);
	assert_known(&p, PT_F_CWD);
	cr_assert_str_eq(p.cwd, "/");
	assert_known(&p, PT_F_COMM);
	cr_assert_str_eq(p.comm, "kworker/0:1H");
	cr_assert_eq(p.ppid, 2);
	pt_proc_clear(&p);
}

Test(procfs, empty_argv_with_exe)
{
	struct fx_proc fp = sleeper(51);
	struct pt_proc p;

	/* a live user process with an empty cmdline and an exe (PR_SET_MM games) */
	fp.cmdline = NULL;
	fp.cmdline_len = 0;
	add(&fp);
	cr_assert_eq(read_pid(51, PT_FMASK(PT_F_ARGV), &p), 0);
	assert_known(&p, PT_F_ARGV);
	cr_assert_null(p.args);
	cr_assert_eq(p.argc, 0);
	pt_proc_clear(&p);
}

Test(procfs, zombie)
{
	struct fx_proc fp = sleeper(60);
	struct pt_proc p;

	fp.state = 'Z';
	add(&fp);
	cr_assert_eq(read_pid(60, ALL, &p), 0);
	assert_missing(&p, PT_F_ARGV, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_EXE, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_CWD, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_NS, PT_WHY_ZOMBIE);
	cr_assert_null(p.args);
	cr_assert_null(p.exe);
	cr_assert_null(p.cwd);
	assert_known(&p, PT_F_PPID);
	assert_known(&p, PT_F_START);
	assert_known(&p, PT_F_COMM);
	assert_known(&p, PT_F_CREDS);
	assert_known(&p, PT_F_CGROUP);
	cr_assert_eq(p.ppid, 1);
	cr_assert_eq(p.start, 123456);
	cr_assert_str_eq(p.comm, "sleep");
	cr_assert_eq(p.uid, 1000);
	pt_proc_clear(&p);
}

/* Regression: a stat read while the process is being reaped shows 0 threads
 * and 0 for ppid, pgrp, session and tty; those must not be taken as values. */
Test(procfs, stat_while_reaped)
{
	static const char stat[] =
		"61 (sleep) Z 0 0 0 0 -1 4227076 101 0 0 0 3 1 0 0 20 0 0 0 123456 0 0 "
		"18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 9\n";
	struct fx_proc fp = sleeper(61);
	struct pt_proc p;

	fp.state = 'Z';
	add(&fp);
	cr_assert_eq(fx_write(root, 61, "stat", stat, sizeof(stat) - 1), 0);
	cr_assert_eq(read_pid(61, ALL, &p), 0);
	assert_missing(&p, PT_F_PPID, PT_WHY_GONE);
	assert_missing(&p, PT_F_SID, PT_WHY_GONE);
	assert_missing(&p, PT_F_PGID, PT_WHY_GONE);
	assert_missing(&p, PT_F_TTY, PT_WHY_GONE);
	assert_known(&p, PT_F_START);
	assert_known(&p, PT_F_COMM);
	cr_assert_eq(p.start, 123456);
	pt_proc_clear(&p);
}

Test(procfs, vanished_pid)
{
	struct pt_proc p;

	cr_assert_eq(read_pid(4242, ALL, &p), -ESRCH);
	cr_assert_eq(p.pid, 4242);
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		assert_missing(&p, f, PT_WHY_GONE);
	pt_proc_clear(&p);

	cr_assert_eq(read_pid(4242, PT_FMASK(PT_F_EXE), &p), -ESRCH);
	assert_missing(&p, PT_F_EXE, PT_WHY_GONE);
	assert_missing(&p, PT_F_PPID, PT_WHY_NOT_READ);
	pt_proc_clear(&p);
	cr_assert_eq(pt_procfs_pid_open(&fs, 4242), -ENOENT);
	cr_assert_eq(pt_procfs_pid_open(&fs, 0), -EINVAL);
	cr_assert_eq(pt_procfs_pid_open(&fs, -1), -EINVAL);
}

Test(procfs, vanished_after_open)
{
	struct fx_proc fp = sleeper(61);
	struct pt_proc p;
	int fd;

	add(&fp);
	fd = pt_procfs_pid_open(&fs, 61);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fx_remove(root, 61, NULL), 0);
	pt_proc_init(&p);
	p.pid = 61;
	cr_assert_eq(pt_procfs_read_at(&fs, fd, ALL, &p), -ESRCH);
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		assert_missing(&p, f, PT_WHY_GONE);
	close(fd);
	pt_proc_clear(&p);
}

/* The process died after its argv was read: argv stays, the rest is gone. */
Test(procfs, vanished_midway_keeps_argv)
{
	struct fx_proc fp = sleeper(62);
	struct pt_proc p;

	add(&fp);
	cr_assert_eq(fx_remove(root, 62, "stat"), 0);
	cr_assert_eq(fx_remove(root, 62, "status"), 0);
	cr_assert_eq(read_pid(62, ALL, &p), -ESRCH);
	assert_known(&p, PT_F_ARGV);
	assert_known(&p, PT_F_EXE);
	cr_assert_eq(p.argc, 2);
	assert_missing(&p, PT_F_PPID, PT_WHY_GONE);
	assert_missing(&p, PT_F_CREDS, PT_WHY_GONE);
	assert_missing(&p, PT_F_CWD, PT_WHY_GONE);
	pt_proc_clear(&p);
}

Test(procfs, exe_absent)
{
	/* 70: alive and well per stat, no exe link: nothing explains it */
	struct fx_proc fp = sleeper(70);
	struct pt_proc p;
	char st[1024];

	fp.exe = NULL;
	add(&fp);
	cr_assert_eq(read_pid(70, ALL, &p), 0);
	assert_missing(&p, PT_F_EXE, PT_WHY_ERROR);
	assert_known(&p, PT_F_ARGV);
	assert_known(&p, PT_F_CWD);
	pt_proc_clear(&p);

	/* 71: in do_exit (PF_EXITING, not yet a zombie): mm, exe and cwd gone */
	fp = sleeper(71);
	fp.exe = NULL;
	fp.cwd = NULL;
	add(&fp);
	snprintf(st, sizeof(st),
		 "71 (sleep) R 1 71 70 0 -1 4194308 101 0 0 0 3 1 0 0 20 0 1 0 123456 0 0 "
		 "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	cr_assert_eq(fx_write(root, 71, "stat", st, strlen(st)), 0);
	cr_assert_eq(read_pid(71, ALL, &p), 0);
	assert_known(&p, PT_F_ARGV); /* read before the mm went */
	assert_missing(&p, PT_F_EXE, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_CWD, PT_WHY_ZOMBIE);
	assert_known(&p, PT_F_START);
	pt_proc_clear(&p);

	/* 72: empty cmdline, no exe, not a kernel thread: exiting */
	fp = sleeper(72);
	fp.exe = NULL;
	fp.cmdline = NULL;
	fp.cmdline_len = 0;
	add(&fp);
	snprintf(st, sizeof(st),
		 "72 (sleep) S 1 72 70 0 -1 4194304 101 0 0 0 3 1 0 0 20 0 1 0 123456 0 0 "
		 "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
	cr_assert_eq(fx_write(root, 72, "stat", st, strlen(st)), 0);
	cr_assert_eq(read_pid(72, ALL, &p), 0);
	assert_missing(&p, PT_F_ARGV, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_EXE, PT_WHY_ZOMBIE);
	pt_proc_clear(&p);
	/* the same, with argv asked for alone */
	cr_assert_eq(read_pid(72, PT_FMASK(PT_F_ARGV), &p), 0);
	assert_missing(&p, PT_F_ARGV, PT_WHY_ZOMBIE);
	pt_proc_clear(&p);
}

/* Root bypasses mode bits; drop that power in this (forked) test process. */
static bool dac_caps(bool on)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint32_t bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	if (on)
		d[0].effective |= bits & d[0].permitted;
	else
		d[0].effective &= ~bits;
	return syscall(SYS_capset, &h, d) == 0;
}

Test(procfs, unreadable_files)
{
	struct fx_proc fp = sleeper(80);
	struct pt_proc p;
	char *cmdline = path_of(80, "cmdline"), *status = path_of(80, "status");
	char *cgroup = path_of(80, "cgroup");
	bool root_user = geteuid() == 0;

	add(&fp);
	cr_assert_eq(chmod(cmdline, 0), 0);
	cr_assert_eq(chmod(status, 0), 0);
	cr_assert_eq(chmod(cgroup, 0), 0);
	if (root_user && !dac_caps(false)) {
		free(cmdline);
		free(status);
		free(cgroup);
		cr_skip_test("root, and cannot drop CAP_DAC_OVERRIDE");
	}
	cr_assert_eq(read_pid(80, ALL, &p), 0);
	if (root_user)
		dac_caps(true);
	assert_missing(&p, PT_F_ARGV, PT_WHY_PERM);
	assert_missing(&p, PT_F_CREDS, PT_WHY_PERM);
	assert_missing(&p, PT_F_CGROUP, PT_WHY_PERM);
	cr_assert_null(p.args);
	assert_known(&p, PT_F_EXE);
	assert_known(&p, PT_F_PPID);
	assert_known(&p, PT_F_CWD);
	pt_proc_clear(&p);
	free(cmdline);
	free(status);
	free(cgroup);
}

Test(procfs, huge_cmdline)
{
	const size_t size = 1024 * 1024, max = 128 * 1024;
	char *cmd = malloc(size);
	struct fx_proc fp = sleeper(90);
	struct pt_proc p;

	cr_assert_not_null(cmd);
	for (size_t i = 0; i < size; i++)
		cmd[i] = i % 100 == 99 ? '\0' : (char)('a' + i % 26);
	cmd[size - 1] = '\0';
	fp.cmdline = cmd;
	fp.cmdline_len = size;
	add(&fp);
	cr_assert_eq(fs.args_max, max);
	cr_assert_eq(read_pid(90, ALL, &p), 0);
	assert_known(&p, PT_F_ARGV);
	cr_assert(p.args_truncated);
	/* args_max bytes of the command line, then the terminator */
	cr_assert_eq(p.args_len, max + 1);
	cr_assert_eq(p.args[max], '\0');
	cr_assert_eq(memcmp(p.args, cmd, max), 0);
	cr_assert_eq(p.argc, pt_args_count(p.args, p.args_len));
	cr_assert_eq(p.argc, (max + 99) / 100);
	pt_proc_clear(&p);
	free(cmd);
}

static void read_args_max(size_t args_max, const char *cmd, size_t len, const char *expect,
			  size_t expect_len, bool truncated)
{
	struct pt_procfs f2;
	struct fx_proc fp = sleeper(91);
	struct pt_proc p;

	fp.cmdline = cmd;
	fp.cmdline_len = len;
	add(&fp);
	cr_assert_eq(pt_procfs_open(&f2, root, args_max), 0);
	pt_proc_init(&p);
	cr_assert_eq(pt_procfs_read(&f2, 91, PT_FMASK(PT_F_ARGV), &p), 0);
	assert_known(&p, PT_F_ARGV);
	cr_assert_eq(p.args_len, expect_len, "len %zu", p.args_len);
	cr_assert_eq(memcmp(p.args, expect, expect_len), 0);
	cr_assert_eq(p.args[p.args_len - 1], '\0');
	cr_assert_eq(p.args_truncated, truncated);
	cr_assert_eq(p.argc, pt_args_count(expect, expect_len));
	pt_proc_clear(&p);
	pt_procfs_close(&f2);
}

Test(procfs, cmdline_edges)
{
	/* exactly args_max, NUL-ended: complete */
	read_args_max(16, "0123456789\0abcd", 16, "0123456789\0abcd", 16, false);
	/* one byte more: truncated to args_max bytes, then NUL-ended */
	read_args_max(16, "0123456789\0abcdef", 18, "0123456789\0abcde", 17, true);
	/* setproctitle() can leave no final NUL: we add one */
	read_args_max(16, "nginx: master", 13, "nginx: master", 14, false);
	/* ... also when it fills args_max exactly */
	read_args_max(16, "0123456789abcdef", 16, "0123456789abcdef", 17, false);
	/* a buffer that grows past the first chunk */
	{
		size_t n = 10000;
		char *big = malloc(n);

		cr_assert_not_null(big);
		memset(big, 'q', n);
		big[4999] = '\0';
		big[n - 1] = '\0';
		read_args_max(1 << 20, big, n, big, n, false);
		free(big);
	}
}

Test(procfs, malformed_stat_file)
{
	static const char *const bad[] = {
		"", "91 (sleep S 1 2 3", "91 (sleep) S 1 91 90 0 -1 4194304 101 0\n",
		"91 (sleep) S one 91 90 0 -1 4194304 101 0 0 0 3 1 0 0 20 0 1 0 "
		"123456 0 0\n"};
	struct pt_proc p;

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		struct fx_proc fp = sleeper(91);

		add(&fp);
		cr_assert_eq(fx_write(root, 91, "stat", bad[i], strlen(bad[i])), 0);
		cr_assert_eq(read_pid(91, ALL, &p), 0, "case %zu", i);
		assert_missing(&p, PT_F_PPID, PT_WHY_ERROR);
		assert_missing(&p, PT_F_START, PT_WHY_ERROR);
		assert_missing(&p, PT_F_COMM, PT_WHY_ERROR);
		assert_missing(&p, PT_F_SID, PT_WHY_ERROR);
		assert_missing(&p, PT_F_PGID, PT_WHY_ERROR);
		assert_missing(&p, PT_F_TTY, PT_WHY_ERROR);
		cr_assert_eq(p.start, 0);
		cr_assert_eq(p.comm[0], '\0');
		/* the rest does not depend on stat */
		assert_known(&p, PT_F_ARGV);
		assert_known(&p, PT_F_EXE);
		assert_known(&p, PT_F_CREDS);
		pt_proc_clear(&p);
	}
}

Test(procfs, malformed_other_files)
{
	struct fx_proc fp = sleeper(92);
	struct pt_proc p;
	static const char status[] = "Name:\tsleep\nTgid:\t92\nUid:\t1000\n";
	static const char cgroup[] = "garbage without colons\n";

	add(&fp);
	cr_assert_eq(fx_write(root, 92, "status", status, sizeof(status) - 1), 0);
	cr_assert_eq(fx_write(root, 92, "cgroup", cgroup, sizeof(cgroup) - 1), 0);
	cr_assert_eq(fx_remove(root, 92, "ns/mnt"), 0);
	{
		char *ns = path_of(92, "ns/mnt");

		cr_assert_eq(symlink("mnt:[junk]", ns), 0);
		free(ns);
	}
	cr_assert_eq(read_pid(92, ALL, &p), 0);
	assert_missing(&p, PT_F_CREDS, PT_WHY_ERROR);
	assert_missing(&p, PT_F_CGROUP, PT_WHY_ERROR);
	assert_missing(&p, PT_F_NS, PT_WHY_ERROR);
	cr_assert_null(p.cgroup);
	cr_assert_eq(p.ns[PT_NS_MNT], 0);
	assert_known(&p, PT_F_PPID);
	pt_proc_clear(&p);
}

Test(procfs, no_cgroup_no_ns)
{
	struct fx_proc fp = sleeper(93);
	struct pt_proc p;

	fp.mnt_ns = 0;
	add(&fp);
	cr_assert_eq(fx_remove(root, 93, "cgroup"), 0);
	cr_assert_eq(read_pid(93, ALL, &p), 0);
	assert_missing(&p, PT_F_NS, PT_WHY_KERNEL);
	assert_missing(&p, PT_F_CGROUP, PT_WHY_KERNEL);
	assert_known(&p, PT_F_EXE);
	pt_proc_clear(&p);
}

Test(procfs, long_exe_link)
{
	struct fx_proc fp = sleeper(94);
	struct pt_proc p;
	char *exe = malloc(3001);

	cr_assert_not_null(exe);
	exe[0] = '/';
	memset(exe + 1, 'e', 2999);
	exe[3000] = '\0';
	fp.exe = exe;
	add(&fp);
	cr_assert_eq(read_pid(94, PT_FMASK(PT_F_EXE), &p), 0);
	assert_known(&p, PT_F_EXE);
	cr_assert_str_eq(p.exe, exe);
	pt_proc_clear(&p);
	free(exe);
}

Test(procfs, list_root)
{
	static const pid_t pids[] = {300, 20, 1, 4000, 7, 2147483647};
	static const pid_t sorted[] = {1, 7, 20, 300, 4000, 2147483647};
	static const char *const junk[] = {"0", "012", "12a", "-5", "2147483648", "sys"};
	pid_t *v;
	size_t n;

	for (size_t i = 0; i < PT_ARRAY_SIZE(pids); i++) {
		struct fx_proc fp = sleeper(pids[i]);

		add(&fp);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(junk); i++) {
		char *d;

		cr_assert_geq(asprintf(&d, "%s/%s", root, junk[i]), 0);
		cr_assert_eq(mkdir(d, 0755), 0);
		free(d);
	}
	cr_assert_eq(fx_set_last_pid(root, 4000), 0);
	{
		char *self;

		cr_assert_geq(asprintf(&self, "%s/self", root), 0);
		cr_assert_eq(symlink("300", self), 0);
		free(self);
	}
	cr_assert_eq(pt_procfs_list(&fs, 0, &v, &n), 0);
	cr_assert_eq(n, PT_ARRAY_SIZE(sorted));
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(v[i], sorted[i], "at %zu: %d", i, v[i]);
	free(v);
}

Test(procfs, list_empty_and_tasks)
{
	struct fx_proc fp = sleeper(33);
	pid_t *v;
	size_t n;

	cr_assert_eq(pt_procfs_list(&fs, 0, &v, &n), 0);
	cr_assert_eq(n, 0);
	free(v);

	fp.nthreads = 3;
	add(&fp);
	cr_assert_eq(pt_procfs_list(&fs, 33, &v, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0], 33);
	cr_assert_eq(v[1], 33 + 1000000);
	cr_assert_eq(v[2], 33 + 2000000);
	free(v);
	cr_assert_eq(pt_procfs_list(&fs, 34, &v, &n), -ENOENT);
	cr_assert_null(v);
	cr_assert_eq(n, 0);
}

Test(procfs, read_file_at)
{
	struct fx_proc fp = sleeper(35);
	char buf[64];
	bool trunc = true;
	int fd;

	add(&fp);
	cr_assert_eq(fx_write(root, 35, "comm", "abcdefghij\n", 11), 0);
	fd = pt_procfs_pid_open(&fs, 35);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, sizeof(buf), &trunc), 11);
	cr_assert_not(trunc);
	cr_assert_str_eq(buf, "abcdefghij\n");
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, 12, &trunc), 11);
	cr_assert_not(trunc);
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, 5, &trunc), 4);
	cr_assert(trunc);
	cr_assert_str_eq(buf, "abcd");
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, 1, NULL), 0);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, 0, NULL), -EINVAL);
	cr_assert_eq(pt_read_file_at(fd, "nope", buf, sizeof(buf), &trunc), -ENOENT);
	cr_assert_not(trunc);
	cr_assert_eq(pt_read_file_at(fd, "task", buf, sizeof(buf), NULL), -EISDIR);
	close(fd);
}

Test(procfs, fixture_layout)
{
	struct fx_proc fp = sleeper(36);
	char buf[4096];
	struct pt_stat st;
	uid_t u[4];
	gid_t g[4];
	pid_t tgid;
	ssize_t n;
	int fd;

	fp.nthreads = 2;
	add(&fp);
	fd = pt_procfs_pid_open(&fs, 36);
	cr_assert_geq(fd, 0);
	/* all 52 stat fields */
	n = pt_read_file_at(fd, "stat", buf, sizeof(buf), NULL);
	cr_assert_gt(n, 0);
	{
		const char *after = strrchr(buf, ')');
		int fields = 2;

		for (const char *c = after + 1; *c; c++)
			fields += *c == ' ';
		cr_assert_eq(fields, 52);
	}
	n = pt_read_file_at(fd, "task/1000036/stat", buf, sizeof(buf), NULL);
	cr_assert_gt(n, 0);
	cr_assert_eq(pt_parse_stat(buf, (size_t)n, &st), 0);
	cr_assert_eq(st.nthreads, 2);
	n = pt_read_file_at(fd, "task/1000036/status", buf, sizeof(buf), NULL);
	cr_assert_eq(pt_parse_status_creds(buf, (size_t)n, u, g, &tgid), 0);
	cr_assert_eq(tgid, 36);
	cr_assert_not_null(strstr(buf, "Pid:\t1000036\n"));
	cr_assert_eq(pt_read_file_at(fd, "comm", buf, sizeof(buf), NULL), 6);
	cr_assert_str_eq(buf, "sleep\n");
	close(fd);

	/* re-adding replaces: a zombie loses exe, cwd, ns and argv */
	fp.state = 'Z';
	fp.nthreads = 1;
	add(&fp);
	{
		pid_t *tids;
		size_t ntids;

		cr_assert_eq(pt_procfs_list(&fs, 36, &tids, &ntids), 0);
		cr_assert_eq(ntids, 1);
		free(tids);
	}
	fd = pt_procfs_pid_open(&fs, 36);
	cr_assert_eq(readlinkat(fd, "exe", buf, sizeof(buf)), -1);
	cr_assert_eq(pt_read_file_at(fd, "cmdline", buf, sizeof(buf), NULL), 0);
	n = pt_read_file_at(fd, "status", buf, sizeof(buf), NULL);
	cr_assert_not_null(strstr(buf, "State:\tZ (zombie)\n"));
	close(fd);

	cr_assert_eq(fx_set_last_pid(root, 999), 0);
	fd = open(root, O_RDONLY | O_DIRECTORY);
	cr_assert_gt(pt_read_file_at(fd, "loadavg", buf, sizeof(buf), NULL), 0);
	cr_assert_not_null(strstr(buf, "/123 999\n"));
	cr_assert_gt(pt_read_file_at(fd, "sys/kernel/ns_last_pid", buf, sizeof(buf), NULL), 0);
	cr_assert_str_eq(buf, "999\n");
	close(fd);
}

/* ---- the real /proc ---- */

static void open_real(struct pt_procfs *f)
{
	cr_assert_eq(pt_procfs_open(f, NULL, 0), 0);
	cr_assert_str_eq(f->root, "/proc");
}

Test(live, self)
{
	struct pt_procfs f;
	struct pt_proc p;
	char comm[64], exe[PATH_MAX], cwd[PATH_MAX];
	struct stat ns;
	int fd = open("/proc/self/comm", O_RDONLY);
	ssize_t n;
	int64_t now;

	cr_assert_geq(fd, 0);
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	cr_assert_gt(n, 1);
	comm[n - 1] = '\0';
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(stat("/proc/self/ns/mnt", &ns), 0);

	open_real(&f);
	pt_proc_init(&p);
	cr_assert_eq(pt_procfs_read(&f, getpid(), ALL, &p), 0);
	now = pt_now_us();
	/* a test run inside a container: its state is the monitor's to read */
	for (unsigned f2 = 0; f2 < PT_F_COUNT; f2++)
		if (f2 != PT_F_CTR_META || !p.ctr)
			assert_known(&p, f2);
	/* the last NSpid is the pid in the process's own namespace: getpid()'s */
	cr_assert_eq(p.vpid, getpid());
	cr_assert_eq(p.vpgid, getpgrp());
	cr_assert_str_eq(p.comm, comm);
	cr_assert_eq(p.ppid, getppid());
	cr_assert_eq(p.pgid, getpgrp());
	cr_assert_eq(p.sid, getsid(0));
	cr_assert_gt(p.args_len, 1);
	cr_assert_gt(strlen(p.args), 0, "argv[0] empty");
	cr_assert_geq(p.argc, 1);
	cr_assert_eq(p.args[p.args_len - 1], '\0');
	cr_assert_gt(p.start, 0);
	/* we started moments ago */
	cr_assert_leq(p.start_us, now + 20000, "start %lld now %lld", (long long)p.start_us,
		      (long long)now);
	cr_assert_geq(p.start_us, now - 600 * 1000000LL);
	cr_assert_str_eq(p.exe, exe);
	cr_assert_str_eq(p.cwd, cwd);
	cr_assert_eq(p.uid, getuid());
	cr_assert_eq(p.euid, geteuid());
	cr_assert_eq(p.gid, getgid());
	cr_assert_eq(p.egid, getegid());
	cr_assert_not_null(p.cgroup);
	cr_assert_eq(p.cgroup[0], '/');
	cr_assert_eq(p.ns[PT_NS_MNT], (uint64_t)ns.st_ino);
	cr_assert_geq(p.nthreads, 1);
	pt_proc_clear(&p);

	/* our own threads */
	{
		pid_t *v;
		size_t cnt;

		cr_assert_eq(pt_procfs_list(&f, getpid(), &v, &cnt), 0);
		cr_assert_geq(cnt, 1);
		cr_assert_eq(v[0], getpid());
		free(v);
		cr_assert_eq(pt_procfs_list(&f, 0, &v, &cnt), 0);
		cr_assert_geq(cnt, 2);
		for (size_t i = 1; i < cnt; i++)
			cr_assert_lt(v[i - 1], v[i]);
		free(v);
	}
	pt_procfs_close(&f);
}

Test(live, zombie_then_reaped)
{
	struct pt_procfs f;
	struct pt_proc p;
	siginfo_t si;
	pid_t c;
	int fd;

	open_real(&f);
	c = fork();
	cr_assert_geq(c, 0);
	if (c == 0)
		_exit(3);
	/* wait for the exit without reaping: a zombie */
	cr_assert_eq(waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT), 0);
	fd = pt_procfs_pid_open(&f, c);
	cr_assert_geq(fd, 0);

	pt_proc_init(&p);
	cr_assert_eq(pt_procfs_read(&f, c, ALL, &p), 0);
	assert_missing(&p, PT_F_ARGV, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_EXE, PT_WHY_ZOMBIE);
	assert_missing(&p, PT_F_CWD, PT_WHY_ZOMBIE);
	assert_known(&p, PT_F_PPID);
	assert_known(&p, PT_F_START);
	assert_known(&p, PT_F_COMM);
	assert_known(&p, PT_F_CREDS);
	/* a zombie keeps its pid and user namespaces (task pid, creds); the rest
	 * went with its nsproxy */
	if (pt_proc_has(&p, PT_F_NS)) {
		cr_assert_neq(p.ns[PT_NS_PID], 0);
		cr_assert_eq(p.ns[PT_NS_MNT], 0);
	} else {
		assert_missing(&p, PT_F_NS, PT_WHY_ZOMBIE);
	}
	cr_assert_eq(p.ppid, getpid());
	cr_assert_gt(p.start, 0);
	cr_assert_eq(p.uid, getuid());
	pt_proc_clear(&p);

	cr_assert_eq(waitpid(c, NULL, 0), c);
	/* the old directory fd now fails with ESRCH, never reads a reused pid */
	pt_proc_init(&p);
	p.pid = c;
	cr_assert_eq(pt_procfs_read_at(&f, fd, ALL, &p), -ESRCH);
	for (unsigned f2 = 0; f2 < PT_F_COUNT; f2++)
		assert_missing(&p, f2, PT_WHY_GONE);
	close(fd);
	cr_assert_eq(pt_procfs_read(&f, c, ALL, &p), -ESRCH);
	pt_proc_clear(&p);
	pt_procfs_close(&f);
}

Test(live, kernel_thread)
{
	struct pt_procfs f;
	struct pt_proc p;

	open_real(&f);
	pt_proc_init(&p);
	if (pt_procfs_read(&f, 2, ALL, &p) < 0 || strcmp(p.comm, "kthreadd") != 0) {
		pt_proc_clear(&p);
		pt_procfs_close(&f);
		cr_skip_test("no kthreadd at pid 2 in this pid namespace");
	}
	assert_known(&p, PT_F_ARGV);
	cr_assert_null(p.args);
	cr_assert_eq(p.argc, 0);
	cr_assert_eq(p.ppid, 0);
	/* no exe; unprivileged readers are refused before the kernel looks */
	cr_assert_eq(p.src[PT_F_EXE], PT_SRC_NONE);
	cr_assert(p.why[PT_F_EXE] == PT_WHY_KERNEL || p.why[PT_F_EXE] == PT_WHY_PERM, "why %d",
		  p.why[PT_F_EXE]);
	pt_proc_clear(&p);
	pt_procfs_close(&f);
}

/*
 * Another user's process: its exe link is refused, and cwd and the ns links
 * (the same ptrace check) are reported refused without being tried. As root,
 * a child drops to nobody to see what an unprivileged monitor sees.
 */
Test(live, cwd_and_ns_of_a_process_whose_exe_is_refused)
{
	pid_t child;
	int status;

	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		struct pt_procfs f;
		struct pt_proc p;

		if (geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		     setresuid(65534, 65534, 65534) < 0))
			_exit(77);
		if (pt_procfs_open(&f, "/proc", 0) < 0)
			_exit(10);
		pt_proc_init(&p);
		if (pt_procfs_read(&f, 1, ALL, &p) < 0)
			_exit(11);
		if (p.why[PT_F_EXE] != PT_WHY_PERM)
			_exit(77); /* pid 1 is ours, or readable anyway: nothing to see */
		if (p.why[PT_F_CWD] != PT_WHY_PERM || p.why[PT_F_NS] != PT_WHY_PERM)
			_exit(12);
		/* what needs no ptrace access is still read */
		if (!pt_proc_has(&p, PT_F_ARGV) || !pt_proc_has(&p, PT_F_CREDS) ||
		    !pt_proc_has(&p, PT_F_START))
			_exit(13);
		pt_proc_clear(&p);
		pt_procfs_close(&f);
		_exit(0);
	}
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		cr_skip_test("pid 1's exe is readable here: no refusal to see");
	cr_assert_eq(WEXITSTATUS(status), 0,
		     "child exit %d (12: cwd/ns not refused, 13: "
		     "readable fields not read)",
		     WEXITSTATUS(status));
}

/* ---- the exec reader's two steps (procfs-exec.c) ---- */

static struct pt_proc *exec_read(pid_t pid, uint64_t exec_ticks)
{
	char argbuf[4097];
	struct pt_exec_read x = {.exec_ticks = exec_ticks};

	pt_procfs_exec_begin(&fs, argbuf, sizeof(argbuf) - 1, pid, &x);
	return pt_procfs_exec_finish(&x);
}

static void free_rec(struct pt_proc *p)
{
	pt_proc_clear(p);
	free(p);
}

Test(procfs, exec_read_whole_image)
{
	struct fx_proc fp = sleeper(40);
	struct pt_proc *p;

	add(&fp);
	p = exec_read(40, fp.start);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->args, "/bin/sleep");
	cr_assert_eq(p->argc, 2);
	cr_assert_str_eq(p->exe, "/usr/bin/sleep");
	cr_assert_str_eq(p->comm, "sleep");
	cr_assert_eq(p->start, fp.start);
	cr_assert_eq(p->ppid, 1);
	cr_assert_eq(p->sid, 39);
	cr_assert_eq(p->euid, 1001);
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((PT_FMASK(PT_F_ARGV) | PT_FMASK(PT_F_EXE) | PT_FMASK(PT_F_CREDS) |
		     PT_FMASK_STAT) &
		    PT_FMASK(f))
			cr_assert(pt_proc_has(p, (enum pt_field)f), "field %u", f);
	free_rec(p);
}

/* The second step reads cgroup too: a process that lived 2 ms is attributed. */
Test(procfs, exec_read_container_and_nspid)
{
	struct fx_proc fp = sleeper(43);
	struct pt_proc *p;
	char big[5000];

	fp.cgroup = "0::/kubepods.slice/kubepods-besteffort.slice/"
		    "kubepods-besteffort-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/"
		    "cri-containerd-" ID64 ".scope\n";
	add(&fp);
	p = exec_read(43, fp.start);
	assert_known(p, PT_F_CGROUP);
	assert_known(p, PT_F_CONTAINER);
	cr_assert_not_null(p->ctr);
	cr_assert_str_eq(p->ctr->id, ID64);
	cr_assert_eq(p->ctr->runtime, PT_RT_CONTAINERD);
	cr_assert_str_eq(p->ctr->pod_uid, "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901");
	cr_assert_eq(p->ctr->qos, PT_QOS_BESTEFFORT);
	assert_missing(p, PT_F_CTR_META, PT_WHY_NOT_READ);
	assert_known(p, PT_F_NSPID);
	cr_assert_eq(p->vpid, 43);
	free_rec(p);

	/* too long for the reader's one read: left to the core, not guessed */
	memset(big, 'a', sizeof(big));
	memcpy(big, "0::/", 4);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(fx_write(root, 43, "cgroup", big, strlen(big)), 0);
	p = exec_read(43, fp.start);
	assert_missing(p, PT_F_CGROUP, PT_WHY_NOT_READ);
	assert_missing(p, PT_F_CONTAINER, PT_WHY_NOT_READ);
	assert_known(p, PT_F_ARGV);
	free_rec(p);
}

/* Started after the exec: the pid was handed out again before the open. */
Test(procfs, exec_read_rejects_reused_pid)
{
	struct fx_proc fp = sleeper(41);
	struct pt_proc *p;

	add(&fp);
	p = exec_read(41, fp.start - 2);
	cr_assert_not_null(p);
	cr_assert_null(p->args);
	cr_assert_not(pt_proc_has(p, PT_F_START));
	cr_assert_eq(p->why[PT_F_ARGV], PT_WHY_GONE);
	cr_assert_eq(p->why[PT_F_CREDS], PT_WHY_GONE);
	free_rec(p);
	/* within one tick: the same process */
	p = exec_read(41, fp.start - 1);
	cr_assert(pt_proc_has(p, PT_F_ARGV));
	free_rec(p);
}

/*
 * The pid handed out again between the two steps: argv and exe were of the
 * process that exec'd, but status and cgroup may not be. stat, read last,
 * shows the later start and the whole record is discarded, not mixed.
 */
Test(procfs, exec_read_pid_reused_between_steps)
{
	static const char later[] = "44 (other) S 1 44 44 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
				    "999999 0 0\n";
	struct fx_proc fp = sleeper(44);
	struct pt_exec_read x = {.exec_ticks = 123456};
	char argbuf[4097];
	struct pt_proc *p;

	add(&fp);
	pt_procfs_exec_begin(&fs, argbuf, sizeof(argbuf) - 1, 44, &x);
	cr_assert_not_null(x.p);
	cr_assert(pt_proc_has(x.p, PT_F_ARGV));
	cr_assert_eq(fx_write(root, 44, "stat", later, sizeof(later) - 1), 0);
	p = pt_procfs_exec_finish(&x);
	cr_assert_null(p->args);
	cr_assert_null(p->exe);
	cr_assert_not(pt_proc_has(p, PT_F_START));
	cr_assert_eq(p->why[PT_F_ARGV], PT_WHY_GONE);
	cr_assert_eq(p->why[PT_F_CREDS], PT_WHY_GONE);
	cr_assert_eq(p->why[PT_F_CGROUP], PT_WHY_GONE);
	free_rec(p);
}

/* No pid, no "PID/" prefix: nothing is read (a bare "stat" would be /proc/stat). */
Test(procfs, exec_read_bad_pid_reads_nothing)
{
	static const char hoststat[] = "cpu  1 2 3 4\n";
	const pid_t bad[] = {0, -1};
	struct pt_proc *p;

	cr_assert_eq(fx_put(root, "/stat", hoststat, sizeof(hoststat) - 1), 0);
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		p = exec_read(bad[i], 0);
		cr_assert_not_null(p);
		cr_assert_null(p->args);
		cr_assert_eq(p->why[PT_F_ARGV], PT_WHY_ERROR);
		cr_assert_eq(p->why[PT_F_START], PT_WHY_ERROR);
		free_rec(p);
	}
}

Test(procfs, exec_read_gone_and_zombie)
{
	struct fx_proc fp = sleeper(42);
	struct pt_proc *p;

	p = exec_read(42, 0);
	cr_assert_eq(p->why[PT_F_ARGV], PT_WHY_GONE);
	cr_assert_eq(p->why[PT_F_PPID], PT_WHY_GONE);
	free_rec(p);

	fp.state = 'Z';
	add(&fp);
	p = exec_read(42, fp.start);
	cr_assert_eq(p->why[PT_F_ARGV], PT_WHY_ZOMBIE);
	cr_assert_eq(p->why[PT_F_EXE], PT_WHY_ZOMBIE);
	cr_assert(pt_proc_has(p, PT_F_START));
	cr_assert(pt_proc_has(p, PT_F_CREDS));
	free_rec(p);
}

/*
 * Read while being reaped, stat shows 0 threads and zeros for ppid, sid, pgid
 * and tty: both readers (the exec reader and the record reader) call them
 * missing, gone, through the one stat rule, and keep start and comm.
 */
Test(procfs, reaped_stat_one_rule_for_both_readers)
{
	static const char stat[] = "43 (sleep) S 0 0 0 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 0 0 "
				   "123456 0 0\n";
	struct fx_proc fp = sleeper(43);
	struct pt_proc *p, rec;
	const enum pt_field zeroed[] = {PT_F_PPID, PT_F_SID, PT_F_PGID, PT_F_TTY};

	add(&fp);
	cr_assert_eq(fx_write(root, 43, "stat", stat, sizeof(stat) - 1), 0);
	p = exec_read(43, fp.start);
	pt_proc_init(&rec);
	pt_procfs_read(&fs, 43, PT_FMASK_ALL, &rec);
	for (size_t i = 0; i < PT_ARRAY_SIZE(zeroed); i++) {
		cr_assert_not(pt_proc_has(p, zeroed[i]));
		cr_assert_eq(p->why[zeroed[i]], PT_WHY_GONE);
		cr_assert_not(pt_proc_has(&rec, zeroed[i]));
		cr_assert_eq(rec.why[zeroed[i]], PT_WHY_GONE);
	}
	cr_assert_eq(p->start, 123456);
	cr_assert_eq(rec.start, 123456);
	cr_assert_str_eq(p->comm, "sleep");
	cr_assert_str_eq(rec.comm, "sleep");
	free_rec(p);
	pt_proc_clear(&rec);
}

/* One stat parser: field 9 (flags) comes with the rest. */
Test(parse, stat_flags_field_9)
{
	static const char s[] = "7 (a) S 1 7 7 0 -1 4194368 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0\n";
	struct pt_stat st;

	cr_assert_eq(pt_parse_stat(s, sizeof(s) - 1, &st), 0);
	cr_assert_eq(st.flags, 4194368);
	cr_assert_eq(st.start, 99);
	cr_assert_eq(st.nthreads, 1);
}

Test(procfs, readlink_and_stat_by_pid)
{
	struct fx_proc fp = sleeper(44);
	struct pt_stat st;
	char buf[64], small[4];

	add(&fp);
	cr_assert_eq(pt_procfs_readlink(&fs, 44, "exe", buf, sizeof(buf)), 14);
	cr_assert_str_eq(buf, "/usr/bin/sleep");
	cr_assert_eq(pt_procfs_readlink(&fs, 44, "exe", small, sizeof(small)), -ENAMETOOLONG);
	cr_assert_eq(pt_procfs_readlink(&fs, 45, "exe", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(pt_procfs_stat(&fs, 44, &st), 0);
	cr_assert_eq(st.ppid, 1);
	cr_assert_eq(pt_procfs_exists(&fs, 44), 0);
	cr_assert_eq(pt_procfs_exists(&fs, 45), -ENOENT);
	cr_assert(pt_procfs_has_args(&fs, 44));
	cr_assert_eq(pt_procfs_why(-ESRCH), PT_WHY_GONE);
	cr_assert_eq(pt_procfs_why(-EPERM), PT_WHY_PERM);
	cr_assert_eq(pt_procfs_why(-EIO), PT_WHY_ERROR);
}
