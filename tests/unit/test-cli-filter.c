/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter as a condition (cli-filter.c): checks over the registry's fields,
 * fields that read the monitor (proc.pname), records without an event (ps),
 * errors with their position, the old KEY=PATTERN terms and their
 * translation, what --container, --pod and --host-only become (with values a
 * user may make hostile), the JSON splice behind --ancestors, and proctraild's
 * side: the filter member of ps and subscribe, the containers command and the
 * ancestors member (daemon-request.c). Records are imported into an empty
 * monitor, as a client of the daemon holds them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon-serve.h"

#define BOOT "4bf3a2c7-0f8b-4cde-bdc8-72d4a501152d"
#define CTR_ID "4f2a0c9e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
#define CTR_ID2 "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
#define POD_UID "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"

static struct pt_monitor *m;
static const struct pt_proc *host, *web, *unknown, *odd, *parent, *child;
static char err[512];

/* One record: pid, its parent's pid (a parent_key: the fork-time parent, which
 * proc.pname reads), its container members (none: attribution unknown). */
static const struct pt_proc *rec_of(int pid, int ppid, const char *ctr)
{
	const struct pt_proc *p = NULL;
	char *line, why[256] = "", pkey[128] = "null";
	int r;

	if (ppid > 1)
		snprintf(pkey, sizeof(pkey), "\"" BOOT ":%d:%d\"", ppid, ppid);
	cr_assert_gt(
		asprintf(
			&line,
			"{\"pid\":%d,\"ppid\":%d,\"start\":%d,\"state\":\"alive\",\"comm\":\"c%d\","
			"\"exe\":\"/bin/c\",\"argv\":[\"c\",\"-x\"],\"argv_truncated\":false,"
			"\"uid\":%d,\"euid\":%d,\"gid\":0,\"egid\":0,\"sid\":0,\"pgid\":0,"
			"\"tty\":0,\"cwd\":\"/\",\"cgroup\":\"/\",\"ns\":{},\"tier\":\"none\","
			"\"start_time\":\"2026-12-02T16:56:18.647000Z\",\"threads\":1,"
			"\"loginuid\":-1,\"parent_key\":%s%s,\"key\":\"" BOOT ":%d:%d\"}",
			pid, ppid, pid, pid, pid, pid * 10, pkey, ctr, pid, pid),
		0);
	r = pt_import_proc(m, line, strlen(line), &p, why, sizeof(why));
	cr_assert_eq(r, 0, "%s: %s", line, why);
	free(line);
	return p;
}

static const struct pt_proc *rec(int pid, const char *ctr)
{
	return rec_of(pid, 1, ctr);
}

static void setup(void)
{
	struct pt_options o;

	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.flags |= PT_OPEN_EMPTY;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	host = rec(10, ",\"container_id\":\"host\"");
	web = rec(20,
		  ",\"container_id\":\"" CTR_ID "\",\"container_runtime\":\"cri-o\","
		  "\"container_name\":\"web\",\"container_image\":\"nginx:1.25\","
		  "\"k8s_pod_name\":\"web-7d4b9\",\"k8s_ns_name\":\"shop\","
		  "\"k8s_pod_uid\":\"" POD_UID "\"");
	unknown = rec(30, "");
	/* a name and a pod a user could make hostile: quotes, a backslash at the end */
	odd = rec(40,
		  ",\"container_id\":\"" CTR_ID2 "\",\"container_runtime\":\"docker\","
		  "\"container_name\":\"x\\\" or proc.pid > 0 or \\\"\\\\\","
		  "\"k8s_pod_name\":\"p\\\"q\\\\\",\"k8s_ns_name\":\"n s\"");
	parent = rec(5, ",\"container_id\":\"host\"");
	child = rec_of(50, 5, ",\"container_id\":\"host\"");
}

static void teardown(void)
{
	pt_monitor_close(m);
}

TestSuite(filter, .init = setup, .fini = teardown);

static struct cli_filter *parse(const char *expr)
{
	struct cli_filter *f = NULL;

	err[0] = 0;
	cr_assert_eq(cli_filter_parse(expr, &f, err, sizeof(err)), 0, "%s: %s", expr, err);
	return f;
}

