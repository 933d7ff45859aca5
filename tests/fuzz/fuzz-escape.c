/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CLI's escape of bytes a process controls (src/cli-escape.c). Whatever
 * the input, the output must hold no byte that can drive a terminal (C0, DEL,
 * C1, bidi controls, line separators), must be valid UTF-8, and must give the
 * input back when \\ and \xNN are undone: escaping is lossless.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

static size_t seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	FUZZ_CHECK(c >= 0xc2 && c <= 0xf4 && n >= len);
	c &= 0x7f >> len;
	for (size_t i = 1; i < len; i++) {
		FUZZ_CHECK((s[i] & 0xc0) == 0x80);
		c = c << 6 | (s[i] & 0x3fu);
	}
	*cp = c;
	return len;
}

/* Checks the output is safe for a terminal and valid UTF-8. */
static void check_safe(const char *out, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c;
		size_t l = seq((const unsigned char *)out + i, n - i, &c);

		FUZZ_CHECK(c >= 0x20 && !(c >= 0x7f && c <= 0x9f));
		FUZZ_CHECK(c != 0x061c && c != 0x200e && c != 0x200f && c != 0xfeff);
		FUZZ_CHECK(!(c >= 0x2028 && c <= 0x202e) && !(c >= 0x2066 && c <= 0x2069));
		FUZZ_CHECK(!(c >= 0xd800 && c <= 0xdfff) && c <= 0x10ffff);
		i += l;
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'    ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10
				       : -1;
}

/* Undo cli_escape: \\ and \xNN. */
static void check_roundtrip(const char *out, size_t n, const uint8_t *in, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n; k++) {
		unsigned char c = (unsigned char)out[i];

		if (c == '\\') {
			FUZZ_CHECK(i + 1 < n);
			if (out[i + 1] == '\\') {
				i += 2;
			} else {
				FUZZ_CHECK(out[i + 1] == 'x' && i + 3 < n);
				FUZZ_CHECK(hexval(out[i + 2]) >= 0 && hexval(out[i + 3]) >= 0);
				c = (unsigned char)(hexval(out[i + 2]) << 4 | hexval(out[i + 3]));
				i += 4;
			}
		} else {
			i++;
		}
		FUZZ_CHECK(k < len && in[k] == c);
	}
	FUZZ_CHECK(k == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f)
		return 0;
	cli_escape(f, (const char *)data, size);
	fflush(f);
	check_safe(out, n);
	check_roundtrip(out, n, data, size);
	rewind(f);
	n = 0;
	cli_quote_arg(f, (const char *)data, size);
	fclose(f);
	check_safe(out, n);
	free(out);
	return 0;
}
