/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQLite backend (sink-db.h): the daemon's default history database.
 *
 * - WAL: `proctrail history` and sqlite3 read while the sink writes, and a
 *   reader never blocks the writer.
 * - synchronous=NORMAL: in WAL mode a commit is then durable against a crash
 *   of the process (kill -9) and never corrupts the database; only a power
 *   loss or an OS crash can take the batches committed since the last
 *   checkpoint. FULL would fsync the WAL at every batch, which is the sink's
 *   whole cost on a busy host; the history is not worth that.
 * - One transaction per batch, with its row in batches: a batch whose id is
 *   there is not written again (replayed from the spool).
 * - busy_timeout: a reader's checkpoint or a sqlite3 shell holding a write lock
 *   makes the write wait that long at most, then the batch spools (-EBUSY).
 * - The schema's version is PRAGMA user_version; the steps below migrate an
 *   older database in order, in one transaction.
 * - Retention by age and by size from housekeep (the layer calls it at most
 *   once a minute), in bounded chunks so that a write is never held long.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink-db.h"
#include "sink-sqlite.h"

#define BUSY_TIMEOUT_MS 2000
#define CHUNK 5000 /* rows per retention DELETE */
#define CHUNKS_MAX 200 /* per housekeep and table */

/* ISO 8601 text of a time_us column, as the JSON lines write it. */
#define ISO(c)                                                                                \
	"(strftime('%Y-%m-%dT%H:%M:%S', " c " / 1000000, 'unixepoch') || printf('.%06dZ', " c \
	" % 1000000))"

/* Version 1: the schema of sink-db.h, its views, and the indexes the history
 * queries and retention use, and no more: each index costs every insert (six
 * more, on uid, comm, pid and first_us of processes, execs' parent_key and
 * events' key, cost 12% of the sink's CPU in a replay of 60000 events). From
 * an empty database, or a pre-release one that has some of these tables. */
