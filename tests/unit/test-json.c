/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON output: escaping, invalid UTF-8, base64, times, process and event objects. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "fixture.h"
#include "container.h"
#include "internal.h"

/* ---- a strict JSON parser (RFC 8259, UTF-8, no duplicate keys) ---- */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	bool b;
	char *s; /* J_STR: decoded bytes, NUL-terminated; J_NUM: the literal text */
	size_t slen;
	struct jv *items; /* J_ARR, J_OBJ */
	char **keys; /* J_OBJ */
	size_t n;
};

struct jp {
	const unsigned char *p, *end;
	int depth;
};

/* An independent UTF-8 decoder: length of the valid sequence at s, or 0. */
static size_t ref_utf8(const unsigned char *s, size_t n)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	cp = s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool ref_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = ref_utf8(s + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static void jv_free(struct jv *v)
{
	if (!v)
		return;
	free(v->s);
	for (size_t i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof(*v));
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool is_digit(const struct jp *j)
{
	return j->p < j->end && *j->p >= '0' && *j->p <= '9';
}

static bool parse_value(struct jp *j, struct jv *v);

static bool parse_word(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static bool parse_number(struct jp *j, struct jv *v)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (is_digit(j))
		while (is_digit(j))
			j->p++;
	else
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!is_digit(j))
			return false;
		while (is_digit(j))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!is_digit(j))
			return false;
		while (is_digit(j))
			j->p++;
	}
	v->t = J_NUM;
	v->slen = (size_t)(j->p - s);
	v->s = strndup((const char *)s, v->slen);
	return v->s != NULL;
}

static int hex4(struct jp *j)
{
	int v = 0;

	if (j->end - j->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		unsigned char c = *j->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool parse_escape(struct jp *j, char *o, size_t *k)
{
	int u, lo;

	switch (*j->p++) {
	case '"':
		o[(*k)++] = '"';
		return true;
	case '\\':
		o[(*k)++] = '\\';
		return true;
	case '/':
		o[(*k)++] = '/';
		return true;
	case 'b':
		o[(*k)++] = '\b';
		return true;
	case 'f':
		o[(*k)++] = '\f';
		return true;
	case 'n':
		o[(*k)++] = '\n';
		return true;
	case 'r':
		o[(*k)++] = '\r';
		return true;
	case 't':
		o[(*k)++] = '\t';
		return true;
	case 'u':
		break;
	default:
		return false;
	}
	u = hex4(j);
	if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
		return false;
	if (u >= 0xd800 && u <= 0xdbff) {
		if (!parse_word(j, "\\u"))
			return false;
		lo = hex4(j);
		if (lo < 0xdc00 || lo > 0xdfff)
			return false;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	*k += put_utf8(o + *k, (uint32_t)u);
	return true;
}

static bool parse_string(struct jp *j, char **out, size_t *len)
{
	char *o;
	size_t k = 0, l;

	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	/* Decoded text is never longer than its literal. */
	o = malloc((size_t)(j->end - j->p) + 1);
	if (!o)
		return false;
	for (;;) {
		if (j->p >= j->end)
			goto out_fail;
		if (*j->p == '"')
			break;
		if (*j->p < 0x20)
			goto out_fail;
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end || !parse_escape(j, o, &k))
				goto out_fail;
			continue;
		}
		l = ref_utf8(j->p, (size_t)(j->end - j->p));
		if (!l)
			goto out_fail;
		memcpy(o + k, j->p, l);
		k += l;
		j->p += l;
	}
	j->p++;
	o[k] = '\0';
	*out = o;
	*len = k;
	return true;

out_fail:
	free(o);
	return false;
}

static struct jv *add_item(struct jv *v)
{
	struct jv *items = realloc(v->items, (v->n + 1) * sizeof(*items));

	if (!items)
		return NULL;
	v->items = items;
	memset(&items[v->n], 0, sizeof(*items));
	return &items[v->n++];
}

static bool parse_array(struct jp *j, struct jv *v)
{
	struct jv *it;

	v->t = J_ARR;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		it = add_item(v);
		if (!it || !parse_value(j, it))
			return false;
		skip_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool parse_object(struct jp *j, struct jv *v)
{
	char *key, **keys;
	size_t klen;
	struct jv *it;

	v->t = J_OBJ;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		skip_ws(j);
		if (!parse_string(j, &key, &klen))
			return false;
		for (size_t i = 0; i < v->n; i++) {
			if (!strcmp(v->keys[i], key)) {
				free(key);
				return false;
			}
		}
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys) {
			free(key);
			return false;
		}
		v->keys = keys;
		it = add_item(v);
		if (!it) {
			free(key);
			return false;
		}
		keys[v->n - 1] = key;
		skip_ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return false;
		if (!parse_value(j, it))
			return false;
		skip_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool parse_value(struct jp *j, struct jv *v)
{
	bool ok;

	skip_ws(j);
	if (j->p >= j->end || j->depth > 64)
		return false;
	switch (*j->p) {
	case '{':
		j->depth++;
		ok = parse_object(j, v);
		j->depth--;
		return ok;
	case '[':
		j->depth++;
		ok = parse_array(j, v);
		j->depth--;
		return ok;
	case '"':
		v->t = J_STR;
		return parse_string(j, &v->s, &v->slen);
	case 't':
		v->t = J_BOOL;
		v->b = true;
		return parse_word(j, "true");
	case 'f':
		v->t = J_BOOL;
		return parse_word(j, "false");
	case 'n':
		v->t = J_NULL;
		return parse_word(j, "null");
	default:
		return parse_number(j, v);
	}
}

static struct jv *json_parse(const char *s, size_t n)
{
	struct jp j = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (!parse_value(&j, v))
		goto out_fail;
	skip_ws(&j);
	if (j.p != j.end)
		goto out_fail;
	return v;

out_fail:
	jv_free(v);
	free(v);
	return NULL;
}

static void json_free(struct jv *v)
{
	jv_free(v);
	free(v);
}

/* ---- jq, when installed: a second opinion ---- */

static bool have_jq(void)
{
	static int have = -1;

	if (have < 0)
		have = system("command -v jq >/dev/null 2>&1") == 0;
	return have;
}

static void assert_jq_accepts(const char *s, size_t n)
{
	FILE *f;
	int st;

	if (!have_jq())
		return;
	signal(SIGPIPE, SIG_IGN);
	f = popen("jq -e . >/dev/null 2>&1", "w");
	cr_assert(f, "popen jq");
	fwrite(s, 1, n, f);
	st = pclose(f);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "jq rejected: %.300s", s);
}

/* Parse with the strict parser (always) and jq (when present). */
static struct jv *must_parse(const char *s, size_t n)
{
	struct jv *v = json_parse(s, n);

	cr_assert(v, "invalid JSON: %.500s", s);
	cr_assert(ref_utf8_valid((const unsigned char *)s, n), "output not UTF-8");
	assert_jq_accepts(s, n);
	return v;
}

static struct jv *must_parse_buf(struct pt_buf *b)
{
	cr_assert(!b->oom);
	return must_parse(b->p, b->len);
}

/* ---- tree helpers ---- */

static const struct jv *get(const struct jv *o, const char *key)
{
	cr_assert(o && o->t == J_OBJ, "not an object looking for %s", key);
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->items[i];
	return NULL;
}

static const struct jv *must_get(const struct jv *o, const char *key)
{
	const struct jv *v = get(o, key);

	cr_assert(v, "no member %s", key);
	return v;
}

/* Comma-joined member names, in order. */
static const char *keys_of(const struct jv *o)
{
	static char out[1024];
	size_t k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < o->n; i++)
		k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s", i ? "," : "", o->keys[i]);
	return out;
}

static void assert_keys(const struct jv *o, const char *want)
{
	cr_assert_str_eq(keys_of(o), want);
}

static void assert_null(const struct jv *o, const char *key)
{
	cr_assert_eq(must_get(o, key)->t, J_NULL, "%s is not null", key);
}

static void assert_num(const struct jv *o, const char *key, const char *text)
{
	const struct jv *v = must_get(o, key);

	cr_assert_eq(v->t, J_NUM, "%s is not a number", key);
	cr_assert_str_eq(v->s, text, "%s", key);
}

static void assert_bool(const struct jv *o, const char *key, bool b)
{
	const struct jv *v = must_get(o, key);

	cr_assert_eq(v->t, J_BOOL, "%s is not a boolean", key);
	cr_assert_eq(v->b, b, "%s", key);
}

static void assert_strv(const struct jv *v, const void *want, size_t n)
{
	cr_assert_eq(v->t, J_STR);
	cr_assert_eq(v->slen, n, "length %zu, want %zu", v->slen, n);
	cr_assert(!memcmp(v->s, want, n));
}

static void assert_str(const struct jv *o, const char *key, const char *want)
{
	assert_strv(must_get(o, key), want, strlen(want));
}

/* ---- base64 decoding, strict ---- */

static int b64_val(char c)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;

	return p ? (int)(p - tab) : -1;
}

