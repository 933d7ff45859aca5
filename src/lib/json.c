/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON output. The member writers (pt_json_kv_*) append "key":value with no
 * separator around it; the caller places the commas. A string that is not
 * valid UTF-8 is written with each byte that is not part of a valid sequence
 * replaced by U+FFFD, followed by a sibling member "key_b64" holding the exact
 * bytes in standard base64, so the output stays valid UTF-8 and lossless.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"

/* Per byte: 0 copies as is, 'h' starts a multi-byte sequence (or is invalid),
 * 'u' needs \u00XX, anything else is the letter of a two-character escape. */
static const char esc_tab[256] = {
	[0x00 ... 0x07] = 'u', [0x08] = 'b',  [0x09] = 't', [0x0a] = 'n',
	[0x0b] = 'u',	       [0x0c] = 'f',  [0x0d] = 'r', [0x0e ... 0x1f] = 'u',
	['"'] = '"',	       ['\\'] = '\\', [0x7f] = 'u', [0x80 ... 0xff] = 'h',
};

static const char hex_digits[] = "0123456789abcdef";

static const char b64_tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char digits2[] = "0001020304050607080910111213141516171819"
			      "2021222324252627282930313233343536373839"
			      "4041424344454647484950515253545556575859"
			      "6061626364656667686970717273747576777879"
			      "8081828384858687888990919293949596979899";

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LIT(b, s) put((b), (s), sizeof(s) - 1)

/* pt_buf_add and pt_buf_addc without the call when there is room. */
static inline void put(struct pt_buf *b, const void *s, size_t n)
{
	if (!b->oom && n < b->cap - b->len) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	} else {
		pt_buf_add(b, s, n);
	}
}

static inline void put1(struct pt_buf *b, char c)
{
	if (!b->oom && b->len + 1 < b->cap)
		b->p[b->len++] = c;
	else
		pt_buf_addc(b, c);
}

static inline void put_cstr(struct pt_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629, table 3-7). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		len = 2;
	} else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

size_t pt_utf8_seq(const char *s, size_t n)
{
	return utf8_seq((const unsigned char *)s, n);
}

static inline uint64_t load8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

bool pt_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		if (n - i >= 8 && !(load8(p + i) & HIGHS)) {
			i += 8;
			continue;
		}
		l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static inline uint64_t has_zero(uint64_t v)
{
	return (v - ONES) & ~v & HIGHS;
}

/* Eight bytes that need no escaping and are all ASCII. */
static inline bool plain8(uint64_t v)
{
	return !(v & HIGHS) && !((v - ONES * 0x20) & ~v & HIGHS) && !has_zero(v ^ (ONES * '"')) &&
		!has_zero(v ^ (ONES * '\\')) && !has_zero(v ^ (ONES * 0x7f));
}

/* Index of the first byte at or after i that must not be copied verbatim. */
static size_t plain_run(const unsigned char *p, size_t i, size_t n)
{
	size_t l;

	while (i < n) {
		if (n - i >= 8 && plain8(load8(p + i))) {
			i += 8;
			continue;
		}
		switch (esc_tab[p[i]]) {
		case 0:
			i++;
			continue;
		case 'h':
			l = utf8_seq(p + i, n - i);
			if (!l)
				return i;
			i += l;
			continue;
		default:
			return i;
		}
	}
	return n;
}

bool pt_json_str(struct pt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool valid = true;
	size_t i = 0, run;
	char e[6];

	if (!s)
		n = 0;
	if (n + 2 >= b->cap - b->len)
		pt_buf_reserve(b, n + 2);
	put1(b, '"');
	while (i < n) {
		run = plain_run(p, i, n);
		put(b, p + i, run - i);
		if (run == n)
			break;
		i = run;
		switch (esc_tab[p[i]]) {
		case 'h':
			LIT(b, "\xef\xbf\xbd");
			valid = false;
			break;
		case 'u':
			e[0] = '\\';
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex_digits[p[i] >> 4];
			e[5] = hex_digits[p[i] & 0xf];
			put(b, e, 6);
			break;
		default:
			e[0] = '\\';
			e[1] = esc_tab[p[i]];
			put(b, e, 2);
			break;
		}
		i++;
	}
	put1(b, '"');
	return valid;
}

