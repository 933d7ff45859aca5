/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQLite sink driven through pt_sink_sqlite_ops with synthetic event lines
 * for a small process tree: the rows equal the input, every view answers on
 * that tree, a batch written twice is stored once, an older database migrates,
 * and retention by age deletes the old rows only.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/sink-db.h"
#include "../../src/sink-sqlite.h"

static char dir[64], path[128];

static void setup(void)
{
	strcpy(dir, "/tmp/pt-sqlite-test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/history.db", dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(sqlite, .init = setup, .fini = teardown);

/* ---- lines ---- */

#define LINES_MAX 64
static char *lines[LINES_MAX];
static size_t nlines;

static void fmt_time(char out[64], int64_t us)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

static void add(const char *fmt, ...)
{
	va_list ap;

	cr_assert_lt(nlines, LINES_MAX);
	va_start(ap, fmt);
	cr_assert_gt(vasprintf(&lines[nlines++], fmt, ap), 0);
	va_end(ap);
}

static void clear_lines(void)
{
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
}

struct p {
	int pid, ppid;
	const char *key, *pkey, *comm, *argv, *cmdline;
	int uid;
};

/* One process event: the process's snapshot, as pt_json_event() writes it. */
static void ev(const char *event, int64_t us, const struct p *p, const char *extra)
{
	char t[64];

	fmt_time(t, us);
	add("{\"event\":\"%s\",\"time\":\"%s\",\"pid\":%d,\"tid\":%d,\"ppid\":%d,\"start\":1,"
	    "\"comm\":\"%s\",\"exe\":\"/bin/%s\",\"argv\":%s,\"argv_truncated\":false,\"uid\":%d,"
	    "\"euid\":%d,\"gid\":0,\"egid\":0%s,\"tier\":\"bpf\",\"key\":\"%s\",\"parent_key\":\"%"
	    "s\"}\n",
	    event, t, p->pid, p->pid, p->ppid, p->comm, p->comm, p->argv, p->uid, p->uid,
	    extra ? extra : "", p->key, p->pkey);
}

static void lost(int64_t us, unsigned count)
{
	char t[64];

	fmt_time(t, us);
	add("{\"event\":\"lost\",\"time\":\"%s\",\"count\":%u,\"estimated\":false,"
	    "\"reason\":\"sink\",\"tier\":\"bpf\"}\n",
	    t, count);
}

/* ---- the sink ---- */

static void *open_sink(struct pt_sink_conf *c, int64_t session)
{
	struct pt_sink_env env = {.host = "h1", .session_us = session};
	char err[256] = "";
	void *st = NULL;
	int r;

	r = pt_sink_sqlite_ops.open(&st, c, &env, err, sizeof(err));
	cr_assert_eq(r, 0, "open: %d %s", r, err);
	return st;
}

static void conf(struct pt_sink_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->type = PT_SINK_SQLITE;
	c->target = path;
	c->create_schema = true;
	c->batch_size = 100;
}

static void write_lines(void *st, size_t from, size_t to)
{
	struct pt_outq_rec recs[LINES_MAX];

	for (size_t i = from; i < to; i++)
		recs[i - from] = (struct pt_outq_rec){.p = lines[i], .len = strlen(lines[i])};
	cr_assert_eq(pt_sink_sqlite_ops.write(st, recs, to - from), 0);
	cr_assert_eq(pt_sink_sqlite_ops.flush(st), 0);
}

static sqlite3 *ro(void)
{
	sqlite3 *db;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	return db;
}

/* The rows of a query, as "a|b|c;a|b|c;" (NULL as "-"). */
static char *q(sqlite3 *db, const char *sql)
{
	static char out[8192];
	sqlite3_stmt *st;
	size_t len = 0;
	int rc;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *v = (const char *)sqlite3_column_text(st, i);

			len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", i ? "|" : "",
						v ? v : "-");
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len, ";");
		cr_assert_lt(len, sizeof(out) - 1);
	}
	cr_assert_eq(rc, SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return out;
}

