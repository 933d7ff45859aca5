/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How loaded rules are evaluated fast. A condition `A and B and C` (its
 * parenthesised parts and its macros looked into) is cut at its top-level
 * `and`s into conjuncts, each parsed on its own: a conjunct many rules share
 * (spawned_process, container...) is evaluated once per event. A conjunct
 * `proc.name = X` or `proc.name in (X, Y)` makes the rule wait for those
 * names: an exec runs the rules keyed by its proc.name and the rules with no
 * key, in load order, and no other. The plan is an optimisation only: when a
 * cut part does not parse, the rule is evaluated whole.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules-int.h"

#define PLAN_DEPTH 8 /* parentheses and macros looked into */
#define PLAN_PARTS 64 /* conjuncts of one rule */

struct rules_conj {
	char *text;
	struct pt_cond *c;
	uint64_t gen; /* the event it was evaluated for */
	bool val;
};

struct span {
	const char *s;
	size_t n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\b';
}

static struct span trim(struct span p)
{
	while (p.n && blank(p.s[0])) {
		p.s++;
		p.n--;
	}
	while (p.n && blank(p.s[p.n - 1]))
		p.n--;
	return p;
}

/* The end of the quoted string at s[i] (Falco's rule: the first delimiter whose
 * previous raw character is not a backslash), or n when it does not end. */
static size_t quote_end(const char *s, size_t i, size_t n)
{
	for (size_t j = i + 1; j < n; j++)
		if (s[j] == s[i] && s[j - 1] != '\\')
			return j;
	return n;
}

static bool word_at(struct span p, size_t i, const char *w)
{
	size_t l = strlen(w);

	if (i + l > p.n || memcmp(p.s + i, w, l) != 0)
		return false;
	if (i > 0 && !blank(p.s[i - 1]) && p.s[i - 1] != ')')
		return false;
	return i + l == p.n || blank(p.s[i + l]) || p.s[i + l] == '(';
}

/* Cut p at its top-level `word`s (and, or) into out (at most max); 0 parts on
 * unbalanced parentheses or an unended string, and when cutting at and, on a
 * top-level or. */
static size_t cut_at(struct span p, const char *word, struct span *out, size_t max)
{
	size_t depth = 0, start = 0, n = 0, wl = strlen(word);
	bool ands = strcmp(word, "and") == 0;

	for (size_t i = 0; i < p.n; i++) {
		char c = p.s[i];

		if (c == '"' || c == '\'') {
			i = quote_end(p.s, i, p.n);
			if (i >= p.n)
				return 0;
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (!depth--)
				return 0;
		} else if (!depth && ands && word_at(p, i, "or")) {
			return 0;
		} else if (!depth && word_at(p, i, word)) {
			if (n + 1 >= max)
				return 0;
			out[n++] = trim((struct span){p.s + start, i - start});
			start = i + wl;
			i += wl - 1;
		}
	}
	if (depth)
		return 0;
	out[n++] = trim((struct span){p.s + start, p.n - start});
	return n;
}

/* (X) whose parentheses enclose all of it: X; else p. */
static struct span unwrap(struct span p)
{
	size_t depth = 0;

	if (p.n < 2 || p.s[0] != '(' || p.s[p.n - 1] != ')')
		return p;
	for (size_t i = 0; i < p.n; i++) {
		if (p.s[i] == '"' || p.s[i] == '\'') {
			i = quote_end(p.s, i, p.n);
			if (i >= p.n)
				return p;
		} else if (p.s[i] == '(') {
			depth++;
		} else if (p.s[i] == ')' && --depth == 0 && i != p.n - 1) {
			return p;
		}
	}
	return trim((struct span){p.s + 1, p.n - 2});
}