static const char step1[] =
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);\n"
	"CREATE TABLE IF NOT EXISTS batches (host TEXT NOT NULL, session INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, rows INTEGER NOT NULL, time_us INTEGER NOT NULL,"
	" PRIMARY KEY (host, session, seq));\n"
	"CREATE TABLE IF NOT EXISTS processes (host TEXT NOT NULL, key TEXT NOT NULL,"
	" pid INTEGER, ppid INTEGER, parent_key TEXT, first_us INTEGER, exit_us INTEGER,"
	" comm TEXT, exe TEXT, cmdline TEXT, argv TEXT, uid INTEGER, euid INTEGER, gid INTEGER,"
	" egid INTEGER, exit_code INTEGER, signal INTEGER, core_dumped INTEGER, duration_ms REAL,"
	" PRIMARY KEY (host, key));\n"
	"CREATE TABLE IF NOT EXISTS execs (host TEXT NOT NULL, key TEXT,"
	" time_us INTEGER NOT NULL, pid INTEGER, ppid INTEGER, parent_key TEXT, comm TEXT,"
	" exe TEXT, cmdline TEXT, argv TEXT, argv_truncated INTEGER, uid INTEGER, euid INTEGER,"
	" gid INTEGER, egid INTEGER);\n"
	"CREATE TABLE IF NOT EXISTS events (host TEXT NOT NULL, time_us INTEGER NOT NULL,"
	" event TEXT NOT NULL, key TEXT, pid INTEGER, tid INTEGER, ppid INTEGER,"
	" data TEXT NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS alerts (host TEXT NOT NULL, time_us INTEGER NOT NULL,"
	" key TEXT, rule TEXT, priority TEXT, output TEXT, data TEXT);\n"
	"CREATE INDEX IF NOT EXISTS batches_time ON batches (time_us);\n"
	"CREATE INDEX IF NOT EXISTS processes_parent ON processes (parent_key);\n"
	"CREATE INDEX IF NOT EXISTS processes_last ON processes (coalesce(exit_us, first_us));\n"
	"CREATE INDEX IF NOT EXISTS processes_duration ON processes (duration_ms)"
	" WHERE duration_ms IS NOT NULL;\n"
	"CREATE INDEX IF NOT EXISTS execs_time ON execs (time_us);\n"
	"CREATE INDEX IF NOT EXISTS execs_key ON execs (key, time_us);\n"
	"CREATE INDEX IF NOT EXISTS execs_comm ON execs (comm, time_us);\n"
	"CREATE INDEX IF NOT EXISTS execs_uid ON execs (uid, time_us);\n"
	"CREATE INDEX IF NOT EXISTS execs_pid ON execs (pid);\n"
	"CREATE INDEX IF NOT EXISTS events_time ON events (time_us);\n"
	"CREATE INDEX IF NOT EXISTS events_lost ON events (time_us) WHERE event = 'lost';\n"
	"CREATE INDEX IF NOT EXISTS alerts_time ON alerts (time_us);\n"
	/* the parent's command line at the exec: its last exec before, else (it
	 * never exec'ed as far as we know) what its first sighting showed */
	"DROP VIEW IF EXISTS v_exec_history;\n"
	"CREATE VIEW v_exec_history AS SELECT e.host, " ISO(
		"e.time_us") " AS time, e.time_us,"
			     " e.key, e.pid, e.ppid, e.parent_key, e.comm, e.exe, e.cmdline, "
			     "e.argv,"
			     " e.argv_truncated, e.uid, e.euid, e.gid, e.egid,"
			     " coalesce((SELECT pe.cmdline FROM execs pe WHERE pe.host = e.host"
			     " AND pe.key = e.parent_key AND pe.time_us <= e.time_us ORDER BY "
			     "pe.time_us DESC LIMIT 1),"
			     " (SELECT pp.cmdline FROM processes pp WHERE pp.host = e.host AND "
			     "pp.key = e.parent_key"
			     " AND NOT EXISTS (SELECT 1 FROM execs px WHERE px.host = pp.host AND "
			     "px.key = pp.key)))"
			     " AS parent_cmdline FROM execs e;\n"
			     "DROP VIEW IF EXISTS v_short_lived;\n"
			     "CREATE VIEW v_short_lived AS SELECT host, " ISO(
				     "first_us") " AS time, first_us,"
						 " " ISO("exit_us") " AS exit_time, exit_us, key, "
								    "pid, ppid, parent_key, comm, "
								    "exe,"
								    " cmdline, uid, exit_code, "
								    "signal, duration_ms FROM "
								    "processes"
								    " WHERE duration_ms IS NOT "
								    "NULL ORDER BY duration_ms;\n"
								    "DROP VIEW IF EXISTS "
								    "v_process_tree;\n"
								    "CREATE VIEW v_process_tree AS "
								    "WITH RECURSIVE t(host, key, "
								    "ancestor_key, depth) AS ("
								    " SELECT host, key, "
								    "parent_key, 1 FROM processes "
								    "WHERE parent_key IS NOT NULL"
								    " UNION ALL SELECT t.host, "
								    "t.key, p.parent_key, t.depth "
								    "+ 1 FROM t JOIN processes p"
								    " ON p.host = t.host AND p.key "
								    "= t.ancestor_key"
								    " WHERE p.parent_key IS NOT "
								    "NULL AND t.depth < 4096)"
								    " SELECT host, key, "
								    "ancestor_key, depth FROM t;\n"
								    "DROP VIEW IF EXISTS "
								    "v_top_spawners;\n"
								    "CREATE VIEW v_top_spawners AS "
								    "SELECT c.host, c.parent_key,"
								    " strftime('%Y-%m-%dT%H:%M:00Z'"
								    ", c.first_us / 1000000, "
								    "'unixepoch') AS minute,"
								    " count(*) AS children, "
								    "(SELECT p.comm FROM processes "
								    "p WHERE p.host = c.host"
								    " AND p.key = c.parent_key) AS "
								    "parent_comm FROM processes c"
								    " WHERE c.parent_key IS NOT "
								    "NULL AND c.first_us IS NOT "
								    "NULL"
								    " GROUP BY c.host, "
								    "c.parent_key, minute ORDER BY "
								    "children DESC;\n"
								    "DROP VIEW IF EXISTS v_lost;\n"
								    "CREATE VIEW v_lost AS SELECT "
								    "host, " ISO(
									    "time_us") " AS time, "
										       "time_us,"
										       " json_"
										       "extract("
										       "data, "
										       "'$.count') "
										       "AS count, "
										       "json_"
										       "extract("
										       "data, "
										       "'$.reason')"
										       " AS reason,"
										       " json_"
										       "extract("
										       "data, "
										       "'$."
										       "estimated')"
										       " AS "
										       "estimated "
										       "FROM "
										       "events "
										       "WHERE "
										       "event = "
										       "'lost';\n";

