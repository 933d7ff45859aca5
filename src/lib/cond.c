/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditions: Falco's filter language over the field registry. The parser is
 * cond-parse.c; here the tree is evaluated, copied (macros), written back as
 * text and freed.
 *
 * Semantics (Falco's): a check whose field cannot be had (unknown, or known to
 * have no value) is false, whatever the operator; `exists` is true when it can.
 * A field that comes back as a list (proc.aname without [N], proc.argv) makes
 * the check true when any element does.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"

const char *const cond_op_names[OP_COUNT] = {
	[OP_EQ] = "=",
	[OP_NE] = "!=",
	[OP_LT] = "<",
	[OP_LE] = "<=",
	[OP_GT] = ">",
	[OP_GE] = ">=",
	[OP_CONTAINS] = "contains",
	[OP_ICONTAINS] = "icontains",
	[OP_BCONTAINS] = "bcontains",
	[OP_STARTSWITH] = "startswith",
	[OP_BSTARTSWITH] = "bstartswith",
	[OP_ENDSWITH] = "endswith",
	[OP_GLOB] = "glob",
	[OP_IGLOB] = "iglob",
	[OP_PMATCH] = "pmatch",
	[OP_IN] = "in",
	[OP_INTERSECTS] = "intersects",
	[OP_EXISTS] = "exists",
	[OP_REGEX] = "regex",
};

/* ---- the tree ---- */

static void check_free(struct cond_check *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->nvals; i++) {
		free(k->vals[i].s);
		free(k->vals[i].bytes);
	}
	free(k->vals);
	if (k->re) {
		regfree(k->re);
		free(k->re);
	}
	free(k->name);
	free(k->arg);
	free(k);
}

void cond_node_free(struct cond_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		cond_node_free(n->kids[i]);
	free(n->kids);
	check_free(n->chk);
	free(n);
}

int cond_regex_compile(struct cond_check *k)
{
	int r;

	k->re = malloc(sizeof(*k->re));
	if (!k->re)
		return REG_ESPACE;
	/* not REG_NOSUB: the match's extent tells whether it spans the value */
	r = regcomp(k->re, k->vals[0].s, REG_EXTENDED);
	if (r) {
		free(k->re);
		k->re = NULL;
	}
	return r;
}

