/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The field registry: complete, stable, readable. The golden list below is
 * frozen: a field is only ever added at the end. Moving, renaming or retyping
 * one breaks embedders and stored queries, and fails here.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"

static const struct {
	unsigned index;
	const char *name, *json;
	enum pt_type type;
} golden[] = {
	{0, "evt.type", "event", PT_TYPE_NAME},
	{1, "evt.time", "time", PT_TYPE_TIME},
	{2, "proc.pid", "pid", PT_TYPE_INT},
	{3, "thread.tid", "tid", PT_TYPE_INT},
	{4, "proc.ppid", "ppid", PT_TYPE_INT},
	{5, "proc.start", "start", PT_TYPE_UINT},
	{6, "proc.state", "state", PT_TYPE_NAME},
	{7, "proc.name", "comm", PT_TYPE_STR},
	{8, "proc.exepath", "exe", PT_TYPE_STR},
	{9, "proc.argv", "argv", PT_TYPE_ARGS},
	{10, "proc.argv_truncated", "argv_truncated", PT_TYPE_BOOL},
	{11, "user.ruid", "uid", PT_TYPE_UINT},
	{12, "user.uid", "euid", PT_TYPE_UINT},
	{13, "group.rgid", "gid", PT_TYPE_UINT},
	{14, "group.gid", "egid", PT_TYPE_UINT},
	{15, "proc.sid", "sid", PT_TYPE_INT},
	{16, "proc.pgid", "pgid", PT_TYPE_INT},
	{17, "proc.tty", "tty", PT_TYPE_INT},
	{18, "proc.cwd", "cwd", PT_TYPE_STR},
	{19, "proc.cgroup", "cgroup", PT_TYPE_STR},
	{20, "container.full_id", "container_id", PT_TYPE_STR},
	{21, "proc.ns.mnt", "ns.mnt", PT_TYPE_UINT},
	{22, "proc.ns.pid", "ns.pid", PT_TYPE_UINT},
	{23, "proc.ns.net", "ns.net", PT_TYPE_UINT},
	{24, "proc.ns.user", "ns.user", PT_TYPE_UINT},
	{25, "proc.ns.uts", "ns.uts", PT_TYPE_UINT},
	{26, "proc.ns.ipc", "ns.ipc", PT_TYPE_UINT},
	{27, "proc.ns.cgroup", "ns.cgroup", PT_TYPE_UINT},
	{28, "proc.ns.time", "ns.time", PT_TYPE_UINT},
	{29, "proc.tier", "tier", PT_TYPE_NAME},
	{30, "proc.start_time", "start_time", PT_TYPE_TIME},
	{31, "proc.exit_time", "exit_time", PT_TYPE_TIME},
	{32, "proc.exit_code", "exit_code", PT_TYPE_INT},
	{33, "proc.exit_signal", "signal", PT_TYPE_INT},
	{34, "proc.core_dumped", "core_dumped", PT_TYPE_BOOL},
	{35, "proc.duration", "duration_ms", PT_TYPE_DURATION},
	{36, "proc.threads", "threads", PT_TYPE_UINT},
	{37, "proc.execs", "execs", PT_TYPE_EXECS},
	{38, "evt.old_comm", "old_comm", PT_TYPE_STR},
	{39, "evt.tracer_pid", "tracer_pid", PT_TYPE_INT},
	{40, "evt.tracer_tid", "tracer_tid", PT_TYPE_INT},
	{41, "evt.count", "count", PT_TYPE_UINT},
	{42, "evt.estimated", "estimated", PT_TYPE_BOOL},
	{43, "evt.reason", "reason", PT_TYPE_STR},
	{44, "evt.thread", "thread", PT_TYPE_BOOL},
	{45, "evt.synthesized", "synthesized", PT_TYPE_BOOL},
	{46, "evt.window.from", "window.from", PT_TYPE_TIME},
	{47, "evt.window.to", "window.to", PT_TYPE_TIME},
	{48, "evt.tier", "tier", PT_TYPE_NAME},
	{49, "proc.exe", "argv0", PT_TYPE_STR},
	{50, "proc.args", "arguments", PT_TYPE_STR},
	{51, "proc.cmdline", "cmdline", PT_TYPE_STR},
	{52, "proc.command", "args", PT_TYPE_STR},
	{53, "user.name", "user", PT_TYPE_STR},
	{54, "group.name", "group", PT_TYPE_STR},
	{55, "proc.pname", "pname", PT_TYPE_STR},
	{56, "proc.pcmdline", "pcmdline", PT_TYPE_STR},
	{57, "proc.aname", "aname", PT_TYPE_STR},
	{58, "user.loginuid", "loginuid", PT_TYPE_INT},
	{59, "evt.res", "res", PT_TYPE_NAME},
	{60, "evt.errno", "errno", PT_TYPE_INT},
	{61, "evt.arg.filename", "filename", PT_TYPE_STR},
	{62, "evt.arg.args", "exec_argv", PT_TYPE_ARGS},
	{63, "evt.arg.args_truncated", "exec_argv_truncated", PT_TYPE_BOOL},
	{64, "evt.execveat", "execveat", PT_TYPE_BOOL},
	{65, "proc.key", "key", PT_TYPE_STR},
	{66, "proc.pkey", "parent_key", PT_TYPE_STR},
	{67, "container.id", "container_short_id", PT_TYPE_STR},
	{68, "container.runtime", "container_runtime", PT_TYPE_NAME},
	{69, "container.type", "container_type", PT_TYPE_NAME},
	{70, "container.name", "container_name", PT_TYPE_STR},
	{71, "container.image", "container_image", PT_TYPE_STR},
	{72, "container.image.repository", "container_image_repository", PT_TYPE_STR},
	{73, "container.image.tag", "container_image_tag", PT_TYPE_STR},
	{74, "container.image.id", "container_image_id", PT_TYPE_STR},
	{75, "container.start_ts", "container_start_time", PT_TYPE_TIME},
	{76, "container.privileged", "container_privileged", PT_TYPE_BOOL},
	{77, "container.outer_ids", "container_outer_ids", PT_TYPE_ARGS},
	{78, "k8s.pod.name", "k8s_pod_name", PT_TYPE_STR},
	{79, "k8s.ns.name", "k8s_ns_name", PT_TYPE_STR},
	{80, "k8s.pod.uid", "k8s_pod_uid", PT_TYPE_STR},
	{81, "k8s.pod.qos", "k8s_pod_qos", PT_TYPE_NAME},
	{82, "cgroup.id", "cgroup_id", PT_TYPE_UINT},
	{83, "proc.vpid", "vpid", PT_TYPE_INT},
	{84, "proc.vpgid", "vpgid", PT_TYPE_INT},
	{85, "proc.ppid_orig", "ppid_orig", PT_TYPE_INT},
	{86, "proc.apid", "apid", PT_TYPE_INT},
	{87, "proc.sname", "sname", PT_TYPE_STR},
	{88, "evt.num", "num", PT_TYPE_UINT},
	{89, "proc.pexe", "pargv0", PT_TYPE_STR},
	{90, "proc.pexepath", "pexe", PT_TYPE_STR},
	{91, "proc.aexe", "aargv0", PT_TYPE_STR},
	{92, "proc.aexepath", "aexe", PT_TYPE_STR},
	{93, "proc.acmdline", "acmdline", PT_TYPE_STR},
	{94, "proc.is_exe_from_memfd", "is_exe_from_memfd", PT_TYPE_BOOL},
	{95, "proc.is_vpgid_leader", "is_vpgid_leader", PT_TYPE_BOOL},
	{96, "proc.is_sid_leader", "is_sid_leader", PT_TYPE_BOOL},
	{97, "user.loginname", "loginname", PT_TYPE_STR},
	{98, "thread.cap_permitted", "cap_permitted", PT_TYPE_STR},
	{99, "thread.cap_effective", "cap_effective", PT_TYPE_STR},
	{100, "thread.cap_inheritable", "cap_inheritable", PT_TYPE_STR},
	{101, "proc.caps.permitted", "caps.permitted", PT_TYPE_STR},
	{102, "proc.caps.effective", "caps.effective", PT_TYPE_STR},
	{103, "proc.caps.inheritable", "caps.inheritable", PT_TYPE_STR},
	{104, "proc.env", "env", PT_TYPE_STR},
};