#define QEQ(db, sql, want) cr_assert_str_eq(q(db, sql), want, "%s", sql)

/*
 * init (k1, not seen) -> bash (kA, pid 100) -> make (kB, 200) -> cc (kC, 300,
 * 5 ms, setuid 1000), sleep (kD, 301, 1500 ms). bash execs again after make's
 * exec; a lost event in between.
 */
#define T0 1764680000000000LL
static const struct p A = {100, 1, "kA", "k1", "bash", "[\"bash\",\"-l\"]", "bash -l", 0};
static const struct p A2 = {100, 1, "kA", "k1", "bash", "[\"bash\",\"-c\",\"x\"]", "bash -c x", 0};
static const struct p B = {200, 100, "kB", "kA", "make", "[\"make\",\"all\"]", "make all", 0};
static const struct p C = {300, 200, "kC", "kB", "cc", "[\"cc\",\"-c\",\"x.c\"]", "cc -c x.c", 0};
static const struct p C1k = {300,	  200, "kC", "kB", "cc", "[\"cc\",\"-c\",\"x.c\"]",
			     "cc -c x.c", 1000};
static const struct p D = {301, 200, "kD", "kB", "sleep", "[\"sleep\",\"1.5\"]", "sleep 1.5", 0};

static void tree_lines(void)
{
	struct p bfork = A, b2 = B, cf = B, df = B;

	ev("fork", T0, &A, NULL); /* a snapshot of the parent's image at fork */
	ev("exec", T0 + 1000, &A, NULL);
	bfork.pid = 200, bfork.ppid = 100, bfork.key = "kB", bfork.pkey = "kA";
	ev("fork", T0 + 10000, &bfork, NULL);
	ev("exec", T0 + 11000, &B, NULL);
	b2.comm = "make2";
	ev("comm", T0 + 12000, &b2, ",\"old_comm\":\"make\"");
	cf.pid = 300, cf.ppid = 200, cf.key = "kC", cf.pkey = "kB", cf.comm = "make2";
	ev("fork", T0 + 20000, &cf, NULL);
	ev("exec", T0 + 21000, &C, NULL);
	ev("uid", T0 + 22000, &C1k, NULL);
	ev("exit", T0 + 25000, &C1k,
	   ",\"exit_code\":0,\"signal\":null,\"core_dumped\":false,\"duration_ms\":5.000");
	lost(T0 + 26000, 7);
	df.pid = 301, df.ppid = 200, df.key = "kD", df.pkey = "kB", df.comm = "make2";
	ev("fork", T0 + 27000, &df, NULL);
	ev("exec", T0 + 28000, &D, NULL);
	ev("exec", T0 + 30000, &A2, NULL);
	ev("exit", T0 + 1527000, &D,
	   ",\"exit_code\":null,\"signal\":9,\"core_dumped\":false,\"duration_ms\":1500.000");
}

