/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading JSON back: pt_json_proc() and pt_json_event() lines imported into a
 * monitor opened with PT_OPEN_EMPTY must encode to the same bytes, read the
 * same through the getters, and malformed lines must fail with -EINVAL and a
 * reason, leaking nothing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fixture.h"
#include "container.h"
#include "internal.h"

#define BOOT "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f"

static struct pt_monitor *open_empty(void)
{
	struct pt_options o;
	struct pt_monitor *m = NULL;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	o.threads = true;
	o.proc_root = "/nonexistent-proc-root"; /* an empty monitor reads nothing */
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

static int count_cb(const struct pt_proc *p, void *data)
{
	(void)p;
	(*(unsigned *)data)++;
	return 0;
}

/* Import line, check it encodes back to itself; returns the record. */
static const struct pt_proc *round_trip(struct pt_monitor *m, const char *line)
{
	const struct pt_proc *p = NULL;
	char why[256] = "";
	size_t len;
	char *back;
	int r = pt_import_proc(m, line, strlen(line), &p, why, sizeof(why));

	cr_assert_eq(r, 0, "import failed (%d: %s): %s", r, why, line);
	cr_assert_not_null(p);
	back = pt_json_proc(p, &len);
	cr_assert_not_null(back);
	cr_assert_str_eq(back, line);
	free(back);
	return p;
}

/* The getters of two records agree (what text output reads). */
static void same_record(const struct pt_proc *a, const struct pt_proc *b)
{
	size_t la, lb;
	const char *aa = pt_proc_args(a, &la), *ab = pt_proc_args(b, &lb);

	cr_assert_eq(pt_proc_pid(a), pt_proc_pid(b));
	cr_assert_eq(pt_proc_state(a), pt_proc_state(b));
	cr_assert_eq(pt_proc_tier(a), pt_proc_tier(b));
	cr_assert_eq(pt_proc_start_us(a), pt_proc_start_us(b));
	cr_assert_eq(pt_proc_exit_us(a), pt_proc_exit_us(b));
	cr_assert_eq(pt_proc_nthreads(a), pt_proc_nthreads(b));
	cr_assert_eq(pt_proc_nexecs(a), pt_proc_nexecs(b));
	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		cr_assert_eq(pt_proc_src(a, f) == PT_SRC_NONE, pt_proc_src(b, f) == PT_SRC_NONE,
			     "field %s", pt_field_name(f));
		cr_assert_eq(pt_proc_why(a, f), pt_proc_why(b, f), "field %s of %d",
			     pt_field_name(f), pt_proc_pid(a));
	}
	if (pt_proc_src(a, PT_F_PPID))
		cr_assert_eq(pt_proc_ppid(a), pt_proc_ppid(b));
	if (pt_proc_src(a, PT_F_START))
		cr_assert_eq(pt_proc_start(a), pt_proc_start(b));
	if (pt_proc_src(a, PT_F_COMM))
		cr_assert_str_eq(pt_proc_comm(a), pt_proc_comm(b));
	if (pt_proc_src(a, PT_F_ARGV)) {
		cr_assert_eq(pt_proc_argc(a), pt_proc_argc(b));
		cr_assert_eq(la, lb);
		cr_assert(la == 0 || memcmp(aa, ab, la) == 0);
		cr_assert_eq(pt_proc_args_truncated(a), pt_proc_args_truncated(b));
	}
	if (pt_proc_src(a, PT_F_EXE))
		cr_assert((!pt_proc_exe(a) && !pt_proc_exe(b)) ||
			  strcmp(pt_proc_exe(a), pt_proc_exe(b)) == 0);
	if (pt_proc_src(a, PT_F_CREDS)) {
		cr_assert_eq(pt_proc_uid(a), pt_proc_uid(b));
		cr_assert_eq(pt_proc_egid(a), pt_proc_egid(b));
	}
	if (pt_proc_state(a) == PT_STATE_EXITED) {
		cr_assert_eq(pt_proc_exit_code(a), pt_proc_exit_code(b));
		cr_assert_eq(pt_proc_exit_signal(a), pt_proc_exit_signal(b));
	}
}

/* ---- records ---- */

struct snap {
	struct pt_monitor *dst;
	unsigned n;
};

static int import_cb(const struct pt_proc *p, void *data)
{
	struct snap *s = data;
	char *line = pt_json_proc(p, NULL);
	const struct pt_proc *q;

	cr_assert_not_null(line);
	q = round_trip(s->dst, line);
	same_record(p, q);
	free(line);
	s->n++;
	return 0;
}

static int compare_cb(const struct pt_proc *p, void *data)
{
	struct pt_monitor *dst = data;
	const struct pt_proc *q = pt_lookup_at(dst, pt_proc_pid(p), pt_proc_start_us(p));
	char *a = pt_json_proc(p, NULL), *b;
	const struct pt_proc *pb;

	if (!q || pt_proc_start(q) != pt_proc_start(p))
		q = pt_lookup(dst, pt_proc_pid(p));
	cr_assert_not_null(q);
	b = pt_json_proc(q, NULL);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	/* lineage is a table lookup: the same parents in both tables */
	pb = pt_parent(dst, q);
	if (pb)
		cr_assert_eq(pt_proc_pid(pb), pt_proc_ppid(p));
	return 0;
}

