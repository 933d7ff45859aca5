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
#include <stdlib.h>
#include <string.h>

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

static void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	put_u64(w->b, v);
}

static void jw_u64_if(struct jw *w, const char *key, bool known, uint64_t v)
{
	if (known)
		jw_u64(w, key, v);
	else
		jw_null(w, key);
}

static void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	put_i64(w->b, v);
}

static void jw_i64_if(struct jw *w, const char *key, bool known, int64_t v)
{
	if (known)
		jw_i64(w, key, v);
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

static void jw_comm(struct jw *w, const char *key, const char *comm)
{
	jw_str(w, key, comm, comm ? strnlen(comm, PT_COMM_LEN) : 0);
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

/* Milliseconds with three decimals from microseconds; null when negative. */
static void jw_ms(struct jw *w, const char *key, int64_t us)
{
	char t[4];

	if (us < 0) {
		jw_null(w, key);
		return;
	}
	jw_key(w, key);
	put_u64(w->b, (uint64_t)us / 1000);
	t[0] = '.';
	t[1] = (char)('0' + us % 1000 / 100);
	put2(t + 2, (unsigned)(us % 100));
	put(w->b, t, 4);
}

/* ---- process records ---- */

#define HAS(p, f) ((p)->src[f] != PT_SRC_NONE)

static const enum pt_ns ns_order[] = {
	PT_NS_MNT, PT_NS_PID, PT_NS_NET, PT_NS_USER, PT_NS_UTS, PT_NS_IPC, PT_NS_CGROUP, PT_NS_TIME,
};

static void put_ns(struct jw *w, const struct pt_proc *p)
{
	struct jw o = {w->b, false};

	if (!HAS(p, PT_F_NS)) {
		jw_null(w, "ns");
		return;
	}
	jw_key(w, "ns");
	put1(w->b, '{');
	for (size_t i = 0; i < PT_ARRAY_SIZE(ns_order); i++)
		if (p->ns[ns_order[i]])
			jw_u64(&o, pt_ns_name(ns_order[i]), p->ns[ns_order[i]]);
	put1(w->b, '}');
}

/* "missing": {field: reason} for the unknown fields in mask, if any. */
static void put_missing(struct jw *w, const struct pt_proc *p, unsigned mask)
{
	struct jw o = {w->b, false};
	enum pt_why why;

	for (unsigned f = 0; f < PT_F_COUNT; f++) {
		if (!(mask & PT_FMASK(f)) || p->src[f] != PT_SRC_NONE)
			continue;
		if (!o.more) {
			jw_key(w, "missing");
			put1(w->b, '{');
		}
		why = p->why[f] == PT_WHY_NONE ? PT_WHY_NOT_READ : (enum pt_why)p->why[f];
		jw_name(&o, pt_field_name(f), pt_why_name(why));
	}
	if (o.more)
		put1(w->b, '}');
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

static void put_execs(struct jw *w, const struct pt_proc *p)
{
	const struct pt_exec *e;

	if (!p->nexecs || !p->execs)
		return;
	jw_key(w, "execs");
	put1(w->b, '[');
	for (unsigned i = 0; i < p->nexecs; i++) {
		struct jw o = {w->b, false};

		e = &p->execs[i];
		if (i)
			put1(w->b, ',');
		put1(w->b, '{');
		jw_time(&o, "time", e->time_us);
		jw_cstr(&o, "exe", e->exe);
		jw_args(&o, "argv", e->args_len ? e->args : NULL, e->args_len);
		jw_bool_if(&o, "argv_truncated", e->args && e->args_len, e->args_truncated);
		put1(w->b, '}');
	}
	put1(w->b, ']');
}

static void put_argv(struct jw *w, const struct pt_proc *p)
{
	if (!HAS(p, PT_F_ARGV)) {
		jw_null(w, "argv");
		jw_null(w, "argv_truncated");
		return;
	}
	if (p->args)
		jw_args(w, "argv", p->args, p->args_len);
	else
		jw_args(w, "argv", "", 0);
	jw_bool(w, "argv_truncated", p->args_truncated);
}

static const char *const state_names[] = {
	[PT_STATE_ALIVE] = "alive",
	[PT_STATE_EXITED] = "exited",
	[PT_STATE_EXIT_UNKNOWN] = "exit_unknown",
};

static void put_exit(struct jw *w, const struct pt_proc *p)
{
	bool exited = p->state == PT_STATE_EXITED;

	jw_time(w, "exit_time", p->exit_us);
	jw_i64_if(w, "exit_code", exited && p->exit_signal <= 0 && p->exit_code >= 0, p->exit_code);
	jw_i64_if(w, "signal", exited && p->exit_signal > 0, p->exit_signal);
	jw_bool_if(w, "core_dumped", exited, p->core_dumped);
	if (p->exit_us && p->start_us && p->exit_us >= p->start_us)
		jw_ms(w, "duration_ms", p->exit_us - p->start_us);
	else
		jw_null(w, "duration_ms");
}

void pt_json_proc_buf(struct pt_buf *b, const struct pt_proc *p)
{
	struct jw w = {b, false};
	bool creds = HAS(p, PT_F_CREDS);

	pt_buf_reserve(b, 512);
	put1(b, '{');
	jw_i64(&w, "pid", p->pid);
	jw_i64_if(&w, "ppid", HAS(p, PT_F_PPID), p->ppid);
	jw_u64_if(&w, "start", HAS(p, PT_F_START), p->start);
	jw_name(&w, "state",
		(unsigned)p->state < PT_ARRAY_SIZE(state_names) ? state_names[p->state]
								: "unknown");
	jw_comm(&w, "comm", HAS(p, PT_F_COMM) ? p->comm : NULL);
	jw_cstr(&w, "exe", HAS(p, PT_F_EXE) ? p->exe : NULL);
	put_argv(&w, p);
	jw_u64_if(&w, "uid", creds, p->uid);
	jw_u64_if(&w, "euid", creds, p->euid);
	jw_u64_if(&w, "gid", creds, p->gid);
	jw_u64_if(&w, "egid", creds, p->egid);
	jw_i64_if(&w, "sid", HAS(p, PT_F_SID), p->sid);
	jw_i64_if(&w, "pgid", HAS(p, PT_F_PGID), p->pgid);
	jw_i64_if(&w, "tty", HAS(p, PT_F_TTY), p->tty_nr);
	jw_cstr(&w, "cwd", HAS(p, PT_F_CWD) ? p->cwd : NULL);
	jw_cstr(&w, "cgroup", HAS(p, PT_F_CGROUP) ? p->cgroup : NULL);
	jw_cstr(&w, "container_id", HAS(p, PT_F_CGROUP) ? p->container_id : NULL);
	put_ns(&w, p);
	jw_name(&w, "tier", pt_tier_name(p->tier));
	jw_time(&w, "start_time", p->start_us);
	if (p->state != PT_STATE_ALIVE)
		put_exit(&w, p);
	jw_u64(&w, "threads", p->nthreads);
	put_execs(&w, p);
	put_missing(&w, p, PT_FMASK_ALL);
	put_inherited(&w, p);
	put1(b, '}');
}

/* ---- events ---- */

#define EV_FIELDS                                                                                \
	(PT_FMASK(PT_F_START) | PT_FMASK(PT_F_COMM) | PT_FMASK(PT_F_EXE) | PT_FMASK(PT_F_ARGV) | \
	 PT_FMASK(PT_F_CREDS))

/* The record's fields, with what the event itself carries taking precedence. */
static void put_ev_proc(struct jw *w, const struct pt_event *ev, const struct pt_proc *p)
{
	bool creds = p && HAS(p, PT_F_CREDS);

	if (p)
		jw_u64_if(w, "start", HAS(p, PT_F_START), p->start);
	if (ev->type == PT_EV_COMM)
		jw_comm(w, "comm", ev->u.comm.comm);
	else if (p)
		jw_comm(w, "comm", HAS(p, PT_F_COMM) ? p->comm : NULL);
	if (p) {
		jw_cstr(w, "exe", HAS(p, PT_F_EXE) ? p->exe : NULL);
		put_argv(w, p);
	}
	if (ev->type == PT_EV_UID) {
		jw_u64(w, "uid", ev->u.uid.ruid);
		jw_u64(w, "euid", ev->u.uid.euid);
	} else if (p) {
		jw_u64_if(w, "uid", creds, p->uid);
		jw_u64_if(w, "euid", creds, p->euid);
	}
	if (ev->type == PT_EV_GID) {
		jw_u64(w, "gid", ev->u.gid.rgid);
		jw_u64(w, "egid", ev->u.gid.egid);
	} else if (p) {
		jw_u64_if(w, "gid", creds, p->gid);
		jw_u64_if(w, "egid", creds, p->egid);
	}
}

static void put_ev_exit(struct jw *w, const struct pt_event *ev)
{
	int sig = ev->u.exit.signal, code = ev->u.exit.exit_code;

	jw_i64_if(w, "exit_code", sig <= 0 && code >= 0, code);
	jw_i64_if(w, "signal", sig > 0, sig);
	jw_ms(w, "duration_ms", ev->u.exit.duration_us);
	jw_bool(w, "core_dumped", ev->u.exit.core_dumped);
}

static void put_ev_type(struct jw *w, const struct pt_event *ev, const struct pt_proc *p)
{
	switch (ev->type) {
	case PT_EV_EXIT:
		put_ev_exit(w, ev);
		break;
	case PT_EV_COMM:
		jw_comm(w, "old_comm", ev->u.comm.old);
		break;
	case PT_EV_SID:
		jw_i64_if(w, "sid", p && HAS(p, PT_F_SID), p ? p->sid : 0);
		break;
	case PT_EV_PTRACE:
		jw_i64(w, "tracer_pid", ev->u.ptrace.tracer_pid);
		jw_i64(w, "tracer_tid", ev->u.ptrace.tracer_tid);
		break;
	case PT_EV_LOST:
		jw_u64(w, "count", ev->u.lost.count);
		jw_bool(w, "estimated", ev->u.lost.estimated);
		jw_cstr(w, "reason", ev->u.lost.reason);
		break;
	default:
		break;
	}
}

static bool has_window(const struct pt_event *ev)
{
	return ev->window_lo_us || ev->window_hi_us;
}

static void put_window(struct jw *w, const struct pt_event *ev)
{
	struct jw o = {w->b, false};

	jw_key(w, "window");
	put1(w->b, '{');
	jw_time(&o, "from", ev->window_lo_us);
	jw_time(&o, "to", ev->window_hi_us);
	put1(w->b, '}');
}

void pt_json_event_buf(struct pt_buf *b, const struct pt_event *ev)
{
	struct jw w = {b, false};
	bool lost = ev->type == PT_EV_LOST;
	const struct pt_proc *p = lost ? NULL : ev->proc;
	unsigned mask = EV_FIELDS;

	pt_buf_reserve(b, 512);
	put1(b, '{');
	jw_name(&w, "event", pt_event_name(ev->type));
	jw_time_any(&w, "time", ev->time_us);
	if (!lost) {
		jw_i64(&w, "pid", ev->pid);
		jw_i64(&w, "tid", ev->tid);
		jw_i64(&w, "ppid", ev->ppid);
		put_ev_proc(&w, ev, p);
	}
	put_ev_type(&w, ev, p);
	if (ev->thread)
		jw_bool(&w, "thread", true);
	if (ev->synthesized) {
		jw_bool(&w, "synthesized", true);
		if (has_window(ev))
			put_window(&w, ev);
	}
	jw_name(&w, "tier", pt_tier_name(ev->tier));
	if (p) {
		if (ev->type == PT_EV_COMM)
			mask &= ~PT_FMASK(PT_F_COMM);
		put_missing(&w, p, mask);
	}
	put1(b, '}');
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
