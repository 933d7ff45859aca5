/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter: a condition in Falco's language (pt_cond_parse(), proctrail(1)
 * FILTERS and CONDITIONS), parsed strictly: an unknown field is an error. Used
 * by watch, replay and ps, by proctraild's ps and subscribe requests, and for
 * the sinks (--sink-filter, sink_filter).
 *
 * The old syntax, blank-separated KEY=PATTERN and KEY!=PATTERN terms (shell
 * patterns over pid ppid uid euid gid comm exe argv, and the container= and
 * pod= terms), is translated to a condition. The grammar cannot parse it (a
 * field has a dot, and an identifier followed by '=' is no condition), so
 * telling the two apart is unambiguous.
 *
 * --container, --pod and --host-only become condition text too (ctr_term(),
 * pod_term()), their values quoted: whatever a user gives stays a value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_filter {
	struct pt_cond *c; /* NULL: a blank text, which keeps everything */
	char *text; /* the condition: the translation of old terms */
	bool compat; /* given as old terms */
};

/* The old keys and the fields they read. */
static const struct {
	const char *key;
	const char *field; /* NULL: container and pod, more than one field */
	bool num;
} old_keys[] = {
	{"pid", "proc.pid", true},	{"ppid", "proc.ppid", true},
	{"uid", "user.ruid", true},	{"euid", "user.uid", true},
	{"gid", "group.rgid", true},	{"comm", "proc.name", false},
	{"exe", "proc.exepath", false}, {"argv", "proc.command", false},
	{"container", NULL, false},	{"pod", NULL, false},
};

#define OLD_KEYS "pid, ppid, uid, euid, gid, comm, exe, argv, container, pod"
#define OLD_BLANKS " \t"

void cli_filter_free(struct cli_filter *f)
{
	if (!f)
		return;
	pt_cond_free(f->c);
	free(f->text);
	free(f);
}

/* ---- condition text ---- */

/*
 * n bytes of s as a Falco quoted string. Falco ends a string at the first quote
 * not preceded by a backslash, so a backslash right before the closing quote is
 * written \x5c; controls are \xHH, so that the text stays one line.
 */
