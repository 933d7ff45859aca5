/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conditions: the parser. Falco's filter grammar, written from its description
 * (../shared/corpus/falco/NOTES.md), recursive descent:
 *
 *   Expr  := Or
 *   Or    := And ( 'or' And )*             and/or/not: followed by a blank or '('
 *   And   := Not ( 'and' Not )*
 *   Not   := ( 'not' )* Check              each 'not' toggles
 *   Check := '(' Expr ')' | Field Op [Value | List] | Macro
 *
 * Checks are typed against the field registry as they are read, so errors
 * carry the byte offset of what is wrong. The text is untrusted: every read
 * is bounded by its length and recursion by COND_DEPTH_MAX.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"

struct parser {
	const char *s;
	size_t len, pos;
	unsigned flags;
	pt_cond_macro_fn macro;
	void *data;
	struct pt_cond *c;
	struct pt_cond_error *err;
	int rc; /* the first error */
	unsigned parens; /* open parentheses */
};

/* The operators in the order they are tried (Falco's): a longer symbol before its prefix. */
static const struct {
	const char *text;
	enum cond_op op;
	bool word; /* a word: a blank (or, for the list ones, '(') must follow */
} ops[] = {
	{"<=", OP_LE, false},
	{"<", OP_LT, false},
	{">=", OP_GE, false},
	{">", OP_GT, false},
	{"==", OP_EQ, false},
	{"=", OP_EQ, false},
	{"!=", OP_NE, false},
	{"glob", OP_GLOB, true},
	{"iglob", OP_IGLOB, true},
	{"contains", OP_CONTAINS, true},
	{"icontains", OP_ICONTAINS, true},
	{"bcontains", OP_BCONTAINS, true},
	{"startswith", OP_STARTSWITH, true},
	{"bstartswith", OP_BSTARTSWITH, true},
	{"endswith", OP_ENDSWITH, true},
	{"regex", OP_REGEX, true},
	{"intersects", OP_INTERSECTS, true},
	{"in", OP_IN, true},
	{"pmatch", OP_PMATCH, true},
	{"exists", OP_EXISTS, true},
};

/* Falco's syscall names for the events proctrail has. */
static const struct {
	const char *falco;
	enum pt_event_type type;
} syscalls[] = {
	{"execve", PT_EV_EXEC},	  {"execveat", PT_EV_EXEC}, {"clone", PT_EV_FORK},
	{"clone3", PT_EV_FORK},	  {"fork", PT_EV_FORK},	    {"vfork", PT_EV_FORK},
	{"procexit", PT_EV_EXIT}, {"setuid", PT_EV_UID},    {"setresuid", PT_EV_UID},
	{"setreuid", PT_EV_UID},  {"setgid", PT_EV_GID},    {"setresgid", PT_EV_GID},
	{"setregid", PT_EV_GID},  {"setsid", PT_EV_SID},    {"prctl", PT_EV_COMM},
	{"ptrace", PT_EV_PTRACE},
};

/* ---- errors ---- */

/* Up to 48 bytes of untrusted text, quoted, printable: error messages are one line. */
static void quote(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == 48) {
			o += (size_t)snprintf(out + o, size - o, "...");
			break;
		}
		if (ch < 0x20 || ch >= 0x7f)
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

static void PT_PRINTF(3, 4) fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->rc)
		return;
	p->rc = -EINVAL;
	if (!p->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(p->err->msg))
		snprintf(p->err->msg + n, sizeof(p->err->msg) - (size_t)n, " at %zu", pos);
	p->err->pos = pos > INT32_MAX ? -1 : (int)pos;
}

static void fail_nomem(struct parser *p)
{
	if (p->rc)
		return;
	p->rc = -ENOMEM;
	if (p->err) {
		snprintf(p->err->msg, sizeof(p->err->msg), "out of memory");
		p->err->pos = -1;
	}
}

/* ---- lexer ---- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\b' || ch == '\r' || ch == '\n';
}

static bool is_space(char ch) /* [:space:] */
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_ident(char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '_';
}

static char printable(char ch)
{
	return ch > 0x20 && ch < 0x7f ? ch : '?';
}

static char peek(const struct parser *p, size_t off)
{
	return p->pos + off < p->len ? p->s[p->pos + off] : '\0';
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->len && is_blank(p->s[p->pos]))
		p->pos++;
}