/* Version 2 (issue 13): the container and the pod of processes and execs, and
 * v_exec_history and v_short_lived showing them. A partial index: host rows
 * cost it nothing. */
/* clang-format off */
static const char step2[] =
	"ALTER TABLE processes ADD COLUMN container_id TEXT;\n"
	"ALTER TABLE processes ADD COLUMN container_name TEXT;\n"
	"ALTER TABLE processes ADD COLUMN container_image TEXT;\n"
	"ALTER TABLE processes ADD COLUMN k8s_pod_name TEXT;\n"
	"ALTER TABLE processes ADD COLUMN k8s_ns_name TEXT;\n"
	"ALTER TABLE execs ADD COLUMN container_id TEXT;\n"
	"ALTER TABLE execs ADD COLUMN container_name TEXT;\n"
	"ALTER TABLE execs ADD COLUMN container_image TEXT;\n"
	"ALTER TABLE execs ADD COLUMN k8s_pod_name TEXT;\n"
	"ALTER TABLE execs ADD COLUMN k8s_ns_name TEXT;\n"
	"CREATE INDEX IF NOT EXISTS execs_container ON execs (container_id, time_us)"
	" WHERE container_id IS NOT NULL AND container_id <> 'host';\n"
	"DROP VIEW IF EXISTS v_exec_history;\n"
	"CREATE VIEW v_exec_history AS SELECT e.host, " ISO("e.time_us") " AS time, e.time_us,"
	" e.key, e.pid, e.ppid, e.parent_key, e.comm, e.exe, e.cmdline, e.argv,"
	" e.argv_truncated, e.uid, e.euid, e.gid, e.egid,"
	" coalesce((SELECT pe.cmdline FROM execs pe WHERE pe.host = e.host"
	" AND pe.key = e.parent_key AND pe.time_us <= e.time_us ORDER BY pe.time_us DESC LIMIT 1),"
	" (SELECT pp.cmdline FROM processes pp WHERE pp.host = e.host AND pp.key = e.parent_key"
	" AND NOT EXISTS (SELECT 1 FROM execs px WHERE px.host = pp.host AND px.key = pp.key)))"
	" AS parent_cmdline, e.container_id, e.container_name, e.container_image,"
	" e.k8s_pod_name, e.k8s_ns_name FROM execs e;\n"
	"DROP VIEW IF EXISTS v_short_lived;\n"
	"CREATE VIEW v_short_lived AS SELECT host, " ISO("first_us") " AS time, first_us, "
	ISO("exit_us") " AS exit_time, exit_us, key, pid, ppid, parent_key, comm, exe, cmdline,"
	" uid, exit_code, signal, duration_ms, container_id, container_name, container_image,"
	" k8s_pod_name, k8s_ns_name FROM processes WHERE duration_ms IS NOT NULL"
	" ORDER BY duration_ms;\n";
