/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PostgreSQL backend (sink-db.h), with libpq.
 *
 * The target is a libpq conninfo or URI, parsed (PQconninfoParse) at open so
 * that a bad one is an error at start. The password comes from
 * c->password_file when given (passed as the password keyword, never put in a
 * string anyone sees), else from libpq's own PGPASSWORD, PGPASSFILE, ~/.pgpass.
 * A connect waits at most connect_timeout (5 s unless the conninfo or
 * PGCONNECT_TIMEOUT says otherwise), on the sink's thread only.
 *
 * On connect the tables and views are checked, and what is missing is created
 * from contrib/sql/proctrail-pg.sql, embedded at build time (sink-pg-schema.h,
 * generated), unless c->create_schema is false.
 *
 * A batch, in one transaction:
 *   BEGIN; INSERT INTO batches ... ON CONFLICT DO NOTHING   (0 rows: rollback, 1)
 *   events, execs: COPY ... FROM STDIN (text format), or multi-row INSERTs
 *   processes: the batch's events folded in C into one row per key, into the
 *     temporary table pt_stage (COPY or INSERT), then one UPDATE of the rows
 *     that exist and one INSERT ... ON CONFLICT DO NOTHING of the new ones
 *     (ON CONFLICT DO UPDATE cannot take two rows of one key in a statement)
 *   COMMIT
 * A connection lost on the way is -ENOTCONN: the layer spools the batch and
 * reconnects; the batch id makes a batch whose commit got through a no-op.
 */
#include <errno.h>
#include <stdio.h>

#include "sink-db.h"

#if HAVE_LIBPQ

#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink-pg.h"
#include "sink-pg-schema.h" /* generated: pg_schema_sql[], contrib/sql/proctrail-pg.sql */

#define PG_CONNECT_TIMEOUT "5"
#define PG_PARAMS_MAX 65535 /* the protocol's limit of parameters in one statement */
#define PG_COPY_CHUNK (256u << 10)
#define PG_DELETE_CHUNK 10000
#define PG_HOUSEKEEP_BUDGET_MS 2000

static const char *const pg_relations[] = {
	"meta",		  "batches",	   "processes",	     "execs",	       "events", "alerts",
	"v_exec_history", "v_short_lived", "v_process_tree", "v_top_spawners", "v_lost",
};

/* Schema version 2: the container columns of processes and execs, in this order. */
#define CTR_COLS "container_id,container_name,container_image,k8s_pod_name,k8s_ns_name"

/* One process's row, folded from a batch's events. */
struct pm {
	const char *key, *parent_key, *comm, *exe, *cmdline, *argv;
	const char *ctr[5]; /* container_id, _name, _image, k8s_pod_name, k8s_ns_name */
	int64_t pid, ppid, first_us, exit_us, uid, euid, gid, egid, exit_code, signal;
	double duration_ms;
	bool core_dumped, has_exec;
};

/* A table being written: by COPY, or by INSERTs of as many rows as fit. */
struct tw {
	const char *table, *cols;
	unsigned ncols;
	size_t rows; /* in the pending INSERT */
	unsigned col; /* columns in the current row */
	int err;
};

struct pg {
	pt_log_fn log;
	void *log_data;
	char *host;
	PQconninfoOption *opts;
	char *password;
	bool create_schema, copy;
	int64_t retention_ms;
	PGconn *conn;

	struct pt_pgbuf buf; /* COPY data, or the INSERT parameters' text */
	struct pt_pgbuf sql; /* an INSERT's text */
	struct pt_pgbuf json; /* a line made fit for jsonb */
	size_t *offs; /* INSERT: each parameter's offset in buf, SIZE_MAX for null */
	const char **params;
	size_t nparams;
	char cached_sql_table[16];
	size_t cached_sql_rows;

	struct pm *pms;
	size_t pms_cap, npm;
	uint32_t *hash; /* index + 1 into pms, 0 empty */
	size_t hash_cap;
};

static void __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* one line */
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	for (size_t l = strlen(err); l > 0 && err[l - 1] == ' '; l--)
		err[l - 1] = '\0';
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- open ---- */

static int read_password(const char *path, const struct pt_sink_env *env, char **out, char *err,
			 size_t errlen)
{
	char buf[1024];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		int e = errno;

		set_err(err, errlen, "password file %s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		env->log(PT_LOG_WARNING,
			 "pg: the password file is readable by others than its owner (chmod 600)",
			 env->log_data);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		int e = errno;

		set_err(err, errlen, "password file %s: %s", path, strerror(e));
		return -e;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		set_err(err, errlen, "password file %s: no password on its first line", path);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *out ? 0 : -ENOMEM;
}

static void pg_destroy(void *be)
{
	struct pg *pg = be;

	if (!pg)
		return;
	if (pg->conn)
		PQfinish(pg->conn);
	if (pg->password) {
		explicit_bzero(pg->password, strlen(pg->password));
		free(pg->password);
	}
	if (pg->opts)
		PQconninfoFree(pg->opts);
	free(pg->host);
	pt_pgbuf_free(&pg->buf);
	pt_pgbuf_free(&pg->sql);
	pt_pgbuf_free(&pg->json);
	free(pg->offs);
	free(pg->params);
	free(pg->pms);
	free(pg->hash);
	free(pg);
}

