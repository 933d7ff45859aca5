/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container terms of --filter (container=, pod=), what --container, --pod
 * and --host-only become (cli_filter_expr), the JSON splice behind
 * --ancestors, and proctraild's side: the containers command and the
 * subscribe request's ancestors member (daemon-request.c). Records are
 * imported into an empty monitor, as a client of the daemon holds them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon-serve.h"

#define BOOT "4bf3a2c7-0f8b-4cde-bdc8-72d4a501152d"
#define CTR_ID "4f2a0c9e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
#define POD_UID "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"

static struct pt_monitor *m;
static const struct pt_proc *host, *web, *unknown;
static char err[256];

/* One record: pid, its container members (none: attribution unknown). */
static const struct pt_proc *rec(int pid, const char *ctr)
{
	const struct pt_proc *p = NULL;
	char *line, why[256] = "";
	int r;

	cr_assert_gt(
		asprintf(&line,
			 "{\"pid\":%d,\"ppid\":1,\"start\":%d,\"state\":\"alive\",\"comm\":\"c%d\","
			 "\"exe\":\"/bin/c\",\"argv\":[\"c\"],\"argv_truncated\":false,"
			 "\"uid\":0,\"euid\":0,\"gid\":0,\"egid\":0,\"sid\":0,\"pgid\":0,"
			 "\"tty\":0,\"cwd\":\"/\",\"cgroup\":\"/\",\"ns\":{},\"tier\":\"none\","
			 "\"start_time\":\"2026-12-02T16:56:18.647000Z\",\"threads\":1,"
			 "\"loginuid\":-1,\"parent_key\":null%s,\"key\":\"" BOOT ":%d:%d\"}",
			 pid, pid, pid, ctr, pid, pid),
		0);
	r = pt_import_proc(m, line, strlen(line), &p, why, sizeof(why));
	cr_assert_eq(r, 0, "%s: %s", line, why);
	free(line);
	return p;
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
}

static void teardown(void)
{
	pt_monitor_close(m);
}

TestSuite(filter, .init = setup, .fini = teardown);

static bool match(const char *expr, const struct pt_proc *p)
{
	struct cli_filter *f = NULL;
	struct pt_event ev = {.type = PT_EV_EXEC, .pid = pt_proc_pid(p), .proc = p};
	bool ok;

	cr_assert_eq(cli_filter_parse(expr, &f, err, sizeof(err)), 0, "%s: %s", expr, err);
	ok = cli_filter_match(f, &ev);
	cli_filter_free(f);
	return ok;
}

Test(filter, container_term)
{
	/* the id: any prefix of one character or more; the name: exact */
	cr_assert(match("container=4", web));
	cr_assert(match("container=4f2a0c9e1b7d", web));
	cr_assert(match("container=" CTR_ID, web));
	cr_assert(match("container=web", web));
	cr_assert_not(match("container=we", web), "a name is exact");
	cr_assert_not(match("container=4f2b", web));
	cr_assert_not(match("container=" CTR_ID "0", web));
	/* host: the host's records only */
	cr_assert(match("container=host", host));
	cr_assert_not(match("container=host", web));
	cr_assert_not(match("container=4", host));
	cr_assert_not(match("container=web", host));
	/* a pattern matches the id or the name */
	cr_assert(match("container=w*", web));
	cr_assert(match("container=*0c1d", web));
	cr_assert_not(match("container=w*", host));
	/* unknown attribution: no = term holds, so != keeps it */
	cr_assert_not(match("container=host", unknown));
	cr_assert_not(match("container=4", unknown));
	cr_assert(match("container!=host", unknown));
	cr_assert(match("container!=host", web));
	cr_assert_not(match("container!=host", host));
}

Test(filter, pod_term)
{
	cr_assert(match("pod=web-7d4b9", web));
	cr_assert(match("pod=" POD_UID, web));
	cr_assert(match("pod=shop/web-7d4b9", web));
	cr_assert(match("pod=web-*", web));
	cr_assert(match("pod=shop/*", web));
	cr_assert_not(match("pod=web", web));
	cr_assert_not(match("pod=other/web-7d4b9", web));
	cr_assert_not(match("pod=web-7d4b9", host));
	cr_assert_not(match("pod=*", host));
	cr_assert_not(match("pod=*", unknown));
	/* with the other keys, all must hold */
	cr_assert(match("comm=c20 pod=web-7d4b9 container=web", web));
	cr_assert_not(match("comm=c10 container=web", web));
}

Test(filter, unknown_key_names_the_new_ones)
{
	struct cli_filter *f = NULL;

	cr_assert_eq(cli_filter_parse("ctr=x", &f, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "container, pod"), "%s", err);
}

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

/* --container, --pod and --host-only as filter terms, after --filter */
Test(filter, options_to_terms)
{
	EXPR_EQ("container=web", NULL, "web", NULL, false);
	EXPR_EQ("container=host", NULL, NULL, NULL, true);
	EXPR_EQ("pod=shop/web-1", NULL, NULL, "shop/web-1", false);
	EXPR_EQ("container=4f pod=web-1", NULL, "4f", "web-1", false);
	EXPR_EQ("uid=0 comm=sh* container=web", "uid=0 comm=sh*", "web", NULL, false);
	EXPR_EQ("uid=0 container=host", "uid=0", NULL, NULL, true);
	EXPR_EQ("pod=p", "", NULL, "p", false);
	/* what cannot be one term, and what excludes */
	cr_assert_null(expr(NULL, "a b", NULL, false));
	cr_assert_eq(errno, EINVAL);
	cr_assert(strstr(err, "--container"), "%s", err);
	cr_assert_null(expr(NULL, "", NULL, false));
	cr_assert_null(expr(NULL, NULL, "x\ty", false));
	cr_assert(strstr(err, "--pod"), "%s", err);
	cr_assert_null(expr(NULL, "web", NULL, true));
	cr_assert(strstr(err, "exclude"), "%s", err);
	cr_assert_null(expr(NULL, NULL, "p", true));
	cr_assert(strstr(err, "exclude"), "%s", err);
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
	char *nl;

	cr_assert_eq(handle("{\"cmd\":\"containers\",\"id\":7}", &out), PD_OK, "%s", out.p);
	/* one line per container the table lists, then done with the count */
	nl = strchr(out.p, '\n');
	cr_assert_not_null(nl, "%s", out.p);
	cr_assert(strncmp(out.p, "{\"id\":\"" CTR_ID "\"", strlen("{\"id\":\"" CTR_ID "\"")) == 0,
		  "%s", out.p);
	cr_assert_str_eq(nl + 1, "{\"done\":\"containers\",\"count\":1,\"id\":7}\n");
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

/* ps's filter member takes the container terms: what ps --container sends */
Test(filter, daemon_ps_container_filter)
{
	struct pd_buf out;

	cr_assert_eq(
		handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"container=web\"}", &out),
		PD_OK);
	cr_assert_str_eq(out.p, "{\"pid\":20}\n{\"done\":\"ps\",\"count\":1}\n");
	pd_buf_free(&out);
	cr_assert_eq(
		handle("{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"container=host\"}", &out),
		PD_OK);
	cr_assert_str_eq(out.p, "{\"pid\":10}\n{\"done\":\"ps\",\"count\":1}\n");
	pd_buf_free(&out);
}
