/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQL layer's row decode: every event type's line into a row, with its
 * strings owned by the decoder, and malformed lines refused with a reason.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../src/sink-db.h"

#define PROC                                                                                     \
	"\"pid\":300,\"tid\":300,\"ppid\":200,\"start\":5,\"comm\":\"cc\",\"exe\":\"/usr/bin/cc\"," \
	"\"argv\":[\"cc\",\"-c\",\"x y.c\"],\"argv_truncated\":false,\"uid\":1000,\"euid\":0,"      \
	"\"gid\":100,\"egid\":101,\"tier\":\"bpf\",\"key\":\"b:5:300\",\"parent_key\":\"b:4:200\""
#define T "\"time\":\"2026-12-02T13:10:59.903761Z\""
#define T_US 1796217059903761LL

static struct pt_db_decoder *d;
static struct pt_db_row row;
static char why[128];

static void setup(void)
{
	cr_assert_eq(pt_db_decoder_new(&d), 0);
}

static void teardown(void)
{
	pt_db_decoder_free(d);
}

TestSuite(decode, .init = setup, .fini = teardown);

static int dec(const char *line)
{
	why[0] = '\0';
	return pt_db_row_decode(d, line, strlen(line), &row, why, sizeof(why));
}

static void check_proc(void)
{
	cr_assert_eq(row.time_us, T_US);
	cr_assert_eq(row.pid, 300);
	cr_assert_eq(row.tid, 300);
	cr_assert_eq(row.ppid, 200);
	cr_assert_str_eq(row.key, "b:5:300");
	cr_assert_str_eq(row.parent_key, "b:4:200");
	cr_assert_str_eq(row.comm, "cc");
	cr_assert_str_eq(row.exe, "/usr/bin/cc");
	cr_assert_str_eq(row.argv, "[\"cc\",\"-c\",\"x y.c\"]");
	cr_assert_str_eq(row.cmdline, "cc -c x y.c");
	cr_assert_eq(row.uid, 1000);
	cr_assert_eq(row.euid, 0);
	cr_assert_eq(row.gid, 100);
	cr_assert_eq(row.egid, 101);
}

Test(decode, fork_exec)
{
	static const char *const names[] = {"fork", "exec", "sid", "ptrace", "coredump"};
	static const enum pt_event_type types[] = {PT_EV_FORK, PT_EV_EXEC, PT_EV_SID,
						   PT_EV_PTRACE, PT_EV_COREDUMP};
	char line[1024];

	for (size_t i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "{\"event\":\"%s\"," T "," PROC "}\n", names[i]);
		cr_assert_eq(dec(line), 0, "%s: %s", names[i], why);
		cr_assert_eq(row.type, types[i]);
		cr_assert_str_eq(row.event, names[i]);
		check_proc();
		cr_assert_eq(row.exit_code, -1);
		cr_assert_eq(row.signal, -1);
		cr_assert(row.duration_ms < 0);
		/* json is the line without its newline, byte for byte */
		cr_assert_eq(row.json_len, strlen(line) - 1);
		cr_assert_eq(memcmp(row.json, line, row.json_len), 0);
		cr_assert_eq(row.json[row.json_len], '\0');
	}
}

Test(decode, exit)
{
	cr_assert_eq(dec("{\"event\":\"exit\"," T "," PROC ",\"exit_code\":3,\"signal\":null,"
			 "\"core_dumped\":false,\"duration_ms\":1.409}"),
		     0, "%s", why);
	cr_assert_eq(row.type, PT_EV_EXIT);
	check_proc();
	cr_assert_eq(row.exit_code, 3);
	cr_assert_eq(row.signal, -1);
	cr_assert_not(row.core_dumped);
	cr_assert_float_eq(row.duration_ms, 1.409, 1e-9);

	cr_assert_eq(dec("{\"event\":\"exit\"," T "," PROC ",\"exit_code\":null,\"signal\":11,"
			 "\"core_dumped\":true,\"duration_ms\":2}"),
		     0, "%s", why);
	cr_assert_eq(row.exit_code, -1);
	cr_assert_eq(row.signal, 11);
	cr_assert(row.core_dumped);
	cr_assert_float_eq(row.duration_ms, 2.0, 1e-9);
}

Test(decode, creds_comm)
{
	cr_assert_eq(dec("{\"event\":\"uid\"," T "," PROC "}"), 0, "%s", why);
	cr_assert_eq(row.type, PT_EV_UID);
	cr_assert_eq(row.uid, 1000);
	cr_assert_eq(dec("{\"event\":\"gid\"," T "," PROC "}"), 0, "%s", why);
	cr_assert_eq(row.type, PT_EV_GID);
	cr_assert_eq(row.egid, 101);
	cr_assert_eq(dec("{\"event\":\"comm\"," T "," PROC ",\"old_comm\":\"sh\"}"), 0, "%s", why);
	cr_assert_eq(row.type, PT_EV_COMM);
	cr_assert_str_eq(row.comm, "cc");
	cr_assert_eq(dec("{\"event\":\"exec_failed\"," T "," PROC "}"), 0, "%s", why);
	cr_assert_eq(row.type, PT_EV_EXEC_FAILED);
}