Test(registry, golden_list_is_a_prefix)
{
	cr_assert_geq(pt_fields_count(), PT_ARRAY_SIZE(golden), "a field was removed");
	for (size_t i = 0; i < PT_ARRAY_SIZE(golden); i++) {
		const struct pt_field_def *d = pt_fields_at(golden[i].index);

		cr_assert_eq(golden[i].index, i);
		cr_assert_not_null(d);
		cr_assert_str_eq(pt_field_def_name(d), golden[i].name, "field %zu moved", i);
		cr_assert_str_eq(pt_field_def_json(d), golden[i].json, "field %zu", i);
		cr_assert_eq(pt_field_def_type(d), golden[i].type, "field %zu changed type", i);
		cr_assert_eq(pt_field_def_index(d), i);
	}
	cr_assert_null(pt_fields_at(pt_fields_count()));
}

Test(registry, every_row_is_well_formed)
{
	for (unsigned i = 0; i < pt_fields_count(); i++) {
		const struct pt_field_def *d = pt_fields_at(i);
		unsigned fl = pt_field_def_flags(d);

		cr_assert(fl & (PT_FIELD_PROC | PT_FIELD_EVENT), "%s has no scope", d->name);
		cr_assert(d->doc && d->doc[0] && !strchr(d->doc, '\n'), "%s: doc", d->name);
		cr_assert(strchr(d->name, '.'), "%s: a condition name has a dot", d->name);
		cr_assert(!strchr(d->json, '[') && !strchr(d->name, '['));
		cr_assert_neq(strcmp(pt_type_name(d->type), "unknown"), 0);
		cr_assert(d->read || d->ev_read, "%s cannot be read", d->name);
		cr_assert_eq(!!strchr(d->json, '.'), !!(d->jflags & PT_J_MEMBER), "%s", d->name);
		cr_assert(pt_field_def_slot(d) < PT_F_COUNT);
		/* condition names are unique */
		for (unsigned j = 0; j < i; j++)
			cr_assert_str_neq(pt_fields_at(j)->name, d->name);
	}
}

/* ---- lookups ---- */

Test(registry, lookup_by_both_names_and_arguments)
{
	struct pt_field_ref a, b;

	cr_assert_eq(pt_field_lookup("proc.name", &a), 0);
	cr_assert_eq(pt_field_lookup("comm", &b), 0);
	cr_assert_eq(a.def, b.def);
	cr_assert_eq(a.arg, -1);
	cr_assert_str_eq(pt_field_def_name(a.def), "proc.name");

	cr_assert_eq(pt_field_lookup("user.uid", &a), 0);
	cr_assert_str_eq(pt_field_def_json(a.def), "euid", "Falco's user.uid is effective");

	cr_assert_eq(pt_field_lookup("proc.aname[2]", &a), 0);
	cr_assert_eq(a.arg, 2);
	cr_assert_eq(pt_field_lookup("aname[0]", &b), 0);
	cr_assert_eq(b.arg, 0);
	cr_assert_eq(a.def, b.def);
	cr_assert_eq(pt_field_lookup("proc.aname", &a), 0);
	cr_assert_eq(a.arg, -1);

	cr_assert_eq(pt_field_lookup("proc.nope", &a), -ENOENT);
	cr_assert_eq(pt_field_lookup("", &a), -ENOENT);
	cr_assert_eq(pt_field_lookup("proc", &a), -ENOENT);
	cr_assert_eq(pt_field_lookup("proc.name[1]", &a), -EINVAL, "no argument expected");
	cr_assert_eq(pt_field_lookup("proc.aname[x]", &a), -EINVAL);
	cr_assert_eq(pt_field_lookup("proc.aname[1", &a), -EINVAL);
	cr_assert_eq(pt_field_lookup("proc.aname[1]x", &a), -EINVAL);
	cr_assert_eq(pt_field_lookup("proc.aname[-1]", &a), -EINVAL);
	cr_assert_eq(pt_field_lookup("proc.aname[99999999999999999999]", &a), -EINVAL);
	cr_assert_eq(pt_field_lookup(NULL, &a), -EINVAL);
}

