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

#define PROC                                                                                   \
	"\"pid\":300,\"tid\":300,\"ppid\":200,\"start\":5,\"comm\":\"cc\",\"exe\":\"/usr/bin/" \
	"cc\","                                                                                \
	"\"argv\":[\"cc\",\"-c\",\"x y.c\"],\"argv_truncated\":false,\"uid\":1000,\"euid\":0," \
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
	static const enum pt_event_type types[] = {PT_EV_FORK, PT_EV_EXEC, PT_EV_SID, PT_EV_PTRACE,
						   PT_EV_COREDUMP};
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

/* schema version 2: the container and pod members; none on a line without them */
Test(decode, container)
{
	cr_assert_eq(dec("{\"event\":\"exec\",\"time\":\"2026-12-02T13:03:07.123456Z\","
			 "\"pid\":9,\"container_id\":\"0123abcd\",\"container_name\":\"web\","
			 "\"container_image\":\"nginx:1.25\",\"k8s_pod_name\":\"web-1\","
			 "\"k8s_ns_name\":\"shop\",\"container_runtime\":\"cri-o\"}"),
		     0, "%s", why);
	cr_assert_str_eq(row.container_id, "0123abcd");
	cr_assert_str_eq(row.container_name, "web");
	cr_assert_str_eq(row.container_image, "nginx:1.25");
	cr_assert_str_eq(row.k8s_pod_name, "web-1");
	cr_assert_str_eq(row.k8s_ns_name, "shop");
	cr_assert_eq(dec("{\"event\":\"exec\",\"time\":\"2026-12-02T13:03:07.123456Z\","
			 "\"pid\":9,\"container_id\":\"host\",\"container_name\":7}"),
		     0, "%s", why);
	cr_assert_str_eq(row.container_id, "host");
	cr_assert_null(row.container_name); /* not a string: absent */
	cr_assert_null(row.container_image);
	cr_assert_null(row.k8s_pod_name);
	cr_assert_null(row.k8s_ns_name);
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
	/* the writer's bytes, as --json printed them */
	cr_assert_str_eq(row.argv, "[\"a\\u001b[2J\",\"\xef\xbf\xbd\",\"x\\u0000y\"]");
	cr_assert_str_eq(row.cmdline, "a\x1b[2J \xef\xbf\xbd x");
}

/* argv is found as a member, not as text inside another member's string, and
 * with any spacing a hand-written line may have. */
Test(decode, argv_raw)
{
	cr_assert_eq(dec("{ \"comm\" : \"\\\"argv\\\":[1]\", \"x\": {\"argv\":[\"no\"]}, \"event\":"
			 "\"exec\", \"time\":\"2026-12-02T13:10:59.903761Z\",\"pid\":1 ,"
			 "\"argv\" : [ \"a]\" , \"b\\\\\" ] , \"uid\": 3 }"),
		     0, "%s", why);
	cr_assert_str_eq(row.argv, "[ \"a]\" , \"b\\\\\" ]");
	cr_assert_str_eq(row.cmdline, "a] b\\");
	cr_assert_eq(row.uid, 3);
}