/* clang-format on */

const struct pt_sqlite_step pt_sqlite_steps[] = {
	{1, step1},
	{2, step2},
};
const size_t pt_sqlite_nsteps = sizeof(pt_sqlite_steps) / sizeof(pt_sqlite_steps[0]);

int pt_sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_IOERR:
		return -EIO;
	default:
		return -EPROTO;
	}
}

static int sq_fail(sqlite3 *db, int rc, const char *what, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return pt_sqlite_errno(rc) ? pt_sqlite_errno(rc) : -EIO;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_fail(db, rc, "sqlite", err, errlen);
}

static int64_t pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int pt_sqlite_migrate(sqlite3 *db, const struct pt_sqlite_step *steps, size_t n, int target,
		      char *err, size_t errlen)
{
	char sql[320];
	int64_t v;
	int r;

	v = pragma_int(db, "PRAGMA user_version");
	if (v < 0)
		return sq_fail(db, sqlite3_errcode(db), "reading the schema version", err, errlen);
	if (v > target) {
		snprintf(err, errlen,
			 "the database's schema version %" PRId64
			 " is newer than this proctrail's (%d)",
			 v, target);
		return -EPROTO;
	}
	if (v == target)
		return 0;
	r = exec(db, "BEGIN IMMEDIATE", err, errlen);
	if (r < 0)
		return r;
	/* again under the write lock: another writer may have migrated meanwhile */
	v = pragma_int(db, "PRAGMA user_version");
	for (size_t i = 0; i < n && r == 0; i++) {
		if (steps[i].to <= v || steps[i].to > target)
			continue;
		r = exec(db, steps[i].sql, err, errlen);
		if (r < 0) {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "migrating to version %d: %s", steps[i].to, why);
		}
	}
	if (r == 0) {
		snprintf(sql, sizeof(sql),
			 "PRAGMA user_version = %d; INSERT OR REPLACE INTO meta VALUES "
			 "('schema_version', '%d'); INSERT OR IGNORE INTO meta VALUES "
			 "('created', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'));",
			 target, target);
		r = exec(db, sql, err, errlen);
	}
	if (r == 0)
		r = exec(db, "COMMIT", err, errlen);
	if (r < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* ---- the backend ---- */

enum {
	S_BATCH,
	S_EVENT,
	S_EXEC,
	/* processes: one upsert per event, by what the event changes */
	S_SEEN,
	S_FORK,
	S_EXEC_PROC,
	S_EXIT,
	S_COMM,
	S_UID,
	S_GID,
	S_ALERT,
	S_COUNT,
};

/* A first sighting inserts the process as the event shows it; a process
 * already there gets what the event changes. */
#define UPSERT                                                                               \
	"INSERT INTO processes (host, key, pid, ppid, parent_key, first_us, comm, exe,"      \
	" cmdline, argv, uid, euid, gid, egid, exit_us, exit_code, signal, core_dumped,"     \
	" duration_ms, container_id, container_name, container_image, k8s_pod_name,"         \
	" k8s_ns_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14," \
	" ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24) ON CONFLICT (host, key) DO "
/* fork and exec: the container where the event tells it (exec's is the newer) */
#define SET_CTR                                                                   \
	", container_id = coalesce(excluded.container_id, container_id),"         \
	" container_name = coalesce(excluded.container_name, container_name),"    \
	" container_image = coalesce(excluded.container_image, container_image)," \
	" k8s_pod_name = coalesce(excluded.k8s_pod_name, k8s_pod_name),"          \
	" k8s_ns_name = coalesce(excluded.k8s_ns_name, k8s_ns_name)"

static const char *const stmt_sql[S_COUNT] = {
	[S_BATCH] = "INSERT INTO batches (host, session, seq, rows, time_us) VALUES (?1, ?2, ?3, "
		    "?4, ?5)",
	[S_EVENT] = "INSERT INTO events (host, time_us, event, key, pid, tid, ppid, data)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_EXEC] =
		"INSERT INTO execs (host, key, time_us, pid, ppid, parent_key, comm, exe, cmdline,"
		" argv, argv_truncated, uid, euid, gid, egid, container_id, container_name,"
		" container_image, k8s_pod_name, k8s_ns_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	[S_SEEN] = UPSERT "NOTHING",
	[S_FORK] = UPSERT "UPDATE SET first_us = excluded.first_us, pid = excluded.pid,"
			  " ppid = excluded.ppid,"
			  " parent_key = coalesce(excluded.parent_key, parent_key)" SET_CTR,
	[S_EXEC_PROC] = UPSERT
	"UPDATE SET comm = excluded.comm, exe = excluded.exe,"
	" cmdline = excluded.cmdline, argv = excluded.argv,"
	" uid = coalesce(excluded.uid, uid), euid = coalesce(excluded.euid, euid),"
	" gid = coalesce(excluded.gid, gid), egid = coalesce(excluded.egid, egid)" SET_CTR,
	[S_EXIT] = UPSERT "UPDATE SET exit_us = excluded.exit_us, exit_code = excluded.exit_code,"
			  " signal = excluded.signal, core_dumped = excluded.core_dumped,"
			  " duration_ms = excluded.duration_ms",
	[S_COMM] = UPSERT "UPDATE SET comm = coalesce(excluded.comm, comm)",
	[S_UID] = UPSERT "UPDATE SET uid = excluded.uid, euid = excluded.euid",
	[S_GID] = UPSERT "UPDATE SET gid = excluded.gid, egid = excluded.egid",
	[S_ALERT] = "INSERT INTO alerts (host, time_us, key, rule, priority, output, data)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
};

struct sq {
	char *path, *host;
	bool create_schema;
	int64_t retention_ms;
	uint64_t max_size;
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
};

static void sq_disconnect(void *be)
{
	struct sq *s = be;

	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	sqlite3_close_v2(s->db);
	s->db = NULL;
}

static void sq_destroy(void *be)
{
	struct sq *s = be;

	if (!s)
		return;
	sq_disconnect(s);
	free(s->path);
	free(s->host);
	free(s);
}

static int sq_create(void **be, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		     char *err, size_t errlen)
{
	struct sq *s;

	if (!c->target || !c->target[0]) {
		snprintf(err, errlen, "--sqlite: no path");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->path = strdup(c->target);
	s->host = strdup(env->host ? env->host : "");
	if (!s->path || !s->host) {
		sq_destroy(s);
		return -ENOMEM;
	}
	s->create_schema = c->create_schema;
	s->retention_ms = c->retention_ms;
	s->max_size = c->db_max_size;
	*be = s;
	return 0;
}

static int sq_connect(void *be, char *err, size_t errlen)
{
	struct sq *s = be;
	int rc, r, fd;
	int64_t v;

	/* the history holds command lines: not world-readable (the WAL and shm
	 * files take the database file's mode) */
	fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--sqlite %s: %s", s->path, strerror(errno));
		return r;
	}
	close(fd);
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = sq_fail(s->db, rc, s->path, err, errlen);
		sq_disconnect(s);
		return r;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	/* auto_vacuum only takes before the first table: a new database */
	v = pragma_int(s->db, "PRAGMA page_count");
	if (v < 0) {
		r = sq_fail(s->db, sqlite3_errcode(s->db), s->path, err, errlen);
		goto fail;
	}
	if (v == 0 && s->create_schema &&
	    (r = exec(s->db, "PRAGMA auto_vacuum = INCREMENTAL", err, errlen)) < 0)
		goto fail;
	if ((r = exec(s->db, "PRAGMA journal_mode = WAL", err, errlen)) < 0 ||
	    (r = exec(s->db, "PRAGMA synchronous = NORMAL", err, errlen)) < 0)
		goto fail;
	if (!s->create_schema) {
		v = pragma_int(s->db, "PRAGMA user_version");
		if (v != PT_DB_SCHEMA_VERSION) {
			snprintf(err, errlen,
				 "%s: schema version %" PRId64
				 ", not %d, and not told to create it",
				 s->path, v, PT_DB_SCHEMA_VERSION);
			r = -ENOENT;
			goto fail;
		}
	} else if ((r = pt_sqlite_migrate(s->db, pt_sqlite_steps, pt_sqlite_nsteps,
					  PT_DB_SCHEMA_VERSION, err, errlen)) < 0) {
		goto fail;
	}
	for (int i = 0; i < S_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&s->st[i], NULL);
		if (rc != SQLITE_OK) {
			r = sq_fail(s->db, rc, "preparing", err, errlen);
			goto fail;
		}
	}
	return 0;
fail:
	sq_disconnect(s);
	return r;
}