/* ---- values on a fixture /proc ---- */

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char *root;
static struct pt_monitor *m;

#define BOOT_ID_FX "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f"

static void setup(void)
{
	static const char cg[] = "0::/system.slice/docker-" CID ".scope\n";
	struct fx_proc init = {.pid = 1,
			       .comm = "init",
			       .start = 10,
			       .sid = 1,
			       .pgid = 1,
			       .cmdline = "/sbin/init",
			       .cmdline_len = 11,
			       .exe = "/sbin/init",
			       .cwd = "/"};
	struct fx_proc bash = {.pid = 100,
			       .ppid = 1,
			       .comm = "bash",
			       .start = 500,
			       .sid = 100,
			       .pgid = 100,
			       .cmdline = "bash\0-i",
			       .cmdline_len = 8,
			       .exe = "/bin/bash",
			       .cwd = "/"};
	struct fx_proc sleep = {.pid = 200,
				.ppid = 100,
				.comm = "sleep",
				.start = 700,
				.uid = 1000,
				.euid = 0,
				.gid = 100,
				.egid = 0,
				.sid = 100,
				.pgid = 200,
				.tty_nr = 34816,
				.cmdline = "sleep\0"
					   "10",
				.cmdline_len = 9,
				.exe = "/usr/bin/sleep",
				.cwd = "/home/u",
				.cgroup = cg,
				.mnt_ns = 4026531841ull,
				.loginuid = "1000"};
	struct pt_options o;

	root = fx_root_new();
	cr_assert_not_null(root);
	cr_assert_eq(fx_add_proc(root, &init), 0);
	cr_assert_eq(fx_add_proc(root, &bash), 0);
	cr_assert_eq(fx_add_proc(root, &sleep), 0);
	cr_assert_eq(fx_set_boot_id(root, BOOT_ID_FX "\n"), 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.runtime_root = root; /* no runtime state there */
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
}

static void teardown(void)
{
	pt_monitor_close(m);
	fx_root_free(root);
	cr_assert_eq(fx_leaks(), 0);
}

/* The text of a field, "-" when null or unknown; "?" + why when unknown. */
static const char *text_of(const char *name, const struct pt_proc *p, const struct pt_event *ev)
{
	static char out[1024];
	struct pt_field_ref f;
	struct pt_value v;
	int n;

	cr_assert_eq(pt_field_lookup(name, &f), 0, "%s", name);
	cr_assert_eq(pt_field_value(&f, m, p, ev, &v), 0, "%s", name);
	if (!v.known) {
		snprintf(out, sizeof(out), "?%s", pt_why_name(v.why));
	} else {
		/* conditions read strings as C strings */
		if (!v.null && (v.type == PT_TYPE_STR || v.type == PT_TYPE_NAME))
			cr_assert_eq(v.s[v.len], '\0', "%s is not NUL-terminated", name);
		n = pt_value_text(&v, out, sizeof(out));
		cr_assert_geq(n, 0);
		cr_assert_lt((size_t)n, sizeof(out));
		cr_assert_eq(strlen(out), (size_t)n, "%s", name);
	}
	pt_value_free(&v);
	return out;
}

/* Every record field, on pid 200 of the fixture: NULL = checked below. */
static const struct {
	const char *name, *want;
} proc_want[] = {
	{"proc.pid", "200"},
	{"proc.ppid", "100"},
	{"proc.start", "700"},
	{"proc.state", "alive"},
	{"proc.name", "sleep"},
	{"proc.exepath", "/usr/bin/sleep"},
	{"proc.argv", "sleep 10"},
	{"proc.argv_truncated", "false"},
	{"user.ruid", "1000"},
	{"user.uid", "0"},
	{"group.rgid", "100"},
	{"group.gid", "0"},
	{"proc.sid", "100"},
	{"proc.pgid", "200"},
	{"proc.tty", "34816"},
	{"proc.cwd", "/home/u"},
	{"proc.cgroup", "/system.slice/docker-" CID ".scope"},
	{"container.full_id", CID},
	{"proc.ns.mnt", "4026531841"},
	{"proc.ns.pid", "?unsupported"},
	{"proc.ns.net", "?unsupported"},
	{"proc.ns.user", "?unsupported"},
	{"proc.ns.uts", "?unsupported"},
	{"proc.ns.ipc", "?unsupported"},
	{"proc.ns.cgroup", "?unsupported"},
	{"proc.ns.time", "?unsupported"},
	{"proc.tier", "none"},
	{"proc.start_time", NULL},
	{"proc.exit_time", "-"},
	{"proc.exit_code", "-"},
	{"proc.exit_signal", "-"},
	{"proc.core_dumped", "-"},
	{"proc.duration", "-"},
	{"proc.threads", "1"},
	{"proc.execs", "-"},
	{"proc.exe", "sleep"},
	{"proc.args", "10"},
	{"proc.cmdline", "sleep 10"},
	{"proc.command", "sleep 10"},
	{"user.name", "root"},
	{"group.name", "root"},
	{"proc.pname", "bash"},
	{"proc.pcmdline", "bash -i"},
	{"proc.aname", "bash init"},
	{"user.loginuid", "1000"},
	{"proc.key", BOOT_ID_FX ":700:200"},
	{"proc.pkey", BOOT_ID_FX ":500:100"},
	{"container.id", NULL},
	{"container.runtime", "docker"},
	{"container.type", "docker"},
	/* the fixture's runtime root holds no state for it */
	{"container.name", "?not_found"},
	{"container.image", "?not_found"},
	{"container.image.repository", "?not_found"},
	{"container.image.tag", "?not_found"},
	{"container.image.id", "?not_found"},
	{"container.start_ts", "?not_found"},
	{"container.privileged", "?not_found"},
	{"container.outer_ids", "-"},
	{"k8s.pod.name", "?not_found"},
	{"k8s.ns.name", "?not_found"},
	{"k8s.pod.uid", "-"},
	{"k8s.pod.qos", "-"},
	{"cgroup.id", "?not_found"},
	{"proc.vpid", "200"},
	{"proc.vpgid", "200"},
	{"proc.ppid_orig", "100"},
	{"proc.apid", "100 1"},
	{"proc.sname", "bash"},
	{"proc.pexe", "bash"},
	{"proc.pexepath", "/bin/bash"},
	{"proc.aexe", "bash /sbin/init"},
	{"proc.aexepath", "/bin/bash /sbin/init"},
	{"proc.acmdline", "bash -i init"},
	{"proc.is_exe_from_memfd", "false"},
	{"proc.is_vpgid_leader", "true"},
	{"proc.is_sid_leader", "false"},
	{"user.loginname", NULL}, /* uid 1000's name is the machine's */
	{"thread.cap_permitted", NULL},
	{"thread.cap_effective", NULL},
	{"thread.cap_inheritable", ""},
	{"proc.caps.permitted", "000001ffffffffff"},
	{"proc.caps.effective", "000001ffffffffff"},
	{"proc.caps.inheritable", "0000000000000000"},
	{"proc.env", "?gone"}, /* the fixture has no environ file */
};

Test(values, every_record_field_on_a_fixture, .init = setup, .fini = teardown)
{
	const struct pt_proc *p = pt_lookup(m, 200);
	char want[64];

	cr_assert_not_null(p);
	for (unsigned i = 0; i < pt_fields_count(); i++) {
		const struct pt_field_def *d = pt_fields_at(i);
		bool found = false;

		if (!(pt_field_def_flags(d) & PT_FIELD_PROC))
			continue;
		for (size_t k = 0; k < PT_ARRAY_SIZE(proc_want); k++) {
			if (strcmp(proc_want[k].name, d->name) != 0)
				continue;
			found = true;
			if (proc_want[k].want)
				cr_assert_str_eq(text_of(d->name, p, NULL), proc_want[k].want, "%s",
						 d->name);
		}
		cr_assert(found, "record field %s has no expected value in this test", d->name);
	}
	pt_fmt_time(want, p->start_us);
	cr_assert_neq(p->start_us, 0);
	cr_assert_str_eq(text_of("start_time", p, NULL), want);

	cr_assert_str_eq(text_of("proc.aname[0]", p, NULL), "sleep");
	cr_assert_str_eq(text_of("proc.aname[1]", p, NULL), "bash");
	cr_assert_str_eq(text_of("aname[2]", p, NULL), "init");
	cr_assert_str_eq(text_of("proc.aname[3]", p, NULL), "-");
	cr_assert_str_eq(text_of("proc.apid[0]", p, NULL), "200");
	cr_assert_str_eq(text_of("proc.apid[2]", p, NULL), "1");
	cr_assert_str_eq(text_of("proc.apid[3]", p, NULL), "-");
	char shortid[13];

	memcpy(shortid, CID, 12);
	shortid[12] = '\0';
	cr_assert_str_eq(text_of("container.id", p, NULL), shortid);
	/* the host, as Falco names it */
	cr_assert_str_eq(text_of("container.id", pt_lookup(m, 100), NULL), "host");
	cr_assert_str_eq(text_of("container.full_id", pt_lookup(m, 100), NULL), "host");
	cr_assert_str_eq(text_of("container.name", pt_lookup(m, 100), NULL), "host");
	cr_assert_str_eq(text_of("container.type", pt_lookup(m, 100), NULL), "host");
	cr_assert_str_eq(text_of("container.image", pt_lookup(m, 100), NULL), "-");
	/* aliases */
	cr_assert_str_eq(text_of("cgroup.path", p, NULL), "/system.slice/docker-" CID ".scope");
	cr_assert_str_eq(text_of("proc.loginuid", p, NULL), "1000");
	/* the root has no parent: known, no value */
	cr_assert_str_eq(text_of("proc.pname", pt_lookup(m, 1), NULL), "-");
	cr_assert_str_eq(text_of("proc.pkey", pt_lookup(m, 1), NULL), "-");
}

static bool known_without_monitor(const char *name, const struct pt_proc *p)
{
	struct pt_field_ref f;
	struct pt_value v;
	bool known;

	cr_assert_eq(pt_field_lookup(name, &f), 0, "%s", name);
	cr_assert_eq(pt_field_value(&f, NULL, p, NULL, &v), 0, "%s", name);
	known = v.known;
	pt_value_free(&v);
	return known;
}

/* Falco's parent and ancestor image fields, the leader tests, the login name. */
Test(values, falco_process_fields, .init = setup, .fini = teardown)
{
	struct pt_proc *p = pt_table_get(pt_core_table(m), 200);
	struct pt_proc *bash = pt_table_get(pt_core_table(m), 100);

	cr_assert_not_null(p);
	cr_assert_not_null(bash);
	cr_assert_str_eq(text_of("proc.aexe[0]", p, NULL), "sleep");
	cr_assert_str_eq(text_of("proc.aexe[1]", p, NULL), "bash");
	cr_assert_str_eq(text_of("proc.aexe[2]", p, NULL), "/sbin/init");
	cr_assert_str_eq(text_of("proc.aexe[3]", p, NULL), "-", "no such ancestor");
	cr_assert_str_eq(text_of("proc.aexepath[0]", p, NULL), "/usr/bin/sleep");
	cr_assert_str_eq(text_of("aexe[2]", p, NULL), "/sbin/init");
	cr_assert_str_eq(text_of("proc.acmdline[1]", p, NULL), "bash -i");
	cr_assert_str_eq(text_of("proc.acmdline[2]", p, NULL), "init");
	cr_assert_str_eq(text_of("pargv0", p, NULL), "bash");
	cr_assert_str_eq(text_of("pexe", p, NULL), "/bin/bash");
	/* the root has no parent: known, no value */
	cr_assert_str_eq(text_of("proc.pexe", pt_lookup(m, 1), NULL), "-");
	cr_assert_str_eq(text_of("proc.pexepath", pt_lookup(m, 1), NULL), "-");
	cr_assert_str_eq(text_of("proc.aexepath", pt_lookup(m, 1), NULL), "");
	cr_assert_str_eq(text_of("proc.is_sid_leader", bash, NULL), "true");
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", bash, NULL), "true");

	/* an ancestor whose field is unknown: unknown at [N], left out of the list */
	pt_proc_set_missing(bash, PT_F_EXE, PT_WHY_PERM);
	pt_proc_set_missing(bash, PT_F_ARGV, PT_WHY_GONE);
	cr_assert_str_eq(text_of("proc.pexepath", p, NULL), "?permission");
	cr_assert_str_eq(text_of("proc.aexepath[1]", p, NULL), "?permission");
	cr_assert_str_eq(text_of("proc.aexepath", p, NULL), "/sbin/init");
	cr_assert_str_eq(text_of("proc.pexe", p, NULL), "?gone");
	cr_assert_str_eq(text_of("proc.aexe", p, NULL), "/sbin/init");
	cr_assert_str_eq(text_of("proc.acmdline", p, NULL), "init");
	cr_assert_str_eq(text_of("proc.acmdline[1]", p, NULL), "?gone");
	/* without the monitor, what reads the table is unknown */
	cr_assert_not(known_without_monitor("proc.pexe", p));
	cr_assert_not(known_without_monitor("proc.aexe", p));
	cr_assert(known_without_monitor("proc.aexe[0]", p), "[0] is the process itself");

	/* memfd: the exe link of a memfd_create() file */
	free(p->exe);
	p->exe = strdup("/memfd:x (deleted)");
	cr_assert_str_eq(text_of("proc.is_exe_from_memfd", p, NULL), "true");
	free(p->exe);
	p->exe = strdup("/usr/bin/memfd:x");
	cr_assert_str_eq(text_of("proc.is_exe_from_memfd", p, NULL), "false");
	free(p->exe);
	p->exe = NULL; /* a kernel thread's */
	cr_assert_str_eq(text_of("proc.is_exe_from_memfd", p, NULL), "false");
	pt_proc_set_missing(p, PT_F_EXE, PT_WHY_GONE);
	cr_assert_str_eq(text_of("proc.is_exe_from_memfd", p, NULL), "?gone");

	/* vpgid leader: NSpid first, else pid and pgid, else unknown */
	p->vpgid = 7;
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", p, NULL), "false");
	p->vpid = 7;
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", p, NULL), "true");
	pt_proc_set_missing(p, PT_F_NSPID, PT_WHY_KERNEL);
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", p, NULL), "true", "pid 200 = pgid 200");
	p->pgid = 100;
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", p, NULL), "false");
	pt_proc_set_missing(p, PT_F_PGID, PT_WHY_GONE);
	cr_assert_str_eq(text_of("proc.is_vpgid_leader", p, NULL), "?unsupported");
	pt_proc_set_missing(p, PT_F_SID, PT_WHY_GONE);
	cr_assert_str_eq(text_of("proc.is_sid_leader", p, NULL), "?gone");

	/* the login name: of the login uid, null when unset, unknown when unread */
	p->loginuid = 0;
	cr_assert_str_eq(text_of("user.loginname", p, NULL), "root");
	p->loginuid = (uid_t)-1;
	cr_assert_str_eq(text_of("user.loginname", p, NULL), "-");
	p->loginuid = 4000000000u; /* in no passwd database */
	cr_assert_str_eq(text_of("user.loginname", p, NULL), "-");
	pt_proc_set_missing(p, PT_F_LOGINUID, PT_WHY_KERNEL);
	cr_assert_str_eq(text_of("user.loginname", p, NULL), "?unsupported");
}

/* Every capability the kernel names, lowest bit first, as Falco prints them. */
#define ALL_CAPS                                                                                  \
	"CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL "          \
	"CAP_SETGID "                                                                             \
	"CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST "      \
	"CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO "      \
	"CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE "    \
	"CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE "   \
	"CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM " \
	"CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE"

Test(values, capabilities, .init = setup, .fini = teardown)
{
	struct pt_proc *p = pt_table_get(pt_core_table(m), 200);

	/* the fixture's root has every capability (status CapPrm 000001ffffffffff) */
	cr_assert_str_eq(text_of("thread.cap_permitted", p, NULL), ALL_CAPS);
	cr_assert_str_eq(text_of("cap_effective", p, NULL), ALL_CAPS);
	cr_assert_str_eq(text_of("thread.cap_effective", pt_lookup(m, 100), NULL), ALL_CAPS);
	cr_assert_eq(pt_proc_src(p, PT_F_CAPS), PT_SRC_PROC);
	p->cap_prm = UINT64_C(1) << 21 | 1 | UINT64_C(1) << 45 | UINT64_C(1) << 63;
	cr_assert_str_eq(text_of("thread.cap_permitted", p, NULL),
			 "CAP_CHOWN CAP_SYS_ADMIN CAP_45 CAP_63", "bits without a name by number");
	cr_assert_str_eq(text_of("proc.caps.permitted", p, NULL), "8000200000200001");
	p->cap_eff = 0;
	cr_assert_str_eq(text_of("thread.cap_effective", p, NULL), "", "none: known, empty");
	pt_proc_set_missing(p, PT_F_CAPS, PT_WHY_ZOMBIE);
	cr_assert_str_eq(text_of("thread.cap_permitted", p, NULL), "?zombie");
	cr_assert_str_eq(text_of("proc.caps.inheritable", p, NULL), "?zombie");
}

Test(values, capabilities_parsed_from_status)
{
	static const char ok[] = "Name:\tx\nCapInh:\t0000000000000004\nCapPrm:\t000001ffffffffff\n"
				 "CapEff:\t0000000000200000\nCapBnd:\t000001ffffffffff\n";
	static const char *const bad[] = {
		"CapInh:\t0\nCapPrm:\t1\n", /* no CapEff */
		"CapInh:\t0\nCapPrm:\tx1\nCapEff:\t1\n", "CapInh:\t0\nCapPrm:\t\nCapEff:\t1\n",
		"CapInh:\t0\nCapPrm:\t10000000000000000\nCapEff:\t1\n", /* 17 digits */
	};
	uint64_t prm, eff, inh;
	struct pt_proc p;

	cr_assert_eq(pt_parse_status_caps(ok, sizeof(ok) - 1, &prm, &eff, &inh), 0);
	cr_assert_eq(prm, UINT64_C(0x1ffffffffff));
	cr_assert_eq(eff, UINT64_C(1) << 21);
	cr_assert_eq(inh, 4);
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++)
		cr_assert_eq(pt_parse_status_caps(bad[i], strlen(bad[i]), &prm, &eff, &inh),
			     -EINVAL, "%s", bad[i]);
	pt_proc_init(&p);
	pt_status_apply_caps(bad[0], strlen(bad[0]), &p);
	cr_assert_eq(pt_proc_why(&p, PT_F_CAPS), PT_WHY_ERROR);
	pt_status_apply_caps(ok, sizeof(ok) - 1, &p);
	cr_assert_eq(pt_proc_src(&p, PT_F_CAPS), PT_SRC_PROC);
	cr_assert_eq(p.cap_inh, 4);
}