Test(import_proc, real_snapshot_every_record)
{
	struct pt_monitor *src = NULL, *dst = open_empty();
	struct pt_options o;
	struct snap s = {dst, 0};
	unsigned n = 0;

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	cr_assert_eq(pt_monitor_open(&src, &o), 0);
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, import_cb, &s), 0);
	cr_assert_gt(s.n, 1);
	cr_assert_eq(pt_foreach(dst, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, s.n);
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, compare_cb, dst), 0);
	cr_assert_str_eq(pt_monitor_boot_id(dst), pt_monitor_boot_id(src));
	cr_assert_eq(pt_monitor_tier(dst), PT_TIER_NONE);
	/* the same snapshot again replaces, never duplicates */
	s.n = 0;
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, import_cb, &s), 0);
	n = 0;
	cr_assert_eq(pt_foreach(dst, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, s.n);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- crafted records, built in a table of their own ---- */

static struct pt_table *craft_table(const char *boot)
{
	struct pt_table_opts o = {.retention_us = 60000000,
				  .mem_max = 64 << 20,
				  .exec_history = 8,
				  .clk_tck = 100,
				  .boot_us = 1700000000000000};
	struct pt_table *t;

	if (boot)
		snprintf(o.boot_id, sizeof(o.boot_id), "%s", boot);
	t = pt_table_new(&o);
	cr_assert_not_null(t);
	return t;
}

static char *dupb(const void *s, size_t n)
{
	char *d = malloc(n + 1);

	cr_assert_not_null(d);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* Every known field set, with bytes a process may choose. */
static struct pt_proc *craft(struct pt_table *t, pid_t pid, pid_t ppid, uint64_t start)
{
	static const char args[] = "/bin/\xff\xfe"
				   "x\0--a=\"q\\\x01\x1f\x7f\"\0\xc3\xa9t\xc3\0\0";
	struct pt_proc *p = pt_table_add(t, pid, start);

	cr_assert_not_null(p);
	p->ppid = ppid;
	pt_proc_set_known(p, PT_F_PPID, PT_SRC_EVENT);
	pt_proc_set_known(p, PT_F_START, PT_SRC_PROC);
	memcpy(p->comm, "a\"b\\\n\xff\x80z", 9);
	pt_proc_set_known(p, PT_F_COMM, PT_SRC_PROC);
	p->exe = dupb("/usr/bin/\xe2\x82", 11);
	pt_proc_set_known(p, PT_F_EXE, PT_SRC_PROC);
	pt_proc_set_args(p, dupb(args, sizeof(args) - 1), sizeof(args) - 1, true);
	pt_proc_set_known(p, PT_F_ARGV, PT_SRC_BPF);
	p->uid = 1000;
	p->euid = 0;
	p->gid = 4294967294u;
	p->egid = 5;
	pt_proc_set_known(p, PT_F_CREDS, PT_SRC_PROC);
	p->sid = 7;
	pt_proc_set_known(p, PT_F_SID, PT_SRC_PROC);
	p->pgid = -3;
	pt_proc_set_known(p, PT_F_PGID, PT_SRC_PROC);
	p->tty_nr = 34816;
	pt_proc_set_known(p, PT_F_TTY, PT_SRC_PROC);
	p->cwd = dupb("/home/\t\x01\xc0", 9);
	pt_proc_set_known(p, PT_F_CWD, PT_SRC_PROC);
	p->cgroup = dupb("/system.slice/docker-0123abcd.scope", 35);
	p->cgroup_id = 4242;
	pt_proc_set_known(p, PT_F_CGROUP, PT_SRC_PROC);
	{
		struct pt_cgroup_attr a = {.runtime = PT_RT_CRIO,
					   .id = "0123abcd",
					   .pod_uid = "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
					   .qos = PT_QOS_BESTEFFORT,
					   .nouter = 1,
					   .outer = {"ffff0000"}};

		p->ctr = pt_ctr_new(&a, NULL);
		cr_assert_not_null(p->ctr);
		p->ctr->name = strdup("web\x01");
		p->ctr->image = strdup("nginx:1.25");
		p->ctr->image_repo = strdup("nginx");
		p->ctr->image_tag = strdup("1.25");
		p->ctr->pod_name = strdup("web-0");
		p->ctr->pod_ns = strdup("prod");
		p->ctr->created_us = 1795206986000000;
		p->ctr->privileged = true;
		p->ctr->why = PT_WHY_NONE;
	}
	pt_proc_set_known(p, PT_F_CONTAINER, PT_SRC_PROC);
	pt_proc_set_known(p, PT_F_CTR_META, PT_SRC_PROC);
	p->vpid = 1;
	p->vpgid = 1;
	pt_proc_set_known(p, PT_F_NSPID, PT_SRC_PROC);
	p->ns[PT_NS_MNT] = 4026531832u;
	p->ns[PT_NS_TIME] = 1;
	pt_proc_set_known(p, PT_F_NS, PT_SRC_PROC);
	p->loginuid = 1000;
	pt_proc_set_known(p, PT_F_LOGINUID, PT_SRC_PROC);
	p->tier = PT_TIER_BPF;
	p->nthreads = 3;
	pt_table_touch(t, p);
	return p;
}

/* Import one crafted record into a fresh empty monitor and compare. */
static void check_crafted(const struct pt_proc *p)
{
	struct pt_monitor *m = open_empty();
	char *line = pt_json_proc(p, NULL);
	const struct pt_proc *q;

	cr_assert_not_null(line);
	q = round_trip(m, line);
	same_record(p, q);
	/* a trailing newline is accepted */
	{
		size_t n = strlen(line);
		char *nl = dupb(line, n + 1);
		char *back;

		nl[n] = '\n';
		cr_assert_eq(pt_import_proc(m, nl, n + 1, &q, NULL, 0), 0);
		back = pt_json_proc(q, NULL);
		cr_assert_str_eq(back, line);
		free(back);
		free(nl);
	}
	free(line);
	pt_monitor_close(m);
}

Test(import_proc, crafted_bytes_all_known)
{
	struct pt_table *t = craft_table(BOOT);
	struct pt_proc *parent = craft(t, 50, 1, 900);
	struct pt_proc *p = craft(t, 4242, 50, 1000);

	(void)parent;
	cr_assert_eq(p->pkey, PT_PKEY_BOUND);
	check_crafted(p);
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, crafted_exits)
{
	struct pt_table *t = craft_table(BOOT);
	struct pt_proc *p;

	/* killed by a signal, with a core */
	p = craft(t, 10, 0, 100);
	p->exit_code = -1;
	p->exit_signal = 11;
	p->core_dumped = true;
	pt_table_exit(t, p, 1700000001234567, PT_STATE_EXITED);
	cr_assert_eq(p->pkey, PT_PKEY_NONE);
	check_crafted(p);
	/* exit 3 */
	p = craft(t, 11, 0, 100);
	p->exit_code = 3;
	pt_table_exit(t, p, 1700000005000000, PT_STATE_EXITED);
	check_crafted(p);
	/* closed by a resync: status lost, time known */
	p = craft(t, 12, 0, 100);
	p->flags |= PT_PROC_RESYNC;
	pt_table_exit(t, p, 1700000006000000, PT_STATE_EXIT_UNKNOWN);
	check_crafted(p);
	/* closed by a scanning tier: status unsupported */
	p = craft(t, 13, 0, 100);
	p->flags |= PT_PROC_SYNTH;
	pt_table_exit(t, p, 1700000007000000, PT_STATE_EXIT_UNKNOWN);
	check_crafted(p);
	/* exited before it started (clock skew): duration null */
	p = craft(t, 14, 0, 100);
	p->exit_code = 0;
	pt_table_exit(t, p, p->start_us - 5, PT_STATE_EXITED);
	check_crafted(p);
	/* exited, status not seen */
	p = craft(t, 15, 0, 100);
	p->exit_code = -1;
	pt_table_exit(t, p, 1700000008000000, PT_STATE_EXITED);
	check_crafted(p);
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, crafted_missing_and_inherited)
{
	struct pt_table *t = craft_table(NULL);
	struct pt_proc *p;

	for (unsigned w = PT_WHY_NOT_READ; w < PT_WHY_COUNT; w++) {
		p = craft(t, (pid_t)(20 + w), 1, 100 + w);
		for (unsigned f = 0; f < PT_F_COUNT; f++)
			if ((f + w) % 2)
				pt_proc_set_missing(p, f, (enum pt_why)w);
			else if ((f + w) % 3 == 0)
				p->src[f] = PT_SRC_INHERITED;
		/* a container's state is never known when the container is not */
		if (!pt_proc_has(p, PT_F_CONTAINER))
			pt_proc_set_missing(p, PT_F_CTR_META, (enum pt_why)p->why[PT_F_CONTAINER]);
		check_crafted(p);
	}
	/* born and gone: nothing known, no start, no key */
	p = pt_table_add(t, 77, 0);
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		pt_proc_set_missing(p, f, PT_WHY_LOST);
	p->start_us = 0;
	pt_table_exit(t, p, 0, PT_STATE_EXIT_UNKNOWN);
	p->exit_us = 0;
	check_crafted(p);
	/* known with no value: no exe, no cwd, no cgroup, no argv (a kernel thread) */
	p = craft(t, 78, 2, 5);
	free(p->exe);
	p->exe = NULL;
	free(p->cwd);
	p->cwd = NULL;
	free(p->cgroup);
	p->cgroup = NULL;
	pt_ctr_unref(p->ctr);
	p->ctr = NULL; /* the host */
	pt_proc_set_args(p, NULL, 0, false);
	memset(p->ns, 0, sizeof(p->ns));
	p->loginuid = (uid_t)-1;
	check_crafted(p);
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, crafted_exec_history)
{
	struct pt_table *t = craft_table(BOOT);
	struct pt_proc *p = craft(t, 30, 1, 100);
	struct pt_monitor *m;
	const struct pt_proc *q;
	char *line;

	for (unsigned i = 0; i < 5; i++) {
		char a[32];
		int n = snprintf(a, sizeof(a), "prog\xff%u", i) + 1;

		pt_table_push_exec(t, p, 1700000000000000 + i * 1000);
		if (i == 2) { /* an image whose exe and argv were not read */
			pt_proc_set_missing(p, PT_F_EXE, PT_WHY_GONE);
			continue;
		}
		p->exe = dupb(a, (size_t)n - 1);
		pt_proc_set_known(p, PT_F_EXE, PT_SRC_PROC);
		pt_proc_set_args(p, dupb(a, (size_t)n), (size_t)n, i == 3);
		pt_proc_set_known(p, PT_F_ARGV, PT_SRC_PROC);
	}
	cr_assert_eq(pt_proc_nexecs(p), 5);
	check_crafted(p);
	m = open_empty();
	line = pt_json_proc(p, NULL);
	q = round_trip(m, line);
	for (unsigned i = 0; i < 5; i++) {
		const struct pt_exec *a = pt_proc_exec(p, i), *b = pt_proc_exec(q, i);
		size_t la, lb;
		const char *xa = pt_exec_args(a, &la), *xb = pt_exec_args(b, &lb);

		cr_assert_eq(pt_exec_time_us(a), pt_exec_time_us(b));
		cr_assert_eq(la, lb);
		cr_assert(!la || memcmp(xa, xb, la) == 0);
		cr_assert_eq(!pt_exec_exe(a), !pt_exec_exe(b));
	}
	free(line);
	pt_monitor_close(m);
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, same_key_replaces_other_start_adds)
{
	struct pt_table *t = craft_table(BOOT);
	struct pt_proc *a = craft(t, 40, 1, 100), *b;
	struct pt_monitor *m = open_empty();
	char *la, *lb;
	unsigned n = 0;

	la = pt_json_proc(a, NULL);
	a->exit_code = 0;
	pt_table_exit(t, a, 1700000009000000, PT_STATE_EXITED);
	lb = pt_json_proc(a, NULL);
	round_trip(m, la);
	round_trip(m, lb); /* the same process, now exited: replaced */
	cr_assert_eq(pt_foreach(m, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, 1);
	free(la);
	free(lb);
	b = craft(t, 40, 1, 200); /* the pid reused */
	la = pt_json_proc(b, NULL);
	round_trip(m, la);
	n = 0;
	cr_assert_eq(pt_foreach(m, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(pt_proc_start(pt_lookup(m, 40)), 200);
	cr_assert_eq(pt_proc_start(pt_lookup_at(m, 40, 1700000001000000 + 500000)), 100);
	free(la);
	pt_monitor_close(m);
	pt_table_free(t);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- malformed records ---- */

static const char *good_line(void)
{
	static char buf[4096];
	struct pt_table *t = craft_table(BOOT);
	struct pt_proc *p = craft(t, 60, 1, 100);
	char *s;

	p->exit_code = -1;
	p->exit_signal = 9;
	pt_table_exit(t, p, 1700000009000000, PT_STATE_EXITED);
	pt_table_push_exec(t, p, 1700000002000000);
	s = pt_json_proc(p, NULL);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	pt_table_free(t);
	return buf;
}

/* line with the first occurrence of from replaced by to */
static char *edit(const char *line, const char *from, const char *to)
{
	const char *at = strstr(line, from);
	size_t n = strlen(line) - strlen(from) + strlen(to);
	char *s;

	cr_assert_not_null(at, "no %s in %s", from, line);
	s = malloc(n + 1);
	cr_assert_not_null(s);
	snprintf(s, n + 1, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
	return s;
}

static void refused(struct pt_monitor *m, const char *line, size_t len, const char *mention)
{
	char why[256] = "";
	const struct pt_proc *p = (const void *)1;
	unsigned n = 0;

	cr_assert_eq(pt_import_proc(m, line, len, &p, why, sizeof(why)), -EINVAL,
		     "accepted: %.300s", line);
	cr_assert_null(p);
	cr_assert_neq(why[0], 0);
	cr_assert_null(strchr(why, '\n'));
	if (mention)
		cr_assert_not_null(strstr(why, mention), "why \"%s\" does not name %s", why,
				   mention);
	cr_assert_eq(pt_foreach(m, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, 0, "a refused line changed the table");
}

Test(import_proc, malformed_lines_are_refused)
{
	static const struct {
		const char *from, *to, *mention;
	} edits[] = {
		{"\"pid\":60", "\"pid\":\"60\"", "pid"},
		{"\"pid\":60", "\"pid\":0", "pid"},
		{"\"pid\":60", "\"pid\":99999999999999999999999", NULL},
		{"\"pid\":60", "\"pid\":1e3", "pid"},
		{"\"pid\":60,", "", "pid"},
		{"\"ppid\":1", "\"ppid\":-1", "ppid"},
		{"\"ppid\":1", "\"ppid\":null", "ppid"},
		{"\"start\":100", "\"start\":101", "key"},
		{"\"state\":\"exited\"", "\"state\":\"zombie\"", "state"},
		{"\"state\":\"exited\"", "\"state\":\"alive\"", NULL},
		{"\"comm\":", "\"comm\":17,\"x\":", "comm"},
		{"\"comm_b64\":\"", "\"comm_b64\":\"!", "comm_b64"},
		{"\"comm_b64\":\"YSJiXAr/gHo=\"", "\"comm_b64\":\"YQ==\"", "comm_b64"},
		{"\"comm_b64\":\"YSJiXAr/gHo=\"", "\"comm_b64\":\"YSJiXAr/gH8=\"", "comm_b64"},
		{"\"cwd_b64\":\"", "\"cwd_b64\":\"AA==\",\"x\":\"", "cwd_b64"},
		{"\"argv\":[", "\"argv\":[1,", "argv"},
		{"\"argv_b64\":[", "\"argv_b64\":[\"AA==\",", "argv_b64"},
		{"\"uid\":1000", "\"uid\":4294967296", "uid"},
		{"\"uid\":1000", "\"uid\":null", "uid"},
		{"\"ns\":{", "\"ns\":{\"foo\":1,", "ns"},
		{"\"tier\":\"bpf\"", "\"tier\":\"ebpf\"", "tier"},
		{"\"start_time\":\"", "\"start_time\":\"x", "start_time"},
		{"T22:13:21.000000Z\",\"exit", "T22:13:21.000000+01:00\",\"exit", "start_time"},
		{"\"signal\":9", "\"signal\":0", "signal"},
		{"\"core_dumped\":false", "\"core_dumped\":null", NULL},
		{"\"threads\":1", "\"threads\":-1", "threads"},
		{"\"loginuid\":1000", "\"loginuid\":-2", "loginuid"},
		{"\"key\":\"", "\"key\":\"x", "key"},
		{"\"execs\":[{", "\"execs\":[7,{", "execs"},
		{"\"execs\":[{\"time\":", "\"execs\":[{\"time\":5,\"x\":", "time"},
		{"\"missing\":{", "\"missing\":{\"comm\":\"gone\",", "comm"},
		{"\"missing\":{", "\"missing\":{\"nonsense\":\"gone\",", "missing"},
		{"\"missing\":{", "\"missing\":{\"ns\":\"known\",", "missing"},
		{"\"missing\":{", "\"inherited\":[\"nothing\"],\"missing\":{", "inherited"},
		{"\"pid\":60", "\"pid\":60,\"pid\":61", NULL},
	};
	struct pt_monitor *m = open_empty();
	const char *line = good_line();
	static const char *const whole[] = {
		"",	    "null",
		"[]",	    "42",
		"\"x\"",    "{",
		"{}",	    "{\"pid\":1}",
		"not json", "{\"pid\":1,\"comm\":\"x\"}", /* a pt_json_fields() object */
	};
	char *bomb;
	int depth = 100000;

	for (size_t i = 0; i < PT_ARRAY_SIZE(edits); i++) {
		char *s = edit(line, edits[i].from, edits[i].to);

		refused(m, s, strlen(s), edits[i].mention);
		free(s);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(whole); i++)
		refused(m, whole[i], strlen(whole[i]), NULL);
	/* truncated anywhere */
	for (size_t n = 0; n < strlen(line); n += 7)
		refused(m, line, n, NULL);
	/* a nesting bomb */
	bomb = malloc((size_t)depth * 2 + 32);
	cr_assert_not_null(bomb);
	memset(bomb, '[', (size_t)depth);
	memset(bomb + depth, ']', (size_t)depth);
	refused(m, bomb, (size_t)depth * 2, NULL);
	memcpy(bomb, "{\"pid\":", 7);
	refused(m, bomb, (size_t)depth * 2, NULL);
	free(bomb);
	/* NULs inside the line and after it */
	refused(m, "{\"pid\":1\0}", 10, NULL);
	cr_assert_eq(pt_import_proc(NULL, line, strlen(line), NULL, NULL, 0), -EINVAL);
	cr_assert_eq(pt_import_proc(m, NULL, 5, NULL, NULL, 0), -EINVAL);
	/* still works after all that */
	round_trip(m, line);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, empty_monitor_works_as_a_table)
{
	struct pt_monitor *m = open_empty();
	struct pt_status st;
	struct pt_options o;
	struct pt_monitor *x = NULL;

	cr_assert_eq(pt_monitor_tier(m), PT_TIER_NONE);
	cr_assert_null(pt_lookup(m, 1));
	cr_assert_null(pt_monitor_boot_id(m));
	cr_assert_eq(pt_monitor_resync(m), -EOPNOTSUPP);
	cr_assert_eq(pt_monitor_dispatch(m), 0);
	cr_assert_eq(pt_monitor_run(m, 1), 0);
	cr_assert_eq(pt_monitor_status(m, &st), 0);
	cr_assert_eq(st.alive + st.exited, 0);
	pt_options_init(&o);
	o.flags = 1u << 7;
	cr_assert_eq(pt_monitor_open(&x, &o), -EINVAL);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- events: a stream from a monitor over a fixture, imported ---- */

#define NVIEWS 3

/* What a subscriber saw: JSON lines and watch's text in three views. */
struct seen {
	const struct pt_monitor *m;
	struct pt_buf json;
	struct pt_event ev[128];
	unsigned n;
	struct cli_out out[NVIEWS];
	char *text[NVIEWS];
	size_t textlen[NVIEWS];
	FILE *f[NVIEWS];
};

static void seen_init(struct seen *s, const struct pt_monitor *m)
{
	memset(s, 0, sizeof(*s));
	s->m = m;
	pt_buf_init(&s->json);
	for (unsigned i = 0; i < NVIEWS; i++) {
		s->f[i] = open_memstream(&s->text[i], &s->textlen[i]);
		cr_assert_not_null(s->f[i]);
		s->out[i] = (struct cli_out){.fmt = &cli_fmt_text,
					     .f = s->f[i],
					     .m = m,
					     .view = CLI_VIEW_WATCH,
					     .tree = i == 1,
					     .compact = i == 2,
					     .time = CLI_TIME_UTC};
	}
}

static void seen_end(struct seen *s)
{
	for (unsigned i = 0; i < NVIEWS; i++) {
		s->out[i].fmt->end(&s->out[i], PT_TIER_NONE);
		fclose(s->f[i]);
	}
}

static void seen_free(struct seen *s)
{
	for (unsigned i = 0; i < NVIEWS; i++)
		free(s->text[i]);
	pt_buf_free(&s->json);
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct seen *s = data;
	size_t len;
	char *line = pt_json_event(ev, &len);

	cr_assert_not_null(line);
	pt_buf_add(&s->json, line, len);
	pt_buf_addc(&s->json, '\n');
	free(line);
	if (s->n < PT_ARRAY_SIZE(s->ev))
		s->ev[s->n++] = *ev;
	for (unsigned i = 0; i < NVIEWS; i++)
		cr_assert_eq(s->out[i].fmt->event(&s->out[i], ev), 0);
}

/* Event times after the fixture's processes started (their start ticks count
 * from the real boot), so that durations are positive. */
static int64_t t0;

static struct pt_raw mkraw(enum pt_event_type type, pid_t pid, pid_t tid, pid_t ppid, int64_t t)
{
	return (struct pt_raw){
		.type = type, .pid = pid, .tid = tid, .ppid = ppid, .time_us = t0 + t};
}

static struct pt_proc *mkinfo(pid_t pid, uint64_t start, const char *comm, const char *exe,
			      const char *args, size_t len)
{
	struct pt_proc *info = malloc(sizeof(*info));

	cr_assert_not_null(info);
	pt_proc_init(info);
	info->pid = pid;
	info->start = start;
	pt_proc_set_known(info, PT_F_START, PT_SRC_BPF);
	snprintf(info->comm, sizeof(info->comm), "%s", comm);
	pt_proc_set_known(info, PT_F_COMM, PT_SRC_BPF);
	if (exe) {
		info->exe = strdup(exe);
		pt_proc_set_known(info, PT_F_EXE, PT_SRC_BPF);
	} else {
		pt_proc_set_missing(info, PT_F_EXE, PT_WHY_GONE);
	}
	pt_proc_set_args(info, dupb(args, len), len, len > 20);
	pt_proc_set_known(info, PT_F_ARGV, PT_SRC_BPF);
	return info;
}

/* One of each event type, and the odd ones: threads, unknown processes, a
 * synthesized exit, losses counted and estimated, failed execs. */
static void feed(struct pt_monitor *m)
{
	static const char args[] = "ls\0-l\0\xff\xfe\x01\0";
	struct pt_raw r;

	t0 = pt_boot_epoch_us() + 100000000;
	r = mkraw(PT_EV_FORK, 200, 200, 100, 10);
	r.start = 600;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC, 200, 200, 100, 20);
	r.info = mkinfo(200, 600, "ls\xff", "/bin/l\xc3s", args, sizeof(args) - 1);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_FORK, 200, 201, 100, 30);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_UID, 200, 201, 100, 40);
	r.u.id.r = 1000;
	r.u.id.e = 0;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_GID, 200, 200, 100, 41);
	r.u.id.r = 5;
	r.u.id.e = 4294967294u;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_SID, 200, 200, 100, 42);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_COMM, 200, 200, 100, 43);
	memcpy(r.u.comm, "new\tname\xe9", 10);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_COMM, 200, 201, 100, 44); /* a thread's name */
	memcpy(r.u.comm, "worker", 7);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_PTRACE, 200, 200, 100, 45);
	r.u.tracer.pid = r.u.tracer.tid = 100;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_PTRACE, 200, 200, 100, 46);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXIT, 200, 201, 100, 47); /* the thread */
	r.u.exit.status = 0;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_COREDUMP, 200, 200, 100, 48);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXIT, 200, 200, 100, 1234567);
	r.u.exit.status = 11 | 0x80;
	pt_core_raw(m, &r);
	/* failed execs: with what was asked, without, and of a process unknown */
	r = mkraw(PT_EV_EXEC_FAILED, 100, 100, 1, 50);
	r.u.failed.err = 2;
	r.u.failed.path = strdup("./nope\xff");
	r.u.failed.args = dupb("nope\0a b\0", 9);
	r.u.failed.args_len = 9;
	r.u.failed.argc = 2;
	r.u.failed.args_truncated = true;
	r.u.failed.execveat = true;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC_FAILED, 100, 100, 1, 51);
	r.u.failed.err = 7;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC_FAILED, 100, 100, 1, 52);
	r.u.failed.err = 4095; /* no name */
	r.u.failed.args = calloc(1, 1);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC_FAILED, 999, 999, 1, 53);
	r.u.failed.err = 13;
	r.info = mkinfo(999, 700, "sh", "/bin/sh", "sh\0", 3);
	pt_core_raw(m, &r);
	/* born and gone while not looked at */
	r = mkraw(PT_EV_EXIT, 300, 300, 1, 60);
	r.u.exit.status = 3 << 8;
	pt_core_raw(m, &r);
	/* about a process the table does not know */
	r = mkraw(PT_EV_UID, 12345, 12345, 0, 61);
	pt_core_raw(m, &r);
	/* a short life, start to end */
	r = mkraw(PT_EV_FORK, 400, 400, 1, 70);
	r.start = 700;
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC, 400, 400, 1, 71);
	r.info = mkinfo(400, 700, "true", NULL, "true\0", 5);
	r.info->cap_prm = r.info->cap_eff = 0x1ffffffffffull; /* root's */
	r.info->cap_inh = 1u << 21;
	pt_proc_set_known(r.info, PT_F_CAPS, PT_SRC_BPF);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXEC, 400, 400, 1, 72); /* a second exec */
	r.info = mkinfo(400, 700, "env", "/usr/bin/env", "env\0x\0", 6);
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_EXIT, 400, 400, 1, 2072);
	r.u.exit.status = 0;
	pt_core_raw(m, &r);
	/* a scanning tier's inference: no status, a window */
	r = mkraw(PT_EV_EXIT, 100, 100, 1, 90);
	r.u.exit.status = -1;
	r.synthesized = true;
	r.lo_us = t0 + 80;
	r.hi_us = t0 + 90;
	pt_core_raw(m, &r);
	/* losses: an estimate at once, a count at the end of the dispatch */
	r = mkraw(PT_EV_LOST, 0, 0, 0, 95);
	r.u.lost.count = 5;
	r.u.lost.estimated = true;
	r.u.lost.reason = "pids skipped";
	pt_core_raw(m, &r);
	r = mkraw(PT_EV_LOST, 0, 0, 0, 96);
	r.u.lost.count = 3;
	r.u.lost.reason = "slow-reader";
	pt_core_raw(m, &r);
	pt_core_flush(m);
}

