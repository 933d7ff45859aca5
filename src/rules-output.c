/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Falco's output format and the alert line (rules.h). `%field` and
 * `%field[arg]` are resolved once, when the rule is compiled: a registry
 * field, one of Falco's event fields that proctrail computes here (evt.type as
 * Falco's syscall name, evt.time and its variants, evt.hostname,
 * evt.source), or a field proctrail lacks, which renders as `<NA>` and is
 * null in output_fields. `%container.info` is what Falco writes without -pc
 * or -pk: "container_id=%container.id container_name=%container.name".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules-int.h"

enum fkind {
	F_NA, /* not a field proctrail has */
	F_REG, /* the registry's */
	F_EVT_TYPE, /* execve, or execveat */
	F_TIME, /* HH:MM:SS.nnnnnnnnn, local time */
	F_TIME_S, /* HH:MM:SS */
	F_TIME_ISO, /* RFC 3339, UTC, with nanoseconds */
	F_DATETIME, /* YYYY-MM-DD HH:MM:SS.nnnnnnnnn, local time */
	F_DATETIME_S,
	F_RAWTIME, /* nanoseconds since the epoch */
	F_HOSTNAME,
	F_SOURCE,
};

struct ofield {
	char *name; /* as written: proc.aname[2] */
	enum fkind kind;
	struct pt_field_ref ref;
	size_t off, len; /* the rendered text in val_buf, per alert */
};

struct otok {
	const char *lit; /* literal text (into the format), or NULL for a field */
	size_t len;
	size_t field;
};

struct rules_out {
	char *fmt;
	struct otok *tok;
	size_t ntok;
	struct ofield *f;
	size_t nf;
};

static const struct {
	const char *name;
	enum fkind kind;
} evt_fields[] = {
	{"evt.type", F_EVT_TYPE},     {"evt.time", F_TIME},
	{"evt.time.s", F_TIME_S},     {"evt.time.iso8601", F_TIME_ISO},
	{"evt.datetime", F_DATETIME}, {"evt.datetime.s", F_DATETIME_S},
	{"evt.rawtime", F_RAWTIME},   {"evt.hostname", F_HOSTNAME},
	{"evt.source", F_SOURCE},
};

void rules_out_free(struct rules_out *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nf; i++)
		free(o->f[i].name);
	free(o->f);
	free(o->tok);
	free(o->fmt);
	free(o);
}