/* A child has its parent's capabilities until it execs; exec computes them
 * anew, so what was inherited is read again, not kept. */
Test(values, capabilities_inherited_at_fork_read_again_at_exec, .init = setup, .fini = teardown)
{
	struct pt_raw r = {.type = PT_EV_FORK, .pid = 300, .tid = 300, .ppid = 200};
	struct fx_proc child = {.pid = 300,
				.ppid = 200,
				.comm = "sleep",
				.start = 800,
				.uid = 1000,
				.euid = 1000,
				.sid = 100,
				.pgid = 200,
				.cmdline = "id\0",
				.cmdline_len = 3,
				.exe = "/usr/bin/id",
				.cwd = "/"};
	const struct pt_proc *p;

	r.start = 800;
	pt_core_raw(m, &r);
	p = pt_lookup(m, 300);
	cr_assert_not_null(p);
	cr_assert_eq(pt_proc_src(p, PT_F_CAPS), PT_SRC_INHERITED);
	cr_assert_str_eq(text_of("proc.caps.effective", p, NULL), "000001ffffffffff");
	/* it execs a program as uid 1000: no capabilities (the fixture's status) */
	cr_assert_eq(fx_add_proc(root, &child), 0);
	memset(&r, 0, sizeof(r));
	r.type = PT_EV_EXEC;
	r.pid = r.tid = 300;
	pt_core_raw(m, &r);
	p = pt_lookup(m, 300);
	cr_assert_eq(pt_proc_src(p, PT_F_CAPS), PT_SRC_PROC);
	cr_assert_str_eq(text_of("proc.caps.effective", p, NULL), "0000000000000000");
	cr_assert_str_eq(text_of("thread.cap_permitted", p, NULL), "");
	/* gone before the exec was read: unknown, not the parent's */
	memset(&r, 0, sizeof(r));
	r.type = PT_EV_FORK;
	r.pid = r.tid = 301;
	r.ppid = 200;
	r.start = 801;
	pt_core_raw(m, &r);
	cr_assert_eq(pt_proc_src(pt_lookup(m, 301), PT_F_CAPS), PT_SRC_INHERITED);
	r.type = PT_EV_EXEC;
	r.ppid = 0;
	pt_core_raw(m, &r);
	p = pt_lookup(m, 301);
	cr_assert_str_eq(text_of("thread.cap_permitted", p, NULL), "?gone");
}

