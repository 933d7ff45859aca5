/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Text lines that fit the terminal: a stdio stream over stdout that cuts each
 * line at the terminal's width and ends a cut line with a marker. Used only
 * when stdout is a terminal; a pipe or file gets whole lines.
 *
 * A control sequence (ESC [ ... final byte: the colours of --color) takes no
 * column and is never cut, so that a cut line still ends its colour. Only our
 * own text holds a raw ESC: bytes a process controls pass cli_escape(), which
 * writes ESC as \x1b.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

struct fit {
	FILE *f;
	unsigned width, col;
	bool cut;
	const char *marker;
	unsigned char cur[4], pend[4]; /* the character being read; one held back */
	size_t curlen, curneed, pendlen;
	/* a control sequence being read; those written after the held-back character */
	unsigned char esc[32], held[64];
	size_t esclen, heldlen;
};

/* Columns of a code point: 2 for East Asian wide ranges, else 1. */
static unsigned cp_width(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
			(c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
			(c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
			(c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
			(c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd)
		? 2
		: 1;
}

static unsigned char_width(const unsigned char *s, size_t n)
{
	static const unsigned char mask[] = {0x7f, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t c = s[0] & mask[n];

	for (size_t i = 1; i < n; i++)
		c = c << 6 | (s[i] & 0x3f);
	return cp_width(c);
}

/* One whole character: show it, hold it back as the possible last one, or cut. */
static void commit(struct fit *t)
{
	unsigned w = char_width(t->cur, t->curlen);

	if (t->pendlen || t->col + w > t->width) {
		/* more than fits: the marker takes the last column */
		t->pendlen = 0;
		fputs(t->marker, t->f);
		t->cut = true;
		fwrite(t->held, 1, t->heldlen, t->f);
		t->heldlen = 0;
	} else if (t->col + w < t->width) {
		fwrite(t->cur, 1, t->curlen, t->f);
		t->col += w;
	} else {
		memcpy(t->pend, t->cur, t->curlen);
		t->pendlen = t->curlen;
	}
	t->curlen = 0;
}

static void end_line(struct fit *t)
{
	if (t->curlen && !t->cut)
		commit(t);
	if (t->pendlen)
		fwrite(t->pend, 1, t->pendlen, t->f);
	fwrite(t->held, 1, t->heldlen, t->f);
	fwrite(t->esc, 1, t->esclen, t->f);
	t->col = 0;
	t->cut = false;
	t->curlen = t->pendlen = t->heldlen = t->esclen = 0;
}

/* A whole control sequence: no column; after the held-back character if any. */
static void esc_done(struct fit *t)
{
	if (t->pendlen && t->heldlen + t->esclen <= sizeof(t->held)) {
		memcpy(t->held + t->heldlen, t->esc, t->esclen);
		t->heldlen += t->esclen;
	} else {
		fwrite(t->esc, 1, t->esclen, t->f);
	}
	t->esclen = 0;
}

/* ESC, then '[', parameters and intermediates, then a final byte 0x40-0x7e. */
static void esc_byte(struct fit *t, unsigned char b)
{
	t->esc[t->esclen++] = b;
	if (t->esclen == 1)
		return;
	if ((t->esclen == 2 && b != '[') || (t->esclen > 2 && b >= 0x40 && b <= 0x7e) ||
	    t->esclen == sizeof(t->esc))
		esc_done(t);
}

static ssize_t fit_write(void *cookie, const char *buf, size_t len)
{
	struct fit *t = cookie;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)buf[i];

		if (b == '\n') {
			end_line(t);
			fputc('\n', t->f);
			continue;
		}
		if (t->esclen || b == 0x1b) {
			if (!t->esclen && t->curlen && !t->cut)
				commit(t);
			esc_byte(t, b);
			continue;
		}
		if (t->cut)
			continue;
		if (t->curlen && (b & 0xc0) == 0x80 && t->curlen < t->curneed) {
			t->cur[t->curlen++] = b;
		} else {
			if (t->curlen)
				commit(t);
			if (t->cut)
				continue;
			t->cur[0] = b;
			t->curlen = 1;
			t->curneed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
		}
		if (t->curlen == t->curneed)
			commit(t);
	}
	return (ssize_t)len;
}

static int fit_close(void *cookie)
{
	struct fit *t = cookie;

	end_line(t);
	fflush(t->f);
	free(t);
	return 0;
}

static bool utf8_locale(void)
{
	const char *v = getenv("LC_ALL");

	if (!v || !*v)
		v = getenv("LC_CTYPE");
	if (!v || !*v)
		v = getenv("LANG");
	return v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"));
}

unsigned cli_term_width(int fd)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	long v;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (c && (v = strtol(c, NULL, 10)) > 0 && v < 100000)
		return (unsigned)v;
	return 80;
}

FILE *cli_fit_open(FILE *f, unsigned width)
{
	static const cookie_io_functions_t io = {.write = fit_write, .close = fit_close};
	struct fit *t;
	FILE *s;

	if (width < 2)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->f = f;
	t->width = width;
	t->marker = utf8_locale() ? "\xe2\x80\xa6" : ">";
	s = fopencookie(t, "w", io);
	if (!s) {
		free(t);
		return NULL;
	}
	setvbuf(s, NULL, _IOLBF, 0);
	return s;
}