/* Returns a malloc'd buffer with the bytes, or NULL if s is not canonical base64. */
static unsigned char *b64_decode(const char *s, size_t n, size_t *out_len)
{
	unsigned char *o;
	size_t k = 0;

	if (n % 4)
		return NULL;
	o = malloc(n / 4 * 3 + 1);
	cr_assert(o);
	for (size_t i = 0; i < n; i += 4) {
		int a = b64_val(s[i]), b = b64_val(s[i + 1]), c, d;
		bool last = i + 4 == n;

		if (a < 0 || b < 0)
			goto out_bad;
		o[k++] = (unsigned char)(a << 2 | b >> 4);
		if (last && s[i + 2] == '=') {
			if (s[i + 3] != '=' || (b & 0xf))
				goto out_bad;
			break;
		}
		c = b64_val(s[i + 2]);
		if (c < 0)
			goto out_bad;
		o[k++] = (unsigned char)((b & 0xf) << 4 | c >> 2);
		if (last && s[i + 3] == '=') {
			if (c & 3)
				goto out_bad;
			break;
		}
		d = b64_val(s[i + 3]);
		if (d < 0)
			goto out_bad;
		o[k++] = (unsigned char)((c & 3) << 6 | d);
	}
	*out_len = k;
	return o;

out_bad:
	free(o);
	return NULL;
}

static void assert_b64(const struct jv *v, const void *want, size_t n)
{
	unsigned char *d;
	size_t dn = 0;

	cr_assert_eq(v->t, J_STR, "base64 member is not a string");
	d = b64_decode(v->s, v->slen, &dn);
	cr_assert(d, "not base64: %s", v->s);
	cr_assert_eq(dn, n, "decoded %zu bytes, want %zu", dn, n);
	cr_assert(!memcmp(d, want, n), "decoded bytes differ");
	free(d);
}

/* ---- a reference encoder for pt_json_str, byte by byte ---- */

static size_t ref_json_str(const unsigned char *s, size_t n, char *o)
{
	size_t k = 0, l;

	o[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
			o[k++] = '\\';
			o[k++] = c == '\n'  ? 'n'
				: c == '\t' ? 't'
				: c == '\r' ? 'r'
				: c == '\b' ? 'b'
					    : 'f';
		} else if (c < 0x20 || c == 0x7f) {
			k += (size_t)sprintf(o + k, "\\u%04x", c);
		} else if (c < 0x80) {
			o[k++] = (char)c;
		} else if ((l = ref_utf8(s + i, n - i))) {
			memcpy(o + k, s + i, l);
			k += l;
			i += l - 1;
		} else {
			memcpy(o + k, "\xef\xbf\xbd", 3);
			k += 3;
		}
	}
	o[k++] = '"';
	o[k] = '\0';
	return k;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* Bytes that sit on the boundaries of the UTF-8 and escaping rules. */
static unsigned char rnd_byte(void)
{
	static const unsigned char edge[] = {'a',  '"',	 '\\', 0x00, 0x1f, 0x20, 0x7e, 0x7f,
					     0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
					     0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0,
					     0xf1, 0xf4, 0xf5, 0xff, '\n', 'z',	 'q',  'x'};
	uint32_t r = rnd();

	if (r % 4 == 0)
		return (unsigned char)(r >> 8);
	return edge[(r >> 8) % sizeof(edge)];
}

/* ---- pt_buf ---- */

Test(buf, grows_and_steals)
{
	struct pt_buf b;
	char *s;
	size_t n = 0;

	pt_buf_init(&b);
	for (int i = 0; i < 10000; i++)
		pt_buf_addc(&b, (char)('a' + i % 26));
	pt_buf_adds(&b, "end");
	pt_buf_printf(&b, "-%d-%s", 42, "x");
	cr_assert_eq(b.len, 10000 + 3 + 5);
	cr_assert(b.cap > b.len);
	s = pt_buf_steal(&b, &n);
	cr_assert(s);
	cr_assert_eq(n, 10008);
	cr_assert_eq(strlen(s), n);
	cr_assert_str_eq(s + 10000, "end-42-x");
	cr_assert_eq(b.p, NULL);
	cr_assert_eq(b.len, 0);
	free(s);
}

Test(buf, steal_empty_gives_empty_string)
{
	struct pt_buf b;
	size_t n = 7;
	char *s;

	pt_buf_init(&b);
	s = pt_buf_steal(&b, &n);
	cr_assert(s);
	cr_assert_str_eq(s, "");
	cr_assert_eq(n, 0);
	free(s);
}

Test(buf, printf_longer_than_room)
{
	struct pt_buf b;
	char big[3000];

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pt_buf_init(&b);
	pt_buf_adds(&b, "x");
	pt_buf_printf(&b, "%s|%s", big, big);
	cr_assert_eq(b.len, 1 + 2 * 2999 + 1);
	cr_assert_eq(b.p[1 + 2999], '|');
	pt_buf_free(&b);
}

Test(buf, oom_stops_writing_and_steal_fails)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_buf_adds(&b, "abc");
	cr_assert_eq(pt_buf_reserve(&b, SIZE_MAX - 1), -ENOMEM);
	cr_assert(b.oom);
	pt_buf_adds(&b, "def");
	pt_buf_addc(&b, 'g');
	pt_buf_printf(&b, "%d", 1);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(pt_buf_reserve(&b, 1), -ENOMEM);
	errno = 0;
	cr_assert_null(pt_buf_steal(&b, NULL));
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(b.p, NULL);
	cr_assert(!b.oom);
}

/* ---- base64 ---- */

static void check_b64(const char *in, const char *want)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_base64(&b, in, strlen(in));
	pt_buf_addc(&b, '\0');
	cr_assert_str_eq(b.p, want, "base64(\"%s\")", in);
	pt_buf_free(&b);
}

Test(base64, rfc4648_vectors)
{
	check_b64("", "");
	check_b64("f", "Zg==");
	check_b64("fo", "Zm8=");
	check_b64("foo", "Zm9v");
	check_b64("foob", "Zm9vYg==");
	check_b64("fooba", "Zm9vYmE=");
	check_b64("foobar", "Zm9vYmFy");
}

Test(base64, every_byte_round_trips)
{
	unsigned char in[256 + 2];
	struct pt_buf b;
	struct jv v = {.t = J_STR};

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(255 - i % 256);
	for (size_t n = 0; n <= sizeof(in); n++) {
		pt_buf_init(&b);
		pt_base64(&b, in, n);
		cr_assert_eq(b.len, (n + 2) / 3 * 4);
		v.s = b.p ? b.p : (char *)"";
		v.slen = b.len;
		assert_b64(&v, in, n);
		pt_buf_free(&b);
	}
}

/* ---- UTF-8 validation ---- */

struct bytes {
	const char *s;
	size_t n;
};
#define B(lit)                       \
	{                            \
		lit, sizeof(lit) - 1 \
	}

static const struct bytes utf8_good[] = {
	B(""),
	B("plain ascii, longer than one word"),
	B("\xc2\x80"),
	B("\xdf\xbf"),
	B("\xe0\xa0\x80"),
	B("\xed\x9f\xbf"),
	B("\xee\x80\x80"),
	B("\xef\xbf\xbf"),
	B("\xf0\x90\x80\x80"),
	B("\xf4\x8f\xbf\xbf"),
	B("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	B("\x7f\x01"),
};

static const struct bytes utf8_bad[] = {
	B("\xff"),
	B("\xfe"),
	B("\x80"),
	B("\xbf"),
	B("\xc0\x80"),
	B("\xc1\xbf"),
	B("\xe0\x80\x80"),
	B("\xe0\x9f\xbf"),
	B("\xf0\x80\x80\x80"),
	B("\xf0\x8f\xbf\xbf"),
	B("\xed\xa0\x80"),
	B("\xed\xbf\xbf"),
	B("\xf4\x90\x80\x80"),
	B("\xf5\x80\x80\x80"),
	B("\xe2\x82"),
	B("\xf0\x9f\x98"),
	B("\xc3"),
	B("\xc3"
	  "a"),
	B("\xe2\x82"
	  "abcdefghijkl"),
	B("abcdefgh\xff"),
	B("abcdefghijklmnop\xc3"),
};

Test(utf8, known_sequences)
{
	for (size_t i = 0; i < PT_ARRAY_SIZE(utf8_good); i++)
		cr_assert(pt_utf8_valid(utf8_good[i].s, utf8_good[i].n), "good #%zu", i);
	for (size_t i = 0; i < PT_ARRAY_SIZE(utf8_bad); i++)
		cr_assert(!pt_utf8_valid(utf8_bad[i].s, utf8_bad[i].n), "bad #%zu", i);
}

Test(utf8, bad_byte_at_every_offset)
{
	char s[40];

	for (size_t pos = 0; pos < sizeof(s); pos++) {
		memset(s, 'a', sizeof(s));
		s[pos] = '\xff';
		cr_assert(!pt_utf8_valid(s, sizeof(s)), "0xff at %zu", pos);
		cr_assert(pt_utf8_valid(s, pos), "prefix of %zu", pos);
	}
}

Test(utf8, agrees_with_reference_decoder)
{
	unsigned char s[48];

	for (int iter = 0; iter < 50000; iter++) {
		size_t n = rnd() % sizeof(s);

		for (size_t i = 0; i < n; i++)
			s[i] = rnd_byte();
		cr_assert_eq(pt_utf8_valid((const char *)s, n), ref_utf8_valid(s, n), "iter %d",
			     iter);
	}
}

/* ---- pt_json_str ---- */

static char *json_str(const void *s, size_t n, bool *valid)
{
	struct pt_buf b;
	bool v;

	pt_buf_init(&b);
	v = pt_json_str(&b, s, n);
	if (valid)
		*valid = v;
	return pt_buf_steal(&b, NULL);
}

static void check_str(const void *in, size_t n, const char *want, bool want_valid)
{
	bool valid;
	char *out = json_str(in, n, &valid);
	struct jv *v;

	cr_assert(out);
	cr_assert_str_eq(out, want);
	cr_assert_eq(valid, want_valid);
	v = must_parse(out, strlen(out));
	if (want_valid)
		assert_strv(v, in, n);
	json_free(v);
	free(out);
}

Test(json_str, quotes_and_backslash)
{
	check_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"", true);
	check_str("\"\"\\\\", 4, "\"\\\"\\\"\\\\\\\\\"", true);
	check_str("", 0, "\"\"", true);
	check_str("/slash/ok", 9, "\"/slash/ok\"", true);
}