Test(sqlite, tree_rows_and_views)
{
	struct pt_sink_status status = {0};
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	conf(&c);
	tree_lines();
	st = open_sink(&c, 42);
	write_lines(st, 0, 6); /* two batches, split inside the tree */
	write_lines(st, 6, nlines);
	pt_sink_sqlite_ops.status(st, &status);
	cr_assert_eq(status.state, PT_SINK_OK);
	cr_assert_eq(status.written, nlines);
	cr_assert_eq(status.batches, 2);
	cr_assert_eq(status.errors, 0);
	pt_sink_sqlite_ops.close(st);

	db = ro();
	QEQ(db, "PRAGMA user_version", "2;");
	QEQ(db, "PRAGMA journal_mode", "wal;");
	QEQ(db, "PRAGMA auto_vacuum", "2;");
	QEQ(db, "SELECT host, session, seq, rows FROM batches ORDER BY seq",
	    "h1|42|1|6;h1|42|2|8;");
	/* events: every line, byte for byte */
	QEQ(db, "SELECT count(*) FROM events", "14;");
	for (size_t i = 0; i < nlines; i++) {
		char sql[2048];
		char *lit = sqlite3_mprintf("%Q", lines[i]);

		lit[strlen(lit) - 2] = '\''; /* without the newline */
		lit[strlen(lit) - 1] = '\0';
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE data = %s", lit);
		QEQ(db, sql, "1;");
		sqlite3_free(lit);
	}
	QEQ(db, "SELECT event, key, pid, tid, ppid FROM events ORDER BY rowid",
	    "fork|kA|100|100|1;exec|kA|100|100|1;fork|kB|200|200|100;exec|kB|200|200|100;"
	    "comm|kB|200|200|100;fork|kC|300|300|200;exec|kC|300|300|200;uid|kC|300|300|200;"
	    "exit|kC|300|300|200;lost|-|-|-|-;fork|kD|301|301|200;exec|kD|301|301|200;"
	    "exec|kA|100|100|1;exit|kD|301|301|200;");
	/* processes: one per key, the last exec's image, comm and uid changes, exits */
	QEQ(db,
	    "SELECT key, pid, ppid, parent_key, first_us - 1764680000000000, exit_us - "
	    "1764680000000000,"
	    " comm, cmdline, argv, uid, euid, exit_code, signal, duration_ms FROM processes ORDER "
	    "BY key",
	    "kA|100|1|k1|0|-|bash|bash -c x|[\"bash\",\"-c\",\"x\"]|0|0|-|-|-;"
	    "kB|200|100|kA|10000|-|make2|make all|[\"make\",\"all\"]|0|0|-|-|-;"
	    "kC|300|200|kB|20000|25000|cc|cc -c x.c|[\"cc\",\"-c\",\"x.c\"]|1000|1000|0|-|5.0;"
	    "kD|301|200|kB|27000|1527000|sleep|sleep 1.5|[\"sleep\",\"1.5\"]|0|0|-|9|1500.0;");
	QEQ(db,
	    "SELECT key, time_us - 1764680000000000, comm, cmdline, parent_key FROM execs"
	    " ORDER BY time_us",
	    "kA|1000|bash|bash -l|k1;kB|11000|make|make all|kA;kC|21000|cc|cc -c x.c|kB;"
	    "kD|28000|sleep|sleep 1.5|kB;kA|30000|bash|bash -c x|k1;");

	/* the views */
	QEQ(db, "SELECT time, key, cmdline, parent_cmdline FROM v_exec_history ORDER BY time_us",
	    "2025-12-02T12:53:20.001000Z|kA|bash -l|-;"
	    "2025-12-02T12:53:20.011000Z|kB|make all|bash -l;"
	    "2025-12-02T12:53:20.021000Z|kC|cc -c x.c|make all;"
	    "2025-12-02T12:53:20.028000Z|kD|sleep 1.5|make all;"
	    "2025-12-02T12:53:20.030000Z|kA|bash -c x|-;");
	QEQ(db,
	    "SELECT key, duration_ms, time, exit_time FROM v_short_lived WHERE duration_ms < 1000",
	    "kC|5.0|2025-12-02T12:53:20.020000Z|2025-12-02T12:53:20.025000Z;");
	QEQ(db, "SELECT key FROM v_short_lived", "kC;kD;");
	QEQ(db, "SELECT ancestor_key, depth FROM v_process_tree WHERE key = 'kC' ORDER BY depth",
	    "kB|1;kA|2;k1|3;");
	QEQ(db, "SELECT key, depth FROM v_process_tree WHERE ancestor_key = 'kA' ORDER BY key",
	    "kB|1;kC|2;kD|2;");
	QEQ(db,
	    "SELECT parent_key, minute, children, parent_comm FROM v_top_spawners ORDER BY "
	    "children DESC, parent_key DESC",
	    "kB|2025-12-02T12:53:00Z|2|make2;kA|2025-12-02T12:53:00Z|1|bash;"
	    "k1|2025-12-02T12:53:00Z|1|-;");
	QEQ(db, "SELECT time, count, reason, estimated FROM v_lost",
	    "2025-12-02T12:53:20.026000Z|7|sink|0;");
	sqlite3_close(db);
	clear_lines();
}