/* An exec event of p, through the filter, with the monitor or without (mon). */
static bool match_ev(const char *expr, const struct pt_proc *p, const struct pt_monitor *mon)
{
	struct cli_filter *f = parse(expr);
	struct pt_event ev = {.type = PT_EV_EXEC,
			      .pid = pt_proc_pid(p),
			      .tid = pt_proc_pid(p),
			      .ppid = pt_proc_ppid(p),
			      .proc = p};
	bool ok = cli_filter_match(f, mon, &ev);

	cli_filter_free(f);
	return ok;
}

static bool match(const char *expr, const struct pt_proc *p)
{
	return match_ev(expr, p, m);
}

/* The record alone, as ps matches it. */
static bool match_rec(const char *expr, const struct pt_proc *p)
{
	struct cli_filter *f = parse(expr);
	bool ok = cli_filter_match_proc(f, m, p);

	cli_filter_free(f);
	return ok;
}

/* The error of a filter that does not parse. */
static const char *parse_err(const char *expr)
{
	struct cli_filter *f = NULL;

	err[0] = 0;
	cr_assert_eq(cli_filter_parse(expr, &f, err, sizeof(err)), -EINVAL, "%s parsed", expr);
	cr_assert_null(f);
	return err;
}

Test(filter, field_checks)
{
	cr_assert(match("proc.name = c20", web));
	cr_assert_not(match("proc.name = c20", host));
	cr_assert(match("proc.pid = 20 and user.uid = 200", web));
	cr_assert(match("proc.pid in (10, 20) and not proc.name startswith c1", web));
	cr_assert_not(match("proc.pid in (10, 20) and not proc.name startswith c1", host));
	cr_assert(match("proc.name = c10 or (proc.args contains -x and user.ruid < 100)", host));
	cr_assert(match("evt.type = exec and evt.type in (execve, execveat)", web));
	cr_assert(match("container.name = web and k8s.ns.name = shop", web));
	/* a field the record does not have is false, its negation true */
	cr_assert_not(match("container.name = web", unknown));
	cr_assert(match("not container.name = web", unknown));
	/* a blank filter keeps everything */
	cr_assert(match("  ", web));
}

/* proc.pname reads the parent's record: it needs the monitor */
Test(filter, pname_needs_the_monitor)
{
	cr_assert(match("proc.pname = c5", child));
	cr_assert(match("proc.pname exists", child));
	cr_assert_not(match_ev("proc.pname = c5", child, NULL));
	cr_assert(match_rec("proc.pname = c5", child));
	cr_assert_not(match("proc.pname = c5", web));
}

/* ps matches records: no event, so evt.* is false there */
Test(filter, records_have_no_event)
{
	cr_assert(match_rec("proc.name = c20 and container.id != host", web));
	cr_assert_not(match_rec("evt.type = exec", web));
	cr_assert(match_rec("not evt.type = exec", web));
	cr_assert(match_rec("", web));
	cr_assert(cli_filter_match_proc(NULL, m, web));
}

Test(filter, lost_events_always_pass)
{
	struct cli_filter *f = parse("proc.name = nothing");
	struct pt_event ev = {.type = PT_EV_LOST};

	cr_assert(cli_filter_match(f, m, &ev));
	cli_filter_free(f);
	cr_assert(cli_filter_match(NULL, m, &ev));
}

/* one context for several filters: each sees the same event */
Test(filter, shared_context)
{
	struct cli_filter *a = parse("proc.name = c20"), *b = parse("proc.name = c10");
	struct pt_cond_ctx *x = pt_cond_ctx_new();
	struct pt_event ev = {.type = PT_EV_EXEC, .pid = 20, .tid = 20, .proc = web};
	struct cli_filter_ev fe = {.x = x, .m = m, .ev = &ev};

	cr_assert_not_null(x);
	cr_assert(cli_filter_eval(a, &fe));
	cr_assert(fe.set);
	cr_assert_not(cli_filter_eval(b, &fe));
	ev = (struct pt_event){.type = PT_EV_EXEC, .pid = 10, .tid = 10, .proc = host};
	fe = (struct cli_filter_ev){.x = x, .m = m, .ev = &ev};
	cr_assert_not(cli_filter_eval(a, &fe));
	cr_assert(cli_filter_eval(b, &fe));
	pt_cond_ctx_free(x);
	cli_filter_free(a);
	cli_filter_free(b);
}

/* The error of a filter that does not parse holds each of the strings given. */
static void err_has(const char *expr, const char *want, const char *also)
{
	const char *e = parse_err(expr);

	cr_assert(strstr(e, want), "%s: %s", expr, e);
	cr_assert(!also || strstr(e, also), "%s: %s", expr, e);
}