Test(json_str, every_control_character)
{
	unsigned char in[33];
	char want[300];
	size_t k = 0;

	for (int c = 0; c < 0x20; c++)
		in[c] = (unsigned char)c;
	in[32] = 0x7f;
	k += (size_t)sprintf(want + k,
			     "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007");
	k += (size_t)sprintf(want + k, "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f");
	k += (size_t)sprintf(want + k, "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017");
	k += (size_t)sprintf(want + k, "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f");
	sprintf(want + k, "\\u007f\"");
	check_str(in, sizeof(in), want, true);
}

Test(json_str, embedded_nul)
{
	check_str("a\0b\0", 4, "\"a\\u0000b\\u0000\"", true);
	check_str("\0", 1, "\"\\u0000\"", true);
}

Test(json_str, valid_multibyte_passes_through)
{
	const char s[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";

	check_str(s, sizeof(s) - 1,
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"", true);
}

#define FFFD "\xef\xbf\xbd"

Test(json_str, invalid_bytes_become_replacement_characters)
{
	check_str("a\xff"
		  "b",
		  3, "\"a" FFFD "b\"", false);
	check_str("\xe2\x82", 2, "\"" FFFD FFFD "\"", false);
	check_str("\xe2\x82\"", 3, "\"" FFFD FFFD "\\\"\"", false);
	check_str("\xc0\x80", 2, "\"" FFFD FFFD "\"", false);
	check_str("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"", false);
	check_str("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"", false);
	check_str("\xc3\xa9\xff\xc3\xa9", 5, "\"\xc3\xa9" FFFD "\xc3\xa9\"", false);
}

Test(json_str, matches_reference_encoder)
{
	unsigned char s[80];
	char want[80 * 6 + 3];

	for (int iter = 0; iter < 30000; iter++) {
		size_t n = rnd() % sizeof(s);
		bool valid;
		char *out;

		unsigned char *exact;

		for (size_t i = 0; i < n; i++)
			s[i] = rnd_byte();
		/* long plain runs exercise the word-at-a-time path */
		if (iter % 3 == 0 && n > 20)
			memset(s + rnd() % 10, 'p', 10);
		/* an exact-size copy lets ASan catch reads past the end */
		exact = malloc(n ? n : 1);
		cr_assert(exact);
		memcpy(exact, s, n);
		ref_json_str(s, n, want);
		out = json_str(exact, n, &valid);
		cr_assert(out);
		cr_assert_str_eq(out, want, "iter %d", iter);
		cr_assert_eq(valid, ref_utf8_valid(s, n));
		cr_assert_eq(pt_utf8_valid((const char *)exact, n), valid);
		free(exact);
		free(out);
	}
}

Test(json_str, output_always_parses)
{
	unsigned char s[64];

	for (int iter = 0; iter < 3000; iter++) {
		size_t n = rnd() % sizeof(s);
		bool valid;
		char *out;
		struct jv *v;

		for (size_t i = 0; i < n; i++)
			s[i] = rnd_byte();
		out = json_str(s, n, &valid);
		v = json_parse(out, strlen(out));
		cr_assert(v, "iter %d: %s", iter, out);
		cr_assert_eq(v->t, J_STR);
		if (valid)
			assert_strv(v, s, n);
		json_free(v);
		free(out);
	}
}

/* ---- pt_json_kv_str / pt_json_kv_args ---- */

static struct jv *wrap_kv(struct pt_buf *b)
{
	pt_buf_addc(b, '}');
	return must_parse_buf(b);
}

Test(json_kv, str_valid_null_invalid)
{
	static const struct bytes bad[] = {
		B("\xff"),	   B("ab\xe2\x82"),	  B("\xc0\x80x"),
		B("\xed\xa0\x80"), B("\xf4\x90\x80\x80"),
	};
	struct pt_buf b;
	struct jv *v;

	pt_buf_init(&b);
	pt_buf_addc(&b, '{');
	pt_json_kv_str(&b, "exe", "/bin/true", 9);
	pt_buf_addc(&b, ',');
	pt_json_kv_str(&b, "cwd", NULL, 0);
	v = wrap_kv(&b);
	assert_keys(v, "exe,cwd");
	assert_str(v, "exe", "/bin/true");
	assert_null(v, "cwd");
	json_free(v);
	pt_buf_free(&b);

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		pt_buf_init(&b);
		pt_buf_addc(&b, '{');
		pt_json_kv_str(&b, "exe", bad[i].s, bad[i].n);
		v = wrap_kv(&b);
		assert_keys(v, "exe,exe_b64");
		cr_assert(strstr(must_get(v, "exe")->s, FFFD));
		assert_b64(must_get(v, "exe_b64"), bad[i].s, bad[i].n);
		json_free(v);
		pt_buf_free(&b);
	}
}

static struct jv *kv_args(const void *args, size_t len)
{
	struct pt_buf b;
	struct jv *v;

	pt_buf_init(&b);
	pt_buf_addc(&b, '{');
	pt_json_kv_args(&b, "argv", args, len);
	v = wrap_kv(&b);
	pt_buf_free(&b);
	return v;
}

Test(json_kv, args_shapes)
{
	struct jv *v;
	const struct jv *a;

	v = kv_args(NULL, 0);
	assert_keys(v, "argv");
	assert_null(v, "argv");
	json_free(v);

	v = kv_args("", 0);
	a = must_get(v, "argv");
	cr_assert_eq(a->t, J_ARR);
	cr_assert_eq(a->n, 0);
	json_free(v);

	v = kv_args("a\0\0b", 5);
	a = must_get(v, "argv");
	cr_assert_eq(a->n, 3);
	assert_strv(&a->items[0], "a", 1);
	assert_strv(&a->items[1], "", 0);
	assert_strv(&a->items[2], "b", 1);
	json_free(v);

	/* no final NUL: the last argument still counts */
	v = kv_args("ls\0-l", 5);
	a = must_get(v, "argv");
	cr_assert_eq(a->n, 2);
	assert_strv(&a->items[1], "-l", 2);
	json_free(v);
}

Test(json_kv, args_with_every_control_character)
{
	char args[34 * 3 + 16];
	size_t len = 0, n = 0;
	const struct jv *a;
	struct jv *v;

	for (int c = 1; c <= 0x20; c++) {
		int ch = c == 0x20 ? 0x7f : c;

		args[len++] = 'x';
		args[len++] = (char)ch;
		args[len++] = '\0';
		n++;
	}
	memcpy(args + len, "q\"u\\o\0", 6);
	len += 6;
	n++;
	v = kv_args(args, len);
	assert_keys(v, "argv");
	a = must_get(v, "argv");
	cr_assert_eq(a->n, n);
	for (size_t i = 0; i + 1 < n; i++) {
		char want[2] = {'x', (char)(i + 1 == 0x20 ? 0x7f : i + 1)};

		assert_strv(&a->items[i], want, 2);
	}
	assert_strv(&a->items[n - 1], "q\"u\\o", 5);
	json_free(v);
}

Test(json_kv, invalid_element_gives_b64_of_every_element)
{
	static const char args[] = "prog\0ok\0\xff\0\xe2\x82\0\xc0\x80\0\xed\xa0\x80\0"
				   "\xf4\x90\x80\x80\0caf\xc3\xa9";
	static const struct bytes elems[] = {
		B("prog"),
		B("ok"),
		B("\xff"),
		B("\xe2\x82"),
		B("\xc0\x80"),
		B("\xed\xa0\x80"),
		B("\xf4\x90\x80\x80"),
		B("caf\xc3\xa9"),
	};
	const struct jv *a, *b64;
	struct jv *v;

	v = kv_args(args, sizeof(args));
	assert_keys(v, "argv,argv_b64");
	a = must_get(v, "argv");
	b64 = must_get(v, "argv_b64");
	cr_assert_eq(a->n, PT_ARRAY_SIZE(elems));
	cr_assert_eq(b64->t, J_ARR);
	cr_assert_eq(b64->n, a->n);
	for (size_t i = 0; i < PT_ARRAY_SIZE(elems); i++)
		assert_b64(&b64->items[i], elems[i].s, elems[i].n);
	assert_strv(&a->items[0], "prog", 4);
	assert_strv(&a->items[2], FFFD, 3);
	assert_strv(&a->items[3], FFFD FFFD, 6);
	assert_strv(&a->items[6], FFFD FFFD FFFD FFFD, 12);
	assert_strv(&a->items[7], "caf\xc3\xa9", 5);
	json_free(v);
}

Test(json_kv, one_mib_argv)
{
	static const char pat[] = "abc\"\\\t\xc3\xa9xyz/";
	size_t big = 1 << 20, len = 0, nsmall = 2000;
	char *args = malloc(big + nsmall * 8 + 16);
	unsigned char *d;
	const struct jv *a, *b64;
	struct jv *v;
	size_t dn = 0;

	cr_assert(args);
	for (size_t i = 0; i < big; i++)
		args[len++] = pat[i % (sizeof(pat) - 1)];
	args[len++] = '\0';
	for (size_t i = 0; i < nsmall; i++)
		len += (size_t)sprintf(args + len, "-%zu", i) + 1;
	v = kv_args(args, len);
	assert_keys(v, "argv");
	a = must_get(v, "argv");
	cr_assert_eq(a->n, 1 + nsmall);
	assert_strv(&a->items[0], args, big);
	assert_strv(&a->items[nsmall], "-1999", 5);
	json_free(v);

	/* one bad byte at the end forces base64 of all of it */
	args[big - 1] = '\xff';
	v = kv_args(args, len);
	assert_keys(v, "argv,argv_b64");
	b64 = must_get(v, "argv_b64");
	cr_assert_eq(b64->n, 1 + nsmall);
	d = b64_decode(b64->items[0].s, b64->items[0].slen, &dn);
	cr_assert(d);
	cr_assert_eq(dn, big);
	cr_assert(!memcmp(d, args, big));
	free(d);
	json_free(v);
	free(args);
}

/* ---- time ---- */

static void check_time(int64_t us, const char *want)
{
	char out[32];

	memset(out, 'X', sizeof(out));
	pt_fmt_time(out, us);
	cr_assert_str_eq(out, want, "us=%lld", (long long)us);
}

Test(time, known_values)
{
	check_time(0, "1970-01-01T00:00:00.000000Z");
	check_time(1, "1970-01-01T00:00:00.000001Z");
	check_time(-1, "1969-12-31T23:59:59.999999Z");
	check_time(1795206986123456, "2026-11-20T20:36:26.123456Z");
	check_time(1709208000500000, "2024-02-29T12:00:00.500000Z");
	check_time(951782400000000, "2000-02-29T00:00:00.000000Z");
	check_time(4102444800000001, "2100-01-01T00:00:00.000001Z");
	check_time(253402300799999999, "9999-12-31T23:59:59.999999Z");
	check_time(-62167219200000000, "0000-01-01T00:00:00.000000Z");
}

Test(time, out_of_range_is_clamped)
{
	check_time(INT64_MAX, "9999-12-31T23:59:59.999999Z");
	check_time(253402300800000000, "9999-12-31T23:59:59.999999Z");
	check_time(INT64_MIN, "0000-01-01T00:00:00.000000Z");
	check_time(-62167219200000001, "0000-01-01T00:00:00.000000Z");
}

Test(time, agrees_with_gmtime)
{
	char out[32], want[96];
	struct tm tm;

	for (int i = 0; i < 20000; i++) {
		int64_t secs =
			(int64_t)(((uint64_t)rnd() << 32 | rnd()) % 8000000000ull) - 2000000000;
		int64_t us = secs * 1000000 + rnd() % 1000000;
		time_t t = (time_t)secs;

		cr_assert(gmtime_r(&t, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long long)(us - secs * 1000000));
		pt_fmt_time(out, us);
		cr_assert_str_eq(out, want);
	}
}

/* ---- process records ---- */

static char exe_path[] = "/usr/bin/sleep";
static char cwd_path[] = "/home/u";
static char cgroup_path[] = "/system.slice/docker-0123abcd.scope";
static char container[] = "0123abcd";
static char args_ok[] = "sleep\0"
			"10";

static void proc_fill(struct pt_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->pid = 4242;
	p->ppid = 1;
	p->sid = 4000;
	p->pgid = 4100;
	p->start = 123456;
	p->state = PT_STATE_ALIVE;
	p->tier = PT_TIER_NETLINK;
	memcpy(p->comm, "sleep", 6);
	p->exe = exe_path;
	p->args = args_ok;
	p->args_len = sizeof(args_ok);
	p->argc = 2;
	p->uid = 1000;
	p->euid = 0;
	p->gid = 100;
	p->egid = 4294967294u;
	p->tty_nr = 34816;
	p->cwd = cwd_path;
	p->cgroup = cgroup_path;
	p->ctr = NULL; /* the host */
	p->vpid = 12;
	p->vpgid = 10;
	p->ns[PT_NS_MNT] = 4026531841ull;
	p->ns[PT_NS_PID] = 4026531836ull;
	p->start_us = 1795206986123456;
	p->nthreads = 3;
	for (int f = 0; f < PT_F_COUNT; f++)
		p->src[f] = PT_SRC_PROC;
}

static struct jv *proc_json(const struct pt_proc *p)
{
	size_t n = 0;
	char *s = pt_json_proc(p, &n);
	struct jv *v;

	cr_assert(s);
	cr_assert_eq(n, strlen(s));
	cr_assert(n && s[n - 1] == '}');
	v = must_parse(s, n);
	cr_assert_eq(v->t, J_OBJ);
	free(s);
	return v;
}

#define PROC_KEYS                                                                               \
	"pid,ppid,start,state,comm,exe,argv,argv_truncated,uid,euid,gid,egid,sid,pgid,tty,cwd," \
	"cgroup,container_id,ns,tier,start_time"

Test(proc, all_known)
{
	struct pt_proc p;
	const struct jv *a, *ns;
	struct jv *v;

	proc_fill(&p);
	v = proc_json(&p);
	assert_keys(v, PROC_KEYS ",threads,loginuid,vpid,vpgid,caps");
	assert_num(v, "pid", "4242");
	assert_num(v, "ppid", "1");
	assert_num(v, "start", "123456");
	assert_str(v, "state", "alive");
	assert_str(v, "comm", "sleep");
	assert_str(v, "exe", "/usr/bin/sleep");
	a = must_get(v, "argv");
	cr_assert_eq(a->n, 2);
	assert_strv(&a->items[0], "sleep", 5);
	assert_strv(&a->items[1], "10", 2);
	assert_bool(v, "argv_truncated", false);
	assert_num(v, "uid", "1000");
	assert_num(v, "euid", "0");
	assert_num(v, "gid", "100");
	assert_num(v, "egid", "4294967294");
	assert_num(v, "sid", "4000");
	assert_num(v, "pgid", "4100");
	assert_num(v, "tty", "34816");
	assert_str(v, "cwd", "/home/u");
	assert_str(v, "cgroup", "/system.slice/docker-0123abcd.scope");
	assert_str(v, "container_id", "host");
	assert_num(v, "vpid", "12");
	assert_num(v, "vpgid", "10");
	ns = must_get(v, "ns");
	assert_keys(ns, "mnt,pid");
	assert_num(ns, "mnt", "4026531841");
	assert_num(ns, "pid", "4026531836");
	assert_str(v, "tier", "netlink");
	assert_str(v, "start_time", "2026-11-20T20:36:26.123456Z");
	assert_num(v, "threads", "3");
	json_free(v);
}

Test(proc, all_namespaces_in_order)
{
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	for (int i = 0; i < PT_NS_COUNT; i++)
		p.ns[i] = 4026531835ull + (uint64_t)i;
	v = proc_json(&p);
	assert_keys(must_get(v, "ns"), "mnt,pid,net,user,uts,ipc,cgroup,time");
	assert_num(must_get(v, "ns"), "cgroup", "4026531835");
	assert_num(must_get(v, "ns"), "uts", "4026531842");
	json_free(v);
}

Test(proc, unknown_fields_are_null_with_reasons)
{
	struct pt_proc p;
	const struct jv *m;
	struct jv *v;

	proc_fill(&p);
	for (int f = 0; f < PT_F_COUNT; f++) {
		p.src[f] = PT_SRC_NONE;
		p.why[f] = PT_WHY_PERM;
	}
	p.src[PT_F_START] = PT_SRC_PROC;
	p.why[PT_F_START] = PT_WHY_NONE;
	p.src[PT_F_COMM] = PT_SRC_PROC;
	p.why[PT_F_COMM] = PT_WHY_NONE;
	p.why[PT_F_PPID] = PT_WHY_GONE;
	p.why[PT_F_CWD] = PT_WHY_ZOMBIE;
	p.why[PT_F_NS] = PT_WHY_KERNEL;
	p.why[PT_F_CGROUP] = PT_WHY_NONE; /* inconsistent: reported as not read */
	p.start_us = 0;
	v = proc_json(&p);
	assert_keys(v, PROC_KEYS ",threads,loginuid,vpid,vpgid,caps,missing");
	static const char *const nulls[] = {
		"ppid",	  "exe",	  "argv", "argv_truncated", "uid",  "euid",
		"gid",	  "egid",	  "sid",  "pgid",	    "tty",  "cwd",
		"cgroup", "container_id", "ns",	  "start_time",	    "vpid", "vpgid",
	};
	for (size_t i = 0; i < PT_ARRAY_SIZE(nulls); i++)
		assert_null(v, nulls[i]);
	assert_num(v, "start", "123456");
	assert_str(v, "comm", "sleep");
	m = must_get(v, "missing");
	assert_keys(m,
		    "ppid,exe,argv,creds,sid,pgid,tty,cwd,cgroup,container,ns,loginuid,nspid,caps");
	assert_str(m, "container", "permission");
	assert_str(m, "ppid", "gone");
	assert_str(m, "exe", "permission");
	assert_str(m, "creds", "permission");
	assert_str(m, "cwd", "zombie");
	assert_str(m, "ns", "unsupported");
	assert_str(m, "cgroup", "not_read");
	json_free(v);
}

Test(proc, nothing_known)
{
	struct pt_proc p;
	struct jv *v;

	memset(&p, 0, sizeof(p));
	p.pid = 7;
	p.tier = PT_TIER_POLL;
	v = proc_json(&p);
	assert_keys(v, PROC_KEYS ",threads,loginuid,vpid,vpgid,caps,missing");
	assert_null(v, "start");
	assert_null(v, "comm");
	assert_keys(must_get(v, "missing"),
		    "ppid,start,comm,exe,argv,creds,sid,pgid,tty,cwd,"
		    "cgroup,container,ns,loginuid,nspid,caps");
	assert_str(must_get(v, "missing"), "comm", "not_read");
	json_free(v);
}

/* ---- containers ---- */

static char *outer_ids[] = {(char *)"aaaa0000"};
static struct pt_container ctr_web = {
	.refs = 1000,
	.runtime = PT_RT_CONTAINERD,
	.id = container,
	.qos = PT_QOS_BURSTABLE,
	.pod_uid = (char *)"1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901",
	.outer = outer_ids,
	.nouter = 1,
	.name = (char *)"web",
	.image = (char *)"nginx:1.25",
	.image_repo = (char *)"nginx",
	.image_tag = (char *)"1.25",
	.image_id = (char *)"sha256:abcd",
	.pod_name = (char *)"web-0",
	.pod_ns = (char *)"prod",
	.created_us = 1795206986000000,
};

Test(proc, container_members)
{
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.ctr = &ctr_web;
	p.cgroup_id = 9876;
	v = proc_json(&p);
	assert_keys(v,
		    PROC_KEYS
		    ",threads,loginuid,container_runtime,container_name,container_image,"
		    "container_image_repository,container_image_tag,container_image_id,"
		    "container_start_time,container_privileged,container_outer_ids,"
		    "k8s_pod_name,k8s_ns_name,k8s_pod_uid,k8s_pod_qos,cgroup_id,vpid,vpgid,caps");
	assert_str(v, "container_id", "0123abcd");
	assert_str(v, "container_runtime", "containerd");
	assert_str(v, "container_name", "web");
	assert_str(v, "container_image", "nginx:1.25");
	assert_str(v, "container_image_repository", "nginx");
	assert_str(v, "container_image_tag", "1.25");
	assert_str(v, "container_image_id", "sha256:abcd");
	assert_str(v, "container_start_time", "2026-11-20T20:36:26.000000Z");
	assert_bool(v, "container_privileged", false);
	cr_assert_eq(must_get(v, "container_outer_ids")->n, 1);
	assert_str(v, "k8s_pod_name", "web-0");
	assert_str(v, "k8s_ns_name", "prod");
	assert_str(v, "k8s_pod_uid", "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901");
	assert_str(v, "k8s_pod_qos", "burstable");
	assert_num(v, "cgroup_id", "9876");
	json_free(v);
}

Test(proc, container_state_not_found)
{
	struct pt_container c = {
		.refs = 1000, .runtime = PT_RT_DOCKER, .id = container, .why = PT_WHY_NOT_FOUND};
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.ctr = &c;
	p.src[PT_F_CTR_META] = PT_SRC_NONE;
	p.why[PT_F_CTR_META] = PT_WHY_NOT_FOUND;
	v = proc_json(&p);
	/* no pod, no state: only the attribution, and why the rest is absent */
	assert_keys(v,
		    PROC_KEYS ",threads,loginuid,container_runtime,container_name,vpid,vpgid,caps,"
			      "missing");
	assert_str(v, "container_runtime", "docker");
	assert_null(v, "container_name");
	assert_keys(must_get(v, "missing"), "container_meta");
	assert_str(must_get(v, "missing"), "container_meta", "not_found");
	json_free(v);
}

Test(proc, container_json_object)
{
	struct jv *v;
	char *s = pt_json_container(&ctr_web);

	cr_assert_not_null(s);
	v = must_parse(s, strlen(s));
	assert_keys(v,
		    "id,runtime,name,image,image_repository,image_tag,image_id,pod_name,ns_name,"
		    "pod_uid,qos,outer_ids,created,privileged,live");
	assert_str(v, "runtime", "containerd");
	assert_num(v, "live", "0");
	json_free(v);
	free(s);
	cr_assert_null(pt_json_container(NULL));
	cr_assert_eq(errno, EINVAL);
}

Test(proc, inherited_fields)
{
	struct pt_proc p;
	const struct jv *in;
	struct jv *v;

	proc_fill(&p);
	p.src[PT_F_EXE] = PT_SRC_INHERITED;
	p.src[PT_F_CWD] = PT_SRC_INHERITED;
	v = proc_json(&p);
	assert_keys(v, PROC_KEYS ",threads,loginuid,vpid,vpgid,caps,inherited");
	assert_str(v, "exe", "/usr/bin/sleep");
	in = must_get(v, "inherited");
	cr_assert_eq(in->t, J_ARR);
	cr_assert_eq(in->n, 2);
	assert_strv(&in->items[0], "exe", 3);
	assert_strv(&in->items[1], "cwd", 3);
	json_free(v);
}

Test(proc, exited_normally)
{
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.state = PT_STATE_EXITED;
	p.exit_us = p.start_us + 1500250;
	p.exit_code = 3;
	p.nthreads = 0;
	v = proc_json(&p);
	assert_keys(v,
		    PROC_KEYS ",exit_time,exit_code,signal,core_dumped,duration_ms,threads,"
			      "loginuid,vpid,vpgid,caps");
	assert_str(v, "state", "exited");
	assert_str(v, "exit_time", "2026-11-20T20:36:27.623706Z");
	assert_num(v, "exit_code", "3");
	assert_null(v, "signal");
	assert_bool(v, "core_dumped", false);
	assert_num(v, "duration_ms", "1500.250");
	json_free(v);
}

Test(proc, killed_and_exit_unknown)
{
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.state = PT_STATE_EXITED;
	p.exit_us = p.start_us + 7;
	p.exit_code = -1;
	p.exit_signal = 11;
	p.core_dumped = true;
	v = proc_json(&p);
	assert_null(v, "exit_code");
	assert_num(v, "signal", "11");
	assert_bool(v, "core_dumped", true);
	assert_num(v, "duration_ms", "0.007");
	json_free(v);

	proc_fill(&p);
	p.state = PT_STATE_EXIT_UNKNOWN;
	p.exit_us = 0;
	p.exit_code = -1;
	v = proc_json(&p);
	assert_str(v, "state", "exit_unknown");
	assert_null(v, "exit_time");
	assert_null(v, "exit_code");
	assert_null(v, "signal");
	assert_null(v, "core_dumped");
	assert_null(v, "duration_ms");
	assert_keys(must_get(v, "missing"), "exit");
	assert_str(must_get(v, "missing"), "exit", "lost");
	json_free(v);

	/* a scanning tier saw it vanish: it cannot know how it ended */
	p.flags = PT_PROC_SYNTH;
	v = proc_json(&p);
	assert_str(must_get(v, "missing"), "exit", "unsupported");
	json_free(v);
}

Test(proc, exec_history_and_invalid_strings)
{
	static char bad_args[] = "sh\0-c\0echo \xff\xfe";
	static char bad_exe[] = "/tmp/\xc0\x80x";
	static char sh[] = "/bin/sh";
	struct pt_exec execs[2] = {
		{.time_us = 1709208000500000,
		 .exe = sh,
		 .args = bad_args,
		 .args_len = sizeof(bad_args),
		 .args_truncated = true},
		{.time_us = 0, .exe = NULL, .args = NULL, .args_len = 0},
	};
	const struct jv *e, *e0, *e1;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	memcpy(p.comm, "ab\xff\x01", 5);
	p.exe = bad_exe;
	p.execs = execs;
	p.nexecs = 2;
	v = proc_json(&p);
	assert_keys(v,
		    "pid,ppid,start,state,comm,comm_b64,exe,exe_b64,argv,argv_truncated,uid,"
		    "euid,gid,egid,sid,pgid,tty,cwd,cgroup,container_id,ns,tier,start_time,"
		    "threads,execs,loginuid,vpid,vpgid,caps");
	assert_strv(must_get(v, "comm"), "ab" FFFD "\x01", 6);
	assert_b64(must_get(v, "comm_b64"), "ab\xff\x01", 4);
	assert_b64(must_get(v, "exe_b64"), bad_exe, sizeof(bad_exe) - 1);
	e = must_get(v, "execs");
	cr_assert_eq(e->t, J_ARR);
	cr_assert_eq(e->n, 2);
	e0 = &e->items[0];
	e1 = &e->items[1];
	assert_keys(e0, "time,exe,argv,argv_b64,argv_truncated");
	assert_str(e0, "time", "2024-02-29T12:00:00.500000Z");
	assert_str(e0, "exe", "/bin/sh");
	assert_bool(e0, "argv_truncated", true);
	cr_assert_eq(must_get(e0, "argv_b64")->n, 3);
	assert_b64(&must_get(e0, "argv_b64")->items[2], "echo \xff\xfe", 7);
	assert_b64(&must_get(e0, "argv_b64")->items[0], "sh", 2);
	assert_keys(e1, "time,exe,argv,argv_truncated");
	assert_null(e1, "time");
	assert_null(e1, "exe");
	assert_null(e1, "argv");
	assert_null(e1, "argv_truncated");
	json_free(v);
}

Test(proc, known_empty_argv)
{
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.args = NULL;
	p.args_len = 0;
	v = proc_json(&p);
	cr_assert_eq(must_get(v, "argv")->t, J_ARR);
	cr_assert_eq(must_get(v, "argv")->n, 0);
	json_free(v);
}

/* ---- events ---- */

static struct jv *event_json(const struct pt_event *ev)
{
	size_t n = 0;
	char *s = pt_json_event(ev, &n);
	struct jv *v;

	cr_assert(s);
	cr_assert_eq(n, strlen(s));
	cr_assert(!strchr(s, '\n'));
	v = must_parse(s, n);
	cr_assert_eq(v->t, J_OBJ);
	free(s);
	return v;
}

static void event_fill(struct pt_event *ev, enum pt_event_type type, const struct pt_proc *p)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->time_us = 1795206986123456;
	ev->pid = 4242;
	ev->tid = 4242;
	ev->ppid = 1;
	ev->proc = p;
	ev->tier = PT_TIER_NETLINK;
}

#define EV_KEYS "event,time,pid,tid,ppid,start,comm,exe,argv,argv_truncated,uid,euid,gid,egid"

Test(event, every_type_has_its_fields)
{
	static const struct {
		enum pt_event_type type;
		const char *keys;
	} want[] = {
		{PT_EV_FORK, EV_KEYS ",container_id,tier,caps"},
		{PT_EV_EXEC, EV_KEYS ",container_id,tier,caps"},
		{PT_EV_EXIT,
		 EV_KEYS ",container_id,exit_code,signal,core_dumped,duration_ms,tier,caps"},
		{PT_EV_UID, EV_KEYS ",tier"},
		{PT_EV_GID, EV_KEYS ",tier"},
		{PT_EV_SID, EV_KEYS ",sid,tier"},
		{PT_EV_COMM, EV_KEYS ",old_comm,tier"},
		{PT_EV_PTRACE, EV_KEYS ",tracer_pid,tracer_tid,tier"},
		{PT_EV_COREDUMP, EV_KEYS ",tier"},
		{PT_EV_LOST, "event,time,count,estimated,reason,tier"},
		{PT_EV_EXEC_FAILED,
		 EV_KEYS ",tier,res,errno,filename,exec_argv,exec_argv_truncated"},
	};
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	cr_assert_eq(PT_ARRAY_SIZE(want), PT_EV_COUNT);
	proc_fill(&p);
	for (size_t i = 0; i < PT_ARRAY_SIZE(want); i++) {
		event_fill(&ev, want[i].type, &p);
		if (want[i].type == PT_EV_COMM) {
			memcpy(ev.u.comm.comm, "new", 4);
			memcpy(ev.u.comm.old, "old", 4);
		}
		if (want[i].type == PT_EV_EXEC_FAILED) {
			ev.u.exec_failed.err = ENOENT;
			ev.u.exec_failed.path = "/nope";
			ev.u.exec_failed.args = "nope\0x\0";
			ev.u.exec_failed.args_len = 7;
			ev.u.exec_failed.argc = 2;
		}
		v = event_json(&ev);
		assert_keys(v, want[i].keys);
		assert_str(v, "event", pt_event_name(want[i].type));
		assert_str(v, "time", "2026-11-20T20:36:26.123456Z");
		assert_str(v, "tier", "netlink");
		cr_assert_null(get(v, "thread"));
		cr_assert_null(get(v, "synthesized"));
		cr_assert_null(get(v, "missing"));
		json_free(v);
	}
}

Test(event, exec_fields)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	event_fill(&ev, PT_EV_EXEC, &p);
	v = event_json(&ev);
	assert_num(v, "pid", "4242");
	assert_num(v, "tid", "4242");
	assert_num(v, "ppid", "1");
	assert_num(v, "start", "123456");
	assert_str(v, "comm", "sleep");
	assert_str(v, "exe", "/usr/bin/sleep");
	cr_assert_eq(must_get(v, "argv")->n, 2);
	assert_bool(v, "argv_truncated", false);
	assert_num(v, "uid", "1000");
	assert_num(v, "euid", "0");
	assert_num(v, "gid", "100");
	assert_num(v, "egid", "4294967294");
	json_free(v);
}

