/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading JSON back: a pt_json_proc() record into the table, a pt_json_event()
 * event through the table to the subscribers. The lines come from a socket or a
 * file, so nothing in them is trusted: every member is checked for type and
 * range, and for agreement with "missing", before the table is touched.
 *
 * What the writer leaves out is not invented: the provenance of a known field
 * (proc, event, bpf) is not written, so an imported field is "proc" unless the
 * record lists it as "inherited"; and the value of an unknown field is not
 * written, so it reads as zero or empty.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "internal.h"

#define EXECS_MAX 1024
#define MISS_EXIT PT_F_COUNT /* the "exit" slot of "missing" */
#define MISS_SLOTS (PT_F_COUNT + 1)

struct ctx {
	char *why;
	size_t whylen;
};

static int PT_PRINTF(2, 3) bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->whylen) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int oom(struct ctx *c)
{
	if (c->why && c->whylen)
		snprintf(c->why, c->whylen, "out of memory");
	return -ENOMEM;
}

/* ---- scalars ---- */

/* An integer in [lo, hi]; *null set when it is null (an error when null is NULL). */
static int get_int(struct ctx *c, json_t *o, const char *key, long long lo, long long hi,
		   long long *v, bool *null)
{
	json_t *j = json_object_get(o, key);

	if (null)
		*null = false;
	*v = 0;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (json_is_null(j) && null) {
		*null = true;
		return 0;
	}
	if (!json_is_integer(j))
		return bad(c, "member \"%s\": not an integer", key);
	*v = json_integer_value(j);
	if (*v < lo || *v > hi)
		return bad(c, "member \"%s\": %lld out of range", key, *v);
	return 0;
}

static int get_bool(struct ctx *c, json_t *o, const char *key, bool *v, bool *null)
{
	json_t *j = json_object_get(o, key);

	if (null)
		*null = false;
	*v = false;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (json_is_null(j) && null) {
		*null = true;
		return 0;
	}
	if (!json_is_boolean(j))
		return bad(c, "member \"%s\": not a boolean", key);
	*v = json_is_true(j);
	return 0;
}

/* A member that is left out when false. */
static int get_flag(struct ctx *c, json_t *o, const char *key, bool *v)
{
	*v = false;
	return json_object_get(o, key) ? get_bool(c, o, key, v, NULL) : 0;
}

static int get_name(struct ctx *c, json_t *o, const char *key, const char **v)
{
	json_t *j = json_object_get(o, key);

	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (!json_is_string(j))
		return bad(c, "member \"%s\": not a string", key);
	*v = json_string_value(j);
	return 0;
}

static int days_from_civil(int y, unsigned m, unsigned d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (int)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Digits at s[0..n): their value, or -1. */
static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The writer's form only (2026-11-21T20:36:26.123456Z): what pt_fmt_time()
 * gives back the same string for. */
static int parse_time(const char *s, size_t n, int64_t *us)
{
	int y, mo, d, h, mi, sec, frac;
	char back[32];

	if (n != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != '.' || s[26] != 'Z')
		return -EINVAL;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	h = num(s + 11, 2);
	mi = num(s + 14, 2);
	sec = num(s + 17, 2);
	frac = num(s + 20, 6);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59 || frac < 0)
		return -EINVAL;
	*us = ((int64_t)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
	       sec) * 1000000 +
		frac;
	pt_fmt_time(back, *us);
	return memcmp(back, s, 27) == 0 ? 0 : -EINVAL;
}

/* A time, or null (0) when null is allowed. */
static int get_time(struct ctx *c, json_t *o, const char *key, int64_t *us, bool *null)
{
	json_t *j = json_object_get(o, key);

	*us = 0;
	if (null)
		*null = false;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (json_is_null(j) && null) {
		*null = true;
		return 0;
	}
	if (!json_is_string(j) || parse_time(json_string_value(j), json_string_length(j), us) < 0)
		return bad(c, "member \"%s\": not a time as written (RFC 3339, UTC, microseconds)",
			   key);
	return 0;
}

/* Milliseconds with three decimals, as the writer puts a duration; -1 when null. */
static int get_ms(struct ctx *c, json_t *o, const char *key, int64_t *us)
{
	json_t *j = json_object_get(o, key);
	double d;

	*us = -1;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return bad(c, "member \"%s\": not a number", key);
	d = json_number_value(j);
	/* exact to the microsecond below 2^40 ms (34 years) */
	if (!(d >= 0 && d < 1099511627776.0))
		return bad(c, "member \"%s\": out of range", key);
	*us = (int64_t)(d * 1000 + 0.5);
	return 0;
}

/* ---- strings: "key", and "key_b64" with the exact bytes when not UTF-8 ---- */

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding, canonical (what pt_base64() writes), into a
 * malloc'd NUL-terminated buffer. -EINVAL or -ENOMEM. */
