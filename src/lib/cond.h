/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditions, private: the tree the parser (cond-parse.c) builds and the
 * evaluator (cond.c) walks. A tree is immutable once built.
 */
#ifndef PT_COND_H
#define PT_COND_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/*
 * The deepest tree accepted (and the deepest nesting of parentheses): every
 * walk over a tree recurses, so this bounds the stack they use (a few hundred
 * bytes a level, more under ASan). Falco allows 1000.
 */
#define COND_DEPTH_MAX 200

/* The order is the text order of cond_op_names[]. */
enum cond_op {
	OP_EQ = 0,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_CONTAINS,
	OP_ICONTAINS,
	OP_BCONTAINS,
	OP_STARTSWITH,
	OP_BSTARTSWITH,
	OP_ENDSWITH,
	OP_GLOB,
	OP_IGLOB,
	OP_PMATCH,
	OP_IN,
	OP_INTERSECTS,
	OP_EXISTS,
	OP_REGEX,
	OP_COUNT,
};

extern const char *const cond_op_names[OP_COUNT];

/* How a check compares a value with its constants. */
enum cond_cmp {
	CMP_STR = 0, /* bytes; numbers and booleans as their text */
	CMP_NUM, /* numbers */
	CMP_BOOL,
};

/* A number as sign and magnitude: every int64_t and uint64_t fits. */
struct cond_num {
	bool neg; /* never set for zero */
	uint64_t mag;
};

struct cond_val {
	char *s; /* the text (evt.type: the proctrail name), NUL-terminated */
	size_t len;
	char *bytes; /* bcontains, bstartswith: the decoded hex */
	size_t nbytes;
	struct cond_num n; /* CMP_NUM */
	bool b; /* CMP_BOOL */
};

struct cond_check {
	struct pt_field_ref f; /* f.def NULL: a field proctrail lacks (PT_COND_LAX): false */
	char *name; /* as written, without the argument */
	char *arg; /* as written; NULL when none */
	enum cond_op op;
	enum cond_cmp cmp;
	bool list; /* the values were written as a list */
	bool evtype; /* evt.type by mask: evmask holds the values' event types */
	unsigned evmask;
	size_t nvals;
	struct cond_val *vals;
	regex_t *re; /* OP_REGEX on a known field */
	bool re_anchored; /* re is "^(PAT)$" */
};

enum cond_kind {
	NODE_AND = 0,
	NODE_OR,
	NODE_NOT,
	NODE_CHECK,
};

struct cond_node {
	enum cond_kind kind;
	unsigned height; /* 1 for a check */
	size_t nkids; /* AND, OR: >= 2; NOT: 1 */
	struct cond_node **kids;
	struct cond_check *chk; /* NODE_CHECK */
};

struct pt_cond {
	struct cond_node *root;
	char **missing; /* PT_COND_LAX: what the text names that proctrail lacks */
	size_t nmissing;
	unsigned evmask;
};

void cond_node_free(struct cond_node *n);
/* A deep copy (regexes compiled again). 0 or -ENOMEM. */
int cond_node_copy(const struct cond_node *n, struct cond_node **out);
/* Compile k->vals[0] as k's regex, anchored: 0, a regcomp() error code, or -1 when
 * it would cost regcomp() or regexec() too much. */
int cond_regex_compile(struct cond_check *k);
/* Add a name to c's missing list unless it is there. 0 or -ENOMEM. */
int cond_missing_add(struct pt_cond *c, const char *name);
/* The event types on which the tree can be true. */
unsigned cond_evmask(const struct cond_node *n);

/* Numbers as Falco writes them: [+-]?[0-9]+ or 0[xX][0-9a-fA-F]+. 0 or -EINVAL. */
int cond_parse_num(const char *s, size_t len, struct cond_num *out);

#endif