Test(event, exit_normal_and_signalled)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	event_fill(&ev, PT_EV_EXIT, &p);
	ev.u.exit.exit_code = 0;
	ev.u.exit.signal = 0;
	ev.u.exit.duration_us = 1234567;
	v = event_json(&ev);
	assert_num(v, "exit_code", "0");
	assert_null(v, "signal");
	assert_num(v, "duration_ms", "1234.567");
	assert_bool(v, "core_dumped", false);
	json_free(v);

	ev.u.exit.exit_code = -1;
	ev.u.exit.signal = 9;
	ev.u.exit.duration_us = 0;
	ev.u.exit.core_dumped = true;
	v = event_json(&ev);
	assert_null(v, "exit_code");
	assert_num(v, "signal", "9");
	assert_num(v, "duration_ms", "0.000");
	assert_bool(v, "core_dumped", true);
	json_free(v);

	ev.u.exit.duration_us = -1;
	v = event_json(&ev);
	assert_null(v, "duration_ms");
	json_free(v);
}

Test(event, uid_gid_override_record)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	event_fill(&ev, PT_EV_UID, &p);
	ev.u.uid.ruid = 65534;
	ev.u.uid.euid = 33;
	v = event_json(&ev);
	assert_num(v, "uid", "65534");
	assert_num(v, "euid", "33");
	assert_num(v, "gid", "100");
	json_free(v);

	event_fill(&ev, PT_EV_GID, &p);
	ev.u.gid.rgid = 5;
	ev.u.gid.egid = 6;
	v = event_json(&ev);
	assert_num(v, "uid", "1000");
	assert_num(v, "gid", "5");
	assert_num(v, "egid", "6");
	json_free(v);

	/* creds unknown in the record: the event still carries uid/euid */
	p.src[PT_F_CREDS] = PT_SRC_NONE;
	p.why[PT_F_CREDS] = PT_WHY_PERM;
	event_fill(&ev, PT_EV_UID, &p);
	ev.u.uid.ruid = 7;
	ev.u.uid.euid = 8;
	v = event_json(&ev);
	assert_num(v, "uid", "7");
	assert_num(v, "euid", "8");
	assert_null(v, "gid");
	assert_null(v, "egid");
	assert_keys(must_get(v, "missing"), "creds");
	json_free(v);
}