static int b64_decode(const char *s, size_t n, char **out, size_t *len)
{
	size_t pad = 0, o = 0;
	char *d;

	if (n % 4)
		return -EINVAL;
	if (n && s[n - 1] == '=')
		pad = n >= 2 && s[n - 2] == '=' ? 2 : 1;
	d = malloc(n / 4 * 3 + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		uint32_t w;
		bool last = i + 4 == n;

		for (int k = 0; k < 4; k++) {
			bool padded = last && k >= 4 - (int)pad;

			v[k] = padded ? 0 : b64val((unsigned char)s[i + k]);
			if (v[k] < 0 || (padded && s[i + k] != '='))
				goto inval;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			(uint32_t)v[3];
		d[o++] = (char)(w >> 16);
		if (!last || pad < 2)
			d[o++] = (char)(w >> 8);
		if (!last || pad < 1)
			d[o++] = (char)w;
		/* canonical: the bits the padding leaves over are zero */
		if (last && ((pad == 2 && (w & 0xffff)) || (pad == 1 && (w & 0xff))))
			goto inval;
	}
	d[o] = '\0';
	*out = d;
	*len = o;
	return 0;
inval:
	free(d);
	return -EINVAL;
}

/* Whether plain is what the writer shows of bytes: each byte that is not part
 * of a valid sequence as U+FFFD. */
static bool shown_as(const char *bytes, size_t n, const char *plain, size_t plen)
{
	size_t i = 0, j = 0, l;

	while (i < n) {
		l = pt_utf8_seq(bytes + i, n - i);
		if (!l) {
			if (plen - j < 3 || memcmp(plain + j, "\xef\xbf\xbd", 3) != 0)
				return false;
			i++;
			j += 3;
			continue;
		}
		if (plen - j < l || memcmp(plain + j, bytes + i, l) != 0)
			return false;
		i += l;
		j += l;
	}
	return j == plen;
}

static int dup_bytes(const char *s, size_t n, char **out)
{
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	return 0;
}

/*
 * A string member: *out malloc'd and NUL-terminated, or NULL when null. max
 * bounds its length (0: none); a NUL inside is refused, as no string of a
 * record can hold one.
 */
static int get_str(struct ctx *c, json_t *o, const char *key, size_t max, char **out, size_t *len)
{
	json_t *j = json_object_get(o, key), *b;
	char bkey[64];
	size_t n = 0;
	int r;

	*out = NULL;
	if (len)
		*len = 0;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	snprintf(bkey, sizeof(bkey), "%s_b64", key);
	b = json_object_get(o, bkey);
	if (json_is_null(j)) {
		if (b)
			return bad(c, "member \"%s\" with a null \"%s\"", bkey, key);
		return 0;
	}
	if (!json_is_string(j))
		return bad(c, "member \"%s\": not a string", key);
	if (b) {
		if (!json_is_string(b))
			return bad(c, "member \"%s\": not a string", bkey);
		r = b64_decode(json_string_value(b), json_string_length(b), out, &n);
		if (r == -EINVAL)
			return bad(c, "member \"%s\": not base64", bkey);
		if (!r &&
		    (pt_utf8_valid(*out, n) ||
		     !shown_as(*out, n, json_string_value(j), json_string_length(j)))) {
			free(*out);
			*out = NULL;
			return bad(c, "member \"%s\": not the bytes \"%s\" shows", bkey, key);
		}
	} else {
		n = json_string_length(j);
		r = dup_bytes(json_string_value(j), n, out);
	}
	if (r < 0)
		return oom(c);
	if (memchr(*out, '\0', n) || (max && n > max)) {
		free(*out);
		*out = NULL;
		return bad(c, "member \"%s\": %s", b ? bkey : key,
			   max && n > max ? "too long" : "holds a NUL");
	}
	if (len)
		*len = n;
	return 0;
}

/* An argv list into NUL-separated, NUL-ended bytes (NULL when null; NULL with
 * *null false when empty). */
static int get_args(struct ctx *c, json_t *o, const char *key, char **out, size_t *len, bool *null)
{
	json_t *j = json_object_get(o, key), *b, *e;
	struct pt_buf buf;
	char bkey[64];
	size_t i;
	int r = 0;

	*out = NULL;
	*len = 0;
	*null = false;
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	snprintf(bkey, sizeof(bkey), "%s_b64", key);
	b = json_object_get(o, bkey);
	if (json_is_null(j)) {
		*null = true;
		return b ? bad(c, "member \"%s\" with a null \"%s\"", bkey, key) : 0;
	}
	if (!json_is_array(j))
		return bad(c, "member \"%s\": not an array", key);
	if (b && (!json_is_array(b) || json_array_size(b) != json_array_size(j)))
		return bad(c, "member \"%s\": not an array as long as \"%s\"", bkey, key);
	if (!json_array_size(j))
		return 0;
	pt_buf_init(&buf);
	json_array_foreach(b ? b : j, i, e)
	{
		const char *s;
		char *dec = NULL;
		size_t n;

		if (!json_is_string(e) || !json_is_string(json_array_get(j, i))) {
			r = bad(c, "member \"%s\": element %zu is not a string", b ? bkey : key, i);
			break;
		}
		s = json_string_value(e);
		n = json_string_length(e);
		if (b) {
			r = b64_decode(s, n, &dec, &n);
			if (r < 0) {
				r = r == -ENOMEM
					? oom(c)
					: bad(c, "member \"%s\": element %zu is not base64", bkey,
					      i);
				break;
			}
			if (!shown_as(dec, n, json_string_value(json_array_get(j, i)),
				      json_string_length(json_array_get(j, i)))) {
				free(dec);
				r = bad(c,
					"member \"%s\": element %zu is not the bytes \"%s\" shows",
					bkey, i, key);
				break;
			}
			s = dec;
		}
		if (memchr(s, '\0', n)) {
			free(dec);
			r = bad(c, "member \"%s\": element %zu holds a NUL", b ? bkey : key, i);
			break;
		}
		pt_buf_add(&buf, s, n);
		pt_buf_addc(&buf, '\0');
		free(dec);
	}
	if (!r && buf.oom)
		r = oom(c);
	if (!r && b && pt_utf8_valid(buf.p, buf.len))
		r = bad(c, "member \"%s\": valid UTF-8 has no base64", bkey);
	if (r < 0) {
		pt_buf_free(&buf);
		return r;
	}
	*len = buf.len;
	*out = buf.p; /* not stolen: the buffer has no NUL of its own to add */
	return 0;
}

/* ---- enumerations ---- */

static int why_from_name(const char *s, enum pt_why *out)
{
	for (unsigned w = PT_WHY_NOT_READ; w < PT_WHY_COUNT; w++)
		if (strcmp(s, pt_why_name((enum pt_why)w)) == 0) {
			*out = (enum pt_why)w;
			return 0;
		}
	return -EINVAL;
}

static int field_from_name(const char *s)
{
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (strcmp(s, pt_field_name((enum pt_field)f)) == 0)
			return (int)f;
	return -1;
}

static int get_tier(struct ctx *c, json_t *o, enum pt_tier *t)
{
	const char *s;
	int r = get_name(c, o, "tier", &s);

	if (r < 0)
		return r;
	if (pt_tier_from_name(s, t) < 0)
		return bad(c, "member \"tier\": no such tier");
	return 0;
}

/* ---- what a record and an event share ---- */

/* A record as read, before it enters the table. */
struct rec_in {
	struct pt_proc p; /* fields, src and why; strings owned */
	uint8_t miss[MISS_SLOTS]; /* why per slot from "missing"; 0 = not there */
	char boot[PT_BOOT_ID_LEN + 1]; /* from key or parent_key; "" = none */
	bool has_key;
	enum pt_pkey pkey; /* BOUND (parent_key), NONE (null), GONE (left out) */
	pid_t pkey_pid;
	uint64_t pkey_start;
	struct pt_exec *execs;
	unsigned nexecs;
};

static void rec_in_init(struct rec_in *in)
{
	memset(in, 0, sizeof(*in));
	pt_proc_init(&in->p);
	in->pkey = PT_PKEY_GONE;
}

static void execs_free(struct pt_exec *e, unsigned n)
{
	for (unsigned i = 0; e && i < n; i++) {
		free(e[i].exe);
		free(e[i].args);
	}
	free(e);
}

static void rec_in_free(struct rec_in *in)
{
	pt_proc_clear(&in->p);
	execs_free(in->execs, in->nexecs);
	in->execs = NULL;
	in->nexecs = 0;
}

/* "missing": each key a field name (or one of extra), each value a reason. */
static int get_missing(struct ctx *c, json_t *o, uint8_t miss[MISS_SLOTS], const char *const *extra)
{
	json_t *j = json_object_get(o, "missing"), *v;
	const char *k;

	memset(miss, 0, MISS_SLOTS);
	if (!j)
		return 0;
	if (!json_is_object(j))
		return bad(c, "member \"missing\": not an object");
	json_object_foreach(j, k, v)
	{
		enum pt_why why;
		int f = field_from_name(k);
		bool known = f >= 0 || strcmp(k, "exit") == 0;

		for (unsigned i = 0; !known && extra && extra[i]; i++)
			known = strcmp(k, extra[i]) == 0;
		if (!known)
			return bad(c, "member \"missing\": no field \"%.40s\"", k);
		if (!json_is_string(v) || why_from_name(json_string_value(v), &why) < 0)
			return bad(c, "member \"missing\": \"%.40s\" has no reason", k);
		if (f >= 0)
			miss[f] = (uint8_t)why;
		else if (strcmp(k, "exit") == 0)
			miss[MISS_EXIT] = (uint8_t)why;
	}
	return 0;
}

/* A slot's members: null exactly when the slot is missing. *known tells which. */
static int slot_state(struct ctx *c, const struct rec_in *in, enum pt_field f, json_t *o,
		      const char *key, bool *known)
{
	json_t *j = json_object_get(o, key);

	*known = !in->miss[f];
	if (!j)
		return bad(c, "member \"%s\" missing", key);
	if (!*known && !json_is_null(j))
		return bad(c, "member \"%s\": a value, but \"missing\" names it", key);
	return 0;
}

static void set_slot(struct rec_in *in, enum pt_field f, bool known)
{
	if (known)
		pt_proc_set_known(&in->p, f, PT_SRC_PROC);
	else
		pt_proc_set_missing(&in->p, f, (enum pt_why)in->miss[f]);
}

/* A slot holding one integer member; null with a reason when unknown. */
static int get_slot_int(struct ctx *c, struct rec_in *in, json_t *o, enum pt_field f,
			const char *key, long long lo, long long hi, long long *v)
{
	bool known, null;
	int r = slot_state(c, in, f, o, key, &known);

	if (r < 0)
		return r;
	r = get_int(c, o, key, lo, hi, v, &null);
	if (r < 0)
		return r;
	if (known && null)
		return bad(c, "member \"%s\": null, and \"missing\" does not say why", key);
	set_slot(in, f, known);
	return 0;
}

/* A slot holding one string, null when known to have none (an exe, a cwd). */
static int get_slot_str(struct ctx *c, struct rec_in *in, json_t *o, enum pt_field f,
			const char *key, char **out)
{
	bool known;
	int r = slot_state(c, in, f, o, key, &known);

	if (r < 0)
		return r;
	r = get_str(c, o, key, 0, out, NULL);
	if (r < 0)
		return r;
	set_slot(in, f, known);
	return 0;
}

static int parse_key(const char *s, char boot[PT_BOOT_ID_LEN + 1], uint64_t *start, pid_t *pid)
{
	struct pt_ref ref;

	if (pt_ref_parse(s, &ref, NULL, 0) < 0 || ref.kind != PT_REF_KEY)
		return -EINVAL;
	memcpy(boot, ref.boot_id, PT_BOOT_ID_LEN + 1);
	*start = ref.start;
	*pid = ref.pid;
	return 0;
}

/* pid, start and the identity members: key, parent_key (where carried). */
static int get_identity(struct ctx *c, struct rec_in *in, json_t *o, bool parent_key)
{
	char boot[PT_BOOT_ID_LEN + 1], back[PT_KEY_MAX];
	json_t *k = json_object_get(o, "key"), *pk = json_object_get(o, "parent_key");
	long long v;
	uint64_t start;
	pid_t pid;
	int r;

	r = get_slot_int(c, in, o, PT_F_START, "start", 0, LLONG_MAX, &v);
	if (r < 0)
		return r;
	in->p.start = (uint64_t)v;
	if (k) {
		if (!json_is_string(k) || parse_key(json_string_value(k), in->boot, &start, &pid))
			return bad(c, "member \"key\": not a key");
		if (!pt_proc_has(&in->p, PT_F_START) || start != in->p.start || pid != in->p.pid)
			return bad(c, "member \"key\": not the key of this pid and start");
		/* the writer's form exactly (no leading zeros, lowercase) */
		if (pt_key_fmt(back, sizeof(back), in->boot, start, pid) < 0 ||
		    strcmp(back, json_string_value(k)) != 0)
			return bad(c, "member \"key\": not a key as written");
		in->has_key = true;
	}
	if (!pk)
		return 0;
	if (!parent_key)
		return bad(c, "member \"parent_key\": not carried by this event");
	if (json_is_null(pk)) {
		in->pkey = PT_PKEY_NONE;
		return 0;
	}
	if (!json_is_string(pk) || parse_key(json_string_value(pk), boot, &start, &pid) < 0 ||
	    pt_key_fmt(back, sizeof(back), boot, start, pid) < 0 ||
	    strcmp(back, json_string_value(pk)) != 0)
		return bad(c, "member \"parent_key\": not a key");
	if (in->boot[0] && strcmp(boot, in->boot) != 0)
		return bad(c, "member \"parent_key\": of another boot than \"key\"");
	if (!in->has_key && pt_proc_has(&in->p, PT_F_START))
		return bad(c, "member \"parent_key\" without \"key\"");
	memcpy(in->boot, boot, sizeof(boot));
	in->pkey = PT_PKEY_BOUND;
	in->pkey_pid = pid;
	in->pkey_start = start;
	return 0;
}

/* comm, exe, argv, argv_truncated. */
static int get_image(struct ctx *c, struct rec_in *in, json_t *o, bool comm)
{
	bool known, null, trunc, tnull;
	char *s = NULL;
	size_t n;
	int r;

	if (comm) {
		r = slot_state(c, in, PT_F_COMM, o, "comm", &known);
		if (r < 0 || (r = get_str(c, o, "comm", PT_COMM_LEN - 1, &s, &n)) < 0)
			return r;
		if (known && !s)
			return bad(c, "member \"comm\": null, and \"missing\" does not say why");
		if (s)
			memcpy(in->p.comm, s, n + 1);
		free(s);
		set_slot(in, PT_F_COMM, known);
	}
	r = get_slot_str(c, in, o, PT_F_EXE, "exe", &in->p.exe);
	if (r < 0)
		return r;
	r = slot_state(c, in, PT_F_ARGV, o, "argv", &known);
	if (r < 0 || (r = get_args(c, o, "argv", &s, &n, &null)) < 0)
		return r;
	pt_proc_set_args(&in->p, s, n, false);
	if (known && null)
		return bad(c, "member \"argv\": null, and \"missing\" does not say why");
	r = slot_state(c, in, PT_F_ARGV, o, "argv_truncated", &known);
	if (r < 0 || (r = get_bool(c, o, "argv_truncated", &trunc, &tnull)) < 0)
		return r;
	if (known && tnull)
		return bad(c, "member \"argv_truncated\": null with a known argv");
	in->p.args_truncated = trunc;
	set_slot(in, PT_F_ARGV, known);
	return 0;
}

/* uid, euid, gid, egid: one slot. For uid and gid events two of them are the
 * event's own, known whatever the record knows. */
static int get_creds(struct ctx *c, struct rec_in *in, json_t *o, enum pt_event_type ev)
{
	static const char *const keys[] = {"uid", "euid", "gid", "egid"};
	long long v[4];
	bool known = !in->miss[PT_F_CREDS], null;
	int r;

	for (unsigned i = 0; i < 4; i++) {
		bool own = (ev == PT_EV_UID && i < 2) || (ev == PT_EV_GID && i >= 2);

		r = get_int(c, o, keys[i], 0, UINT32_MAX, &v[i], &null);
		if (r < 0)
			return r;
		if (own && null)
			return bad(c, "member \"%s\": null on a %s event", keys[i],
				   pt_event_name(ev));
		if (!own && null != !known)
			return bad(c, "member \"%s\": %s", keys[i],
				   null ? "null, and \"missing\" does not say why"
					: "a value, but \"missing\" names it");
	}
	in->p.uid = (uid_t)v[0];
	in->p.euid = (uid_t)v[1];
	in->p.gid = (gid_t)v[2];
	in->p.egid = (gid_t)v[3];
	set_slot(in, PT_F_CREDS, known);
	return 0;
}

/* ---- records ---- */

static int get_ns(struct ctx *c, struct rec_in *in, json_t *o)
{
	json_t *j, *v;
	const char *k;
	bool known;
	int r = slot_state(c, in, PT_F_NS, o, "ns", &known);

	if (r < 0)
		return r;
	j = json_object_get(o, "ns");
	if (known && !json_is_object(j))
		return bad(c, "member \"ns\": not an object");
	set_slot(in, PT_F_NS, known);
	if (!known)
		return 0;
	json_object_foreach(j, k, v)
	{
		unsigned n;

		for (n = 0; n < PT_NS_COUNT; n++)
			if (strcmp(k, pt_ns_name((enum pt_ns)n)) == 0)
				break;
		if (n == PT_NS_COUNT)
			return bad(c, "member \"ns\": no namespace \"%.40s\"", k);
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return bad(c, "member \"ns.%s\": not an inode number", k);
		in->p.ns[n] = (uint64_t)json_integer_value(v);
	}
	return 0;
}

static int get_execs(struct ctx *c, struct rec_in *in, json_t *o)
{
	json_t *j = json_object_get(o, "execs"), *e;
	size_t i;
	int r;

	if (!j)
		return 0;
	if (!json_is_array(j) || json_array_size(j) > EXECS_MAX)
		return bad(c, "member \"execs\": not an array of at most %d", EXECS_MAX);
	in->execs = calloc(json_array_size(j) + 1, sizeof(*in->execs));
	if (!in->execs)
		return oom(c);
	json_array_foreach(j, i, e)
	{
		struct pt_exec *x = &in->execs[i];
		bool null, tnull;

		in->nexecs = (unsigned)i + 1;
		if (!json_is_object(e))
			return bad(c, "member \"execs\": element %zu is not an object", i);
		if ((r = get_time(c, e, "time", &x->time_us, &null)) < 0 ||
		    (r = get_str(c, e, "exe", 0, &x->exe, NULL)) < 0 ||
		    (r = get_args(c, e, "argv", &x->args, &x->args_len, &null)) < 0 ||
		    (r = get_bool(c, e, "argv_truncated", &x->args_truncated, &tnull)) < 0)
			return r; /* the member it names is one of an exec's */
		if (tnull != !x->args)
			return bad(c, "member \"execs\": element %zu: argv_truncated %s", i,
				   tnull ? "null with an argv" : "without an argv");
	}
	return 0;
}

static int get_inherited(struct ctx *c, struct rec_in *in, json_t *o)
{
	json_t *j = json_object_get(o, "inherited"), *e;
	size_t i;

	if (!j)
		return 0;
	if (!json_is_array(j) || !json_array_size(j))
		return bad(c, "member \"inherited\": not a list of fields");
	json_array_foreach(j, i, e)
	{
		int f = json_is_string(e) ? field_from_name(json_string_value(e)) : -1;

		if (f < 0)
			return bad(c, "member \"inherited\": element %zu is not a field", i);
		if (!pt_proc_has(&in->p, (enum pt_field)f))
			return bad(c, "member \"inherited\": \"%s\" is not known",
				   pt_field_name(f));
		in->p.src[f] = PT_SRC_INHERITED;
	}
	return 0;
}

static int get_state(struct ctx *c, json_t *o, enum pt_state *st)
{
	static const char *const names[] = {"alive", "exited", "exit_unknown"};
	const char *s;
	int r = get_name(c, o, "state", &s);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < PT_ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*st = (enum pt_state)i;
			return 0;
		}
	return bad(c, "member \"state\": no such state");
}