static int pg_create(void **out, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	char *msg = NULL;
	struct pg *pg;
	int r;

	*out = NULL;
	pg = calloc(1, sizeof(*pg));
	if (!pg)
		return -ENOMEM;
	pg->log = env->log;
	pg->log_data = env->log_data;
	pg->create_schema = c->create_schema;
	pg->copy = c->pg_copy;
	pg->retention_ms = c->retention_ms;
	pg->host = strdup(env->host ? env->host : "");
	if (!pg->host) {
		pg_destroy(pg);
		return -ENOMEM;
	}
	pg->opts = PQconninfoParse(c->target ? c->target : "", &msg);
	if (!pg->opts) {
		/* libpq's message, which never repeats a password */
		set_err(err, errlen, "bad conninfo: %s", msg ? msg : "out of memory");
		r = msg ? -EINVAL : -ENOMEM;
		PQfreemem(msg);
		pg_destroy(pg);
		return r;
	}
	if (c->password_file) {
		r = read_password(c->password_file, env, &pg->password, err, errlen);
		if (r < 0) {
			pg_destroy(pg);
			return r;
		}
	}
	*out = pg;
	return 0;
}

/* ---- results ---- */

/*
 * A failed statement: its message in err, and what it means for the batch.
 * -ENOTCONN: the connection is gone (or the tables are: reconnecting creates
 * them); -EAGAIN, -ETIMEDOUT: worth trying again later; other -errno: this
 * batch cannot be written.
 */
static int pg_fail(struct pg *pg, const PGresult *res, const char *what, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : "";

	if (!msg || !*msg)
		msg = PQerrorMessage(pg->conn);
	set_err(err, errlen, "%s: %s", what, msg && *msg ? msg : "failed");
	if (PQstatus(pg->conn) == CONNECTION_BAD)
		return -ENOTCONN;
	if (!state)
		return -EIO;
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
		return -ENOTCONN; /* connection exception, server shutting down */
	if (!strcmp(state, "42P01"))
		return -ENOTCONN; /* a table was dropped: a reconnect checks the schema */
	if (!strcmp(state, "57014"))
		return -ETIMEDOUT; /* statement_timeout */
	if (!strncmp(state, "53", 2) || !strncmp(state, "40", 2) || !strcmp(state, "55P03"))
		return -EAGAIN; /* disk full, out of memory, deadlock, serialization, lock */
	if (!strcmp(state, "42501"))
		return -EACCES;
	return -EINVAL;
}

/* Run sql, expecting status; 0 or pg_fail(). */
static int pg_exec(struct pg *pg, const char *sql, ExecStatusType status, const char *what,
		   char *err, size_t errlen)
{
	PGresult *res = PQexec(pg->conn, sql);
	int r = 0;

	if (PQresultStatus(res) != status)
		r = pg_fail(pg, res, what, err, errlen);
	PQclear(res);
	return r;
}

static void pg_rollback(struct pg *pg)
{
	if (pg->conn && PQstatus(pg->conn) == CONNECTION_OK &&
	    PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
}

/* ---- connect ---- */

static void pg_notice(void *data, const char *msg)
{
	struct pg *pg = data;
	char line[512];

	/* NOTICEs ("relation ... already exists, skipping") are no news */
	if (!strncmp(msg, "NOTICE:", 7) || !strncmp(msg, "DEBUG:", 6) || !strncmp(msg, "INFO:", 5))
		return;
	set_err(line, sizeof(line), "pg: %s", msg);
	pg->log(PT_LOG_WARNING, line, pg->log_data);
}

/* The relations of the schema that are missing, comma-separated, in buf ("" when none). */
static int schema_missing(struct pg *pg, char *buf, size_t len, char *err, size_t errlen)
{
	char sql[1024] = "SELECT c FROM unnest(ARRAY[";
	PGresult *res;
	size_t off = 0;
	int r = 0;

	for (size_t i = 0; i < sizeof(pg_relations) / sizeof(pg_relations[0]); i++) {
		strcat(sql, i ? ",'" : "'");
		strcat(sql, pg_relations[i]);
		strcat(sql, "'");
	}
	strcat(sql, "]) AS c WHERE to_regclass(c) IS NULL");
	res = PQexec(pg->conn, sql);
	buf[0] = '\0';
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(pg, res, "checking the schema", err, errlen);
	} else {
		for (int i = 0; i < PQntuples(res); i++) {
			int n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					 PQgetvalue(res, i, 0));

			if (n < 0 || (size_t)n >= len - off)
				break;
			off += (size_t)n;
		}
	}
	PQclear(res);
	return r;
}

/* 0 at this proctrail's version; -EPROTO otherwise, *older set when the
 * database's is older (the schema file migrates it). */