Test(event, comm_change_with_invalid_bytes)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	p.src[PT_F_COMM] = PT_SRC_NONE;
	event_fill(&ev, PT_EV_COMM, &p);
	memcpy(ev.u.comm.comm, "n\xff\"", 4);
	memcpy(ev.u.comm.old, "0123456789abcdef", 16); /* no NUL: all 16 bytes count */
	v = event_json(&ev);
	assert_keys(v,
		    "event,time,pid,tid,ppid,start,comm,comm_b64,exe,argv,argv_truncated,uid,"
		    "euid,gid,egid,old_comm,tier");
	assert_strv(must_get(v, "comm"), "n" FFFD "\"", 5);
	assert_b64(must_get(v, "comm_b64"), "n\xff\"", 3);
	assert_str(v, "old_comm", "0123456789abcdef");
	json_free(v);
}

Test(event, ptrace_sid_lost)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;

	proc_fill(&p);
	event_fill(&ev, PT_EV_PTRACE, &p);
	ev.u.ptrace.tracer_pid = 99;
	ev.u.ptrace.tracer_tid = 100;
	v = event_json(&ev);
	assert_num(v, "tracer_pid", "99");
	assert_num(v, "tracer_tid", "100");
	json_free(v);

	ev.u.ptrace.tracer_pid = 0;
	ev.u.ptrace.tracer_tid = 0;
	v = event_json(&ev);
	assert_num(v, "tracer_pid", "0");
	assert_num(v, "tracer_tid", "0");
	json_free(v);

	event_fill(&ev, PT_EV_SID, &p);
	v = event_json(&ev);
	assert_num(v, "sid", "4000");
	json_free(v);

	event_fill(&ev, PT_EV_LOST, NULL);
	ev.u.lost.count = 18446744073709551615ull;
	ev.u.lost.estimated = true;
	ev.u.lost.reason = "ENOBUFS";
	ev.tier = PT_TIER_POLL;
	v = event_json(&ev);
	assert_keys(v, "event,time,count,estimated,reason,tier");
	assert_num(v, "count", "18446744073709551615");
	assert_bool(v, "estimated", true);
	assert_str(v, "reason", "ENOBUFS");
	assert_str(v, "tier", "poll");
	json_free(v);

	ev.u.lost.reason = NULL;
	ev.u.lost.estimated = false;
	ev.u.lost.count = 0;
	v = event_json(&ev);
	assert_null(v, "reason");
	assert_bool(v, "estimated", false);
	assert_num(v, "count", "0");
	json_free(v);
}