static void put_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"')
			fputs("\\\"", f);
		else if (ch == '\\' && i + 1 < n)
			fputs("\\\\", f);
		else if (ch == '\\' || ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* FIELD OP "v" */
static void put_check(FILE *f, const char *field, const char *op, const char *v, size_t n)
{
	fprintf(f, "%s %s ", field, op);
	put_str(f, v, n);
}

static bool has_glob(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[')
			return true;
	return false;
}

/* container=X: "host"; else a prefix of the full id or the exact name (with
 * * ? or [: a pattern over either), never the host's records. */
static void ctr_term(FILE *f, const char *v)
{
	size_t n = strlen(v);
	bool glob = has_glob(v, n);

	if (strcmp(v, "host") == 0) {
		fputs("container.id = host", f);
		return;
	}
	fputs("(container.id != host and (", f);
	put_check(f, "container.full_id", glob ? "glob" : "startswith", v, n);
	fputs(" or ", f);
	put_check(f, "container.name", glob ? "glob" : "=", v, n);
	fputs("))", f);
}

/* pod=NAME|UID|NS/NAME: exact, or shell patterns when v has * ? or [. */
static void pod_term(FILE *f, const char *v)
{
	size_t n = strlen(v);
	const char *op = has_glob(v, n) ? "glob" : "=", *slash = strchr(v, '/');

	fputc('(', f);
	if (slash) {
		put_check(f, "k8s.ns.name", op, v, (size_t)(slash - v));
		fputs(" and ", f);
		put_check(f, "k8s.pod.name", op, slash + 1, strlen(slash + 1));
	} else {
		put_check(f, "k8s.pod.name", op, v, n);
		fputs(" or ", f);
		put_check(f, "k8s.pod.uid", op, v, n);
	}
	fputc(')', f);
}

/* The text of a memstream open on *buf, or NULL (ENOMEM). */
static char *text_close(FILE *f, char **buf)
{
	if (fclose(f) == EOF || !*buf) {
		free(*buf);
		errno = ENOMEM;
		return NULL;
	}
	return *buf;
}

/* ---- the old syntax ---- */

static bool is_ident(const char *s, size_t n)
{
	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* A term KEY=P or KEY!=P: the key's length, or 0 when tok is none. */
static size_t term_key(const char *tok, size_t n, bool *negate)
{
	const char *eq = memchr(tok, '=', n);
	size_t k;

	if (!eq)
		return 0;
	k = (size_t)(eq - tok);
	*negate = k && tok[k - 1] == '!';
	if (*negate)
		k--;
	return is_ident(tok, k) ? k : 0;
}

static int old_key(const char *key, size_t n)
{
	for (size_t i = 0; i < sizeof(old_keys) / sizeof(old_keys[0]); i++)
		if (strlen(old_keys[i].key) == n && memcmp(old_keys[i].key, key, n) == 0)
			return (int)i;
	return -1;
}

/* Digits as the decimal text of a number shows them: = keeps fnmatch's meaning. */
static bool is_decimal(const char *s, size_t n)
{
	if (!n || n > 18 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * One term as a check. A pattern without * ? [ or \ means what = does (for a
 * number: when it is written as the number's text is); else glob, which on a
 * number matches its decimal text, as the old terms did.
 */
static int put_old_term(FILE *f, int k, bool negate, const char *v, size_t n, char *err,
			size_t errlen)
{
	bool glob = has_glob(v, n) || memchr(v, '\\', n);

	if (negate)
		fputs("not ", f);
	if (old_keys[k].field && old_keys[k].num && !glob && is_decimal(v, n)) {
		fprintf(f, "%s = %.*s", old_keys[k].field, (int)n, v);
	} else if (old_keys[k].field) {
		put_check(f, old_keys[k].field, glob || old_keys[k].num ? "glob" : "=", v, n);
	} else {
		char *s = strndup(v, n);

		if (!s)
			return -ENOMEM;
		if (!*s) {
			free(s);
			snprintf(err, errlen, "'%s=' needs a value", old_keys[k].key);
			return -EINVAL;
		}
		(old_keys[k].key[0] == 'c' ? ctr_term : pod_term)(f, s);
		free(s);
	}
	return 0;
}

/*
 * expr in the old syntax: 1 with *out its condition, 0 when it is not (every
 * blank-separated word a term), -EINVAL (err says why: a key it never had),
 * -ENOMEM.
 */
static int old_translate(const char *expr, char **out, char *err, size_t errlen)
{
	const char *first = expr + strspn(expr, OLD_BLANKS), *p;
	char *buf = NULL;
	size_t len = 0;
	bool neg;
	FILE *f;
	int r = 0;

	/* first: is every word a term? */
	for (p = first; *p; p += strspn(p, OLD_BLANKS)) {
		size_t n = strcspn(p, OLD_BLANKS);

		if (!term_key(p, n, &neg))
			return 0;
		p += n;
	}
	if (!*first)
		return 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (p = first; *p && r == 0; p += strspn(p, OLD_BLANKS)) {
		size_t n = strcspn(p, OLD_BLANKS), klen = term_key(p, n, &neg);
		const char *v = p + klen + (neg ? 2 : 1);
		int k = old_key(p, klen);

		if (k < 0) {
			snprintf(err, errlen,
				 "unknown filter key '%.*s' at %zu (KEY=PATTERN keys: " OLD_KEYS
				 "; a condition names fields: proc.name = sh)",
				 (int)klen, p, (size_t)(p - expr));
			r = -EINVAL;
			break;
		}
		if (p != first)
			fputs(" and ", f);
		r = put_old_term(f, k, neg, v, (size_t)(p + n - v), err, errlen);
		p += n;
	}
	buf = text_close(f, &buf);
	if (r < 0 || !buf) {
		free(buf);
		return r < 0 ? r : -ENOMEM;
	}
	*out = buf;
	return 1;
}

/* ---- parsing and matching ---- */

/* The parser's message, with the place when it has one and does not say it. */
static void error_at(char *err, size_t errlen, const struct pt_cond_error *ce, int r)
{
	char at[32] = "";
	size_t n = strnlen(ce->msg, sizeof(ce->msg));

	if (ce->pos >= 0)
		snprintf(at, sizeof(at), " at %d", ce->pos);
	if (n >= strlen(at) && strcmp(ce->msg + n - strlen(at), at) == 0)
		at[0] = '\0';
	snprintf(err, errlen, "%.*s%s", (int)n, n ? ce->msg : strerror(-r), at);
}

static bool is_blank_text(const char *s)
{
	return s[strspn(s, " \t\b\r\n")] == '\0';
}

int cli_filter_parse(const char *expr, struct cli_filter **out, char *err, size_t errlen)
{
	struct cli_filter *f = calloc(1, sizeof(*f));
	struct pt_cond_error ce = {.pos = -1};
	int r;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	r = old_translate(expr, &f->text, err, errlen);
	if (r < 0)
		goto fail;
	f->compat = r > 0;
	r = -ENOMEM;
	if (!f->compat && !(f->text = strdup(expr)))
		goto fail;
	if (!is_blank_text(f->text)) {
		r = pt_cond_parse(f->text, 0, NULL, NULL, &f->c, &ce);
		if (r < 0) {
			error_at(err, errlen, &ce, r);
			goto fail;
		}
	}
	*out = f;
	return 0;
fail:
	cli_filter_free(f);
	return r;
}

const char *cli_filter_text(const struct cli_filter *f)
{
	return f ? f->text : NULL;
}

bool cli_filter_compat(const struct cli_filter *f)
{
	return f && f->compat;
}

bool cli_filter_eval(const struct cli_filter *f, struct cli_filter_ev *e)
{
	/* what was lost is never filtered out: a loss must not go unseen */
	if (!f || !f->c || e->ev->type == PT_EV_LOST)
		return true;
	if (!e->x)
		return pt_cond_match(f->c, e->m, NULL, e->ev);
	if (!e->set) {
		pt_cond_ctx_set(e->x, e->m, NULL, e->ev);
		e->set = true;
	}
	return pt_cond_eval(f->c, e->x);
}

bool cli_filter_match(const struct cli_filter *f, const struct pt_monitor *m,
		      const struct pt_event *ev)
{
	struct cli_filter_ev e = {.m = m, .ev = ev};

	return cli_filter_eval(f, &e);
}

bool cli_filter_match_proc(const struct cli_filter *f, const struct pt_monitor *m,
			   const struct pt_proc *p)
{
	return !f || !f->c || pt_cond_match(f->c, m, p, NULL);
}

/* ---- --container, --pod, --host-only ---- */

char *cli_filter_expr(const char *filter, const struct cli_ctr_sel *sel, char *err, size_t errlen)
{
	const char *vals[] = {sel->container, sel->pod}, *sep = "";
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < 2; i++) {
		if (vals[i] && !vals[i][0]) {
			snprintf(err, errlen, "--%s needs a value", i ? "pod" : "container");
			errno = EINVAL;
			return NULL;
		}
	}
	if (sel->host_only && (sel->container || sel->pod)) {
		snprintf(err, errlen, "--host-only and --%s exclude each other",
			 sel->container ? "container" : "pod");
		errno = EINVAL;
		return NULL;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	if (filter && !is_blank_text(filter)) {
		fprintf(f, "(%s)", filter);
		sep = " and ";
	}
	if (sel->host_only || sel->container) {
		fputs(sep, f);
		ctr_term(f, sel->host_only ? "host" : sel->container);
		sep = " and ";
	}
	if (sel->pod) {
		fputs(sep, f);
		pod_term(f, sel->pod);
	}
	return text_close(f, &buf);
}