/* ---- binding ---- */

static void b_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void b_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The five container columns, from parameter i on. */
static void b_ctr(sqlite3_stmt *st, int i, const struct pt_db_row *w)
{
	b_text(st, i, w->container_id);
	b_text(st, i + 1, w->container_name);
	b_text(st, i + 2, w->container_image);
	b_text(st, i + 3, w->k8s_pod_name);
	b_text(st, i + 4, w->k8s_ns_name);
}

static void b_key(struct sq *s, sqlite3_stmt *st, const struct pt_db_row *w)
{
	sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->key, -1, SQLITE_STATIC);
}

static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int put_event(struct sq *s, const struct pt_db_row *w)
{
	sqlite3_stmt *st = s->st[S_EVENT];

	sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->time_us);
	b_text(st, 3, w->event);
	b_text(st, 4, w->key);
	b_int(st, 5, w->pid);
	b_int(st, 6, w->tid);
	b_int(st, 7, w->ppid);
	sqlite3_bind_text(st, 8, w->json, (int)w->json_len, SQLITE_STATIC);
	return run(st);
}

/* An alert line: its row of alerts, and nothing else. */
static int put_alert(struct sq *s, const struct pt_db_row *w)
{
	sqlite3_stmt *st = s->st[S_ALERT];

	sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, w->time_us);
	b_text(st, 3, w->key);
	b_text(st, 4, w->rule);
	b_text(st, 5, w->priority);
	b_text(st, 6, w->output);
	sqlite3_bind_text(st, 7, w->json, (int)w->json_len, SQLITE_STATIC);
	return run(st);
}