static void import_lines(struct pt_monitor *dst, const char *lines, size_t len)
{
	const char *p = lines, *end = lines + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char why[256] = "";
		int r;

		cr_assert_not_null(nl);
		r = pt_import_event(dst, p, (size_t)(nl - p), why, sizeof(why));
		cr_assert_eq(r, 0, "import failed (%d: %s): %.*s", r, why, (int)(nl - p), p);
		p = nl + 1;
	}
}

/* The strings an event points to live only during the callback: the JSON
 * lines compare them. */
static void same_event(const struct pt_event *a, const struct pt_event *b)
{
	cr_assert_eq(a->type, b->type);
	cr_assert_eq(a->time_us, b->time_us);
	cr_assert_eq(a->pid, b->pid);
	cr_assert_eq(a->tid, b->tid);
	cr_assert_eq(a->ppid, b->ppid);
	cr_assert_eq(!a->proc, !b->proc, "%s", pt_event_name(a->type));
	cr_assert_eq(a->thread, b->thread);
	cr_assert_eq(a->synthesized, b->synthesized);
	cr_assert_eq(a->tier, b->tier);
	cr_assert_eq(a->window_lo_us, b->window_lo_us);
	cr_assert_eq(a->window_hi_us, b->window_hi_us);
	switch (a->type) {
	case PT_EV_EXIT:
		cr_assert_eq(a->u.exit.exit_code, b->u.exit.exit_code);
		cr_assert_eq(a->u.exit.signal, b->u.exit.signal);
		cr_assert_eq(a->u.exit.core_dumped, b->u.exit.core_dumped);
		cr_assert_eq(a->u.exit.duration_us, b->u.exit.duration_us);
		break;
	case PT_EV_UID:
	case PT_EV_GID:
	case PT_EV_PTRACE:
		cr_assert_eq(memcmp(&a->u.uid, &b->u.uid, sizeof(a->u.uid)), 0);
		break;
	case PT_EV_COMM:
		cr_assert_eq(memcmp(a->u.comm.comm, b->u.comm.comm, PT_COMM_LEN), 0);
		cr_assert_eq(memcmp(a->u.comm.old, b->u.comm.old, PT_COMM_LEN), 0);
		break;
	case PT_EV_LOST:
		cr_assert_eq(a->u.lost.count, b->u.lost.count);
		cr_assert_eq(a->u.lost.estimated, b->u.lost.estimated);
		cr_assert_eq(!a->u.lost.reason, !b->u.lost.reason);
		break;
	case PT_EV_EXEC_FAILED:
		cr_assert_eq(a->u.exec_failed.err, b->u.exec_failed.err);
		cr_assert_eq(!a->u.exec_failed.path, !b->u.exec_failed.path);
		cr_assert_eq(!a->u.exec_failed.args, !b->u.exec_failed.args);
		cr_assert_eq(a->u.exec_failed.args_len, b->u.exec_failed.args_len);
		cr_assert_eq(a->u.exec_failed.argc, b->u.exec_failed.argc, "%u %u",
			     a->u.exec_failed.argc, b->u.exec_failed.argc);
		cr_assert_eq(a->u.exec_failed.args_truncated, b->u.exec_failed.args_truncated);
		cr_assert_eq(a->u.exec_failed.execveat, b->u.exec_failed.execveat);
		break;
	default:
		break;
	}
}