/* The keyword kw at the position, followed by a blank or '(' (or, with end_ok,
 * by the end, ')' or anything that cannot continue a word). */
static bool at_word(const struct parser *p, const char *kw, bool end_ok)
{
	size_t n = strlen(kw);
	char next;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, kw, n) != 0)
		return false;
	next = peek(p, n);
	if (is_blank(next) || next == '(')
		return true;
	return end_ok && !is_ident(next) && next != '.' && next != '[';
}

/* [a-zA-Z][a-zA-Z0-9_]* ( '.' [a-zA-Z][a-zA-Z0-9_]* )*: its length, and
 * whether it has a dot (a field; else a macro). */
static size_t name_len(const struct parser *p, bool *dotted)
{
	size_t n = 0;

	*dotted = false;
	if (!is_alpha(peek(p, 0)))
		return 0;
	for (;;) {
		while (is_ident(peek(p, n)))
			n++;
		if (peek(p, n) != '.' || !is_alpha(peek(p, n + 1)))
			return n;
		*dotted = true;
		n++;
	}
}

/* One escape after the backslash at raw[i] (i + 1 < n): the byte, and the
 * bytes it used in *used; -1 when it is not one. */
static int unescape_one(const char *raw, size_t n, size_t i, char quote_ch, size_t *used)
{
	int hi, lo;

	*used = 2;
	switch (raw[i + 1]) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case ' ': /* Falco keeps this one for its stock Sudo rule: a backslash */
	case '\\':
		return '\\';
	case '/':
		return '/';
	case '"':
	case '\'':
		return raw[i + 1] == quote_ch ? raw[i + 1] : -1;
	case 'x':
		if (i + 3 >= n || (hi = pt_hexval(raw[i + 2])) < 0 ||
		    (lo = pt_hexval(raw[i + 3])) < 0 || (hi == 0 && lo == 0))
			return -1;
		*used = 4;
		return hi * 16 + lo;
	default:
		return -1;
	}
}

/* A quoted string at the position: '...' or "...". It ends at the first quote
 * whose previous byte is not a backslash (Falco's rule: "a\\" does not end at
 * its last quote). The unescaped bytes, malloc'd and NUL-terminated. */
static char *quoted(struct parser *p, size_t *outlen)
{
	size_t start = p->pos, end, o = 0;
	char q = p->s[start], *out;

	for (end = start + 1; end < p->len; end++)
		if (p->s[end] == q && p->s[end - 1] != '\\')
			break;
	if (end >= p->len) {
		fail(p, start, "unterminated string");
		return NULL;
	}
	out = malloc(end - start);
	if (!out) {
		fail_nomem(p);
		return NULL;
	}
	for (size_t i = start + 1; i < end;) {
		size_t used;
		int ch;

		if (p->s[i] != '\\') {
			out[o++] = p->s[i++];
			continue;
		}
		/* a backslash is never the last byte before the closing quote */
		ch = unescape_one(p->s, end, i, q, &used);
		if (ch < 0) {
			char what[16];

			quote(what, sizeof(what), p->s + i, i + 2 <= end ? 2 : 1);
			fail(p, i, "bad escape '%s' (\\b \\f \\n \\r \\t \\\\ \\/ \\xHH \\%c)",
			     what, q);
			free(out);
			return NULL;
		}
		out[o++] = (char)ch;
		i += used;
	}
	out[o] = '\0';
	*outlen = o;
	p->pos = end + 1;
	return out;
}

static char *dup_range(struct parser *p, size_t start, size_t n)
{
	char *s = malloc(n + 1);

	if (!s) {
		fail_nomem(p);
		return NULL;
	}
	memcpy(s, p->s + start, n);
	s[n] = '\0';
	return s;
}

/* BareStr: [^()"'[:space:]=,]+ */
static bool is_bare(char ch)
{
	return ch && ch != '(' && ch != ')' && ch != '"' && ch != '\'' && !is_space(ch) &&
		ch != '=' && ch != ',';
}

/* A value: quoted or bare; NULL (no error set) when there is none. */
static char *value(struct parser *p, size_t *len)
{
	size_t start = p->pos, n = 0;

	if (peek(p, 0) == '"' || peek(p, 0) == '\'')
		return quoted(p, len);
	while (is_bare(peek(p, n)))
		n++;
	if (!n)
		return NULL;
	p->pos += n;
	*len = n;
	return dup_range(p, start, n);
}

/* ---- nodes ---- */