/* The process row an event shows: which statement says what it changes. */
static int put_proc(struct sq *s, int which, const struct pt_db_row *w)
{
	sqlite3_stmt *st = s->st[which];
	int64_t first = w->time_us;
	bool exit = which == S_EXIT;

	if (exit && w->duration_ms >= 0)
		first = w->time_us - (int64_t)(w->duration_ms * 1000);
	b_key(s, st, w);
	b_int(st, 3, w->pid);
	b_int(st, 4, w->ppid);
	b_text(st, 5, w->parent_key);
	sqlite3_bind_int64(st, 6, first);
	b_text(st, 7, w->comm);
	b_text(st, 8, w->exe);
	b_text(st, 9, w->cmdline);
	b_text(st, 10, w->argv);
	b_int(st, 11, w->uid);
	b_int(st, 12, w->euid);
	b_int(st, 13, w->gid);
	b_int(st, 14, w->egid);
	b_ctr(st, 20, w);
	if (exit) {
		sqlite3_bind_int64(st, 15, w->time_us);
		b_int(st, 16, w->exit_code);
		b_int(st, 17, w->signal);
		sqlite3_bind_int(st, 18, w->core_dumped);
		if (w->duration_ms >= 0)
			sqlite3_bind_double(st, 19, w->duration_ms);
	}
	return run(st);
}