/* strict: an unknown field is an error naming it, with its byte offset */
Test(filter, errors_with_positions)
{
	err_has("proc.nam = x", "unknown field 'proc.nam'", " at 0");
	err_has("proc.name = x and proc.nam = y", "'proc.nam' at 18", NULL);
	err_has("fd.name = /etc/passwd", "fd.name", " at 0");
	err_has("evt.type = open", "open", NULL);
	err_has("proc.name = (", " at ", NULL);
	err_has("user.uid = abc", "abc", NULL);
	parse_err("proc.name = x and");
	/* a bare identifier is a macro: --filter has none */
	err_has("spawned_process", "spawned_process", NULL);
}

/* ---- the old syntax ---- */

#define COMPAT_EQ(old, want)                                 \
	do {                                                 \
		struct cli_filter *f_ = parse(old);          \
		cr_assert(cli_filter_compat(f_), "%s", old); \
		cr_assert_str_eq(cli_filter_text(f_), want); \
		cli_filter_free(f_);                         \
	} while (0)

Test(filter, compat_translation)
{
	COMPAT_EQ("comm=find*", "proc.name glob \"find*\"");
	COMPAT_EQ("comm=find", "proc.name = \"find\"");
	COMPAT_EQ("pid=12", "proc.pid = 12");
	COMPAT_EQ("uid!=0", "not user.ruid = 0");
	COMPAT_EQ("euid=0 gid=5 ppid=1", "user.uid = 0 and group.rgid = 5 and proc.ppid = 1");
	/* a number not written as its text is matched as the text was: a pattern */
	COMPAT_EQ("pid=012", "proc.pid glob \"012\"");
	COMPAT_EQ("pid=1?", "proc.pid glob \"1?\"");
	COMPAT_EQ("exe=/usr/bin/*", "proc.exepath glob \"/usr/bin/*\"");
	COMPAT_EQ("  comm=find\tpid=12 argv!=*x*  ",
		  "proc.name = \"find\" and proc.pid = 12 and not proc.command glob \"*x*\"");
	/* the pattern's bytes stay a value: quotes, a backslash, parentheses */
	COMPAT_EQ("argv=*\"a\\\"*", "proc.command glob \"*\\\"a\\\\\\\"*\"");
	COMPAT_EQ("comm=a\\", "proc.name glob \"a\\x5c\"");
	COMPAT_EQ("comm=(x)", "proc.name = \"(x)\"");
	COMPAT_EQ("container=host", "container.id = host");
	COMPAT_EQ("container!=web",
		  "not (container.id != host and (container.full_id startswith \"web\" or "
		  "container.name = \"web\"))");
	COMPAT_EQ("pod=shop/web-*", "(k8s.ns.name glob \"shop\" and k8s.pod.name glob \"web-*\")");
	/* a condition is no old syntax */
	cr_assert_not(cli_filter_compat(parse("proc.name=find")));
}

Test(filter, compat_matching)
{
	cr_assert(match("comm=c2*", web));
	cr_assert_not(match("comm=c2*", host));
	cr_assert(match("pid=20 argv=*-x*", web));
	cr_assert(match("euid=2?0 uid=20", web));
	cr_assert(match("comm=c20 pod=web-7d4b9 container=web", web));
	cr_assert_not(match("comm=c10 container=web", web));
	/* unknown attribution: no = term holds, so != keeps it */
	cr_assert_not(match("container=host", unknown));
	cr_assert(match("container!=host", unknown));
	cr_assert_not(match("container!=host", host));
}

Test(filter, compat_errors)
{
	err_has("bogus=1", "unknown filter key 'bogus' at 0", "container, pod");
	err_has("comm=x bogus=1", "'bogus' at 7", NULL);
	err_has("container=", "needs a value", NULL);
	/* an old term among a condition: the grammar's error */
	parse_err("comm=x and proc.name = x");
}

/* ---- --container, --pod, --host-only ---- */

static char *expr(const char *filter, const char *container, const char *pod, bool host_only)
{
	struct cli_ctr_sel sel = {container, pod, host_only};

	err[0] = 0;
	return cli_filter_expr(filter, &sel, err, sizeof(err));
}

#define EXPR_EQ(want, ...)                           \
	do {                                         \
		char *got_ = expr(__VA_ARGS__);      \
		cr_assert_not_null(got_, "%s", err); \
		cr_assert_str_eq(got_, want);        \
		free(got_);                          \
	} while (0)