static char *fx;

static struct pt_monitor *open_fixture(void)
{
	struct pt_options o;
	struct pt_monitor *m = NULL;

	fx = fx_root_new();
	cr_assert_not_null(fx);
	cr_assert_eq(fx_set_boot_id(fx, BOOT "\n"), 0);
	cr_assert_eq(fx_add_simple(fx, 1, 0, "init", 10, "/sbin/init", 11), 0);
	cr_assert_eq(fx_add_simple(fx, 100, 1, "bash", 500, "bash", 5), 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = fx;
	o.threads = true;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

Test(import_event, every_type_round_trips_with_the_same_text)
{
	struct pt_monitor *src = open_fixture(), *dst = open_empty();
	struct seen a, b;
	struct pt_status sa, sb;
	const struct pt_proc *p, *q;

	seen_init(&a, src);
	seen_init(&b, dst);
	cr_assert_eq(pt_monitor_subscribe(src, on_event, &a), 0);
	cr_assert_eq(pt_monitor_subscribe(dst, on_event, &b), 0);
	/* as a client does: the table first (watch --tree needs the ancestors), then
	 * the stream */
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, import_cb, &(struct snap){dst, 0}), 0);
	feed(src);
	cr_assert_gt(a.n, 20);
	import_lines(dst, a.json.p, a.json.len);
	seen_end(&a);
	seen_end(&b);
	cr_assert_eq(a.n, b.n);
	for (unsigned i = 0; i < a.n; i++)
		same_event(&a.ev[i], &b.ev[i]);
	pt_buf_addc(&a.json, '\0');
	pt_buf_addc(&b.json, '\0');
	cr_assert_str_eq(b.json.p, a.json.p);
	for (unsigned i = 0; i < NVIEWS; i++) {
		cr_assert_str_eq(b.text[i], a.text[i], "view %u", i);
	}
	/* the table after the stream: lives, deaths and lineage */
	for (pid_t pid = 200; pid <= 400; pid += 100) {
		p = pt_lookup(src, pid);
		q = pt_lookup(dst, pid);
		cr_assert(p && q);
		cr_assert_eq(pt_proc_state(p), pt_proc_state(q));
		cr_assert_eq(pt_proc_exit_code(p), pt_proc_exit_code(q));
		cr_assert_eq(pt_proc_exit_signal(p), pt_proc_exit_signal(q));
		cr_assert_eq(pt_proc_exit_us(p), pt_proc_exit_us(q));
		cr_assert_eq(pt_proc_nexecs(p), pt_proc_nexecs(q), "pid %d", pid);
		if (pid != 300)
			cr_assert_eq(pt_proc_start_us(p), pt_proc_start_us(q));
	}
	/* the image inherited at fork is not an exec of its own; the first exec's is */
	cr_assert_eq(pt_proc_nexecs(pt_lookup(dst, 400)), 1);
	cr_assert(pt_proc_core_dumped(pt_lookup(dst, 200)));
	cr_assert_eq(pt_proc_pid(pt_parent(dst, pt_lookup(dst, 200))), 100);
	cr_assert_eq(pt_monitor_status(src, &sa), 0);
	cr_assert_eq(pt_monitor_status(dst, &sb), 0);
	cr_assert_eq(sa.lost, sb.lost);
	cr_assert_eq(sa.lost_estimated, sb.lost_estimated);
	cr_assert_eq(memcmp(sa.events, sb.events, sizeof(sa.events)), 0);
	seen_free(&a);
	seen_free(&b);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	fx_root_free(fx);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_event, a_stream_joined_midway_gives_the_same_lines)
{
	struct pt_monitor *src = open_fixture(), *dst = open_empty();
	struct seen a, b;

	seen_init(&a, src);
	seen_init(&b, dst);
	cr_assert_eq(pt_monitor_subscribe(src, on_event, &a), 0);
	cr_assert_eq(pt_monitor_subscribe(dst, on_event, &b), 0);
	feed(src); /* the table knew nothing before: records come from the events */
	import_lines(dst, a.json.p, a.json.len);
	seen_end(&a);
	seen_end(&b);
	pt_buf_addc(&a.json, '\0');
	pt_buf_addc(&b.json, '\0');
	cr_assert_str_eq(b.json.p, a.json.p);
	/* the default and compact views; --tree needs the ancestors (the test above) */
	cr_assert_str_eq(b.text[0], a.text[0]);
	cr_assert_str_eq(b.text[2], a.text[2]);
	/* the exit of a process forked before: its duration and start agree */
	cr_assert_eq(pt_proc_start_us(pt_lookup(dst, 200)), pt_proc_start_us(pt_lookup(src, 200)));
	seen_free(&a);
	seen_free(&b);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	fx_root_free(fx);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- text of show, ps, ps -o and tree on imported records ---- */

static char *render(const struct pt_monitor *m, unsigned what)
{
	static const char *const cols[] = {"pid",   "ppid",	  "user",	 "pname",
					   "aname", "aname[2]",	  "cmdline",	 "exe",
					   "argv",  "state",	  "duration_ms", "container.id",
					   "execs", "start_time", "parent_key",	 "loginuid"};
	struct pt_field_ref refs[PT_ARRAY_SIZE(cols)];
	struct cli_procs k = {0};
	struct cli_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	for (size_t i = 0; i < PT_ARRAY_SIZE(cols); i++)
		cr_assert_eq(pt_field_lookup(cols[i], &refs[i]), 0, "%s", cols[i]);
	o = (struct cli_out){.fmt = &cli_fmt_text,
			     .f = f,
			     .m = m,
			     .header = true,
			     .view = what == 2 ? CLI_VIEW_ONE : CLI_VIEW_PS};
	if (what == 1) {
		o.cols = refs;
		o.ncols = PT_ARRAY_SIZE(refs);
	}
	cr_assert_eq(pt_foreach(m, PT_SEL_ALL, cli_procs_add, &k), 0);
	cli_procs_sort(&k);
	o.fmt->begin(&o);
	for (size_t i = 0; i < k.n; i++) {
		if (what == 2)
			cr_assert_eq(o.fmt->show(&o, k.v[i]), 0);
		else
			cr_assert_eq(o.fmt->proc(&o, k.v[i]), 0);
	}
	if (what == 2 && pt_lookup(m, 1)) {
		o.ascii = true;
		cr_assert_eq(o.fmt->tree(&o, pt_lookup(m, 1)), 0);
	}
	o.fmt->end(&o, PT_TIER_NONE);
	fclose(f);
	free(k.v);
	return buf;
}

static int collect(const struct pt_proc *p, void *data)
{
	struct pt_buf *b = data;

	pt_buf_printf(b, "%d:%llu ", pt_proc_pid(p), (unsigned long long)pt_proc_start(p));
	return 0;
}

/* The queries the daemon answers, on both tables. */
static void same_queries(struct pt_monitor *src, struct pt_monitor *dst)
{
	const struct pt_proc *a = pt_lookup(src, 1), *b = pt_lookup(dst, 1);
	struct pt_buf x, y;

	if (a) {
		char *ta = pt_json_tree(src, a, PT_SEL_ALL, NULL);
		char *tb = pt_json_tree(dst, b, PT_SEL_ALL, NULL);

		cr_assert(ta && tb);
		cr_assert_str_eq(tb, ta);
		free(ta);
		free(tb);
	}
	pt_buf_init(&x);
	pt_buf_init(&y);
	cr_assert_eq(pt_foreach_exited(src, 0, collect, &x), 0);
	cr_assert_eq(pt_foreach_exited(dst, 0, collect, &y), 0);
	cr_assert_eq(pt_foreach_short(src, 5000, collect, &x), 0);
	cr_assert_eq(pt_foreach_short(dst, 5000, collect, &y), 0);
	pt_buf_addc(&x, 0);
	pt_buf_addc(&y, 0);
	cr_assert_str_eq(y.p, x.p);
	pt_buf_free(&x);
	pt_buf_free(&y);
}

static void same_text(struct pt_monitor *src, struct pt_monitor *dst)
{
	same_queries(src, dst);
	for (unsigned what = 0; what < 3; what++) {
		char *a = render(src, what), *b = render(dst, what);

		cr_assert_str_eq(b, a, "view %u", what);
		free(a);
		free(b);
	}
}

Test(import_proc, show_ps_tree_text_of_a_real_snapshot)
{
	struct pt_monitor *src = NULL, *dst = open_empty();
	struct pt_options o;
	struct snap s = {dst, 0};

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	cr_assert_eq(pt_monitor_open(&src, &o), 0);
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, import_cb, &s), 0);
	same_text(src, dst);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	cr_assert_eq(fx_leaks(), 0);
}