static int schema_version(struct pg *pg, bool *older, char *err, size_t errlen)
{
	PGresult *res = PQexec(pg->conn, "SELECT value FROM meta WHERE name = 'schema_version'");
	long v;
	int r = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg_fail(pg, res, "reading the schema version", err, errlen);
	} else if (PQntuples(res) != 1) {
		set_err(err, errlen, "the table meta has no schema_version");
		r = -EPROTO;
	} else {
		v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		*older = v < PT_DB_SCHEMA_VERSION;
		if (v != PT_DB_SCHEMA_VERSION) {
			set_err(err, errlen,
				"the database's schema version is %s, this proctrail's %d%s",
				PQgetvalue(res, 0, 0), PT_DB_SCHEMA_VERSION,
				v > PT_DB_SCHEMA_VERSION ? ": upgrade proctrail"
					: pg->create_schema
					? ""
					: ": migrate it with psql -f proctrail-pg.sql");
			r = -EPROTO;
		}
	}
	PQclear(res);
	return r;
}

static int pg_schema(struct pg *pg, char *err, size_t errlen)
{
	char missing[512];
	bool older = false;
	int r = schema_missing(pg, missing, sizeof(missing), err, errlen);

	if (r < 0)
		return r;
	if (!missing[0] && schema_version(pg, &older, err, errlen) < 0 && older &&
	    pg->create_schema) {
		/* an older schema: the file migrates it (ADD COLUMN IF NOT EXISTS...) */
		r = pg_exec(pg, pg_schema_sql, PGRES_COMMAND_OK, "migrating the schema", err,
			    errlen);
		if (r < 0) {
			pg_rollback(pg);
			return r;
		}
	}
	if (missing[0] && !pg->create_schema) {
		set_err(err, errlen,
			"missing in the database: %s (not created: db_create_schema = no, "
			"--no-create-schema); create them with psql -f proctrail-pg.sql",
			missing);
		return -ENOENT;
	}
	if (missing[0]) {
		r = pg_exec(pg, pg_schema_sql, PGRES_COMMAND_OK, "creating the schema", err,
			    errlen);
		if (r < 0) {
			pg_rollback(pg);
			return r;
		}
		r = schema_missing(pg, missing, sizeof(missing), err, errlen);
		if (r < 0)
			return r;
		if (missing[0]) {
			set_err(err, errlen, "still missing after creating the schema: %s",
				missing);
			return -ENOENT;
		}
	}
	r = schema_version(pg, &older, err, errlen);
	if (r < 0)
		return r;
	/* the batch's folded processes rows, per connection */
	return pg_exec(pg,
		       "CREATE TEMPORARY TABLE IF NOT EXISTS pt_stage ("
		       "host text, key text, pid integer, ppid integer, parent_key text, "
		       "first_us bigint, exit_us bigint, comm text, exe text, cmdline text, "
		       "argv text, uid bigint, euid bigint, gid bigint, egid bigint, "
		       "exit_code integer, signal integer, core_dumped boolean, "
		       "duration_ms double precision, container_id text, container_name text, "
		       "container_image text, k8s_pod_name text, k8s_ns_name text, "
		       "has_exec boolean) ON COMMIT DELETE ROWS",
		       PGRES_COMMAND_OK, "creating pt_stage", err, errlen);
}

static void pg_disconnect(void *be)
{
	struct pg *pg = be;

	if (pg->conn)
		PQfinish(pg->conn);
	pg->conn = NULL;
}

static bool has_opt(const struct pg *pg, const char *kw)
{
	for (const PQconninfoOption *o = pg->opts; o->keyword; o++)
		if (!strcmp(o->keyword, kw) && o->val && *o->val)
			return true;
	return false;
}

static int pg_connect(void *be, char *err, size_t errlen)
{
	struct pg *pg = be;
	const char *kw[64], *val[64];
	size_t n = 0;
	int r;

	pg_disconnect(pg);
	for (const PQconninfoOption *o = pg->opts; o->keyword && n < 58; o++) {
		if (!o->val || (pg->password && !strcmp(o->keyword, "password")))
			continue;
		if (!strcmp(o->keyword, "client_encoding"))
			continue; /* the rows are UTF-8 */
		kw[n] = o->keyword;
		val[n++] = o->val;
	}
	if (pg->password) {
		kw[n] = "password";
		val[n++] = pg->password;
	}
	if (!has_opt(pg, "connect_timeout") && !getenv("PGCONNECT_TIMEOUT")) {
		kw[n] = "connect_timeout";
		val[n++] = PG_CONNECT_TIMEOUT;
	}
	kw[n] = "client_encoding";
	val[n++] = "UTF8";
	kw[n] = "fallback_application_name";
	val[n++] = "proctrail";
	kw[n] = NULL;
	val[n] = NULL;

	pg->conn = PQconnectdbParams(kw, val, 0);
	if (!pg->conn) {
		set_err(err, errlen, "connect: out of memory");
		return -ENOMEM;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		set_err(err, errlen, "connect: %s", PQerrorMessage(pg->conn));
		pg_disconnect(pg);
		return -ECONNREFUSED;
	}
	PQsetNoticeProcessor(pg->conn, pg_notice, pg);
	r = pg_schema(pg, err, errlen);
	if (r < 0)
		pg_disconnect(pg);
	return r;
}

