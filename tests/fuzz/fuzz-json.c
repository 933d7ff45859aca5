/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON string writer: any bytes a process chose (argv, comm, exe) must come
 * out as valid JSON text in valid UTF-8, and the _b64 sibling must give back
 * the exact bytes. The first byte picks string or argv form.
 */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

/* Checks that s[0..n) is one JSON string literal; returns its length. */
static size_t check_string(const char *s, size_t n)
{
	size_t i = 1;

	FUZZ_CHECK(n >= 2 && s[0] == '"');
	while (i < n && s[i] != '"') {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c >= 0x20 && c != 0x7f);
		if (c == '\\') {
			FUZZ_CHECK(i + 1 < n);
			FUZZ_CHECK(strchr("\"\\/bfnrtu", s[i + 1]) != NULL);
			i += s[i + 1] == 'u' ? 6 : 2;
			continue;
		}
		i++;
	}
	FUZZ_CHECK(i < n);
	return i + 1;
}

static void check_b64_roundtrip(const char *out, size_t n, const uint8_t *in, size_t len)
{
	const char *p = memmem(out, n, "_b64\":\"", 7);
	struct pt_buf b;

	if (!p)
		return;
	pt_buf_init(&b);
	pt_base64(&b, in, len);
	FUZZ_CHECK(!b.oom);
	FUZZ_CHECK((size_t)(out + n - (p + 7)) > b.len);
	FUZZ_CHECK(memcmp(p + 7, b.p, b.len) == 0 && p[7 + b.len] == '"');
	pt_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_buf b;
	const char *in;
	size_t len;

	if (size < 1)
		return 0;
	in = (const char *)data + 1;
	len = size - 1;
	pt_buf_init(&b);
	if (data[0] & 1) {
		char *args = malloc(len + 1);

		if (!args)
			return 0;
		memcpy(args, in, len);
		args[len] = '\0';
		pt_json_kv_args(&b, "argv", args, len + 1);
		free(args);
		FUZZ_CHECK(!b.oom);
		FUZZ_CHECK(pt_utf8_valid(b.p, b.len));
		FUZZ_CHECK(b.len > 8 && memcmp(b.p, "\"argv\":[", 8) == 0);
	} else {
		pt_json_kv_str(&b, "s", in, len);
		FUZZ_CHECK(!b.oom);
		FUZZ_CHECK(pt_utf8_valid(b.p, b.len));
		FUZZ_CHECK(b.len >= 4 && memcmp(b.p, "\"s\":", 4) == 0);
		size_t used = check_string(b.p + 4, b.len - 4);

		FUZZ_CHECK(used + 4 == b.len || b.p[4 + used] == ',');
		check_b64_roundtrip(b.p, b.len, (const uint8_t *)in, len);
		/* a quote inside the string is escaped: this finds only the sibling */
		FUZZ_CHECK(pt_utf8_valid(in, len) == (memmem(b.p, b.len, "_b64\":\"", 7) == NULL));
	}
	pt_buf_free(&b);
	return 0;
}
