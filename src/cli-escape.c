/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place text output writes bytes a process controls (comm, exe, argv,
 * cwd, cgroup, container id, user names). Such bytes may try to drive the
 * terminal (ESC, CSI as C1 \xc2\x9b), forge lines (newline), or reorder what
 * is shown (bidi overrides). Everything but printable, valid UTF-8 is written
 * as \xNN, one escape per byte, and a backslash as \\, so the output is
 * unambiguous and, inside $'...', what a shell reads back. See proctrail(1),
 * TEXT OUTPUT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (1-4) with its code point, or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that control the terminal or the order and lines of what it shows. */
static bool cp_hostile(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || /* C0, DEL, C1 */
		c == 0x061c || /* arabic letter mark */
		c == 0x200e || c == 0x200f || /* LRM, RLM */
		(c >= 0x2028 && c <= 0x202e) || /* line/para separators, embeddings */
		(c >= 0x2066 && c <= 0x2069) || /* isolates */
		c == 0xfeff; /* zero-width no-break space */
}

size_t cli_safe_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t l = utf8_seq(u + i, n - i, &cp);

		if (!l || cp_hostile(cp))
			break;
		i += l;
	}
	return i;
}

static void put_hex(FILE *f, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "\\x%02x", s[i]);
}

/* Write s, each hostile or invalid byte as \xNN; quote: also ' as \' ($'...'). */
static void escape(FILE *f, const char *s, size_t n, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t l = utf8_seq(u + i, n - i, &cp);

		if (!l) {
			put_hex(f, u + i, 1);
			i++;
		} else if (cp_hostile(cp)) {
			put_hex(f, u + i, l);
			i += l;
		} else {
			if (cp == '\\' || (quote && cp == '\''))
				fputc('\\', f);
			fwrite(u + i, 1, l, f);
			i += l;
		}
	}
}

void cli_escape(FILE *f, const char *s, size_t n)
{
	escape(f, s, n, false);
}

void cli_escape_str(FILE *f, const char *s)
{
	if (!s)
		fputc('?', f);
	else
		escape(f, s, strlen(s), false);
}

/*
 * One argument the way a shell reads it back: as is when it holds only
 * characters no shell treats specially, in '...' when it is printable, and in
 * $'...' with \xNN escapes otherwise.
 */
void cli_quote_arg(FILE *f, const char *a, size_t n)
{
	bool plain = n > 0;

	if (cli_safe_len(a, n) < n) {
		fputs("$'", f);
		escape(f, a, n, true);
		fputc('\'', f);
		return;
	}
	for (size_t i = 0; i < n && plain; i++) {
		unsigned char c = (unsigned char)a[i];

		plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			(c >= 'A' && c <= 'Z') || strchr("%+,-./:=@_^", c) || c >= 0x80;
	}
	if (plain) {
		fwrite(a, 1, n, f);
		return;
	}
	fputc('\'', f);
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '\'')
			fputs("'\\''", f);
		else
			fputc(a[i], f);
	}
	fputc('\'', f);
}

/* cli_escape_str, then spaces up to width columns (a code point is a column). */
void cli_escape_pad(FILE *f, const char *s, int width)
{
	char *buf = NULL;
	size_t len = 0, cols = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		cli_escape_str(f, s);
		return;
	}
	cli_escape_str(m, s);
	fclose(m);
	fwrite(buf, 1, len, f);
	for (size_t i = 0; i < len; i++)
		cols += ((unsigned char)buf[i] & 0xc0) != 0x80;
	for (; (int)cols < width; cols++)
		fputc(' ', f);
	free(buf);
}