static void *memdup0(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int check_copy(const struct cond_check *k, struct cond_check **out)
{
	struct cond_check *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return -ENOMEM;
	*c = *k;
	c->vals = NULL;
	c->nvals = 0;
	c->re = NULL;
	c->arg = NULL;
	c->name = strdup(k->name);
	if (!c->name || (k->arg && !(c->arg = strdup(k->arg))))
		return -ENOMEM;
	if (k->nvals) {
		c->vals = calloc(k->nvals, sizeof(*c->vals));
		if (!c->vals)
			return -ENOMEM;
	}
	for (; c->nvals < k->nvals; c->nvals++) {
		const struct cond_val *v = &k->vals[c->nvals];
		struct cond_val *w = &c->vals[c->nvals];

		*w = *v;
		w->bytes = NULL;
		w->s = memdup0(v->s, v->len);
		if (!w->s || (v->bytes && !(w->bytes = memdup0(v->bytes, v->nbytes)))) {
			c->nvals++; /* freed with the rest */
			return -ENOMEM;
		}
	}
	/* it compiled once: only memory can fail now */
	if (k->re && cond_regex_compile(c))
		return -ENOMEM;
	return 0;
}

int cond_node_copy(const struct cond_node *n, struct cond_node **out)
{
	struct cond_node *c = calloc(1, sizeof(*c));
	int r = -ENOMEM;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->kind = n->kind;
	c->height = n->height;
	if (n->chk && (r = check_copy(n->chk, &c->chk)) < 0)
		goto fail;
	if (n->nkids) {
		c->kids = calloc(n->nkids, sizeof(*c->kids));
		if (!c->kids)
			goto fail;
	}
	for (; c->nkids < n->nkids; c->nkids++)
		if ((r = cond_node_copy(n->kids[c->nkids], &c->kids[c->nkids])) < 0)
			goto fail;
	*out = c;
	return 0;
fail:
	cond_node_free(c);
	return -ENOMEM;
}

int cond_missing_add(struct pt_cond *c, const char *name)
{
	char **m;

	for (size_t i = 0; i < c->nmissing; i++)
		if (strcmp(c->missing[i], name) == 0)
			return 0;
	m = realloc(c->missing, (c->nmissing + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	c->missing = m;
	m[c->nmissing] = strdup(name);
	if (!m[c->nmissing])
		return -ENOMEM;
	c->nmissing++;
	return 0;
}

/* The event types on which n can be true (*t) and false (*f). */
static void masks(const struct cond_node *n, unsigned *t, unsigned *f)
{
	const struct cond_check *k = n->chk;
	unsigned kt, kf;

	switch (n->kind) {
	case NODE_CHECK:
		if (!k->f.def) {
			*t = 0;
			*f = PT_EVMASK_ALL;
		} else if (k->evtype && k->op == OP_NE) {
			*t = PT_EVMASK_ALL & ~k->evmask;
			*f = k->evmask;
		} else if (k->evtype) {
			*t = k->evmask;
			*f = PT_EVMASK_ALL & ~k->evmask;
		} else {
			*t = *f = PT_EVMASK_ALL;
		}
		return;
	case NODE_NOT:
		masks(n->kids[0], f, t);
		return;
	case NODE_AND:
		*t = PT_EVMASK_ALL;
		*f = 0;
		break;
	case NODE_OR:
		*t = 0;
		*f = PT_EVMASK_ALL;
		break;
	}
	for (size_t i = 0; i < n->nkids; i++) {
		masks(n->kids[i], &kt, &kf);
		if (n->kind == NODE_AND) {
			*t &= kt;
			*f |= kf;
		} else {
			*t |= kt;
			*f &= kf;
		}
	}
}

unsigned cond_evmask(const struct cond_node *n)
{
	unsigned t, f;

	masks(n, &t, &f);
	return t;
}

/* ---- the context: each field read once per event ---- */

struct cache_ent {
	bool filled;
	unsigned idx;
	int arg;
	struct pt_value v;
};

struct pt_cond_ctx {
	const struct pt_monitor *m;
	const struct pt_proc *p;
	const struct pt_event *ev;
	struct cache_ent *fields; /* by field index, without argument; NULL: no cache */
	size_t nfields;
	struct cache_ent *args; /* fields with an argument */
	size_t nargs, argcap;
	char *tmp; /* NUL-terminated copies for fnmatch() and regexec() */
	size_t tmpcap;
};

static void ctx_clear(struct pt_cond_ctx *x)
{
	for (size_t i = 0; i < x->nfields; i++)
		if (x->fields[i].filled) {
			pt_value_free(&x->fields[i].v);
			x->fields[i].filled = false;
		}
	for (size_t i = 0; i < x->nargs; i++)
		if (x->args[i].filled)
			pt_value_free(&x->args[i].v);
	x->nargs = 0;
}

PT_EXPORT struct pt_cond_ctx *pt_cond_ctx_new(void)
{
	struct pt_cond_ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->nfields = pt_fields_count();
	x->fields = calloc(x->nfields, sizeof(*x->fields));
	if (!x->fields) {
		free(x);
		return NULL;
	}
	return x;
}

PT_EXPORT void pt_cond_ctx_free(struct pt_cond_ctx *x)
{
	if (!x)
		return;
	ctx_clear(x);
	free(x->fields);
	free(x->args);
	free(x->tmp);
	free(x);
}

PT_EXPORT void pt_cond_ctx_set(struct pt_cond_ctx *x, const struct pt_monitor *m,
			       const struct pt_proc *p, const struct pt_event *ev)
{
	if (!x)
		return;
	ctx_clear(x);
	x->m = m;
	x->p = p;
	x->ev = ev;
}

static void read_value(struct pt_cond_ctx *x, const struct pt_field_ref *f, struct pt_value *v)
{
	if (pt_field_value(f, x->m, x->p, x->ev, v) < 0) {
		memset(v, 0, sizeof(*v));
		v->known = false; /* out of memory, or nothing to read: false */
	}
}

/* The cache entry of f, added when new; NULL when there is no room. */
static struct cache_ent *cache_slot(struct pt_cond_ctx *x, const struct pt_field_ref *f)
{
	unsigned idx = pt_field_def_index(f->def);
	struct cache_ent *e;

	if (f->arg < 0)
		return idx < x->nfields ? &x->fields[idx] : NULL;
	for (size_t i = 0; i < x->nargs; i++)
		if (x->args[i].idx == idx && x->args[i].arg == f->arg)
			return &x->args[i];
	if (x->nargs == x->argcap) {
		size_t cap = x->argcap ? 2 * x->argcap : 8;

		e = realloc(x->args, cap * sizeof(*e));
		if (!e)
			return NULL;
		x->args = e;
		x->argcap = cap;
	}
	e = &x->args[x->nargs++];
	e->filled = false;
	e->idx = idx;
	e->arg = f->arg;
	return e;
}

/* The value of f: from the cache, or read into *local (*used set: free it). */
static const struct pt_value *value_of(struct pt_cond_ctx *x, const struct pt_field_ref *f,
				       struct pt_value *local, bool *used)
{
	struct cache_ent *e = x->fields ? cache_slot(x, f) : NULL;

	*used = false;
	if (!e) {
		read_value(x, f, local);
		*used = true;
		return local;
	}
	if (!e->filled) {
		read_value(x, f, &e->v);
		e->filled = true;
	}
	return &e->v;
}

/* s as a C string in the context's scratch buffer (room for extra bytes after it). */
static char *scratch(struct pt_cond_ctx *x, const char *s, size_t len, size_t extra)
{
	size_t need = len + 1 + extra;

	if (need < len)
		return NULL;
	if (need > x->tmpcap) {
		char *t = realloc(x->tmp, need);

		if (!t)
			return NULL;
		x->tmp = t;
		x->tmpcap = need;
	}
	memcpy(x->tmp, s, len);
	x->tmp[len] = '\0';
	return x->tmp;
}

/* ---- comparing ---- */

/* What a check compares: a value, or one element of a list. */
struct subject {
	const char *s;
	size_t len;
	bool has_num;
	struct cond_num n;
	bool has_bool, b;
	char buf[24];
};

static struct cond_num num_of_int(int64_t i)
{
	struct cond_num n = {.neg = i < 0, .mag = i < 0 ? 0 - (uint64_t)i : (uint64_t)i};

	return n;
}

static int num_cmp(const struct cond_num *a, const struct cond_num *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	if (a->mag == b->mag)
		return 0;
	return (a->mag < b->mag) == !a->neg ? -1 : 1;
}

static int str_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool casemem(const char *h, size_t hl, const char *n, size_t nl)
{
	for (size_t i = 0; nl <= hl && i <= hl - nl; i++) {
		size_t j = 0;

		while (j < nl && lower(h[i + j]) == lower(n[j]))
			j++;
		if (j == nl)
			return true;
	}
	return false;
}

static bool has_prefix(const char *s, size_t len, const char *p, size_t plen)
{
	return plen <= len && memcmp(s, p, plen) == 0;
}

static bool equal(const struct cond_check *k, const struct cond_val *v, const struct subject *s)
{
	switch (k->cmp) {
	case CMP_NUM:
		return s->has_num && num_cmp(&s->n, &v->n) == 0;
	case CMP_BOOL:
		return s->has_bool && s->b == v->b;
	default:
		return s->len == v->len && memcmp(s->s, v->s, s->len) == 0;
	}
}

/* -1, 0, 1; 2 when they do not compare */
static int order(const struct cond_check *k, const struct subject *s)
{
	const struct cond_val *v = &k->vals[0];

	if (k->cmp == CMP_NUM)
		return s->has_num ? num_cmp(&s->n, &v->n) : 2;
	return str_cmp(s->s, s->len, v->s, v->len);
}

static bool component_match(const char *pat, const char *s)
{
	if (strpbrk(pat, "*?["))
		return fnmatch(pat, s, 0) == 0;
	return strcmp(pat, s) == 0;
}

/* Falco's pmatch: pat is a path prefix of s on '/' boundaries; its
 * components may be globs. */
static bool pmatch(struct pt_cond_ctx *x, const struct cond_val *pat, const struct subject *s)
{
	size_t plen = pat->len, vi = 0, pi = 0;
	char *vb, *pb;

	while (plen > 1 && pat->s[plen - 1] == '/')
		plen--;
	vb = scratch(x, s->s, s->len, plen + 1);
	if (!vb)
		return false;
	pb = vb + s->len + 1;
	memcpy(pb, pat->s, plen);
	pb[plen] = '\0';
	for (;;) {
		size_t pe = pi, ve = vi;

		while (pe < plen && pb[pe] != '/')
			pe++;
		while (ve < s->len && vb[ve] != '/')
			ve++;
		pb[pe] = '\0';
		vb[ve] = '\0';
		if (!component_match(pb + pi, vb + vi))
			return false;
		pi = pe + 1;
		if (pi >= plen)
			return true;
		if (ve >= s->len)
			return false; /* the pattern is longer */
		vi = ve + 1;
	}
}

static bool regex_match(const struct cond_check *k, struct pt_cond_ctx *x, const struct subject *s)
{
	regmatch_t m;
	char *c;

	if (!k->re || !(c = scratch(x, s->s, s->len, 0)))
		return false;
	/* anchored at both ends: the leftmost-longest match is the whole value */
	return regexec(k->re, c, 1, &m, 0) == 0 && m.rm_so == 0 && (size_t)m.rm_eo == s->len;
}

/* s against one value of k. */
static bool match_val(const struct cond_check *k, struct pt_cond_ctx *x, const struct cond_val *v,
		      const struct subject *s)
{
	char *c;
	int r;

	switch (k->op) {
	case OP_EQ:
	case OP_IN:
	case OP_INTERSECTS:
		return equal(k, v, s);
	case OP_NE:
		return !equal(k, v, s);
	case OP_LT:
		return (r = order(k, s)) != 2 && r < 0;
	case OP_LE:
		return (r = order(k, s)) != 2 && r <= 0;
	case OP_GT:
		return (r = order(k, s)) != 2 && r > 0;
	case OP_GE:
		return (r = order(k, s)) != 2 && r >= 0;
	case OP_CONTAINS:
		return v->len == 0 || memmem(s->s, s->len, v->s, v->len);
	case OP_ICONTAINS:
		return casemem(s->s, s->len, v->s, v->len);
	case OP_BCONTAINS:
		return v->nbytes == 0 || memmem(s->s, s->len, v->bytes, v->nbytes);
	case OP_STARTSWITH:
		return has_prefix(s->s, s->len, v->s, v->len);
	case OP_BSTARTSWITH:
		return has_prefix(s->s, s->len, v->bytes, v->nbytes);
	case OP_ENDSWITH:
		return v->len <= s->len && memcmp(s->s + s->len - v->len, v->s, v->len) == 0;
	case OP_GLOB:
	case OP_IGLOB:
		c = scratch(x, s->s, s->len, 0);
		return c && fnmatch(v->s, c, k->op == OP_IGLOB ? FNM_CASEFOLD : 0) == 0;
	case OP_PMATCH:
		return pmatch(x, v, s);
	case OP_REGEX:
		return regex_match(k, x, s);
	default:
		return false;
	}
}

/* s against k: a list matches when one of its values does. */
static bool match(const struct cond_check *k, struct pt_cond_ctx *x, const struct subject *s)
{
	for (size_t i = 0; i < k->nvals; i++)
		if (match_val(k, x, &k->vals[i], s))
			return true;
	return false;
}

/* A scalar value as the check compares it. */
static void subject_of(const struct cond_check *k, const struct pt_value *v, struct subject *s)
{
	int n = -1;

	s->s = v->s ? v->s : "";
	s->len = v->s ? v->len : 0;
	s->has_num = s->has_bool = false;
	switch (v->type) {
	case PT_TYPE_INT:
	case PT_TYPE_TIME:
	case PT_TYPE_DURATION:
		s->has_num = true;
		s->n = num_of_int(v->i);
		if (k->cmp == CMP_STR)
			n = snprintf(s->buf, sizeof(s->buf), "%" PRId64, v->i);
		break;
	case PT_TYPE_UINT:
	case PT_TYPE_EXECS:
		s->has_num = true;
		s->n.neg = false;
		s->n.mag = v->u;
		if (k->cmp == CMP_STR)
			n = snprintf(s->buf, sizeof(s->buf), "%" PRIu64, v->u);
		break;
	case PT_TYPE_BOOL:
		s->has_bool = true;
		s->b = v->b;
		n = snprintf(s->buf, sizeof(s->buf), "%s", v->b ? "true" : "false");
		break;
	default:
		break;
	}
	if (n >= 0) {
		s->s = s->buf;
		s->len = (size_t)n;
	}
}

/* Any element of a list (NUL-separated, NUL-ended) matches. */
static bool match_any(const struct cond_check *k, struct pt_cond_ctx *x, const struct pt_value *v)
{
	const char *p = v->s ? v->s : "", *end = p + (v->s ? v->len : 0);
	struct subject s;

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));

		s.s = p;
		s.len = z ? (size_t)(z - p) : (size_t)(end - p);
		s.has_bool = false;
		s.has_num = k->cmp == CMP_NUM && cond_parse_num(s.s, s.len, &s.n) == 0;
		if (match(k, x, &s))
			return true;
		p += s.len + 1;
	}
	return false;
}