Test(import_proc, show_ps_tree_text_after_a_stream)
{
	struct pt_monitor *src = open_fixture(), *dst = open_empty();
	struct snap s = {dst, 0};

	feed(src); /* exits, execs, failed execs, threads */
	cr_assert_eq(pt_foreach(src, PT_SEL_ALL, import_cb, &s), 0);
	same_text(src, dst);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	fx_root_free(fx);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- malformed events ---- */

static unsigned delivered;

static void count_event(const struct pt_event *ev, void *data)
{
	(void)ev;
	(void)data;
	delivered++;
}

static void event_refused(struct pt_monitor *m, const char *line, size_t len, const char *mention)
{
	char why[256] = "";
	unsigned before = delivered, n = 0;

	cr_assert_eq(pt_import_event(m, line, len, why, sizeof(why)), -EINVAL, "accepted: %.*s",
		     (int)len, line);
	cr_assert_neq(why[0], 0);
	cr_assert_null(strchr(why, '\n'));
	if (mention)
		cr_assert_not_null(strstr(why, mention), "why \"%s\" does not name %s", why,
				   mention);
	cr_assert_eq(delivered, before, "a refused event was delivered");
	cr_assert_eq(pt_foreach(m, PT_SEL_ALL, count_cb, &n), 0);
	cr_assert_eq(n, 0, "a refused event changed the table");
}

/* The first line of the stream holding needle. */
static char *line_with(const struct pt_buf *json, const char *needle)
{
	const char *p = json->p, *end = json->p + json->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (memmem(p, (size_t)(nl - p), needle, strlen(needle)))
			return dupb(p, (size_t)(nl - p));
		p = nl + 1;
	}
	cr_assert_fail("no line with %s", needle);
	return NULL;
}