/* --container=V as a condition, V quoted */
#define CTR(v) "(container.id != host and (container.full_id startswith " v CTR_NAME(v)
#define CTR_NAME(v) " or container.name = " v "))"

Test(filter, options_to_conditions)
{
	EXPR_EQ(CTR("\"web\""), NULL, "web", NULL, false);
	EXPR_EQ("container.id = host", NULL, NULL, NULL, true);
	EXPR_EQ("(k8s.ns.name = \"shop\" and k8s.pod.name = \"web-1\")", NULL, NULL, "shop/web-1",
		false);
	EXPR_EQ(CTR("\"4f\"") " and (k8s.pod.name = \"web-1\" or k8s.pod.uid = \"web-1\")", NULL,
		"4f", "web-1", false);
	EXPR_EQ("(user.uid = 0 or proc.name = sh) and " CTR("\"web\""),
		"user.uid = 0 or proc.name = sh", "web", NULL, false);
	EXPR_EQ("(user.uid = 0) and container.id = host", "user.uid = 0", NULL, NULL, true);
	EXPR_EQ("(k8s.pod.name = \"p\" or k8s.pod.uid = \"p\")", "", NULL, "p", false);
	EXPR_EQ("(container.id != host and (container.full_id glob \"w*\" or container.name glob "
		"\"w*\"))",
		NULL, "w*", NULL, false);
	/* a value with a blank is a value */
	EXPR_EQ(CTR("\"a b\""), NULL, "a b", NULL, false);
	/* what has no value, and what excludes */
	cr_assert_null(expr(NULL, "", NULL, false));
	cr_assert_eq(errno, EINVAL);
	cr_assert(strstr(err, "--container"), "%s", err);
	cr_assert_null(expr(NULL, NULL, "", false));
	cr_assert(strstr(err, "--pod"), "%s", err);
	cr_assert_null(expr(NULL, "web", NULL, true));
	cr_assert(strstr(err, "exclude"), "%s", err);
	cr_assert_null(expr(NULL, NULL, "p", true));
	cr_assert(strstr(err, "exclude"), "%s", err);
}

/* The condition of the options, on the records. */
static bool sel_match(const char *container, const char *pod, bool host_only,
		      const struct pt_proc *p)
{
	char *text = expr(NULL, container, pod, host_only);
	bool ok;

	cr_assert_not_null(text, "%s", err);
	ok = match(text, p);
	free(text);
	return ok;
}

Test(filter, container_option)
{
	/* the id: any prefix of one character or more; the name: exact */
	cr_assert(sel_match("4", NULL, false, web));
	cr_assert(sel_match("4f2a0c9e1b7d", NULL, false, web));
	cr_assert(sel_match(CTR_ID, NULL, false, web));
	cr_assert(sel_match("web", NULL, false, web));
	cr_assert_not(sel_match("we", NULL, false, web), "a name is exact");
	cr_assert_not(sel_match("4f2b", NULL, false, web));
	cr_assert_not(sel_match(CTR_ID "0", NULL, false, web));
	/* host: the host's records only, and no prefix of "host" is a container */
	cr_assert(sel_match(NULL, NULL, true, host));
	cr_assert_not(sel_match(NULL, NULL, true, web));
	cr_assert_not(sel_match("h", NULL, false, host));
	cr_assert_not(sel_match("4", NULL, false, host));
	/* a pattern matches the id or the name */
	cr_assert(sel_match("w*", NULL, false, web));
	cr_assert(sel_match("*0c1d", NULL, false, web));
	cr_assert_not(sel_match("*", NULL, false, host));
	/* unknown attribution: nothing */
	cr_assert_not(sel_match(NULL, NULL, true, unknown));
	cr_assert_not(sel_match("4", NULL, false, unknown));
}

Test(filter, pod_option)
{
	cr_assert(sel_match(NULL, "web-7d4b9", false, web));
	cr_assert(sel_match(NULL, POD_UID, false, web));
	cr_assert(sel_match(NULL, "shop/web-7d4b9", false, web));
	cr_assert(sel_match(NULL, "web-*", false, web));
	cr_assert(sel_match(NULL, "shop/*", false, web));
	cr_assert_not(sel_match(NULL, "web", false, web));
	cr_assert_not(sel_match(NULL, "other/web-7d4b9", false, web));
	cr_assert_not(sel_match(NULL, "web-7d4b9", false, host));
	cr_assert_not(sel_match(NULL, "*", false, host));
	cr_assert_not(sel_match(NULL, "*", false, unknown));
}

