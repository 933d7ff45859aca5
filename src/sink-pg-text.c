/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PostgreSQL sink's text helpers (sink-pg.h). */
#include <stdlib.h>
#include <string.h>

#include "sink-pg.h"

static bool reserve(struct pt_pgbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->nomem)
		return false;
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->nomem = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void pt_pgbuf_put(struct pt_pgbuf *b, const void *p, size_t n)
{
	if (!n || !reserve(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void pt_pgbuf_free(struct pt_pgbuf *b)
{
	free(b->p);
	*b = (struct pt_pgbuf){0};
}

void pt_pg_copy_text(struct pt_pgbuf *b, const char *s, size_t len)
{
	static const char oct[] = "01234567";
	size_t i = 0, run;
	char *o;

	if (!s) {
		pt_pgbuf_put(b, "\\N", 2);
		return;
	}
	/* at most 4 bytes out for 1 in */
	if (!reserve(b, len * 4))
		return;
	o = b->p + b->len;
	while (i < len) {
		unsigned char c;

		for (run = i; run < len; run++) {
			c = (unsigned char)s[run];
			if (c < 0x20 || c == '\\' || c == 0x7f)
				break;
		}
		memcpy(o, s + i, run - i);
		o += run - i;
		if (run == len)
			break;
		c = (unsigned char)s[run];
		*o++ = '\\';
		switch (c) {
		case '\\':
			*o++ = '\\';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		default:
			*o++ = oct[c >> 6];
			*o++ = oct[(c >> 3) & 7];
			*o++ = oct[c & 7];
			break;
		}
		i = run + 1;
	}
	b->len = (size_t)(o - b->p);
}

bool pt_pg_json_fix(struct pt_pgbuf *b, const char *json, size_t len)
{
	bool found = false;
	size_t i, from = 0;

	/* backslashes are only ever in strings, where each starts an escape */
	for (i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && i + 6 <= len && memcmp(json + i + 2, "0000", 4) == 0) {
			if (!found)
				b->len = 0;
			found = true;
			pt_pgbuf_put(b, json + from, i - from);
			pt_pgbuf_put(b, "\\ufffd", 6);
			from = i + 6;
			i += 5;
			continue;
		}
		i++; /* the escaped character, maybe a backslash */
	}
	if (!found)
		return false;
	pt_pgbuf_put(b, json + from, len - from);
	pt_pgbuf_put(b, "", 1);
	b->len--;
	return true;
}
