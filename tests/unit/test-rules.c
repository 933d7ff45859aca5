/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules files (src/rules*.c): loading (lists, macros, append, override,
 * exceptions, toggles, versions, errors with positions), compiling (skip
 * reasons), matching execs imported into an empty monitor, the output format
 * and the alert line; and what 1000 rules cost per exec.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "rules-int.h"

#define BOOT "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f"

static void setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

TestSuite(rules, .init = setup);

/* ---- helpers ---- */

static struct rules *load(const char *yaml)
{
	struct rules *rs = rules_new();

	cr_assert_not_null(rs);
	rules_load_string(rs, "t.yaml", yaml, strlen(yaml));
	rules_compile(rs);
	return rs;
}

/* The first diagnostic whose message holds s, or NULL. */
static const struct rules_diag *find_diag(const struct rules *rs, const char *s)
{
	for (size_t i = 0; i < rules_ndiag(rs); i++)
		if (strstr(rules_diag(rs, i)->msg, s))
			return rules_diag(rs, i);
	return NULL;
}

static size_t nerrors(const struct rules *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rules_ndiag(rs); i++)
		n += rules_diag(rs, i)->level == RULES_ERROR;
	return n;
}

static void dump(const struct rules *rs)
{
	for (size_t i = 0; i < rules_ndiag(rs); i++) {
		const struct rules_diag *d = rules_diag(rs, i);

		fprintf(stderr, "  %s:%u:%u: %s: %s: %s\n", d->file, d->line, d->col,
			d->level == RULES_ERROR ? "error" : "warning", d->item ? d->item : "-",
			d->msg);
	}
}

static struct rules_info info_of(const struct rules *rs, const char *name)
{
	struct rules_info ri;

	for (size_t i = 0; i < rules_count(rs); i++) {
		cr_assert_eq(rules_info(rs, i, &ri), 0);
		if (strcmp(ri.name, name) == 0)
			return ri;
	}
	cr_assert_fail("no rule '%s'", name);
	return ri;
}

static const struct rules_item *rule_of(const struct rules *rs, const char *name)
{
	const struct rules_item *r = rules_find(&rs->rules, name);

	cr_assert_not_null(r, "no rule '%s'", name);
	return r;
}

/* The text rules_compile parses for rule name, lists substituted. */
static char *text_of(struct rules *rs, const char *name)
{
	char *t = rules_rule_text(rule_of(rs, name)), *out = NULL;

	cr_assert_not_null(t);
	cr_assert_eq(rules_subst_lists(rs, t, &out), 0);
	free(t);
	return out;
}

static void expect_text(struct rules *rs, const char *name, const char *want)
{
	char *t = text_of(rs, name);

	cr_expect_str_eq(t, want);
	free(t);
}

/* ---- a monitor with imported execs ---- */

static struct pt_monitor *open_empty(void)
{
	struct pt_options o;
	struct pt_monitor *m = NULL;

	pt_options_init(&o);
	o.flags = PT_OPEN_EMPTY;
	o.proc_root = "/nonexistent-proc-root";
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

struct seen {
	struct rules *rs;
	const struct pt_monitor *m;
	unsigned n;
	char rule[16][128];
	char json[16][4096];
	char output[16][1024];
	unsigned evals;
};

static void on_alert(const struct rules_alert *a, void *data)
{
	struct seen *s = data;

	cr_assert_eq(strlen(a->json), a->json_len);
	if (s->n < 16) {
		snprintf(s->rule[s->n], sizeof(s->rule[0]), "%s", a->rule);
		snprintf(s->json[s->n], sizeof(s->json[0]), "%s", a->json);
		snprintf(s->output[s->n], sizeof(s->output[0]), "%s", a->output);
	}
	s->n++;
}

/* Each loaded rule's whole condition, evaluated without the plan: the rules
 * that match, as a bit mask (the first 64). */
static uint64_t whole_matches(const struct rules *rs, const struct pt_monitor *m,
			      const struct pt_event *ev)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < rs->nrun && i < 64; i++)
		if (pt_cond_match(rs->run[i]->c, m, ev->proc, ev))
			mask |= 1ull << i;
	return mask;
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct seen *s = data;
	unsigned before = s->n, n;
	uint64_t want = 0;

	if (ev->type == PT_EV_EXEC) {
		s->evals++;
		want = whole_matches(s->rs, s->m, ev);
	}
	n = rules_eval(s->rs, s->m, ev, on_alert, s);
	cr_assert_eq(n, s->n - before);
	if (ev->type == PT_EV_EXEC && s->rs->nrun <= 64)
		cr_assert_eq(n, (unsigned)__builtin_popcountll(want), "plan %u, whole %d", n,
			     __builtin_popcountll(want));
}

/* An exec of pid (parent ppid) running argv (a JSON array), as pt_json_event writes it. */
static void exec_ev(struct pt_monitor *m, int pid, int ppid, const char *comm, const char *exe,
		    const char *argv, unsigned uid)
{
	char line[2048], why[256] = "";
	int n;

	n = snprintf(line, sizeof(line),
		     "{\"event\":\"exec\",\"time\":\"2026-12-03T08:01:02.123456Z\",\"pid\":%d,"
		     "\"tid\":%d,\"ppid\":%d,\"start\":%d,\"key\":\"" BOOT ":%d:%d\","
		     "\"comm\":\"%s\",\"exe\":\"%s\",\"argv\":%s,\"argv_truncated\":false,"
		     "\"uid\":%u,\"euid\":%u,\"gid\":0,\"egid\":0,\"cwd\":\"/home/u\","
		     "\"tty\":34816,\"loginuid\":1000,\"container_id\":\"host\","
		     "\"tier\":\"netlink\"}",
		     pid, pid, ppid, 1000 + pid, 1000 + pid, pid, comm, exe, argv, uid, uid);
	cr_assert_lt(n, (int)sizeof(line));
	cr_assert_eq(pt_import_event(m, line, (size_t)n, why, sizeof(why)), 0, "%s: %s", why, line);
}