/* ---- writing rows ---- */

static void tw_init(struct pg *pg, struct tw *t, const char *table, const char *cols,
		    unsigned ncols)
{
	*t = (struct tw){.table = table, .cols = cols, .ncols = ncols};
	pg->buf.len = 0;
	pg->buf.nomem = false;
	pg->nparams = 0;
}

static int tw_begin(struct pg *pg, struct tw *t, char *err, size_t errlen)
{
	char sql[512];
	PGresult *res;

	if (!pg->copy)
		return 0;
	snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", t->table, t->cols);
	res = PQexec(pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		t->err = pg_fail(pg, res, t->table, err, errlen);
	PQclear(res);
	return t->err;
}

/* INSERT: one parameter more, its text appended to buf with its NUL (NULL: null) */
static void ins_param(struct pg *pg, const char *s, size_t len)
{
	if (pg->nparams == PG_PARAMS_MAX)
		return; /* cannot happen: rows are sent before */
	if (!pg->offs) {
		pg->offs = malloc(PG_PARAMS_MAX * sizeof(*pg->offs));
		pg->params = malloc(PG_PARAMS_MAX * sizeof(*pg->params));
		if (!pg->offs || !pg->params) {
			pg->buf.nomem = true;
			return;
		}
	}
	if (!s) {
		pg->offs[pg->nparams++] = SIZE_MAX;
		return;
	}
	pg->offs[pg->nparams++] = pg->buf.len;
	pt_pgbuf_put(&pg->buf, s, len);
	pt_pgbuf_put(&pg->buf, "", 1);
}

static void col_str(struct pg *pg, struct tw *t, const char *s)
{
	if (pg->copy) {
		if (t->col)
			pt_pgbuf_put(&pg->buf, "\t", 1);
		pt_pg_copy_text(&pg->buf, s, s ? strlen(s) : 0);
	} else {
		ins_param(pg, s, s ? strlen(s) : 0);
	}
	t->col++;
}

static void col_raw(struct pg *pg, struct tw *t, const char *s, size_t len)
{
	if (pg->copy) {
		if (t->col)
			pt_pgbuf_put(&pg->buf, "\t", 1);
		pt_pg_copy_text(&pg->buf, s, len);
	} else {
		ins_param(pg, s, len);
	}
	t->col++;
}

static void col_i64(struct pg *pg, struct tw *t, int64_t v, bool present)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	col_raw(pg, t, present ? num : NULL, (size_t)n);
}

static void col_id(struct pg *pg, struct tw *t, int64_t v)
{
	col_i64(pg, t, v, v >= 0);
}

static void col_bool(struct pg *pg, struct tw *t, bool v)
{
	col_raw(pg, t, v ? "t" : "f", 1);
}

static void col_f64(struct pg *pg, struct tw *t, double v, bool present)
{
	char num[40];
	int n = snprintf(num, sizeof(num), "%.17g", v);

	col_raw(pg, t, present ? num : NULL, (size_t)n);
}

/* The text of an INSERT of rows rows into t. */
static int ins_sql(struct pg *pg, struct tw *t, size_t rows)
{
	char num[24];
	unsigned p = 1;

	if (pg->cached_sql_rows == rows && !strcmp(pg->cached_sql_table, t->table))
		return 0;
	pg->sql.len = 0;
	pg->sql.nomem = false;
	pt_pgbuf_put(&pg->sql, "INSERT INTO ", 12);
	pt_pgbuf_put(&pg->sql, t->table, strlen(t->table));
	pt_pgbuf_put(&pg->sql, " (", 2);
	pt_pgbuf_put(&pg->sql, t->cols, strlen(t->cols));
	pt_pgbuf_put(&pg->sql, ") VALUES ", 9);
	for (size_t r = 0; r < rows; r++) {
		pt_pgbuf_put(&pg->sql, r ? ",(" : "(", r ? 2 : 1);
		for (unsigned c = 0; c < t->ncols; c++) {
			int n = snprintf(num, sizeof(num), "%s$%u", c ? "," : "", p++);

			pt_pgbuf_put(&pg->sql, num, (size_t)n);
		}
		pt_pgbuf_put(&pg->sql, ")", 1);
	}
	pt_pgbuf_put(&pg->sql, "", 1);
	if (pg->sql.nomem) {
		pg->cached_sql_rows = 0;
		return -ENOMEM;
	}
	pg->cached_sql_rows = rows;
	snprintf(pg->cached_sql_table, sizeof(pg->cached_sql_table), "%s", t->table);
	return 0;
}