static bool is_ident(struct span p)
{
	if (!p.n || !((p.s[0] >= 'a' && p.s[0] <= 'z') || (p.s[0] >= 'A' && p.s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < p.n; i++) {
		char c = p.s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* The text of macro p names, lists substituted (malloc'd), or NULL. */
static char *macro_text(struct rules *rs, struct span p)
{
	const struct rules_item *m;
	char name[128], *text;

	if (!is_ident(p) || p.n >= sizeof(name))
		return NULL;
	memcpy(name, p.s, p.n);
	name[p.n] = '\0';
	m = rules_find(&rs->macros, name);
	if (!m || m->mstate != 2 || rules_subst_lists(rs, m->cond, &text) < 0)
		return NULL;
	return text;
}

struct cutter {
	struct rules *rs;
	struct rules_strv parts;
	struct rules_strv owned; /* macro texts with lists substituted */
	bool fail;
};

/* The conjuncts of p into c->parts, looking into parentheses and macros. */
static void cut(struct cutter *c, struct span p, unsigned depth)
{
	struct span parts[PLAN_PARTS];
	char *text;
	size_t n;

	p = trim(p);
	text = depth < PLAN_DEPTH ? macro_text(c->rs, p) : NULL;
	if (text) {
		if (rules_strv_push(&c->owned, text, strlen(text)) < 0)
			c->fail = true;
		free(text);
		if (!c->fail) {
			text = c->owned.v[c->owned.n - 1];
			cut(c, (struct span){text, strlen(text)}, depth + 1);
		}
		return;
	}
	n = depth < PLAN_DEPTH ? cut_at(unwrap(p), "and", parts, PLAN_PARTS) : 0;
	if (n > 1 || (n == 1 && parts[0].n != p.n)) {
		for (size_t i = 0; i < n && !c->fail; i++)
			cut(c, parts[i], depth + 1);
		return;
	}
	if (c->parts.n >= PLAN_PARTS || rules_strv_push(&c->parts, p.s, p.n) < 0)
		c->fail = true;
}

/* ---- the conjuncts ---- */

static const struct pt_cond *plan_macro(const char *name, void *data)
{
	const struct rules_item *m = rules_find(&((struct rules *)data)->macros, name);

	return m && m->mstate == 2 ? m->c : NULL;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The conjunct of this text, parsed once: its index, or -1. */
static long conj_get(struct rules *rs, const char *text)
{
	struct rules_plan *pl = &rs->plan;
	struct rules_conj *cj;
	size_t slot;

	if (pl->nconj * 2 >= pl->hcap) {
		size_t cap = pl->hcap ? pl->hcap * 2 : 256;
		long *h = malloc(cap * sizeof(*h));

		if (!h)
			return -1;
		for (size_t i = 0; i < cap; i++)
			h[i] = -1;
		for (size_t i = 0; i < pl->nconj; i++) {
			slot = hash(pl->conj[i].text) & (cap - 1);
			while (h[slot] >= 0)
				slot = (slot + 1) & (cap - 1);
			h[slot] = (long)i;
		}
		free(pl->hash);
		pl->hash = h;
		pl->hcap = cap;
	}
	slot = hash(text) & (pl->hcap - 1);
	for (; pl->hash[slot] >= 0; slot = (slot + 1) & (pl->hcap - 1))
		if (strcmp(pl->conj[pl->hash[slot]].text, text) == 0)
			return pl->hash[slot];
	if (pl->nconj == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;

		cj = realloc(pl->conj, cap * sizeof(*cj));
		if (!cj)
			return -1;
		pl->conj = cj;
		pl->cap = cap;
	}
	cj = &pl->conj[pl->nconj];
	memset(cj, 0, sizeof(*cj));
	if (pt_cond_parse(text, PT_COND_LAX, plan_macro, rs, &cj->c, NULL) < 0)
		return -1;
	cj->text = strdup(text);
	if (!cj->text) {
		pt_cond_free(cj->c);
		return -1;
	}
	pl->hash[slot] = (long)pl->nconj;
	return (long)pl->nconj++;
}

/* ---- proc.name keys ---- */

/* `proc.name = V`, `proc.name == V` or `proc.name in (V, ...)` with plain
 * values: the values into keys. */
static bool name_keys(const char *t, struct rules_strv *keys)
{
	static const char field[] = "proc.name";
	const char *s = t + sizeof(field) - 1;
	bool list;

	if (strncmp(t, field, sizeof(field) - 1) != 0)
		return false;
	while (blank(*s))
		s++;
	if (s[0] == '=' && s[1] == '=')
		s += 2;
	else if (s[0] == '=')
		s++;
	else if (strncmp(s, "in", 2) == 0)
		s += 2;
	else
		return false;
	list = s[-1] == 'n';
	while (blank(*s))
		s++;
	if (list && *s++ != '(')
		return false;
	for (;;) {
		const char *v;
		size_t n;

		while (blank(*s))
			s++;
		if (*s == '"' || *s == '\'') {
			char q = *s++;

			v = s;
			while (*s && *s != q && *s != '\\')
				s++;
			if (*s != q)
				return false;
			n = (size_t)(s++ - v);
		} else {
			v = s;
			while (*s && !blank(*s) && !strchr("()\"',=\\", *s))
				s++;
			n = (size_t)(s - v);
			if (!n)
				return false;
		}
		if (rules_strv_push(keys, v, n) < 0)
			return false;
		while (blank(*s))
			s++;
		if (!list)
			return *s == '\0';
		if (*s == ')')
			return s[1] == '\0';
		if (*s++ != ',')
			return false;
	}
}

/* Move the strings of src to the end of dst. */
static bool strv_move(struct rules_strv *dst, struct rules_strv *src)
{
	bool ok = true;

	for (size_t i = 0; ok && i < src->n; i++)
		ok = rules_strv_push(dst, src->v[i], strlen(src->v[i])) == 0;
	rules_strv_free(src);
	return ok;
}

static bool need_keys(struct rules *rs, struct span p, unsigned depth, struct rules_strv *keys);

/* An or: every part has keys (their union); an and: one part has keys. */
static bool need_keys_of(struct rules *rs, struct span *parts, size_t n, bool all, unsigned depth,
			 struct rules_strv *keys)
{
	struct rules_strv mine = {0};
	bool ok = all;

	for (size_t i = 0; i < n && ok == all; i++)
		ok = need_keys(rs, parts[i], depth + 1, &mine);
	if (!ok) {
		rules_strv_free(&mine);
		return false;
	}
	return strv_move(keys, &mine);
}

/*
 * The proc.name values without one of which p cannot be true, appended to
 * keys: an or of parts that each have keys (their union), an and with a part
 * that has keys, `proc.name = V`, `proc.name in (V...)`, in parentheses or
 * macros. False, keys unchanged, when p has none.
 */
static bool need_keys(struct rules *rs, struct span p, unsigned depth, struct rules_strv *keys)
{
	struct span parts[PLAN_PARTS];
	struct rules_strv mine = {0};
	char *text;
	size_t n;
	bool ok;

	p = trim(p);
	if (depth >= PLAN_DEPTH || !p.n)
		return false;
	text = macro_text(rs, p);
	if (text) {
		ok = need_keys(rs, (struct span){text, strlen(text)}, depth + 1, keys);
		free(text);
		return ok;
	}
	p = unwrap(p);
	n = cut_at(p, "or", parts, PLAN_PARTS);
	if (n > 1)
		return need_keys_of(rs, parts, n, true, depth, keys);
	n = cut_at(p, "and", parts, PLAN_PARTS);
	if (n > 1)
		return need_keys_of(rs, parts, n, false, depth, keys);
	text = strndup(p.s, p.n);
	ok = text && name_keys(text, &mine);
	free(text);
	if (!ok) {
		rules_strv_free(&mine);
		return false;
	}
	return strv_move(keys, &mine);
}

/* ---- building ---- */

struct rules_key {
	const char *name;
	size_t rule; /* index in run[] */
};

static int key_cmp(const void *a, const void *b)
{
	const struct rules_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

void rules_plan_free(struct rules *rs)
{
	struct rules_plan *pl = &rs->plan;

	for (size_t i = 0; i < pl->nconj; i++) {
		pt_cond_free(pl->conj[i].c);
		free(pl->conj[i].text);
	}
	free(pl->conj);
	free(pl->hash);
	for (size_t i = 0; i < pl->nrules; i++) {
		rules_strv_free(&pl->rules[i].keys);
		free(pl->rules[i].cj);
	}
	free(pl->rules);
	free(pl->keys);
	free(pl->always);
	free(pl->cand);
	memset(pl, 0, sizeof(*pl));
}

/* The plan of one rule: its conjuncts (none: evaluate it whole) and its keys. */
static int plan_rule(struct rules *rs, const struct rules_item *r, struct rules_plan_rule *pr)
{
	struct cutter c = {.rs = rs};
	char *text = rules_rule_text(r), *full = NULL;
	int ret = 0;

	if (!text)
		return -ENOMEM;
	if (rules_subst_lists(rs, text, &full) == 0)
		cut(&c, (struct span){full, strlen(full)}, 0);
	else
		c.fail = true;
	free(text);
	free(full);
	pr->ncj = 0;
	pr->cj = calloc(c.parts.n ? c.parts.n : 1, sizeof(*pr->cj));
	if (!pr->cj)
		c.fail = true;
	for (size_t i = 0; !c.fail && i < c.parts.n; i++) {
		long k = conj_get(rs, c.parts.v[i]);

		if (k < 0) {
			c.fail = true;
			break;
		}
		pr->cj[pr->ncj++] = (size_t)k;
		if (!pr->keys.n)
			need_keys(rs, (struct span){c.parts.v[i], strlen(c.parts.v[i])}, 0,
				  &pr->keys);
	}
	if (c.fail) {
		pr->ncj = 0;
		rules_strv_free(&pr->keys);
	}
	rules_strv_free(&c.parts);
	rules_strv_free(&c.owned);
	return ret;
}

int rules_plan_build(struct rules *rs)
{
	struct rules_plan *pl = &rs->plan;
	size_t nkeys = 0;
	int r;

	rules_plan_free(rs);
	pl->rules = calloc(rs->nrun ? rs->nrun : 1, sizeof(*pl->rules));
	pl->always = calloc(rs->nrun ? rs->nrun : 1, sizeof(*pl->always));
	pl->cand = calloc(rs->nrun ? rs->nrun : 1, sizeof(*pl->cand));
	if (!pl->rules || !pl->always || !pl->cand)
		return -ENOMEM;
	pl->nrules = rs->nrun;
	for (size_t i = 0; i < rs->nrun; i++) {
		r = plan_rule(rs, rs->run[i], &pl->rules[i]);
		if (r < 0)
			return r;
		nkeys += pl->rules[i].keys.n;
		if (!pl->rules[i].keys.n)
			pl->always[pl->nalways++] = i;
	}
	pl->keys = calloc(nkeys ? nkeys : 1, sizeof(*pl->keys));
	if (!pl->keys)
		return -ENOMEM;
	for (size_t i = 0; i < rs->nrun; i++)
		for (size_t k = 0; k < pl->rules[i].keys.n; k++)
			pl->keys[pl->nkeys++] = (struct rules_key){pl->rules[i].keys.v[k], i};
	qsort(pl->keys, pl->nkeys, sizeof(*pl->keys), key_cmp);
	return 0;
}

/* ---- evaluating ---- */

static bool eval_rule(struct rules *rs, size_t i)
{
	struct rules_plan *pl = &rs->plan;
	const struct rules_plan_rule *pr = &pl->rules[i];

	if (!pr->ncj)
		return pt_cond_eval(rs->run[i]->c, rs->ctx);
	for (size_t k = 0; k < pr->ncj; k++) {
		struct rules_conj *cj = &pl->conj[pr->cj[k]];

		if (cj->gen != pl->gen) {
			cj->val = pt_cond_eval(cj->c, rs->ctx);
			cj->gen = pl->gen;
		}
		if (!cj->val)
			return false;
	}
	return true;
}

/* The rules keyed by name, merged with those without a key, in load order. */
static size_t candidates(struct rules *rs, const char *name, size_t len)
{
	struct rules_plan *pl = &rs->plan;
	size_t lo = 0, hi = pl->nkeys, a = 0, n = 0, last = SIZE_MAX;

	while (name && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(pl->keys[mid].name, name, len);

		if (c == 0 && pl->keys[mid].name[len])
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; name || a < pl->nalways;) {
		bool kk = name && k < pl->nkeys && strncmp(pl->keys[k].name, name, len) == 0 &&
			!pl->keys[k].name[len];
		size_t pick;

		if (!kk && a >= pl->nalways)
			break;
		if (kk && (a >= pl->nalways || pl->keys[k].rule < pl->always[a]))
			pick = pl->keys[k++].rule;
		else
			pick = pl->always[a++];
		if (pick != last)
			pl->cand[n++] = last = pick;
	}
	return n;
}

size_t rules_plan_run(struct rules *rs, const struct pt_monitor *m, const struct pt_event *ev,
		      size_t **out)
{
	struct rules_plan *pl = &rs->plan;
	struct pt_value v = {0};
	size_t n, hits = 0;
	bool named;

	pl->gen++;
	named = pt_field_value(&rs->f_name, m, ev->proc, ev, &v) == 0 && v.known && !v.null &&
		v.s && !memchr(v.s, '\0', v.len);
	n = candidates(rs, named ? v.s : NULL, named ? v.len : 0);
	pt_value_free(&v);
	for (size_t i = 0; i < n; i++)
		if (eval_rule(rs, pl->cand[i]))
			pl->cand[hits++] = pl->cand[i];
	*out = pl->cand;
	return hits;
}
