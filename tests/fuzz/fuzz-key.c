/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parser of what a query names (pt_ref_parse: a pid, pid@TIME or a key),
 * and of the kernel's boot id. Whatever the bytes: 0 or -EINVAL, a reason of
 * one line on error, and on success a reference that is in range and whose
 * key formats and parses back to itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

/* 9999-12-31T23:59:59.999999Z */
#define MAX_US (253402300799LL * 1000000 + 999999)

static void check_ref(const char *s, const struct pt_ref *r)
{
	char key[PT_KEY_MAX];
	struct pt_ref again;
	const char *at = strchr(s, '@');
	int n;

	FUZZ_CHECK(r->pid > 0);
	switch (r->kind) {
	case PT_REF_PID:
		FUZZ_CHECK(!at && !strchr(s, ':'));
		break;
	case PT_REF_PID_AT:
		FUZZ_CHECK(at);
		if (at[1] != '-')
			FUZZ_CHECK(r->at_us >= 0 && r->at_us <= MAX_US);
		break;
	case PT_REF_KEY:
		FUZZ_CHECK(!at && r->start > 0);
		FUZZ_CHECK(strlen(r->boot_id) == PT_BOOT_ID_LEN);
		n = pt_key_fmt(key, sizeof(key), r->boot_id, r->start, r->pid);
		FUZZ_CHECK(n > 0 && (size_t)n < sizeof(key) && strlen(key) == (size_t)n);
		FUZZ_CHECK(pt_ref_parse(key, &again, NULL, 0) == 0);
		FUZZ_CHECK(again.kind == PT_REF_KEY && again.pid == r->pid &&
			   again.start == r->start && strcmp(again.boot_id, r->boot_id) == 0);
		break;
	default:
		FUZZ_CHECK(!"a kind pt_ref_parse does not return");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), why[128], boot[PT_BOOT_ID_LEN + 1];
	struct pt_ref r;
	int ret;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	ret = pt_ref_parse(s, &r, why, sizeof(why));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)));
	if (ret == 0) {
		check_ref(s, &r);
	} else {
		FUZZ_CHECK(why[0] && !strchr(why, '\n'));
	}
	/* a small reason buffer is cut, never overrun */
	ret = pt_ref_parse(s, &r, why, 8);
	FUZZ_CHECK(ret == 0 || strlen(why) < 8);
	if (pt_parse_boot_id(s, size, boot) == 0)
		FUZZ_CHECK(strlen(boot) == PT_BOOT_ID_LEN);
	free(s);
	return 0;
}
