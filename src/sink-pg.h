/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PostgreSQL sink's text helpers (sink-pg-text.c), apart from libpq so
 * that the unit tests reach them in any build.
 */
#ifndef PT_SINK_PG_H
#define PT_SINK_PG_H

#include <stdbool.h>
#include <stddef.h>

/* A growing buffer; a failed allocation sets nomem and later appends do nothing. */
struct pt_pgbuf {
	char *p;
	size_t len, cap;
	bool nomem;
};

void pt_pgbuf_put(struct pt_pgbuf *b, const void *p, size_t n);
void pt_pgbuf_free(struct pt_pgbuf *b);

/*
 * Append s (len bytes, any bytes but NUL) as one field of COPY's text format:
 * backslash, tab, newline and carriage return by their escapes, other control
 * bytes in octal, everything else as it is. s NULL: the null marker \N.
 */
void pt_pg_copy_text(struct pt_pgbuf *b, const char *s, size_t len);

/*
 * jsonb refuses the escape \u0000 (U+0000 cannot be text). When json (a valid
 * JSON text) holds one, b gets a copy with each made \ufffd, NUL-terminated,
 * and this returns true; else false and b is untouched.
 */
bool pt_pg_json_fix(struct pt_pgbuf *b, const char *json, size_t len);

#endif