Test(event, thread_and_synthesized)
{
	struct pt_event ev;
	struct pt_proc p;
	const struct jv *w;
	struct jv *v;

	proc_fill(&p);
	event_fill(&ev, PT_EV_FORK, &p);
	ev.tid = 4243;
	ev.thread = true;
	v = event_json(&ev);
	assert_keys(v, EV_KEYS ",container_id,thread,tier,caps");
	assert_num(v, "tid", "4243");
	assert_bool(v, "thread", true);
	json_free(v);

	event_fill(&ev, PT_EV_FORK, &p);
	ev.synthesized = true;
	ev.tier = PT_TIER_POLL;
	v = event_json(&ev);
	assert_keys(v, EV_KEYS ",container_id,synthesized,tier,caps");
	assert_bool(v, "synthesized", true);
	json_free(v);

	ev.window_lo_us = 1795206986000000;
	ev.window_hi_us = 1795206986100000;
	v = event_json(&ev);
	assert_keys(v, EV_KEYS ",container_id,synthesized,window,tier,caps");
	w = must_get(v, "window");
	assert_keys(w, "from,to");
	assert_str(w, "from", "2026-11-20T20:36:26.000000Z");
	assert_str(w, "to", "2026-11-20T20:36:26.100000Z");
	json_free(v);

	/* a synthesized exit keeps both its status and its window */
	event_fill(&ev, PT_EV_EXIT, &p);
	ev.synthesized = true;
	ev.u.exit.exit_code = -1;
	ev.u.exit.duration_us = 5000;
	ev.window_lo_us = 1795206986000000;
	ev.window_hi_us = 1795206986100000;
	v = event_json(&ev);
	assert_keys(
		v,
		EV_KEYS
		",container_id,exit_code,signal,core_dumped,duration_ms,synthesized,window,tier,"
		"caps,missing");
	assert_num(v, "duration_ms", "5.000");
	w = must_get(v, "window");
	assert_str(w, "to", "2026-11-20T20:36:26.100000Z");
	/* the status was not seen: null, with the reason */
	assert_null(v, "exit_code");
	assert_null(v, "signal");
	assert_null(v, "core_dumped");
	assert_keys(must_get(v, "missing"), "exit");
	assert_str(must_get(v, "missing"), "exit", "unsupported");
	json_free(v);

	/* closed by a resync after a loss: the reason is the loss */
	p.flags |= PT_PROC_RESYNC;
	v = event_json(&ev);
	assert_str(must_get(v, "missing"), "exit", "lost");
	json_free(v);
}