/* proc.env: read when asked, only from the process the record is of. */
Test(values, environment_read_when_asked, .init = setup, .fini = teardown)
{
	static const char env[] = "HOME=/root\0HTTP_PROXY=http://x:3128\0";
	struct pt_proc *p = pt_table_get(pt_core_table(m), 200);
	struct fx_proc again = {.pid = 200, .ppid = 100, .comm = "sleep", .start = 900};
	struct pt_field_ref f;
	struct pt_value v;
	char *big;

	cr_assert_eq(fx_write(root, 200, "environ", env, sizeof(env) - 1), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "HOME=/root HTTP_PROXY=http://x:3128");
	cr_assert_str_eq(text_of("env", p, NULL), "HOME=/root HTTP_PROXY=http://x:3128");
	cr_assert_eq(pt_field_lookup("proc.env[HOME]", &f), -EINVAL, "no [NAME]: numbers only");
	/* empty: known */
	cr_assert_eq(fx_write(root, 200, "environ", "", 0), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "");
	/* at most 64 KiB */
	big = malloc(70000);
	memset(big, 'a', 70000);
	cr_assert_eq(fx_write(root, 200, "environ", big, 70000), 0);
	free(big);
	cr_assert_eq(pt_field_lookup("proc.env", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert(v.known);
	cr_assert_eq(v.len, 64 * 1024);
	cr_assert(v.truncated);
	pt_value_free(&v);
	/* without the monitor: unknown */
	cr_assert_not(known_without_monitor("proc.env", p));
	/* the record's start unknown: it cannot be told the same process */
	pt_proc_set_missing(p, PT_F_START, PT_WHY_LOST);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?lost");
	pt_proc_set_known(p, PT_F_START, PT_SRC_PROC);
	/* the pid is another process's now: never its environment */
	cr_assert_eq(fx_write(root, 200, "environ", env, sizeof(env) - 1), 0);
	cr_assert_eq(fx_add_proc(root, &again), 0);
	cr_assert_eq(fx_write(root, 200, "environ", env, sizeof(env) - 1), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?gone");
	/* the same process, exec'd again (`env VAR=x cmd`): the next image's */
	again.start = 700;
	again.comm = "cmd";
	cr_assert_eq(fx_add_proc(root, &again), 0);
	cr_assert_eq(fx_write(root, 200, "environ", env, sizeof(env) - 1), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?gone");
	/* a zombie has none */
	again.comm = "sleep";
	again.state = 'Z';
	cr_assert_eq(fx_add_proc(root, &again), 0);
	cr_assert_eq(fx_write(root, 200, "environ", env, sizeof(env) - 1), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?zombie");
	/* reaped */
	cr_assert_eq(fx_remove(root, 200, NULL), 0);
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?gone");
	/* a record that has exited is not read */
	p->state = PT_STATE_EXITED;
	cr_assert_str_eq(text_of("proc.env", p, NULL), "?gone");
	p->state = PT_STATE_ALIVE;
}

/* In an imported table the proc root is not the records': never read. */
Test(values, environment_not_in_a_replay)
{
	struct pt_options o;
	struct pt_monitor *e = NULL;
	struct pt_proc *p;
	struct pt_field_ref f;
	struct pt_value v;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	cr_assert_eq(pt_monitor_open(&e, &o), 0);
	p = pt_table_add(pt_core_table(e), getpid(), 1);
	cr_assert_not_null(p);
	pt_proc_set_known(p, PT_F_START, PT_SRC_PROC);
	cr_assert_eq(pt_field_lookup("proc.env", &f), 0);
	cr_assert_eq(pt_field_value(&f, e, p, NULL, &v), 0);
	cr_assert_not(v.known);
	cr_assert_eq(v.why, PT_WHY_NOT_READ);
	pt_monitor_close(e);
	cr_assert_eq(fx_leaks(), 0);
}

/* evt.num: set by the monitor on delivery; a hand-made event has none. */
Test(values, event_number, .init = setup, .fini = teardown)
{
	const struct pt_proc *p = pt_lookup(m, 200);
	struct pt_event ev = {.type = PT_EV_EXEC, .pid = 200, .tid = 200, .proc = p};

	cr_assert_str_eq(text_of("evt.num", NULL, &ev), "?not_read");
	cr_assert_str_eq(text_of("evt.num", p, NULL), "?not_read", "a record has no number");
	ev.num = 42;
	cr_assert_str_eq(text_of("evt.num", NULL, &ev), "42");
	cr_assert_str_eq(text_of("num", NULL, &ev), "42");
}

Test(values, unknown_fields_say_why, .init = setup, .fini = teardown)
{
	struct pt_proc *p = pt_table_get(pt_core_table(m), 200);
	struct pt_field_ref f;
	struct pt_value v;

	pt_proc_set_missing(p, PT_F_CWD, PT_WHY_PERM);
	pt_proc_set_missing(p, PT_F_ARGV, PT_WHY_GONE);
	cr_assert_str_eq(text_of("proc.cwd", p, NULL), "?permission");
	cr_assert_str_eq(text_of("proc.args", p, NULL), "?gone");
	cr_assert_str_eq(text_of("proc.cmdline", p, NULL), "?gone");
	cr_assert_str_eq(text_of("proc.name", p, NULL), "sleep");

	cr_assert_eq(pt_field_lookup("cwd", &f), 0);
	cr_assert_eq(pt_field_value(&f, m, p, NULL, &v), 0);
	cr_assert_not(v.known);
	cr_assert_eq(v.why, PT_WHY_PERM);
	cr_assert_eq(v.src, PT_SRC_NONE);
	cr_assert_eq(pt_field_value(&f, m, NULL, NULL, &v), -EINVAL);

	/* without the monitor, fields that read the table are unknown, not wrong */
	cr_assert_eq(pt_field_lookup("proc.pname", &f), 0);
	cr_assert_eq(pt_field_value(&f, NULL, p, NULL, &v), 0);
	cr_assert_not(v.known);
	cr_assert_eq(v.why, PT_WHY_NOT_READ);
}

Test(values, event_fields, .init = setup, .fini = teardown)
{
	const struct pt_proc *p = pt_lookup(m, 200);
	struct pt_event ev = {.type = PT_EV_COMM,
			      .time_us = 1795206986123456,
			      .pid = 200,
			      .tid = 201,
			      .ppid = 100,
			      .proc = p,
			      .tier = PT_TIER_NETLINK};

	memcpy(ev.u.comm.comm, "new", 4);
	memcpy(ev.u.comm.old, "sleep", 6);
	cr_assert_str_eq(text_of("evt.type", NULL, &ev), "comm");
	cr_assert_str_eq(text_of("time", NULL, &ev), "2026-11-20T20:36:26.123456Z");
	cr_assert_str_eq(text_of("thread.tid", NULL, &ev), "201");
	cr_assert_str_eq(text_of("proc.name", NULL, &ev), "new", "the event's data first");
	cr_assert_str_eq(text_of("proc.name", p, NULL), "sleep");
	cr_assert_str_eq(text_of("evt.old_comm", NULL, &ev), "sleep");
	cr_assert_str_eq(text_of("evt.tier", NULL, &ev), "netlink");
	cr_assert_str_eq(text_of("proc.tier", NULL, &ev), "none");
	cr_assert_str_eq(text_of("proc.cwd", NULL, &ev), "/home/u", "record through ev->proc");
	cr_assert_str_eq(text_of("evt.thread", NULL, &ev), "false");
	cr_assert_str_eq(text_of("evt.tracer_pid", NULL, &ev), "?not_read");

	ev.type = PT_EV_UID;
	ev.u.uid.ruid = 7;
	ev.u.uid.euid = 8;
	cr_assert_str_eq(text_of("uid", NULL, &ev), "7");
	cr_assert_str_eq(text_of("user.uid", NULL, &ev), "8");
	cr_assert_str_eq(text_of("user.uid", p, NULL), "0");

	ev.type = PT_EV_PTRACE;
	ev.u.ptrace.tracer_pid = 99;
	ev.u.ptrace.tracer_tid = 98;
	cr_assert_str_eq(text_of("evt.tracer_pid", NULL, &ev), "99");
	cr_assert_str_eq(text_of("evt.tracer_tid", NULL, &ev), "98");

	memset(&ev.u, 0, sizeof(ev.u));
	ev.type = PT_EV_EXIT;
	ev.u.exit.exit_code = -1;
	ev.u.exit.signal = 9;
	ev.u.exit.core_dumped = true;
	ev.u.exit.duration_us = 1500250;
	cr_assert_str_eq(text_of("exit_code", NULL, &ev), "-");
	cr_assert_str_eq(text_of("signal", NULL, &ev), "9");
	cr_assert_str_eq(text_of("core_dumped", NULL, &ev), "true");
	cr_assert_str_eq(text_of("duration_ms", NULL, &ev), "1500.250");
	ev.u.exit.signal = 0;
	ev.synthesized = true;
	ev.window_lo_us = 1795206986000000;
	cr_assert_str_eq(text_of("exit_code", NULL, &ev), "?unsupported");
	cr_assert_str_eq(text_of("evt.synthesized", NULL, &ev), "true");
	cr_assert_str_eq(text_of("evt.window.from", NULL, &ev), "2026-11-20T20:36:26.000000Z");
	cr_assert_str_eq(text_of("evt.window.to", NULL, &ev), "-");

	memset(&ev.u, 0, sizeof(ev.u));
	ev.type = PT_EV_LOST;
	ev.proc = NULL;
	ev.u.lost.count = 12;
	ev.u.lost.estimated = true;
	ev.u.lost.reason = "ENOBUFS";
	cr_assert_str_eq(text_of("evt.count", NULL, &ev), "12");
	cr_assert_str_eq(text_of("evt.estimated", NULL, &ev), "true");
	cr_assert_str_eq(text_of("evt.reason", NULL, &ev), "ENOBUFS");
	cr_assert_str_eq(text_of("proc.cwd", NULL, &ev), "?not_read", "no record");
}

/* Every member of today's JSON objects is a registry field; members of an
 * object "a" are the fields "a.x". "missing" and "inherited" are not fields
 * but provenance; NAME_b64 is NAME's exact bytes. */
static void assert_members_known(const char *json)
{
	const char *s = json, *obj_end = NULL;
	char key[64], full[160], prefix[64] = "";
	struct pt_field_ref f;

	while ((s = strchr(s, '"'))) {
		const char *e = strchr(s + 1, '"');
		size_t n;

		cr_assert_not_null(e);
		n = (size_t)(e - s - 1);
		if (obj_end && s > obj_end) {
			prefix[0] = '\0';
			obj_end = NULL;
		}
		if (e[1] == ':' && n < sizeof(key)) {
			memcpy(key, s + 1, n);
			key[n] = '\0';
			if (e[2] == '{') {
				snprintf(prefix, sizeof(prefix), "%s", key);
				obj_end = strchr(e, '}');
			} else if (strcmp(prefix, "missing") != 0 &&
				   strcmp(key, "inherited") != 0 && !strstr(key, "_b64")) {
				snprintf(full, sizeof(full), "%s%s%s", prefix, prefix[0] ? "." : "",
					 key);
				cr_assert_eq(pt_field_lookup(full, &f), 0,
					     "JSON member %s is not in the registry", full);
			}
		}
		s = e + 1;
	}
}

Test(values, json_members_are_registry_fields, .init = setup, .fini = teardown)
{
	const struct pt_proc *p = pt_lookup(m, 200);
	struct pt_event ev = {.type = PT_EV_EXIT, .pid = 200, .tid = 200, .proc = p};
	char *s;

	ev.synthesized = true;
	ev.thread = true;
	ev.window_lo_us = 1;
	ev.window_hi_us = 2;

	s = pt_json_proc(p, NULL);
	cr_assert_not_null(s);
	assert_members_known(s);
	free(s);
	s = pt_json_event(&ev, NULL);
	cr_assert_not_null(s);
	cr_assert(strstr(s, "\"window\":{"), "%s", s);
	assert_members_known(s);
	free(s);
	for (int t = 0; t < PT_EV_COUNT; t++) {
		ev.type = (enum pt_event_type)t;
		s = pt_json_event(&ev, NULL);
		cr_assert_not_null(s);
		assert_members_known(s);
		free(s);
	}
}

Test(values, json_of_chosen_fields, .init = setup, .fini = teardown)
{
	const struct pt_proc *p = pt_lookup(m, 200);
	struct pt_field_ref f[4];
	struct pt_value v;
	char *s;

	cr_assert_eq(pt_field_lookup("pid", &f[0]), 0);
	cr_assert_eq(pt_field_lookup("proc.argv", &f[1]), 0);
	cr_assert_eq(pt_field_lookup("proc.aname[1]", &f[2]), 0);
	cr_assert_eq(pt_field_lookup("proc.exit_code", &f[3]), 0);
	s = pt_json_fields(f, 4, m, p, NULL, NULL);
	cr_assert_not_null(s);
	cr_assert_str_eq(s,
			 "{\"pid\":200,\"argv\":[\"sleep\",\"10\"],\"aname[1]\":\"bash\","
			 "\"exit_code\":null}");
	free(s);

	cr_assert_eq(pt_field_value(&f[1], m, p, NULL, &v), 0);
	s = pt_value_json(&v, NULL, NULL);
	cr_assert_str_eq(s, "[\"sleep\",\"10\"]");
	free(s);
	pt_value_free(&v);
}

/* ---- the man page ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t cap = 0, len = 0, n;

	cr_assert_not_null(f, "%s", path);
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			s = realloc(s, cap + 1);
			cr_assert_not_null(s);
		}
		n = fread(s + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	s[len] = '\0';
	return s;
}

#define MAN_BEGIN ".\\\" BEGIN FIELDS: generated by tests/gen-fields-man, do not edit\n"
#define MAN_END ".\\\" END FIELDS\n"

Test(man, fields_section_matches_the_registry)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *man, *want, *a, *b;

	snprintf(path, sizeof(path), "%s/man/proctrail.1", top ? top : "..");
	man = slurp(path);
	want = pt_fields_man(NULL);
	cr_assert_not_null(want);
	a = strstr(man, MAN_BEGIN);
	cr_assert_not_null(a, "no generated FIELDS block in %s", path);
	a += strlen(MAN_BEGIN);
	b = strstr(a, MAN_END);
	cr_assert_not_null(b);
	*b = '\0';
	cr_assert_str_eq(a, want,
			 "man/proctrail.1 FIELDS differs from the registry: run "
			 "make update-man-fields");
	free(want);
	free(man);
}

Test(man, every_field_once)
{
	char *s = pt_fields_man(NULL);

	cr_assert_not_null(s);
	for (unsigned i = 0; i < pt_fields_count(); i++) {
		char pat[128];
		const char *hit;

		snprintf(pat, sizeof(pat), ".TP\n\\fB%s\\fR", pt_fields_at(i)->name);
		/* roff escapes no character of our names but '-' (none today) */
		hit = strstr(s, pat);
		cr_assert_not_null(hit, "%s not listed", pat);
		cr_assert_null(strstr(hit + 1, pat), "%s listed twice", pat);
	}
	free(s);
}