/* The exit members of a record that is not alive. */
static int get_exit(struct ctx *c, struct rec_in *in, json_t *o)
{
	enum pt_why why = (enum pt_why)in->miss[MISS_EXIT];
	long long code, sig;
	bool cnull, snull, dnull, tnull;
	int64_t dur;
	int r;

	if ((r = get_time(c, o, "exit_time", &in->p.exit_us, &tnull)) < 0 ||
	    (r = get_int(c, o, "exit_code", 0, 255, &code, &cnull)) < 0 ||
	    (r = get_int(c, o, "signal", 1, INT_MAX, &sig, &snull)) < 0 ||
	    (r = get_bool(c, o, "core_dumped", &in->p.core_dumped, &dnull)) < 0 ||
	    (r = get_ms(c, o, "duration_ms", &dur)) < 0)
		return r;
	if (why && why != PT_WHY_LOST && why != PT_WHY_KERNEL)
		return bad(c, "member \"missing\": \"exit\" is lost or unsupported");
	if (why == PT_WHY_KERNEL)
		in->p.flags |= PT_PROC_SYNTH; /* a scanning tier's: it sees no status */
	if (in->p.state == PT_STATE_EXITED && (!cnull || !snull)) {
		if (why || cnull == snull || dnull)
			return bad(c,
				   "member \"exit_code\": exactly one of it and \"signal\" "
				   "with \"core_dumped\" when the exit was seen");
		in->p.exit_code = cnull ? -1 : (int)code;
		in->p.exit_signal = snull ? 0 : (int)sig;
		return 0;
	}
	if (!why || !cnull || !snull || !dnull)
		return bad(c,
			   "member \"exit_code\": the status of an exit not seen is null, "
			   "with a reason in \"missing\"");
	in->p.exit_code = -1;
	in->p.core_dumped = false;
	return 0;
}