void pt_base64(struct pt_buf *b, const void *data, size_t n)
{
	const unsigned char *s = data;
	uint32_t v;
	char *d;

	if (n > (SIZE_MAX / 4 - 1) * 3) {
		b->oom = true;
		return;
	}
	if (!n || pt_buf_reserve(b, (n + 2) / 3 * 4) < 0)
		return;
	d = b->p + b->len;
	for (; n >= 3; n -= 3, s += 3, d += 4) {
		v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
		d[0] = b64_tab[v >> 18];
		d[1] = b64_tab[(v >> 12) & 63];
		d[2] = b64_tab[(v >> 6) & 63];
		d[3] = b64_tab[v & 63];
	}
	if (n) {
		v = (uint32_t)s[0] << 16 | (n == 2 ? (uint32_t)s[1] << 8 : 0);
		d[0] = b64_tab[v >> 18];
		d[1] = b64_tab[(v >> 12) & 63];
		d[2] = n == 2 ? b64_tab[(v >> 6) & 63] : '=';
		d[3] = '=';
		d += 4;
	}
	b->len = (size_t)(d - b->p);
}

static void put_b64_str(struct pt_buf *b, const void *data, size_t n)
{
	put1(b, '"');
	pt_base64(b, data, n);
	put1(b, '"');
}

static inline void put_key(struct pt_buf *b, const char *key, const char *suffix)
{
	put1(b, '"');
	put_cstr(b, key);
	if (suffix)
		put_cstr(b, suffix);
	LIT(b, "\":");
}

void pt_json_kv_str(struct pt_buf *b, const char *key, const char *s, size_t n)
{
	put_key(b, key, NULL);
	if (!s) {
		LIT(b, "null");
		return;
	}
	if (pt_json_str(b, s, n))
		return;
	put1(b, ',');
	put_key(b, key, "_b64");
	put_b64_str(b, s, n);
}

/* Length of the argument starting at off; args need not end with a NUL. */
static size_t arg_len(const char *args, size_t len, size_t off)
{
	const char *z = memchr(args + off, '\0', len - off);

	return z ? (size_t)(z - (args + off)) : len - off;
}

void pt_json_kv_args(struct pt_buf *b, const char *key, const char *args, size_t len)
{
	bool valid = true;
	size_t off, n;

	put_key(b, key, NULL);
	if (!args) {
		LIT(b, "null");
		return;
	}
	put1(b, '[');
	for (off = 0; off < len; off += n + 1) {
		n = arg_len(args, len, off);
		if (off)
			put1(b, ',');
		if (!pt_json_str(b, args + off, n))
			valid = false;
	}
	put1(b, ']');
	if (valid)
		return;

	put1(b, ',');
	put_key(b, key, "_b64");
	put1(b, '[');
	for (off = 0; off < len; off += n + 1) {
		n = arg_len(args, len, off);
		if (off)
			put1(b, ',');
		put_b64_str(b, args + off, n);
	}
	put1(b, ']');
}

/* ---- numbers and times ---- */