/* Send what is pending: COPY data, or an INSERT of the rows so far. */
static int tw_send(struct pg *pg, struct tw *t, char *err, size_t errlen)
{
	PGresult *res;

	if (t->err)
		return t->err;
	if (pg->buf.nomem) {
		set_err(err, errlen, "%s: out of memory", t->table);
		return t->err = -ENOMEM;
	}
	if (pg->copy) {
		if (pg->buf.len && PQputCopyData(pg->conn, pg->buf.p, (int)pg->buf.len) != 1)
			return t->err = pg_fail(pg, NULL, t->table, err, errlen);
		pg->buf.len = 0;
		return 0;
	}
	if (!t->rows)
		return 0;
	if (ins_sql(pg, t, t->rows) < 0) {
		set_err(err, errlen, "%s: out of memory", t->table);
		return t->err = -ENOMEM;
	}
	for (size_t i = 0; i < pg->nparams; i++)
		pg->params[i] = pg->offs[i] == SIZE_MAX ? NULL : pg->buf.p + pg->offs[i];
	res = PQexecParams(pg->conn, pg->sql.p, (int)pg->nparams, NULL, pg->params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		t->err = pg_fail(pg, res, t->table, err, errlen);
	PQclear(res);
	pg->buf.len = 0;
	pg->nparams = 0;
	t->rows = 0;
	return t->err;
}

static int tw_row_end(struct pg *pg, struct tw *t, char *err, size_t errlen)
{
	t->col = 0;
	if (pg->copy) {
		pt_pgbuf_put(&pg->buf, "\n", 1);
		if (pg->buf.len >= PG_COPY_CHUNK)
			return tw_send(pg, t, err, errlen);
		return t->err;
	}
	t->rows++;
	if ((t->rows + 1) * t->ncols > PG_PARAMS_MAX)
		return tw_send(pg, t, err, errlen);
	return t->err;
}

static int tw_end(struct pg *pg, struct tw *t, char *err, size_t errlen)
{
	PGresult *res;
	int r = tw_send(pg, t, err, errlen);

	if (!pg->copy)
		return r;
	if (PQputCopyEnd(pg->conn, r < 0 ? "proctrail: batch abandoned" : NULL) != 1)
		return r < 0 ? r : pg_fail(pg, NULL, t->table, err, errlen);
	while ((res = PQgetResult(pg->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && r == 0)
			r = pg_fail(pg, res, t->table, err, errlen);
		PQclear(res);
	}
	return r;
}

/* A line fit for jsonb: \u0000 made \ufffd. */
static void col_json(struct pg *pg, struct tw *t, const struct pt_db_row *row)
{
	if (row->json_len >= 6 && memmem(row->json, row->json_len, "u0000", 5) &&
	    pt_pg_json_fix(&pg->json, row->json, row->json_len)) {
		if (pg->json.nomem)
			pg->buf.nomem = true;
		col_raw(pg, t, pg->json.p, pg->json.len);
		return;
	}
	col_raw(pg, t, row->json, row->json_len);
}

static int write_events(struct pg *pg, const struct pt_db_row *rows, size_t n, char *err,
			size_t errlen)
{
	size_t k = 0;
	struct tw t;

	for (size_t i = 0; i < n; i++)
		k += !rows[i].alert;
	if (!k)
		return 0;
	tw_init(pg, &t, "events", "host,time_us,event,key,pid,tid,ppid,data", 8);
	if (tw_begin(pg, &t, err, errlen) < 0)
		return t.err;
	for (size_t i = 0; i < n && !t.err; i++) {
		const struct pt_db_row *r = &rows[i];

		if (r->alert)
			continue;
		col_str(pg, &t, pg->host);
		col_i64(pg, &t, r->time_us, true);
		col_str(pg, &t, r->event);
		col_str(pg, &t, r->key);
		col_id(pg, &t, r->pid);
		col_id(pg, &t, r->tid);
		col_id(pg, &t, r->ppid);
		col_json(pg, &t, r);
		tw_row_end(pg, &t, err, errlen);
	}
	return tw_end(pg, &t, err, errlen);
}

/* The alert lines: a row of alerts each (data: the line, as jsonb). */
static int write_alerts(struct pg *pg, const struct pt_db_row *rows, size_t n, char *err,
			size_t errlen)
{
	size_t k = 0;
	struct tw t;

	for (size_t i = 0; i < n; i++)
		k += rows[i].alert;
	if (!k)
		return 0;
	tw_init(pg, &t, "alerts", "host,time_us,key,rule,priority,output,data", 7);
	if (tw_begin(pg, &t, err, errlen) < 0)
		return t.err;
	for (size_t i = 0; i < n && !t.err; i++) {
		const struct pt_db_row *r = &rows[i];

		if (!r->alert)
			continue;
		col_str(pg, &t, pg->host);
		col_i64(pg, &t, r->time_us, true);
		col_str(pg, &t, r->key);
		col_str(pg, &t, r->rule);
		col_str(pg, &t, r->priority);
		col_str(pg, &t, r->output);
		col_json(pg, &t, r);
		tw_row_end(pg, &t, err, errlen);
	}
	return tw_end(pg, &t, err, errlen);
}

static int write_execs(struct pg *pg, const struct pt_db_row *rows, size_t n, char *err,
		       size_t errlen)
{
	size_t k = 0;
	struct tw t;

	for (size_t i = 0; i < n; i++)
		k += rows[i].type == PT_EV_EXEC;
	if (!k)
		return 0;
	tw_init(pg, &t, "execs",
		"host,key,time_us,pid,ppid,parent_key,comm,exe,cmdline,argv,argv_truncated,"
		"uid,euid,gid,egid," CTR_COLS,
		20);
	if (tw_begin(pg, &t, err, errlen) < 0)
		return t.err;
	for (size_t i = 0; i < n && !t.err; i++) {
		const struct pt_db_row *r = &rows[i];

		if (r->type != PT_EV_EXEC)
			continue;
		col_str(pg, &t, pg->host);
		col_str(pg, &t, r->key);
		col_i64(pg, &t, r->time_us, true);
		col_id(pg, &t, r->pid);
		col_id(pg, &t, r->ppid);
		col_str(pg, &t, r->parent_key);
		col_str(pg, &t, r->comm);
		col_str(pg, &t, r->exe);
		col_str(pg, &t, r->cmdline);
		col_str(pg, &t, r->argv);
		col_bool(pg, &t, r->argv_truncated);
		col_id(pg, &t, r->uid);
		col_id(pg, &t, r->euid);
		col_id(pg, &t, r->gid);
		col_id(pg, &t, r->egid);
		col_str(pg, &t, r->container_id);
		col_str(pg, &t, r->container_name);
		col_str(pg, &t, r->container_image);
		col_str(pg, &t, r->k8s_pod_name);
		col_str(pg, &t, r->k8s_ns_name);
		tw_row_end(pg, &t, err, errlen);
	}
	return tw_end(pg, &t, err, errlen);
}

/* ---- processes: the batch folded into one row per key ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct pm *pm_get(struct pg *pg, const char *key, bool *fresh)
{
	size_t mask = pg->hash_cap - 1, i = hash_str(key) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t v = pg->hash[i];

		if (!v)
			break;
		if (!strcmp(pg->pms[v - 1].key, key)) {
			*fresh = false;
			return &pg->pms[v - 1];
		}
	}
	pg->hash[i] = (uint32_t)++pg->npm;
	*fresh = true;
	return &pg->pms[pg->npm - 1];
}

static void str_set(const char **dst, const char *v)
{
	if (v)
		*dst = v;
}

static void id_set(int64_t *dst, int64_t v)
{
	if (v >= 0)
		*dst = v;
}

static void pm_fold(struct pm *p, const struct pt_db_row *r, bool fresh)
{
	if (fresh) {
		*p = (struct pm){.key = r->key,
				 .parent_key = r->parent_key,
				 .pid = r->pid,
				 .ppid = r->ppid,
				 .first_us = r->time_us,
				 .exit_us = -1,
				 .comm = r->comm,
				 .exe = r->exe,
				 .cmdline = r->cmdline,
				 .argv = r->argv,
				 .uid = r->uid,
				 .euid = r->euid,
				 .gid = r->gid,
				 .egid = r->egid,
				 .exit_code = -1,
				 .signal = -1,
				 .duration_ms = -1};
	} else {
		id_set(&p->pid, r->pid);
		id_set(&p->ppid, r->ppid);
		if (!p->parent_key)
			p->parent_key = r->parent_key;
		if (r->time_us < p->first_us)
			p->first_us = r->time_us;
	}
	if (r->type == PT_EV_EXEC) {
		/* an exec sets what it knows, and unknown is unknown */
		p->has_exec = true;
		p->comm = r->comm;
		p->exe = r->exe;
		p->cmdline = r->cmdline;
		p->argv = r->argv;
		p->uid = r->uid;
		p->euid = r->euid;
		p->gid = r->gid;
		p->egid = r->egid;
	} else if (!fresh) {
		str_set(&p->comm, r->comm);
		str_set(&p->exe, r->exe);
		str_set(&p->cmdline, r->cmdline);
		str_set(&p->argv, r->argv);
		id_set(&p->uid, r->uid);
		id_set(&p->euid, r->euid);
		id_set(&p->gid, r->gid);
		id_set(&p->egid, r->egid);
	}
	/* the container where fork or exec tells it (exec's is the newer: a
	 * runtime moves the process between the two) */
	if (r->container_id && (fresh || r->type == PT_EV_FORK || r->type == PT_EV_EXEC)) {
		p->ctr[0] = r->container_id;
		p->ctr[1] = r->container_name;
		p->ctr[2] = r->container_image;
		p->ctr[3] = r->k8s_pod_name;
		p->ctr[4] = r->k8s_ns_name;
	}
	/* a thread's exit is not its process's */
	if (r->type == PT_EV_EXIT && !r->thread) {
		p->exit_us = r->time_us;
		p->exit_code = r->exit_code;
		p->signal = r->signal;
		p->core_dumped = r->core_dumped;
		p->duration_ms = r->duration_ms;
	}
}

