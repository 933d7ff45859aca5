/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sink runner (src/sink.c) against a fake sink: batches by count and by
 * time, a failed batch is dropped and told by a lost line (reason "sink"), a
 * full queue drops and reports, reopen and tick reach the ops, close drains
 * (or counts the rest dropped), and a conninfo's password never shows.
 * No assertion on wall-clock time: waits are bounded only to fail, not to pass.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/sink.h"

#define MAX_BATCHES 4096

static struct fake {
	pthread_mutex_t lock;
	pthread_cond_t gate_cv;
	bool gate_closed; /* write waits while set */
	int fail; /* write fails while set */
	size_t batches[MAX_BATCHES];
	size_t nbatches;
	uint64_t lines; /* records written */
	char *text; /* everything written */
	size_t text_len;
	int reopens, ticks, flushes, opens, closes;
	pthread_t writer, closer; /* the threads write and close ran on */
} fk = {.lock = PTHREAD_MUTEX_INITIALIZER, .gate_cv = PTHREAD_COND_INITIALIZER};

static void fake_reset(void)
{
	pthread_mutex_lock(&fk.lock);
	free(fk.text);
	fk.text = NULL;
	fk.text_len = 0;
	fk.gate_closed = false;
	fk.fail = 0;
	fk.nbatches = 0;
	fk.lines = 0;
	fk.reopens = fk.ticks = fk.flushes = fk.opens = fk.closes = 0;
	pthread_mutex_unlock(&fk.lock);
}

static int fake_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	(void)env;
	if (strcmp(c->target, "bad") == 0) {
		snprintf(err, errlen, "fake %s: refused", c->target);
		return -EACCES;
	}
	fk.opens++;
	*state = &fk;
	return 0;
}