static int put_exec_row(struct sq *s, const struct pt_db_row *w)
{
	sqlite3_stmt *st = s->st[S_EXEC];

	sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
	b_text(st, 2, w->key);
	sqlite3_bind_int64(st, 3, w->time_us);
	b_int(st, 4, w->pid);
	b_int(st, 5, w->ppid);
	b_text(st, 6, w->parent_key);
	b_text(st, 7, w->comm);
	b_text(st, 8, w->exe);
	b_text(st, 9, w->cmdline);
	b_text(st, 10, w->argv);
	sqlite3_bind_int(st, 11, w->argv_truncated);
	b_int(st, 12, w->uid);
	b_int(st, 13, w->euid);
	b_int(st, 14, w->gid);
	b_int(st, 15, w->egid);
	b_ctr(st, 16, w);
	return run(st);
}

/* One event's rows: events always; processes and execs for a process's events. */
static int put_row(struct sq *s, const struct pt_db_row *w)
{
	int rc, which;

	if (w->alert)
		return put_alert(s, w);
	if ((rc = put_event(s, w)) != SQLITE_OK)
		return rc;
	if (w->type == PT_EV_LOST)
		return SQLITE_OK;
	/* no key (its start time was not read): an exec is history all the same,
	 * but there is no process row to keep */
	if (!w->key)
		return w->type == PT_EV_EXEC ? put_exec_row(s, w) : SQLITE_OK;
	switch (w->type) {
	case PT_EV_FORK:
		which = w->thread ? S_SEEN : S_FORK;
		break;
	case PT_EV_EXEC:
		which = S_EXEC_PROC;
		break;
	case PT_EV_EXIT:
		which = w->thread ? S_SEEN : S_EXIT;
		break;
	case PT_EV_COMM:
		which = S_COMM;
		break;
	case PT_EV_UID:
		which = S_UID;
		break;
	case PT_EV_GID:
		which = S_GID;
		break;
	default:
		which = S_SEEN;
		break;
	}
	if ((rc = put_proc(s, which, w)) != SQLITE_OK)
		return rc;
	return w->type == PT_EV_EXEC ? put_exec_row(s, w) : SQLITE_OK;
}