static bool eval_check(const struct cond_check *k, struct pt_cond_ctx *x)
{
	const struct pt_value *v;
	struct pt_value local;
	struct subject s;
	bool used, r;

	if (!k->f.def)
		return false; /* a field proctrail lacks */
	if (k->evtype) {
		unsigned bit;

		if (!x->ev || (unsigned)x->ev->type >= PT_EV_MAX)
			return false;
		bit = PT_EVMASK(x->ev->type);
		return k->op == OP_NE ? !(k->evmask & bit) : !!(k->evmask & bit);
	}
	v = value_of(x, &k->f, &local, &used);
	if (!v->known || v->null)
		r = false;
	else if (k->op == OP_EXISTS)
		r = true;
	else if (v->type == PT_TYPE_ARGS)
		r = match_any(k, x, v);
	else {
		subject_of(k, v, &s);
		r = match(k, x, &s);
	}
	if (used)
		pt_value_free(&local);
	return r;
}

static bool eval_node(const struct cond_node *n, struct pt_cond_ctx *x)
{
	switch (n->kind) {
	case NODE_CHECK:
		return eval_check(n->chk, x);
	case NODE_NOT:
		return !eval_node(n->kids[0], x);
	case NODE_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!eval_node(n->kids[i], x))
				return false;
		return true;
	case NODE_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (eval_node(n->kids[i], x))
				return true;
		return false;
	}
	return false;
}

