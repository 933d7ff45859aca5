/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules (rules.h): the rule set, compiling (lists, macros, exceptions: Falco's
 * order, see ../shared/corpus/falco/NOTES.md) and matching execs.
 *
 * Compiling a rule: its exceptions are appended to its condition text, every
 * list is substituted into the text, and the text is parsed by pt_cond with
 * PT_COND_LAX, macros coming from a callback that compiles them on first use
 * (a macro sees the macros defined before it, a rule sees all). What the
 * condition needs that proctrail lacks (pt_cond_missing) skips the rule.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules-int.h"

/* ---- strings ---- */

static int sb_grow(struct rules_sb *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (n < b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 4 - b->len) {
		b->oom = true;
		return -ENOMEM;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void rules_sb_add(struct rules_sb *b, const char *s, size_t n)
{
	if (!n && b->p)
		return;
	if (sb_grow(b, n) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rules_sb_adds(struct rules_sb *b, const char *s)
{
	rules_sb_add(b, s, strlen(s));
}

void rules_sb_printf(struct rules_sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The library's JSON string writer, through a string value. */
void rules_sb_json(struct rules_sb *b, const char *s, size_t n)
{
	struct pt_value v = {.type = PT_TYPE_STR, .known = true, .s = s, .len = n};
	size_t len;
	char *j = pt_value_json(&v, NULL, &len);

	if (!j) {
		b->oom = true;
		return;
	}
	rules_sb_add(b, j, len);
	free(j);
}

void rules_sb_free(struct rules_sb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int rules_strv_push(struct rules_strv *sv, const char *s, size_t n)
{
	char *c;

	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	c = strndup(s, n);
	if (!c)
		return -ENOMEM;
	sv->v[sv->n++] = c;
	return 0;
}

void rules_strv_free(struct rules_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* ---- names ---- */

const char *const rules_prio_names[RULES_NPRIO] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

int rules_prio_parse(const char *s)
{
	for (int i = 0; i < RULES_NPRIO; i++)
		if (strcasecmp(s, rules_prio_names[i]) == 0)
			return i;
	if (strcasecmp(s, "info") == 0)
		return 6;
	return -1;
}

const char *rules_kind_name(enum rules_kind k)
{
	return k == RULES_K_LIST ? "list" : k == RULES_K_MACRO ? "macro" : "rule";
}

const char *rules_state_name(enum rules_state s)
{
	static const char *const n[] = {"loaded", "disabled", "skipped", "broken"};

	return (unsigned)s < 4 ? n[s] : "?";
}

static bool parse_num(const char **s, unsigned long *out)
{
	char *end;

	if (**s < '0' || **s > '9')
		return false;
	errno = 0;
	*out = strtoul(*s, &end, 10);
	if (errno)
		return false;
	*s = end;
	return true;
}

/* "X.Y.Z" (a pre-release or build suffix after - or + is ignored), or "N" = 0.N.0. */
static int parse_version(const char *s, unsigned long v[3])
{
	if (!parse_num(&s, &v[0]))
		return -EINVAL;
	if (!*s) {
		v[1] = v[0];
		v[0] = v[2] = 0;
		return 0;
	}
	for (int i = 1; i < 3; i++)
		if (*s++ != '.' || !parse_num(&s, &v[i]))
			return -EINVAL;
	return *s == '\0' || *s == '-' || *s == '+' ? 0 : -EINVAL;
}

int rules_version_cmp(const char *v, const char *engine, int *cmp)
{
	unsigned long a[3], b[3];

	if (parse_version(v, a) < 0 || parse_version(engine, b) < 0)
		return -EINVAL;
	*cmp = 0;
	for (int i = 0; i < 3 && !*cmp; i++)
		*cmp = a[i] < b[i] ? -1 : a[i] > b[i];
	return 0;
}

static const char *const comps[] = {
	"=",	    "==",	 "!=",	       "<",	     ">",	    "<=",	">=",
	"contains", "icontains", "bcontains",  "startswith", "bstartswith", "endswith", "glob",
	"iglob",    "in",	 "intersects", "pmatch",     "regex",
};

bool rules_comp_valid(const char *op)
{
	for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++)
		if (strcmp(op, comps[i]) == 0)
			return true;
	return false;
}

bool rules_comp_is_list(const char *op)
{
	return strcmp(op, "in") == 0 || strcmp(op, "intersects") == 0 || strcmp(op, "pmatch") == 0;
}

/* ---- diagnostics ---- */

const char *rules_intern_file(struct rules *rs, const char *name)
{
	for (size_t i = 0; i < rs->files.n; i++)
		if (strcmp(rs->files.v[i], name) == 0)
			return rs->files.v[i];
	if (rules_strv_push(&rs->files, name, strlen(name)) < 0)
		return NULL;
	return rs->files.v[rs->files.n - 1];
}

/* s with its control bytes written as \n, \t or \xHH: a message quotes names and
 * values from the file, and stays one line. s is freed; NULL when out of memory. */
static char *one_line(char *s)
{
	size_t n = 0;
	char *o, *q;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		n += *c < 0x20 || *c == 0x7f ? 4 : 1;
	if (n == strlen(s))
		return s;
	o = malloc(n + 1);
	if (!o) {
		free(s);
		return NULL;
	}
	q = o;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '\n' || *c == '\t') {
			*q++ = '\\';
			*q++ = *c == '\n' ? 'n' : 't';
		} else if (*c < 0x20 || *c == 0x7f) {
			q += sprintf(q, "\\x%02x", *c);
		} else {
			*q++ = (char)*c;
		}
	}
	*q = '\0';
	free(s);
	return o;
}

void rules_diagf(struct rules *rs, enum rules_level level, const char *file, unsigned line,
		 unsigned col, const struct rules_item *it, const char *fmt, ...)
{
	struct rules_diag_own *d;
	va_list ap;
	int r;

	if (rs->ndiag == rs->diag_cap) {
		size_t cap = rs->diag_cap ? rs->diag_cap * 2 : 16;

		d = realloc(rs->diag, cap * sizeof(*d));
		if (!d)
			return;
		rs->diag = d;
		rs->diag_cap = cap;
	}
	d = &rs->diag[rs->ndiag];
	memset(d, 0, sizeof(*d));
	va_start(ap, fmt);
	r = vasprintf(&d->msg, fmt, ap);
	va_end(ap);
	if (r < 0 || !(d->msg = one_line(d->msg)))
		return;
	if (it &&
	    (asprintf(&d->item, "%s: %s", rules_kind_name(it->kind), it->name) < 0 ||
	     !(d->item = one_line(d->item)))) {
		free(d->msg);
		return;
	}
	d->d.level = level;
	d->d.file = file;
	d->d.line = line;
	d->d.col = col;
	d->d.item = d->item;
	d->d.msg = d->msg;
	rs->ndiag++;
}

static size_t count_errors(const struct rules *rs, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < rs->ndiag; i++)
		n += rs->diag[i].d.level == RULES_ERROR;
	return n;
}

static void diag_truncate(struct rules *rs, size_t n)
{
	while (rs->ndiag > n) {
		rs->ndiag--;
		free(rs->diag[rs->ndiag].item);
		free(rs->diag[rs->ndiag].msg);
	}
}

/* ---- items ---- */

struct rules_itemv *rules_items_of(struct rules *rs, enum rules_kind k)
{
	return k == RULES_K_LIST ? &rs->lists : k == RULES_K_MACRO ? &rs->macros : &rs->rules;
}

struct rules_item *rules_find(const struct rules_itemv *iv, const char *name)
{
	for (size_t i = 0; i < iv->n; i++)
		if (strcmp(iv->v[i]->name, name) == 0)
			return iv->v[i];
	return NULL;
}

static void item_uncompile(struct rules_item *it)
{
	pt_cond_free(it->c);
	it->c = NULL;
	free(it->why);
	it->why = NULL;
	rules_out_free(it->out);
	it->out = NULL;
	rules_strv_free(&it->expanded);
	it->mstate = 0;
	it->state = RULES_LOADED;
}

void rules_item_free(struct rules_item *it)
{
	if (!it)
		return;
	item_uncompile(it);
	free(it->name);
	rules_strv_free(&it->items);
	free(it->cond);
	free(it->desc);
	free(it->output);
	free(it->source);
	rules_strv_free(&it->tags);
	for (size_t i = 0; i < it->nexc; i++)
		rules_exc_free(&it->exc[i]);
	free(it->exc);
	free(it->load_error);
	free(it);
}

/* Add an item, or replace the one of the same name in its place (Falco's redefinition). */
int rules_add_item(struct rules *rs, struct rules_item *it)
{
	struct rules_itemv *iv = rules_items_of(rs, it->kind);

	it->vis = rs->next_id++;
	for (size_t i = 0; i < iv->n; i++)
		if (strcmp(iv->v[i]->name, it->name) == 0) {
			it->index = iv->v[i]->index;
			rules_item_free(iv->v[i]);
			iv->v[i] = it;
			return 0;
		}
	if (iv->n == iv->cap) {
		size_t cap = iv->cap ? iv->cap * 2 : 16;
		struct rules_item **v = realloc(iv->v, cap * sizeof(*v));

		if (!v) {
			rules_item_free(it);
			return -ENOMEM;
		}
		iv->v = v;
		iv->cap = cap;
	}
	it->index = it->vis;
	iv->v[iv->n++] = it;
	rs->compiled = false;
	return 0;
}

static void itemv_free(struct rules_itemv *iv)
{
	for (size_t i = 0; i < iv->n; i++)
		rules_item_free(iv->v[i]);
	free(iv->v);
}

/* ---- the set ---- */

struct rules *rules_new(void)
{
	struct rules *rs = calloc(1, sizeof(*rs));
	char host[256];

	if (!rs)
		return NULL;
	if (gethostname(host, sizeof(host)) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	rs->hostname = strdup(host);
	if (!rs->hostname || pt_field_lookup("proc.key", &rs->f_key) < 0 ||
	    pt_field_lookup("evt.execveat", &rs->f_execveat) < 0 ||
	    pt_field_lookup("proc.name", &rs->f_name) < 0) {
		free(rs->hostname);
		free(rs);
		errno = ENOMEM;
		return NULL;
	}
	tzset();
	return rs;
}

void rules_free(struct rules *rs)
{
	if (!rs)
		return;
	itemv_free(&rs->lists);
	itemv_free(&rs->macros);
	itemv_free(&rs->rules);
	rules_strv_free(&rs->files);
	diag_truncate(rs, 0);
	free(rs->diag);
	free(rs->hostname);
	pt_cond_ctx_free(rs->ctx);
	rules_plan_free(rs);
	free(rs->run);
	rules_sb_free(&rs->out_buf);
	rules_sb_free(&rs->json_buf);
	rules_sb_free(&rs->val_buf);
	rules_sb_free(&rs->fld_buf);
	free(rs);
}

int rules_set_hostname(struct rules *rs, const char *host)
{
	char *h;

	if (!rs || !host)
		return -EINVAL;
	h = strdup(host);
	if (!h)
		return -ENOMEM;
	free(rs->hostname);
	rs->hostname = h;
	return 0;
}

/* ---- loading ---- */

int rules_load_string(struct rules *rs, const char *name, const char *yaml, size_t len)
{
	size_t before;
	const char *file;
	int r;

	if (!rs || !name || (!yaml && len))
		return -EINVAL;
	file = rules_intern_file(rs, name);
	if (!file)
		return -ENOMEM;
	/* diagnostics of an earlier compile go: it is redone after this */
	if (rs->ndiag > rs->ndiag_load)
		diag_truncate(rs, rs->ndiag_load);
	before = rs->ndiag;
	rs->compiled = false;
	r = rules_parse_yaml(rs, file, yaml ? yaml : "", len);
	rs->ndiag_load = rs->ndiag;
	if (r < 0 && r != -EINVAL)
		return r;
	return count_errors(rs, before) ? -EINVAL : 0;
}

static int read_all(int fd, char **out, size_t *len)
{
	struct rules_sb b = {0};
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rules_sb_free(&b);
			return -errno;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > RULES_FILE_MAX) {
			rules_sb_free(&b);
			return -EFBIG;
		}
		rules_sb_add(&b, buf, (size_t)n);
		if (b.oom) {
			rules_sb_free(&b);
			return -ENOMEM;
		}
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* A diagnostic about a path as a whole, among the load's. */
static int path_diag(struct rules *rs, enum rules_level level, const char *path, const char *msg)
{
	const char *file = rules_intern_file(rs, path);

	if (!file)
		return -ENOMEM;
	if (rs->ndiag > rs->ndiag_load)
		diag_truncate(rs, rs->ndiag_load);
	rules_diagf(rs, level, file, 0, 0, NULL, "%s", msg);
	rs->ndiag_load = rs->ndiag;
	return 0;
}

static int load_error(struct rules *rs, const char *path, int err)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "cannot read: %s", strerror(-err));
	return path_diag(rs, RULES_ERROR, path, msg) < 0 ? -ENOMEM : err;
}

static void load_warning(struct rules *rs, const char *path, const char *msg)
{
	path_diag(rs, RULES_WARNING, path, msg);
}

static int load_file(struct rules *rs, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return load_error(rs, path, -errno);
	r = read_all(fd, &text, &len);
	close(fd);
	if (r < 0)
		return load_error(rs, path, r);
	r = rules_load_string(rs, path, text, len);
	free(text);
	return r;
}

static bool is_yaml_name(const char *n)
{
	size_t l = strlen(n);

	if (n[0] == '.')
		return false;
	return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
		(l > 4 && strcmp(n + l - 4, ".yml") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct rules *rs, const char *path)
{
	struct rules_strv names = {0};
	struct dirent *e;
	DIR *d = opendir(path);
	int r = 0, r1;

	if (!d)
		return load_error(rs, path, -errno);
	while ((e = readdir(d))) {
		if (!is_yaml_name(e->d_name))
			continue;
		if (rules_strv_push(&names, e->d_name, strlen(e->d_name)) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	else if (r == 0)
		load_warning(rs, path, "no *.yaml or *.yml file in this directory");
	for (size_t i = 0; r != -ENOMEM && i < names.n; i++) {
		char *p;
		size_t pl = strlen(path);

		if (asprintf(&p, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", names.v[i]) <
		    0) {
			r = -ENOMEM;
			break;
		}
		r1 = load_file(rs, p);
		free(p);
		if (r1 < 0 && (r == 0 || r1 != -EINVAL))
			r = r1;
	}
	rules_strv_free(&names);
	return r;
}

int rules_load(struct rules *rs, const char *path)
{
	struct stat st;

	if (!rs || !path)
		return -EINVAL;
	if (stat(path, &st) < 0)
		return load_error(rs, path, -errno);
	if (S_ISDIR(st.st_mode))
		return load_dir(rs, path);
	return load_file(rs, path);
}

/* ---- lists ---- */

/* A list's items, an item naming an earlier list replaced by that list's items. */
static int expand_list(struct rules *rs, struct rules_item *l)
{
	for (size_t i = 0; i < l->items.n; i++) {
		const struct rules_item *ref = rules_find(&rs->lists, l->items.v[i]);
		const struct rules_strv *src = &l->items;
		size_t from = i, to = i + 1;

		if (ref && ref->index < l->index) {
			src = &ref->expanded;
			from = 0;
			to = ref->expanded.n;
		}
		if (l->expanded.n + (to - from) > RULES_LIST_ITEMS_MAX) {
			rules_diagf(rs, RULES_ERROR, l->file, l->line, l->col, l,
				    "list has more than %u items once expanded",
				    RULES_LIST_ITEMS_MAX);
			return -EINVAL;
		}
		for (size_t k = from; k < to; k++)
			if (rules_strv_push(&l->expanded, src->v[k], strlen(src->v[k])) < 0)
				return -ENOMEM;
	}
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_delim(char c)
{
	return is_blank(c) || c == '(' || c == ')' || c == ',' || c == '=';
}

/* An item with a space, not already quoted, is quoted (Falco's quote_item). */
static void add_quoted(struct rules_sb *b, const char *item)
{
	bool q = strchr(item, ' ') && item[0] != '"' && item[0] != '\'';

	if (q)
		rules_sb_add(b, "\"", 1);
	rules_sb_adds(b, item);
	if (q)
		rules_sb_add(b, "\"", 1);
}

/* Items joined by ", ", each quoted as Falco does. */
static void add_items(struct rules_sb *b, const struct rules_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			rules_sb_add(b, ", ", 2);
		add_quoted(b, sv->v[i]);
	}
}

/*
 * Falco's textual list substitution: the name, bounded by the ends or one of
 * the delimiters, with the blanks around it, becomes " item1, item2 "; an
 * empty list takes one adjacent comma with it.
 */
static int subst_list(const char *cnd, const struct rules_item *l, struct rules_sb *out)
{
	size_t len = strlen(cnd), nl = strlen(l->name), done = 0, pos = 0;
	const char *hit;

	while ((hit = memmem(cnd + pos, len - pos, l->name, nl))) {
		size_t start = (size_t)(hit - cnd), end = start + nl;

		pos = start + 1;
		if ((start > 0 && !is_delim(cnd[start - 1])) || (end < len && !is_delim(cnd[end])))
			continue;
		while (start > done && is_blank(cnd[start - 1]))
			start--;
		while (end < len && is_blank(cnd[end]))
			end++;
		if (!l->expanded.n) {
			if (start > done && cnd[start - 1] == ',')
				start--;
			else if (end < len && cnd[end] == ',')
				end++;
		}
		rules_sb_add(out, cnd + done, start - done);
		if (start > 0)
			rules_sb_add(out, " ", 1);
		add_items(out, &l->expanded);
		rules_sb_add(out, " ", 1);
		done = pos = end;
		if (out->len > RULES_COND_MAX)
			return -E2BIG;
	}
	if (!done)
		return 0; /* no change */
	rules_sb_add(out, cnd + done, len - done);
	return out->oom ? -ENOMEM : 1;
}

/* Every list substituted into text, in load order; a malloc'd string in *out. */
int rules_subst_lists(struct rules *rs, const char *text, char **out)
{
	char *cur = strdup(text);

	if (!cur)
		return -ENOMEM;
	for (size_t i = 0; i < rs->lists.n; i++) {
		struct rules_sb b = {0};
		int r = subst_list(cur, rs->lists.v[i], &b);

		if (r <= 0) {
			rules_sb_free(&b);
			if (r < 0) {
				free(cur);
				return r;
			}
			continue;
		}
		free(cur);
		cur = b.p;
	}
	*out = cur;
	return 0;
}

/* ---- exceptions: appended to the condition as Falco does ---- */

static void add_value(struct rules_sb *b, const struct rules_val *v, const char *comp)
{
	if (!v->item) {
		rules_sb_add(b, "(", 1);
		add_items(b, &v->items);
		rules_sb_add(b, ")", 1);
	} else if (rules_comp_is_list(comp)) {
		bool p = v->item[0] != '(';

		if (p)
			rules_sb_add(b, "(", 1);
		rules_sb_adds(b, v->item);
		if (p)
			rules_sb_add(b, ")", 1);
	} else {
		add_quoted(b, v->item);
	}
}

static void add_exception(struct rules_sb *b, const struct rules_exc *e)
{
	if (!e->nvalues)
		return;
	rules_sb_adds(b, " and not ");
	if (!e->fields_list) {
		const char *comp = e->comps.n ? e->comps.v[0] : "in";

		rules_sb_printf(b, "(%s %s (", e->fields.v[0], comp);
		for (size_t i = 0; i < e->nvalues; i++) {
			if (i)
				rules_sb_add(b, ", ", 2);
			add_quoted(b, e->values[i].v[0].item);
		}
		rules_sb_adds(b, "))");
		return;
	}
	rules_sb_add(b, "(", 1);
	for (size_t i = 0; i < e->nvalues; i++) {
		rules_sb_adds(b, i ? " or (" : "(");
		for (size_t k = 0; k < e->fields.n; k++) {
			const char *comp = e->comps.n ? e->comps.v[k] : "=";

			rules_sb_printf(b, "%s %s %s ", k ? " and" : "", e->fields.v[k], comp);
			add_value(b, &e->values[i].v[k], comp);
		}
		rules_sb_add(b, ")", 1);
	}
	rules_sb_add(b, ")", 1);
}

char *rules_rule_text(const struct rules_item *r)
{
	struct rules_sb b = {0};

	if (!r->nexc)
		return strdup(r->cond ? r->cond : "");
	rules_sb_printf(&b, "(%s)", r->cond ? r->cond : "");
	for (size_t i = 0; i < r->nexc; i++)
		add_exception(&b, &r->exc[i]);
	if (b.oom) {
		rules_sb_free(&b);
		return NULL;
	}
	return b.p;
}

/* ---- macros and conditions ---- */

struct mctx {
	struct rules *rs;
	unsigned vis; /* macros first defined before this are visible */
	unsigned depth;
	char note[256]; /* why a macro was refused (cycle, broken) */
};

static int compile_macro(struct rules *rs, struct rules_item *m, unsigned depth);

static const struct pt_cond *macro_cb(const char *name, void *data)
{
	struct mctx *mc = data;
	struct rules_item *m = rules_find(&mc->rs->macros, name);

	if (!m || m->index >= mc->vis)
		return NULL;
	if (m->mstate == 1) {
		if (!mc->note[0])
			snprintf(mc->note, sizeof(mc->note), "macro '%s' is part of a cycle", name);
		return NULL;
	}
	if (m->mstate == 0 && compile_macro(mc->rs, m, mc->depth + 1) == -ENOMEM)
		return NULL;
	if (m->mstate != 2) {
		if (!mc->note[0])
			snprintf(mc->note, sizeof(mc->note), "macro '%s' %s", name,
				 m->mstate == 1 ? "is part of a cycle" : "has an error");
		return NULL;
	}
	return m->c;
}

/* The parser's error with the text it points at. */
static void cond_msg(char *buf, size_t len, const char *text, const struct pt_cond_error *err,
		     const struct mctx *mc)
{
	int n;

	if (mc->note[0]) {
		snprintf(buf, len, "%s", mc->note);
		return;
	}
	if (err->pos < 0 || (size_t)err->pos > strlen(text)) {
		snprintf(buf, len, "%s", err->msg);
		return;
	}
	for (n = 0; n < 24 && text[err->pos + n] && text[err->pos + n] != '\n'; n++)
		;
	snprintf(buf, len, "%s, at '%.*s'", err->msg, n, text + err->pos);
}

/* Parse an item's text (lists substituted); 0, -EINVAL with msg, -ENOMEM. */
static int compile_cond(struct rules *rs, const char *text, struct mctx *mc, struct pt_cond **out,
			char *msg, size_t msglen)
{
	struct pt_cond_error err = {{0}, -1};
	char *full;
	int r;

	r = rules_subst_lists(rs, text, &full);
	if (r == -E2BIG) {
		snprintf(msg, msglen, "condition longer than %u bytes once lists are expanded",
			 RULES_COND_MAX);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	r = pt_cond_parse(full, PT_COND_LAX, macro_cb, mc, out, &err);
	if (r < 0 && r != -ENOMEM) {
		cond_msg(msg, msglen, full, &err, mc);
		r = -EINVAL;
	}
	free(full);
	return r;
}

static int compile_macro(struct rules *rs, struct rules_item *m, unsigned depth)
{
	struct mctx mc = {.rs = rs, .vis = m->vis, .depth = depth};
	char msg[512];
	int r;

	if (depth > RULES_MACRO_DEPTH) {
		snprintf(mc.note, sizeof(mc.note), "macros nested more than %u deep",
			 RULES_MACRO_DEPTH);
		m->mstate = 3;
		rules_diagf(rs, RULES_ERROR, m->file, m->cond_line, m->cond_col, m, "%s", mc.note);
		return -EINVAL;
	}
	m->mstate = 1;
	r = compile_cond(rs, m->cond, &mc, &m->c, msg, sizeof(msg));
	if (r == 0) {
		m->mstate = 2;
		return 0;
	}
	m->mstate = 3;
	if (r == -ENOMEM)
		return r;
	rules_diagf(rs, RULES_ERROR, m->file, m->cond_line, m->cond_col, m, "%s", msg);
	return r;
}

/* What a compiled rule needs that proctrail lacks: the reason, or NULL; the
 * warning's words in warn. */
static char *skip_reason(const struct pt_cond *c, char *warn, size_t wlen)
{
	struct rules_sb b = {0};
	const char *s;
	unsigned i, mask;

	s = pt_cond_missing(c, 0);
	if (s) {
		snprintf(warn, wlen, "needs %s", s);
		rules_sb_adds(&b, "needs ");
		for (i = 0; (s = pt_cond_missing(c, i)); i++) {
			if (b.len > 100) {
				rules_sb_adds(&b, ", ...");
				break;
			}
			if (i)
				rules_sb_add(&b, ", ", 2);
			rules_sb_adds(&b, s);
		}
		return b.p ? b.p : strdup("needs what proctrail lacks");
	}
	mask = pt_cond_evmask(c);
	if (mask & PT_EVMASK(PT_EV_EXEC))
		return NULL;
	rules_sb_adds(&b, "matches no exec event (evt.type");
	for (i = 0; i < PT_EV_COUNT; i++)
		if (mask & PT_EVMASK(i))
			rules_sb_printf(&b, " %s", pt_event_name((enum pt_event_type)i));
	if (!mask)
		rules_sb_adds(&b, " matches nothing");
	rules_sb_add(&b, ")", 1);
	snprintf(warn, wlen, "%s", b.p ? b.p : "matches no exec event");
	return b.p ? b.p : strdup("matches no exec event");
}

static int set_why(struct rules_item *r, enum rules_state st, const char *why)
{
	r->state = st;
	r->why = strdup(why);
	return r->why ? 0 : -ENOMEM;
}

static int compile_rule(struct rules *rs, struct rules_item *r)
{
	struct mctx mc = {.rs = rs, .vis = UINT_MAX};
	char msg[512], *text;
	int ret;

	if (r->load_error)
		return set_why(r, RULES_BROKEN, r->load_error);
	if (r->source && strcmp(r->source, "syscall") != 0) {
		snprintf(msg, sizeof(msg), "source '%s': proctrail has only syscall events",
			 r->source);
		if (r->enabled)
			rules_diagf(rs, RULES_WARNING, r->file, r->line, r->col, r,
				    "rule '%s' skipped: %s", r->name, msg);
		return set_why(r, RULES_SKIPPED, msg);
	}
	text = rules_rule_text(r);
	if (!text)
		return -ENOMEM;
	ret = compile_cond(rs, text, &mc, &r->c, msg, sizeof(msg));
	free(text);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		rules_diagf(rs, RULES_ERROR, r->file, r->cond_line, r->cond_col, r, "%s", msg);
		return set_why(r, RULES_BROKEN, msg);
	}
	r->why = skip_reason(r->c, msg, sizeof(msg));
	if (r->why) {
		r->state = RULES_SKIPPED;
		if (r->enabled)
			rules_diagf(rs, RULES_WARNING, r->file, r->line, r->col, r,
				    "rule '%s' skipped: %s", r->name, msg);
	} else {
		r->out = rules_out_compile(r->output ? r->output : "");
		if (!r->out)
			return -ENOMEM;
		r->state = RULES_LOADED;
	}
	if (!r->enabled && r->state != RULES_BROKEN) {
		r->state = RULES_DISABLED;
		free(r->why);
		r->why = NULL;
	}
	return 0;
}

int rules_compile(struct rules *rs)
{
	size_t nrun = 0;
	int r;

	if (!rs)
		return -EINVAL;
	diag_truncate(rs, rs->ndiag_load);
	rs->compiled = false;
	rs->nrun = 0;
	rules_plan_free(rs);
	if (!rs->ctx) {
		rs->ctx = pt_cond_ctx_new();
		if (!rs->ctx)
			return -errno;
	}
	for (size_t k = RULES_K_LIST; k <= RULES_K_RULE; k++) {
		struct rules_itemv *iv = rules_items_of(rs, (enum rules_kind)k);

		for (size_t i = 0; i < iv->n; i++)
			item_uncompile(iv->v[i]);
	}
	for (size_t i = 0; i < rs->lists.n; i++) {
		r = expand_list(rs, rs->lists.v[i]);
		if (r == -ENOMEM)
			return r;
	}
	for (size_t i = 0; i < rs->macros.n; i++)
		if (rs->macros.v[i]->mstate == 0 &&
		    compile_macro(rs, rs->macros.v[i], 0) == -ENOMEM)
			return -ENOMEM;
	free(rs->run);
	rs->run = calloc(rs->rules.n ? rs->rules.n : 1, sizeof(*rs->run));
	if (!rs->run)
		return -ENOMEM;
	for (size_t i = 0; i < rs->rules.n; i++) {
		struct rules_item *it = rs->rules.v[i];

		r = compile_rule(rs, it);
		if (r < 0)
			return r;
		if (it->state == RULES_LOADED)
			rs->run[nrun++] = it;
	}
	rs->nrun = nrun;
	r = rules_plan_build(rs);
	if (r < 0)
		return r;
	rs->compiled = true;
	return count_errors(rs, 0) ? -EINVAL : 0;
}

/* ---- what was loaded ---- */

size_t rules_ndiag(const struct rules *rs)
{
	return rs ? rs->ndiag : 0;
}

const struct rules_diag *rules_diag(const struct rules *rs, size_t i)
{
	return rs && i < rs->ndiag ? &rs->diag[i].d : NULL;
}

size_t rules_count(const struct rules *rs)
{
	return rs ? rs->rules.n : 0;
}

int rules_info(const struct rules *rs, size_t i, struct rules_info *out)
{
	const struct rules_item *r;

	if (!rs || !out)
		return -EINVAL;
	if (i >= rs->rules.n)
		return -ENOENT;
	r = rs->rules.v[i];
	out->name = r->name;
	out->file = r->file;
	out->line = r->line;
	out->priority = r->prio >= 0 ? rules_prio_names[r->prio] : NULL;
	out->state = r->state;
	if (!rs->compiled && !r->load_error)
		out->state = r->enabled ? RULES_LOADED : RULES_DISABLED;
	out->why = r->why;
	if (!rs->compiled && r->load_error) {
		out->state = RULES_BROKEN;
		out->why = r->load_error;
	}
	return 0;
}

size_t rules_loaded(const struct rules *rs)
{
	return rs && rs->compiled ? rs->nrun : 0;
}

/* ---- matching ---- */

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned rules_eval(struct rules *rs, const struct pt_monitor *m, const struct pt_event *ev,
		    rules_alert_fn fn, void *data)
{
	size_t *hits, n;
	uint64_t t0;

	if (!rs || !ev || ev->type != PT_EV_EXEC || !rs->compiled || !rs->nrun || !ev->proc)
		return 0;
	t0 = thread_ns();
	pt_cond_ctx_set(rs->ctx, m, ev->proc, ev);
	n = rules_plan_run(rs, m, ev, &hits);
	for (size_t i = 0; fn && i < n; i++)
		rules_out_alert(rs, rs->run[hits[i]], m, ev, fn, data);
	rs->stats.evaluated++;
	rs->stats.alerts += n;
	rs->stats.eval_ns += thread_ns() - t0;
	return (unsigned)n;
}

void rules_get_stats(const struct rules *rs, struct rules_stats *out)
{
	if (!out)
		return;
	if (!rs) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = rs->stats;
}