static struct cond_node *node_new(struct parser *p, enum cond_kind kind)
{
	struct cond_node *n = calloc(1, sizeof(*n));

	if (!n)
		fail_nomem(p);
	else
		n->kind = kind;
	return n;
}

static bool set_height(struct parser *p, struct cond_node *n, size_t pos)
{
	unsigned h = 0;

	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i]->height > h)
			h = n->kids[i]->height;
	n->height = h + 1;
	if (n->height > COND_DEPTH_MAX) {
		fail(p, pos, "the condition nests deeper than %d levels", COND_DEPTH_MAX);
		return false;
	}
	return true;
}

/* Append kid to n's kids; on failure kid is freed. */
static bool add_kid(struct parser *p, struct cond_node *n, struct cond_node *kid)
{
	struct cond_node **k = realloc(n->kids, (n->nkids + 1) * sizeof(*k));

	if (!k) {
		cond_node_free(kid);
		fail_nomem(p);
		return false;
	}
	n->kids = k;
	n->kids[n->nkids++] = kid;
	return true;
}

/* ---- typing a check against the registry ---- */

static bool is_numeric(enum pt_type t)
{
	return t == PT_TYPE_INT || t == PT_TYPE_UINT || t == PT_TYPE_TIME ||
		t == PT_TYPE_DURATION || t == PT_TYPE_EXECS;
}

/* = != in intersects: the operators that compare whole values */
static bool is_equality(enum cond_op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_INTERSECTS;
}

