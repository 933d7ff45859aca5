/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild's request parser and answers (daemon-request.c) on any bytes, as
 * one request line, against a snapshot of a small fixture table. Whatever the
 * bytes: the reply is JSON lines, valid UTF-8, and ends with exactly one final
 * line (done or error), except for a subscribe, which the server answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/fixture.h"
#include "daemon-serve.h"
#include "fuzz.h"

static struct pt_monitor *snapshot(void)
{
	static struct pt_monitor *m;
	struct pt_options o;
	char *root;

	if (m)
		return m;
	root = fx_root_new();
	FUZZ_CHECK(root);
	FUZZ_CHECK(fx_set_boot_id(root, "0d4f3c1e-7b2a-4c5d-9e8f-1a2b3c4d5e6f\n") == 0);
	FUZZ_CHECK(fx_add_simple(root, 1, 0, "init", 10, NULL, 0) == 0);
	FUZZ_CHECK(fx_add_simple(root, 20, 1, "sh", 200, "sh\0-c\0x\0", 9) == 0);
	FUZZ_CHECK(fx_add_simple(root, 30, 20, "sleep", 300, NULL, 0) == 0);
	FUZZ_CHECK(fx_add_simple(root, 31, 20, "cat", 310, NULL, 0) == 0);
	pt_options_init(&o);
	o.tier = PT_TIER_NONE;
	o.proc_root = root;
	FUZZ_CHECK(pt_monitor_open(&m, &o) == 0);
	/* the tree stays for the life of the process: the table read it all */
	free(root);
	return m;
}

static void check_reply(const struct pd_buf *out, const struct pd_req *r, enum pd_err e)
{
	const char *p, *end;
	unsigned finals = 0;
	bool done = false;

	if (e == PD_OK && r->cmd == PD_CMD_SUBSCRIBE) {
		FUZZ_CHECK(out->len == out->off);
		return;
	}
	/* out->p is NULL until something was written */
	FUZZ_CHECK(!out->oom && out->p && out->len > out->off);
	p = out->p + out->off;
	end = out->p + out->len;
	FUZZ_CHECK(end[-1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t jerr;
		json_t *j;

		FUZZ_CHECK(nl);
		j = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		FUZZ_CHECK(j && json_is_object(j));
		FUZZ_CHECK(finals == 0); /* nothing after the final line */
		done = json_object_get(j, "done") != NULL;
		if (done || json_object_get(j, "error"))
			finals++;
		json_decref(j);
		p = nl + 1;
	}
	/* one final line, last, and done exactly when the request succeeded */
	FUZZ_CHECK(finals == 1);
	FUZZ_CHECK(done == (e == PD_OK));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_ctx ctx = {.m = snapshot()};
	struct pd_buf out = {0};
	struct pd_req r;
	enum pd_err e;

	e = pd_handle_line(&ctx, (const char *)data, size, &out, &r);
	FUZZ_CHECK(e >= PD_OK && e < PD_E_COUNT);
	check_reply(&out, &r, e);
	if (e == PD_OK && r.cmd == PD_CMD_SUBSCRIBE) {
		pd_subscribed_line(&out, &r, 65536);
		FUZZ_CHECK(!out.oom && out.p[out.len - 1] == '\n');
	}
	pd_req_free(&r);
	pd_buf_free(&out);
	return 0;
}