/* ---- containers, NSpid, the fork-time parent: members added with issue 13,
 * absent from older records (their slots are then not read) ---- */

/* An optional string member: absent and null read as none. */
static int get_opt_str(struct ctx *c, json_t *o, const char *key, size_t max, char **out)
{
	*out = NULL;
	if (!json_object_get(o, key))
		return 0;
	return get_str(c, o, key, max, out, NULL);
}

static int runtime_from_name(const char *s, enum pt_runtime *rt)
{
	for (int i = PT_RT_NONE + 1; i < PT_RT_COUNT; i++)
		if (pt_runtime_name((enum pt_runtime)i) &&
		    strcmp(pt_runtime_name((enum pt_runtime)i), s) == 0) {
			*rt = (enum pt_runtime)i;
			return 0;
		}
	return -EINVAL;
}

static int qos_from_name(const char *s, enum pt_qos *q)
{
	for (int i = PT_QOS_NONE + 1; i <= PT_QOS_BESTEFFORT; i++)
		if (pt_qos_name((enum pt_qos)i) && strcmp(pt_qos_name((enum pt_qos)i), s) == 0) {
			*q = (enum pt_qos)i;
			return 0;
		}
	return -EINVAL;
}

/* What the cgroup path told: id, runtime, pod uid and QoS, outer ids. */
static int get_ctr_attr(struct ctx *c, json_t *o, const char *id, struct pt_cgroup_attr *a)
{
	json_t *j;
	char *s = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	a->runtime = PT_RT_UNKNOWN;
	if (strlen(id) > PT_CTR_ID_MAX)
		return bad(c, "member \"container_id\": longer than %d bytes", PT_CTR_ID_MAX);
	strcpy(a->id, id);
	j = json_object_get(o, "container_runtime");
	if (j && (!json_is_string(j) || runtime_from_name(json_string_value(j), &a->runtime) < 0))
		return bad(c, "member \"container_runtime\": not a runtime's name");
	j = json_object_get(o, "k8s_pod_qos");
	if (j && (!json_is_string(j) || qos_from_name(json_string_value(j), &a->qos) < 0))
		return bad(c, "member \"k8s_pod_qos\": not a QoS class");
	if ((r = get_opt_str(c, o, "k8s_pod_uid", PT_POD_UID_MAX, &s)) < 0)
		return r;
	if (s)
		strcpy(a->pod_uid, s);
	free(s);
	j = json_object_get(o, "container_outer_ids");
	if (j && !json_is_null(j)) {
		json_t *e;
		size_t i;

		if (!json_is_array(j) || json_array_size(j) > PT_CTR_NEST_MAX)
			return bad(c,
				   "member \"container_outer_ids\": not an array of at most %d ids",
				   PT_CTR_NEST_MAX);
		json_array_foreach(j, i, e)
		{
			if (!json_is_string(e) || json_string_length(e) > PT_CTR_ID_MAX ||
			    memchr(json_string_value(e), '\0', json_string_length(e)))
				return bad(c,
					   "member \"container_outer_ids\": element %zu not an id",
					   i);
			strcpy(a->outer[i], json_string_value(e));
		}
		a->nouter = (unsigned)json_array_size(j);
	}
	return 0;
}

/* The runtime's state, as the writer had it: members left out were absent. */
static int get_ctr_meta(struct ctx *c, json_t *o, struct pt_container *ctr)
{
	const struct {
		const char *key;
		char **dst;
	} strs[] = {
		{"container_name", &ctr->name},
		{"container_image", &ctr->image},
		{"container_image_repository", &ctr->image_repo},
		{"container_image_tag", &ctr->image_tag},
		{"container_image_id", &ctr->image_id},
		{"k8s_pod_name", &ctr->pod_name},
		{"k8s_ns_name", &ctr->pod_ns},
	};
	json_t *j;
	bool null;
	int r;

	for (size_t i = 0; i < PT_ARRAY_SIZE(strs); i++) {
		char **dst = strs[i].dst;

		free(*dst);
		if ((r = get_opt_str(c, o, strs[i].key, 0, dst)) < 0)
			return r;
	}
	if (json_object_get(o, "container_start_time") &&
	    (r = get_time(c, o, "container_start_time", &ctr->created_us, &null)) < 0)
		return r;
	j = json_object_get(o, "container_privileged");
	if (j && !json_is_boolean(j) && !json_is_null(j))
		return bad(c, "member \"container_privileged\": not a boolean");
	ctr->privileged = j && json_is_true(j);
	return 0;
}

static void set_opt_slot(struct rec_in *in, enum pt_field f, bool present)
{
	if (in->miss[f])
		pt_proc_set_missing(&in->p, f, (enum pt_why)in->miss[f]);
	else if (present)
		pt_proc_set_known(&in->p, f, PT_SRC_PROC);
	else
		pt_proc_set_missing(&in->p, f, PT_WHY_NOT_READ);
}

/*
 * container_id: a full id (the container members describe it), "host", or
 * null (unknown, with "container" in "missing"; in records written before
 * the host was named, the host). The container built here is detached: the
 * importer interns it in the monitor's cache, which does not read this
 * host's runtime state for it.
 */