static int add_tok(struct rules_out *o, const char *lit, size_t len, size_t field)
{
	struct otok *t;

	if (lit && !len)
		return 0;
	t = realloc(o->tok, (o->ntok + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	o->tok = t;
	t[o->ntok++] = (struct otok){.lit = lit, .len = len, .field = field};
	return 0;
}

/* The field named name (n bytes): its index in o->f, added once. */
static int add_field(struct rules_out *o, const char *name, size_t n, size_t *idx)
{
	struct ofield *f;

	for (size_t i = 0; i < o->nf; i++)
		if (strlen(o->f[i].name) == n && memcmp(o->f[i].name, name, n) == 0) {
			*idx = i;
			return 0;
		}
	f = realloc(o->f, (o->nf + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	o->f = f;
	f = &o->f[o->nf];
	memset(f, 0, sizeof(*f));
	f->name = strndup(name, n);
	if (!f->name)
		return -ENOMEM;
	f->kind = F_NA;
	for (size_t i = 0; i < sizeof(evt_fields) / sizeof(evt_fields[0]); i++)
		if (strcmp(evt_fields[i].name, f->name) == 0)
			f->kind = evt_fields[i].kind;
	/* Falco's names have a dot: proctrail's JSON names (comm, exe) are not fields here */
	if (f->kind == F_NA && strchr(f->name, '.') && pt_field_lookup(f->name, &f->ref) == 0)
		f->kind = F_REG;
	*idx = o->nf++;
	return 0;
}

static int add_field_tok(struct rules_out *o, const char *name, size_t n)
{
	size_t idx;
	int r = add_field(o, name, n, &idx);

	return r < 0 ? r : add_tok(o, NULL, 0, idx);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '.';
}

static bool alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* `%name` or `%name[arg]` at s (after the %): its length, 0 when it is not one. */
static size_t field_len(const char *s)
{
	size_t n = 0;
	const char *rb;

	if (!alpha(s[0]))
		return 0;
	while (name_char(s[n]))
		n++;
	if (s[n] == '[' && (rb = strchr(s + n, ']')))
		return (size_t)(rb - s) + 1;
	while (n > 1 && s[n - 1] == '.') /* the end of a sentence */
		n--;
	return n;
}

struct rules_out *rules_out_compile(const char *fmt)
{
	static const char info[] = "container.info";
	struct rules_out *o = calloc(1, sizeof(*o));
	const char *s, *lit;
	int r = 0;

	if (!o)
		return NULL;
	o->fmt = strdup(fmt);
	if (!o->fmt)
		goto fail;
	/* a trailing newline (YAML's folded or literal blocks) is not part of the line */
	for (size_t n = strlen(o->fmt); n && (o->fmt[n - 1] == '\n' || o->fmt[n - 1] == ' ');)
		o->fmt[--n] = '\0';
	/* Falco formats "%evt.time: %priority " + the rule's output, so its
	 * output_fields always hold evt.time, first */
	if (add_field(o, "evt.time", 8, &(size_t){0}) < 0)
		goto fail;
	for (s = lit = o->fmt; *s && r == 0;) {
		size_t n = s[0] == '%' ? field_len(s + 1) : 0;

		if (!n) {
			s++;
			continue;
		}
		r = add_tok(o, lit, (size_t)(s - lit), 0);
		if (r == 0 && n == sizeof(info) - 1 && memcmp(s + 1, info, n) == 0) {
			r = add_tok(o, "container_id=", 13, 0);
			if (r == 0)
				r = add_field_tok(o, "container.id", 12);
			if (r == 0)
				r = add_tok(o, " container_name=", 16, 0);
			if (r == 0)
				r = add_field_tok(o, "container.name", 14);
		} else if (r == 0) {
			r = add_field_tok(o, s + 1, n);
		}
		s += n + 1;
		lit = s;
	}
	if (r == 0)
		r = add_tok(o, lit, strlen(lit), 0);
	if (r == 0)
		return o;
fail:
	rules_out_free(o);
	return NULL;
}

/* ---- rendering ---- */

static void split_time(int64_t us, time_t *sec, long *usec)
{
	int64_t s = us / 1000000, u = us % 1000000;

	if (u < 0) {
		u += 1000000;
		s--;
	}
	*sec = (time_t)s;
	*usec = (long)u;
}

static void put_time(struct rules_sb *b, int64_t us, enum fkind k)
{
	struct tm tm;
	time_t sec;
	long usec;

	split_time(us, &sec, &usec);
	if (!(k == F_TIME_ISO ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm))) {
		rules_sb_adds(b, "<NA>");
		return;
	}
	if (k == F_TIME_ISO) {
		rules_sb_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld000Z", tm.tm_year + 1900,
				tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
		return;
	}
	if (k == F_DATETIME || k == F_DATETIME_S)
		rules_sb_printf(b, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	rules_sb_printf(b, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (k == F_TIME || k == F_DATETIME)
		rules_sb_printf(b, ".%06ld000", usec);
}

/* A registry value as text (Falco's: decimal numbers, argv joined by spaces). */
static void put_text(struct rules_sb *b, const struct pt_value *v)
{
	char t[64];
	int n;

	if (!v->known || v->null) {
		rules_sb_adds(b, "<NA>");
		return;
	}
	if (v->type == PT_TYPE_STR || v->type == PT_TYPE_NAME || v->type == PT_TYPE_ARGS) {
		size_t len = v->len, start = b->len;

		while (v->type == PT_TYPE_ARGS && len && v->s[len - 1] == '\0')
			len--;
		rules_sb_add(b, v->s ? v->s : "", v->s ? len : 0);
		for (size_t i = start; !b->oom && i < b->len; i++)
			if (b->p[i] == '\0')
				b->p[i] = ' ';
		return;
	}
	n = pt_value_text(v, t, sizeof(t));
	if (n < 0) {
		rules_sb_adds(b, "<NA>");
		return;
	}
	rules_sb_add(b, t, (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
}

/* A registry value as JSON: numbers, booleans and strings as themselves. */
static void put_json(struct rules_sb *b, const struct pt_value *v, const char *text, size_t len)
{
	char *j;
	size_t n;

	if (!v->known || v->null) {
		rules_sb_adds(b, "null");
		return;
	}
	switch (v->type) {
	case PT_TYPE_INT:
	case PT_TYPE_UINT:
	case PT_TYPE_BOOL:
	case PT_TYPE_STR:
	case PT_TYPE_NAME:
		j = pt_value_json(v, NULL, &n);
		if (!j) {
			b->oom = true;
			return;
		}
		rules_sb_add(b, j, n);
		free(j);
		return;
	default:
		rules_sb_json(b, text, len);
		return;
	}
}

static bool is_execveat(const struct rules *rs, const struct pt_event *ev)
{
	struct pt_value v;
	bool yes;

	if (pt_field_value(&rs->f_execveat, NULL, NULL, ev, &v) < 0)
		return false;
	yes = v.known && !v.null && v.b;
	pt_value_free(&v);
	return yes;
}

/* Render field f: text into val_buf, "name":value into fld_buf. */
static void render_field(struct rules *rs, struct ofield *f, const struct pt_monitor *m,
			 const struct pt_event *ev)
{
	struct rules_sb *t = &rs->val_buf, *j = &rs->fld_buf;
	struct pt_value v;

	if (j->len > 1)
		rules_sb_add(j, ",", 1);
	rules_sb_json(j, f->name, strlen(f->name));
	rules_sb_add(j, ":", 1);
	f->off = t->len;
	switch (f->kind) {
	case F_REG:
		if (pt_field_value(&f->ref, m, ev->proc, ev, &v) < 0) {
			rules_sb_adds(t, "<NA>");
			rules_sb_adds(j, "null");
			break;
		}
		put_text(t, &v);
		if (!t->oom)
			put_json(j, &v, t->p + f->off, t->len - f->off);
		pt_value_free(&v);
		break;
	case F_EVT_TYPE:
		rules_sb_adds(t, is_execveat(rs, ev) ? "execveat" : "execve");
		break;
	case F_RAWTIME:
		rules_sb_printf(t, "%" PRId64 "000", ev->time_us);
		rules_sb_add(j, t->p + f->off, t->len - f->off);
		break;
	case F_TIME:
		/* Falco's JSON has the event time as nanoseconds since the epoch */
		put_time(t, ev->time_us, f->kind);
		rules_sb_printf(j, "%" PRId64 "000", ev->time_us);
		break;
	case F_TIME_S:
	case F_TIME_ISO:
	case F_DATETIME:
	case F_DATETIME_S:
		put_time(t, ev->time_us, f->kind);
		break;
	case F_HOSTNAME:
		rules_sb_adds(t, rs->hostname);
		break;
	case F_SOURCE:
		rules_sb_adds(t, "syscall");
		break;
	case F_NA:
		rules_sb_adds(t, "<NA>");
		rules_sb_adds(j, "null");
		break;
	}
	f->len = t->oom ? 0 : t->len - f->off;
	if (f->kind != F_REG && f->kind != F_RAWTIME && f->kind != F_TIME && f->kind != F_NA &&
	    !t->oom)
		rules_sb_json(j, t->p + f->off, f->len);
}

static void put_key(struct rules *rs, struct rules_sb *b, const struct pt_monitor *m,
		    const struct pt_event *ev)
{
	struct pt_value v;

	if (pt_field_value(&rs->f_key, m, ev->proc, ev, &v) < 0) {
		rules_sb_adds(b, "null");
		return;
	}
	put_json(b, &v, "", 0);
	pt_value_free(&v);
}

void rules_out_alert(struct rules *rs, const struct rules_item *r, const struct pt_monitor *m,
		     const struct pt_event *ev, rules_alert_fn fn, void *data)
{
	struct rules_out *o = r->out;
	struct rules_sb *out = &rs->out_buf, *js = &rs->json_buf;
	const char *prio = r->prio >= 0 ? rules_prio_names[r->prio] : "Debug";
	struct rules_alert a;

	out->len = js->len = rs->val_buf.len = rs->fld_buf.len = 0;
	rules_sb_add(&rs->fld_buf, "{", 1);
	for (size_t i = 0; i < o->nf; i++)
		render_field(rs, &o->f[i], m, ev);
	rules_sb_add(&rs->fld_buf, "}", 1);
	/* Falco's "output": the event time, the priority, the rendered format */
	put_time(out, ev->time_us, F_TIME);
	rules_sb_printf(out, ": %s ", prio);
	for (size_t i = 0; i < o->ntok && !rs->val_buf.oom; i++) {
		const struct otok *t = &o->tok[i];

		if (t->lit)
			rules_sb_add(out, t->lit, t->len);
		else
			rules_sb_add(out, rs->val_buf.p + o->f[t->field].off, o->f[t->field].len);
	}
	rules_sb_adds(js, "{\"event\":\"alert\",\"time\":\"");
	put_time(js, ev->time_us, F_TIME_ISO);
	rules_sb_adds(js, "\",\"rule\":");
	rules_sb_json(js, r->name, strlen(r->name));
	rules_sb_printf(js, ",\"priority\":\"%s\",\"source\":\"syscall\",\"tags\":[", prio);
	for (size_t i = 0; i < r->tags.n; i++) {
		if (i)
			rules_sb_add(js, ",", 1);
		rules_sb_json(js, r->tags.v[i], strlen(r->tags.v[i]));
	}
	rules_sb_adds(js, "],\"output\":");
	rules_sb_json(js, out->p, out->len);
	rules_sb_adds(js, ",\"output_fields\":");
	rules_sb_add(js, rs->fld_buf.p, rs->fld_buf.len);
	rules_sb_adds(js, ",\"hostname\":");
	rules_sb_json(js, rs->hostname, strlen(rs->hostname));
	rules_sb_adds(js, ",\"key\":");
	put_key(rs, js, m, ev);
	rules_sb_printf(js, ",\"pid\":%d}", (int)ev->pid);
	if (out->oom || js->oom || rs->val_buf.oom || rs->fld_buf.oom) {
		/* dropped: the buffers start over at the next alert */
		out->oom = js->oom = rs->val_buf.oom = rs->fld_buf.oom = false;
		return;
	}
	a = (struct rules_alert){
		.time_us = ev->time_us,
		.rule = r->name,
		.priority = prio,
		.tags = (const char *const *)r->tags.v,
		.ntags = r->tags.n,
		.output = out->p,
		.json = js->p,
		.json_len = js->len,
		.ev = ev,
	};
	fn(&a, data);
}