/* The same batch id again (a replay whose commit was lost): stored once. */
Test(sqlite, batch_twice)
{
	struct pt_sink_status status = {0};
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	conf(&c);
	tree_lines();
	st = open_sink(&c, 7);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	st = open_sink(&c, 7); /* the same session: its seq 1 again */
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.status(st, &status);
	cr_assert_eq(status.batches, 1);
	cr_assert_eq(status.written, 0);
	write_lines(st, 0, 3); /* seq 2: new */
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "SELECT session, seq, rows FROM batches ORDER BY seq", "7|1|14;7|2|3;");
	QEQ(db, "SELECT count(*) FROM events", "17;");
	QEQ(db, "SELECT count(*) FROM execs", "6;");
	sqlite3_close(db);
	clear_lines();
}

/* Malformed lines are skipped and counted; the rest of the batch is written. */
Test(sqlite, malformed)
{
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	conf(&c);
	ev("exec", T0, &A, NULL);
	add("{\"event\":\"exec\"\n");
	add("\n");
	ev("exec", T0 + 1, &B, NULL);
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "SELECT key FROM events ORDER BY rowid", "kA;kB;");
	QEQ(db, "SELECT rows FROM batches", "2;");
	sqlite3_close(db);
	clear_lines();
}

/* An exec without a key (its start was not read): in events and execs, but no
 * process row, and an exit without a key only in events. */
Test(sqlite, no_key)
{
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	conf(&c);
	add("{\"event\":\"exec\",\"time\":\"2026-12-02T13:10:59.903761Z\",\"pid\":5,\"tid\":5,"
	    "\"ppid\":1,\"comm\":\"ls\",\"argv\":[\"ls\"]}\n");
	add("{\"event\":\"exit\",\"time\":\"2026-12-02T13:10:59.903762Z\",\"pid\":5,\"tid\":5,"
	    "\"ppid\":1,\"exit_code\":0,\"signal\":null,\"duration_ms\":1}\n");
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "SELECT event, key, pid FROM events ORDER BY rowid", "exec|-|5;exit|-|5;");
	QEQ(db, "SELECT key, pid, comm, cmdline FROM v_exec_history", "-|5|ls|ls;");
	QEQ(db, "SELECT count(*) FROM processes", "0;");
	sqlite3_close(db);
	clear_lines();
}