Test(import_event, malformed_events_are_refused)
{
	static const struct {
		const char *line, *from, *to, *mention;
	} edits[] = {
		{"\"event\":\"fork\"", "\"event\":\"fork\"", "\"event\":\"forks\"", "event"},
		{"\"event\":\"fork\"", "\"time\":\"", "\"time\":1,\"x\":\"", "time"},
		{"\"event\":\"fork\"", "\"pid\":200", "\"pid\":-1", "pid"},
		{"\"event\":\"fork\"", "\"tid\":200", "\"tid\":201", "tid"},
		{"\"event\":\"fork\"", "\"tier\":\"none\"", "\"tier\":7", "tier"},
		{"\"event\":\"fork\"", "\"start\":600", "\"start\":601", "key"},
		{"\"event\":\"fork\"", "\"parent_key\":\"", "\"parent_key\":\"1", "parent_key"},
		{"\"event\":\"fork\"", "\"uid\":0", "\"uid\":\"0\"", "uid"},
		{"\"thread\":true", "\"thread\":true", "\"thread\":1", "thread"},
		{"\"event\":\"lost\"", "\"count\":5", "\"count\":-5", "count"},
		{"\"event\":\"lost\"", "\"estimated\":true", "\"estimated\":null", "estimated"},
		{"\"event\":\"lost\"", "\"reason\":\"", "\"reason\":7,\"x\":\"", "reason"},
		{"\"signal\":11", "\"exit_code\":null", "\"exit_code\":1", "exit_code"},
		{"\"signal\":11", "\"signal\":11", "\"signal\":0", "signal"},
		{"\"duration_ms\":", "\"duration_ms\":", "\"duration_ms\":-1,\"x\":",
		 "duration_ms"},
		{"\"res\":\"ENOENT\"", "\"res\":\"ENOENT\"", "\"res\":\"EPERM\"", "res"},
		{"\"res\":\"ENOENT\"", "\"exec_argv\":[", "\"exec_argv\":[1,", "exec_argv"},
		{"\"res\":\"ENOENT\"", "\"filename_b64\":\"",
		 "\"filename_b64\":\"=", "filename_b64"},
		{"\"window\"", "\"window\":{", "\"window\":7,\"w\":{", "window"},
		{"\"old_comm\"", "\"comm\":\"new", "\"comm\":\"0123456789abcdefnew", "comm"},
		{"\"old_comm\"", "\"old_comm\":\"", "\"old_comm\":null,\"x\":\"", "old_comm"},
		{"\"event\":\"ptrace\"", "\"tracer_pid\":100", "\"tracer_pid\":1.5", "tracer_pid"},
		{"\"event\":\"gid\"", "\"egid\":4294967294", "\"egid\":4294967296", "egid"},
		{"\"event\":\"fork\"",
		 "\"tier\":", "\"missing\":{\"whatever\":\"lost\"},\"tier\":", "missing"},
	};
	static const char *const whole[] = {
		"",
		"null",
		"[]",
		"7",
		"{",
		"{}",
		"{\"event\":\"fork\"}",
		"{\"event\":null}",
		"{\"event\":\"lost\",\"time\":\"2026-12-02T04:14:22.675020Z\",\"tier\":\"none\"}",
		"\xff\xfe",
		"{\"event\":\"fork\"}{\"event\":\"fork\"}",
	};
	struct pt_monitor *src = open_fixture(), *dst = open_empty();
	struct seen a;
	char *line, *bad_line;
	int depth = 50000;

	seen_init(&a, src);
	cr_assert_eq(pt_monitor_subscribe(src, on_event, &a), 0);
	cr_assert_eq(pt_monitor_subscribe(dst, count_event, NULL), 0);
	feed(src);
	seen_end(&a);
	for (size_t i = 0; i < PT_ARRAY_SIZE(edits); i++) {
		line = line_with(&a.json, edits[i].line);
		bad_line = edit(line, edits[i].from, edits[i].to);
		event_refused(dst, bad_line, strlen(bad_line), edits[i].mention);
		free(bad_line);
		/* and cut anywhere */
		for (size_t n = 0; n < strlen(line); n += 11)
			event_refused(dst, line, n, NULL);
		free(line);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(whole); i++)
		event_refused(dst, whole[i], strlen(whole[i]), NULL);
	bad_line = malloc((size_t)depth * 2);
	cr_assert_not_null(bad_line);
	memset(bad_line, '{', (size_t)depth);
	memset(bad_line + depth, '}', (size_t)depth);
	event_refused(dst, bad_line, (size_t)depth * 2, NULL);
	free(bad_line);
	cr_assert_eq(pt_import_event(NULL, "{}", 2, NULL, 0), -EINVAL);
	cr_assert_eq(pt_import_event(dst, NULL, 2, NULL, 0), -EINVAL);
	/* still works afterwards */
	import_lines(dst, a.json.p, a.json.len);
	cr_assert_eq(delivered, a.n);
	seen_free(&a);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	fx_root_free(fx);
	cr_assert_eq(fx_leaks(), 0);
}