Test(decode, thread)
{
	cr_assert_eq(dec("{\"event\":\"fork\"," T ",\"thread\":true,\"pid\":300,\"tid\":301,"
			 "\"ppid\":200,\"key\":\"b:5:300\"}"),
		     0, "%s", why);
	cr_assert(row.thread);
	cr_assert_eq(row.tid, 301);
	cr_assert_null(row.argv);
	cr_assert_null(row.cmdline);
	cr_assert_null(row.parent_key);
	cr_assert_eq(row.uid, -1);
}

Test(decode, lost)
{
	cr_assert_eq(dec("{\"event\":\"lost\"," T ",\"count\":7,\"estimated\":true,"
			 "\"reason\":\"sink\",\"tier\":\"bpf\"}"),
		     0, "%s", why);
	cr_assert_eq(row.type, PT_EV_LOST);
	cr_assert_eq(row.lost_count, 7);
	cr_assert(row.lost_estimated);
	cr_assert_str_eq(row.lost_reason, "sink");
	cr_assert_eq(row.pid, -1);
	cr_assert_null(row.key);
}

/* Non-UTF-8 argv: the writer puts U+FFFD in argv and the bytes in argv_b64;
 * argv stays valid JSON text (ASCII), cmdline valid UTF-8. A \u0000 in an
 * argument ends it in cmdline. */
Test(decode, hostile_argv)
{
	cr_assert_eq(dec("{\"event\":\"exec\"," T ",\"pid\":1,\"tid\":1,\"ppid\":0,"
			 "\"argv\":[\"a\\u001b[2J\",\"\xef\xbf\xbd\",\"x\\u0000y\"],"
			 "\"argv_b64\":[\"YRtbMko=\",\"/w==\",\"eAB5\"]}"),
		     0, "%s", why);
	cr_assert_str_eq(row.argv, "[\"a\\u001B[2J\",\"\\uFFFD\",\"x\\u0000y\"]");
	cr_assert_str_eq(row.cmdline, "a\x1b[2J \xef\xbf\xbd x");
}

/* Each decode's strings are the decoder's: a second decoder's rows stay. */
Test(decode, two_decoders)
{
	static const char l2[] = "{\"event\":\"exec\"," T ",\"pid\":2,\"comm\":\"zz\"}";
	struct pt_db_decoder *d2;
	struct pt_db_row r2;

	cr_assert_eq(pt_db_decoder_new(&d2), 0);
	cr_assert_eq(dec("{\"event\":\"exec\"," T "," PROC "}"), 0);
	cr_assert_eq(pt_db_row_decode(d2, l2, strlen(l2), &r2, why, sizeof(why)),
		     0, "%s", why);
	cr_assert_str_eq(row.comm, "cc");
	cr_assert_str_eq(r2.comm, "zz");
	pt_db_decoder_free(d2);
}

Test(decode, malformed)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1,2]",
		"{\"time\":\"2026-12-02T13:10:59.903761Z\",\"pid\":1}",
		"{\"event\":\"nope\"," T ",\"pid\":1}",
		"{\"event\":\"exec\",\"pid\":1}",
		"{\"event\":\"exec\",\"time\":\"yesterday\",\"pid\":1}",
		"{\"event\":\"exec\",\"time\":\"2026-13-02T13:10:59.903761Z\",\"pid\":1}",
		"{\"event\":\"exec\"," T "}",
		"{\"event\":\"exec\"," T ",\"pid\":\"1\"}",
		"{\"event\":\"exec\"," T ",\"pid\":1,\"uid\":-3}",
		"{\"event\":\"exec\"," T ",\"pid\":1,\"argv\":\"ls\"}",
		"{\"event\":\"exec\"," T ",\"pid\":1,\"argv\":[1]}",
		"{\"event\":\"lost\"," T "}",
		"{\"event\":\"exec\"," T ",\"pid\":1,\"pid\":2}",
		"{\"event\":\"exec\"," T ",\"pid\":1} trailing",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(dec(bad[i]), -EINVAL, "accepted: %s", bad[i]);
		cr_assert_neq(why[0], '\0', "no reason for: %s", bad[i]);
	}
	/* and the decoder still works after them */
	cr_assert_eq(dec("{\"event\":\"exec\"," T "," PROC "}"), 0, "%s", why);
}