Test(event, unknown_record_fields)
{
	struct pt_event ev;
	struct pt_proc p;
	const struct jv *m;
	struct jv *v;

	proc_fill(&p);
	p.src[PT_F_EXE] = PT_SRC_NONE;
	p.why[PT_F_EXE] = PT_WHY_GONE;
	p.src[PT_F_ARGV] = PT_SRC_NONE;
	p.why[PT_F_ARGV] = PT_WHY_LOST;
	p.src[PT_F_CREDS] = PT_SRC_NONE;
	p.why[PT_F_CREDS] = PT_WHY_PERM;
	p.src[PT_F_CWD] = PT_SRC_NONE; /* not an event field */
	p.why[PT_F_CWD] = PT_WHY_PERM;
	event_fill(&ev, PT_EV_EXEC, &p);
	v = event_json(&ev);
	assert_keys(v, EV_KEYS ",container_id,tier,caps,missing");
	assert_null(v, "exe");
	assert_null(v, "argv");
	assert_null(v, "argv_truncated");
	assert_null(v, "uid");
	assert_null(v, "euid");
	assert_null(v, "gid");
	assert_null(v, "egid");
	m = must_get(v, "missing");
	assert_keys(m, "exe,argv,creds");
	assert_str(m, "exe", "gone");
	assert_str(m, "argv", "lost");
	assert_str(m, "creds", "permission");
	json_free(v);
}

Test(event, no_record)
{
	struct pt_event ev;
	struct jv *v;

	event_fill(&ev, PT_EV_FORK, NULL);
	v = event_json(&ev);
	assert_keys(v, "event,time,pid,tid,ppid,tier");
	json_free(v);

	event_fill(&ev, PT_EV_UID, NULL);
	ev.u.uid.ruid = 1;
	ev.u.uid.euid = 2;
	v = event_json(&ev);
	assert_keys(v, "event,time,pid,tid,ppid,uid,euid,tier");
	json_free(v);
}

Test(event, invalid_argv_in_exec)
{
	static char args[] = "x\0\x01\xff\0y";
	struct pt_event ev;
	struct pt_proc p;
	const struct jv *b64;
	struct jv *v;

	proc_fill(&p);
	p.args = args;
	p.args_len = sizeof(args);
	p.args_truncated = true;
	event_fill(&ev, PT_EV_EXEC, &p);
	v = event_json(&ev);
	assert_keys(v,
		    "event,time,pid,tid,ppid,start,comm,exe,argv,argv_b64,argv_truncated,uid,"
		    "euid,gid,egid,container_id,tier,caps");
	b64 = must_get(v, "argv_b64");
	cr_assert_eq(b64->n, 3);
	assert_b64(&b64->items[0], "x", 1);
	assert_b64(&b64->items[1], "\x01\xff", 2);
	assert_b64(&b64->items[2], "y", 1);
	assert_strv(&must_get(v, "argv")->items[1], "\x01" FFFD, 4);
	assert_bool(v, "argv_truncated", true);
	json_free(v);
}

Test(public, null_arguments)
{
	errno = 0;
	cr_assert_null(pt_json_proc(NULL, NULL));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(pt_json_event(NULL, NULL));
	cr_assert_eq(errno, EINVAL);
}

/* ---- the parser itself must reject what is not JSON ---- */

Test(validator, rejects_bad_input)
{
	static const struct bytes bad[] = {
		B(""),
		B("{"),
		B("{\"a\":1,}"),
		B("[1,]"),
		B("01"),
		B("1."),
		B("\"\x01\""),
		B("\"\xff\""),
		B("\"\\x\""),
		B("\"\\ud800\""),
		B("{\"a\":1,\"a\":2}"),
		B("{} x"),
		B("nul"),
		B("\"\xed\xa0\x80\""),
	};
	static const struct bytes good[] = {
		B("{}"), B("[]"), B("\"\\ud83d\\ude00\""), B(" -0.5e+3 "), B("{\"a\":[null,true]}"),
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		struct jv *v = json_parse(bad[i].s, bad[i].n);

		cr_assert_null(v, "accepted bad #%zu", i);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(good); i++) {
		struct jv *v = json_parse(good[i].s, good[i].n);

		cr_assert(v, "rejected good #%zu", i);
		json_free(v);
	}
}

/* ---- pt_json_tree ---- */