/* sshd (100) -> bash (200) -> the exec given (300). */
static void family(struct pt_monitor *m)
{
	exec_ev(m, 100, 1, "sshd", "/usr/sbin/sshd", "[\"sshd\",\"-D\"]", 0);
	exec_ev(m, 200, 100, "bash", "/usr/bin/bash", "[\"-bash\"]", 1000);
}

/* ---- loading ---- */

Test(rules, a_rule_loads_and_reports_falco_names)
{
	struct rules *rs = load("- rule: Shell\n"
				"  desc: a shell\n"
				"  condition: evt.type = execve and proc.name = bash\n"
				"  output: shell (user=%user.name)\n"
				"  priority: WARNING\n"
				"  tags: [shell, mitre_execution]\n");
	struct rules_info ri;

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_assert_eq(rules_count(rs), 1);
	cr_assert_eq(rules_loaded(rs), 1);
	cr_assert_eq(rules_info(rs, 0, &ri), 0);
	cr_expect_str_eq(ri.name, "Shell");
	cr_expect_str_eq(ri.file, "t.yaml");
	cr_expect_eq(ri.line, 1);
	cr_expect_str_eq(ri.priority, "Warning");
	cr_expect_eq(ri.state, RULES_LOADED);
	cr_expect_null(ri.why);
	cr_expect_eq(rules_info(rs, 1, &ri), -ENOENT);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, priorities_are_case_insensitive_and_info_is_informational)
{
	static const struct {
		const char *given, *want;
	} t[] = {
		{"emergency", "Emergency"}, {"ALERT", "Alert"},
		{"Critical", "Critical"},   {"error", "Error"},
		{"warning", "Warning"},	    {"NOTICE", "Notice"},
		{"info", "Informational"},  {"informational", "Informational"},
		{"debug", "Debug"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char y[256];
		struct rules *rs;

		snprintf(y, sizeof(y),
			 "- rule: r\n  desc: d\n  condition: proc.name = x\n  output: o\n"
			 "  priority: %s\n",
			 t[i].given);
		rs = load(y);
		cr_expect_str_eq(info_of(rs, "r").priority, t[i].want, "%s", t[i].given);
		rules_free(rs);
	}
}

Test(rules, a_bad_priority_is_an_error_and_the_rule_broken)
{
	struct rules *rs = load("- rule: r\n  desc: d\n  condition: proc.name = x\n  output: o\n"
				"  priority: loud\n");
	const struct rules_diag *d = find_diag(rs, "priority");

	cr_assert_not_null(d);
	cr_expect_eq(d->level, RULES_ERROR);
	cr_expect_eq(d->line, 5);
	cr_expect_eq(d->col, 13);
	cr_expect_str_eq(d->item, "rule: r");
	cr_expect_eq(info_of(rs, "r").state, RULES_BROKEN);
	cr_expect_not_null(info_of(rs, "r").why);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, missing_keys_are_errors)
{
	struct rules *rs = load("- rule: r\n  desc: d\n  condition: proc.name = x\n"
				"  priority: info\n"
				"- macro: m\n"
				"- list: l\n"
				"  item: [a]\n");

	cr_expect_not_null(find_diag(rs, "rule has no 'output'"));
	cr_expect_not_null(find_diag(rs, "macro has no 'condition'"));
	cr_expect_not_null(find_diag(rs, "list has no 'items'"));
	cr_expect_not_null(find_diag(rs, "unknown key 'item'"));
	cr_expect_eq(info_of(rs, "r").state, RULES_BROKEN);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

/* Names and keys from the file are quoted in messages, which stay one line. */
Test(rules, messages_escape_control_bytes)
{
	struct rules *rs = load("- rule: \"r\\nx\"\n  desc: d\n  condition: proc.name = x\n"
				"  output: o\n  priority: info\n  \"k\\ty\\u0001\": 1\n");
	const struct rules_diag *d = find_diag(rs, "unknown key");

	dump(rs);
	cr_assert_not_null(d);
	cr_expect_str_eq(d->msg, "unknown key 'k\\ty\\x01' ignored");
	cr_expect_str_eq(d->item, "rule: r\\nx");
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, yaml_errors_have_line_and_column)
{
	struct rules *rs = load("- rule: r\n  desc: d\n  condition: [unclosed\n");
	const struct rules_diag *d = find_diag(rs, "YAML");

	dump(rs);
	cr_assert_not_null(d);
	cr_expect_eq(d->level, RULES_ERROR);
	cr_expect_geq(d->line, 3);
	cr_expect_gt(d->col, 0);
	cr_expect_str_eq(d->file, "t.yaml");
	rules_free(rs);

	rs = load("rule: not a list\n");
	d = find_diag(rs, "list of items");
	cr_assert_not_null(d);
	cr_expect_eq(d->line, 1);
	cr_expect_eq(d->col, 1);
	rules_free(rs);

	/* libyaml is quadratic in the depth: deep files are refused first */
	{
		char deep[300];

		memset(deep, '[', 200);
		memset(deep + 200, ']', 99);
		deep[299] = '\0';
		rs = load(deep);
		d = find_diag(rs, "nested more than 64 deep");
		cr_assert_not_null(d);
		cr_expect_eq(d->col, 65);
		rules_free(rs);
	}
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, unknown_top_level_items_warn_and_plugin_versions_are_ignored)
{
	struct rules *rs = load("- required_plugin_versions:\n  - name: k8saudit\n"
				"    version: 0.1.0\n"
				"- something: else\n");
	const struct rules_diag *d = find_diag(rs, "unknown top-level item");

	cr_expect_eq(nerrors(rs), 0);
	cr_assert_not_null(d);
	cr_expect_eq(d->level, RULES_WARNING);
	cr_expect_eq(d->line, 4);
	cr_expect_eq(d->col, 3);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, required_engine_version)
{
	static const struct {
		const char *v;
		bool ok;
	} t[] = {
		{"0.57.0", true},  {"0.26.0", true},  {"7", true},
		{"0.57.1", false}, {"0.58.0", false}, {"1.0.0", false},
		{"abc", false},	   {"0.57", false},   {"58", false},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char y[128];
		struct rules *rs;

		snprintf(y, sizeof(y), "- required_engine_version: %s\n", t[i].v);
		rs = rules_new();
		cr_expect_eq(rules_load_string(rs, "t.yaml", y, strlen(y)), t[i].ok ? 0 : -EINVAL,
			     "%s", t[i].v);
		cr_expect_eq(nerrors(rs), t[i].ok ? 0 : 1, "%s", t[i].v);
		if (!t[i].ok)
			cr_expect_eq(rules_diag(rs, 0)->line, 1);
		rules_free(rs);
	}
}

/* ---- lists ---- */

Test(rules, lists_are_substituted_as_falco_does)
{
	struct rules *rs = load("- list: shells\n  items: [bash, sh]\n"
				"- list: spaced\n  items: [\"a b\", '\"c d\"', e]\n"
				"- list: empty\n  items: []\n"
				"- list: more\n  items: [shells, zsh]\n"
				"- rule: a\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name in (shells)\n"
				"- rule: b\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name in (spaced, x)\n"
				"- rule: c\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name in (x, empty)\n"
				"- rule: e\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name in (empty, x)\n"
				"- rule: f\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name in (more)\n"
				"- rule: g\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name = myshells or proc.name = shells_x\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	expect_text(rs, "a", "proc.name in ( bash, sh )");
	expect_text(rs, "b", "proc.name in ( \"a b\", \"c d\", e , x)");
	expect_text(rs, "c", "proc.name in (x  )");
	expect_text(rs, "e", "proc.name in (   x)");
	/* a list naming an earlier list holds its items */
	expect_text(rs, "f", "proc.name in ( bash, sh, zsh )");
	{
		char *out;

		/* the delimiters include = (text only: this is no condition) */
		cr_assert_eq(rules_subst_lists(rs, "proc.pname=shells,empty", &out), 0);
		cr_expect_str_eq(out, "proc.pname= bash, sh   ");
		free(out);
	}
	/* only whole names */
	expect_text(rs, "g", "proc.name = myshells or proc.name = shells_x");
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, list_append_and_override)
{
	struct rules *rs =
		load("- list: l\n  items: [a]\n"
		     "- list: l\n  items: [b]\n  append: true\n"
		     "- list: l\n  items: [c]\n  override:\n    items: append\n"
		     "- list: r\n  items: [a]\n"
		     "- list: r\n  items: [z]\n  override:\n    items: replace\n"
		     "- list: n\n  items: [a]\n"
		     "- list: n\n  items: [y]\n"
		     "- rule: x\n  desc: d\n  output: o\n  priority: info\n"
		     "  condition: proc.name in (l) or proc.name in (r) or proc.name in (n)\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	expect_text(rs, "x",
		    "proc.name in ( a, b, c ) or proc.name in ( z ) or proc.name in ( y )");
	rules_free(rs);

	rs = load("- list: nope\n  items: [a]\n  append: true\n");
	cr_expect_not_null(find_diag(rs, "no list by that name"));
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- macros ---- */

Test(rules, a_macro_sees_earlier_macros_and_a_rule_sees_all)
{
	struct rules *rs = load("- macro: early\n  condition: proc.name = a\n"
				"- macro: uses_later\n  condition: late\n"
				"- macro: uses_early\n  condition: early and proc.pname = b\n"
				"- rule: r\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: uses_early or late\n"
				"- macro: late\n  condition: proc.name = z\n");
	const struct rules_diag *d = find_diag(rs, "unknown macro 'late'");

	cr_assert_not_null(d);
	cr_expect_str_eq(d->item, "macro: uses_later");
	cr_expect_eq(d->line, 4);
	cr_expect_eq(nerrors(rs), 1);
	cr_expect_eq(info_of(rs, "r").state, RULES_LOADED);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, unknown_macros_and_cycles_are_errors_on_the_item)
{
	struct rules *rs = load("- macro: a\n  condition: proc.name = a\n"
				"- macro: b\n  condition: a\n"
				"- macro: a\n  condition: b\n"
				"- rule: r\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: a\n"
				"- rule: u\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: nosuch and proc.name = x\n");

	dump(rs);
	cr_expect_not_null(find_diag(rs, "is part of a cycle"));
	cr_expect_eq(info_of(rs, "r").state, RULES_BROKEN);
	cr_expect_eq(info_of(rs, "u").state, RULES_BROKEN);
	cr_expect_not_null(strstr(info_of(rs, "u").why, "nosuch"));
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, macro_append_and_override)
{
	struct rules *rs = load("- macro: m\n  condition: proc.name = a\n"
				"- macro: m\n  condition: or proc.name = b\n  append: true\n"
				"- macro: m\n  condition: or proc.name = c\n"
				"  override:\n    condition: append\n"
				"- macro: n\n  condition: proc.name = a\n"
				"- macro: n\n  condition: proc.name = q\n"
				"  override:\n    condition: replace\n"
				"- rule: r\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: m and n\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_expect_str_eq(rules_find(&rs->macros, "m")->cond,
			 "proc.name = a or proc.name = b or proc.name = c");
	cr_expect_str_eq(rules_find(&rs->macros, "n")->cond, "proc.name = q");
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- rules: redefinition, append, override, toggles ---- */

#define RULE(name, cond) \
	"- rule: " name "\n  desc: d\n  output: out\n  priority: notice\n  condition: " cond "\n"

Test(rules, rule_append_and_override)
{
	struct rules *rs = load(RULE(
		"a",
		"proc.name = x") "  tags: [t1]\n"
				 "- rule: a\n  condition: and user.uid = 0\n  append: true\n"
				 "- rule: a\n  condition: or proc.name = y\n  output: more\n"
				 "  desc: also\n  tags: [t2]\n  priority: ERROR\n  enabled: false\n"
				 "  override:\n    condition: append\n    output: append\n"
				 "    desc: append\n    tags: append\n    priority: replace\n"
				 "    enabled: replace\n" RULE(
					 "b",
					 "proc.name = x") "  tags: [t1]\n"
							  "- rule: b\n  output: new\n  tags: [t9]\n"
							  "  override:\n    output: replace\n    "
							  "tags: replace\n");
	const struct rules_item *a, *b;

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	a = rule_of(rs, "a");
	cr_expect_str_eq(a->cond, "proc.name = x and user.uid = 0 or proc.name = y");
	cr_expect_str_eq(a->output, "out more");
	cr_expect_str_eq(a->desc, "d also");
	cr_assert_eq(a->tags.n, 2);
	cr_expect_str_eq(a->tags.v[1], "t2");
	cr_expect_str_eq(info_of(rs, "a").priority, "Error");
	cr_expect_eq(info_of(rs, "a").state, RULES_DISABLED);
	b = rule_of(rs, "b");
	cr_expect_str_eq(b->output, "new");
	cr_assert_eq(b->tags.n, 1);
	cr_expect_str_eq(b->tags.v[0], "t9");
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, override_errors)
{
	static const struct {
		const char *yaml, *msg;
	} t[] = {
		{"- rule: nope\n  condition: x\n  append: true\n", "no rule by that name"},
		{"- rule: nope\n  condition: x\n  override:\n    condition: append\n",
		 "no rule by that name"},
		{RULE("a", "proc.name = x") "- rule: a\n  condition: x\n"
					    "  override:\n    priority: append\n",
		 "cannot be overridden with append"},
		{RULE("a", "proc.name = x") "- rule: a\n  condition: x\n  output: y\n"
					    "  override:\n    condition: append\n",
		 "no corresponding entry under 'override'"},
		{RULE("a", "proc.name = x") "- rule: a\n  condition: x\n"
					    "  override:\n    condition: merge\n",
		 "must be append or replace"},
		{RULE("a", "proc.name = x") "- rule: a\n  condition: x\n  append: true\n"
					    "  override:\n    condition: append\n",
		 "cannot be used together"},
		{RULE("a", "proc.name = x") "- rule: a\n  condition: x\n"
					    "  override:\n    output: append\n",
		 "the item has no 'output'"},
		{"- macro: m\n  condition: x\n  override:\n    condition: append\n",
		 "no macro by that name"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rules *rs = load(t[i].yaml);
		const struct rules_diag *d = find_diag(rs, t[i].msg);

		cr_expect_not_null(d, "%zu: no '%s'", i, t[i].msg);
		if (d)
			cr_expect_eq(d->level, RULES_ERROR);
		rules_free(rs);
	}
}

Test(rules, a_redefinition_replaces_in_place)
{
	struct rules *rs = load(RULE("a", "proc.name = x") RULE("b", "proc.name = y")
					RULE("a", "proc.name = z"));

	cr_assert_eq(rules_count(rs), 2);
	cr_expect_str_eq(rule_of(rs, "a")->cond, "proc.name = z");
	cr_expect_eq(rs->rules.v[0], rule_of(rs, "a"));
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, enabled_toggles_a_rule)
{
	struct rules *rs = load(RULE("a", "proc.name = x")
					RULE("b", "proc.name = y") "  enabled: false\n"
								   "- rule: a\n  enabled: false\n"
								   "- rule: b\n  enabled: true\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_expect_eq(info_of(rs, "a").state, RULES_DISABLED);
	cr_expect_eq(info_of(rs, "b").state, RULES_LOADED);
	cr_expect_eq(rules_loaded(rs), 1);
	rules_free(rs);

	rs = load("- rule: ghost\n  enabled: false\n");
	cr_expect_not_null(find_diag(rs, "only 'enabled'"));
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- exceptions ---- */

Test(rules, exceptions_become_and_not)
{
	struct rules *rs = load("- list: allowed\n  items: [/usr/bin/a, /usr/bin/b]\n" RULE(
		"r", "proc.name = x") "  exceptions:\n"
				      "  - name: single\n"
				      "    fields: proc.pname\n"
				      "    values: [bash, \"my sh\"]\n"
				      "  - name: single_comp\n"
				      "    fields: proc.cwd\n"
				      "    comps: pmatch\n"
				      "    values: [/tmp]\n"
				      "  - name: multi\n"
				      "    fields: [proc.name, proc.exepath]\n"
				      "    values:\n"
				      "    - [cron, /usr/sbin/cron]\n"
				      "    - [atd, \"/usr/sbin/at d\"]\n"
				      "  - name: comps\n"
				      "    fields: [proc.name, proc.exepath, user.name]\n"
				      "    comps: [=, in, startswith]\n"
				      "    values:\n"
				      "    - [sudo, allowed, ro]\n"
				      "    - [su, [/bin/su, /usr/bin/su], adm]\n"
				      "  - name: no_values\n"
				      "    fields: [proc.name]\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	expect_text(rs, "r",
		    "(proc.name = x) and not (proc.pname in (bash, \"my sh\"))"
		    " and not (proc.cwd pmatch (/tmp))"
		    " and not (( proc.name = cron and proc.exepath = /usr/sbin/cron)"
		    " or ( proc.name = atd and proc.exepath = \"/usr/sbin/at d\"))"
		    " and not (( proc.name = sudo and proc.exepath in ( /usr/bin/a, /usr/bin/b )"
		    " and user.name startswith ro)"
		    " or ( proc.name = su and proc.exepath in (/bin/su, /usr/bin/su) and"
		    " user.name startswith adm))");
	cr_expect_eq(info_of(rs, "r").state, RULES_LOADED);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, exceptions_append_values)
{
	struct rules *rs = load(RULE("r", "proc.name = x") "  exceptions:\n"
							   "  - name: e\n"
							   "    fields: [proc.name]\n"
							   "    values: [[a]]\n"
							   "- rule: r\n"
							   "  exceptions:\n"
							   "  - name: e\n"
							   "    values: [[b]]\n"
							   "  - name: f\n"
							   "    fields: proc.pname\n"
							   "    values: [c]\n"
							   "  override:\n"
							   "    exceptions: append\n");

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	expect_text(rs, "r",
		    "(proc.name = x) and not (( proc.name = a) or ( proc.name = b))"
		    " and not (proc.pname in (c))");
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, exception_errors)
{
	static const struct {
		const char *exc, *msg;
	} t[] = {
		{"  - name: e\n    fields: [a.b, c.d]\n    comps: [=]\n", "equal length"},
		{"  - name: e\n    fields: [a.b]\n    comps: [like]\n", "invalid comparison"},
		{"  - name: e\n    fields: [a.b, c.d]\n    values: [[x]]\n", "as long as fields"},
		{"  - name: e\n    fields: a.b\n    values: [[x]]\n", "list of strings"},
		{"  - name: e\n    fields: a.b\n    comps: startswith\n", "comps must be in"},
		{"  - fields: a.b\n", "needs a name"},
		{"  - name: e\n    values: [x]\n", "has no fields"},
		{"  - name: e\n    fields: a.b\n  - name: e\n    fields: c.d\n", "defined twice"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char y[1024];
		struct rules *rs;

		snprintf(y, sizeof(y), "%s  exceptions:\n%s", RULE("r", "proc.name = x"), t[i].exc);
		rs = load(y);
		cr_expect_not_null(find_diag(rs, t[i].msg), "%zu: no '%s'", i, t[i].msg);
		cr_expect_eq(info_of(rs, "r").state, RULES_BROKEN, "%zu", i);
		rules_free(rs);
	}
}

/* ---- skipping ---- */

Test(rules, rules_needing_what_proctrail_lacks_are_skipped_with_one_warning)
{
	struct rules *rs = load(
		"- macro: open_read\n  condition: evt.type = open and fd.num >= 0\n"
		"- macro: later_unused\n  condition: fd.name = x\n" RULE(
			"files", "open_read and fd.name = /etc/shadow")
			RULE("forks", "evt.type = clone and proc.name = x") RULE(
				"any", "proc.name = x") "- rule: audit\n  desc: d\n  output: o\n"
							"  priority: info\n  source: k8s_audit\n"
							"  condition: ka.verb = create\n");
	struct rules_info ri = info_of(rs, "files");
	const struct rules_diag *d;

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_expect_eq(ri.state, RULES_SKIPPED);
	cr_expect_str_eq(ri.why, "needs evt.type=open, fd.num, fd.name");
	d = find_diag(rs, "rule 'files' skipped");
	cr_assert_not_null(d);
	cr_expect_str_eq(d->msg, "rule 'files' skipped: needs evt.type=open");
	cr_expect_eq(d->level, RULES_WARNING);
	cr_expect_eq(d->line, 5);
	ri = info_of(rs, "forks");
	cr_expect_eq(ri.state, RULES_SKIPPED);
	cr_expect_str_eq(ri.why, "matches no exec event (evt.type fork)");
	ri = info_of(rs, "audit");
	cr_expect_eq(ri.state, RULES_SKIPPED);
	cr_expect_not_null(strstr(ri.why, "k8s_audit"));
	cr_expect_eq(info_of(rs, "any").state, RULES_LOADED);
	cr_expect_eq(rules_loaded(rs), 1);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, a_syntax_error_breaks_the_rule_with_its_position)
{
	struct rules *rs = load("- rule: r\n  desc: d\n  output: o\n  priority: info\n"
				"  condition: proc.name = x and (\n");
	const struct rules_diag *d;

	dump(rs);
	cr_assert_eq(nerrors(rs), 1);
	d = rules_diag(rs, 0);
	cr_expect_eq(d->line, 5);
	cr_expect_eq(d->col, 14);
	cr_expect_str_eq(d->item, "rule: r");
	cr_expect_eq(info_of(rs, "r").state, RULES_BROKEN);
	rules_free(rs);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- directories ---- */

Test(rules, a_directory_loads_yaml_files_in_name_order)
{
	char dir[] = "/tmp/pt-rules-XXXXXX", p[256];
	struct rules *rs;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/b.yml", dir);
	f = fopen(p, "w");
	fputs("- list: l\n  items: [b]\n  append: true\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/a.yaml", dir);
	f = fopen(p, "w");
	fputs("- list: l\n  items: [a]\n" RULE("r", "proc.name in (l)"), f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/c.txt", dir);
	f = fopen(p, "w");
	fputs("not yaml: [", f);
	fclose(f);
	rs = rules_new();
	cr_assert_eq(rules_load(rs, dir), 0);
	cr_assert_eq(rules_compile(rs), 0);
	expect_text(rs, "r", "proc.name in ( a, b )");
	cr_expect_eq(rules_load(rs, "/nonexistent/rules.yaml"), -ENOENT);
	cr_expect_eq(rules_load(rs, "/proc/self/fdinfo"), 0);
	cr_expect_not_null(find_diag(rs, "no *.yaml or *.yml file"));
	cr_expect_not_null(find_diag(rs, "cannot read"));
	rules_free(rs);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	cr_assert_eq(system(p), 0);
}

/* ---- matching and the alert ---- */

Test(rules, a_rule_matches_an_exec_and_the_alert_is_falcos)
{
	struct pt_monitor *m = open_empty();
	struct rules *rs = load(
		"- list: finders\n  items: [find]\n"
		"- macro: spawned_process\n  condition: (evt.type in (execve, execveat))\n"
		"- rule: Find setuid\n  desc: d\n  priority: warning\n  tags: [a, \"b\\\"c\"]\n"
		"  condition: spawned_process and proc.name in (finders) and proc.args contains "
		"\"-perm\"\n"
		"  output: >\n    Setuid search (user=%user.name uid=%user.uid cmd=%proc.cmdline "
		"parent=%proc.pname gp=%proc.aname[2] nothing=%fd.name evt=%evt.type "
		"%container.info t=%evt.time tty=%proc.tty).\n" RULE("Never", "proc.name = nope"));
	struct seen s = {.rs = rs, .m = m};
	json_t *j, *of;
	json_error_t je;

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_assert_eq(rules_loaded(rs), 2);
	rules_set_hostname(rs, "box");
	cr_assert_eq(pt_monitor_subscribe(m, on_event, &s), 0);
	family(m);
	exec_ev(m, 300, 200, "find", "/usr/bin/find",
		"[\"find\",\"/etc\",\"-perm\",\"-4000\",\"-type\",\"f\"]", 54321);
	cr_assert_eq(s.n, 1);
	cr_expect_str_eq(s.rule[0], "Find setuid");
	cr_expect_str_eq(s.output[0],
			 "08:01:02.123456000: Warning Setuid search (user=<NA> uid=54321 "
			 "cmd=find /etc -perm -4000 -type f parent=bash gp=sshd nothing=<NA> "
			 "evt=execve container_id=host container_name=host "
			 "t=08:01:02.123456000 tty=<NA>).");
	j = json_loads(s.json[0], 0, &je);
	cr_assert_not_null(j, "%s: %s", je.text, s.json[0]);
	cr_expect_str_eq(json_string_value(json_object_get(j, "event")), "alert");
	cr_expect_str_eq(json_string_value(json_object_get(j, "time")),
			 "2026-12-03T08:01:02.123456000Z");
	cr_expect_str_eq(json_string_value(json_object_get(j, "rule")), "Find setuid");
	cr_expect_str_eq(json_string_value(json_object_get(j, "priority")), "Warning");
	cr_expect_str_eq(json_string_value(json_object_get(j, "source")), "syscall");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(j, "tags"), 1)), "b\"c");
	cr_expect_str_eq(json_string_value(json_object_get(j, "output")), s.output[0]);
	cr_expect_str_eq(json_string_value(json_object_get(j, "hostname")), "box");
	cr_expect_str_eq(json_string_value(json_object_get(j, "key")), BOOT ":1300:300");
	cr_expect_eq(json_integer_value(json_object_get(j, "pid")), 300);
	of = json_object_get(j, "output_fields");
	cr_assert(json_is_object(of));
	cr_expect(json_is_null(json_object_get(of, "user.name")));
	cr_expect(json_is_null(json_object_get(of, "fd.name")));
	cr_expect_eq(json_integer_value(json_object_get(of, "user.uid")), 54321);
	/* exec events do not carry the terminal: known fields may be unknown too */
	cr_expect(json_is_null(json_object_get(of, "proc.tty")));
	cr_expect_str_eq(json_string_value(json_object_get(of, "proc.aname[2]")), "sshd");
	cr_expect_str_eq(json_string_value(json_object_get(of, "evt.type")), "execve");
	cr_expect_str_eq(json_string_value(json_object_get(of, "container.id")), "host");
	cr_expect_eq(json_integer_value(json_object_get(of, "evt.time")), 1796284862123456000LL);
	cr_expect_eq(json_object_size(of), 11);
	json_decref(j);

	/* no match: other process, and events other than exec */
	exec_ev(m, 301, 200, "find", "/usr/bin/find", "[\"find\",\"/tmp\"]", 1000);
	cr_expect_eq(s.n, 1);
	{
		struct rules_stats st;

		rules_get_stats(rs, &st);
		cr_expect_eq(st.evaluated, 4);
		cr_expect_eq(st.alerts, 1);
	}
	rules_free(rs);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, invalid_utf8_in_fields_stays_valid_json)
{
	struct pt_monitor *m = open_empty();
	struct rules *rs =
		load("- rule: r\n  desc: d\n  priority: info\n  output: x=%proc.cmdline\n"
		     "  condition: proc.name = evil\n  desc: again\n");
	struct seen s = {.rs = rs, .m = m};
	json_t *j;
	json_error_t je;

	cr_assert_eq(pt_monitor_subscribe(m, on_event, &s), 0);
	/* a key given twice: the first counts, with a warning */
	cr_expect_not_null(find_diag(rs, "given twice"));
	{
		static const char line[] =
			"{\"event\":\"exec\",\"time\":\"2026-12-03T08:01:02.123456Z\","
			"\"pid\":400,\"tid\":400,\"ppid\":1,\"start\":5000,"
			"\"key\":\"" BOOT ":5000:400\",\"comm\":\"evil\",\"exe\":\"/tmp/evil\","
			"\"argv\":[\"evil\",\"\\ufffd\"],\"argv_b64\":[\"ZXZpbA==\",\"/w==\"],"
			"\"argv_truncated\":false,\"uid\":0,\"euid\":0,\"gid\":0,\"egid\":0,"
			"\"tier\":\"netlink\"}";
		char why[256] = "";

		cr_assert_eq(pt_import_event(m, line, strlen(line), why, sizeof(why)), 0, "%s",
			     why);
	}
	cr_assert_eq(s.n, 1);
	j = json_loads(s.json[0], 0, &je);
	cr_assert_not_null(j, "%s: %s", je.text, s.json[0]);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(j, "output_fields"),
							   "proc.cmdline")),
			 "evil \xef\xbf\xbd");
	json_decref(j);
	rules_free(rs);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, the_plan_agrees_with_the_whole_condition)
{
	static const struct {
		const char *name, *cond;
	} t[] = {
		{"quoted", "spawned_process and proc.args contains \"and proc.name = x\""},
		{"top_or", "proc.name = ls or proc.name = find"},
		{"macro_or", "spawned_process and shell_or_find"},
		{"nested", "spawned_process and (both) and not proc.name = ls"},
		{"not_name", "not proc.name = find and spawned_process"},
		{"in_list", "proc.name in (shells, find) and proc.pname exists"},
		{"quoted_name", "proc.name = \"find\" and proc.aname[2] = sshd"},
		{"paren_and", "(proc.name = find) and(proc.args contains \"-perm\")"},
		{"backslash", "proc.name = find and proc.args contains \"x\\\\ and\""},
		{"or_keys", "spawned_process and (proc.name = ls or proc.name in (sh, find))"},
		{"or_macro", "shell_or_find and proc.pname exists"},
		{"or_unkeyed", "proc.name = nothing or proc.pname = bash"},
	};
	struct pt_monitor *m = open_empty();
	struct rules_sb y = {0};
	struct seen s = {.m = m};
	struct rules *rs;

	rules_sb_adds(&y,
		      "- list: shells\n  items: [bash, sh, \"my sh\"]\n"
		      "- macro: spawned_process\n  condition: evt.type in (execve, execveat)\n"
		      "- macro: shell_or_find\n"
		      "  condition: proc.name in (shells) or proc.name = find\n"
		      "- macro: both\n  condition: (proc.name = find and (proc.pname = bash))\n");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		rules_sb_printf(&y, RULE("%s", "%s"), t[i].name, t[i].cond);
	rules_sb_adds(&y,
		      RULE("exc", "proc.name = find") "  exceptions:\n  - name: e\n"
						      "    fields: [proc.pname]\n"
						      "    values: [[sshd]]\n");
	rs = load(y.p);
	rules_sb_free(&y);
	s.rs = rs;

	dump(rs);
	cr_assert_eq(nerrors(rs), 0);
	cr_assert_eq(rules_loaded(rs), 13);
	/* or_keys and or_macro wait for their names; or_unkeyed cannot */
	cr_expect_eq(rs->plan.rules[9].keys.n, 3);
	cr_expect_eq(rs->plan.rules[10].keys.n, 4);
	cr_expect_eq(rs->plan.rules[11].keys.n, 0);
	cr_expect_eq(rs->plan.rules[4].keys.n, 0, "not proc.name = find");
	cr_assert_eq(pt_monitor_subscribe(m, on_event, &s), 0);
	family(m);
	exec_ev(m, 300, 200, "find", "/usr/bin/find", "[\"find\",\"-perm\",\"x\\\\\"]", 0);
	exec_ev(m, 301, 200, "ls", "/usr/bin/ls", "[\"ls\",\"and proc.name = x\"]", 0);
	exec_ev(m, 302, 100, "find", "/usr/bin/find", "[\"find\"]", 0);
	exec_ev(m, 303, 300, "sh", "/bin/sh", "[\"sh\"]", 0);
	cr_expect_gt(s.n, 4);
	rules_free(rs);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- cost ---- */

/* 1000 rules on 200 execs of ls: keyed rules name the process (proc.name =
 * tool7, as most of Falco's process rules do), the others test other fields
 * first. Prints the cost per exec; asserts only the matches. */
static void bench(const char *what, bool keyed)
{
	struct pt_monitor *m = open_empty();
	struct rules_sb y = {0};
	struct rules *rs;
	struct seen s = {0};
	struct rules_stats st;
	struct timespec t0, t1;
	unsigned n = 200;

	rules_sb_adds(&y,
		      "- list: shells\n  items: [bash, sh, zsh, ksh, fish]\n"
		      "- macro: spawned_process\n  condition: evt.type in (execve, execveat)\n"
		      "- macro: container\n  condition: container.id != host\n");
	for (int i = 0; i < 1000; i++) {
		rules_sb_printf(
			&y,
			"- rule: r%d\n  desc: d\n  priority: info\n  output: o %%proc.name\n"
			"  condition: spawned_process and not container and ",
			i);
		if (keyed)
			rules_sb_printf(&y, "proc.name = tool%d and proc.args contains \"--x\"\n",
					i);
		else
			rules_sb_printf(
				&y,
				"(proc.name = tool%d or (proc.pname in (shells) and "
				"proc.args contains \"--secret\") or proc.cmdline startswith "
				"\"/opt/x \")\n",
				i);
	}
	rs = rules_new();
	cr_assert_eq(rules_load_string(rs, "gen.yaml", y.p, y.len), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(rules_compile(rs), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(rules_loaded(rs), 1000);
	rules_sb_free(&y);
	s.rs = rs;
	s.m = m;
	cr_assert_eq(pt_monitor_subscribe(m, on_event, &s), 0);
	family(m);
	for (unsigned i = 0; i < n; i++)
		exec_ev(m, 1000 + (int)i, 200, "ls", "/usr/bin/ls", "[\"ls\",\"-l\",\"/tmp\"]",
			1000);
	exec_ev(m, 5000, 200, "tool7", "/usr/bin/tool7", "[\"tool7\",\"--x\"]", 1000);
	cr_expect_eq(s.n, 1);
	cr_expect_str_eq(s.rule[0], "r7");
	rules_get_stats(rs, &st);
	fprintf(stderr,
		"rules: 1000 %s rules compiled in %.1f ms; %.2f us per exec (%" PRIu64
		" execs, thread CPU time)\n",
		what,
		((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6),
		(double)st.eval_ns / 1e3 / (double)st.evaluated, st.evaluated);
	rules_free(rs);
	pt_monitor_close(m);
	cr_assert_eq(fx_leaks(), 0);
}

Test(rules, a_thousand_rules_per_exec)
{
	bench("keyed by proc.name", true);
	bench("unkeyed", false);
}

Test(rules, evaluation_before_compile_or_on_other_events_matches_nothing)
{
	struct rules *rs = rules_new();
	struct pt_event ev = {.type = PT_EV_FORK};

	cr_expect_eq(rules_eval(rs, NULL, &ev, NULL, NULL), 0);
	ev.type = PT_EV_EXEC;
	cr_expect_eq(rules_eval(rs, NULL, &ev, NULL, NULL), 0);
	cr_expect_eq(rules_eval(NULL, NULL, &ev, NULL, NULL), 0);
	cr_expect_eq(rules_load_string(NULL, "x", "", 0), -EINVAL);
	cr_expect_eq(rules_load_string(rs, "empty.yaml", "", 0), 0);
	cr_expect_eq(rules_compile(rs), 0);
	cr_expect_eq(rules_count(rs), 0);
	/* loading after a compile, and compiling again, starts the compile over */
	{
		static const char a[] = RULE("a", "proc.name = a and fd.num = 1");
		static const char b[] = RULE("b", "proc.name = b") "- rule: a\n  enabled: false\n";

		cr_expect_eq(rules_load_string(rs, "a.yaml", a, strlen(a)), 0);
		cr_expect_eq(rules_compile(rs), 0);
		cr_expect_eq(rules_ndiag(rs), 1);
		cr_expect_eq(rules_load_string(rs, "b.yaml", b, strlen(b)), 0);
		cr_expect_eq(rules_compile(rs), 0);
		cr_expect_eq(rules_ndiag(rs), 0, "the skip warning of a disabled rule goes");
		cr_expect_eq(rules_count(rs), 2);
		cr_expect_eq(rules_loaded(rs), 1);
		cr_expect_eq(info_of(rs, "a").state, RULES_DISABLED);
	}
	rules_free(rs);
	rules_free(NULL);
}