/* Each decode's strings are the decoder's: a second decoder's rows stay. */
Test(decode, two_decoders)
{
	static const char l2[] = "{\"event\":\"exec\"," T ",\"pid\":2,\"comm\":\"zz\"}";
	struct pt_db_decoder *d2;
	struct pt_db_row r2;

	cr_assert_eq(pt_db_decoder_new(&d2), 0);
	cr_assert_eq(dec("{\"event\":\"exec\"," T "," PROC "}"), 0);
	cr_assert_eq(pt_db_row_decode(d2, l2, strlen(l2), &r2, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(row.comm, "cc");
	cr_assert_str_eq(r2.comm, "zz");
	pt_db_decoder_free(d2);
}

#define ALERT                                                                                \
	"{\"event\":\"alert\",\"time\":\"2026-12-02T13:10:59.903761123Z\",\"rule\":\"Find "  \
	"setuid\",\"priority\":\"Warning\",\"source\":\"syscall\",\"tags\":[\"t\"],"         \
	"\"output\":\"13:10:59.903761123: Warning find (user=root)\",\"output_fields\":{"    \
	"\"proc.name\":\"find\",\"user.name\":null},\"hostname\":\"h\",\"key\":\"b:5:300\"," \
	"\"pid\":300}"

/* An alert line (rules.h): a row for alerts, with Falco's nine-digit time. */
Test(decode, alert)
{
	cr_assert_eq(dec(ALERT), 0, "%s", why);
	cr_assert(row.alert);
	cr_assert_eq(row.type, PT_EV_COUNT);
	cr_assert_str_eq(row.event, "alert");
	cr_assert_eq(row.time_us, T_US);
	cr_assert_str_eq(row.rule, "Find setuid");
	cr_assert_str_eq(row.priority, "Warning");
	cr_assert_str_eq(row.output, "13:10:59.903761123: Warning find (user=root)");
	cr_assert_str_eq(row.key, "b:5:300");
	cr_assert_eq(row.pid, 300);
	cr_assert_eq(row.json_len, strlen(ALERT));
	/* an event line after it is an event again */
	cr_assert_eq(dec("{\"event\":\"exec\"," T "," PROC "}"), 0, "%s", why);
	cr_assert_not(row.alert);
	cr_assert_null(row.rule);
	/* nine digits for events too, and no rule is no alert */
	cr_assert_eq(dec("{\"event\":\"alert\",\"time\":\"2026-12-02T13:10:59.903761Z\","
			 "\"rule\":\"r\"}"),
		     0, "%s", why);
	cr_assert_eq(row.pid, -1);
	cr_assert_null(row.key);
	cr_assert_eq(dec("{\"event\":\"alert\",\"time\":\"2026-12-02T13:10:59.903761Z\"}"),
		     -EINVAL);
	cr_assert_eq(dec("{\"event\":\"alert\",\"time\":\"2026-12-02T13:10:59.9037611x3Z\","
			 "\"rule\":\"r\"}"),
		     -EINVAL);
	cr_assert_eq(dec("{\"event\":\"alert\",\"rule\":\"r\"}"), -EINVAL);
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

/* ---- the layer, with a backend that can go away ---- */

#define SEEN_MAX 64
static struct fake {
	bool down; /* connect and write fail (-ECONNREFUSED, -ENOTCONN) */
	bool lose_ack; /* the next write commits, then reports the connection lost */
	uint64_t reject_seq; /* this batch is refused (-EINVAL): bad for the database */
	int connects, writes;
	size_t nseen;
	struct {
		int64_t session;
		uint64_t seq;
		size_t n;
		int64_t first_pid;
	} seen[SEEN_MAX]; /* the batches committed, in order */
} fk;

static int fk_create(void **be, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	(void)c, (void)env, (void)err, (void)errlen;
	*be = &fk;
	return 0;
}

static int fk_connect(void *be, char *err, size_t errlen)
{
	(void)be;
	fk.connects++;
	if (fk.down) {
		snprintf(err, errlen, "connection refused");
		return -ECONNREFUSED;
	}
	return 0;
}

static int fk_write(void *be, int64_t session, uint64_t seq, const struct pt_db_row *rows, size_t n,
		    char *err, size_t errlen)
{
	(void)be;
	fk.writes++;
	if (fk.down) {
		snprintf(err, errlen, "server closed the connection");
		return -ENOTCONN;
	}
	if (seq == fk.reject_seq) {
		snprintf(err, errlen, "value too long");
		return -EINVAL;
	}
	for (size_t i = 0; i < fk.nseen; i++)
		if (fk.seen[i].session == session && fk.seen[i].seq == seq)
			return 1;
	cr_assert_lt(fk.nseen, SEEN_MAX);
	fk.seen[fk.nseen].session = session;
	fk.seen[fk.nseen].seq = seq;
	fk.seen[fk.nseen].n = n;
	fk.seen[fk.nseen++].first_pid = rows[0].pid;
	if (fk.lose_ack) {
		fk.lose_ack = false;
		fk.down = true;
		snprintf(err, errlen, "connection lost at commit");
		return -ENOTCONN;
	}
	return 0;
}

static void fk_disconnect(void *be)
{
	(void)be;
}

static void fk_destroy(void *be)
{
	(void)be;
}

static const struct pt_db_backend fake_be = {
	.name = "fake",
	.create = fk_create,
	.connect = fk_connect,
	.write = fk_write,
	.disconnect = fk_disconnect,
	.destroy = fk_destroy,
};

static char spool_dir[64];
static char line_buf[8][160];

static void layer_setup(void)
{
	memset(&fk, 0, sizeof(fk));
	strcpy(spool_dir, "/tmp/pt-sinkdb-test.XXXXXX");
	cr_assert_not_null(mkdtemp(spool_dir));
}

static void layer_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool_dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(layer, .init = layer_setup, .fini = layer_teardown);

static void *layer_open(uint64_t spool_max)
{
	struct pt_sink_env env = {.host = "h", .session_us = 99};
	struct pt_sink_conf c = {.type = PT_SINK_SQLITE,
				 .spool_dir = spool_dir,
				 .spool_max = spool_max,
				 .create_schema = true};
	char err[256] = "", target[] = "fake-target";
	void *st = NULL;

	c.target = target;
	cr_assert_eq(pt_db_open(&fake_be, &st, &c, &env, err, sizeof(err)), 0, "%s", err);
	return st;
}

/* Batch b: 2 lines, of pids 10b and 10b+1, and a malformed one in between. */
static int write_batch(void *st, int b)
{
	struct pt_outq_rec recs[3];

	for (int i = 0; i < 2; i++) {
		int n = snprintf(line_buf[i], sizeof(line_buf[i]),
				 "{\"event\":\"exec\"," T ",\"pid\":%d,\"key\":\"k%d\"}\n",
				 10 * b + i, 10 * b + i);

		recs[i * 2] = (struct pt_outq_rec){.p = line_buf[i], .len = (size_t)n};
	}
	recs[1] = (struct pt_outq_rec){.p = "{\"event\":\n", .len = 10};
	return pt_db_write(st, recs, 3);
}

static void check_seen(const int *batches, size_t n)
{
	cr_assert_eq(fk.nseen, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(fk.seen[i].session, 99);
		cr_assert_eq(fk.seen[i].seq, (uint64_t)batches[i]);
		cr_assert_eq(fk.seen[i].n, 2);
		cr_assert_eq(fk.seen[i].first_pid, 10 * batches[i]);
	}
}

/* Away: batches spool; back: the spool is written first, in order, then the new. */
Test(layer, spool_in_order)
{
	static const int want[] = {1, 2, 3, 4, 5};
	struct pt_sink_status s = {0};
	void *st = layer_open(1 << 20);

	cr_assert_eq(write_batch(st, 1), 0);
	fk.down = true;
	cr_assert_eq(write_batch(st, 2), 0); /* fails, disconnects, spools */
	cr_assert_eq(write_batch(st, 3), 0);
	pt_db_status(st, &s);
	cr_assert_eq(s.state, PT_SINK_SPOOLING);
	cr_assert_eq(s.backlog, 6); /* records, malformed ones too: they are lines */
	cr_assert_gt(s.backlog_bytes, 0);
	cr_assert_eq(s.written, 2);
	cr_assert_geq(s.errors, 1);
	cr_assert(strstr(s.last_error, "closed"), "%s", s.last_error);
	/* ticks before the backoff is due do not connect */
	int connects = fk.connects;

	cr_assert_eq(pt_db_tick(st, 0), 0);
	cr_assert_eq(fk.connects, connects);
	fk.down = false;
	/* back, but batch 4 arrives before the reconnect: it queues behind */
	cr_assert_eq(write_batch(st, 4), 0);
	check_seen(want, 1);
	/* reopen connects now (the backoff's due time is not asserted) */
	cr_assert_eq(pt_db_reopen(st), 0);
	cr_assert_eq(pt_db_tick(st, 0), 0);
	check_seen(want, 4);
	pt_db_status(st, &s);
	cr_assert_eq(s.state, PT_SINK_OK);
	cr_assert_eq(s.backlog, 0);
	cr_assert_eq(write_batch(st, 5), 0);
	check_seen(want, 5);
	pt_db_status(st, &s);
	cr_assert_eq(s.written, 10);
	cr_assert_eq(s.batches, 5);
	pt_db_close(st);
}

/* A commit whose acknowledgement was lost: replayed from the spool, the
 * backend has it already (1), and it is stored once. */
Test(layer, lost_ack_once)
{
	static const int want[] = {1, 2, 3};
	void *st = layer_open(1 << 20);

	cr_assert_eq(write_batch(st, 1), 0);
	fk.lose_ack = true;
	cr_assert_eq(write_batch(st, 2), 0);
	cr_assert_eq(write_batch(st, 3), 0);
	fk.down = false;
	cr_assert_eq(pt_db_reopen(st), 0);
	cr_assert_eq(pt_db_tick(st, 0), 0);
	check_seen(want, 3);
	pt_db_close(st);
}

/* The spool outlives the sink: batches spooled by one run are written by the
 * next, before its own. */
Test(layer, spool_across_restart)
{
	static const int want[] = {1, 2};
	void *st = layer_open(1 << 20);

	fk.down = true;
	cr_assert_eq(write_batch(st, 1), 0);
	cr_assert_eq(write_batch(st, 2), 0);
	pt_db_close(st);
	cr_assert_eq(fk.nseen, 0);
	fk.down = false;
	st = layer_open(1 << 20);
	cr_assert_eq(pt_db_tick(st, 0), 0);
	check_seen(want, 2);
	pt_db_close(st);
}

/* spool_max 0: no spool; while away, batches are dropped (an error the
 * runner counts) and the state says so. */
Test(layer, no_spool_drops)
{
	struct pt_sink_status s = {0};
	void *st;

	fk.down = true;
	st = layer_open(0);
	pt_db_status(st, &s);
	cr_assert_eq(s.state, PT_SINK_CONNECTING);
	cr_assert_lt(write_batch(st, 1), 0);
	pt_db_status(st, &s);
	cr_assert_eq(s.state, PT_SINK_FAILING);
	cr_assert(strstr(s.last_error, "dropped"), "%s", s.last_error);
	fk.down = false;
	cr_assert_eq(pt_db_reopen(st), 0);
	cr_assert_eq(write_batch(st, 2), 0);
	pt_db_status(st, &s);
	cr_assert_eq(s.state, PT_SINK_OK);
	cr_assert_eq(fk.nseen, 1);
	cr_assert_eq(fk.seen[0].seq, 2);
	pt_db_close(st);
}

/* A full spool: the batch that does not fit is dropped, the spooled ones stay. */
Test(layer, spool_full)
{
	void *st = layer_open(1);

	fk.down = true;
	cr_assert_lt(write_batch(st, 1), 0);
	pt_db_close(st);
}

/* A spooled batch the database refuses when it is back: dropped and counted
 * (the runner took it as written when it went to the spool), the next written. */
Test(layer, spooled_then_refused)
{
	static const int want[] = {2};
	struct pt_sink_status s = {0};
	void *st = layer_open(1 << 20);

	fk.down = true;
	cr_assert_eq(write_batch(st, 1), 0);
	cr_assert_eq(write_batch(st, 2), 0);
	fk.down = false;
	fk.reject_seq = 1;
	cr_assert_eq(pt_db_reopen(st), 0);
	cr_assert_eq(pt_db_tick(st, 0), 0);
	check_seen(want, 1);
	pt_db_status(st, &s);
	cr_assert_eq(s.dropped, 3);
	cr_assert_eq(s.state, PT_SINK_OK);
	cr_assert(strstr(s.last_error, "too long"), "%s", s.last_error);
	pt_db_close(st);
}
