/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PostgreSQL sink's text: every byte a process controls reaches COPY's
 * text format escaped so that it reads back the same, and jsonb gets lines
 * without the \u0000 it refuses.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/sink-pg.h"

/* COPY text format's reading of one field, as the server does it. */
static size_t copy_unescape(const char *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		cr_assert(s[i] != '\t' && s[i] != '\n' && s[i] != '\r', "raw delimiter at %zu", i);
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		cr_assert_lt(i + 1, len, "a lone backslash at the end");
		switch (s[++i]) {
		case 'n':
			out[o++] = '\n';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '0' ... '7': {
			int v = 0, k;

			for (k = 0; k < 3 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + (s[i++] - '0');
			i--;
			out[o++] = (char)v;
			break;
		}
		default:
			cr_assert_fail("unexpected escape \\%c", s[i]);
		}
	}
	return o;
}

Test(pg_text, every_byte_round_trips)
{
	struct pt_pgbuf b = {0};
	char in[256], out[1024];
	size_t n = 0;

	/* every byte but NUL, twice, and a backslash before each kind of byte */
	for (int c = 1; c < 256; c++)
		in[n++] = (char)c;
	pt_pg_copy_text(&b, in, n);
	cr_assert(!b.nomem);
	cr_assert_eq(copy_unescape(b.p, b.len, out), n);
	cr_assert_eq(memcmp(out, in, n), 0);
	cr_assert_null(memchr(b.p, '\t', b.len));
	cr_assert_null(memchr(b.p, '\n', b.len));
	pt_pgbuf_free(&b);
}

Test(pg_text, hostile_strings)
{
	static const char *const cases[] = {
		"",
		"plain",
		"\\.",
		"\\.\n",
		"a\tb\nc\rd\\e",
		"\\N",
		"\\\\\\",
		"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\x1b[31mred\x1b[0m\x7f",
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_pgbuf b = {0};
		size_t len = strlen(cases[i]);

		pt_pgbuf_put(&b, "x\t", 2); /* after another field */
		pt_pg_copy_text(&b, cases[i], len);
		cr_assert_eq(copy_unescape(b.p + 2, b.len - 2, out), len, "case %zu", i);
		cr_assert_eq(memcmp(out, cases[i], len), 0, "case %zu", i);
		/* \N alone is null: an escaped one never is */
		if (len)
			cr_assert(b.len - 2 != 2 || memcmp(b.p + 2, "\\N", 2) != 0);
		pt_pgbuf_free(&b);
	}
}

Test(pg_text, null)
{
	struct pt_pgbuf b = {0};

	pt_pg_copy_text(&b, NULL, 0);
	cr_assert_eq(b.len, 2);
	cr_assert_eq(memcmp(b.p, "\\N", 2), 0);
	pt_pgbuf_free(&b);
}

Test(pg_text, json_nul_escape)
{
	static const struct {
		const char *in, *out; /* out NULL: unchanged */
	} cases[] = {
		{"{\"a\":\"x\"}", NULL},
		{"{\"a\":\"\\u0000\"}", "{\"a\":\"\\ufffd\"}"},
		{"{\"a\":\"\\u0000b\\u0000\"}", "{\"a\":\"\\ufffdb\\ufffd\"}"},
		/* an escaped backslash followed by u0000 is text, not an escape */
		{"{\"a\":\"\\\\u0000\"}", NULL},
		{"{\"a\":\"\\\\\\u0000\"}", "{\"a\":\"\\\\\\ufffd\"}"},
		{"{\"a\":\"\\u00001\"}", "{\"a\":\"\\ufffd1\"}"},
		{"{\"a\":\"\\u0001\"}", NULL},
		{"{\"u0000\":1}", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_pgbuf b = {0};
		bool changed = pt_pg_json_fix(&b, cases[i].in, strlen(cases[i].in));

		cr_assert_eq(changed, cases[i].out != NULL, "case %zu", i);
		if (changed) {
			cr_assert_str_eq(b.p, cases[i].out, "case %zu", i);
			cr_assert_eq(b.len, strlen(cases[i].out));
		}
		pt_pgbuf_free(&b);
	}
}