static int sq_write(void *be, int64_t session, uint64_t seq, const struct pt_db_row *rows, size_t n,
		    char *err, size_t errlen)
{
	struct sq *s = be;
	sqlite3_stmt *st;
	int rc, r;

	if (!s->db)
		return -ENOTCONN;
	if ((r = exec(s->db, "BEGIN IMMEDIATE", err, errlen)) < 0)
		return r;
	st = s->st[S_BATCH];
	sqlite3_bind_text(st, 1, s->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	sqlite3_bind_int64(st, 3, (int64_t)seq);
	sqlite3_bind_int64(st, 4, (int64_t)n);
	sqlite3_bind_int64(st, 5, n ? rows[n - 1].time_us : 0);
	rc = run(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return 1;
	}
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
		rc = put_row(s, &rows[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = sq_fail(s->db, rc, "writing a batch", err, errlen);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	return 0;
}

/* ---- retention ---- */

static const char *const age_sql[] = {
	"DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE time_us < ?1 LIMIT ?2)",
	"DELETE FROM execs WHERE rowid IN (SELECT rowid FROM execs WHERE time_us < ?1 LIMIT ?2)",
	"DELETE FROM processes WHERE rowid IN (SELECT rowid FROM processes"
	" WHERE coalesce(exit_us, first_us) < ?1 LIMIT ?2)",
	"DELETE FROM batches WHERE rowid IN (SELECT rowid FROM batches WHERE time_us < ?1 LIMIT "
	"?2)",
	"DELETE FROM alerts WHERE rowid IN (SELECT rowid FROM alerts WHERE time_us < ?1 LIMIT ?2)",
};

/* Delete what is older than cutoff_us, up to max_chunks chunks of each table,
 * one transaction per chunk. Rows deleted, or -errno. */
static int64_t delete_older(struct sq *s, int64_t cutoff_us, int max_chunks, char *err,
			    size_t errlen)
{
	int64_t total = 0;
	sqlite3_stmt *st;
	int rc, changes;

	for (size_t t = 0; t < sizeof(age_sql) / sizeof(age_sql[0]); t++) {
		rc = sqlite3_prepare_v2(s->db, age_sql[t], -1, &st, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(s->db, rc, "retention", err, errlen);
		for (int i = 0; i < max_chunks; i++) {
			sqlite3_bind_int64(st, 1, cutoff_us);
			sqlite3_bind_int(st, 2, CHUNK);
			rc = sqlite3_step(st);
			sqlite3_reset(st);
			if (rc != SQLITE_DONE) {
				sqlite3_finalize(st);
				return sq_fail(s->db, rc, "retention", err, errlen);
			}
			changes = sqlite3_changes(s->db);
			total += changes;
			if (changes < CHUNK)
				break;
		}
		sqlite3_finalize(st);
	}
	return total;
}

static int64_t db_bytes(struct sq *s)
{
	return pragma_int(s->db, "PRAGMA page_count") * pragma_int(s->db, "PRAGMA page_size");
}

static int by_size(struct sq *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int64_t cutoff, del;
	int rc;

	for (int round = 0; round < CHUNKS_MAX; round++) {
		if (db_bytes(s) <= (int64_t)s->max_size)
			return 0;
		if (pragma_int(s->db, "PRAGMA freelist_count") > 0) {
			rc = sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
			if (rc != SQLITE_OK)
				return sq_fail(s->db, rc, "incremental_vacuum", err, errlen);
			if (db_bytes(s) <= (int64_t)s->max_size)
				return 0;
		}
		/* the oldest tenth of the events (a chunk at most), and what is as
		 * old in the other tables */
		rc = sqlite3_prepare_v2(s->db,
					"SELECT time_us FROM events ORDER BY time_us LIMIT 1 OFFSET"
					" (SELECT min(?1, max(1, count(*) / 10)) FROM events)",
					-1, &st, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(s->db, rc, "retention", err, errlen);
		sqlite3_bind_int(st, 1, CHUNK);
		rc = sqlite3_step(st);
		cutoff = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : INT64_MAX;
		sqlite3_finalize(st);
		del = delete_older(s, cutoff, 1, err, errlen);
		if (del < 0)
			return (int)del;
		rc = sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(s->db, rc, "incremental_vacuum", err, errlen);
		if (!del)
			return 0; /* nothing left to delete: the schema itself */
	}
	return 0;
}

static int sq_housekeep(void *be, int64_t now_ms, char *err, size_t errlen)
{
	struct sq *s = be;
	int64_t r;

	if (!s->db)
		return -ENOTCONN;
	if (s->retention_ms > 0) {
		r = delete_older(s, (now_ms - s->retention_ms) * 1000, CHUNKS_MAX, err, errlen);
		if (r < 0)
			return (int)r;
	}
	if (s->max_size)
		return by_size(s, err, errlen);
	return 0;
}

const struct pt_db_backend pt_db_sqlite = {
	.name = "sqlite",
	.create = sq_create,
	.connect = sq_connect,
	.write = sq_write,
	.housekeep = sq_housekeep,
	.disconnect = sq_disconnect,
	.destroy = sq_destroy,
};

static int sqlite_open(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		       char *err, size_t errlen)
{
	return pt_db_open(&pt_db_sqlite, state, c, env, err, errlen);
}

const struct pt_sink_ops pt_sink_sqlite_ops = {
	.type = PT_SINK_SQLITE,
	.open = sqlite_open,
	.write = pt_db_write,
	.flush = pt_db_flush,
	.reopen = pt_db_reopen,
	.tick = pt_db_tick,
	.close = pt_db_close,
	.status = pt_db_status,
};
