/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditions: Falco's filter language (pt_cond_*). Parsing (precedence,
 * operators, lists, escapes, Falco's quirks, errors with positions),
 * typing against the registry (strict and lax), the event-type mask, the
 * text round trip, and evaluation on a fixture /proc.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "internal.h"

#define BOOT_ID_FX "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f"

static char *root;
static struct pt_monitor *m;
static const struct pt_proc *p200; /* sleep 10, child of bash, child of init */

/* macros for the tests: t is true on pid 200, f false, u names an unknown field */
static struct pt_cond *mac_t, *mac_f, *mac_u;

static const struct pt_cond *macros(const char *name, void *data)
{
	(void)data;
	if (strcmp(name, "t") == 0)
		return mac_t;
	if (strcmp(name, "f") == 0)
		return mac_f;
	if (strcmp(name, "u") == 0)
		return mac_u;
	return NULL;
}

static void setup_macros(void)
{
	cr_assert_eq(pt_cond_parse("proc.pid = 200", 0, NULL, NULL, &mac_t, NULL), 0);
	cr_assert_eq(pt_cond_parse("proc.pid = 1", 0, NULL, NULL, &mac_f, NULL), 0);
	cr_assert_eq(pt_cond_parse("fd.name = /etc/shadow", PT_COND_LAX, NULL, NULL, &mac_u, NULL),
		     0);
}

static void free_macros(void)
{
	pt_cond_free(mac_t);
	pt_cond_free(mac_f);
	pt_cond_free(mac_u);
	mac_t = mac_f = mac_u = NULL;
}