static int get_container(struct ctx *c, struct rec_in *in, json_t *o)
{
	struct pt_cgroup_attr a;
	json_t *j = json_object_get(o, "container_id");
	long long v;
	bool null;
	int r;

	if (json_object_get(o, "cgroup_id")) {
		if ((r = get_int(c, o, "cgroup_id", 0, LLONG_MAX, &v, &null)) < 0)
			return r;
		in->p.cgroup_id = (uint64_t)v;
	}
	/* records written before the container slot: its null shared the cgroup's */
	if (j && json_is_null(j) && !in->miss[PT_F_CONTAINER] && in->miss[PT_F_CGROUP])
		in->miss[PT_F_CONTAINER] = in->miss[PT_F_CGROUP];
	if (!j || in->miss[PT_F_CONTAINER]) {
		if (j && !json_is_null(j))
			return bad(c,
				   "member \"container_id\": a value, but \"missing\" names "
				   "container");
		set_opt_slot(in, PT_F_CONTAINER, false);
		/* no more known than the container: its reason, unless one is given */
		if (!in->miss[PT_F_CTR_META])
			in->miss[PT_F_CTR_META] = in->p.why[PT_F_CONTAINER];
		set_opt_slot(in, PT_F_CTR_META, false);
		return 0;
	}
	if (json_is_null(j) || (json_is_string(j) && strcmp(json_string_value(j), "host") == 0)) {
		set_opt_slot(in, PT_F_CONTAINER, true);
		set_opt_slot(in, PT_F_CTR_META, true);
		return 0;
	}
	if (!json_is_string(j) || !json_string_length(j) ||
	    memchr(json_string_value(j), '\0', json_string_length(j)))
		return bad(c, "member \"container_id\": not an id");
	if ((r = get_ctr_attr(c, o, json_string_value(j), &a)) < 0)
		return r;
	in->p.ctr = pt_ctr_new(&a, NULL);
	if (!in->p.ctr)
		return oom(c);
	if ((r = get_ctr_meta(c, o, in->p.ctr)) < 0)
		return r;
	in->p.ctr->why = in->miss[PT_F_CTR_META];
	set_opt_slot(in, PT_F_CONTAINER, true);
	set_opt_slot(in, PT_F_CTR_META, true);
	return 0;
}

static int get_nspid(struct ctx *c, struct rec_in *in, json_t *o)
{
	bool has = json_object_get(o, "vpid") || json_object_get(o, "vpgid");
	long long v;
	int r;

	if (!has) {
		set_opt_slot(in, PT_F_NSPID, false);
		return 0;
	}
	if ((r = get_slot_int(c, in, o, PT_F_NSPID, "vpid", 0, INT_MAX, &v)) < 0)
		return r;
	in->p.vpid = (pid_t)v;
	if ((r = get_slot_int(c, in, o, PT_F_NSPID, "vpgid", 0, INT_MAX, &v)) < 0)
		return r;
	in->p.vpgid = (pid_t)v;
	return 0;
}

/* 16 lowercase hex digits, as the writer puts a capability set. */
static int parse_cap_hex(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n != 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int d = s[i] >= 'A' && s[i] <= 'F' ? -1 : pt_hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return 0;
}

/* "caps": {"permitted","effective","inheritable"}, null when missing says why;
 * absent from lines written before it (the slot is then not read). */
static int get_caps(struct ctx *c, struct rec_in *in, json_t *o)
{
	static const char *const keys[] = {"permitted", "effective", "inheritable"};
	uint64_t *dst[] = {&in->p.cap_prm, &in->p.cap_eff, &in->p.cap_inh};
	json_t *j = json_object_get(o, "caps");
	bool known;
	int r;

	if (!j) {
		set_opt_slot(in, PT_F_CAPS, false);
		return 0;
	}
	if ((r = slot_state(c, in, PT_F_CAPS, o, "caps", &known)) < 0)
		return r;
	if (known && (!json_is_object(j) || json_object_size(j) != PT_ARRAY_SIZE(keys)))
		return bad(c,
			   "member \"caps\": not an object of permitted, effective, inheritable");
	for (size_t i = 0; known && i < PT_ARRAY_SIZE(keys); i++) {
		json_t *e = json_object_get(j, keys[i]);

		if (!json_is_string(e) ||
		    parse_cap_hex(json_string_value(e), json_string_length(e), dst[i]) < 0)
			return bad(c, "member \"caps.%s\": not 16 lowercase hex digits", keys[i]);
	}
	set_slot(in, PT_F_CAPS, known);
	return 0;
}

/* ppid_orig repeats parent_key's pid: it must agree. */
static int get_ppid_orig(struct ctx *c, struct rec_in *in, json_t *o)
{
	long long v;
	bool null;
	int r;

	if (!json_object_get(o, "ppid_orig"))
		return 0;
	if ((r = get_int(c, o, "ppid_orig", 0, INT_MAX, &v, &null)) < 0)
		return r;
	if ((in->pkey == PT_PKEY_BOUND && (null || v != in->pkey_pid)) ||
	    (in->pkey == PT_PKEY_NONE && !null))
		return bad(c, "member \"ppid_orig\": not the pid \"parent_key\" names");
	return 0;
}

static int parse_record(struct ctx *c, json_t *o, struct rec_in *in)
{
	long long v;
	int r;

	if (!json_is_object(o))
		return bad(c, "not a JSON object");
	if ((r = get_missing(c, o, in->miss, NULL)) < 0)
		return r;
	if ((r = get_int(c, o, "pid", 1, INT_MAX, &v, NULL)) < 0)
		return r;
	in->p.pid = (pid_t)v;
	if ((r = get_slot_int(c, in, o, PT_F_PPID, "ppid", 0, INT_MAX, &v)) < 0)
		return r;
	in->p.ppid = (pid_t)v;
	if ((r = get_identity(c, in, o, true)) < 0 || (r = get_state(c, o, &in->p.state)) < 0 ||
	    (r = get_image(c, in, o, true)) < 0 || (r = get_creds(c, in, o, PT_EV_COUNT)) < 0)
		return r;
	if ((r = get_slot_int(c, in, o, PT_F_SID, "sid", INT_MIN, INT_MAX, &v)) < 0)
		return r;
	in->p.sid = (pid_t)v;
	if ((r = get_slot_int(c, in, o, PT_F_PGID, "pgid", INT_MIN, INT_MAX, &v)) < 0)
		return r;
	in->p.pgid = (pid_t)v;
	if ((r = get_slot_int(c, in, o, PT_F_TTY, "tty", INT_MIN, INT_MAX, &v)) < 0)
		return r;
	in->p.tty_nr = (int)v;
	if ((r = get_slot_str(c, in, o, PT_F_CWD, "cwd", &in->p.cwd)) < 0 ||
	    (r = get_slot_str(c, in, o, PT_F_CGROUP, "cgroup", &in->p.cgroup)) < 0)
		return r;
	if ((r = get_container(c, in, o)) < 0 || (r = get_nspid(c, in, o)) < 0 ||
	    (r = get_ppid_orig(c, in, o)) < 0 || (r = get_caps(c, in, o)) < 0)
		return r;
	if ((r = get_ns(c, in, o)) < 0 || (r = get_tier(c, o, &in->p.tier)) < 0 ||
	    (r = get_time(c, o, "start_time", &in->p.start_us, &(bool){0})) < 0)
		return r;
	if (in->p.state != PT_STATE_ALIVE && (r = get_exit(c, in, o)) < 0)
		return r;
	if (in->p.state == PT_STATE_ALIVE) {
		static const char *const ex[] = {"exit_time", "exit_code", "signal", "core_dumped",
						 "duration_ms"};

		if (in->miss[MISS_EXIT])
			return bad(c, "member \"missing\": \"exit\" of a process alive");
		for (unsigned i = 0; i < PT_ARRAY_SIZE(ex); i++)
			if (json_object_get(o, ex[i]))
				return bad(c, "member \"%s\": of a process alive", ex[i]);
	}
	if ((r = get_int(c, o, "threads", 0, UINT_MAX, &v, NULL)) < 0)
		return r;
	in->p.nthreads = (unsigned)v;
	if ((r = get_slot_int(c, in, o, PT_F_LOGINUID, "loginuid", -1, UINT32_MAX - 1, &v)) < 0)
		return r;
	in->p.loginuid = v < 0 ? (uid_t)-1 : (uid_t)v;
	if ((r = get_execs(c, in, o)) < 0 || (r = get_inherited(c, in, o)) < 0)
		return r;
	return 0;
}

static int load(struct ctx *c, const char *json, size_t len, json_t **out)
{
	json_error_t err;

	*out = NULL;
	if (!json)
		return bad(c, "no input");
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (!*out)
		return bad(c, "not JSON: %s (column %d)", err.text, err.column);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return bad(c, "not a JSON object");
	}
	return 0;
}