/* An alert line is a row of alerts (data: the whole line), not a row of events. */
Test(sqlite, alert_row)
{
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	conf(&c);
	ev("exec", T0, &A, NULL);
	add("{\"event\":\"alert\",\"time\":\"2026-12-02T13:10:59.903761123Z\","
	    "\"rule\":\"Shell \\\"x\\\"\",\"priority\":\"Notice\",\"source\":\"syscall\","
	    "\"tags\":[],\"output\":\"13:10:59.903761123: Notice a shell\","
	    "\"output_fields\":{\"proc.name\":\"bash\"},\"hostname\":\"h\",\"key\":\"kA\","
	    "\"pid\":100}\n");
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "SELECT event FROM events", "exec;");
	QEQ(db, "SELECT host, time_us, key, rule, priority, output FROM alerts",
	    "h1|1796217059903761|kA|Shell \"x\"|Notice|13:10:59.903761123: Notice a shell;");
	QEQ(db, "SELECT json_extract(data, '$.output_fields.\"proc.name\"') FROM alerts", "bash;");
	QEQ(db, "SELECT rows FROM batches", "2;");
	sqlite3_close(db);
	clear_lines();
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Retention by age: what is older than the retention goes, the rest stays. */
Test(sqlite, retention_age)
{
	struct pt_sink_conf c;
	int64_t now = now_us();
	struct p a = A, b = B;
	sqlite3 *db;
	void *st;

	conf(&c);
	c.retention_ms = 86400 * 1000LL;
	ev("fork", now - 3 * 86400000000LL, &A, NULL);
	ev("exec", now - 3 * 86400000000LL + 1, &A, NULL);
	ev("exit", now - 2 * 86400000000LL, &A,
	   ",\"exit_code\":0,\"signal\":null,\"duration_ms\":1");
	lost(now - 2 * 86400000000LL, 3);
	a.key = "kOld2"; /* exited recently: stays, although it started long ago */
	ev("exec", now - 3 * 86400000000LL, &a, NULL);
	ev("exit", now - 3600000000LL, &a, ",\"exit_code\":0,\"signal\":null,\"duration_ms\":1");
	ev("fork", now - 1000000, &b, NULL);
	ev("exec", now - 1000, &b, NULL);
	lost(now - 1000, 4);
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	db = ro();
	QEQ(db, "SELECT count(*) FROM events", "9;");
	sqlite3_close(db);
	cr_assert_eq(pt_sink_sqlite_ops.tick(st, 0), 0);
	db = ro();
	QEQ(db, "SELECT event, key FROM events ORDER BY time_us",
	    "exit|kOld2;fork|kB;exec|kB;lost|-;");
	QEQ(db, "SELECT key FROM processes ORDER BY key", "kB;kOld2;");
	QEQ(db, "SELECT key FROM execs ORDER BY key", "kB;");
	QEQ(db, "SELECT count FROM v_lost", "4;");
	sqlite3_close(db);
	pt_sink_sqlite_ops.close(st);
	clear_lines();
}

/* Retention by size: the database is cut down to the cap, oldest first. */
Test(sqlite, retention_size)
{
	struct pt_sink_conf c;
	int64_t now = now_us();
	struct p a = A;
	char key[32];
	sqlite3 *db;
	void *st;

	conf(&c);
	st = open_sink(&c, 1);
	for (int b = 0; b < 40; b++) {
		for (int i = 0; i < 50; i++) {
			snprintf(key, sizeof(key), "k%05d", b * 50 + i);
			a.key = key;
			ev("exec", now - 1000000000 + (b * 50 + i) * 1000, &a, NULL);
		}
		write_lines(st, 0, nlines);
		clear_lines();
	}
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "SELECT count(*) FROM events", "2000;");
	cr_assert_eq(system("true"), 0);
	sqlite3_close(db);

	c.db_max_size = 256 * 1024;
	st = open_sink(&c, 2);
	cr_assert_eq(pt_sink_sqlite_ops.tick(st, 0), 0);
	pt_sink_sqlite_ops.close(st);
	db = ro();
	cr_assert_leq(atoll(q(db, "PRAGMA page_count")) * atoll(q(db, "PRAGMA page_size")),
		      256 * 1024);
	/* the newest stayed, the oldest went */
	cr_assert_str_eq(q(db, "SELECT max(key) FROM events"), "k01999;");
	cr_assert_str_neq(q(db, "SELECT min(key) FROM events"), "k00000;");
	sqlite3_close(db);
}

/* ---- migrations ---- */

/* A pre-release database (user_version 0) with an events table and a row,
 * made by hand: the sink migrates it to the current version and keeps the row. */
