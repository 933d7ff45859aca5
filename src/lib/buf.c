/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BUF_MIN 256

void pt_buf_init(struct pt_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void pt_buf_free(struct pt_buf *b)
{
	if (!b)
		return;
	free(b->p);
	pt_buf_init(b);
}

/* Keeps one byte spare past len so that pt_buf_steal can always terminate. */
int pt_buf_reserve(struct pt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (extra > SIZE_MAX - 1 - b->len)
		goto out_oom;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;

	cap = b->cap ? b->cap : BUF_MIN;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		goto out_oom;
	b->p = p;
	b->cap = cap;
	return 0;

out_oom:
	b->oom = true;
	return -ENOMEM;
}

void pt_buf_add(struct pt_buf *b, const void *p, size_t n)
{
	if (!n || pt_buf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void pt_buf_addc(struct pt_buf *b, char c)
{
	if (b->oom || (b->len + 1 >= b->cap && pt_buf_reserve(b, 1) < 0))
		return;
	b->p[b->len++] = c;
}

void pt_buf_adds(struct pt_buf *b, const char *s)
{
	pt_buf_add(b, s, strlen(s));
}

void pt_buf_printf(struct pt_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int r;

	if (b->oom)
		return;
	room = b->cap > b->len ? b->cap - b->len : 0;
	va_start(ap, fmt);
	r = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (r < 0)
		goto out_fail;
	if ((size_t)r < room) {
		b->len += (size_t)r;
		return;
	}
	if (pt_buf_reserve(b, (size_t)r) < 0)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= b->cap - b->len)
		goto out_fail;
	b->len += (size_t)r;
	return;

out_fail:
	b->oom = true;
}

char *pt_buf_steal(struct pt_buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		pt_buf_free(b);
		errno = ENOMEM;
		return NULL;
	}
	if (pt_buf_reserve(b, 0) < 0) {
		pt_buf_free(b);
		errno = ENOMEM;
		return NULL;
	}
	p = b->p;
	p[b->len] = '\0';
	if (len)
		*len = b->len;
	pt_buf_init(b);
	return p;
}