/* The boot id every key of the record names, as the table keeps it. */
static int boot_of(struct ctx *c, struct pt_monitor *m, const struct rec_in *in, const char **id)
{
	*id = NULL;
	if (!in->boot[0])
		return 0;
	*id = pt_core_boot_id(m, in->boot);
	return *id ? 0 : bad(c, "member \"key\": too many boot ids in one table");
}

PT_EXPORT int pt_import_proc(struct pt_monitor *m, const char *json, size_t len,
			     const struct pt_proc **out, char *why, size_t whylen)
{
	struct ctx c = {why, whylen};
	struct pt_table *t;
	struct pt_proc *p, *old;
	struct rec_in in;
	const char *boot;
	json_t *o;
	int r;

	if (why && whylen)
		why[0] = '\0';
	if (out)
		*out = NULL;
	if (!m)
		return -EINVAL;
	r = load(&c, json, len, &o);
	if (r < 0)
		return r;
	rec_in_init(&in);
	r = parse_record(&c, o, &in);
	json_decref(o);
	if (r < 0 || (r = boot_of(&c, m, &in, &boot)) < 0)
		goto out;

	t = pt_core_table(m);
	old = pt_table_get_exact(t, in.p.pid, in.p.start);
	p = pt_table_insert(t, in.p.pid, in.p.start);
	if (!p || pt_proc_merge(p, &in.p, PT_FMASK_ALL) < 0) {
		if (p)
			pt_table_remove(t, p);
		r = oom(&c);
		goto out;
	}
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if (!pt_proc_has(&in.p, (enum pt_field)f))
			pt_proc_set_missing(p, (enum pt_field)f, (enum pt_why)in.p.why[f]);
	memcpy(p->comm, in.p.comm, PT_COMM_LEN);
	p->start = in.p.start;
	p->start_us = in.p.start_us;
	p->tier = in.p.tier;
	p->flags = in.p.flags;
	p->boot_id = boot;
	p->pkey = (uint8_t)in.pkey;
	p->pkey_pid = in.pkey_pid;
	p->pkey_start = in.pkey_start;
	pt_core_settle_ctr(m, p); /* the container: the cache's entry */
	pt_table_set_execs(t, p, in.execs, in.nexecs);
	in.execs = NULL;
	in.nexecs = 0;
	if (in.p.state != PT_STATE_ALIVE) {
		p->exit_code = in.p.exit_code;
		p->exit_signal = in.p.exit_signal;
		p->core_dumped = in.p.core_dumped;
		pt_table_set_exit(t, p, in.p.exit_us, in.p.state);
	}
	p->nthreads = in.p.nthreads;
	pt_table_touch(t, p);
	if (old)
		pt_table_remove(t, old);
	if (out)
		*out = p;
out:
	rec_in_free(&in);
	return r;
}

/* ---- events ---- */

struct ev_in {
	struct pt_event ev; /* what is delivered; proc is the table's */
	struct rec_in view; /* the record as the event shows it */
	bool has_proc; /* the event carried a record */
	unsigned carried; /* PT_FMASK of the view's slots the event carries */
	bool pkey_carried; /* parent_key is a member of this type */
	const char *boot; /* the table's copy of the view's boot id */
	unsigned flags; /* PT_PROC_* the exit's "missing" implies */
	char *reason, *path, *args; /* the event's strings */
	bool oom;
};

static void ev_in_free(struct ev_in *e)
{
	rec_in_free(&e->view);
	free(e->reason);
	free(e->path);
	free(e->args);
}

/* A comm of an event: at most 15 bytes, into a PT_COMM_LEN array. */
static int get_comm(struct ctx *c, json_t *o, const char *key, char out[PT_COMM_LEN])
{
	char *s;
	size_t n;
	int r = get_str(c, o, key, PT_COMM_LEN - 1, &s, &n);

	if (r < 0)
		return r;
	if (!s)
		return bad(c, "member \"%s\": null", key);
	memset(out, 0, PT_COMM_LEN);
	memcpy(out, s, n);
	free(s);
	return 0;
}

static int get_window(struct ctx *c, json_t *o, struct pt_event *ev)
{
	json_t *w = json_object_get(o, "window");
	bool null;
	int r;

	if (!w)
		return 0;
	if (!ev->synthesized || !json_is_object(w))
		return bad(c, "member \"window\": not an object of a synthesized event");
	if ((r = get_time(c, w, "from", &ev->window_lo_us, &null)) < 0 ||
	    (r = get_time(c, w, "to", &ev->window_hi_us, &null)) < 0)
		return r;
	if (!ev->window_lo_us && !ev->window_hi_us)
		return bad(c, "member \"window\": neither end known");
	return 0;
}

/* The record members of an event about a process. */
static int get_view(struct ctx *c, struct ev_in *e, json_t *o)
{
	struct rec_in *v = &e->view;
	enum pt_event_type t = e->ev.type;
	int r;
	long long sid;

	v->p.pid = e->ev.pid;
	e->pkey_carried = t == PT_EV_FORK || t == PT_EV_EXEC || t == PT_EV_EXIT;
	if ((r = get_identity(c, v, o, e->pkey_carried)) < 0 ||
	    (r = get_image(c, v, o, t != PT_EV_COMM)) < 0 || (r = get_creds(c, v, o, t)) < 0)
		return r;
	e->carried = PT_FMASK(PT_F_START) | PT_FMASK(PT_F_EXE) | PT_FMASK(PT_F_ARGV) |
		PT_FMASK(PT_F_CREDS);
	if (t != PT_EV_COMM)
		e->carried |= PT_FMASK(PT_F_COMM);
	if (t == PT_EV_SID) {
		r = get_slot_int(c, v, o, PT_F_SID, "sid", INT_MIN, INT_MAX, &sid);
		if (r < 0)
			return r;
		v->p.sid = (pid_t)sid;
		e->carried |= PT_FMASK(PT_F_SID);
	}
	/* the event's ppid is the record's (0: the record's was not known) */
	if (e->ev.ppid > 0) {
		v->p.ppid = e->ev.ppid;
		pt_proc_set_known(&v->p, PT_F_PPID, PT_SRC_EVENT);
		e->carried |= PT_FMASK(PT_F_PPID);
	}
	/* fork, exec and exit carry the container (left out of older streams) */
	if (e->pkey_carried && json_object_get(o, "container_id")) {
		if ((r = get_container(c, v, o)) < 0)
			return r;
		e->carried |= PT_FMASK(PT_F_CONTAINER) | PT_FMASK(PT_F_CTR_META);
	}
	/* and the capabilities (left out of older streams) */
	if (e->pkey_carried && json_object_get(o, "caps")) {
		if ((r = get_caps(c, v, o)) < 0)
			return r;
		e->carried |= PT_FMASK(PT_F_CAPS);
	}
	/* a child has its parent's image, credentials, capabilities and container
	 * until it execs */
	if (t == PT_EV_FORK)
		for (unsigned f = 0; f < PT_F_COUNT; f++)
			if (((PT_FMASK_EXEC_IMAGE | PT_FMASK(PT_F_CREDS) | PT_FMASK(PT_F_CAPS) |
			      PT_FMASK(PT_F_CONTAINER) | PT_FMASK(PT_F_CTR_META)) &
			     PT_FMASK(f)) &&
			    pt_proc_has(&v->p, (enum pt_field)f))
				v->p.src[f] = PT_SRC_INHERITED;
	return 0;
}