Test(sqlite, migrate_from_version_0)
{
	struct pt_sink_conf c;
	sqlite3 *db;
	void *st;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(
		sqlite3_exec(db,
			     "CREATE TABLE events (host TEXT NOT NULL, time_us INTEGER NOT NULL,"
			     " event TEXT NOT NULL, key TEXT, pid INTEGER, tid INTEGER,"
			     " ppid INTEGER, data TEXT NOT NULL);"
			     "INSERT INTO events VALUES ('h0', 1, 'exec', 'kX', 1, 1, 0, '{}');",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);

	conf(&c);
	ev("exec", T0, &A, NULL);
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	db = ro();
	QEQ(db, "PRAGMA user_version", "2;");
	QEQ(db, "SELECT value FROM meta WHERE name = 'schema_version'", "2;");
	QEQ(db, "SELECT key FROM events ORDER BY time_us", "kX;kA;");
	QEQ(db, "SELECT key FROM v_exec_history", "kA;");
	QEQ(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view'", "5;");
	sqlite3_close(db);
	clear_lines();
}

/* The machinery: steps run in order, each once, in one transaction; a failing
 * step leaves the database as it was; a newer database is refused. */
Test(sqlite, migrate_steps)
{
	static const struct pt_sqlite_step steps[] = {
		{1,
		 "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);"
		 "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"},
		{2, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 2; INSERT INTO t VALUES (3, 4);"},
		{3, "INSERT INTO t VALUES (5, 6); SELECT no_such_function();"},
	};
	char err[256] = "";
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(pt_sqlite_migrate(db, steps, 1, 1, err, sizeof(err)), 0, "%s", err);
	QEQ(db, "PRAGMA user_version", "1;");
	/* an older database (version 1) to version 2: step 1 is not run again */
	cr_assert_eq(pt_sqlite_migrate(db, steps, 2, 2, err, sizeof(err)), 0, "%s", err);
	QEQ(db, "PRAGMA user_version", "2;");
	QEQ(db, "SELECT a, b FROM t ORDER BY a", "1|2;3|4;");
	QEQ(db, "SELECT value FROM meta WHERE name = 'schema_version'", "2;");
	/* a failing step: nothing of it stays, the version neither */
	cr_assert_lt(pt_sqlite_migrate(db, steps, 3, 3, err, sizeof(err)), 0);
	cr_assert(strstr(err, "version 3"), "%s", err);
	QEQ(db, "PRAGMA user_version", "2;");
	QEQ(db, "SELECT count(*) FROM t", "2;");
	/* from 0 to 2 at once, on a fresh database */
	sqlite3_close(db);
	remove(path);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(pt_sqlite_migrate(db, steps, 2, 2, err, sizeof(err)), 0, "%s", err);
	QEQ(db, "SELECT a, b FROM t ORDER BY a", "1|2;3|4;");
	/* newer than this proctrail */
	cr_assert_eq(pt_sqlite_migrate(db, steps, 1, 1, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "newer"), "%s", err);
	sqlite3_close(db);
}

Test(sqlite, newer_database_refused)
{
	struct pt_sink_env env = {.host = "h1", .session_us = 1};
	struct pt_sink_conf c;
	char err[256] = "";
	sqlite3 *db;
	void *st = NULL;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	conf(&c);
	cr_assert_eq(pt_sink_sqlite_ops.open(&st, &c, &env, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "newer"), "%s", err);
	cr_assert_null(st);
}

Test(sqlite, no_create_schema)
{
	struct pt_sink_env env = {.host = "h1", .session_us = 1};
	struct pt_sink_conf c;
	char err[256] = "";
	void *st = NULL;

	conf(&c);
	c.create_schema = false;
	cr_assert_lt(pt_sink_sqlite_ops.open(&st, &c, &env, err, sizeof(err)), 0);
	cr_assert(strstr(err, "schema"), "%s", err);
}

Test(sqlite, bad_path)
{
	static char bad[] = "/nonexistent-dir/x/history.db";
	struct pt_sink_env env = {.host = "h1", .session_us = 1};
	struct pt_sink_conf c;
	char err[256] = "";
	void *st = NULL;

	conf(&c);
	c.target = bad;
	cr_assert_eq(pt_sink_sqlite_ops.open(&st, &c, &env, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "/nonexistent-dir/x/history.db"), "%s", err);
}

/* ---- containers (schema version 2) ---- */

#define CTR_ID "4f2a0c9e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
#define CTR_MEMBERS                                                              \
	",\"container_id\":\"" CTR_ID "\",\"container_runtime\":\"containerd\"," \
	"\"container_name\":\"web\",\"container_image\":\"nginx:1.25\","         \
	"\"k8s_pod_name\":\"web-7d4b9\",\"k8s_ns_name\":\"shop\""

/* Every line so far through a sink of its own (session 1); the database to read. */
static sqlite3 *write_all(void)
{
	struct pt_sink_conf c;
	void *st;

	conf(&c);
	st = open_sink(&c, 1);
	write_lines(st, 0, nlines);
	pt_sink_sqlite_ops.close(st);
	return ro();
}

/* The members of a container's events land in processes, execs and
 * v_exec_history; the host's say "host"; an event without them leaves NULL. */
Test(sqlite, container_columns)
{
	sqlite3 *db;

	ev("fork", T0, &B, ",\"container_id\":\"host\"");
	ev("exec", T0 + 10, &B, ",\"container_id\":\"host\"");
	ev("fork", T0 + 20, &C, ",\"container_id\":\"host\"");
	/* moved into the container between fork and exec: exec's attribution wins */
	ev("exec", T0 + 30, &C, CTR_MEMBERS);
	ev("exit", T0 + 40, &C, ",\"exit_code\":0,\"signal\":null,\"duration_ms\":0.02");
	ev("exec", T0 + 50, &A, NULL);
	db = write_all();
	QEQ(db,
	    "SELECT key, container_id, container_name, container_image, k8s_pod_name, "
	    "k8s_ns_name FROM processes ORDER BY key",
	    "kA|-|-|-|-|-;kB|host|-|-|-|-;kC|" CTR_ID "|web|nginx:1.25|web-7d4b9|shop;");
	QEQ(db, "SELECT key, container_id, container_name FROM execs ORDER BY time_us",
	    "kB|host|-;kC|" CTR_ID "|web;kA|-|-;");
	QEQ(db,
	    "SELECT key, container_name, container_image, k8s_pod_name, k8s_ns_name FROM "
	    "v_exec_history WHERE container_id LIKE '4f2a%'",
	    "kC|web|nginx:1.25|web-7d4b9|shop;");
	QEQ(db, "SELECT count(*) FROM sqlite_master WHERE name = 'execs_container'", "1;");
	sqlite3_close(db);
	clear_lines();
}

/* A version 1 file (made with step 1 only, with a row) migrates to version 2:
 * the old rows stay, with NULL containers, and new rows carry theirs. */
Test(sqlite, migrate_from_version_1)
{
	char err[256] = "";
	sqlite3 *db;

	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(pt_sqlite_migrate(db, pt_sqlite_steps, 1, 1, err, sizeof(err)), 0, "%s", err);
	QEQ(db, "PRAGMA user_version", "1;");
	cr_assert_eq(sqlite3_exec(db,
				  "INSERT INTO execs (host, key, time_us, pid, comm) VALUES"
				  " ('h1', 'kOld', 1, 7, 'old');"
				  "INSERT INTO processes (host, key, pid, comm) VALUES"
				  " ('h1', 'kOld', 7, 'old');",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	/* a v1 v_exec_history has no container column */
	cr_assert_neq(sqlite3_exec(db, "SELECT container_id FROM v_exec_history", NULL, NULL, NULL),
		      SQLITE_OK);
	sqlite3_close(db);

	ev("exec", T0, &C, CTR_MEMBERS);
	db = write_all();
	QEQ(db, "PRAGMA user_version", "2;");
	QEQ(db, "SELECT value FROM meta WHERE name = 'schema_version'", "2;");
	QEQ(db, "SELECT key, container_id, container_name FROM v_exec_history ORDER BY time_us",
	    "kOld|-|-;kC|" CTR_ID "|web;");
	QEQ(db, "SELECT key, k8s_pod_name FROM processes ORDER BY key", "kC|web-7d4b9;kOld|-;");
	sqlite3_close(db);
	clear_lines();
}
