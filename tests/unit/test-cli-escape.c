/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI's one escape function for bytes a process controls (cli-escape.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cli.h"

static char *run(void (*fn)(FILE *, const char *, size_t), const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	fn(f, s, n);
	fclose(f);
	return buf;
}

static void expect(void (*fn)(FILE *, const char *, size_t), const char *in, size_t n,
		   const char *want)
{
	char *got = run(fn, in, n);

	cr_expect_str_eq(got, want, "input of %zu bytes", n);
	free(got);
}

#define FIELD(in, want) expect(cli_escape, in, sizeof(in) - 1, want)
#define ARG(in, want) expect(cli_quote_arg, in, sizeof(in) - 1, want)

Test(escape, printable_utf8_passes)
{
	FIELD("bash", "bash");
	FIELD("caf\xc3\xa9 \xe2\x94\x94 \xf0\x9f\x90\xa7",
	      "caf\xc3\xa9 \xe2\x94\x94 \xf0\x9f\x90\xa7");
	FIELD("a\\b", "a\\\\b");
}

Test(escape, c0_del_and_newline)
{
	FIELD("\x1b[31mEVIL", "\\x1b[31mEVIL");
	FIELD("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d");
	FIELD("x\x7fy", "x\\x7fy");
	FIELD("nul\0x", "nul\\x00x");
}

Test(escape, c1_as_utf8_and_raw)
{
	FIELD("\xc2\x9b"
	      "31m",
	      "\\xc2\\x9b31m");
	FIELD("\xc2\x80\xc2\x9f\xc2\xa0", "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
	FIELD("\x9b", "\\x9b");
}

Test(escape, invalid_utf8)
{
	FIELD("\xff\xfe", "\\xff\\xfe");
	FIELD("\xc0\xaf", "\\xc0\\xaf"); /* overlong */
	FIELD("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
	FIELD("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* above U+10FFFF */
	FIELD("\xe2\x80", "\\xe2\\x80"); /* cut short */
	FIELD("\xe2"
	      "a",
	      "\\xe2"
	      "a");
}

Test(escape, bidi_and_separators)
{
	FIELD("\xe2\x80\xae"
	      "abc",
	      "\\xe2\\x80\\xae"
	      "abc"); /* RLO */
	FIELD("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	      "\\xe2\\x80\\xaa\\xe2\\x80\\xab\\xe2\\x80\\xac\\xe2\\x80\\xad");
	FIELD("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	      "\\xe2\\x81\\xa6\\xe2\\x81\\xa7\\xe2\\x81\\xa8\\xe2\\x81\\xa9");
	FIELD("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\xe2\\x80\\x8e\\xe2\\x80\\x8f\\xd8\\x9c");
	FIELD("\xe2\x80\xa8\xe2\x80\xa9", "\\xe2\\x80\\xa8\\xe2\\x80\\xa9");
}

Test(quote, shell_words)
{
	ARG("ls", "ls");
	ARG("-l", "-l");
	ARG("a b", "'a b'");
	ARG("it's", "'it'\\''s'");
	ARG("a\\b", "'a\\b'");
	ARG("", "''");
	ARG("caf\xc3\xa9", "caf\xc3\xa9");
}

Test(quote, hostile_goes_in_dollar_quotes)
{
	ARG("esc\x1b[2J", "$'esc\\x1b[2J'");
	ARG("c1\xc2\x9b", "$'c1\\xc2\\x9b'");
	ARG("it's\n", "$'it\\'s\\x0a'");
	ARG("back\\slash\x01", "$'back\\\\slash\\x01'");
	ARG("\xff", "$'\\xff'");
	ARG("rlo\xe2\x80\xae", "$'rlo\\xe2\\x80\\xae'");
}

Test(escape, str_and_pad)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_escape_str(f, NULL);
	fputc('|', f);
	cli_escape_pad(f, "\xc3\xa9\x1b", 8);
	fputc('|', f);
	fclose(f);
	/* é is one column, \x1b four: three spaces make eight */
	cr_expect_str_eq(buf, "?|\xc3\xa9\\x1b   |");
	free(buf);
}

/* ---- cli-fit.c: lines cut at a terminal's width ---- */

static char *fit(unsigned width, const char *const *chunks)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	FILE *f;

	cr_assert_not_null(mem);
	f = cli_fit_open(mem, width);
	cr_assert_not_null(f);
	for (; *chunks; chunks++) {
		fputs(*chunks, f);
		fflush(f); /* each chunk reaches the cutter on its own */
	}
	fclose(f);
	fclose(mem);
	return buf;
}

#define FIT(width, want, ...)                                 \
	do {                                                  \
		const char *const in[] = {__VA_ARGS__, NULL}; \
		char *got = fit(width, in);                   \
		cr_expect_str_eq(got, want);                  \
		free(got);                                    \
	} while (0)

Test(fit, short_and_exact_lines_stay_whole)
{
	setenv("LC_ALL", "C", 1);
	FIT(5, "abc\nabcde\n", "abc\nabcde\n");
	FIT(5, "abcde", "abcde"); /* no newline at the end */
	FIT(5, "\n\nab\n", "\n\nab\n");
}

Test(fit, long_lines_end_in_the_marker)
{
	setenv("LC_ALL", "C", 1);
	FIT(5, "abcd>\nxy\n", "abcdef\nxy\n");
	FIT(5, "abcd>\n", "abcdefghijklmnop\n");
	FIT(5, "abcd>", "abcdef");
}

Test(fit, lines_split_across_writes)
{
	setenv("LC_ALL", "C", 1);
	FIT(5, "abcde\nabcd>\n", "ab", "cde", "\nabc", "def", "\n");
	/* a UTF-8 character split between two writes */
	FIT(5,
	    "ab\xe2\x94\x94"
	    "de\n",
	    "ab\xe2", "\x94\x94", "de\n");
}

Test(fit, utf8_marker_and_wide_characters)
{
	setenv("LC_ALL", "C.UTF-8", 1);
	FIT(4, "abc\xe2\x80\xa6\n", "abcdef\n");
	/* box drawing is one column */
	FIT(4,
	    "\xe2\x94\x94\xe2\x94\x80"
	    "ab\n",
	    "\xe2\x94\x94\xe2\x94\x80"
	    "ab\n");
	/* a wide character is two: it does not fit in the last column */
	FIT(4, "abc\xe2\x80\xa6\n", "abc\xe4\xb8\xad\n");
	FIT(4, "ab\xe4\xb8\xad\n", "ab\xe4\xb8\xad\n");
}
