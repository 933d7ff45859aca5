/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PostgreSQL backend (pt_db_pg) driven through its struct against a real
 * server (sink-pg-backend.sh starts one): what the SQL layer relies on and a
 * storm cannot show on demand.
 *   pg-backend-test CONNINFO PASSWORD_FILE STOP_CMD START_CMD
 * Prints "ok: ..." per check, "FAIL: ..." and exits 1 at the first failure;
 * exits 77 when built without libpq.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink-db.h"

#if HAVE_LIBPQ
#include <libpq-fe.h>

static const char *conninfo, *pwfile;
static PGconn *check; /* our own connection, for the checks */

static void __attribute__((format(printf, 1, 2), noreturn)) fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static void log_cb(int level, const char *msg, void *data)
{
	(void)data;
	printf("log %d: %s\n", level, msg);
}

static const struct pt_sink_env env_a = {.log = log_cb, .host = "host-a", .session_us = 1};
static const struct pt_sink_env env_b = {.log = log_cb, .host = "host-b", .session_us = 2};

static void quiet(void *data, const char *msg)
{
	(void)data, (void)msg;
}

/* One value of a query on our connection (a static copy; "<null>" for null). */
static const char *q(const char *sql)
{
	static char val[4096];
	PGresult *res;

	if (!check || PQstatus(check) != CONNECTION_OK) {
		const char *kw[] = {"dbname", "passfile", NULL};
		const char *v[] = {conninfo, NULL, NULL};
		char pf[512];
		FILE *f = fopen(pwfile, "r"), *o;
		char pw[256] = "";

		/* a passfile of our own: *:*:*:*:password */
		if (!f || !fgets(pw, sizeof(pw), f))
			fail("cannot read %s", pwfile);
		fclose(f);
		pw[strcspn(pw, "\n")] = '\0';
		snprintf(pf, sizeof(pf), "%s.pgpass", pwfile);
		o = fopen(pf, "w");
		if (!o)
			fail("cannot write %s", pf);
		fprintf(o, "*:*:*:*:%s\n", pw);
		fclose(o);
		v[1] = pf;
		PQfinish(check);
		check = PQconnectdbParams(kw, v, 1);
		if (PQstatus(check) != CONNECTION_OK)
			fail("check connection: %s", PQerrorMessage(check));
		PQsetNoticeProcessor(check, quiet, NULL); /* DROP ... CASCADE's NOTICE */
	}
	res = PQexec(check, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		snprintf(val, sizeof(val), "%s", PQcmdTuples(res));
	} else if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fail("%s: %s", sql, PQresultErrorMessage(res));
	} else {
		snprintf(val, sizeof(val), "%s",
			 PQgetisnull(res, 0, 0) ? "<null>" : PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return val;
}

static void q_eq(const char *sql, const char *want, const char *what)
{
	const char *got = q(sql);

	if (strcmp(got, want))
		fail("%s: %s gives \"%s\", not \"%s\"", what, sql, got, want);
}

/* ---- rows from lines, as the layer decodes them ---- */

#define MAXROWS 64
static struct pt_db_decoder *decs[MAXROWS];
static struct pt_db_row rows[MAXROWS];

static size_t decode(const char *const *lines, size_t n)
{
	char why[160];

	for (size_t i = 0; i < n; i++) {
		if (!decs[i] && pt_db_decoder_new(&decs[i]) < 0)
			fail("ENOMEM");
		if (pt_db_row_decode(decs[i], lines[i], strlen(lines[i]), &rows[i], why,
				     sizeof(why)) < 0)
			fail("line %zu does not decode: %s", i, why);
	}
	return n;
}

#define K "00000000-0000-4000-8000-000000000001:"
#define T "\"time\":\"2026-01-02T03:04:05.%06dZ\""

/* A process of key K<pid>: fork, exec (hostile argv), exit. */
static size_t proc_lines(char bufs[][1024], const char **lines, int pid, int t0)
{
	snprintf(bufs[0], 1024,
		 "{\"event\":\"fork\"," T ",\"pid\":%d,\"tid\":%d,\"ppid\":1,\"comm\":\"sh\","
		 "\"exe\":\"/bin/sh\",\"argv\":[\"sh\"],\"uid\":0,\"euid\":0,\"gid\":0,\"egid\":0,"
		 "\"key\":\"" K "%d\",\"parent_key\":\"" K "1\"}",
		 t0, pid, pid, pid);
	snprintf(bufs[1], 1024,
		 "{\"event\":\"exec\"," T ",\"pid\":%d,\"tid\":%d,\"ppid\":1,\"comm\":\"x\\ty\","
		 "\"exe\":\"/bin/a\\\\b\",\"argv\":[\"/bin/a\\\\b\",\"t\\tn\\nr\\r\",\"\\\\.\","
		 "\"\\\\N\",\"q'\\\"\",\"\\u00e9\\u20ac\\ud83d\\ude00\",\"\\u0001\\u001b\\u007f\"],"
		 "\"argv_truncated\":true,\"uid\":1000,\"euid\":0,\"gid\":4294967294,\"egid\":0,"
		 "\"key\":\"" K "%d\",\"parent_key\":\"" K "1\"}",
		 t0 + 1, pid, pid, pid);
	snprintf(bufs[2], 1024,
		 "{\"event\":\"exit\"," T ",\"pid\":%d,\"tid\":%d,\"ppid\":1,\"comm\":\"x\\ty\","
		 "\"exe\":\"/bin/a\\\\b\",\"exit_code\":null,\"signal\":9,\"core_dumped\":true,"
		 "\"duration_ms\":0.25,\"key\":\"" K "%d\",\"parent_key\":\"" K "1\"}",
		 t0 + 2, pid, pid, pid);
	for (int i = 0; i < 3; i++)
		lines[i] = bufs[i];
	return 3;
}

static struct pt_sink_conf conf(bool copy, bool create)
{
	struct pt_sink_conf c = {0};

	c.type = PT_SINK_PG;
	c.target = (char *)conninfo;
	c.password_file = (char *)pwfile;
	c.pg_copy = copy;
	c.create_schema = create;
	return c;
}

static void *open_be(bool copy, bool create, const struct pt_sink_env *env, int want_connect,
		     char *err, size_t errlen)
{
	struct pt_sink_conf c = conf(copy, create);
	void *be;
	int r;

	err[0] = '\0';
	r = pt_db_pg.create(&be, &c, env, err, errlen);
	if (r < 0)
		fail("create: %d %s", r, err);
	r = pt_db_pg.connect(be, err, errlen);
	if (r != want_connect)
		fail("connect: %d (%s), not %d", r, err, want_connect);
	return be;
}

static int write_batch(void *be, int64_t session, uint64_t seq, size_t n, char *err, size_t len)
{
	err[0] = '\0';
	return pt_db_pg.write(be, session, seq, rows, n, err, len);
}

static void run(const char *stop_cmd, const char *start_cmd)
{
	char bufs[8][1024], err[256];
	const char *lines[8];
	void *be, *be2;
	size_t n;
	int r;

	/* ---- the schema is created, a batch written, the same batch again a no-op ---- */
	be = open_be(true, true, &env_a, 0, err, sizeof(err));
	q_eq("SELECT value FROM meta WHERE name = 'schema_version'", "2", "schema version");
	proc_lines(bufs, lines, 100, 0);
	n = decode(lines, 3);
	r = write_batch(be, 7, 1, n, err, sizeof(err));
	if (r != 0)
		fail("write: %d %s", r, err);
	q_eq("SELECT count(*) FROM events", "3", "events");
	r = write_batch(be, 7, 1, n, err, sizeof(err));
	if (r != 1)
		fail("the same batch again: %d (%s), not 1", r, err);
	q_eq("SELECT count(*) FROM events", "3", "events after a batch written twice");
	q_eq("SELECT count(*) FROM batches", "1", "batches");
	q_eq("SELECT rows FROM batches", "3", "batches.rows");
	printf("ok: a batch once; the same id again returns 1 and writes nothing\n");

	/* ---- what COPY wrote: the bytes of the lines ---- */
	q_eq("SELECT count(*) FROM execs x JOIN events e USING (host, key, time_us) WHERE "
	     "x.argv::jsonb = e.data->'argv' AND x.cmdline = (SELECT string_agg(a, ' ') FROM "
	     "jsonb_array_elements_text(e.data->'argv') a) AND x.comm = e.data->>'comm' AND "
	     "x.exe = e.data->>'exe' AND x.uid = 1000 AND x.gid = 4294967294 AND "
	     "x.argv_truncated",
	     "1", "the exec's columns");
	q_eq("SELECT (data->'argv'->>1) = E't\\tn\\nr\\r' AND (data->'argv'->>2) = E'\\\\.' "
	     "AND (data->'argv'->>5) = U&'\\00e9\\20ac\\+01F600' FROM events WHERE event = 'exec'",
	     "t", "hostile argv in data");
	q_eq("SELECT concat_ws(',', host, pid, ppid, parent_key, first_us, exit_us, comm, exe, "
	     "exit_code IS NULL, signal, core_dumped, duration_ms) FROM processes",
	     "host-a,100,1,00000000-0000-4000-8000-000000000001:1,1767323045000000,"
	     "1767323045000002,x\ty,/bin/a\\b,t,9,t,0.25",
	     "the process row");
	printf("ok: COPY: tabs, newlines, backslashes, \\., \\N, quotes, UTF-8, control bytes\n");

	/* ---- INSERT writes what COPY writes; another host's rows apart ---- */
	be2 = open_be(false, true, &env_b, 0, err, sizeof(err));
	r = write_batch(be2, 7, 1, n, err, sizeof(err));
	if (r != 0)
		fail("INSERT write: %d %s", r, err);
	r = write_batch(be2, 7, 1, n, err, sizeof(err));
	if (r != 1)
		fail("INSERT, the same batch again: %d, not 1", r);
	for (const char *const *t = (const char *const[]){"events", "execs", "processes", NULL}; *t;
	     t++) {
		char sql[512], a[64];

		snprintf(sql, sizeof(sql),
			 "SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM (SELECT * "
			 "FROM %s WHERE host = 'host-a') x",
			 *t);
		snprintf(a, sizeof(a), "%s", q(sql));
		snprintf(sql, sizeof(sql),
			 "SELECT md5(string_agg(replace(x::text, 'host-b', 'host-a'), '|' ORDER "
			 "BY x::text)) FROM (SELECT * FROM %s WHERE host = 'host-b') x",
			 *t);
		q_eq(sql, a, *t);
	}
	printf("ok: INSERT writes the same rows as COPY; the host column keeps hosts apart\n");

	/* ---- the processes row across batches: an exec that does not know exe ---- */
	snprintf(bufs[0], 1024,
		 "{\"event\":\"fork\"," T ",\"pid\":200,\"tid\":200,\"ppid\":1,\"comm\":\"sh\","
		 "\"exe\":\"/bin/sh\",\"argv\":[\"sh\"],\"key\":\"" K "200\"}",
		 10);
	snprintf(bufs[1], 1024,
		 "{\"event\":\"exit\"," T ",\"pid\":200,\"tid\":201,\"ppid\":1,\"comm\":\"sh\","
		 "\"thread\":true,\"exit_code\":0,\"key\":\"" K "200\"}",
		 11);
	lines[0] = bufs[0], lines[1] = bufs[1];
	n = decode(lines, 2);
	if ((r = write_batch(be, 7, 2, n, err, sizeof(err))) != 0)
		fail("write: %d %s", r, err);
	snprintf(bufs[0], 1024,
		 "{\"event\":\"exec\"," T
		 ",\"pid\":200,\"tid\":200,\"ppid\":1,\"comm\":\"a\\u0000b\","
		 "\"exe\":null,\"argv\":[\"a\"],\"key\":\"" K "200\"}",
		 12);
	lines[0] = bufs[0];
	n = decode(lines, 1);
	if ((r = write_batch(be, 7, 3, n, err, sizeof(err))) != 0)
		fail("write of a \\u0000 line: %d %s", r, err);
	q_eq("SELECT concat_ws(',', first_us, exit_us IS NULL, comm, exe IS NULL, argv) FROM "
	     "processes WHERE key LIKE '%:200'",
	     "1767323045000010,t,a,t,[\"a\"]", "fork, a thread's exit, an exec without exe");
	q_eq("SELECT data->>'comm' FROM events WHERE key LIKE '%:200' AND event = 'exec'",
	     "a\xef\xbf\xbd"
	     "b",
	     "\\u0000 in jsonb");
	printf("ok: processes: a thread's exit is not the process's; an exec's unknown exe is "
	       "unknown; \\u0000 reaches jsonb as U+FFFD\n");

	/* ---- the server goes away mid-session: transient; back: written once ---- */
	proc_lines(bufs, lines, 300, 20);
	n = decode(lines, 3);
	if (system(stop_cmd) != 0)
		fail("%s", stop_cmd);
	r = write_batch(be, 7, 4, n, err, sizeof(err));
	if (r != -ENOTCONN && r != -EIO && r != -ECONNRESET)
		fail("write with the server down: %d (%s), not -ENOTCONN", r, err);
	pt_db_pg.disconnect(be);
	r = pt_db_pg.connect(be, err, sizeof(err));
	if (r != -ECONNREFUSED)
		fail("connect with the server down: %d (%s), not -ECONNREFUSED", r, err);
	if (system(start_cmd) != 0)
		fail("%s", start_cmd);
	PQfinish(check);
	check = NULL;
	q_eq("SELECT count(*) FROM events WHERE key LIKE '%:300'", "0", "the lost batch");
	if ((r = pt_db_pg.connect(be, err, sizeof(err))) != 0)
		fail("reconnect: %d %s", r, err);
	if ((r = write_batch(be, 7, 4, n, err, sizeof(err))) != 0)
		fail("the batch again: %d %s", r, err);
	if ((r = write_batch(be, 7, 4, n, err, sizeof(err))) != 1)
		fail("the batch a third time: %d, not 1", r);
	q_eq("SELECT count(*) FROM events WHERE key LIKE '%:300'", "3", "the batch, once");
	printf("ok: server stopped: -ENOTCONN, connect refused; started: the batch once\n");

	/* ---- retention: this host's old rows only ---- */
	{
		struct pt_sink_conf c = conf(true, true);
		void *br;

		c.retention_ms = 1000;
		if (pt_db_pg.create(&br, &c, &env_b, err, sizeof(err)) < 0 ||
		    pt_db_pg.connect(br, err, sizeof(err)) < 0)
			fail("retention backend: %s", err);
		/* now: 2026-01-02T03:04:06.001Z, 1 s of retention: host-b's rows (03:04:05.0000xx) go */
		if ((r = pt_db_pg.housekeep(br, 1767323046001, err, sizeof(err))) != 0)
			fail("housekeep: %d %s", r, err);
		q_eq("SELECT count(*) FROM events WHERE host = 'host-b'", "0", "host-b's events");
		q_eq("SELECT count(*) FROM execs WHERE host = 'host-b'", "0", "host-b's execs");
		q_eq("SELECT count(*) FROM processes WHERE host = 'host-b'", "0", "processes");
		q_eq("SELECT count(*) > 0 FROM events WHERE host = 'host-a'", "t", "host-a's");
		pt_db_pg.destroy(br);
	}
	printf("ok: retention deletes this host's old rows, not another host's\n");

	/* ---- the schema: checked, not created when told not to; versions ---- */
	pt_db_pg.destroy(be2);
	pt_db_pg.destroy(be);
	be = open_be(true, false, &env_a, 0, err, sizeof(err));
	pt_db_pg.destroy(be);
	q("DROP VIEW v_lost");
	be = open_be(true, false, &env_a, -ENOENT, err, sizeof(err));
	if (!strstr(err, "v_lost"))
		fail("the missing view is not named: %s", err);
	pt_db_pg.destroy(be);
	be = open_be(true, true, &env_a, 0, err, sizeof(err));
	q_eq("SELECT to_regclass('v_lost') IS NOT NULL", "t", "v_lost created again");
	pt_db_pg.destroy(be);
	q("UPDATE meta SET value = '3' WHERE name = 'schema_version'");
	be = open_be(true, true, &env_a, -EPROTO, err, sizeof(err));
	if (!strstr(err, "schema version is 3"))
		fail("a newer schema is not told: %s", err);
	pt_db_pg.destroy(be);
	q("UPDATE meta SET value = '2' WHERE name = 'schema_version'");
	printf("ok: --no-create-schema names what is missing; a newer schema version is refused\n");

	/* ---- a table dropped under a running sink: transient, and created again ---- */
	be = open_be(true, true, &env_a, 0, err, sizeof(err));
	q("DROP TABLE execs CASCADE");
	proc_lines(bufs, lines, 400, 30);
	n = decode(lines, 3);
	r = write_batch(be, 7, 5, n, err, sizeof(err));
	if (r != -ENOTCONN)
		fail("write to a dropped table: %d (%s), not -ENOTCONN", r, err);
	pt_db_pg.disconnect(be);
	if ((r = pt_db_pg.connect(be, err, sizeof(err))) != 0)
		fail("reconnect: %d %s", r, err);
	if ((r = write_batch(be, 7, 5, n, err, sizeof(err))) != 0)
		fail("write after the schema came back: %d %s", r, err);
	q_eq("SELECT count(*) FROM v_exec_history WHERE key LIKE '%:400'", "1", "the exec");
	pt_db_pg.destroy(be);
	printf("ok: a dropped table: the batch is spooled (-ENOTCONN), reconnecting recreates "
	       "it\n");
}

static void bad_inputs(void)
{
	struct pt_sink_conf c = conf(true, true);
	char err[256] = "", pf[512];
	void *be;
	FILE *f;
	int r;

	c.target = (char *)"host=/tmp port=nonsense= dbname";
	r = pt_db_pg.create(&be, &c, &env_a, err, sizeof(err));
	if (r != -EINVAL || !strstr(err, "bad conninfo"))
		fail("a bad conninfo: %d %s", r, err);
	c.target = (char *)"postgresql://a:b@/db?nonsense=1";
	r = pt_db_pg.create(&be, &c, &env_a, err, sizeof(err));
	if (r != -EINVAL || !strstr(err, "nonsense"))
		fail("a bad URI: %d %s", r, err);
	printf("ok: a bad conninfo or URI is an error at create, with libpq's reason\n");

	snprintf(pf, sizeof(pf), "%s.wrong", pwfile);
	f = fopen(pf, "w");
	if (!f)
		fail("%s", pf);
	fprintf(f, "not-the-password-XYZZY\r\nsecond line\n");
	fclose(f);
	c = conf(true, true);
	c.password_file = pf;
	if ((r = pt_db_pg.create(&be, &c, &env_a, err, sizeof(err))) < 0)
		fail("create: %s", err);
	r = pt_db_pg.connect(be, err, sizeof(err));
	if (r != -ECONNREFUSED || !strstr(err, "password authentication failed"))
		fail("a wrong password: %d %s", r, err);
	if (strstr(err, "XYZZY"))
		fail("the password is in the message: %s", err);
	pt_db_pg.destroy(be);
	printf("ok: a wrong password: transient, told, and not repeated\n");
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s CONNINFO PASSWORD_FILE STOP_CMD START_CMD\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(077); /* libpq ignores a passfile others can read */
	conninfo = argv[1];
	pwfile = argv[2];
	bad_inputs();
	run(argv[3], argv[4]);
	PQfinish(check);
	for (size_t i = 0; i < MAXROWS; i++)
		pt_db_decoder_free(decs[i]);
	return 0;
}

#else

int main(void)
{
	printf("SKIP: built without libpq\n");
	return 77;
}

#endif