static int fold(struct pg *pg, const struct pt_db_row *rows, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	if (n > pg->pms_cap) {
		struct pm *p = realloc(pg->pms, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		pg->pms = p;
		pg->pms_cap = n;
	}
	if (cap > pg->hash_cap) {
		uint32_t *h = realloc(pg->hash, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		pg->hash = h;
		pg->hash_cap = cap;
	}
	memset(pg->hash, 0, pg->hash_cap * sizeof(*pg->hash));
	pg->npm = 0;
	for (size_t i = 0; i < n; i++) {
		bool fresh = false;
		struct pm *p;

		if (!rows[i].key || rows[i].type == PT_EV_LOST || rows[i].alert)
			continue;
		p = pm_get(pg, rows[i].key, &fresh);
		pm_fold(p, &rows[i], fresh);
	}
	return 0;
}

/* clang-format off */
#define PM_COLS "host,key,pid,ppid,parent_key,first_us,exit_us,comm,exe,cmdline,argv,uid,euid," \
		"gid,egid,exit_code,signal,core_dumped,duration_ms," CTR_COLS
#define PM_KEEP(c) "COALESCE(EXCLUDED." #c ", p." #c ")"
#define PM_EXIT(c) "CASE WHEN EXCLUDED.exit_us IS NULL THEN p." #c " ELSE EXCLUDED." #c " END"
/* the folded rows of pt_stage matching cond into processes */
#define PM_UPSERT(cond, comm, exe, cmdline, argv, uid, euid, gid, egid) \
	"INSERT INTO processes AS p (" PM_COLS ") SELECT " PM_COLS " FROM pt_stage" \
	" WHERE " cond " ON CONFLICT (host, key) DO UPDATE SET" \
	" pid = " PM_KEEP(pid) ", ppid = " PM_KEEP(ppid) \
	", parent_key = COALESCE(p.parent_key, EXCLUDED.parent_key)" \
	", first_us = LEAST(p.first_us, EXCLUDED.first_us)" \
	", comm = " comm ", exe = " exe ", cmdline = " cmdline ", argv = " argv \
	", uid = " uid ", euid = " euid ", gid = " gid ", egid = " egid \
	", exit_us = " PM_KEEP(exit_us) ", exit_code = " PM_EXIT(exit_code) \
	", signal = " PM_EXIT(signal) ", core_dumped = " PM_EXIT(core_dumped) \
	", duration_ms = " PM_EXIT(duration_ms) \
	", container_id = " PM_KEEP(container_id) ", container_name = " PM_KEEP(container_name) \
	", container_image = " PM_KEEP(container_image) \
	", k8s_pod_name = " PM_KEEP(k8s_pod_name) ", k8s_ns_name = " PM_KEEP(k8s_ns_name)
/* clang-format on */

static int write_processes(struct pg *pg, const struct pt_db_row *rows, size_t n, char *err,
			   size_t errlen)
{
	struct tw t;
	int r = fold(pg, rows, n);

	if (r < 0) {
		set_err(err, errlen, "processes: out of memory");
		return r;
	}
	if (!pg->npm)
		return 0;
	tw_init(pg, &t, "pt_stage",
		"host,key,pid,ppid,parent_key,first_us,exit_us,comm,exe,cmdline,argv,uid,euid,"
		"gid,egid,exit_code,signal,core_dumped,duration_ms," CTR_COLS ",has_exec",
		25);
	if (tw_begin(pg, &t, err, errlen) < 0)
		return t.err;
	for (size_t i = 0; i < pg->npm && !t.err; i++) {
		const struct pm *p = &pg->pms[i];
		bool exited = p->exit_us >= 0;

		col_str(pg, &t, pg->host);
		col_str(pg, &t, p->key);
		col_id(pg, &t, p->pid);
		col_id(pg, &t, p->ppid);
		col_str(pg, &t, p->parent_key);
		col_i64(pg, &t, p->first_us, true);
		col_id(pg, &t, p->exit_us);
		col_str(pg, &t, p->comm);
		col_str(pg, &t, p->exe);
		col_str(pg, &t, p->cmdline);
		col_str(pg, &t, p->argv);
		col_id(pg, &t, p->uid);
		col_id(pg, &t, p->euid);
		col_id(pg, &t, p->gid);
		col_id(pg, &t, p->egid);
		col_i64(pg, &t, p->exit_code, exited && p->exit_code >= 0);
		col_i64(pg, &t, p->signal, exited && p->signal >= 0);
		col_raw(pg, &t, exited ? (p->core_dumped ? "t" : "f") : NULL, 1);
		col_f64(pg, &t, p->duration_ms, exited && p->duration_ms >= 0);
		for (size_t c = 0; c < 5; c++)
			col_str(pg, &t, p->ctr[c]);
		col_bool(pg, &t, p->has_exec);
		tw_row_end(pg, &t, err, errlen);
	}
	r = tw_end(pg, &t, err, errlen);
	if (r < 0)
		return r;
	/*
	 * Upserts through the primary key, never a join the planner could make a
	 * scan of the whole table. The keys with an exec in the batch take its
	 * values as they are (unknown is unknown); the others keep what they do not
	 * know. Each key is in one statement only; both go in one round trip.
	 */
	return pg_exec(pg,
		       PM_UPSERT("has_exec", "EXCLUDED.comm", "EXCLUDED.exe", "EXCLUDED.cmdline",
				 "EXCLUDED.argv", "EXCLUDED.uid", "EXCLUDED.euid", "EXCLUDED.gid",
				 "EXCLUDED.egid") "; " PM_UPSERT("NOT has_exec", PM_KEEP(comm),
								 PM_KEEP(exe), PM_KEEP(cmdline),
								 PM_KEEP(argv), PM_KEEP(uid),
								 PM_KEEP(euid), PM_KEEP(gid),
								 PM_KEEP(egid)),
		       PGRES_COMMAND_OK, "processes", err, errlen);
}

/* ---- a batch ---- */

/* BEGIN and the batch's row: 0, 1 when the batch is there already, -errno. */
static int begin_batch(struct pg *pg, int64_t session, uint64_t seq, size_t n, char *err,
		       size_t errlen)
{
	char s_session[24], s_seq[24], s_rows[24], s_time[24];
	const char *params[5] = {pg->host, s_session, s_seq, s_rows, s_time};
	struct timespec ts;
	PGresult *res;
	int r;

	r = pg_exec(pg, "BEGIN", PGRES_COMMAND_OK, "BEGIN", err, errlen);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(s_session, sizeof(s_session), "%" PRId64, session);
	snprintf(s_seq, sizeof(s_seq), "%" PRIu64, seq);
	snprintf(s_rows, sizeof(s_rows), "%zu", n);
	snprintf(s_time, sizeof(s_time), "%" PRId64,
		 (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	res = PQexecParams(pg->conn,
			   "INSERT INTO batches (host, session, seq, rows, time_us) "
			   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
			   5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(pg, res, "batches", err, errlen);
	else if (!strcmp(PQcmdTuples(res), "0"))
		r = 1;
	PQclear(res);
	return r;
}

static int pg_write(void *be, int64_t session, uint64_t seq, const struct pt_db_row *rows, size_t n,
		    char *err, size_t errlen)
{
	struct pg *pg = be;
	int r;

	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		set_err(err, errlen, "not connected");
		return -ENOTCONN;
	}
	r = begin_batch(pg, session, seq, n, err, errlen);
	if (r == 0)
		r = write_events(pg, rows, n, err, errlen);
	if (r == 0)
		r = write_alerts(pg, rows, n, err, errlen);
	if (r == 0)
		r = write_execs(pg, rows, n, err, errlen);
	if (r == 0)
		r = write_processes(pg, rows, n, err, errlen);
	if (r == 0)
		r = pg_exec(pg, "COMMIT", PGRES_COMMAND_OK, "COMMIT", err, errlen);
	if (r != 0)
		pg_rollback(pg);
	return r;
}

/* ---- retention ---- */

static int pg_housekeep(void *be, int64_t now_ms, char *err, size_t errlen)
{
	static const char *const del[][2] = {
		{"events", "time_us"},	  {"execs", "time_us"},	  {"alerts", "time_us"},
		{"processes", "exit_us"}, {"batches", "time_us"},
	};
	struct pg *pg = be;
	char sql[512], cutoff[24];
	const char *params[2] = {pg->host, cutoff};
	int64_t start = mono_ms();

	if (pg->retention_ms <= 0 || !pg->conn)
		return 0;
	snprintf(cutoff, sizeof(cutoff), "%" PRId64, (now_ms - pg->retention_ms) * 1000);
	for (size_t i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
		/* in chunks, so that no delete holds the sink for long */
		snprintf(sql, sizeof(sql),
			 "DELETE FROM %s WHERE ctid = ANY(ARRAY(SELECT ctid FROM %s "
			 "WHERE host = $1 AND %s < $2 LIMIT %d))",
			 del[i][0], del[i][0], del[i][1], PG_DELETE_CHUNK);
		for (;;) {
			PGresult *res = PQexecParams(pg->conn, sql, 2, NULL, params, NULL, NULL, 0);
			long done;

			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				int r = pg_fail(pg, res, "retention", err, errlen);

				PQclear(res);
				return r;
			}
			done = strtol(PQcmdTuples(res), NULL, 10);
			PQclear(res);
			if (done < PG_DELETE_CHUNK)
				break;
			if (mono_ms() - start > PG_HOUSEKEEP_BUDGET_MS)
				return 0; /* the rest at the next call */
		}
	}
	return 0;
}

const struct pt_db_backend pt_db_pg = {
	.name = "pg",
	.create = pg_create,
	.connect = pg_connect,
	.write = pg_write,
	.housekeep = pg_housekeep,
	.disconnect = pg_disconnect,
	.destroy = pg_destroy,
};

static int pg_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		   char *err, size_t errlen)
{
	return pt_db_open(&pt_db_pg, state, c, env, err, errlen);
}

#else /* !HAVE_LIBPQ */

const struct pt_db_backend pt_db_pg = {.name = "pg"};

static int pg_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		   char *err, size_t errlen)
{
	(void)c, (void)env;
	*state = NULL;
	snprintf(err, errlen, "built without libpq: no PostgreSQL sink");
	return -ENOTSUP;
}

#endif

const struct pt_sink_ops pt_sink_pg_ops = {
	.type = PT_SINK_PG,
	.open = pg_open,
	.write = pt_db_write,
	.flush = pt_db_flush,
	.reopen = pt_db_reopen,
	.tick = pt_db_tick,
	.close = pt_db_close,
	.status = pt_db_status,
};
