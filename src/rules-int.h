/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules, inside (rules.h is the contract): the items a load collects
 * (rules-load.c), what compiling makes of them (rules.c), the output format
 * and the alert line (rules-output.c), and the helpers `rules check`
 * (cli-rules.c) shares.
 */
#ifndef PT_RULES_INT_H
#define PT_RULES_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* Limits that keep hostile files (and the fuzzer) from growing without end. */
#define RULES_LIST_ITEMS_MAX 100000 /* items of one list after expansion */
#define RULES_COND_MAX (4u << 20) /* bytes of one condition after expansion */
#define RULES_MACRO_DEPTH 64 /* macros compiled from within a macro */
#define RULES_FILE_MAX (64u << 20) /* bytes of one rules file */
#define RULES_YAML_DEPTH 64 /* YAML nesting (a rules file needs 6) */

/* A growable string; oom set once an allocation failed (then it stays). */
struct rules_sb {
	char *p;
	size_t len, cap;
	bool oom;
};
void rules_sb_add(struct rules_sb *b, const char *s, size_t n);
void rules_sb_adds(struct rules_sb *b, const char *s);
__attribute__((format(printf, 2, 3))) void rules_sb_printf(struct rules_sb *b, const char *fmt,
							   ...);
/* s (n bytes) as a JSON string: escaped, invalid UTF-8 replaced by U+FFFD. */
void rules_sb_json(struct rules_sb *b, const char *s, size_t n);
void rules_sb_free(struct rules_sb *b);

struct rules_strv {
	char **v;
	size_t n, cap;
};
int rules_strv_push(struct rules_strv *sv, const char *s, size_t n);
void rules_strv_free(struct rules_strv *sv);

/* An exception value: a scalar, or a list of scalars (for in, intersects, pmatch). */
struct rules_val {
	char *item; /* the scalar; NULL for a list */
	struct rules_strv items; /* the list */
};

/* A tuple of values: one per field (fields as a list), or one scalar (single field). */
struct rules_tuple {
	struct rules_val *v;
	size_t n;
	bool is_list;
};

struct rules_exc {
	char *name;
	unsigned line, col;
	bool fields_list; /* fields: [a, b] (else fields: a) */
	struct rules_strv fields;
	struct rules_strv comps; /* empty: the default ("=" each, or "in") */
	struct rules_tuple *values;
	size_t nvalues;
};

enum rules_kind { RULES_K_LIST, RULES_K_MACRO, RULES_K_RULE };

struct rules_out; /* a compiled output format (rules-output.c) */

struct rules_item {
	enum rules_kind kind;
	char *name;
	const char *file;
	unsigned line, col;
	unsigned index; /* order of first definition: a macro sees lower ones */
	unsigned vis; /* the id of its latest definition or append */
	/* list */
	struct rules_strv items, expanded;
	/* macro, rule */
	char *cond;
	unsigned cond_line, cond_col;
	/* rule */
	char *desc, *output, *source;
	int prio; /* index into the priority names */
	bool enabled;
	struct rules_strv tags;
	struct rules_exc *exc;
	size_t nexc;
	char *load_error; /* the item could not be read: broken */
	/* compiled */
	struct pt_cond *c;
	enum rules_state state;
	char *why;
	int mstate; /* macro: 0 not yet, 1 compiling, 2 done, 3 broken */
	struct rules_out *out;
};

struct rules_itemv {
	struct rules_item **v;
	size_t n, cap;
};

/* The evaluation plan (rules-plan.c). */
struct rules_conj;
struct rules_key;
struct rules_plan_rule {
	size_t *cj, ncj; /* its conjuncts; none: evaluate the rule whole */
	struct rules_strv keys; /* the proc.name values it needs, or none */
};
struct rules_plan {
	struct rules_conj *conj;
	size_t nconj, cap;
	long *hash; /* conjunct texts to indexes */
	size_t hcap;
	struct rules_plan_rule *rules; /* parallel to run[] */
	size_t nrules;
	struct rules_key *keys; /* sorted by name */
	size_t nkeys;
	size_t *always, nalways; /* the rules without a key */
	size_t *cand; /* per event: the rules to evaluate, then those that matched */
	uint64_t gen;
};

struct rules_diag_own {
	struct rules_diag d;
	char *item, *msg;
};

struct rules {
	struct rules_itemv lists, macros, rules;
	unsigned next_id;
	struct rules_strv files; /* interned file names */
	struct rules_diag_own *diag;
	size_t ndiag, diag_cap;
	size_t ndiag_load; /* diagnostics of loading; compile's follow */
	char *hostname;
	bool compiled;
	/* evaluation */
	struct pt_cond_ctx *ctx;
	struct rules_item **run; /* the loaded rules, in load order */
	size_t nrun;
	struct rules_stats stats;
	struct rules_sb out_buf, json_buf, val_buf, fld_buf;
	struct pt_field_ref f_key, f_execveat, f_name;
	struct rules_plan plan;
};

/* Diagnostics. item: "rule: NAME"... built from it (NULL: none). */
__attribute__((format(printf, 7, 8))) void rules_diagf(struct rules *rs, enum rules_level level,
						       const char *file, unsigned line,
						       unsigned col, const struct rules_item *it,
						       const char *fmt, ...);
const char *rules_kind_name(enum rules_kind k);
const char *rules_intern_file(struct rules *rs, const char *name);

/* Items (rules.c). */
struct rules_itemv *rules_items_of(struct rules *rs, enum rules_kind k);
struct rules_item *rules_find(const struct rules_itemv *iv, const char *name);
int rules_add_item(struct rules *rs, struct rules_item *it);
void rules_item_free(struct rules_item *it);
void rules_exc_free(struct rules_exc *e);

/* Compiling (rules.c), for the tests: the condition with its exceptions
 * (Falco's text), and a text with every list substituted (after compile). */
char *rules_rule_text(const struct rules_item *r);
int rules_subst_lists(struct rules *rs, const char *text, char **out);

/* Priorities: Falco's names, most severe first. */
#define RULES_NPRIO 8
extern const char *const rules_prio_names[RULES_NPRIO];
int rules_prio_parse(const char *s); /* index, or -1 */

/* Semantic versions "X.Y.Z" (or a bare number N: "0.N.0"): <0, 0, >0; -EINVAL. */
int rules_version_cmp(const char *v, const char *engine, int *cmp);

/* The exception operators Falco accepts in comps. */
bool rules_comp_valid(const char *op);
bool rules_comp_is_list(const char *op);

/* YAML (rules-load.c). */
int rules_parse_yaml(struct rules *rs, const char *file, const char *yaml, size_t len);

/* Output (rules-output.c). */
struct rules_out *rules_out_compile(const char *fmt);
void rules_out_free(struct rules_out *o);
/* Render the alert of rule r on ev into rs's buffers and call fn. */
void rules_out_alert(struct rules *rs, const struct rules_item *r, const struct pt_monitor *m,
		     const struct pt_event *ev, rules_alert_fn fn, void *data);

/* The plan (rules-plan.c): built after compiling; run per exec, it gives the
 * indexes in run[] of the rules that match. */
int rules_plan_build(struct rules *rs);
void rules_plan_free(struct rules *rs);
size_t rules_plan_run(struct rules *rs, const struct pt_monitor *m, const struct pt_event *ev,
		      size_t **out);

/* Names for `rules check`. */
const char *rules_state_name(enum rules_state s);

#endif