/* values are quoted: whatever they hold, they stay one value */
Test(filter, hostile_values)
{
	static const char *const vals[] = {
		"x\" or proc.pid > 0 or \"",
		"\\",
		"a\\",
		"\"",
		"x) or (proc.pid > 0",
		"x\nor proc.pid > 0",
		"'",
		"\\\" or \\\"",
		"a\\\"",
		"ns/\" or proc.pid > 0 or \"",
	};
	const char *name = "x\" or proc.pid > 0 or \"\\";

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		cr_assert_not(sel_match(vals[i], NULL, false, web), "--container=%s", vals[i]);
		cr_assert_not(sel_match(vals[i], NULL, false, host), "--container=%s", vals[i]);
		cr_assert_not(sel_match(NULL, vals[i], false, web), "--pod=%s", vals[i]);
		cr_assert_not(sel_match(NULL, vals[i], false, odd), "--pod=%s", vals[i]);
	}
	/* and match where they are the value */
	cr_assert(sel_match(name, NULL, false, odd));
	cr_assert_not(sel_match(name, NULL, false, web));
	cr_assert(sel_match(NULL, "p\"q\\", false, odd));
	cr_assert(sel_match(NULL, "n s/p\"q\\", false, odd));
	cr_assert(sel_match(NULL, "n s/p\"q*", false, odd));
	/* the text: a backslash before the closing quote is \x5c (Falco's quirk) */
	EXPR_EQ(CTR("\"a\\x5c\""), NULL, "a\\", NULL, false);
	EXPR_EQ(CTR("\"\\\"\""), NULL, "\"", NULL, false);
	EXPR_EQ(CTR("\"x\\x0a\""), NULL, "x\n", NULL, false);
}

Test(filter, json_splice)
{
	size_t len = 2;
	char *s = strdup("{}");

	s = cli_json_splice(s, &len, "ancestors", "[]");
	cr_assert_str_eq(s, "{\"ancestors\":[]}");
	cr_assert_eq(len, strlen(s));
	free(s);
	s = strdup("{\"pid\":1}");
	len = strlen(s);
	s = cli_json_splice(s, &len, "ancestors", "[{\"pid\":0}]");
	cr_assert_str_eq(s, "{\"pid\":1,\"ancestors\":[{\"pid\":0}]}");
	cr_assert_eq(len, strlen(s));
	free(s);
	s = strdup("[1]");
	len = 3;
	cr_assert_null(cli_json_splice(s, &len, "a", "1"));
	cr_assert_eq(errno, EINVAL);
	free(s);
}

/* ---- proctraild: the containers command, the ancestors member ---- */

static enum pd_err handle(const char *line, struct pd_buf *out)
{
	struct pd_ctx ctx = {.m = m};
	struct pd_req r;
	enum pd_err e;

	*out = (struct pd_buf){0};
	e = pd_handle_line(&ctx, line, strlen(line), out, &r);
	pd_req_free(&r);
	pd_buf_add(out, "", 1);
	return e;
}

Test(filter, daemon_containers)
{
	struct pd_buf out;

	cr_assert_eq(handle("{\"cmd\":\"containers\",\"id\":7}", &out), PD_OK, "%s", out.p);
	/* one line per container the table lists, then done with the count */
	cr_assert(strstr(out.p, "{\"id\":\"" CTR_ID "\""), "%s", out.p);
	cr_assert(strstr(out.p, "{\"id\":\"" CTR_ID2 "\""), "%s", out.p);
	cr_assert(strstr(out.p, "\n{\"done\":\"containers\",\"count\":2,\"id\":7}\n"), "%s", out.p);
	pd_buf_free(&out);
	/* it takes no member */
	cr_assert_eq(handle("{\"cmd\":\"containers\",\"pid\":1}", &out), PD_E_BAD_REQUEST);
	cr_assert(strstr(out.p, "does not apply to containers"), "%s", out.p);
	pd_buf_free(&out);
}

static enum pd_err parse_req(const char *line, struct pd_req *r, char *why, size_t len)
{
	return pd_req_parse(line, strlen(line), r, why, len);
}