static int fake_write(void *state, const struct pt_outq_rec *recs, size_t n)
{
	(void)state;
	pthread_mutex_lock(&fk.lock);
	while (fk.gate_closed)
		pthread_cond_wait(&fk.gate_cv, &fk.lock);
	fk.writer = pthread_self();
	if (fk.fail) {
		pthread_mutex_unlock(&fk.lock);
		return -EIO;
	}
	if (fk.nbatches < MAX_BATCHES)
		fk.batches[fk.nbatches++] = n;
	for (size_t i = 0; i < n; i++) {
		fk.text = realloc(fk.text, fk.text_len + recs[i].len + 1);
		cr_assert_not_null(fk.text);
		memcpy(fk.text + fk.text_len, recs[i].p, recs[i].len);
		fk.text_len += recs[i].len;
		fk.text[fk.text_len] = '\0';
		fk.lines++;
	}
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

static int fake_flush(void *state)
{
	(void)state;
	pthread_mutex_lock(&fk.lock);
	fk.flushes++;
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

static int fake_reopen(void *state)
{
	(void)state;
	pthread_mutex_lock(&fk.lock);
	fk.reopens++;
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

static int fake_tick(void *state, int64_t now_ms)
{
	(void)state, (void)now_ms;
	pthread_mutex_lock(&fk.lock);
	fk.ticks++;
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

static void fake_close(void *state)
{
	(void)state;
	pthread_mutex_lock(&fk.lock);
	fk.closes++;
	fk.closer = pthread_self();
	pthread_mutex_unlock(&fk.lock);
}

static void fake_status(void *state, struct pt_sink_status *st)
{
	(void)state;
	st->bytes = 42;
}

static const struct pt_sink_ops fake_ops = {
	.type = PT_SINK_FILE,
	.open = fake_open,
	.write = fake_write,
	.flush = fake_flush,
	.reopen = fake_reopen,
	.tick = fake_tick,
	.close = fake_close,
	.status = fake_status,
};

/* sink.c names the real sinks' ops: the test links none of them */
const struct pt_sink_ops pt_sink_file_ops = {.type = PT_SINK_FILE};
const struct pt_sink_ops pt_sink_sqlite_ops = {.type = PT_SINK_SQLITE};
const struct pt_sink_ops pt_sink_pg_ops = {.type = PT_SINK_PG};

static struct pt_sink *open_fake(unsigned batch, int64_t flush_ms, size_t queue)
{
	struct pt_sink_conf c;
	struct pt_sink *s;
	char err[256];
	int r;

	fake_reset();
	pt_sink_conf_init(&c);
	c.target = strdup("fake");
	c.batch_size = batch;
	c.flush_ms = flush_ms;
	c.queue = queue;
	r = pt_sink_open_ops(&s, &fake_ops, &c, NULL, NULL, err, sizeof(err));
	pt_sink_conf_free(&c);
	cr_assert_eq(r, 0, "open: %d %s", r, err);
	return s;
}

/* Wait (bounded, so that a bug fails instead of hanging) for a condition. */
#define WAIT_FOR(cond)                                           \
	do {                                                     \
		for (int i_ = 0; i_ < 2000 && !(cond); i_++)     \
			usleep(5000);                            \
		cr_assert(cond, "timed out waiting for " #cond); \
	} while (0)

static uint64_t fk_lines(void)
{
	uint64_t n;

	pthread_mutex_lock(&fk.lock);
	n = fk.lines;
	pthread_mutex_unlock(&fk.lock);
	return n;
}

static int fk_get(int *what)
{
	int n;

	pthread_mutex_lock(&fk.lock);
	n = *what;
	pthread_mutex_unlock(&fk.lock);
	return n;
}

static uint64_t sink_dropped(struct pt_sink *s)
{
	struct pt_sink_status st;

	pt_sink_status(s, &st);
	return st.dropped;
}

static uint64_t sink_written(struct pt_sink *s)
{
	struct pt_sink_status st;

	pt_sink_status(s, &st);
	return st.written;
}

static void push_line(struct pt_sink *s, unsigned i, int want)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "{\"event\":\"fork\",\"n\":%u}\n", i);

	cr_assert_eq(pt_sink_push(s, line, (size_t)n), want);
}

Test(sink, conf_defaults_and_copy)
{
	struct pt_sink_conf c, d;

	pt_sink_conf_init(&c);
	cr_assert_eq(c.batch_size, 100);
	cr_assert_eq(c.flush_ms, 1000);
	cr_assert_eq(c.queue, 16u << 20);
	cr_assert_eq(c.max_size, 100ull << 20);
	cr_assert_eq(c.max_backups, 5);
	cr_assert_eq(c.fsync, PT_FSYNC_BATCH);
	cr_assert_eq(c.file_mode, 0640);
	cr_assert(c.create_schema);
	cr_assert(c.pg_copy);
	cr_assert_eq(c.spool_max, 256ull << 20);
	c.spool_dir = strdup("/spool");
	cr_assert_eq(pt_sink_conf_copy(&d, &c, PT_SINK_PG, "host=h"), 0);
	cr_assert_eq(d.type, PT_SINK_PG);
	cr_assert_str_eq(d.target, "host=h");
	cr_assert_str_eq(d.spool_dir, "/spool");
	cr_assert_neq(d.spool_dir, c.spool_dir);
	cr_assert_null(d.host);
	pt_sink_conf_free(&d);
	pt_sink_conf_free(&c);
	cr_assert_str_eq(pt_sink_type_name(PT_SINK_SQLITE), "sqlite");
	cr_assert_str_eq(pt_sink_state_name(PT_SINK_SPOOLING), "spooling");
	cr_assert_str_eq(pt_sink_state_name(PT_SINK_STOPPED), "stopped");
}

Test(sink, batches_by_count)
{
	struct pt_sink *s = open_fake(10, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;

	for (unsigned i = 0; i < 25; i++)
		push_line(s, i, 0);
	WAIT_FOR(fk_lines() == 20);
	usleep(20000);
	/* the last 5 wait for the hour or for close */
	cr_assert_eq(fk_lines(), 20);
	cr_assert_eq(fk.nbatches, 2);
	cr_assert_eq(fk.batches[0], 10);
	cr_assert_eq(fk.batches[1], 10);
	pt_sink_close(s, -1, &st);
	cr_assert_eq(fk.lines, 25);
	cr_assert_eq(fk.nbatches, 3);
	cr_assert_eq(fk.batches[2], 5);
	cr_assert_eq(st.written, 25);
	cr_assert_eq(st.batches, 3);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.state, PT_SINK_OK, "the state it stopped in");
	cr_assert_eq(st.bytes, 42, "the sink's own status is asked");
	cr_assert_eq(fk.closes, 1);
	cr_assert_geq(fk.flushes, 3);
	cr_assert(pthread_equal(fk.writer, fk.closer), "close runs on the sink's thread");
	cr_assert(!pthread_equal(fk.closer, pthread_self()));
	/* in order */
	for (unsigned i = 0; i < 25; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\"n\":%u}", i);
		cr_assert_not_null(strstr(fk.text, want));
	}
}

Test(sink, batches_by_time)
{
	struct pt_sink *s = open_fake(1000, 20, PT_OUTQ_MIN);
	struct pt_sink_status st;

	for (unsigned i = 0; i < 3; i++)
		push_line(s, i, 0);
	/* far from the count: only the flush interval writes them */
	WAIT_FOR(fk_lines() == 3);
	/* the sink's thread counts them once the write has returned */
	WAIT_FOR(sink_written(s) == 3);
	pt_sink_status(s, &st);
	cr_assert_eq(st.written, 3);
	cr_assert_geq(st.batches, 1);
	cr_assert_eq(st.queued, 0);
	pt_sink_close(s, 1000, NULL);
}

Test(sink, failed_write_drops_and_is_told)
{
	struct pt_sink *s = open_fake(5, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;
	char *lost;

	fk.fail = 1;
	for (unsigned i = 0; i < 5; i++)
		push_line(s, i, 0);
	WAIT_FOR(sink_dropped(s) == 5);
	pt_sink_status(s, &st);
	cr_assert_eq(st.state, PT_SINK_FAILING);
	cr_assert_eq(st.errors, 1);
	cr_assert_eq(st.written, 0);
	cr_assert_str_neq(st.last_error, "");
	pthread_mutex_lock(&fk.lock);
	fk.fail = 0;
	pthread_mutex_unlock(&fk.lock);
	/* the next event brings the lost line before it */
	for (unsigned i = 5; i < 9; i++)
		push_line(s, i, 0);
	WAIT_FOR(fk_lines() == 5);
	lost = strstr(fk.text, "{\"event\":\"lost\"");
	cr_assert_not_null(lost, "%s", fk.text);
	cr_assert(lost == fk.text, "the lost line comes first: %s", fk.text);
	cr_assert_not_null(strstr(lost, "\"count\":5,"));
	cr_assert_not_null(strstr(lost, "\"reason\":\"sink\""));
	cr_assert_eq(strchr(lost, '\n') - lost + 1, strstr(fk.text, "{\"event\":\"fork\"") - lost);
	WAIT_FOR(sink_written(s) == 4); /* counted once the write has returned */
	pt_sink_status(s, &st);
	cr_assert_eq(st.state, PT_SINK_OK);
	cr_assert_eq(st.dropped, 5);
	cr_assert_eq(st.reported, 5);
	cr_assert_eq(st.written, 4, "the lost line is not an event written");
	pt_sink_close(s, -1, NULL);
}

Test(sink, full_queue_drops_counts_and_reports)
{
	struct pt_sink *s = open_fake(1, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;
	char line[1000];
	uint64_t drops = 0, pushed = 0;
	char want[64];

	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	pthread_mutex_lock(&fk.lock);
	fk.gate_closed = true;
	pthread_mutex_unlock(&fk.lock);
	for (int i = 0; i < 200; i++) {
		int r = pt_sink_push(s, line, sizeof(line));

		cr_assert(r == 0 || r == -ENOBUFS);
		if (r)
			drops++;
		else
			pushed++;
	}
	cr_assert_gt(drops, 0, "a 64 KiB queue cannot take 200 KB");
	cr_assert_eq(sink_dropped(s), drops);
	pthread_mutex_lock(&fk.lock);
	fk.gate_closed = false;
	pthread_cond_broadcast(&fk.gate_cv);
	pthread_mutex_unlock(&fk.lock);
	WAIT_FOR(fk_lines() == pushed);
	push_line(s, 1, 0);
	WAIT_FOR(fk_lines() == pushed + 2);
	snprintf(want, sizeof(want), "\"count\":%llu,", (unsigned long long)drops);
	pthread_mutex_lock(&fk.lock);
	cr_assert_not_null(strstr(fk.text, "\"reason\":\"sink\""));
	cr_assert_not_null(strstr(fk.text, want), "want %s", want);
	pthread_mutex_unlock(&fk.lock);
	pt_sink_close(s, -1, &st);
	cr_assert_eq(st.dropped, drops);
	cr_assert_eq(st.reported, drops);
	cr_assert_eq(st.written, pushed + 1);
}

Test(sink, reopen_and_tick_reach_the_ops)
{
	struct pt_sink *s = open_fake(100, 3600000, PT_OUTQ_MIN);

	pt_sink_reopen(s);
	WAIT_FOR(fk_get(&fk.reopens) == 1);
	/* at least once a second */
	WAIT_FOR(fk_get(&fk.ticks) >= 1);
	pt_sink_close(s, 0, NULL);
	cr_assert_eq(fk.closes, 1);
}

Test(sink, close_drains)
{
	struct pt_sink *s = open_fake(1000, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;

	for (unsigned i = 0; i < 50; i++)
		push_line(s, i, 0);
	pt_sink_close(s, -1, &st);
	cr_assert_eq(fk.lines, 50);
	cr_assert_eq(st.written, 50);
	cr_assert_eq(st.dropped, 0);
	cr_assert_null(st.target);
}

Test(sink, close_without_drain_counts_the_rest)
{
	struct pt_sink *s = open_fake(1000, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;

	for (unsigned i = 0; i < 10; i++)
		push_line(s, i, 0);
	pt_sink_close(s, 0, &st);
	cr_assert_eq(fk.lines, 0);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(st.dropped, 10);
	cr_assert_eq(fk.closes, 1);
}

Test(sink, push_wait_never_drops)
{
	struct pt_sink *s = open_fake(7, 3600000, PT_OUTQ_MIN);
	struct pt_sink_status st;
	char line[1000];

	memset(line, 'y', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 2000; i++)
		cr_assert_eq(pt_sink_push_wait(s, line, sizeof(line)), 0);
	pt_sink_close(s, -1, &st);
	cr_assert_eq(st.written, 2000);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(fk.lines, 2000);
}

Test(sink, open_failure_is_one_line)
{
	struct pt_sink_conf c;
	struct pt_sink *s = (struct pt_sink *)1;
	char err[256];

	pt_sink_conf_init(&c);
	c.target = strdup("bad");
	cr_assert_eq(pt_sink_open_ops(&s, &fake_ops, &c, NULL, NULL, err, sizeof(err)), -EACCES);
	cr_assert_null(s);
	cr_assert_str_eq(err, "fake bad: refused");
	c.batch_size = 0;
	cr_assert_eq(pt_sink_open_ops(&s, &fake_ops, &c, NULL, NULL, err, sizeof(err)), -EINVAL);
	cr_assert_null(strchr(err, '\n'));
	pt_sink_conf_free(&c);
	pt_sink_close(NULL, 0, NULL);
}

static void shown(const char *conninfo, const char *want)
{
	char *s = pt_sink_target_shown(PT_SINK_PG, conninfo);

	cr_assert_not_null(s);
	cr_assert_str_eq(s, want, "%s -> %s", conninfo, s);
	free(s);
}

Test(sink, conninfo_password_never_shown)
{
	char *s;

	shown("host=db password=secret user=u", "host=db password=*** user=u");
	shown("password = 'se cr\\'et' dbname=x", "password = *** dbname=x");
	shown("password=a\\ b port=1", "password=*** port=1");
	shown("dbname=password", "dbname=password");
	shown("postgresql://u:pw@h:5/db", "postgresql://u:***@h:5/db");
	shown("postgres://u:p@w@h/db?sslmode=require&password=x",
	      "postgres://u:***@h/db?"
	      "sslmode=require&password=***");
	shown("postgresql://u@h/db", "postgresql://u@h/db");
	shown("postgresql:///db?password=x", "postgresql:///db?password=***");
	s = pt_sink_target_shown(PT_SINK_FILE, "/tmp/password=x");
	cr_assert_str_eq(s, "/tmp/password=x");
	free(s);
}

Test(sink, status_json)
{
	struct pt_sink_conf c;
	struct pt_sink *s;
	char err[256], *j;
	size_t len;

	fake_reset();
	pt_sink_conf_init(&c);
	c.type = PT_SINK_PG;
	c.target = strdup("host=\"x\" password=hunter2\n");
	cr_assert_eq(pt_sink_open_ops(&s, &fake_ops, &c, NULL, NULL, err, sizeof(err)), 0);
	pt_sink_conf_free(&c);
	j = pt_sink_status_json(s, &len);
	cr_assert_not_null(j);
	cr_assert_eq(strlen(j), len);
	cr_assert_null(strstr(j, "hunter2"));
	cr_assert_not_null(
		strstr(j, "\"type\":\"pg\",\"target\":\"host=\\\"x\\\" password=***\\u000a\""),
		"%s", j);
	cr_assert_not_null(strstr(j, "\"state\":\"ok\",\"queued\":0,"));
	cr_assert_not_null(strstr(j, "\"bytes\":42,"));
	cr_assert_not_null(strstr(j, "\"last_error\":\"\"}"));
	free(j);
	pt_sink_close(s, 0, NULL);
}

Test(sink, drain_writes_at_once_and_can_be_cancelled)
{
	struct pt_sink *s = open_fake(1000, 3600000, PT_OUTQ_MIN);
	volatile sig_atomic_t cancel = 1;
	struct pt_sink_status st;
	char *j;

	pthread_mutex_lock(&fk.lock);
	fk.gate_closed = true;
	pthread_mutex_unlock(&fk.lock);
	for (unsigned i = 0; i < 10; i++)
		push_line(s, i, 0);
	cr_assert_eq(pt_sink_drain(s, -1, &cancel), -ECANCELED);
	cr_assert_eq(pt_sink_drain(s, 10, NULL), -ETIMEDOUT);
	pthread_mutex_lock(&fk.lock);
	fk.gate_closed = false;
	pthread_cond_broadcast(&fk.gate_cv);
	pthread_mutex_unlock(&fk.lock);
	/* far from the count and the hour: the drain writes them now */
	cr_assert_eq(pt_sink_drain(s, -1, NULL), 0);
	cr_assert_eq(fk_lines(), 10);
	pt_sink_close(s, 0, &st);
	cr_assert_eq(st.written, 10);
	cr_assert_eq(st.dropped, 0);
	st.target = "t";
	j = pt_sink_status_json_of(&st, NULL);
	cr_assert_not_null(strstr(j, "\"target\":\"t\",\"state\":\"ok\""), "%s", j);
	cr_assert_not_null(strstr(j, "\"written\":10,"), "%s", j);
	free(j);
}

static int nlogs;
static char lastlog[512];

static void count_log(int level, const char *msg, void *data)
{
	(void)level, (void)data;
	pthread_mutex_lock(&fk.lock);
	nlogs++;
	snprintf(lastlog, sizeof(lastlog), "%s", msg);
	pthread_mutex_unlock(&fk.lock);
}

Test(sink, one_message_per_failing_spell)
{
	struct pt_sink_conf c;
	struct pt_sink *s;
	char err[256];

	fake_reset();
	pt_sink_conf_init(&c);
	c.target = strdup("fake");
	c.batch_size = 1;
	cr_assert_eq(pt_sink_open_ops(&s, &fake_ops, &c, count_log, NULL, err, sizeof(err)), 0);
	pt_sink_conf_free(&c);
	fk.fail = 1;
	for (unsigned i = 0; i < 20; i++)
		push_line(s, i, 0);
	WAIT_FOR(sink_dropped(s) == 20);
	cr_assert_eq(fk_get(&nlogs), 1, "20 failed batches, one message");
	cr_assert_not_null(strstr(lastlog, "writes fail"));
	pthread_mutex_lock(&fk.lock);
	fk.fail = 0;
	pthread_mutex_unlock(&fk.lock);
	push_line(s, 99, 0);
	WAIT_FOR(fk_lines() == 2); /* the lost line and the event */
	cr_assert_eq(fk_get(&nlogs), 2);
	cr_assert_not_null(strstr(lastlog, "writing again"));
	pt_sink_close(s, -1, NULL);
}