static bool is_order(enum cond_op op)
{
	return op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

int cond_parse_num(const char *s, size_t len, struct cond_num *out)
{
	bool neg = false, hex = false;
	uint64_t mag = 0;
	size_t i = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (!neg && i == 0 && len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		i = 2;
	}
	if (i >= len)
		return -EINVAL;
	for (; i < len; i++) {
		int d = hex ? pt_hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		uint64_t base = hex ? 16 : 10;

		if (d < 0 || mag > (UINT64_MAX - (uint64_t)d) / base)
			return -EINVAL;
		mag = mag * base + (uint64_t)d;
	}
	/* a negative number must fit an int64_t */
	if (neg && mag > (uint64_t)INT64_MAX + 1)
		return -EINVAL;
	out->neg = neg && mag;
	out->mag = mag;
	return 0;
}

static int evtype_of(const char *name, enum pt_event_type *t)
{
	if (pt_event_from_name(name, t) == 0)
		return 0;
	for (size_t i = 0; i < PT_ARRAY_SIZE(syscalls); i++)
		if (strcmp(syscalls[i].falco, name) == 0) {
			*t = syscalls[i].type;
			return 0;
		}
	return -ENOENT;
}

/* evt.type values become proctrail's names; the others are missing. */
static bool type_evtype(struct parser *p, struct cond_check *k, const size_t *vpos)
{
	char what[64], miss[80];
	size_t n = 0;

	k->evtype = true;
	for (size_t i = 0; i < k->nvals; i++) {
		struct cond_val *v = &k->vals[i];
		enum pt_event_type t;
		const char *name;
		char *s;

		if (evtype_of(v->s, &t) < 0) {
			quote(what, sizeof(what), v->s, v->len);
			if (!(p->flags & PT_COND_LAX)) {
				fail(p, vpos[i], "unknown event type '%s'", what);
				return false;
			}
			snprintf(miss, sizeof(miss), "evt.type=%s", what);
			if (cond_missing_add(p->c, miss) < 0) {
				fail_nomem(p);
				return false;
			}
			continue;
		}
		if (k->evmask & PT_EVMASK(t)) {
			free(v->s); /* execve, execveat: exec once */
			v->s = NULL;
			continue;
		}
		k->evmask |= PT_EVMASK(t);
		name = pt_event_name(t);
		s = strdup(name);
		if (!s) {
			fail_nomem(p);
			return false;
		}
		free(v->s);
		v->s = s;
		v->len = strlen(s);
	}
	for (size_t i = 0; i < k->nvals; i++)
		if (k->vals[i].s)
			k->vals[n++] = k->vals[i];
	k->nvals = n;
	return true;
}

static bool type_hex(struct parser *p, struct cond_check *k, const size_t *vpos)
{
	for (size_t i = 0; i < k->nvals; i++) {
		struct cond_val *v = &k->vals[i];

		if (!v->len || v->len % 2)
			goto bad;
		v->bytes = malloc(v->len / 2 + 1);
		if (!v->bytes) {
			fail_nomem(p);
			return false;
		}
		for (size_t j = 0; j < v->len; j += 2) {
			int hi = pt_hexval(v->s[j]), lo = pt_hexval(v->s[j + 1]);

			if (hi < 0 || lo < 0)
				goto bad;
			v->bytes[v->nbytes++] = (char)(hi * 16 + lo);
		}
		continue;
bad:
		fail(p, vpos[i], "'%s' takes hex bytes (such as 2f746d70)", cond_op_names[k->op]);
		return false;
	}
	return true;
}

#define REGEX_COST_MAX 1000
#define REGEX_EPSILON_COST 16
#define REGEX_BOUND_MAX 255 /* POSIX's least RE_DUP_MAX */
#define REGEX_NEST_MAX 32

/* The end of the bracket expression that starts at pat[i] ('['). */
static size_t bracket_end(const char *pat, size_t i)
{
	i++;
	if (pat[i] == '^')
		i++;
	if (pat[i] == ']')
		i++; /* a leading ] is a member */
	for (; pat[i] && pat[i] != ']'; i++)
		if (pat[i] == '[' &&
		    (pat[i + 1] == ':' || pat[i + 1] == '.' || pat[i + 1] == '=')) {
			const char *end = strchr(pat + i + 2, pat[i + 1]);

			if (!end || end[1] != ']')
				return strlen(pat);
			i = (size_t)(end - pat) + 1;
		}
	return pat[i] ? i : strlen(pat);
}

/*
 * Whether regcomp() can compile pat in reasonable time and memory: glibc
 * copies a subexpression once per count of a bound, so nested bounds multiply
 * ("((a{1,255}){1,255}){1,255}" takes minutes), and stars inside them slow
 * it further ("(.*){1,500}": 20 s). The cost of a sequence is the sum of its
 * atoms and operators, a bound multiplies its atom; back-references (which
 * make matching exponential) are refused too. A condition may come from an
 * unprivileged client of the daemon.
 */
struct re_frame {
	uint64_t cost; /* of the sequence so far */
	uint64_t last; /* of its last atom */
	bool nullable; /* it holds a star, a ? or a | */
	bool last_nullable;
};

/* The bound {a}, {a,} or {a,b} at pat[*i] on the frame's last atom; *i moves
 * to its '}'. False when too costly. */
static bool re_bound(const char *pat, size_t *i, struct re_frame *f)
{
	unsigned long a, b;
	uint64_t copies;
	char *end;

	a = b = strtoul(pat + *i + 1, &end, 10);
	if (*end == ',' && end[1] == '}') {
		b = a + 1; /* {a,}: a copies and a star */
		end++;
	} else if (*end == ',' && end[1] >= '0' && end[1] <= '9') {
		b = strtoul(end + 1, &end, 10);
	}
	if (a > REGEX_BOUND_MAX || b > REGEX_BOUND_MAX)
		return false;
	if (b < a)
		b = a;
	/* copies of what can match nothing chain their epsilon closures: squared */
	copies = f->last_nullable ? (uint64_t)b * b : b;
	f->cost += f->last * (copies > 1 ? copies - 1 : 0);
	f->last *= copies ? copies : 1;
	if (a == 0)
		f->nullable = f->last_nullable = true;
	if (*end == '}')
		*i = (size_t)(end - pat);
	return f->cost <= REGEX_COST_MAX;
}

static bool regex_cost_ok(const char *pat, bool *balanced)
{
	struct re_frame f[REGEX_NEST_MAX + 1];
	unsigned d = 0;

	memset(&f[0], 0, sizeof(f[0]));
	*balanced = true;
	for (size_t i = 0; pat[i]; i++) {
		struct re_frame atom = {.cost = 1};

		switch (pat[i]) {
		case '\\':
			if (pat[i + 1] >= '1' && pat[i + 1] <= '9')
				return false;
			if (pat[i + 1])
				i++;
			break;
		case '[':
			i = bracket_end(pat, i);
			if (!pat[i]) {
				*balanced = false; /* regcomp() refuses it */
				return true;
			}
			break;
		case '(':
			if (++d > REGEX_NEST_MAX)
				return false;
			memset(&f[d], 0, sizeof(f[d]));
			continue;
		case ')':
			if (!d) {
				*balanced = false; /* an ordinary character */
				break;
			}
			atom = f[d--];
			break;
		case '{':
			/* {a...} or glibc's {,b} (zero to b) */
			if ((pat[i + 1] < '0' || pat[i + 1] > '9') &&
			    (pat[i + 1] != ',' || pat[i + 2] < '0' || pat[i + 2] > '9'))
				break; /* an ordinary character */
			if (!re_bound(pat, &i, &f[d]))
				return false;
			continue;
		case '|':
			/* an empty alternative matches nothing */
			if (!f[d].cost || !pat[i + 1] || pat[i + 1] == '|' || pat[i + 1] == ')')
				f[d].nullable = true;
			f[d].cost += REGEX_EPSILON_COST;
			if (f[d].cost > REGEX_COST_MAX)
				return false;
			continue;
		case '+':
			/* glibc makes a+ of aa*: "a++++" doubles four times */
			f[d].cost += f[d].last + REGEX_EPSILON_COST;
			f[d].last *= 2;
			if (f[d].cost > REGEX_COST_MAX)
				return false;
			continue;
		case '*':
		case '?':
			f[d].cost += REGEX_EPSILON_COST;
			f[d].nullable = f[d].last_nullable = true;
			if (f[d].cost > REGEX_COST_MAX)
				return false;
			continue;
		case '^':
		case '$':
			continue;
		default:
			break;
		}
		f[d].cost += atom.cost;
		f[d].last = atom.cost;
		f[d].last_nullable = atom.nullable;
		f[d].nullable |= atom.nullable;
		if (f[d].cost > REGEX_COST_MAX)
			return false;
	}
	if (d)
		*balanced = false;
	return true;
}

/*
 * Falco anchors a regex at both ends. With balanced parentheses "^(PAT)$" is
 * exactly that, and lets regexec() give up at the first byte instead of trying
 * every start; otherwise (a stray ')' is an ordinary character) the match's
 * extent is checked instead (cond.c).
 */
int cond_regex_compile(struct cond_check *k)
{
	const char *pat = k->vals[0].s;
	char *wrapped = NULL;
	bool balanced;
	int r;

	if (!regex_cost_ok(pat, &balanced))
		return -1;
	if (balanced) {
		size_t n = strlen(pat);

		wrapped = malloc(n + 5);
		if (!wrapped)
			return REG_ESPACE;
		snprintf(wrapped, n + 5, n ? "^(%s)$" : "^$", pat);
		pat = wrapped;
	}
	k->re = malloc(sizeof(*k->re));
	if (!k->re) {
		free(wrapped);
		return REG_ESPACE;
	}
	/* unanchored, the match's extent tells whether it spans the value */
	k->re_anchored = balanced;
	r = regcomp(k->re, pat, REG_EXTENDED | (balanced ? REG_NOSUB : 0));
	if (r) {
		free(k->re);
		k->re = NULL;
	}
	free(wrapped);
	return r;
}

static bool type_values(struct parser *p, struct cond_check *k, const size_t *vpos)
{
	enum pt_type t = pt_field_def_type(k->f.def);
	char what[64];

	if (k->op == OP_EXISTS)
		return true;
	if (k->op == OP_BCONTAINS || k->op == OP_BSTARTSWITH)
		return type_hex(p, k, vpos);
	if (strcmp(pt_field_def_name(k->f.def), "evt.type") == 0 && is_equality(k->op))
		return type_evtype(p, k, vpos);
	if (is_numeric(t) && (is_equality(k->op) || is_order(k->op))) {
		k->cmp = CMP_NUM;
		for (size_t i = 0; i < k->nvals; i++) {
			if (cond_parse_num(k->vals[i].s, k->vals[i].len, &k->vals[i].n) == 0)
				continue;
			quote(what, sizeof(what), k->vals[i].s, k->vals[i].len);
			fail(p, vpos[i], "'%s' is not a number (%s is %s)", what, k->name,
			     pt_type_name(t));
			return false;
		}
	} else if (t == PT_TYPE_BOOL && is_equality(k->op)) {
		k->cmp = CMP_BOOL;
		for (size_t i = 0; i < k->nvals; i++) {
			k->vals[i].b = strcmp(k->vals[i].s, "true") == 0;
			if (k->vals[i].b || strcmp(k->vals[i].s, "false") == 0)
				continue;
			quote(what, sizeof(what), k->vals[i].s, k->vals[i].len);
			fail(p, vpos[i], "'%s' is not true or false (%s is bool)", what, k->name);
			return false;
		}
	} else if (t == PT_TYPE_BOOL && is_order(k->op)) {
		fail(p, vpos[0], "'%s' does not apply to %s (bool)", cond_op_names[k->op], k->name);
		return false;
	}
	if (k->op == OP_REGEX) {
		int r = cond_regex_compile(k);

		if (r == REG_ESPACE) {
			fail_nomem(p);
			return false;
		}
		if (r < 0) {
			fail(p, vpos[0],
			     "regex too costly (bounds on stars, nested bounds, back-references)");
			return false;
		}
		if (r) {
			char msg[96];

			regerror(r, NULL, msg, sizeof(msg));
			fail(p, vpos[0], "bad regex (%s)", msg);
			return false;
		}
	}
	return true;
}

/* Look the field up (NAME[ARG]): an unknown one is an error, or missing (LAX). */
static bool type_field(struct parser *p, struct cond_check *k, size_t fpos)
{
	char *full = NULL, what[96];
	const char *name = k->name;
	size_t n;
	int r;

	if (k->arg) {
		n = strlen(k->name) + strlen(k->arg) + 3;
		full = malloc(n);
		if (!full) {
			fail_nomem(p);
			return false;
		}
		snprintf(full, n, "%s[%s]", k->name, k->arg);
		name = full;
	}
	r = pt_field_lookup(name, &k->f);
	if (r == -ENOENT && k->arg && pt_field_lookup(k->name, &k->f) == 0)
		r = -EINVAL; /* the field is known: its argument is not */
	if (r < 0) {
		k->f.def = NULL;
		quote(what, sizeof(what), name, strlen(name));
		if (!(p->flags & PT_COND_LAX)) {
			if (r == -EINVAL)
				fail(p, fpos, "bad argument for field '%s'", what);
			else
				fail(p, fpos, "unknown field '%s'", what);
		} else if (cond_missing_add(p->c, r == -EINVAL ? what : k->name) < 0) {
			fail_nomem(p);
		}
	}
	free(full);
	return p->rc == 0;
}

/* ---- the grammar ---- */

static struct cond_node *parse_or(struct parser *p);

/* A list: '(' [ value (',' value)* ] ')'. */
static bool parse_list(struct parser *p, struct cond_check *k, size_t **vpos)
{
	const char *opname = cond_op_names[k->op];

	k->list = true;
	if (peek(p, 0) != '(') {
		bool dotted;
		size_t n = name_len(p, &dotted);

		if (n && !dotted)
			fail(p, p->pos, "unknown list '%.*s' (lists are expanded in rule files)",
			     (int)(n > 64 ? 64 : n), p->s + p->pos);
		else
			fail(p, p->pos, "expected a list after '%s'", opname);
		return false;
	}
	p->pos++;
	skip_blanks(p);
	if (peek(p, 0) == ')') {
		p->pos++;
		return true;
	}
	for (;;) {
		struct cond_val *v;
		size_t *vp, start = p->pos;

		v = realloc(k->vals, (k->nvals + 1) * sizeof(*v));
		if (!v) {
			fail_nomem(p);
			return false;
		}
		k->vals = v;
		vp = realloc(*vpos, (k->nvals + 1) * sizeof(*vp));
		if (!vp) {
			fail_nomem(p);
			return false;
		}
		*vpos = vp;
		v = &k->vals[k->nvals];
		memset(v, 0, sizeof(*v));
		v->s = value(p, &v->len);
		if (!v->s) {
			if (!p->rc)
				fail(p, p->pos, "expected a value in the list of '%s'", opname);
			return false;
		}
		vp[k->nvals++] = start;
		skip_blanks(p);
		if (peek(p, 0) == ')') {
			p->pos++;
			return true;
		}
		if (peek(p, 0) != ',') {
			fail(p, p->pos, "expected ',' or ')' in the list of '%s'", opname);
			return false;
		}
		p->pos++;
		skip_blanks(p);
	}
}

static bool parse_operator(struct parser *p, struct cond_check *k)
{
	for (size_t i = 0; i < PT_ARRAY_SIZE(ops); i++) {
		size_t n = strlen(ops[i].text);

		if (ops[i].word ? !at_word(p, ops[i].text, ops[i].op == OP_EXISTS)
				: (p->len - p->pos < n || memcmp(p->s + p->pos, ops[i].text, n)))
			continue;
		/* only the list operators may touch their '(' */
		if (ops[i].word && peek(p, n) == '(' && ops[i].op != OP_IN &&
		    ops[i].op != OP_INTERSECTS && ops[i].op != OP_PMATCH && ops[i].op != OP_EXISTS)
			continue;
		k->op = ops[i].op;
		p->pos += n;
		return true;
	}
	return false;
}

/* Field [arg] op value(s), at the field. */
static struct cond_node *parse_field_check(struct parser *p, size_t n)
{
	size_t fpos = p->pos, *vpos = NULL, vstart;
	struct cond_node *node = node_new(p, NODE_CHECK);
	struct cond_check *k;

	if (!node)
		return NULL;
	node->height = 1;
	k = node->chk = calloc(1, sizeof(*k));
	if (!k) {
		fail_nomem(p);
		goto fail;
	}
	k->name = dup_range(p, p->pos, n);
	if (!k->name)
		goto fail;
	p->pos += n;
	if (peek(p, 0) == '[') {
		size_t alen = 0, astart;

		p->pos++;
		astart = p->pos;
		if (peek(p, 0) == '"' || peek(p, 0) == '\'') {
			k->arg = quoted(p, &alen);
		} else {
			while (p->pos + alen < p->len && !strchr("[]\"'", peek(p, alen)) &&
			       !is_space(peek(p, alen)))
				alen++;
			if (alen)
				k->arg = dup_range(p, p->pos, alen);
			p->pos += alen;
		}
		if (!k->arg) {
			if (!p->rc)
				fail(p, astart, "expected an argument after '%s['", k->name);
			goto fail;
		}
		if (peek(p, 0) != ']') {
			fail(p, p->pos, "expected ']' after the argument of '%s'", k->name);
			goto fail;
		}
		p->pos++;
	}
	skip_blanks(p);
	if (!parse_operator(p, k)) {
		fail(p, p->pos, "expected an operator after '%s'", k->name);
		goto fail;
	}
	if (!type_field(p, k, fpos))
		goto fail;
	if (k->op == OP_EXISTS)
		goto typed;
	skip_blanks(p);
	if (k->op == OP_IN || k->op == OP_INTERSECTS || k->op == OP_PMATCH) {
		if (!parse_list(p, k, &vpos))
			goto fail;
	} else {
		vstart = p->pos;
		k->vals = calloc(1, sizeof(*k->vals));
		vpos = malloc(sizeof(*vpos));
		if (!k->vals || !vpos) {
			fail_nomem(p);
			goto fail;
		}
		k->vals[0].s = value(p, &k->vals[0].len);
		if (!k->vals[0].s) {
			if (!p->rc)
				fail(p, p->pos, "expected a value after '%s'",
				     cond_op_names[k->op]);
			goto fail;
		}
		k->nvals = 1;
		vpos[0] = vstart;
		if (peek(p, 0) == '(') {
			fail(p, vstart, "transformers and val() are not supported");
			goto fail;
		}
	}
	if (k->f.def && !type_values(p, k, vpos))
		goto fail;
typed:
	free(vpos);
	return node;
fail:
	free(vpos);
	cond_node_free(node);
	return NULL;
}

/* A macro: a copy of the condition the callback gives. */
static struct cond_node *parse_macro(struct parser *p, size_t n)
{
	const struct pt_cond *mc = NULL;
	struct cond_node *node;
	size_t pos = p->pos;
	char *name;

	if (peek(p, n) == '(') {
		fail(p, pos, "transformers ('%.*s(') are not supported", (int)(n > 64 ? 64 : n),
		     p->s + pos);
		return NULL;
	}
	name = dup_range(p, pos, n);
	if (!name)
		return NULL;
	if (p->macro)
		mc = p->macro(name, p->data);
	if (!mc || !mc->root) {
		fail(p, pos, "unknown macro '%.*s'", (int)(n > 64 ? 64 : n), name);
		free(name);
		return NULL;
	}
	if (mc->nmissing && !(p->flags & PT_COND_LAX)) {
		char what[64];

		/* a macro parsed lax cannot bring what proctrail lacks into a strict parse */
		quote(what, sizeof(what), mc->missing[0], strlen(mc->missing[0]));
		fail(p, pos, "macro '%.*s' needs '%s', which proctrail lacks",
		     (int)(n > 64 ? 64 : n), name, what);
		free(name);
		return NULL;
	}
	free(name);
	p->pos += n;
	if (cond_node_copy(mc->root, &node) < 0) {
		fail_nomem(p);
		return NULL;
	}
	for (size_t i = 0; i < mc->nmissing; i++)
		if (cond_missing_add(p->c, mc->missing[i]) < 0) {
			cond_node_free(node);
			fail_nomem(p);
			return NULL;
		}
	return node;
}

static struct cond_node *parse_check(struct parser *p)
{
	struct cond_node *n;
	size_t start = p->pos, len;
	bool dotted;

	if (peek(p, 0) == '(') {
		if (++p->parens > COND_DEPTH_MAX) {
			fail(p, start, "the condition nests deeper than %d levels", COND_DEPTH_MAX);
			return NULL;
		}
		p->pos++;
		skip_blanks(p);
		n = parse_or(p);
		if (!n)
			return NULL;
		skip_blanks(p);
		if (peek(p, 0) != ')') {
			fail(p, p->pos, "expected ')' to close the '(' at %zu", start);
			cond_node_free(n);
			return NULL;
		}
		p->pos++;
		p->parens--;
		return n;
	}
	len = name_len(p, &dotted);
	if (!len) {
		if (p->pos >= p->len)
			fail(p, p->pos, "expected a condition");
		else
			fail(p, p->pos, "expected a condition, not '%c'", printable(p->s[p->pos]));
		return NULL;
	}
	return dotted ? parse_field_check(p, len) : parse_macro(p, len);
}

static struct cond_node *parse_not(struct parser *p)
{
	struct cond_node *n, *kid;
	size_t start = p->pos;
	bool negate = false;

	while (at_word(p, "not", true)) {
		negate = !negate;
		p->pos += 3;
		skip_blanks(p);
	}
	kid = parse_check(p);
	if (!kid || !negate)
		return kid;
	n = node_new(p, NODE_NOT);
	if (!n) {
		cond_node_free(kid);
		return NULL;
	}
	if (!add_kid(p, n, kid) || !set_height(p, n, start)) {
		cond_node_free(n);
		return NULL;
	}
	return n;
}

/* and/or: n-ary; a single operand is returned as it is. */
static struct cond_node *parse_nary(struct parser *p, enum cond_kind kind)
{
	const char *kw = kind == NODE_AND ? "and" : "or";
	struct cond_node *n = NULL, *kid;
	size_t start = p->pos, save;

	kid = kind == NODE_AND ? parse_not(p) : parse_nary(p, NODE_AND);
	for (;;) {
		if (!kid)
			goto fail;
		if (n && !add_kid(p, n, kid))
			goto fail;
		save = p->pos;
		skip_blanks(p);
		if (!at_word(p, kw, true)) {
			p->pos = save;
			break;
		}
		if (!n) {
			n = node_new(p, kind);
			if (!n || !add_kid(p, n, kid)) {
				if (!n)
					cond_node_free(kid);
				goto fail;
			}
		}
		p->pos += strlen(kw);
		skip_blanks(p);
		kid = kind == NODE_AND ? parse_not(p) : parse_nary(p, NODE_AND);
	}
	if (!n)
		return kid;
	if (!set_height(p, n, start))
		goto fail;
	return n;
fail:
	cond_node_free(n);
	return NULL;
}

static struct cond_node *parse_or(struct parser *p)
{
	return parse_nary(p, NODE_OR);
}

PT_EXPORT int pt_cond_parse(const char *text, unsigned flags, pt_cond_macro_fn macro, void *data,
			    struct pt_cond **out, struct pt_cond_error *err)
{
	struct parser p = {.s = text, .flags = flags, .macro = macro, .data = data, .err = err};

	if (out)
		*out = NULL;
	if (err) {
		err->msg[0] = '\0';
		err->pos = -1;
	}
	if (!text || !out) {
		if (err)
			snprintf(err->msg, sizeof(err->msg), "no condition");
		return -EINVAL;
	}
	p.len = strlen(text);
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c) {
		fail_nomem(&p);
		return p.rc;
	}
	skip_blanks(&p);
	p.c->root = parse_or(&p);
	if (p.c->root) {
		skip_blanks(&p);
		if (p.pos < p.len)
			fail(&p, p.pos, "unexpected text after the condition");
	}
	if (p.rc) {
		pt_cond_free(p.c);
		return p.rc;
	}
	p.c->evmask = cond_evmask(p.c->root);
	*out = p.c;
	return 0;
}
