/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules files (proctrail(1), RULES): Falco's YAML, read with libyaml's
 * document API, into rule, macro and list items. Redefinition, append,
 * override and toggling follow Falco's rule loader (its collector): see
 * ../shared/corpus/falco/NOTES.md. Every diagnostic carries the line and
 * column of the node it is about.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "rules-int.h"

struct ld {
	struct rules *rs;
	const char *file;
	yaml_document_t *doc;
	size_t nstr; /* strings copied: aliases could make a small file copy many */
};

static unsigned node_line(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.line + 1 : 0;
}

static unsigned node_col(const yaml_node_t *n)
{
	return n ? (unsigned)n->start_mark.column + 1 : 0;
}

static yaml_node_t *node(struct ld *l, int i)
{
	return yaml_document_get_node(l->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in a mapping, or NULL. */
static yaml_node_t *get(struct ld *l, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(l, p->key));

		if (k && strcmp(k, key) == 0)
			return node(l, p->value);
	}
	return NULL;
}

/* Is pair p the first of map with its key? */
static bool first_pair(struct ld *l, yaml_node_t *map, yaml_node_pair_t *p)
{
	const char *k = scalar(node(l, p->key));

	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
		const char *k2 = scalar(node(l, q->key));

		if (k && k2 && strcmp(k, k2) == 0)
			return false;
	}
	return true;
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	return !n ||
		(s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		 (!*s || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0));
}

/* Diagnostics about node n (the item's mapping when n is NULL). */
#define ERR(l, n, it, ...) \
	rules_diagf((l)->rs, RULES_ERROR, (l)->file, node_line(n), node_col(n), it, __VA_ARGS__)
#define WARN(l, n, it, ...) \
	rules_diagf((l)->rs, RULES_WARNING, (l)->file, node_line(n), node_col(n), it, __VA_ARGS__)