PT_EXPORT bool pt_cond_eval(const struct pt_cond *c, struct pt_cond_ctx *x)
{
	if (!c || !c->root || !x)
		return false;
	return eval_node(c->root, x);
}

PT_EXPORT bool pt_cond_match(const struct pt_cond *c, const struct pt_monitor *m,
			     const struct pt_proc *p, const struct pt_event *ev)
{
	struct pt_cond_ctx x = {.m = m, .p = p, .ev = ev};
	bool r;

	if (!c || !c->root)
		return false;
	r = eval_node(c->root, &x);
	free(x.tmp);
	return r;
}

/* ---- the text ---- */

static bool bare_ok(const char *s, size_t len, const char *also)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr("()\"',", ch) || strchr(also, ch))
			return false;
	}
	return true;
}

/* "..." that the parser reads back to the same bytes. A backslash is written
 * \x5c: Falco's end-of-string rule would not end "a\\" at its last quote. */
static void text_quoted(struct pt_buf *b, const char *s, size_t len)
{
	static const char esc[] = "\b\f\n\r\t", letter[] = "bfnrt";

	pt_buf_addc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *e = ch ? strchr(esc, ch) : NULL;

		if (e) {
			pt_buf_addc(b, '\\');
			pt_buf_addc(b, letter[e - esc]);
		} else if (ch == '"') {
			pt_buf_adds(b, "\\\"");
		} else if (ch < 0x20 || ch >= 0x7f || ch == '\\') {
			pt_buf_printf(b, "\\x%02x", ch);
		} else {
			pt_buf_addc(b, (char)ch);
		}
	}
	pt_buf_addc(b, '"');
}