static int get_exit_event(struct ctx *c, struct ev_in *e, json_t *o)
{
	enum pt_why why = (enum pt_why)e->view.miss[MISS_EXIT];
	long long code, sig;
	bool cnull, snull, dnull;
	int r;

	/* a signal fits the 7 bits of a wait status, which the table is given */
	if ((r = get_int(c, o, "exit_code", 0, 255, &code, &cnull)) < 0 ||
	    (r = get_int(c, o, "signal", 1, 127, &sig, &snull)) < 0 ||
	    (r = get_bool(c, o, "core_dumped", &e->ev.u.exit.core_dumped, &dnull)) < 0 ||
	    (r = get_ms(c, o, "duration_ms", &e->ev.u.exit.duration_us)) < 0)
		return r;
	e->ev.u.exit.exit_code = cnull ? -1 : (int)code;
	e->ev.u.exit.signal = snull ? 0 : (int)sig;
	if (!cnull || !snull) {
		if (why || cnull == snull || dnull)
			return bad(c,
				   "member \"exit_code\": exactly one of it and \"signal\", "
				   "with \"core_dumped\", when the status is known");
		return 0;
	}
	if (!dnull || (why != PT_WHY_LOST && why != PT_WHY_KERNEL))
		return bad(c,
			   "member \"exit_code\": an unknown status is null, with \"exit\" "
			   "lost or unsupported in \"missing\"");
	/* the reason the writer gives (pt_exit_why) comes from the record's flags */
	if (why == PT_WHY_KERNEL && !e->ev.synthesized)
		e->flags |= PT_PROC_SYNTH;
	else if (why == PT_WHY_LOST && e->ev.synthesized)
		e->flags |= PT_PROC_RESYNC;
	if (e->flags && !e->has_proc)
		return bad(c,
			   "member \"missing\": \"exit\" not what an event without a record "
			   "says");
	return 0;
}

static int get_failed(struct ctx *c, struct ev_in *e, json_t *o)
{
	long long err;
	const char *res, *name;
	char buf[32];
	bool null, tnull;
	size_t n;
	int r;

	if ((r = get_int(c, o, "errno", INT_MIN, INT_MAX, &err, NULL)) < 0 ||
	    (r = get_name(c, o, "res", &res)) < 0)
		return r;
	name = pt_errno_name((int)err);
	if (!name) {
		snprintf(buf, sizeof(buf), "E%d", (int)err);
		name = buf;
	}
	if (strcmp(res, name) != 0)
		return bad(c, "member \"res\": not the name of \"errno\"");
	e->ev.u.exec_failed.err = (int)err;
	if ((r = get_str(c, o, "filename", 0, &e->path, NULL)) < 0 ||
	    (r = get_args(c, o, "exec_argv", &e->args, &n, &null)) < 0 ||
	    (r = get_bool(c, o, "exec_argv_truncated", &e->ev.u.exec_failed.args_truncated,
			  &tnull)) < 0 ||
	    (r = get_flag(c, o, "execveat", &e->ev.u.exec_failed.execveat)) < 0)
		return r;
	if (null != tnull)
		return bad(c, "member \"exec_argv_truncated\": null exactly when \"exec_argv\" is");
	if (!null && !e->args && !(e->args = calloc(1, 1))) /* [] */
		return oom(c);
	e->ev.u.exec_failed.path = e->path;
	e->ev.u.exec_failed.args = e->args;
	e->ev.u.exec_failed.args_len = n;
	e->ev.u.exec_failed.argc = pt_args_count(e->args, n);
	return 0;
}

static int parse_event(struct ctx *c, json_t *o, struct ev_in *e)
{
	static const char *const extra[] = {"filename", "exec_argv", "exec_argv_truncated", NULL};
	struct pt_event *ev = &e->ev;
	const char *name;
	long long v[3];
	int r;

	if ((r = get_name(c, o, "event", &name)) < 0)
		return r;
	if (pt_event_from_name(name, &ev->type) < 0)
		return bad(c, "member \"event\": no such event");
	if ((r = get_time(c, o, "time", &ev->time_us, NULL)) < 0 ||
	    (r = get_tier(c, o, &ev->tier)) < 0 ||
	    (r = get_flag(c, o, "thread", &ev->thread)) < 0 ||
	    (r = get_flag(c, o, "synthesized", &ev->synthesized)) < 0 ||
	    (r = get_window(c, o, ev)) < 0 || (r = get_missing(c, o, e->view.miss, extra)) < 0)
		return r;
	if (ev->type == PT_EV_LOST) {
		if ((r = get_int(c, o, "count", 0, LLONG_MAX, &v[0], NULL)) < 0 ||
		    (r = get_bool(c, o, "estimated", &ev->u.lost.estimated, NULL)) < 0 ||
		    (r = get_str(c, o, "reason", 0, &e->reason, NULL)) < 0)
			return r;
		ev->u.lost.count = (uint64_t)v[0];
		ev->u.lost.reason = e->reason;
		return 0;
	}
	if ((r = get_int(c, o, "pid", 1, INT_MAX, &v[0], NULL)) < 0 ||
	    (r = get_int(c, o, "tid", 0, INT_MAX, &v[1], NULL)) < 0 ||
	    (r = get_int(c, o, "ppid", 0, INT_MAX, &v[2], NULL)) < 0)
		return r;
	ev->pid = (pid_t)v[0];
	ev->tid = (pid_t)v[1];
	ev->ppid = (pid_t)v[2];
	if ((ev->type == PT_EV_FORK || ev->type == PT_EV_EXIT) &&
	    ev->thread != (ev->tid != ev->pid))
		return bad(c, "member \"tid\": %s",
			   ev->thread ? "a thread's is the pid" : "not the pid of a process");
	e->has_proc = json_object_get(o, "start") != NULL;
	if (e->has_proc && (r = get_view(c, e, o)) < 0)
		return r;
	switch (ev->type) {
	case PT_EV_EXIT:
		return get_exit_event(c, e, o);
	case PT_EV_UID:
	case PT_EV_GID:
		if ((r = get_int(c, o, ev->type == PT_EV_UID ? "uid" : "gid", 0, UINT32_MAX, &v[0],
				 NULL)) < 0 ||
		    (r = get_int(c, o, ev->type == PT_EV_UID ? "euid" : "egid", 0, UINT32_MAX,
				 &v[1], NULL)) < 0)
			return r;
		if (ev->type == PT_EV_UID) {
			ev->u.uid.ruid = (uid_t)v[0];
			ev->u.uid.euid = (uid_t)v[1];
		} else {
			ev->u.gid.rgid = (gid_t)v[0];
			ev->u.gid.egid = (gid_t)v[1];
		}
		return 0;
	case PT_EV_COMM:
		if ((r = get_comm(c, o, "comm", ev->u.comm.comm)) < 0)
			return r;
		if (json_object_get(o, "old_comm")) {
			if ((r = get_comm(c, o, "old_comm", ev->u.comm.old)) < 0)
				return r;
			if (!ev->u.comm.old[0])
				return bad(c, "member \"old_comm\": empty");
		}
		return 0;
	case PT_EV_PTRACE:
		if ((r = get_int(c, o, "tracer_pid", 0, INT_MAX, &v[0], NULL)) < 0 ||
		    (r = get_int(c, o, "tracer_tid", 0, INT_MAX, &v[1], NULL)) < 0)
			return r;
		ev->u.ptrace.tracer_pid = (pid_t)v[0];
		ev->u.ptrace.tracer_tid = (pid_t)v[1];
		return 0;
	case PT_EV_EXEC_FAILED:
		return get_failed(c, e, o);
	default:
		return 0;
	}
}

static bool same_field(const struct pt_proc *a, const struct pt_proc *b, enum pt_field f)
{
	switch (f) {
	case PT_F_PPID:
		return a->ppid == b->ppid;
	case PT_F_START:
		return a->start == b->start;
	case PT_F_COMM:
		return strncmp(a->comm, b->comm, PT_COMM_LEN) == 0;
	case PT_F_EXE:
		return a->exe == b->exe || (a->exe && b->exe && strcmp(a->exe, b->exe) == 0);
	case PT_F_ARGV:
		return a->args_len == b->args_len && a->args_truncated == b->args_truncated &&
			(!a->args_len || memcmp(a->args, b->args, a->args_len) == 0);
	case PT_F_CREDS:
		return a->uid == b->uid && a->euid == b->euid && a->gid == b->gid &&
			a->egid == b->egid;
	case PT_F_SID:
		return a->sid == b->sid;
	case PT_F_CAPS:
		return a->cap_prm == b->cap_prm && a->cap_eff == b->cap_eff &&
			a->cap_inh == b->cap_inh;
	case PT_F_CONTAINER:
	case PT_F_CTR_META: /* held by the container */
		return a->ctr == b->ctr ||
			(a->ctr && b->ctr && strcmp(a->ctr->id, b->ctr->id) == 0);
	default:
		return false;
	}
}