static struct pt_monitor *tree_open(char **root, const struct fx_proc *v, size_t n)
{
	struct pt_monitor *m;
	struct pt_options o;

	*root = fx_root_new();
	cr_assert_not_null(*root);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(fx_add_proc(*root, &v[i]), 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = *root;
	cr_assert_eq(pt_monitor_open(&m, &o), 0);
	return m;
}

static struct fx_proc tree_proc(pid_t pid, pid_t ppid, const char *comm)
{
	return (struct fx_proc){.pid = pid,
				.ppid = ppid,
				.comm = comm,
				.start = 100 + (uint64_t)pid,
				.cmdline = comm,
				.cmdline_len = strlen(comm) + 1,
				.exe = "/bin/x",
				.cwd = "/"};
}

Test(tree, nested_children_sorted_by_pid)
{
	struct fx_proc v[] = {
		tree_proc(1, 0, "init"),
		tree_proc(300, 1, "c"),
		tree_proc(20, 1, "a"),
		tree_proc(21, 20, "a1"),
		tree_proc(7, 300,
			  "\xff"
			  "c1"),
	};
	char *root;
	struct pt_monitor *m;
	size_t len, plen;
	char *s, *p, want[1024];
	struct jv *t, *one;
	const struct jv *kids, *a, *c;

	v[4].start = 1000; /* a low pid handed out again, after its parent started */
	m = tree_open(&root, v, PT_ARRAY_SIZE(v));
	s = pt_json_tree(m, pt_lookup(m, 1), PT_SEL_ALIVE, &len);

	cr_assert_not_null(s);
	cr_assert_eq(strlen(s), len);
	assert_jq_accepts(s, len);
	t = must_parse(s, len);
	assert_num(t, "pid", "1");
	kids = must_get(t, "children");
	cr_assert_eq(kids->t, J_ARR);
	cr_assert_eq(kids->n, 2);
	a = &kids->items[0];
	c = &kids->items[1];
	assert_num(a, "pid", "20");
	assert_num(c, "pid", "300");
	cr_assert_eq(must_get(a, "children")->n, 1);
	assert_num(&must_get(a, "children")->items[0], "pid", "21");
	cr_assert_eq(must_get(&must_get(a, "children")->items[0], "children")->n, 0);
	/* each node is exactly the process object plus "children" */
	p = pt_json_proc(pt_lookup(m, 7), &plen);
	cr_assert_not_null(p);
	one = must_parse(p, plen);
	snprintf(want, sizeof(want), "%s,children", keys_of(one));
	cr_assert_str_eq(keys_of(&must_get(c, "children")->items[0]), want);
	assert_str(&must_get(c, "children")->items[0], "comm",
		   "\xef\xbf\xbd"
		   "c1");
	json_free(one);
	free(p);
	json_free(t);
	free(s);
	errno = 0;
	cr_assert_null(pt_json_tree(m, NULL, PT_SEL_ALIVE, NULL));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(pt_json_tree(m, pt_lookup(m, 1), 0, NULL));
	pt_monitor_close(m);
	fx_root_free(root);
}

Test(tree, deep_chain_is_cut_and_says_so)
{
	enum { N = PT_JSON_TREE_DEPTH + 5 };
	struct fx_proc *v = calloc(N, sizeof(*v));
	char *root, *s, *p;
	struct pt_monitor *m;
	unsigned cut = 0, nodes = 0;
	long depth = 0;

	cr_assert_not_null(v);
	for (int i = 0; i < N; i++)
		v[i] = tree_proc(i + 1, i, "sh");
	m = tree_open(&root, v, N);
	s = pt_json_tree(m, pt_lookup(m, 1), PT_SEL_ALL, NULL);
	cr_assert_not_null(s);
	for (p = s; (p = strstr(p, "\"children_truncated\":true")); p++)
		cut++;
	for (p = s; (p = strstr(p, "\"pid\":")); p++)
		nodes++;
	cr_assert_eq(cut, 1);
	cr_assert_eq(nodes, PT_JSON_TREE_DEPTH + 1, "root plus %d levels", PT_JSON_TREE_DEPTH);
	/* too deep for the test's parser and jq's: check the nesting closes */
	for (p = s; *p; p++)
		depth += *p == '{' || *p == '[' ? 1 : *p == '}' || *p == ']' ? -1 : 0;
	cr_assert_eq(depth, 0);
	free(s);
	free(v);
	pt_monitor_close(m);
	fx_root_free(root);
}

/* A failed exec: what was asked for beside the caller's own record. */
Test(event, exec_failed_says_what_was_asked)
{
	struct pt_event ev;
	struct pt_proc p;
	struct jv *v;
	const struct jv *a;

	proc_fill(&p);
	event_fill(&ev, PT_EV_EXEC_FAILED, &p);
	ev.u.exec_failed.err = E2BIG;
	ev.u.exec_failed.path = "./big";
	ev.u.exec_failed.args = "big\0\xff\0";
	ev.u.exec_failed.args_len = 6;
	ev.u.exec_failed.argc = 2;
	ev.u.exec_failed.args_truncated = true;
	ev.u.exec_failed.execveat = true;
	v = event_json(&ev);
	assert_str(v, "event", "exec_failed");
	assert_str(v, "res", "E2BIG");
	assert_num(v, "errno", "7");
	assert_str(v, "filename", "./big");
	a = get(v, "exec_argv");
	cr_assert(a && a->t == J_ARR);
	cr_assert(get(v, "exec_argv_b64"), "a non-UTF-8 argument keeps its bytes");
	assert_bool(v, "exec_argv_truncated", true);
	assert_bool(v, "execveat", true);
	json_free(v);

	/* an errno without a name in the table still says which */
	ev.u.exec_failed.err = 4000;
	ev.u.exec_failed.execveat = false;
	v = event_json(&ev);
	assert_str(v, "res", "E4000");
	cr_assert_null(get(v, "execveat"));
	json_free(v);
}

/* ---- pt_json_status ---- */

Test(status, counts_of_the_table_and_events_by_name)
{
	struct fx_proc v[] = {tree_proc(1, 0, "init"), tree_proc(20, 1, "a"),
			      tree_proc(21, 20, "b")};
	char *root, *s;
	struct pt_monitor *m;
	struct jv *j;
	size_t len;

	m = tree_open(&root, v, PT_ARRAY_SIZE(v));
	s = pt_json_status(m, &len);
	cr_assert_not_null(s);
	cr_assert_eq(strlen(s), len);
	j = json_parse(s, len);
	cr_assert_not_null(j, "not JSON: %s", s);
	cr_assert_str_eq(
		keys_of(j),
		"version,json_schema,tier,boot_id,alive,exited,threads,lost,lost_estimated,"
		"resyncs,evicted,expired,malformed,mem,exec_total,exec_args_ok,exec_exe_ok,"
		"args_rate,exe_rate,events,missing_events");
	cr_assert_str_eq(must_get(j, "tier")->s, "none");
	cr_assert_str_eq(must_get(j, "alive")->s, "3");
	cr_assert_str_eq(must_get(j, "exited")->s, "0");
	/* no exec yet: no rate, rather than a made-up one */
	cr_assert_eq(must_get(j, "args_rate")->t, J_NULL);
	cr_assert_eq(must_get(j, "events")->n, PT_EV_COUNT);
	cr_assert_str_eq(must_get(must_get(j, "events"), "exec_failed")->s, "0");
	cr_assert_eq(must_get(j, "missing_events")->t, J_ARR);
	json_free(j);
	free(s);
	errno = 0;
	cr_assert_null(pt_json_status(NULL, NULL));
	cr_assert_eq(errno, EINVAL);
	pt_monitor_close(m);
	fx_root_free(root);
}

/* A running monitor takes new limits: a zero retention drops the exited at once. */
Test(status, set_limits_applies_at_once)
{
	struct fx_proc v[] = {tree_proc(1, 0, "init"), tree_proc(20, 1, "a")};
	struct pt_status st;
	char *root;
	struct pt_monitor *m;

	m = tree_open(&root, v, PT_ARRAY_SIZE(v));
	cr_assert_eq(pt_monitor_set_limits(m, -1, 1 << 20), -EINVAL);
	cr_assert_eq(pt_monitor_set_limits(m, 1000, 0), -EINVAL);
	cr_assert_eq(pt_monitor_set_limits(NULL, 1000, 1 << 20), -EINVAL);
	cr_assert_eq(fx_remove(root, 20, NULL), 0);
	cr_assert_geq(pt_monitor_resync(m), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.exited, 1, "exited %llu", (unsigned long long)st.exited);
	cr_assert_eq(pt_monitor_set_limits(m, 0, 1 << 20), 0);
	usleep(2000);
	cr_assert_eq(pt_monitor_set_limits(m, 0, 1 << 20), 0);
	pt_monitor_status(m, &st);
	cr_assert_eq(st.exited, 0);
	cr_assert_eq(st.expired, 1);
	pt_monitor_close(m);
	fx_root_free(root);
}