static void text_value(struct pt_buf *b, const struct cond_val *v)
{
	if (v->bytes) {
		for (size_t i = 0; i < v->nbytes; i++)
			pt_buf_printf(b, "%02x", (unsigned char)v->bytes[i]);
	} else if (bare_ok(v->s, v->len, "=")) {
		pt_buf_add(b, v->s, v->len);
	} else {
		text_quoted(b, v->s, v->len);
	}
}

static void text_check(struct pt_buf *b, const struct cond_check *k)
{
	pt_buf_adds(b, k->name);
	if (k->arg) {
		pt_buf_addc(b, '[');
		if (bare_ok(k->arg, strlen(k->arg), "[]"))
			pt_buf_adds(b, k->arg);
		else
			text_quoted(b, k->arg, strlen(k->arg));
		pt_buf_addc(b, ']');
	}
	pt_buf_addc(b, ' ');
	pt_buf_adds(b, cond_op_names[k->op]);
	if (k->op == OP_EXISTS)
		return;
	pt_buf_addc(b, ' ');
	if (k->list)
		pt_buf_addc(b, '(');
	for (size_t i = 0; i < k->nvals; i++) {
		if (i)
			pt_buf_adds(b, ", ");
		text_value(b, &k->vals[i]);
	}
	if (k->list)
		pt_buf_addc(b, ')');
}