/*
 * Make the record say what the event says of it: the event is the newer word
 * (a record made for an exit of a process forked before the stream began, a
 * field another record of the table knew). A field that already agrees keeps
 * its provenance: an image inherited at fork stays inherited, so the exec that
 * replaces it does not count it as an exec of its own.
 */
static void fix_record(struct pt_monitor *m, struct pt_proc *p, void *data)
{
	struct ev_in *e = data;
	const struct pt_proc *v = &e->view.p;

	for (unsigned i = 0; i < PT_F_COUNT; i++) {
		enum pt_field f = (enum pt_field)i;

		if (!(e->carried & PT_FMASK(f)))
			continue;
		if (!pt_proc_has(v, f)) {
			if (pt_proc_has(p, f) || p->why[f] != v->why[f])
				pt_proc_set_missing(p, f, (enum pt_why)v->why[f]);
			continue;
		}
		if (pt_proc_has(p, f) && same_field(p, v, f))
			continue;
		if (f == PT_F_START) { /* not start_us: the event does not carry it */
			p->start = v->start;
			pt_proc_set_known(p, f, (enum pt_src)v->src[f]);
		} else if (pt_proc_merge(p, v, PT_FMASK(f)) < 0) {
			e->oom = true;
		}
	}
	if (e->boot)
		p->boot_id = e->boot;
	if (e->pkey_carried) {
		p->pkey = (uint8_t)e->view.pkey;
		p->pkey_pid = e->view.pkey_pid;
		p->pkey_start = e->view.pkey_start;
	}
	p->flags |= e->flags;
	pt_core_settle_ctr(m, p);
	pt_table_touch(pt_core_table(m), p);
}

/* The view as a source's info: what a fork or exec read of the process. */
static struct pt_proc *info_of(struct ev_in *e)
{
	struct pt_proc *info = malloc(sizeof(*info));

	if (!info)
		return NULL;
	pt_proc_init(info);
	info->pid = e->ev.pid;
	if (pt_proc_merge(info, &e->view.p, e->carried) < 0) {
		pt_proc_clear(info);
		free(info);
		return NULL;
	}
	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((e->carried & PT_FMASK(f)) && !pt_proc_has(&e->view.p, (enum pt_field)f))
			pt_proc_set_missing(info, (enum pt_field)f, (enum pt_why)e->view.p.why[f]);
	info->start_us = e->ev.type == PT_EV_FORK ? e->ev.time_us : 0;
	return info;
}

/* The live record an event about an existing process needs, made to agree. */
static struct pt_proc *ensure(struct pt_monitor *m, struct ev_in *e)
{
	const struct pt_proc *v = &e->view.p;
	uint64_t start = pt_proc_has(v, PT_F_START) ? v->start : 0;
	struct pt_proc *p = pt_table_get_live(pt_core_table(m), e->ev.pid);

	if (!p || !pt_same_start(p->start, start)) {
		p = pt_core_record(m, e->ev.pid, start, 0);
		if (!p)
			return NULL;
		/* its lifetime is what the exit says: the start follows from it */
		if (e->ev.type == PT_EV_EXIT && !e->ev.thread && e->ev.u.exit.duration_us >= 0 &&
		    p->state == PT_STATE_ALIVE)
			p->start_us = e->ev.time_us - e->ev.u.exit.duration_us;
	}
	fix_record(m, p, e);
	return p;
}

/* The raw event a source would have handed over. */
static int raw_of(struct ev_in *e, struct pt_raw *raw)
{
	const struct pt_event *ev = &e->ev;

	memset(raw, 0, sizeof(*raw));
	raw->type = ev->type;
	raw->time_us = ev->time_us;
	raw->pid = ev->pid;
	raw->tid = ev->tid;
	raw->ppid = ev->ppid;
	raw->synthesized = ev->synthesized;
	raw->lo_us = ev->window_lo_us;
	raw->hi_us = ev->window_hi_us;
	if (e->has_proc && pt_proc_has(&e->view.p, PT_F_START))
		raw->start = e->view.p.start;
	switch (ev->type) {
	case PT_EV_FORK:
	case PT_EV_EXEC:
		if (e->has_proc && !ev->thread && !(raw->info = info_of(e)))
			return -ENOMEM;
		break;
	case PT_EV_EXIT:
		if (ev->u.exit.signal > 0)
			raw->u.exit.status =
				ev->u.exit.signal | (ev->u.exit.core_dumped ? 0x80 : 0);
		else if (ev->u.exit.exit_code >= 0)
			raw->u.exit.status = ev->u.exit.exit_code << 8;
		else
			raw->u.exit.status = -1;
		break;
	case PT_EV_UID:
		raw->u.id.r = ev->u.uid.ruid;
		raw->u.id.e = ev->u.uid.euid;
		break;
	case PT_EV_GID:
		raw->u.id.r = ev->u.gid.rgid;
		raw->u.id.e = ev->u.gid.egid;
		break;
	case PT_EV_COMM:
		memcpy(raw->u.comm, ev->u.comm.comm, PT_COMM_LEN);
		break;
	case PT_EV_PTRACE:
		raw->u.tracer.pid = ev->u.ptrace.tracer_pid;
		raw->u.tracer.tid = ev->u.ptrace.tracer_tid;
		break;
	case PT_EV_LOST:
		raw->u.lost.count = ev->u.lost.count;
		raw->u.lost.estimated = ev->u.lost.estimated;
		raw->u.lost.reason = ev->u.lost.reason;
		break;
	case PT_EV_EXEC_FAILED:
		/* the core frees these after the event, as a source's */
		raw->u.failed.err = ev->u.exec_failed.err;
		raw->u.failed.argc = ev->u.exec_failed.argc;
		raw->u.failed.args_truncated = ev->u.exec_failed.args_truncated;
		raw->u.failed.execveat = ev->u.exec_failed.execveat;
		if (e->path && !(raw->u.failed.path = strdup(e->path)))
			return -ENOMEM;
		if (e->args) {
			raw->u.failed.args_len = ev->u.exec_failed.args_len;
			raw->u.failed.args = malloc(raw->u.failed.args_len + 1);
			if (!raw->u.failed.args) {
				free(raw->u.failed.path);
				return -ENOMEM;
			}
			memcpy(raw->u.failed.args, e->args, raw->u.failed.args_len + 1);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Types whose record the source path expects to find rather than make. */
static bool needs_record(const struct pt_event *ev)
{
	return !(ev->type == PT_EV_LOST || ev->type == PT_EV_EXEC ||
		 (ev->type == PT_EV_FORK && !ev->thread));
}

PT_EXPORT int pt_import_event(struct pt_monitor *m, const char *json, size_t len, char *why,
			      size_t whylen)
{
	struct ctx c = {why, whylen};
	struct pt_core_import imp = {0};
	struct pt_raw raw;
	struct ev_in e;
	json_t *o;
	int r;

	if (why && whylen)
		why[0] = '\0';
	if (!m)
		return -EINVAL;
	r = load(&c, json, len, &o);
	if (r < 0)
		return r;
	memset(&e, 0, sizeof(e));
	rec_in_init(&e.view);
	r = parse_event(&c, o, &e);
	json_decref(o);
	if (r < 0 || (e.has_proc && (r = boot_of(&c, m, &e.view, &e.boot)) < 0))
		goto out;
	if (raw_of(&e, &raw) < 0) {
		r = oom(&c);
		goto out;
	}
	imp.ev = &e.ev;
	imp.no_proc = !e.has_proc;
	imp.fix = fix_record;
	imp.data = &e;
	if (e.ev.type == PT_EV_EXEC_FAILED && e.has_proc && !e.view.has_key &&
	    pt_proc_has(&e.view.p, PT_F_START)) {
		/* a caller the table did not hold: the source's snapshot of it stood
		 * in, outside the table (so without a key); so does the view */
		imp.own_proc = true;
		imp.proc = &e.view.p;
	} else if (e.has_proc && needs_record(&e.ev)) {
		imp.proc = ensure(m, &e);
		/* a stale event (the table saw this process exit): shown, not applied */
		imp.deliver_only = imp.proc && imp.proc->state != PT_STATE_ALIVE;
	}
	pt_core_import_event(m, &raw, &imp);
	if (e.oom)
		r = oom(&c);
out:
	ev_in_free(&e);
	return r;
}