Test(filter, daemon_ancestors_member)
{
	struct pd_req r;
	char why[256];

	cr_assert_eq(parse_req("{\"cmd\":\"subscribe\",\"ancestors\":64}", &r, why, sizeof(why)),
		     PD_OK, "%s", why);
	cr_assert_eq(r.ancestors, 64);
	pd_req_free(&r);
	cr_assert_eq(parse_req("{\"cmd\":\"subscribe\",\"ancestors\":65}", &r, why, sizeof(why)),
		     PD_E_BAD_REQUEST);
	cr_assert(strstr(why, "0 to 64"), "%s", why);
	pd_req_free(&r);
	cr_assert_eq(parse_req("{\"cmd\":\"subscribe\",\"ancestors\":\"2\"}", &r, why, sizeof(why)),
		     PD_E_BAD_REQUEST);
	pd_req_free(&r);
	cr_assert_eq(parse_req("{\"cmd\":\"ps\",\"ancestors\":2}", &r, why, sizeof(why)),
		     PD_E_BAD_REQUEST);
	pd_req_free(&r);
}

/* ps's filter member: a condition over records; old terms work too */
Test(filter, daemon_ps_filter)
{
	struct pd_buf out;

	cr_assert_eq(handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":"
			    "\"container.name = web or proc.name = c10\"}",
			    &out),
		     PD_OK);
	cr_assert_str_eq(out.p, "{\"pid\":10}\n{\"pid\":20}\n{\"done\":\"ps\",\"count\":2}\n");
	pd_buf_free(&out);
	/* a record is no event */
	cr_assert_eq(
		handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"evt.type = exec\"}", &out),
		PD_OK);
	cr_assert_str_eq(out.p, "{\"done\":\"ps\",\"count\":0}\n");
	pd_buf_free(&out);
	cr_assert_eq(
		handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"container=host pid=1*\"}",
		       &out),
		PD_OK);
	cr_assert_str_eq(out.p, "{\"pid\":10}\n{\"done\":\"ps\",\"count\":1}\n");
	pd_buf_free(&out);
	cr_assert_eq(
		handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"proc.pname = c5\"}", &out),
		PD_OK);
	cr_assert_str_eq(out.p, "{\"pid\":50}\n{\"done\":\"ps\",\"count\":1}\n");
	pd_buf_free(&out);
}

Test(filter, daemon_bad_filter)
{
	struct pd_buf out;

	cr_assert_eq(handle("{\"cmd\":\"ps\",\"filter\":\"proc.nam = 1\"}", &out),
		     PD_E_BAD_REQUEST);
	cr_assert(strstr(out.p, "bad filter: ") && strstr(out.p, "proc.nam") &&
			  strstr(out.p, " at 0"),
		  "%s", out.p);
	pd_buf_free(&out);
	cr_assert_eq(handle("{\"cmd\":\"subscribe\",\"filter\":\"nokey=1\"}", &out),
		     PD_E_BAD_REQUEST);
	cr_assert(strstr(out.p, "unknown filter key 'nokey' at 0"), "%s", out.p);
	pd_buf_free(&out);
}

/* subscribe: the reply echoes the condition (old terms: their translation) */
Test(filter, daemon_subscribe_echo)
{
	struct pd_buf out = {0};
	struct pd_req r;
	char why[512];

	cr_assert_eq(parse_req("{\"cmd\":\"subscribe\",\"events\":\"exec\",\"filter\":"
			       "\"proc.name in (sh, \\\"a b\\\")\"}",
			       &r, why, sizeof(why)),
		     PD_OK, "%s", why);
	pd_subscribed_line(&out, &r, 4096);
	pd_buf_add(&out, "", 1);
	cr_assert_str_eq(out.p,
			 "{\"subscribed\":{\"events\":[\"exec\",\"lost\"],\"queue\":4096,"
			 "\"filter\":\"proc.name in (sh, \\\"a b\\\")\"}}\n");
	pd_buf_free(&out);
	pd_req_free(&r);
	out = (struct pd_buf){0};
	cr_assert_eq(parse_req("{\"cmd\":\"subscribe\",\"events\":\"exec\",\"filter\":\"comm=sh\"}",
			       &r, why, sizeof(why)),
		     PD_OK, "%s", why);
	pd_subscribed_line(&out, &r, 4096);
	pd_buf_add(&out, "", 1);
	cr_assert(strstr(out.p, "\"filter\":\"proc.name = \\\"sh\\\"\""), "%s", out.p);
	pd_buf_free(&out);
	pd_req_free(&r);
}