#define CAPS_OF_TRUE                                                                       \
	"\"caps\":{\"permitted\":\"000001ffffffffff\",\"effective\":\"000001ffffffffff\"," \
	"\"inheritable\":\"0000000000200000\"}"

Test(import_event, the_same_stream_twice_gives_the_same_lines_again)
{
	struct pt_monitor *src = open_fixture(), *dst = open_empty();
	struct seen a, b;
	struct pt_buf twice;

	seen_init(&a, src);
	seen_init(&b, dst);
	cr_assert_eq(pt_monitor_subscribe(src, on_event, &a), 0);
	cr_assert_eq(pt_monitor_subscribe(dst, on_event, &b), 0);
	feed(src);
	/* the exec whose reader read the capabilities carries them */
	cr_assert_not_null(memmem(a.json.p, a.json.len, CAPS_OF_TRUE, strlen(CAPS_OF_TRUE)));
	/* events about processes the table has seen exit: stale, shown as they were */
	import_lines(dst, a.json.p, a.json.len);
	import_lines(dst, a.json.p, a.json.len);
	seen_end(&a);
	seen_end(&b);
	pt_buf_init(&twice);
	pt_buf_add(&twice, a.json.p, a.json.len);
	pt_buf_add(&twice, a.json.p, a.json.len);
	pt_buf_addc(&twice, '\0');
	pt_buf_addc(&b.json, '\0');
	cr_assert_str_eq(b.json.p, twice.p);
	pt_buf_free(&twice);
	seen_free(&a);
	seen_free(&b);
	pt_monitor_close(src);
	pt_monitor_close(dst);
	fx_root_free(fx);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- containers in events ---- */

static int first_ctr(const struct pt_container *c, void *data)
{
	*(const struct pt_container **)data = c;
	return 1;
}

/* The image and container members of an nginx in a cri-o pod, after "start". */
#define NGINX_IN_POD                                                           \
	"\"comm\":\"nginx\",\"exe\":\"/usr/sbin/nginx\",\"argv\":[\"nginx\"]," \
	"\"argv_truncated\":false,\"uid\":0,\"euid\":0,\"gid\":0,\"egid\":0,"  \
	"\"container_id\":\"0123abcd\",\"container_runtime\":\"cri-o\","       \
	"\"container_name\":\"web\",\"container_image\":\"nginx:1.25\","       \
	"\"k8s_pod_name\":\"web-0\",\"k8s_ns_name\":\"prod\","                 \
	"\"k8s_pod_uid\":\"1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901\",\"tier\":\"netlink\"}"

Test(import_event, exec_and_fork_carry_the_container)
{
	static const char exec_line[] =
		"{\"event\":\"exec\",\"time\":\"2026-12-02T10:22:05.926158Z\",\"pid\":23828,"
		"\"tid\":23828,\"ppid\":23811,\"start\":2216325," NGINX_IN_POD;
	static const char fork_line[] =
		"{\"event\":\"fork\",\"time\":\"2026-12-02T10:22:05.936158Z\",\"pid\":23829,"
		"\"tid\":23829,\"ppid\":23828,\"start\":2216326," NGINX_IN_POD;
	static const char host_line[] =
		"{\"event\":\"exec\",\"time\":\"2026-12-02T10:22:06.926158Z\",\"pid\":900,"
		"\"tid\":900,\"ppid\":1,\"start\":2216400,\"comm\":\"ls\",\"exe\":\"/usr/bin/ls\","
		"\"argv\":[\"ls\"],\"argv_truncated\":false,\"uid\":0,\"euid\":0,\"gid\":0,"
		"\"egid\":0,"
		"\"container_id\":\"host\",\"tier\":\"netlink\"}";
	struct pt_monitor *m = open_empty();
	const struct pt_container *c = NULL;
	const struct pt_proc *p;
	char why[256];
	char *json;

	cr_assert_eq(pt_import_event(m, exec_line, strlen(exec_line), why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(pt_import_event(m, fork_line, strlen(fork_line), why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(pt_import_event(m, host_line, strlen(host_line), why, sizeof(why)), 0, "%s",
		     why);
	p = pt_lookup(m, 23828);
	cr_assert_not_null(p);
	cr_assert_str_eq(pt_proc_container_id(p), "0123abcd");
	/* one container, interned once, both processes in it */
	cr_assert_eq(pt_foreach_container(m, first_ctr, &c), 1);
	cr_assert_eq(pt_proc_container(p), c);
	cr_assert_eq(pt_proc_container(pt_lookup(m, 23829)), c);
	cr_assert_eq(pt_proc_src(pt_lookup(m, 23829), PT_F_CONTAINER), PT_SRC_INHERITED);
	json = pt_json_container(c);
	cr_assert_not_null(strstr(json, "\"name\":\"web\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"live\":2"), "%s", json);
	free(json);
	/* the record as written back carries what the event said */
	json = pt_json_proc(p, NULL);
	cr_assert_not_null(strstr(json, "\"container_runtime\":\"cri-o\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"k8s_pod_name\":\"web-0\""), "%s", json);
	free(json);
	cr_assert_null(pt_proc_container(pt_lookup(m, 900)));
	cr_assert_eq(pt_proc_why(pt_lookup(m, 900), PT_F_CONTAINER), PT_WHY_NONE);

	/* a container member with a runtime nobody has */
	{
		char *bad = strdup(exec_line);
		char *at = strstr(bad, "cri-o");

		memcpy(at, "cri-x", 5);
		cr_assert_eq(pt_import_event(m, bad, strlen(bad), why, sizeof(why)), -EINVAL);
		cr_assert_not_null(strstr(why, "container_runtime"), "%s", why);
		free(bad);
	}
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

/* s with its first from replaced by to, malloc'd. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out = NULL;

	cr_assert_not_null(at, "%s not in %s", from, s);
	cr_assert_geq(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from)), 0);
	return out;
}

/* Records written before issue 13: container_id null shared the cgroup's slot. */
Test(import_proc, older_records_without_the_container_slot)
{
	static const char old[] =
		"{\"pid\":1,\"ppid\":0,\"start\":24,\"state\":\"alive\",\"comm\":\"process_api\","
		"\"exe\":null,\"argv\":[\"/process_api\"],\"argv_truncated\":false,\"uid\":0,\"eu"
		"id\":0,\"gid\":0,\"egid\":0,\"sid\":0,\"pgid\":0,\"tty\":0,\"cwd\":null,\"cgroup"
		"\":\"/\",\"container_id\":null,\"ns\":null,\"tier\":\"none\",\"start_time\":\"20"
		"26-12-02T04:12:42.915010Z\",\"threads\":13,\"loginuid\":-1,\"key\":\"f509192c-15"
		"5b-4eb4-85de-3bb7bd853dc0:24:1\",\"parent_key\":null,\"missing\":{\"exe\":\"perm"
		"ission\",\"cwd\":\"permission\",\"ns\":\"permission\"}}";
	struct pt_monitor *m = open_empty();
	const struct pt_proc *p;
	char why[256], *line, *at;

	cr_assert_eq(pt_import_proc(m, old, strlen(old), &p, why, sizeof(why)), 0, "%s", why);
	/* cgroup known: the host */
	cr_assert_eq(pt_proc_why(p, PT_F_CONTAINER), PT_WHY_NONE);
	cr_assert_null(pt_proc_container(p));
	/* not read, rather than guessed */
	cr_assert_eq(pt_proc_why(p, PT_F_NSPID), PT_WHY_NOT_READ);
	/* cgroup unknown: so is the container */
	line = replace(old, "\"cgroup\":\"/\"", "\"cgroup\":null");
	at = replace(line, "\"missing\":{", "\"missing\":{\"cgroup\":\"permission\",");
	free(line);
	line = at;
	cr_assert_eq(pt_import_proc(m, line, strlen(line), &p, why, sizeof(why)), 0, "%s: %s", why,
		     line);
	cr_assert_eq(pt_proc_why(p, PT_F_CONTAINER), PT_WHY_PERM);
	cr_assert_eq(pt_proc_why(p, PT_F_CTR_META), PT_WHY_PERM);
	free(line);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

/* evt.num: the importing monitor numbers what it delivers, from 1; the JSON
 * carries no number (a replay numbers its own stream). */
static void num_cb(const struct pt_event *ev, void *data)
{
	uint64_t *nums = data;

	nums[nums[0] + 1] = ev->num;
	nums[0]++;
}

Test(import_event, events_are_numbered_on_delivery)
{
	static const char exec_line[] =
		"{\"event\":\"exec\",\"time\":\"2026-12-02T10:22:05.926158Z\",\"pid\":23828,"
		"\"tid\":23828,\"ppid\":23811,\"start\":2216325," NGINX_IN_POD;
	static const char lost_line[] =
		"{\"event\":\"lost\",\"time\":\"2026-12-02T04:14:22.675020Z\","
		"\"tier\":\"none\",\"count\":3,\"estimated\":false,"
		"\"reason\":\"slow-reader\"}";
	struct pt_monitor *m = open_empty();
	uint64_t nums[8] = {0};
	char why[256], *json;
	struct pt_event ev;

	cr_assert_eq(pt_monitor_subscribe(m, num_cb, nums), 0);
	cr_assert_eq(pt_import_event(m, exec_line, strlen(exec_line), why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(pt_import_event(m, lost_line, strlen(lost_line), why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(pt_import_event(m, exec_line, strlen(exec_line), why, sizeof(why)), 0, "%s",
		     why);
	cr_assert_eq(nums[0], 3);
	cr_assert_eq(nums[1], 1);
	cr_assert_eq(nums[2], 2);
	cr_assert_eq(nums[3], 3);
	/* not written: the line of a numbered event is the line it came from */
	memset(&ev, 0, sizeof(ev));
	ev.type = PT_EV_LOST;
	ev.time_us = 1795206986123456;
	ev.u.lost.reason = "x";
	ev.num = 7;
	json = pt_json_event(&ev, NULL);
	cr_assert_null(strstr(json, "num"), "%s", json);
	free(json);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

/* The capability sets: a record and an exec carry them as status shows them,
 * and read back byte for byte; anything else is refused. */
Test(import_proc, caps_round_trip_and_malformed)
{
	static const char rec[] =
		"{\"pid\":9,\"ppid\":1,\"start\":24,\"state\":\"alive\",\"comm\":\"x\","
		"\"exe\":\"/x\",\"argv\":[\"x\"],\"argv_truncated\":false,\"uid\":0,\"euid\":0,"
		"\"gid\":0,\"egid\":0,\"sid\":1,\"pgid\":1,\"tty\":0,\"cwd\":\"/\",\"cgroup\":\"/"
		"\",\"container_id\":\"host\",\"ns\":null,\"tier\":\"none\",\"start_time\":\"2026-"
		"12-02T04:12:42.915010Z\",\"threads\":1,\"loginuid\":-1,\"vpid\":9,\"vpgid\":1,"
		"\"caps\":{\"permitted\":\"000001ffffffffff\",\"effective\":\"0000000000200000\","
		"\"inheritable\":\"0000000000000000\"},\"missing\":{\"ns\":\"permission\"}}";
	static const char *const bad[][2] = {
		{"\"inheritable\":\"0000000000000000\"}", "\"inheritable\":\"0\"}"},
		{"\"000001ffffffffff\"", "\"000001FFFFFFFFFF\""},
		{"\"000001ffffffffff\"", "\"00000000000000000001ffffffffff\""},
		{"\"000001ffffffffff\"", "2199023255551"},
		{"\"effective\":", "\"effectiv\":"},
		{",\"inheritable\":\"0000000000000000\"}", "}"},
		{"\"missing\":{", "\"missing\":{\"caps\":\"gone\","},
		{"\"caps\":{\"permitted\"", "\"caps\":{\"x\":1,\"permitted\""},
	};
	struct pt_monitor *m = open_empty();
	const struct pt_proc *p;
	char why[256], *json, *line;
	struct pt_field_ref f;
	struct pt_value v;

	cr_assert_eq(pt_import_proc(m, rec, strlen(rec), &p, why, sizeof(why)), 0, "%s", why);
	json = pt_json_proc(p, NULL);
	cr_assert_str_eq(json, rec);
	free(json);
	cr_assert_eq(pt_field_lookup("thread.cap_effective", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert_str_eq(v.s, "CAP_SYS_ADMIN");
	pt_value_free(&v);
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		line = replace(rec, bad[i][0], bad[i][1]);
		cr_assert_eq(pt_import_proc(m, line, strlen(line), NULL, why, sizeof(why)), -EINVAL,
			     "accepted: %s", line);
		cr_assert_not_null(strstr(why, "caps"), "%s", why);
		free(line);
	}
	/* unknown: null, with the reason */
	line = replace(rec, "\"permission\"}", "\"permission\",\"caps\":\"gone\"}");
	json = replace(line,
		       "{\"permitted\":\"000001ffffffffff\",\"effective\":"
		       "\"0000000000200000\",\"inheritable\":\"0000000000000000\"}",
		       "null");
	free(line);
	cr_assert_eq(pt_import_proc(m, json, strlen(json), &p, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pt_proc_why(p, PT_F_CAPS), PT_WHY_GONE);
	line = pt_json_proc(p, NULL);
	cr_assert_str_eq(line, json);
	free(line);
	free(json);
	/* a line written before the capabilities: not read, not guessed */
	line = replace(rec,
		       ",\"caps\":{\"permitted\":\"000001ffffffffff\",\"effective\":"
		       "\"0000000000200000\",\"inheritable\":\"0000000000000000\"}",
		       "");
	cr_assert_eq(pt_import_proc(m, line, strlen(line), &p, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(pt_proc_why(p, PT_F_CAPS), PT_WHY_NOT_READ);
	free(line);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}