static void setup(void)
{
	/* the fields the checks below read; pid 100 is bash, 1 init */
	struct fx_proc sleep = {.pid = 200,
				.ppid = 100,
				.comm = "sleep",
				.start = 700,
				.uid = 1000,
				.tty_nr = 34816,
				.cmdline = "sleep\0"
					   "10\0"
					   "--Weird Arg",
				.cmdline_len = 21,
				.exe = "/usr/bin/sleep",
				.cwd = "/home/u/Work",
				.loginuid = "1000"};
	struct pt_options o;

	root = fx_root_new();
	cr_assert_not_null(root);
	cr_assert_eq(fx_add_simple(root, 1, 0, "init", 10, NULL, 0), 0);
	cr_assert_eq(fx_add_simple(root, 100, 1, "bash", 500, "bash\0-i", 8), 0);
	cr_assert_eq(fx_add_proc(root, &sleep), 0);
	cr_assert_eq(fx_set_boot_id(root, BOOT_ID_FX "\n"), 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	o.runtime_root = root;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	p200 = pt_lookup(m, 200);
	cr_assert_not_null(p200);
	setup_macros();
}

static void teardown(void)
{
	free_macros();
	pt_monitor_close(m);
	fx_root_free(root);
	cr_assert_eq(fx_leaks(), 0);
}

/* ---- helpers ---- */

static struct pt_cond *parse_ok(const char *text, unsigned flags)
{
	struct pt_cond_error err;
	struct pt_cond *c = NULL;
	int r = pt_cond_parse(text, flags, macros, NULL, &c, &err);

	cr_assert_eq(r, 0, "%s: %s", text, err.msg);
	cr_assert_not_null(c);
	return c;
}

/* Evaluate text on a record or event (strict parse). */
static bool on(const char *text, const struct pt_proc *p, const struct pt_event *ev)
{
	struct pt_cond *c = parse_ok(text, 0);
	struct pt_cond_ctx *x = pt_cond_ctx_new();
	bool r = pt_cond_match(c, m, p, ev);

	/* a context gives the same answer, twice (the second from its cache) */
	cr_assert_not_null(x);
	pt_cond_ctx_set(x, m, p, ev);
	cr_assert_eq(pt_cond_eval(c, x), r, "%s: context", text);
	cr_assert_eq(pt_cond_eval(c, x), r, "%s: cached", text);
	pt_cond_ctx_free(x);
	pt_cond_free(c);
	return r;
}

#define T(text) cr_assert(on(text, p200, NULL), "should be true: %s", text)
#define F(text) cr_assert_not(on(text, p200, NULL), "should be false: %s", text)

/* A parse that fails: the message, with the position checked. */
static const char *parse_err(const char *text, unsigned flags, int pos)
{
	static struct pt_cond_error err;
	struct pt_cond *c = (struct pt_cond *)1;
	int r = pt_cond_parse(text, flags, macros, NULL, &c, &err);

	cr_assert_eq(r, -EINVAL, "%s: parsed", text);
	cr_assert_null(c);
	cr_assert_eq(err.pos, pos, "%s: '%s' at %d, not %d", text, err.msg, err.pos, pos);
	cr_assert_null(strchr(err.msg, '\n'));
	return err.msg;
}

static char *text_of(const char *text, unsigned flags)
{
	static char out[1024];
	struct pt_cond *c = parse_ok(text, flags);
	char *s = pt_cond_text(c);

	cr_assert_not_null(s);
	snprintf(out, sizeof(out), "%s", s);
	free(s);
	pt_cond_free(c);
	return out;
}

/* ---- the grammar ---- */

Test(grammar, precedence, .init = setup, .fini = teardown)
{
	/* or < and < not */
	T("t or f and f");
	F("(t or f) and f");
	F("not t and f");
	T("not (t and f)");
	T("not f and t");
	T("f and f or t");
	T("f or not f");
	/* not toggles */
	T("not not t");
	F("not not not t");
	T("not\tnot  t");
	T("not(f)");
	F("not(not(f))");
	T("t and(t)");
	T("f or(t)");
	T("t and not(f) and not f");
	cr_assert_str_eq(text_of("t or f and f", 0),
			 "proc.pid = 200 or proc.pid = 1 and proc.pid = 1");
	cr_assert_str_eq(text_of("(t or f) and f", 0),
			 "(proc.pid = 200 or proc.pid = 1) and proc.pid = 1");
	cr_assert_str_eq(text_of("not not t", 0), "proc.pid = 200");
	cr_assert_str_eq(text_of("not (not t)", 0), "not (not proc.pid = 200)");
	cr_assert_str_eq(text_of("t and f and t", 0),
			 "proc.pid = 200 and proc.pid = 1 and proc.pid = 200");
	/* blanks are ' ' \t \b \r \n */
	T("\n t\r\nand\b t\t");
	/* a macro whose name starts like a keyword is a macro */
	parse_err("notx", 0, 0);
	parse_err("t andf", 0, 2);
}

Test(grammar, every_operator, .init = setup, .fini = teardown)
{
	T("proc.name = sleep");
	T("proc.name == sleep");
	F("proc.name = slee");
	T("proc.name != bash");
	F("proc.name != sleep");
	T("proc.pid < 201");
	F("proc.pid < 200");
	T("proc.pid <= 200");
	T("proc.pid > 199");
	F("proc.pid > 200");
	T("proc.pid >= 200");
	F("proc.pid >= 201");
	T("proc.name < sleeq");
	T("proc.name > sleeo");
	T("proc.cmdline contains \"p 1\"");
	F("proc.cmdline contains xyz");
	T("proc.cmdline icontains WEIRD");
	F("proc.cmdline contains WEIRD");
	T("proc.name bcontains 6c65");
	F("proc.name bcontains 6c66");
	T("proc.name bstartswith 736c");
	F("proc.name bstartswith 6c65");
	T("proc.exepath startswith /usr/");
	F("proc.exepath startswith /bin/");
	T("proc.exepath endswith /sleep");
	F("proc.exepath endswith /slee");
	T("proc.exepath glob /usr/*/sl??p");
	F("proc.exepath glob /usr/*/SL*");
	T("proc.exepath iglob /USR/*/SL*");
	T("proc.cwd pmatch (/home/u)");
	T("proc.cwd pmatch (/etc, /home/u/Work)");
	T("proc.cwd pmatch (/home/*)");
	T("proc.cwd pmatch (/)");
	F("proc.cwd pmatch (/home/u/Wor)");
	F("proc.cwd pmatch (/home/u/Work/x)");
	F("proc.cwd pmatch (/etc)");
	T("proc.name in (bash, sleep)");
	T("proc.name in(bash,sleep)");
	F("proc.name in (bash, sleepy)");
	F("proc.name in ()");
	T("proc.name intersects (sleep)");
	T("proc.argv intersects (x, 10)");
	F("proc.argv intersects (x, 11)");
	T("proc.name exists");
	T("(proc.name exists)");
	T("proc.name regex \"s.e+p\"");
	T("proc.name regex 's(l|x)eep'");
	F("proc.name regex lee"); /* anchored at both ends */
	F("proc.name regex sleep.");
	T("proc.cmdline regex \"sleep 1.*\"");
	T("proc.cmdline regex '[a-z]{5} [0-9]{1,3} -{2}[[:alpha:]]+ []A-Za-z[]{3}'");
	T("proc.name regex '(s|x){1}(l{1,}e{2,3}){1}p{0,1}'");
	T("proc.exepath regex '(/[a-z]{1,10}){3}'");
	F("proc.name regex ''");
	/* a stray ')' is an ordinary character: still anchored at both ends */
	T("proc.name regex 'x)|sleep'");
	T("proc.name regex 'sleep|x)'");
	F("proc.name regex 'sle)|x'");
	F("proc.name regex 'x)|slee'");
}

Test(grammar, values_and_quirks, .init = setup, .fini = teardown)
{
	/* bare values: anything but ( ) " ' blanks = , */
	F("proc.name = runc:[0:PARENT]");
	T("proc.name != runc:[0:PARENT]");
	T("user.loginuid != -1");
	T("proc.exepath startswith /usr/bin/");
	T("proc.cmdline contains --Weird");
	/* quoted strings, both quotes, a blank inside */
	T("proc.cmdline contains \"--Weird Arg\"");
	T("proc.cmdline contains '--Weird Arg'");
	T("proc.name in (\"sleep\", 'x y')");
	/* escapes */
	T("proc.name = \"\\x73leep\"");
	T("proc.exepath = \"\\/usr\\/bin\\/sleep\"");
	T("proc.name = 'sl\\x65ep'");
	/* \<space> is a backslash (Falco's Sudo rule) */
	F("proc.name contains \"\\ \"");
	/* field arguments */
	T("proc.aname[1] = bash");
	T("proc.aname[2] = init");
	T("proc.aname['1'] = bash");
	T("proc.aname[0] = sleep");
	F("proc.aname[3] exists");
	/* numbers: decimal, hex, signs */
	T("proc.pid = 0xc8");
	T("proc.pid = +200");
	T("proc.tty = 34816");
	T("proc.pid in (1, 0xC8)");
	T("user.uid = 0 and user.ruid = 1000");
}

Test(grammar, escapes_exactly, .init = setup, .fini = teardown)
{
	static const struct {
		const char *text, *want; /* what pt_cond_text() gives */
	} cases[] = {
		{"proc.name = \"a\\ b\"", "proc.name = a\\b"}, /* a bare backslash */
		{"proc.name = \"a\\ \\x20b\"", "proc.name = \"a\\x5c b\""},
		{"proc.name = \"\\\\\"x", NULL}, /* unterminated: "\\" does not end */
		{"proc.name = \"\\b\\f\\n\\r\\t\"", "proc.name = \"\\b\\f\\n\\r\\t\""},
		{"proc.name = \"\\\"\"", "proc.name = \"\\\"\""},
		{"proc.name = '\\''", "proc.name = \"'\""},
		{"proc.name = \"\\xff\\x41\"", "proc.name = \"\\xffA\""},
		{"proc.name = \"\"", "proc.name = \"\""},
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(cases); i++) {
		if (!cases[i].want) {
			parse_err(cases[i].text, 0, 12);
			continue;
		}
		cr_assert_str_eq(text_of(cases[i].text, 0), cases[i].want, "%s", cases[i].text);
	}
	/* escapes that are errors */
	cr_assert(strstr(parse_err("proc.name = \"a\\qb\"", 0, 14), "bad escape"));
	parse_err("proc.name = \"a\\'\"", 0, 14);
	parse_err("proc.name = 'a\\\"'", 0, 14);
	parse_err("proc.name = \"\\x4\"", 0, 13);
	parse_err("proc.name = \"\\x00\"", 0, 13);
	parse_err("proc.name = \"abc", 0, 12);
}

Test(grammar, errors_with_positions, .init = setup, .fini = teardown)
{
	cr_assert_str_eq(parse_err("fd.nam = x", 0, 0), "unknown field 'fd.nam' at 0");
	cr_assert_str_eq(parse_err("proc.name contains ", 0, 19),
			 "expected a value after 'contains' at 19");
	cr_assert_str_eq(parse_err("proc.name = x and nomacro", 0, 18),
			 "unknown macro 'nomacro' at 18");
	cr_assert_str_eq(parse_err("proc.name", 0, 9),
			 "expected an operator after 'proc.name' at 9");
	parse_err("proc.name ~ x", 0, 10);
	parse_err("proc.name containsx", 0, 10);
	parse_err("proc.name contains(x)", 0, 10);
	parse_err("(proc.name = x", 0, 14);
	parse_err("proc.name = x)", 0, 13);
	parse_err("", 0, 0);
	parse_err("   ", 0, 3);
	parse_err("t and", 0, 5);
	parse_err("t or or t", 0, 5);
	parse_err("not", 0, 3);
	parse_err("proc.name in x", 0, 13);
	parse_err("proc.name in (a,)", 0, 16);
	parse_err("proc.name in (a b)", 0, 16);
	parse_err("proc.name in \"a\"", 0, 13);
	parse_err("proc.name = (a)", 0, 12);
	parse_err("user.uid = abc", 0, 11);
	parse_err("user.uid < 1.5", 0, 11);
	parse_err("proc.pid in (1, x)", 0, 16);
	parse_err("proc.argv_truncated = yes", 0, 22);
	parse_err("proc.argv_truncated < 1", 0, 22);
	parse_err("proc.name bcontains xyz", 0, 20);
	parse_err("proc.name bcontains 123", 0, 20);
	parse_err("proc.name regex \"(\"", 0, 16);
	/* what would take regcomp() minutes, or regexec() exponential time */
	parse_err("proc.name regex '((a{1,255}){1,255}){1,255}'", 0, 16);
	parse_err("proc.name regex '(a{1,200}){1,200}'", 0, 16);
	/* glibc's {,b}: zero to b (found by fuzz-cond: "(.*){,999}" took seconds) */
	parse_err("proc.name regex '(.*){,999}x'", 0, 16);
	parse_err("proc.name regex '(a{,200}){,200}'", 0, 16);
	parse_err("proc.name regex 'a{99999999999999999999}'", 0, 16);
	parse_err("proc.name regex '(a*)*\\\\1'", 0, 16);
	parse_err("proc.name regex 'a++++++++++++++++++++++++++++++++'", 0, 16);
	parse_err("proc.name regex "
		  "'(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))'",
		  0, 16);
	parse_err("tolower(proc.name) = x", 0, 0);
	parse_err("proc.name = val(proc.pname)", 0, 12);
	parse_err("proc.name[1] = x", 0, 0);
	parse_err("proc.aname[x] = x", 0, 0);
	parse_err("proc.aname[1 = x", 0, 12);
	parse_err("proc.aname[] = x", 0, 11);
	parse_err("evt.type = open", 0, 11);
	parse_err("proc.name = x and evt.type in (execve, connect)", 0, 39);
	parse_err("proc.name = x \x01", 0, 14);
	cr_assert(strstr(parse_err("proc.name = x and proc.foo exists", 0, 18), "proc.foo"));
}

Test(grammar, nesting_is_bounded)
{
	size_t n = 100000;
	char *s = malloc(2 * n + 64);
	struct pt_cond_error err;
	struct pt_cond *c;

	cr_assert_not_null(s);
	/* 100000 parentheses: refused, not a stack overflow */
	memset(s, '(', n);
	strcpy(s + n, "proc.pid = 1");
	memset(s + n + 12, ')', n);
	s[2 * n + 12] = '\0';
	cr_assert_eq(pt_cond_parse(s, 0, NULL, NULL, &c, &err), -EINVAL);
	cr_assert(strstr(err.msg, "deeper"), "%s", err.msg);
	/* 100000 nots toggle without nesting */
	s[0] = '\0';
	for (size_t i = 0; i < 20000; i++)
		strcat(s + i * 4, "not ");
	strcat(s, "proc.pid = 1");
	cr_assert_eq(pt_cond_parse(s, 0, NULL, NULL, &c, &err), 0, "%s", err.msg);
	pt_cond_free(c);
	/* 150 levels are fine */
	memset(s, '(', 150);
	strcpy(s + 150, "proc.pid = 1");
	memset(s + 162, ')', 150);
	s[312] = '\0';
	cr_assert_eq(pt_cond_parse(s, 0, NULL, NULL, &c, &err), 0, "%s", err.msg);
	pt_cond_free(c);
	/* nested nots, each a level */
	s[0] = '\0';
	for (size_t i = 0; i < 300; i++)
		strcat(s, "not (");
	strcat(s, "proc.pid = 1");
	for (size_t i = 0; i < 300; i++)
		strcat(s, ")");
	cr_assert_eq(pt_cond_parse(s, 0, NULL, NULL, &c, &err), -EINVAL);
	free(s);
}

/* ---- macros ---- */

Test(macros, expanded_as_copies, .init = setup, .fini = teardown)
{
	struct pt_cond *c = parse_ok("t and not f", 0);
	char *s = pt_cond_text(c);

	cr_assert_str_eq(s, "proc.pid = 200 and not proc.pid = 1");
	free(s);
	/* the copy does not depend on the macro's condition */
	free_macros();
	cr_assert(pt_cond_match(c, m, p200, NULL));
	pt_cond_free(c);
	setup_macros();
	/* without a callback every identifier is an error */
	cr_assert_eq(pt_cond_parse("t", 0, NULL, NULL, &c, NULL), -EINVAL);
	/* a macro parsed lax cannot bring a missing field into a strict parse */
	cr_assert(strstr(parse_err("t and u", 0, 6), "fd.name"));
	/* a macro's missing fields come along */
	c = parse_ok("t and (u or proc.foo = 1)", PT_COND_LAX);
	cr_assert_str_eq(pt_cond_missing(c, 0), "fd.name");
	cr_assert_str_eq(pt_cond_missing(c, 1), "proc.foo");
	cr_assert_null(pt_cond_missing(c, 2));
	pt_cond_free(c);
}

/* ---- strict and lax ---- */

Test(lax, unknown_fields_are_missing_and_false, .init = setup, .fini = teardown)
{
	struct pt_cond *c;

	parse_err("fd.name = /etc/passwd", 0, 0);
	c = parse_ok("fd.name = /etc/passwd or fd.name startswith /etc or evt.type in (open, "
		     "openat, execve) or evt.type = open or proc.aname[x] = y",
		     PT_COND_LAX);
	cr_assert_str_eq(pt_cond_missing(c, 0), "fd.name");
	cr_assert_str_eq(pt_cond_missing(c, 1), "evt.type=open");
	cr_assert_str_eq(pt_cond_missing(c, 2), "evt.type=openat");
	cr_assert_str_eq(pt_cond_missing(c, 3), "proc.aname[x]");
	cr_assert_null(pt_cond_missing(c, 4));
	cr_assert_eq(pt_cond_evmask(c), PT_EVMASK(PT_EV_EXEC));
	cr_assert_not(pt_cond_match(c, m, p200, NULL));
	pt_cond_free(c);

	/* a check on a field proctrail lacks is false: its negation true (Falco's) */
	c = parse_ok("not fd.name = x", PT_COND_LAX);
	cr_assert(pt_cond_match(c, m, p200, NULL));
	pt_cond_free(c);
	c = parse_ok("fd.name != x", PT_COND_LAX);
	cr_assert_not(pt_cond_match(c, m, p200, NULL));
	pt_cond_free(c);
	/* still a syntax error, and still a type error */
	parse_err("fd.name = ", PT_COND_LAX, 10);
	parse_err("fd.name = x and user.uid = root", PT_COND_LAX, 27);
	c = parse_ok("proc.name = x", PT_COND_LAX);
	cr_assert_null(pt_cond_missing(c, 0));
	pt_cond_free(c);
}

/* ---- the event-type mask ---- */

static unsigned mask_of(const char *text)
{
	struct pt_cond *c = parse_ok(text, PT_COND_LAX);
	unsigned r = pt_cond_evmask(c);

	pt_cond_free(c);
	return r;
}

Test(evmask, as_falco_computes_rule_event_types, .init = setup, .fini = teardown)
{
	const unsigned exec = PT_EVMASK(PT_EV_EXEC), fork = PT_EVMASK(PT_EV_FORK),
		       all = PT_EVMASK_ALL;

	cr_assert_eq(mask_of("proc.name = x"), all);
	cr_assert_eq(mask_of("evt.type = exec"), exec);
	cr_assert_eq(mask_of("evt.type in (execve, execveat)"), exec);
	cr_assert_eq(mask_of("evt.type in (execve, clone3)"), exec | fork);
	cr_assert_eq(mask_of("evt.type = execve and proc.name = x"), exec);
	cr_assert_eq(mask_of("evt.type = execve or proc.name = x"), all);
	cr_assert_eq(mask_of("evt.type = execve or evt.type = vfork"), exec | fork);
	cr_assert_eq(mask_of("evt.type = execve and evt.type = vfork"), 0);
	cr_assert_eq(mask_of("evt.type != execve"), all & ~exec);
	cr_assert_eq(mask_of("not evt.type = execve"), all & ~exec);
	cr_assert_eq(mask_of("not evt.type != execve"), exec);
	cr_assert_eq(mask_of("not (evt.type = execve and proc.name = x)"), all);
	cr_assert_eq(mask_of("evt.type in (open, connect)"), 0);
	cr_assert_eq(mask_of("evt.type = open or evt.type = procexit"), PT_EVMASK(PT_EV_EXIT));
	cr_assert_eq(mask_of("evt.type = setresuid"), PT_EVMASK(PT_EV_UID));
	cr_assert_eq(mask_of("evt.type = setregid"), PT_EVMASK(PT_EV_GID));
	cr_assert_eq(mask_of("evt.type = setsid"), PT_EVMASK(PT_EV_SID));
	cr_assert_eq(mask_of("evt.type = prctl"), PT_EVMASK(PT_EV_COMM));
	cr_assert_eq(mask_of("evt.type = ptrace"), PT_EVMASK(PT_EV_PTRACE));
	cr_assert_eq(mask_of("evt.type contains exe"), all);
	cr_assert_eq(mask_of("fd.name = x"), 0);
	/* the text names proctrail's events, each once */
	cr_assert_str_eq(text_of("evt.type in (execve, execveat, clone3, exec)", 0),
			 "evt.type in (exec, fork)");
	cr_assert_str_eq(text_of("evt.type = execveat", 0), "evt.type = exec");
	cr_assert_str_eq(text_of("evt.type in (open, execve, open)", PT_COND_LAX),
			 "evt.type in (open, exec, open)");
}

Test(evmask, evt_type_evaluates, .init = setup, .fini = teardown)
{
	struct pt_event ev = {.type = PT_EV_EXEC, .pid = 200, .tid = 200, .proc = p200};

	cr_assert(on("evt.type = execve", NULL, &ev));
	cr_assert(on("evt.type in (execve, execveat)", NULL, &ev));
	cr_assert(on("evt.type = exec", p200, &ev));
	cr_assert_not(on("evt.type != exec", NULL, &ev));
	cr_assert(on("evt.type != fork", NULL, &ev));
	cr_assert(on("evt.type startswith ex", NULL, &ev));
	/* no event: evt.type cannot be had, so both are false */
	cr_assert_not(on("evt.type = exec", p200, NULL));
	cr_assert_not(on("evt.type != exec", p200, NULL));
	ev.type = PT_EV_FORK;
	cr_assert(on("evt.type = clone", NULL, &ev));
	cr_assert_not(on("evt.type in (execve, execveat) and proc.name = sleep", NULL, &ev));
}

/* ---- evaluation semantics ---- */

Test(semantics, unknown_is_false_and_not_true, .init = setup, .fini = teardown)
{
	struct pt_proc *p = pt_table_get(pt_core_table(m), 200);

	pt_proc_set_missing(p, PT_F_CWD, PT_WHY_PERM);
	F("proc.cwd = /home/u/Work");
	F("proc.cwd != /home/u/Work");
	F("proc.cwd exists");
	T("not proc.cwd exists");
	T("not proc.cwd = /x");
	/* null (no value): the container's image on the host is null */
	cr_assert_not(on("container.image exists", pt_lookup(m, 100), NULL));
	cr_assert(on("not container.image.repository in (nginx)", pt_lookup(m, 100), NULL));
	/* without the monitor, the parent's name is unknown */
	{
		struct pt_cond *c = parse_ok("proc.pname = bash", 0);

		cr_assert(pt_cond_match(c, m, p200, NULL));
		cr_assert_not(pt_cond_match(c, NULL, p200, NULL));
		cr_assert_not(pt_cond_match(c, m, NULL, NULL));
		pt_cond_free(c);
	}
}

Test(semantics, ancestors_any, .init = setup, .fini = teardown)
{
	T("proc.aname = bash");
	T("proc.aname = init");
	F("proc.aname = sleep"); /* the ancestors, not the process */
	T("proc.aname in (nginx, init)");
	T("proc.aname startswith ba");
	T("proc.aname glob i*t");
	T("proc.apid = 1");
	T("proc.apid > 50");
	F("proc.apid > 100");
	T("proc.apid in (7, 100)");
	T("proc.argv = 10");
	T("proc.argv contains Weird");
	F("proc.argv = \"10 --Weird Arg\"");
	T("proc.aname exists");
	cr_assert_not(on("proc.aname = x", pt_lookup(m, 1), NULL), "init has no ancestors");
}

Test(semantics, numbers_and_strings, .init = setup, .fini = teardown)
{
	/* numeric compare, not text */
	T("proc.pid > 30");
	T("proc.tty > 9999");
	/* a string operator on a number compares its decimal text */
	T("proc.pid startswith 20");
	T("proc.pid contains 00");
	T("proc.pid glob 2*");
	T("proc.pid regex \"[0-9]+\"");
	T("user.loginuid endswith 000");
	T("proc.argv_truncated = false");
	T("proc.argv_truncated contains als");
	/* strings compare as bytes */
	T("proc.name < t");
	F("proc.name < sleep");
	T("proc.name <= sleep");
	T("proc.name >= sleep");
	/* Falco's placeholders are plain strings */
	F("proc.name in (\"<NA>\", \"N/A\")");
	T("proc.name exists and not proc.name in (\"<NA>\",\"N/A\")");
	/* user.loginuid is signed: -1 is unset */
	F("user.loginuid = -1");
	T("user.loginuid > -1");
	T("proc.pid != -5");
	F("proc.pid < -5");
	T("proc.pid >= 0x10");
}

Test(semantics, context_caches_per_event, .init = setup, .fini = teardown)
{
	struct pt_cond *a = parse_ok("proc.aname[1] = bash and proc.cmdline contains 10", 0);
	struct pt_cond *b = parse_ok("proc.aname[2] = init or proc.aname[1] = x", 0);
	struct pt_cond *c = parse_ok("proc.name = bash", 0);
	struct pt_cond_ctx *x = pt_cond_ctx_new();

	cr_assert_not_null(x);
	cr_assert_not(pt_cond_eval(a, x), "a context set to nothing matches nothing");
	for (int i = 0; i < 3; i++) {
		pt_cond_ctx_set(x, m, p200, NULL);
		cr_assert(pt_cond_eval(a, x));
		cr_assert(pt_cond_eval(b, x));
		cr_assert_not(pt_cond_eval(c, x));
		pt_cond_ctx_set(x, m, pt_lookup(m, 100), NULL);
		cr_assert_not(pt_cond_eval(a, x));
		cr_assert_not(pt_cond_eval(b, x));
		cr_assert(pt_cond_eval(c, x));
	}
	pt_cond_ctx_free(x);
	pt_cond_ctx_free(NULL);
	pt_cond_free(a);
	pt_cond_free(b);
	pt_cond_free(c);
	pt_cond_free(NULL);
	cr_assert_not(pt_cond_eval(NULL, NULL));
}

struct shared {
	const struct pt_cond *c;
	bool want, ok;
};

static void *eval_many(void *data)
{
	struct shared *sh = data;
	struct pt_cond_ctx *x = pt_cond_ctx_new();

	sh->ok = x != NULL;
	for (int i = 0; x && i < 2000; i++) {
		/* no monitor: the table is the monitor's thread's; the record is read-only */
		pt_cond_ctx_set(x, NULL, p200, NULL);
		if (pt_cond_eval(sh->c, x) != sh->want ||
		    pt_cond_match(sh->c, NULL, p200, NULL) != sh->want)
			sh->ok = false;
	}
	pt_cond_ctx_free(x);
	return NULL;
}

Test(semantics, one_condition_many_threads, .init = setup, .fini = teardown)
{
	struct pt_cond *c =
		parse_ok("proc.cmdline regex 'sleep [0-9]+ .*' and proc.exepath glob /usr/*"
			 " and proc.cwd pmatch (/home/*) and not proc.name in (a, b)",
			 0);
	struct shared sh[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		sh[i] = (struct shared){.c = c, .want = true};
		cr_assert_eq(pthread_create(&t[i], NULL, eval_many, &sh[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], NULL), 0);
		cr_assert(sh[i].ok, "thread %d", i);
	}
	pt_cond_free(c);
}

/* ---- text ---- */

static void round_trip(const char *text, unsigned flags)
{
	struct pt_cond *c = parse_ok(text, flags), *again;
	struct pt_cond_error err;
	char *s = pt_cond_text(c), *s2;

	cr_assert_not_null(s);
	cr_assert_eq(pt_cond_parse(s, flags, macros, NULL, &again, &err), 0, "%s -> %s: %s", text,
		     s, err.msg);
	s2 = pt_cond_text(again);
	cr_assert_str_eq(s, s2, "%s", text);
	cr_assert_eq(pt_cond_evmask(c), pt_cond_evmask(again));
	cr_assert_eq(pt_cond_match(c, m, p200, NULL), pt_cond_match(again, m, p200, NULL), "%s",
		     text);
	free(s);
	free(s2);
	pt_cond_free(c);
	pt_cond_free(again);
}

Test(text, round_trips, .init = setup, .fini = teardown)
{
	static const char *const conds[] = {
		"proc.name = find and user.uid = 0",
		"t or f and not (t or f) or not not f",
		"((t and f) and (f and t)) or ((t or f) or (f or t))",
		"proc.name in (a, \"b c\", 'd\\'e', runc:[0:PARENT], \"\\x01\\xff\", \"\")",
		"proc.args contains \"\\ \" and proc.cmdline contains '\\\\x'",
		"proc.aname[2] in (sshd) and proc.aname['1'] startswith x",
		"evt.type in (execve, execveat, clone3) and evt.type != procexit",
		"proc.name bcontains 00ff10 or proc.name bstartswith ABCD",
		"proc.cwd pmatch (/a, /b/*/c) and proc.name regex \"a|(b)\\/\"",
		"proc.name exists and not proc.pname exists",
		"user.loginuid != -1 and proc.pid in (0x10, +4, -0)",
		"proc.name = \"a=b\" or proc.name = \"a,b\" or proc.name = \"(\"",
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(conds); i++)
		round_trip(conds[i], 0);
	round_trip("fd.name = x and evt.type in (open, execve) or fd.x[\"a b\"] exists",
		   PT_COND_LAX);
	round_trip("u or fd.z[9] pmatch (/a)", PT_COND_LAX);
}

Test(api, null_arguments)
{
	struct pt_cond_error err;
	struct pt_cond *c = NULL;

	cr_assert_eq(pt_cond_parse(NULL, 0, NULL, NULL, &c, &err), -EINVAL);
	cr_assert_null(c);
	cr_assert_eq(err.pos, -1);
	cr_assert(err.msg[0]);
	cr_assert_eq(pt_cond_parse("proc.pid = 1", 0, NULL, NULL, NULL, NULL), -EINVAL);
	cr_assert_eq(pt_cond_parse("proc.pid = ", 0, NULL, NULL, &c, NULL), -EINVAL);
	errno = 0;
	cr_assert_null(pt_cond_text(NULL));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(pt_cond_missing(NULL, 0));
	cr_assert_eq(pt_cond_evmask(NULL), PT_EVMASK_ALL);
	cr_assert_not(pt_cond_match(NULL, NULL, NULL, NULL));
	pt_cond_ctx_set(NULL, NULL, NULL, NULL);
	cr_assert_eq(pt_cond_parse("proc.pid = 1", 0, NULL, NULL, &c, NULL), 0);
	cr_assert_not(pt_cond_match(c, NULL, NULL, NULL), "nothing to read: false");
	pt_cond_free(c);
}