static void text_node(struct pt_buf *b, const struct cond_node *n)
{
	bool paren;

	switch (n->kind) {
	case NODE_CHECK:
		text_check(b, n->chk);
		return;
	case NODE_NOT:
		paren = n->kids[0]->kind != NODE_CHECK;
		pt_buf_adds(b, paren ? "not (" : "not ");
		text_node(b, n->kids[0]);
		if (paren)
			pt_buf_addc(b, ')');
		return;
	case NODE_AND:
	case NODE_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			const struct cond_node *kid = n->kids[i];

			/* and binds tighter than or: only that needs no parentheses */
			paren = (kid->kind == NODE_AND || kid->kind == NODE_OR) &&
				!(kid->kind == NODE_AND && n->kind == NODE_OR);
			if (i)
				pt_buf_adds(b, n->kind == NODE_AND ? " and " : " or ");
			if (paren)
				pt_buf_addc(b, '(');
			text_node(b, kid);
			if (paren)
				pt_buf_addc(b, ')');
		}
		return;
	}
}

/* ---- the rest of the API ---- */

PT_EXPORT void pt_cond_free(struct pt_cond *c)
{
	if (!c)
		return;
	cond_node_free(c->root);
	for (size_t i = 0; i < c->nmissing; i++)
		free(c->missing[i]);
	free(c->missing);
	free(c);
}

PT_EXPORT const char *pt_cond_missing(const struct pt_cond *c, unsigned i)
{
	return c && i < c->nmissing ? c->missing[i] : NULL;
}

PT_EXPORT unsigned pt_cond_evmask(const struct pt_cond *c)
{
	return c ? c->evmask : PT_EVMASK_ALL;
}

PT_EXPORT char *pt_cond_text(const struct pt_cond *c)
{
	struct pt_buf b;
	char *s;

	if (!c || !c->root) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	text_node(&b, c->root);
	s = pt_buf_steal(&b, NULL);
	if (!s)
		errno = ENOMEM;
	return s;
}