static char *fmt_u64(char *end, uint64_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, digits2 + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

static void put_u64(struct pt_buf *b, uint64_t v)
{
	char t[20], *s = fmt_u64(t + sizeof(t), v);

	put(b, s, (size_t)(t + sizeof(t) - s));
}

static void put_i64(struct pt_buf *b, int64_t v)
{
	char t[21], *s = fmt_u64(t + sizeof(t), v < 0 ? -(uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--s = '-';
	put(b, s, (size_t)(t + sizeof(t) - s));
}

static char *put2(char *d, unsigned v)
{
	memcpy(d, digits2 + 2 * v, 2);
	return d + 2;
}

/* Days since 1970-01-01 of 0000-01-01 and of 9999-12-31, the RFC 3339 range. */
#define DAYS_MIN (-719528)
#define DAYS_MAX 2932896

void pt_fmt_time(char out[32], int64_t us)
{
	int64_t secs = us / 1000000, frac = us % 1000000, days, sod, z, era;
	unsigned doe, yoe, doy, mp, y, m, d;
	char *o = out;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	if (days < DAYS_MIN) {
		days = DAYS_MIN;
		sod = 0;
		frac = 0;
	} else if (days > DAYS_MAX) {
		days = DAYS_MAX;
		sod = 86399;
		frac = 999999;
	}

	/* Civil from days, counting from 0000-03-01 (H. Hinnant's algorithm). */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (unsigned)(yoe + era * 400) + (m <= 2);

	o = put2(o, y / 100);
	o = put2(o, y % 100);
	*o++ = '-';
	o = put2(o, m);
	*o++ = '-';
	o = put2(o, d);
	*o++ = 'T';
	o = put2(o, (unsigned)(sod / 3600));
	*o++ = ':';
	o = put2(o, (unsigned)(sod / 60 % 60));
	*o++ = ':';
	o = put2(o, (unsigned)(sod % 60));
	*o++ = '.';
	o = put2(o, (unsigned)(frac / 10000));
	o = put2(o, (unsigned)(frac / 100 % 100));
	o = put2(o, (unsigned)(frac % 100));
	*o++ = 'Z';
	*o = '\0';
}

#define TIME_LEN 27 /* 2026-11-21T20:36:26.123456Z */

/* ---- object writer: puts the comma before every member but the first ---- */

struct jw {
	struct pt_buf *b;
	bool more;
};

static inline void jw_key(struct jw *w, const char *key)
{
	if (w->more)
		put1(w->b, ',');
	w->more = true;
	put_key(w->b, key, NULL);
}

/* Start a member written by a pt_json_kv_* function. */
static void jw_sep(struct jw *w)
{
	if (w->more)
		put1(w->b, ',');
	w->more = true;
}

static void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	LIT(w->b, "null");
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	if (v)
		LIT(w->b, "true");
	else
		LIT(w->b, "false");
}

static void jw_bool_if(struct jw *w, const char *key, bool known, bool v)
{
	if (known)
		jw_bool(w, key, v);
	else
		jw_null(w, key);
}

/* A name from our own tables: plain ASCII, no escaping needed. */
static void jw_name(struct jw *w, const char *key, const char *name)
{
	jw_key(w, key);
	put1(w->b, '"');
	put_cstr(w->b, name);
	put1(w->b, '"');
}

static void jw_str(struct jw *w, const char *key, const char *s, size_t n)
{
	jw_sep(w);
	pt_json_kv_str(w->b, key, s, n);
}

static void jw_cstr(struct jw *w, const char *key, const char *s)
{
	jw_str(w, key, s, s ? strlen(s) : 0);
}

static void jw_args(struct jw *w, const char *key, const char *args, size_t len)
{
	jw_sep(w);
	pt_json_kv_args(w->b, key, args, len);
}

static void jw_time_any(struct jw *w, const char *key, int64_t us)
{
	char t[32];

	pt_fmt_time(t, us);
	t[TIME_LEN] = '"';
	jw_key(w, key);
	put1(w->b, '"');
	put(w->b, t, TIME_LEN + 1);
}

/* A time, or null when 0 (the "unknown" of every time field but the event's). */
static void jw_time(struct jw *w, const char *key, int64_t us)
{
	if (us)
		jw_time_any(w, key, us);
	else
		jw_null(w, key);
}

/* ---- values ---- */

static void put_execs(struct pt_buf *b, const struct pt_proc *p)
{
	const struct pt_exec *e;

	put1(b, '[');
	for (unsigned i = 0; p && p->execs && i < p->nexecs; i++) {
		struct jw o = {b, false};

		e = &p->execs[i];
		if (i)
			put1(b, ',');
		put1(b, '{');
		jw_time(&o, "time", e->time_us);
		jw_cstr(&o, "exe", e->exe);
		jw_args(&o, "argv", e->args_len ? e->args : NULL, e->args_len);
		jw_bool_if(&o, "argv_truncated", e->args && e->args_len, e->args_truncated);
		put1(b, '}');
	}
	put1(b, ']');
}

/* Milliseconds with three decimals from non-negative microseconds. */
static void put_ms(struct pt_buf *b, int64_t us)
{
	char t[4];

	put_u64(b, (uint64_t)us / 1000);
	t[0] = '.';
	t[1] = (char)('0' + us % 1000 / 100);
	put2(t + 2, (unsigned)(us % 100));
	put(b, t, 4);
}

void pt_json_value(struct pt_buf *b, const char *key, const struct pt_value *v)
{
	char t[32];

	if (key && (v->type == PT_TYPE_STR || v->type == PT_TYPE_ARGS) && v->known && !v->null) {
		if (v->type == PT_TYPE_STR)
			pt_json_kv_str(b, key, v->s ? v->s : "", v->len);
		else
			pt_json_kv_args(b, key, v->s ? v->s : "", v->len);
		return;
	}
	if (key)
		put_key(b, key, NULL);
	if (!v->known || v->null) {
		LIT(b, "null");
		return;
	}
	switch (v->type) {
	case PT_TYPE_INT:
		put_i64(b, v->i);
		break;
	case PT_TYPE_UINT:
		put_u64(b, v->u);
		break;
	case PT_TYPE_BOOL:
		if (v->b)
			LIT(b, "true");
		else
			LIT(b, "false");
		break;
	case PT_TYPE_TIME:
		pt_fmt_time(t, v->i);
		put1(b, '"');
		put(b, t, TIME_LEN);
		put1(b, '"');
		break;
	case PT_TYPE_DURATION:
		if (v->i < 0)
			LIT(b, "null");
		else
			put_ms(b, v->i);
		break;
	case PT_TYPE_EXECS:
		put_execs(b, v->proc);
		break;
	case PT_TYPE_ARGS: {
		size_t off = 0, n;

		put1(b, '[');
		for (; off < v->len; off += n + 1) {
			n = arg_len(v->s, v->len, off);
			if (off)
				put1(b, ',');
			pt_json_str(b, v->s + off, n);
		}
		put1(b, ']');
		break;
	}
	default: /* STR, NAME */
		pt_json_str(b, v->s, v->len);
		break;
	}
}

/* ---- objects from the registry ---- */

#define MISSING_MAX 32

/* The "missing" member: each unknown field's key and why, once. */
struct missing {
	const char *key[MISSING_MAX];
	uint8_t why[MISSING_MAX];
	unsigned n;
};

static void miss_add(struct missing *ms, const struct pt_field_def *d, enum pt_why why)
{
	const char *key = d->miss ? d->miss : d->slot ? pt_field_name(d->slot - 1) : d->json;

	for (unsigned i = 0; i < ms->n; i++)
		if (strcmp(ms->key[i], key) == 0)
			return;
	if (ms->n == MISSING_MAX)
		return;
	ms->key[ms->n] = key;
	ms->why[ms->n++] = (uint8_t)why;
}

static void put_missing(struct jw *w, const struct missing *ms)
{
	struct jw o = {w->b, false};

	if (!ms->n)
		return;
	jw_key(w, "missing");
	put1(w->b, '{');
	for (unsigned i = 0; i < ms->n; i++)
		jw_name(&o, ms->key[i], pt_why_name((enum pt_why)ms->why[i]));
	put1(w->b, '}');
}

static void put_member(struct jw *w, const char *key, const struct pt_field_def *d,
		       const struct pt_value *v, struct missing *ms)
{
	if (!v->known) {
		if (d->jflags & PT_J_OMIT_UNKNOWN)
			return;
		miss_add(ms, d, v->why);
	} else if (v->null && (d->jflags & PT_J_OMIT_NULL)) {
		return;
	} else if (v->type == PT_TYPE_BOOL && !v->b && (d->jflags & PT_J_OMIT_FALSE)) {
		return;
	}
	jw_sep(w);
	pt_json_value(w->b, key, v);
}

/* Is row d a member of this object? ev NULL: a process object. */
static bool wanted(const struct pt_field_def *d, const struct pt_field_ctx *c)
{
	if (d->jflags & PT_J_OMIT_HOST) {
		const struct pt_proc *p = c->p ? c->p : c->ev ? c->ev->proc : NULL;

		if (!p || !p->ctr || p->src[PT_F_CONTAINER] == PT_SRC_NONE)
			return false;
	}
	if (c->ev)
		return d->evmask & PT_EVMASK(c->ev->type);
	if (!(d->jflags & PT_J_REC))
		return false;
	return !(d->jflags & PT_J_EXITED) || c->p->state != PT_STATE_ALIVE;
}

#define GROUP_MAX 16

/*
 * Rows named "a.x", "a.y" form the object "a". When the rows' provenance slot
 * is unknown the object is null; a group without a slot is left out when none
 * of its members has a value. Returns the index after the group.
 */
static unsigned put_group(struct jw *w, const struct pt_field_ctx *c, unsigned i,
			  struct missing *ms)
{
	const struct pt_field_def *d = &pt_field_table[i], *rows[GROUP_MAX];
	const struct pt_proc *p = c->p ? c->p : c->ev ? c->ev->proc : NULL;
	size_t plen = (size_t)(strchr(d->json, '.') - d->json);
	struct pt_value v[GROUP_MAX];
	unsigned j, n = 0, any = 0;
	char key[32];

	for (j = i; j < pt_field_table_len && n < GROUP_MAX; j++) {
		const struct pt_field_def *e = &pt_field_table[j];

		if (!(e->jflags & PT_J_MEMBER) || strncmp(e->json, d->json, plen + 1) != 0)
			break;
		if (!wanted(e, c))
			continue;
		if (pt_field_read(e, c, &v[n]) < 0)
			continue;
		any += v[n].known && !v[n].null;
		rows[n++] = e;
	}
	if (!n || plen >= sizeof(key))
		goto out;
	memcpy(key, d->json, plen);
	key[plen] = '\0';
	if (d->slot && p && p->src[d->slot - 1] == PT_SRC_NONE) {
		/* a group added to the schema later (caps) is left out of records
		 * that never had it, so older recordings write back as they were */
		if ((d->jflags & PT_J_OMIT_UNKNOWN) && p->why[d->slot - 1] == PT_WHY_NOT_READ)
			goto out;
		jw_null(w, key);
		miss_add(ms, d, (enum pt_why)p->why[d->slot - 1]);
		goto out;
	}
	if (!d->slot && !any)
		goto out;
	jw_key(w, key);
	put1(w->b, '{');
	{
		struct jw o = {w->b, false};

		for (unsigned k = 0; k < n; k++)
			put_member(&o, rows[k]->json + plen + 1, rows[k], &v[k], ms);
	}
	put1(w->b, '}');
out:
	for (unsigned k = 0; k < n; k++)
		pt_value_free(&v[k]);
	return j;
}

static void put_rows(struct jw *w, const struct pt_field_ctx *c, struct missing *ms)
{
	struct pt_value v;
	unsigned i = 0;
	int r;

	while (i < pt_field_table_len) {
		const struct pt_field_def *d = &pt_field_table[i];

		if (!wanted(d, c)) {
			i++;
			continue;
		}
		if (d->jflags & PT_J_MEMBER) {
			i = put_group(w, c, i, ms);
			continue;
		}
		i++;
		r = pt_field_read(d, c, &v);
		if (r == -ENOMEM)
			w->b->oom = true;
		if (r < 0)
			continue;
		put_member(w, d->json, d, &v, ms);
		if (v.owned)
			pt_value_free(&v);
	}
}

static void put_inherited(struct jw *w, const struct pt_proc *p)
{
	bool any = false;

	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		if (p->src[f] != PT_SRC_INHERITED)
			continue;
		if (!any) {
			jw_key(w, "inherited");
			put1(w->b, '[');
		} else {
			put1(w->b, ',');
		}
		any = true;
		put1(w->b, '"');
		put_cstr(w->b, pt_field_name(f));
		put1(w->b, '"');
	}
	if (any)
		put1(w->b, ']');
}

/* The members of pt_json_proc_buf(), without the braces. */
static void put_proc_members(struct jw *w, const struct pt_monitor *m, const struct pt_proc *p)
{
	struct pt_field_ctx c = {.m = m, .p = p, .arg = -1};
	struct missing ms;

	ms.n = 0;
	put_rows(w, &c, &ms);
	put_missing(w, &ms);
	put_inherited(w, p);
}

void pt_json_proc_buf(struct pt_buf *b, const struct pt_proc *p)
{
	struct jw w = {b, false};

	pt_buf_reserve(b, 512);
	put1(b, '{');
	put_proc_members(&w, NULL, p);
	put1(b, '}');
}

struct kids {
	const struct pt_proc **v;
	size_t n, cap;
};

static int kid_add(const struct pt_proc *p, void *data)
{
	struct kids *k = data;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		const struct pt_proc **v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = p;
	return 0;
}

static int kid_cmp(const void *a, const void *b)
{
	const struct pt_proc *x = *(const struct pt_proc *const *)a;
	const struct pt_proc *y = *(const struct pt_proc *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * One node: the process object plus "children", sorted by pid. Below
 * PT_JSON_TREE_DEPTH the children are left out and "children_truncated" says
 * so: a chain of nested processes must not overflow the caller's stack.
 */
static int put_tree(struct pt_buf *b, const struct pt_monitor *m, const struct pt_proc *p,
		    unsigned select, unsigned depth)
{
	struct jw w = {b, false};
	struct kids k = {0};
	int r = 0;

	put1(b, '{');
	put_proc_members(&w, m, p);
	if (depth >= PT_JSON_TREE_DEPTH) {
		jw_bool(&w, "children_truncated", true);
		put1(b, '}');
		return 0;
	}
	r = pt_foreach_child(m, p, select, kid_add, &k);
	if (r >= 0) {
		if (k.n > 1)
			qsort(k.v, k.n, sizeof(*k.v), kid_cmp);
		jw_key(&w, "children");
		put1(b, '[');
		for (size_t i = 0; i < k.n && r >= 0; i++) {
			if (i)
				put1(b, ',');
			r = put_tree(b, m, k.v[i], select, depth + 1);
		}
		put1(b, ']');
	}
	put1(b, '}');
	free(k.v);
	return r < 0 ? r : 0;
}

void pt_json_event_buf(struct pt_buf *b, const struct pt_event *ev)
{
	struct pt_field_ctx c = {.ev = ev, .arg = -1};
	struct pt_event lost;
	struct jw w = {b, false};
	struct missing ms;

	/* a lost event describes no process, whatever proc says */
	if (ev->type == PT_EV_LOST && ev->proc) {
		lost = *ev;
		lost.proc = NULL;
		c.ev = &lost;
	}
	ms.n = 0;
	pt_buf_reserve(b, 512);
	put1(b, '{');
	put_rows(&w, &c, &ms);
	put_missing(&w, &ms);
	put1(b, '}');
}

/* ---- containers and ancestors ---- */

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	put_u64(w->b, v);
}

static void jw_cstr_if(struct jw *w, const char *key, const char *s)
{
	if (s && *s)
		jw_cstr(w, key, s);
}

void pt_json_container_buf(struct pt_buf *b, const struct pt_container *c)
{
	struct jw w = {b, false};
	const char *rt = pt_runtime_name(c->runtime), *qos = pt_qos_name(c->qos);

	put1(b, '{');
	jw_cstr(&w, "id", c->id);
	jw_name(&w, "runtime", rt ? rt : "unknown");
	jw_cstr_if(&w, "name", c->name);
	jw_cstr_if(&w, "image", c->image);
	jw_cstr_if(&w, "image_repository", c->image_repo);
	jw_cstr_if(&w, "image_tag", c->image_tag);
	jw_cstr_if(&w, "image_id", c->image_id);
	jw_cstr_if(&w, "pod_name", c->pod_name);
	jw_cstr_if(&w, "ns_name", c->pod_ns);
	jw_cstr_if(&w, "pod_uid", c->pod_uid);
	if (qos)
		jw_name(&w, "qos", qos);
	jw_cstr_if(&w, "namespace", c->ns);
	jw_cstr_if(&w, "cgroup", c->cgroup);
	if (c->cgroup_id)
		jw_u64(&w, "cgroup_id", c->cgroup_id);
	if (c->nouter) {
		jw_key(&w, "outer_ids");
		put1(b, '[');
		for (unsigned i = 0; i < c->nouter; i++) {
			if (i)
				put1(b, ',');
			pt_json_str(b, c->outer[i] ? c->outer[i] : "",
				    c->outer[i] ? strlen(c->outer[i]) : 0);
		}
		put1(b, ']');
	}
	if (c->created_us)
		jw_time(&w, "created", c->created_us);
	if (c->why == PT_WHY_NONE)
		jw_bool(&w, "privileged", c->privileged);
	if (c->first_us)
		jw_time(&w, "first_seen", c->first_us);
	jw_u64(&w, "live", c->live);
	if (c->why != PT_WHY_NONE) {
		struct jw o = {b, false};

		jw_key(&w, "missing");
		put1(b, '{');
		jw_name(&o, "container_meta", pt_why_name((enum pt_why)c->why));
		put1(b, '}');
	}
	put1(b, '}');
}

PT_EXPORT char *pt_json_container(const struct pt_container *c)
{
	struct pt_buf b;

	if (!c) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	pt_json_container_buf(&b, c);
	return pt_buf_steal(&b, NULL);
}

void pt_json_ancestors_buf(struct pt_buf *b, const struct pt_monitor *m, const struct pt_proc *p,
			   unsigned n)
{
	const struct pt_proc *a = p;

	put1(b, '[');
	for (unsigned i = 0; i < n && (a = pt_parent_orig(m, a)); i++) {
		struct jw w = {b, false};
		char key[PT_KEY_MAX];
		int kn;

		if (i)
			put1(b, ',');
		put1(b, '{');
		kn = pt_proc_key(a, key, sizeof(key));
		if (kn > 0)
			jw_str(&w, "key", key, (size_t)kn);
		else
			jw_null(&w, "key");
		jw_key(&w, "pid");
		put_i64(b, a->pid);
		if (pt_proc_has(a, PT_F_COMM))
			jw_str(&w, "comm", a->comm, strnlen(a->comm, PT_COMM_LEN));
		else
			jw_null(&w, "comm");
		if (pt_proc_has(a, PT_F_EXE))
			jw_cstr(&w, "exe", a->exe);
		else
			jw_null(&w, "exe");
		put1(b, '}');
	}
	put1(b, ']');
}

PT_EXPORT char *pt_json_ancestors(const struct pt_monitor *m, const struct pt_proc *p, unsigned n)
{
	struct pt_buf b;

	if (!m || !p) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	pt_json_ancestors_buf(&b, m, p, n);
	return pt_buf_steal(&b, NULL);
}

/* ---- public ---- */

PT_EXPORT char *pt_json_proc(const struct pt_proc *p, size_t *len)
{
	struct pt_buf b;

	if (!p) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	pt_json_proc_buf(&b, p);
	return pt_buf_steal(&b, len);
}

PT_EXPORT char *pt_json_tree(const struct pt_monitor *m, const struct pt_proc *root,
			     unsigned select, size_t *len)
{
	struct pt_buf b;
	int r;

	if (!m || !root || !(select & PT_SEL_ALL)) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	r = put_tree(&b, m, root, select, 0);
	if (r < 0) {
		pt_buf_free(&b);
		errno = -r;
		return NULL;
	}
	return pt_buf_steal(&b, len);
}

PT_EXPORT char *pt_json_event(const struct pt_event *ev, size_t *len)
{
	struct pt_buf b;

	if (!ev) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	pt_json_event_buf(&b, ev);
	return pt_buf_steal(&b, len);
}

PT_EXPORT char *pt_value_json(const struct pt_value *v, const char *key, size_t *len)
{
	struct pt_buf b;

	if (!v) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	pt_json_value(&b, key, v);
	return pt_buf_steal(&b, len);
}

PT_EXPORT char *pt_json_fields(const struct pt_field_ref *f, size_t n, const struct pt_monitor *m,
			       const struct pt_proc *p, const struct pt_event *ev, size_t *len)
{
	struct pt_buf b;
	struct pt_value v;
	char key[96];
	int r;

	if ((n && !f) || (!p && !ev)) {
		errno = EINVAL;
		return NULL;
	}
	pt_buf_init(&b);
	put1(&b, '{');
	for (size_t i = 0; i < n; i++) {
		r = pt_field_value(&f[i], m, p, ev, &v);
		if (r < 0) {
			pt_buf_free(&b);
			errno = -r;
			return NULL;
		}
		if (i)
			put1(&b, ',');
		if (f[i].arg >= 0) /* aname[1] and aname[2] are two members */
			snprintf(key, sizeof(key), "%s[%d]", pt_field_def_json(f[i].def), f[i].arg);
		else
			snprintf(key, sizeof(key), "%s", pt_field_def_json(f[i].def));
		pt_json_value(&b, key, &v);
		pt_value_free(&v);
	}
	put1(&b, '}');
	return pt_buf_steal(&b, len);
}