/* A string value: 0, -EINVAL (reported). A null value is an empty string. */
static int get_str(struct ld *l, yaml_node_t *n, const struct rules_item *it, const char *key,
		   char **out)
{
	const char *s = is_null(n) ? "" : scalar(n);

	if (!s) {
		ERR(l, n, it, "'%s' must be a string", key);
		return -EINVAL;
	}
	free(*out);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int get_bool(struct ld *l, yaml_node_t *n, const struct rules_item *it, const char *key,
		    bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};
	const char *s = scalar(n);

	for (size_t i = 0; s && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	ERR(l, n, it, "'%s' must be true or false", key);
	return -EINVAL;
}

/* A sequence of strings (a null value is an empty one). */
static int get_strv(struct ld *l, yaml_node_t *n, const struct rules_item *it, const char *key,
		    struct rules_strv *out)
{
	yaml_node_item_t *i;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(l, n, it, "'%s' must be a list", key);
		return -EINVAL;
	}
	l->nstr += (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (l->nstr > RULES_LIST_ITEMS_MAX * 10) {
		ERR(l, n, it, "too many strings in one file");
		return -EINVAL;
	}
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *e = node(l, *i);
		const char *s = scalar(e);

		if (!s) {
			ERR(l, e, it, "'%s' must be a list of strings", key);
			return -EINVAL;
		}
		if (rules_strv_push(out, s, strlen(s)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- exceptions ---- */

static int get_val(struct ld *l, yaml_node_t *n, const struct rules_item *it, struct rules_val *out)
{
	const char *s = scalar(n);

	if (s) {
		out->item = strdup(s);
		return out->item ? 0 : -ENOMEM;
	}
	return get_strv(l, n, it, "values", &out->items);
}

static void tuple_free(struct rules_tuple *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].item);
		rules_strv_free(&t->v[i].items);
	}
	free(t->v);
}

void rules_exc_free(struct rules_exc *e)
{
	free(e->name);
	rules_strv_free(&e->fields);
	rules_strv_free(&e->comps);
	for (size_t i = 0; i < e->nvalues; i++)
		tuple_free(&e->values[i]);
	free(e->values);
}

/* values: a list of tuples (fields as a list) or of scalars (one field). */
static int get_values(struct ld *l, yaml_node_t *n, const struct rules_item *it,
		      struct rules_exc *e)
{
	yaml_node_item_t *i;
	size_t cnt;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(l, n, it, "exception '%s': 'values' must be a list", e->name);
		return -EINVAL;
	}
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	e->values = calloc(cnt ? cnt : 1, sizeof(*e->values));
	if (!e->values)
		return -ENOMEM;
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *t = node(l, *i);
		struct rules_tuple *tu = &e->values[e->nvalues++];
		yaml_node_item_t *j;
		size_t k;
		int r;

		if (t->type != YAML_SEQUENCE_NODE) {
			tu->v = calloc(1, sizeof(*tu->v));
			if (!tu->v)
				return -ENOMEM;
			tu->n = 1;
			r = get_val(l, t, it, &tu->v[0]);
			if (r < 0)
				return r;
			continue;
		}
		tu->is_list = true;
		k = (size_t)(t->data.sequence.items.top - t->data.sequence.items.start);
		tu->v = calloc(k ? k : 1, sizeof(*tu->v));
		if (!tu->v)
			return -ENOMEM;
		for (j = t->data.sequence.items.start; j < t->data.sequence.items.top; j++) {
			r = get_val(l, node(l, *j), it, &tu->v[tu->n++]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* fields or comps: a string or a list of strings. */
static int get_names(struct ld *l, yaml_node_t *n, const struct rules_item *it, const char *key,
		     struct rules_strv *out, bool *is_list)
{
	const char *s = scalar(n);

	*is_list = !s;
	if (s)
		return rules_strv_push(out, s, strlen(s));
	return get_strv(l, n, it, key, out);
}

static int check_exc(struct ld *l, yaml_node_t *n, const struct rules_item *it,
		     const struct rules_exc *e)
{
	for (size_t i = 0; i < e->comps.n; i++)
		if (!rules_comp_valid(e->comps.v[i])) {
			ERR(l, n, it, "exception '%s': invalid comparison operator '%s'", e->name,
			    e->comps.v[i]);
			return -EINVAL;
		}
	if (!e->fields.n)
		return 0; /* values appended to an exception: checked against its fields */
	if (!e->fields_list && e->comps.n &&
	    (e->comps.n != 1 || !rules_comp_is_list(e->comps.v[0]))) {
		ERR(l, n, it,
		    "exception '%s': with one field, comps must be in, pmatch or "
		    "intersects",
		    e->name);
		return -EINVAL;
	}
	if (e->fields_list && e->comps.n && e->comps.n != e->fields.n) {
		ERR(l, n, it, "exception '%s': fields and comps lists must have equal length",
		    e->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < e->nvalues; i++) {
		const struct rules_tuple *t = &e->values[i];

		if (e->fields_list && (!t->is_list || t->n != e->fields.n)) {
			ERR(l, n, it,
			    "exception '%s': each value must be a list as long as fields (%zu)",
			    e->name, e->fields.n);
			return -EINVAL;
		}
		if (!e->fields_list && (t->is_list || !t->v[0].item)) {
			ERR(l, n, it, "exception '%s': values must be a list of strings", e->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int get_exception(struct ld *l, yaml_node_t *n, const struct rules_item *it,
			 struct rules_exc *e)
{
	yaml_node_pair_t *p;
	bool dummy;
	int r;

	e->line = node_line(n);
	e->col = node_col(n);
	if (n->type != YAML_MAPPING_NODE) {
		ERR(l, n, it, "an exception must be a mapping");
		return -EINVAL;
	}
	r = get_str(l, get(l, n, "name"), it, "name", &e->name);
	if (r < 0 || !*e->name) {
		if (r == 0)
			ERR(l, n, it, "an exception needs a name");
		return r < 0 ? r : -EINVAL;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(l, p->key));
		yaml_node_t *v = node(l, p->value);

		if (!k)
			WARN(l, node(l, p->key), it, "a key that is not a string is ignored");
		else if (!first_pair(l, n, p))
			WARN(l, node(l, p->key), it,
			     "exception '%s': key '%s' given twice: the "
			     "first counts",
			     e->name, k);
		else if (strcmp(k, "name") == 0)
			r = 0;
		else if (strcmp(k, "fields") == 0)
			r = get_names(l, v, it, "fields", &e->fields, &e->fields_list);
		else if (strcmp(k, "comps") == 0)
			r = get_names(l, v, it, "comps", &e->comps, &dummy);
		else if (strcmp(k, "values") == 0)
			r = get_values(l, v, it, e);
		else
			WARN(l, node(l, p->key), it, "exception '%s': unknown key '%s'", e->name,
			     k);
		if (r < 0)
			return r;
	}
	return check_exc(l, n, it, e);
}

static int get_exceptions(struct ld *l, yaml_node_t *n, struct rules_item *it)
{
	yaml_node_item_t *i;
	size_t cnt;
	int r;

	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(l, n, it, "'exceptions' must be a list");
		return -EINVAL;
	}
	cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	it->exc = calloc(cnt ? cnt : 1, sizeof(*it->exc));
	if (!it->exc)
		return -ENOMEM;
	for (i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		struct rules_exc *e = &it->exc[it->nexc++];

		r = get_exception(l, node(l, *i), it, e);
		if (r < 0)
			return r;
		for (size_t k = 0; k + 1 < it->nexc; k++)
			if (strcmp(it->exc[k].name, e->name) == 0) {
				ERR(l, node(l, *i), it, "exception '%s' defined twice", e->name);
				return -EINVAL;
			}
	}
	return 0;
}

/* ---- items ---- */

enum {
	K_APPENDABLE = 1 << 0, /* override: append */
	K_REPLACEABLE = 1 << 1, /* override: replace */
};

struct key {
	const char *name;
	unsigned ovr; /* what override may do to it */
};

static const struct key list_keys[] = {
	{"list", 0}, {"items", K_APPENDABLE | K_REPLACEABLE}, {"append", 0}, {"override", 0},
	{NULL, 0},
};

static const struct key macro_keys[] = {
	{"macro", 0},  {"condition", K_APPENDABLE | K_REPLACEABLE},
	{"append", 0}, {"override", 0},
	{"source", 0}, {NULL, 0},
};

static const struct key rule_keys[] = {
	{"rule", 0},
	{"condition", K_APPENDABLE | K_REPLACEABLE},
	{"output", K_APPENDABLE | K_REPLACEABLE},
	{"desc", K_APPENDABLE | K_REPLACEABLE},
	{"tags", K_APPENDABLE | K_REPLACEABLE},
	{"exceptions", K_APPENDABLE | K_REPLACEABLE},
	{"priority", K_REPLACEABLE},
	{"enabled", K_REPLACEABLE},
	{"warn_evttypes", K_REPLACEABLE},
	{"skip-if-unknown-filter", K_REPLACEABLE},
	{"capture", K_REPLACEABLE},
	{"capture_duration", K_REPLACEABLE},
	{"source", 0},
	{"append", 0},
	{"override", 0},
	{NULL, 0},
};

static const struct key *find_key(const struct key *keys, const char *k)
{
	for (; keys->name; keys++)
		if (strcmp(keys->name, k) == 0)
			return keys;
	return NULL;
}

/* What the item asks: define, legacy append, override, or toggle (rule: + enabled:). */
struct how {
	bool append; /* append: true */
	yaml_node_t *override;
	bool toggle;
};

/* Keys: unknown ones are warnings, the same one twice too (the first counts). */
static void check_keys(struct ld *l, yaml_node_t *map, const struct key *keys,
		       const struct rules_item *it)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = node(l, p->key);
		const char *k = scalar(kn);

		if (!k) {
			WARN(l, kn, it, "a key that is not a string is ignored");
			continue;
		}
		if (!find_key(keys, k))
			WARN(l, kn, it, "unknown key '%s' ignored", k);
		if (!first_pair(l, map, p))
			WARN(l, kn, it, "key '%s' given twice: the first counts", k);
	}
}

/* override: {key: append|replace}: each key one the item has and may change so. */
static int check_override(struct ld *l, yaml_node_t *map, const struct key *keys, struct how *h,
			  const struct rules_item *it)
{
	yaml_node_pair_t *p;

	if (h->override->type != YAML_MAPPING_NODE) {
		ERR(l, h->override, it,
		    "'override' must be a mapping of keys to append or replace");
		return -EINVAL;
	}
	if (h->append) {
		ERR(l, h->override, it, "'override' and 'append: true' cannot be used together");
		return -EINVAL;
	}
	for (p = h->override->data.mapping.pairs.start; p < h->override->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = node(l, p->key), *vn = node(l, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		const struct key *key = k ? find_key(keys, k) : NULL;
		unsigned want;

		if (!v || (strcmp(v, "append") != 0 && strcmp(v, "replace") != 0)) {
			ERR(l, vn, it, "override of '%s' must be append or replace", k ? k : "?");
			return -EINVAL;
		}
		want = strcmp(v, "append") == 0 ? K_APPENDABLE : K_REPLACEABLE;
		if (!key || !(key->ovr & want)) {
			ERR(l, kn, it, "key '%s' cannot be overridden with %s", k ? k : "?", v);
			return -EINVAL;
		}
		if (!get(l, map, k)) {
			ERR(l, kn, it, "override of '%s' but the item has no '%s'", k, k);
			return -EINVAL;
		}
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(l, p->key));

		const struct key *key = k ? find_key(keys, k) : NULL;

		if (key && key->ovr && !get(l, h->override, k)) {
			ERR(l, node(l, p->key), it,
			    "key '%s' has no corresponding entry under 'override'", k);
			return -EINVAL;
		}
	}
	return 0;
}

static int read_how(struct ld *l, yaml_node_t *map, const struct key *keys, struct how *h,
		    const struct rules_item *it)
{
	yaml_node_t *a = get(l, map, "append");
	int r;

	memset(h, 0, sizeof(*h));
	if (a && !is_null(a)) {
		r = get_bool(l, a, it, "append", &h->append);
		if (r < 0)
			return r;
	}
	h->override = get(l, map, "override");
	if (h->override && is_null(h->override))
		h->override = NULL;
	if (h->override)
		return check_override(l, map, keys, h, it);
	return 0;
}

/* override: {key: append}? (legacy append: true appends every key given) */
static bool ovr_is(struct ld *l, const struct how *h, const char *key, const char *what)
{
	const char *v;

	if (!h->override)
		return h->append && strcmp(what, "append") == 0;
	v = scalar(get(l, h->override, key));
	return v && strcmp(v, what) == 0;
}

static struct rules_item *new_item(struct ld *l, enum rules_kind k, const char *name,
				   yaml_node_t *map)
{
	struct rules_item *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->kind = k;
	it->name = strdup(name);
	if (!it->name) {
		free(it);
		return NULL;
	}
	it->file = l->file;
	it->line = node_line(map);
	it->col = node_col(map);
	it->enabled = true;
	it->prio = -1;
	return it;
}

/* Join: *dst = *dst + " " + add (Falco's append of condition, output, desc). */
static int join(char **dst, const char *add)
{
	size_t a = *dst ? strlen(*dst) : 0, b = strlen(add);
	char *s = realloc(*dst, a + b + 2);

	if (!s)
		return -ENOMEM;
	if (a)
		s[a++] = ' ';
	memcpy(s + a, add, b + 1);
	*dst = s;
	return 0;
}

static int strv_extend(struct rules_strv *dst, const struct rules_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (rules_strv_push(dst, src->v[i], strlen(src->v[i])) < 0)
			return -ENOMEM;
	return 0;
}

static void move_str(char **dst, char **src)
{
	if (!*src)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

/* ---- list, macro ---- */

/* Append (or replace) what it gives to prev: a list's items, a macro's condition. */
static int update_simple(struct ld *l, const struct how *h, struct rules_item *prev,
			 struct rules_item *it)
{
	const char *key = it->kind == RULES_K_LIST ? "items" : "condition";
	bool replace = ovr_is(l, h, key, "replace");

	prev->vis = l->rs->next_id++;
	if (it->kind == RULES_K_LIST) {
		if (!replace)
			return strv_extend(&prev->items, &it->items);
		rules_strv_free(&prev->items);
		prev->items = it->items;
		memset(&it->items, 0, sizeof(it->items));
		return 0;
	}
	if (!replace)
		return join(&prev->cond, it->cond);
	move_str(&prev->cond, &it->cond);
	prev->cond_line = it->cond_line;
	prev->cond_col = it->cond_col;
	return 0;
}

static int load_simple(struct ld *l, yaml_node_t *map, const char *name, enum rules_kind k)
{
	const struct key *keys = k == RULES_K_LIST ? list_keys : macro_keys;
	const char *key = k == RULES_K_LIST ? "items" : "condition";
	struct rules_item *it = new_item(l, k, name, map), *prev;
	yaml_node_t *v = get(l, map, key);
	struct how h;
	int r;

	if (!it)
		return -ENOMEM;
	check_keys(l, map, keys, it);
	r = read_how(l, map, keys, &h, it);
	if (r < 0)
		goto out;
	if (!v) {
		ERR(l, map, it, "%s has no '%s'", rules_kind_name(k), key);
		r = -EINVAL;
		goto out;
	}
	if (k == RULES_K_LIST) {
		r = get_strv(l, v, it, key, &it->items);
	} else {
		r = get_str(l, v, it, key, &it->cond);
		it->cond_line = node_line(v);
		it->cond_col = node_col(v);
	}
	if (r < 0)
		goto out;
	if (!h.append && !h.override)
		return rules_add_item(l->rs, it);
	prev = rules_find(rules_items_of(l->rs, k), name);
	if (prev) {
		r = update_simple(l, &h, prev, it);
	} else {
		ERR(l, map, it,
		    "%s has 'append' or 'override' but no %s by that name is defined before",
		    rules_kind_name(k), rules_kind_name(k));
		r = -EINVAL;
	}
out:
	rules_item_free(it);
	return r;
}

static int load_list(struct ld *l, yaml_node_t *map, const char *name)
{
	return load_simple(l, map, name, RULES_K_LIST);
}

static int load_macro(struct ld *l, yaml_node_t *map, const char *name)
{
	return load_simple(l, map, name, RULES_K_MACRO);
}

/* ---- rule ---- */

/* Read the keys the item gives into it (not rule/append/override). */
static int read_rule_keys(struct ld *l, yaml_node_t *map, struct rules_item *it, bool *have_prio)
{
	/* Falco's other keys: accepted, without meaning here */
	static const char *const bools[] = {"warn_evttypes", "skip-if-unknown-filter", "capture"};
	yaml_node_t *n;
	char *prio = NULL;
	int r = 0;

	*have_prio = false;
	if ((n = get(l, map, "condition"))) {
		r = get_str(l, n, it, "condition", &it->cond);
		it->cond_line = node_line(n);
		it->cond_col = node_col(n);
	}
	if (!r && (n = get(l, map, "output")))
		r = get_str(l, n, it, "output", &it->output);
	if (!r && (n = get(l, map, "desc")))
		r = get_str(l, n, it, "desc", &it->desc);
	if (!r && (n = get(l, map, "source")))
		r = get_str(l, n, it, "source", &it->source);
	if (!r && (n = get(l, map, "tags")))
		r = get_strv(l, n, it, "tags", &it->tags);
	if (!r && (n = get(l, map, "enabled")))
		r = get_bool(l, n, it, "enabled", &it->enabled);
	if (!r && (n = get(l, map, "exceptions")))
		r = get_exceptions(l, n, it);
	if (!r && (n = get(l, map, "priority"))) {
		r = get_str(l, n, it, "priority", &prio);
		if (!r) {
			it->prio = rules_prio_parse(prio);
			*have_prio = true;
			if (it->prio < 0) {
				ERR(l, n, it, "invalid priority '%s'", prio);
				r = -EINVAL;
			}
		}
		free(prio);
	}
	for (size_t i = 0; !r && i < sizeof(bools) / sizeof(bools[0]); i++) {
		bool b;

		if ((n = get(l, map, bools[i])))
			r = get_bool(l, n, it, bools[i], &b);
	}
	return r;
}

/* Add (or append) the exceptions of it to prev's. */
static int append_exceptions(struct ld *l, yaml_node_t *map, struct rules_item *prev,
			     struct rules_item *it)
{
	for (size_t i = 0; i < it->nexc; i++) {
		struct rules_exc *e = &it->exc[i], *pe = NULL, *ne;
		struct rules_tuple *nv;

		for (size_t k = 0; k < prev->nexc; k++)
			if (prev->exc[k].name && strcmp(prev->exc[k].name, e->name) == 0)
				pe = &prev->exc[k];
		if (!pe) {
			if (!e->fields.n) {
				ERR(l, map, it, "exception '%s' is new: it needs fields", e->name);
				return -EINVAL;
			}
			ne = realloc(prev->exc, (prev->nexc + 1) * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			prev->exc = ne;
			prev->exc[prev->nexc++] = *e;
			memset(e, 0, sizeof(*e));
			continue;
		}
		if (e->fields.n || e->comps.n) {
			ERR(l, map, it,
			    "exception '%s' exists: an append can add values, not fields or comps",
			    e->name);
			return -EINVAL;
		}
		/* the values must fit the existing fields */
		e->fields_list = pe->fields_list;
		e->fields = pe->fields;
		if (check_exc(l, map, it, e) < 0) {
			memset(&e->fields, 0, sizeof(e->fields));
			return -EINVAL;
		}
		memset(&e->fields, 0, sizeof(e->fields));
		if (!e->nvalues)
			continue;
		nv = realloc(pe->values, (pe->nvalues + e->nvalues + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		memcpy(nv + pe->nvalues, e->values, e->nvalues * sizeof(*nv));
		pe->values = nv;
		pe->nvalues += e->nvalues;
		e->nvalues = 0;
	}
	return 0;
}

/* Apply an append or override item to the rule it names. */
static int update_rule(struct ld *l, yaml_node_t *map, const struct how *h, struct rules_item *prev,
		       struct rules_item *it, bool have_prio)
{
	static const char *const strs[] = {"condition", "output", "desc"};
	char **dst[] = {&prev->cond, &prev->output, &prev->desc};
	char **src[] = {&it->cond, &it->output, &it->desc};
	int r;

	if (h->append && !it->cond && !it->nexc && !it->output && !it->desc && !it->tags.n) {
		ERR(l, map, it, "an appended rule must have a condition or exceptions");
		return -EINVAL;
	}
	prev->vis = l->rs->next_id++;
	for (size_t i = 0; i < 3; i++) {
		if (!*src[i])
			continue;
		if (ovr_is(l, h, strs[i], "append")) {
			r = join(dst[i], *src[i]);
			if (r < 0)
				return r;
		} else {
			move_str(dst[i], src[i]);
		}
		if (i == 0) {
			prev->cond_line = it->cond_line;
			prev->cond_col = it->cond_col;
		}
	}
	if (get(l, map, "tags")) {
		if (!ovr_is(l, h, "tags", "append"))
			rules_strv_free(&prev->tags);
		r = strv_extend(&prev->tags, &it->tags);
		if (r < 0)
			return r;
	}
	if (get(l, map, "exceptions")) {
		if (ovr_is(l, h, "exceptions", "replace")) {
			for (size_t i = 0; i < prev->nexc; i++)
				rules_exc_free(&prev->exc[i]);
			free(prev->exc);
			prev->exc = it->exc;
			prev->nexc = it->nexc;
			it->exc = NULL;
			it->nexc = 0;
		} else {
			r = append_exceptions(l, map, prev, it);
			if (r < 0)
				return r;
		}
	}
	if (have_prio)
		prev->prio = it->prio;
	if (get(l, map, "enabled"))
		prev->enabled = it->enabled;
	return 0;
}

static bool only_toggle(struct ld *l, yaml_node_t *map)
{
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);

	return n == 2 && get(l, map, "enabled");
}

/* A rule that could not be read stays listed, broken, unless it redefines one. */
static int add_broken(struct ld *l, struct rules_item *it)
{
	size_t n = l->rs->ndiag;

	if (rules_find(rules_items_of(l->rs, RULES_K_RULE), it->name)) {
		rules_item_free(it);
		return 0;
	}
	it->load_error = strdup(n ? l->rs->diag[n - 1].d.msg : "invalid rule");
	if (!it->load_error) {
		rules_item_free(it);
		return -ENOMEM;
	}
	return rules_add_item(l->rs, it);
}

static int load_rule(struct ld *l, yaml_node_t *map, const char *name)
{
	static const char *const need[] = {"condition", "output", "desc", "priority"};
	struct rules_itemv *iv = rules_items_of(l->rs, RULES_K_RULE);
	struct rules_item *it = new_item(l, RULES_K_RULE, name, map), *prev;
	bool have_prio = false, toggle;
	struct how h;
	int r;

	if (!it)
		return -ENOMEM;
	check_keys(l, map, rule_keys, it);
	prev = rules_find(iv, name);
	toggle = only_toggle(l, map);
	r = read_how(l, map, rule_keys, &h, it);
	if (r == 0)
		r = read_rule_keys(l, map, it, &have_prio);
	if (r == -ENOMEM)
		goto out;
	if (r < 0)
		return add_broken(l, it);
	if (toggle || h.append || h.override) {
		if (!prev) {
			ERR(l, map, it,
			    toggle ? "rule has only 'enabled' but no rule by that name is "
				     "defined before"
				   : "rule has 'append' or 'override' but no rule by that name is "
				     "defined before");
			r = -EINVAL;
			goto out;
		}
		r = update_rule(l, map, &h, prev, it, have_prio);
		goto out;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!get(l, map, need[i])) {
			ERR(l, map, it, "rule has no '%s'", need[i]);
			return add_broken(l, it);
		}
	for (size_t i = 0; i < it->nexc; i++)
		if (!it->exc[i].fields.n) {
			ERR(l, map, it, "exception '%s' has no fields", it->exc[i].name);
			return add_broken(l, it);
		}
	return rules_add_item(l->rs, it);
out:
	rules_item_free(it);
	return r;
}

/* ---- top level ---- */

static int load_version(struct ld *l, yaml_node_t *v)
{
	const char *s = scalar(v);
	int cmp, r;

	if (!s) {
		ERR(l, v, NULL, "required_engine_version must be a version (x.y.z)");
		return -EINVAL;
	}
	r = rules_version_cmp(s, RULES_ENGINE_VERSION, &cmp);
	if (r < 0) {
		ERR(l, v, NULL, "required_engine_version '%s' is not a version (x.y.z)", s);
		return r;
	}
	if (cmp > 0) {
		ERR(l, v, NULL, "rules require engine version %s; this is %s", s,
		    RULES_ENGINE_VERSION);
		return -EINVAL;
	}
	return 0;
}

static int load_item(struct ld *l, yaml_node_t *map)
{
	static const struct {
		const char *key;
		int (*fn)(struct ld *l, yaml_node_t *map, const char *name);
	} kinds[] = {
		{"list", load_list},
		{"macro", load_macro},
		{"rule", load_rule},
	};
	yaml_node_t *v;

	if (map->type != YAML_MAPPING_NODE) {
		ERR(l, map, NULL, "each item must be a mapping (rule, macro or list)");
		return -EINVAL;
	}
	if ((v = get(l, map, "required_engine_version")))
		return load_version(l, v);
	if (get(l, map, "required_plugin_versions"))
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name;

		v = get(l, map, kinds[i].key);
		if (!v)
			continue;
		name = scalar(v);
		if (!name || !*name) {
			ERR(l, v, NULL, "the %s's name must be a non-empty string", kinds[i].key);
			return -EINVAL;
		}
		return kinds[i].fn(l, map, name);
	}
	WARN(l, map, NULL, "unknown top-level item ignored");
	return 0;
}

static int load_doc(struct ld *l)
{
	yaml_node_t *root = yaml_document_get_root_node(l->doc);
	yaml_node_item_t *i;
	int r;

	if (is_null(root))
		return 0;
	if (root->type != YAML_SEQUENCE_NODE) {
		ERR(l, root, NULL, "a rules file is a list of items (rule, macro, list)");
		return -EINVAL;
	}
	for (i = root->data.sequence.items.start; i < root->data.sequence.items.top; i++) {
		r = load_item(l, node(l, *i));
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

/*
 * libyaml's parser takes time quadratic in the nesting depth (a file of
 * 200000 '[' takes minutes): a first pass over the events stops at
 * RULES_YAML_DEPTH, far deeper than any rules file goes. Syntax errors are
 * left to the real load, which says where.
 */
static int check_depth(struct rules *rs, const char *file, const char *yaml, size_t len)
{
	yaml_parser_t p;
	yaml_event_t e;
	int depth = 0, r = 0;
	bool end;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	while (yaml_parser_parse(&p, &e)) {
		end = e.type == YAML_STREAM_END_EVENT;
		if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (depth > RULES_YAML_DEPTH) {
			rules_diagf(rs, RULES_ERROR, file, (unsigned)e.start_mark.line + 1,
				    (unsigned)e.start_mark.column + 1, NULL,
				    "YAML nested more than %d deep", RULES_YAML_DEPTH);
			r = -EINVAL;
			end = true;
		}
		yaml_event_delete(&e);
		if (end)
			break;
	}
	if (p.error == YAML_MEMORY_ERROR)
		r = -ENOMEM;
	yaml_parser_delete(&p);
	return r;
}

int rules_parse_yaml(struct rules *rs, const char *file, const char *yaml, size_t len)
{
	struct ld l = {.rs = rs, .file = file};
	yaml_parser_t p;
	yaml_document_t doc;
	int r = 0;

	r = check_depth(rs, file, yaml, len);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	l.doc = &doc;
	for (;;) {
		if (!yaml_parser_load(&p, &doc)) {
			if (p.error == YAML_MEMORY_ERROR) {
				r = -ENOMEM;
				break;
			}
			rules_diagf(rs, RULES_ERROR, file, (unsigned)p.problem_mark.line + 1,
				    (unsigned)p.problem_mark.column + 1, NULL, "YAML: %s%s%s",
				    p.problem ? p.problem : "syntax error", p.context ? " " : "",
				    p.context ? p.context : "");
			r = -EINVAL;
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		r = load_doc(&l);
		yaml_document_delete(&doc);
		if (r == -ENOMEM)
			break;
		r = 0;
	}
	yaml_parser_delete(&p);
	return r;
}
