/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctrail history: the common questions about the SQLite history database
 * (sink-sqlite.c) without SQL. The database is opened read-only, so that it
 * works while proctraild writes it (WAL: readers and the writer do not block
 * each other). Every string in it came from a process: text output escapes it
 * (cli-escape.c), JSON output writes it as a JSON string.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "sink-db.h"

#define H_EXIT_FAIL 1
#define H_EXIT_USAGE 2
#define DEFAULT_DB "/var/lib/proctrail/history.db"
#define DEFAULT_SHORT_MS 1000

static const char *const prog = "proctrail history";

struct hist {
	const char *db;
	const char *comm, *cmd, *key, *lineage;
	const char *container; /* --container: id prefix, exact name, or host */
	int64_t uid, pid;
	int64_t since_us, until_us; /* 0: unbounded */
	double short_ms; /* < 0: not asked */
	bool json;
	bool alerts; /* --alerts: the alerts table */
	long long limit; /* 0: all */
};

__attribute__((format(printf, 1, 2))) static void h_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(H_EXIT_USAGE);
}

static void h_usage(FILE *f)
{
	fprintf(f,
		"usage: proctrail history [--db=PATH] [--comm=NAME] [--cmd=GLOB] "
		"[--user=UID|NAME]\n"
		"         [--since=TIME] [--until=TIME] [--key=KEY] [--pid=PID] [--short[=MS]]\n"
		"         [--lineage=KEY] [--container=ID|NAME|host] [--json] [-n N]\n"
		"       proctrail history --alerts [--since=TIME] [--until=TIME] [--key=KEY]\n"
		"         [--json] [-n N]\n"
		"\n"
		"Execs from the history database (proctraild's SQLite sink, or watch --sqlite),\n"
		"oldest first; with -n, the N most recent.\n"
		"  --db=PATH        the database (default $PROCTRAIL_HISTORY, else " DEFAULT_DB
		")\n"
		"  --comm=NAME      the command name, exactly\n"
		"  --cmd=GLOB       the command line matches GLOB (sqlite GLOB: * ? [...])\n"
		"  --user=UID|NAME  run by this user (real uid)\n"
		"  --since=TIME, --until=TIME\n"
		"                   ISO 8601 (2026-12-02T14:03:07Z, 2026-12-02 14:03, local\n"
		"                   time unless Z or +HH:MM) or relative: 30s, 10m, 2h, 1d, 1w "
		"ago\n"
		"  --key=KEY, --pid=PID  one process\n"
		"  --container=ID|NAME|host  in this container (id prefix or exact name),\n"
		"                   or on the host\n"
		"  --short[=MS]     processes that lived under MS milliseconds (default %d),\n"
		"                   by start time, with how long they lived and how they ended\n"
		"  --lineage=KEY    the process's ancestors (oldest first), itself, its children\n"
		"  --alerts         the alerts of rules (--rules, the daemon's rules key)\n"
		"  --json           one JSON object per line\n"
		"  -n N             at most N rows, the most recent\n"
		"See proctrail(1), HISTORY.\n",
		DEFAULT_SHORT_MS);
}

/* ---- arguments ---- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* 30s 10m 2h 1d 1w: that long ago. */
static int parse_relative(const char *s, int64_t now, int64_t *us)
{
	char *end;
	double v;
	int64_t mult;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !end[0] || end[1])
		return -EINVAL;
	switch (end[0]) {
	case 's':
		mult = 1000000;
		break;
	case 'm':
		mult = 60 * 1000000LL;
		break;
	case 'h':
		mult = 3600 * 1000000LL;
		break;
	case 'd':
		mult = 86400 * 1000000LL;
		break;
	case 'w':
		mult = 7 * 86400 * 1000000LL;
		break;
	default:
		return -EINVAL;
	}
	if (v * (double)mult > (double)now)
		return -ERANGE;
	*us = now - (int64_t)(v * (double)mult);
	return 0;
}

/* ISO 8601: a date, a time of day to minutes or seconds with an optional
 * fraction, and Z or an offset; local time without one. */
int cli_history_parse_time(const char *s, int64_t now, int64_t *us)
{
	static const char *const fmts[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
					   "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"};
	struct tm tm;
	const char *rest = NULL;
	int64_t frac = 0, off = 0;
	bool utc = false;
	time_t t;

	if (parse_relative(s, now, us) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]) && !rest; i++) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(s, fmts[i], &tm);
	}
	if (!rest)
		return -EINVAL;
	if (*rest == '.' || *rest == ',') {
		int64_t scale = 100000;

		rest++;
		if (*rest < '0' || *rest > '9')
			return -EINVAL;
		for (; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
			frac += scale * (*rest - '0');
	}
	if (*rest == 'Z' && !rest[1]) {
		utc = true;
	} else if ((*rest == '+' || *rest == '-') && rest[1]) {
		int h, m = 0, n = 0;

		if (sscanf(rest + 1, "%2d:%2d%n", &h, &m, &n) != 2 || rest[1 + n] || h > 23 ||
		    m > 59) {
			n = 0;
			if (sscanf(rest + 1, "%2d%n", &h, &n) != 1 || rest[1 + n] || h > 23)
				return -EINVAL;
			m = 0;
		}
		off = (h * 3600 + m * 60) * (*rest == '-' ? -1 : 1);
		utc = true;
	} else if (*rest) {
		return -EINVAL;
	}
	if (utc) {
		t = timegm(&tm);
		t -= off;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1 || t < 0)
		return -ERANGE;
	*us = (int64_t)t * 1000000 + frac;
	return 0;
}

static int64_t parse_int(const char *what, const char *s, int64_t lo, int64_t hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		h_usage_error("%s: '%s' is not a number in %" PRId64 "..%" PRId64, what, s, lo, hi);
	return v;
}

static int64_t parse_user(const char *s)
{
	struct passwd *pw;

	if (s[0] >= '0' && s[0] <= '9')
		return parse_int("--user", s, 0, UINT32_MAX);
	pw = getpwnam(s);
	if (!pw)
		h_usage_error("--user: no user named '%s' here", s);
	return pw->pw_uid;
}

/* ---- the database ---- */

/* PRAGMA user_version: SQLITE_OK with *v, or the error. */
static int user_version(sqlite3 *db, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * A WAL database that no writer has open (no -wal file) in a directory this
 * user cannot write: SQLite cannot create the -shm file a reader needs, so
 * read it as immutable. A writer that starts meanwhile makes the answer a
 * snapshot, which is all a reader gets anyway.
 */
static int open_immutable(const char *path, sqlite3 **db)
{
	char *uri, *w;
	int rc;

	uri = malloc(strlen(path) * 3 + 32);
	if (!uri)
		return SQLITE_NOMEM;
	w = uri + sprintf(uri, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f)
			w += sprintf(w, "%%%02X", *p);
		else
			*w++ = (char)*p;
	}
	strcpy(w, "?immutable=1");
	sqlite3_close(*db);
	*db = NULL;
	rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	return rc;
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db = NULL;
	struct stat stb;
	char wal[PATH_MAX];
	int64_t v = -1;
	int rc;

	if (stat(path, &stb) < 0) {
		fprintf(stderr,
			"%s: no history database at %s (%s): proctraild writes it with its default "
			"sqlite sink, proctrail watch with --sqlite=%s; or give --db\n",
			prog, path, strerror(errno), path);
		exit(H_EXIT_FAIL);
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = user_version(db, &v);
		if (((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) &&
		    snprintf(wal, sizeof(wal), "%s-wal", path) < (int)sizeof(wal) &&
		    stat(wal, &stb) < 0 && errno == ENOENT) {
			rc = open_immutable(path, &db);
			if (rc == SQLITE_OK)
				rc = user_version(db, &v);
		}
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, path,
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		exit(H_EXIT_FAIL);
	}
	if (v < 1 || v > PT_DB_SCHEMA_VERSION) {
		fprintf(stderr,
			"%s: %s: %s (schema version %" PRId64 ", this proctrail reads %d)\n", prog,
			path,
			v < 1 ? "not a proctrail history database, or not written yet"
			      : "written by a newer proctrail",
			v, PT_DB_SCHEMA_VERSION);
		exit(H_EXIT_FAIL);
	}
	return db;
}

/* ---- output ---- */

enum col { C_TEXT, C_INT, C_BOOL, C_REAL, C_ARGV };

struct out_col {
	const char *name; /* the JSON member; NULL: not in JSON */
	enum col type;
	int width; /* text: padded to this; 0: last column; -1: not in text */
	const char *head;
};

static void print_user(FILE *f, sqlite3_stmt *st, int i, int width)
{
	struct passwd *pw;
	char num[24];

	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		fprintf(f, "%-*s", width, "-");
		return;
	}
	pw = getpwuid((uid_t)sqlite3_column_int64(st, i));
	if (pw) {
		cli_escape_pad(f, pw->pw_name, width);
		return;
	}
	snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, i));
	fprintf(f, "%-*s", width, num);
}

static void text_row(FILE *f, sqlite3_stmt *st, const struct out_col *cols, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		const char *v = (const char *)sqlite3_column_text(st, (int)i);

		if (cols[i].width < 0)
			continue;
		if (!first)
			fputc(' ', f);
		first = false;
		if (strcmp(cols[i].head, "USER") == 0) {
			print_user(f, st, (int)i, cols[i].width);
			continue;
		}
		if (!v)
			v = "-";
		if (cols[i].type == C_REAL && sqlite3_column_type(st, (int)i) != SQLITE_NULL) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%.3f", sqlite3_column_double(st, (int)i));
			fprintf(f, "%*s", cols[i].width, buf);
		} else if (cols[i].width) {
			cli_escape_pad(f, v, cols[i].width);
		} else {
			cli_escape_str(f, v);
		}
	}
	fputc('\n', f);
}

static void text_head(FILE *f, const struct out_col *cols, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (cols[i].width < 0)
			continue;
		if (!first)
			fputc(' ', f);
		first = false;
		if (cols[i].type == C_REAL)
			fprintf(f, "%*s", cols[i].width, cols[i].head);
		else
			fprintf(f, "%-*s", cols[i].width, cols[i].head);
	}
	fputc('\n', f);
}

static void json_row(FILE *f, sqlite3_stmt *st, const struct out_col *cols, size_t n)
{
	bool first = true;

	fputc('{', f);
	for (size_t i = 0; i < n; i++) {
		int t = sqlite3_column_type(st, (int)i);

		if (!cols[i].name)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", cols[i].name);
		first = false;
		if (t == SQLITE_NULL) {
			fputs("null", f);
			continue;
		}
		switch (cols[i].type) {
		case C_INT:
			fprintf(f, "%lld", (long long)sqlite3_column_int64(st, (int)i));
			break;
		case C_BOOL:
			fputs(sqlite3_column_int64(st, (int)i) ? "true" : "false", f);
			break;
		case C_REAL:
			fprintf(f, "%.3f", sqlite3_column_double(st, (int)i));
			break;
		case C_ARGV: {
			/* the stored array, re-checked: the file may not be ours */
			json_t *a =
				json_loads((const char *)sqlite3_column_text(st, (int)i), 0, NULL);
			char *s = json_is_array(a) ? json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII)
						   : NULL;

			fputs(s ? s : "null", f);
			free(s);
			json_decref(a);
			break;
		}
		default:
			cli_json_string(f, (const char *)sqlite3_column_text(st, (int)i));
			break;
		}
	}
	fputs("}\n", f);
}

/* Run st and print its rows. Returns the exit status. */
static int print_rows(const struct hist *h, sqlite3 *db, sqlite3_stmt *st,
		      const struct out_col *cols, size_t n, bool head)
{
	int rc;

	if (!h->json && head)
		text_head(stdout, cols, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->json)
			json_row(stdout, st, cols, n);
		else
			text_row(stdout, st, cols, n);
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "%s: %s: %s\n", prog, h->db, sqlite3_errmsg(db));
		return H_EXIT_FAIL;
	}
	return 0;
}

/* ---- queries ---- */

static const struct out_col exec_cols[] = {
	{"time", C_TEXT, 27, "TIME"},
	{"pid", C_INT, 7, "PID"},
	{"ppid", C_INT, 7, "PPID"},
	{"uid", C_INT, 8, "USER"},
	{"comm", C_TEXT, 16, "COMM"},
	{"cmdline", C_TEXT, 0, "CMDLINE"},
	{"key", C_TEXT, -1, "KEY"},
	{"parent_key", C_TEXT, -1, ""},
	{"exe", C_TEXT, -1, ""},
	{"argv", C_ARGV, -1, ""},
	{"argv_truncated", C_BOOL, -1, ""},
	{"euid", C_INT, -1, ""},
	{"gid", C_INT, -1, ""},
	{"egid", C_INT, -1, ""},
	{"parent_cmdline", C_TEXT, -1, ""},
};

static const char exec_select[] =
	"SELECT time, pid, ppid, uid, comm, cmdline, key, parent_key, exe, argv, argv_truncated,"
	" euid, gid, egid, parent_cmdline, time_us FROM v_exec_history WHERE 1";

static const struct out_col proc_cols[] = {
	{NULL, C_TEXT, -1, ""}, /* the lineage's role: none here */
	{"time", C_TEXT, 27, "START"},
	{"pid", C_INT, 7, "PID"},
	{"ppid", C_INT, 7, "PPID"},
	{"uid", C_INT, 8, "USER"},
	{"duration_ms", C_REAL, 10, "LIVED_MS"},
	{"exit_code", C_INT, 4, "EXIT"},
	{"signal", C_INT, 3, "SIG"},
	{"comm", C_TEXT, 16, "COMM"},
	{"cmdline", C_TEXT, 0, "CMDLINE"},
	{"key", C_TEXT, -1, ""},
	{"parent_key", C_TEXT, -1, ""},
	{"exit_time", C_TEXT, -1, ""},
	{"exe", C_TEXT, -1, ""},
};

#define ISO_SQL(c)                                                                            \
	"(strftime('%Y-%m-%dT%H:%M:%S', " c " / 1000000, 'unixepoch') || printf('.%06dZ', " c \
	" % 1000000))"
#define PROC_COLS_NOROLE                                                        \
	ISO_SQL("first_us")                                                     \
	", pid, ppid, uid, duration_ms, exit_code, signal, comm, cmdline, key," \
	" parent_key, " ISO_SQL("exit_us") ", exe"
#define PROC_COLS(role) role ", " PROC_COLS_NOROLE

/* The filters of h on a table with the columns comm, cmdline, uid, key, pid
 * and the time column tcol. */
static void add_filters(const struct hist *h, char *sql, size_t len, const char *tcol)
{
	size_t n = strlen(sql);

#define ADD(...) (n += (size_t)snprintf(sql + n, len - n, __VA_ARGS__))
	if (h->comm)
		ADD(" AND comm = :comm");
	if (h->cmd)
		ADD(" AND cmdline GLOB :cmd");
	if (h->uid >= 0)
		ADD(" AND uid = :uid");
	if (h->key)
		ADD(" AND key = :key");
	if (h->pid >= 0)
		ADD(" AND pid = :pid");
	if (h->container && strcmp(h->container, "host") == 0)
		ADD(" AND container_id = 'host'");
	else if (h->container)
		ADD(" AND container_id <> 'host' AND (substr(container_id, 1, length(:ctr)) = :ctr"
		    " OR container_name = :ctr)");
	if (h->since_us)
		ADD(" AND %s >= :since", tcol);
	if (h->until_us)
		ADD(" AND %s < :until", tcol);
#undef ADD
}

static void bind_filters(const struct hist *h, sqlite3_stmt *st)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":comm")))
		sqlite3_bind_text(st, i, h->comm, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":cmd")))
		sqlite3_bind_text(st, i, h->cmd, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":uid")))
		sqlite3_bind_int64(st, i, h->uid);
	if ((i = sqlite3_bind_parameter_index(st, ":key")))
		sqlite3_bind_text(st, i, h->key, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":pid")))
		sqlite3_bind_int64(st, i, h->pid);
	if ((i = sqlite3_bind_parameter_index(st, ":ctr")))
		sqlite3_bind_text(st, i, h->container, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":since")))
		sqlite3_bind_int64(st, i, h->since_us);
	if ((i = sqlite3_bind_parameter_index(st, ":until")))
		sqlite3_bind_int64(st, i, h->until_us);
	if ((i = sqlite3_bind_parameter_index(st, ":limit")))
		sqlite3_bind_int64(st, i, h->limit);
	if ((i = sqlite3_bind_parameter_index(st, ":short")))
		sqlite3_bind_double(st, i, h->short_ms);
	if ((i = sqlite3_bind_parameter_index(st, ":lineage")))
		sqlite3_bind_text(st, i, h->lineage, -1, SQLITE_STATIC);
}

static int run_query(const struct hist *h, sqlite3 *db, const char *sql, const struct out_col *cols,
		     size_t n)
{
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, h->db, sqlite3_errmsg(db));
		return H_EXIT_FAIL;
	}
	bind_filters(h, st);
	r = print_rows(h, db, st, cols, n, true);
	sqlite3_finalize(st);
	return r;
}

/* The newest :limit rows of the inner query (ordered by tcol), oldest first. */
static void wrap_limit(const struct hist *h, char *sql, size_t len, const char *inner,
		       const char *tcol)
{
	if (h->limit)
		snprintf(sql, len, "SELECT * FROM (%s ORDER BY %s DESC LIMIT :limit) ORDER BY %s",
			 inner, tcol, tcol);
	else
		snprintf(sql, len, "%s ORDER BY %s", inner, tcol);
}

static int q_execs(const struct hist *h, sqlite3 *db)
{
	char inner[2048], sql[4096];

	snprintf(inner, sizeof(inner), "%s", exec_select);
	add_filters(h, inner, sizeof(inner), "time_us");
	wrap_limit(h, sql, sizeof(sql), inner, "time_us");
	return run_query(h, db, sql, exec_cols, sizeof(exec_cols) / sizeof(exec_cols[0]));
}

/* The alerts table (issue 14): in text, the rule and its output after the priority. */
static int q_alerts(const struct hist *h, sqlite3 *db)
{
	static const struct out_col cols[] = {
		{"time", C_TEXT, 27, "TIME"},
		{"priority", C_TEXT, 13, "PRIORITY"},
		{NULL, C_TEXT, 0, "RULE: OUTPUT"},
		{"rule", C_TEXT, -1, ""},
		{"output", C_TEXT, -1, ""},
		{"key", C_TEXT, -1, ""},
		{"pid", C_INT, -1, ""},
	};
	char inner[1024], sql[2048];

	snprintf(inner, sizeof(inner), "%s",
		 "SELECT " ISO_SQL("time_us") ", priority, rule || ': ' || output, rule, output,"
					      " key, json_extract(data, '$.pid'), time_us"
					      " FROM alerts WHERE 1");
	add_filters(h, inner, sizeof(inner), "time_us");
	wrap_limit(h, sql, sizeof(sql), inner, "time_us");
	return run_query(h, db, sql, cols, sizeof(cols) / sizeof(cols[0]));
}

static int q_short(const struct hist *h, sqlite3 *db)
{
	char inner[2048], sql[4096];

	snprintf(inner, sizeof(inner), "%s",
		 "SELECT " PROC_COLS(
			 "NULL") ", first_us FROM v_short_lived WHERE duration_ms < :short");
	add_filters(h, inner, sizeof(inner), "first_us");
	wrap_limit(h, sql, sizeof(sql), inner, "first_us");
	return run_query(h, db, sql, proc_cols, sizeof(proc_cols) / sizeof(proc_cols[0]));
}

/*
 * Ancestors oldest first, the process, then its children in start order. The
 * ancestors come from a recursive CTE seeded with the one key: v_process_tree
 * (the same recursion) answers `WHERE key = ?` too, but SQLite builds the whole
 * tree before filtering, which costs seconds on a big history.
 */
static int q_lineage(const struct hist *h, sqlite3 *db)
{
	/* clang-format off */
	static const char sql[] =
		"WITH RECURSIVE t(host, key, depth) AS ("
		" SELECT host, parent_key, 1 FROM processes WHERE key = :lineage"
		" AND parent_key IS NOT NULL"
		" UNION ALL SELECT t.host, p.parent_key, t.depth + 1 FROM t JOIN processes p"
		" ON p.host = t.host AND p.key = t.key WHERE p.parent_key IS NOT NULL"
		" AND t.depth < 4096)"
		" SELECT * FROM ("
		" SELECT 'ancestor' AS role, t.depth AS ord, " ISO_SQL("p.first_us") ","
		" p.pid, p.ppid, p.uid, p.duration_ms, p.exit_code, p.signal, p.comm,"
		" coalesce(p.cmdline, CASE WHEN p.key IS NULL"
		" THEN '(not recorded: ' || t.key || ')' END),"
		" t.key, p.parent_key, " ISO_SQL("p.exit_us") ", p.exe, 0"
		" FROM t LEFT JOIN processes p ON p.host = t.host AND p.key = t.key"
		" UNION ALL SELECT 'self', 0, " PROC_COLS_NOROLE ", 0"
		" FROM processes WHERE key = :lineage"
		" UNION ALL SELECT 'child', -1, " PROC_COLS_NOROLE ", first_us"
		" FROM processes WHERE parent_key = :lineage)"
		" ORDER BY ord DESC, 16";
	/* clang-format on */
	static const struct out_col cols[] = {
		{"role", C_TEXT, 8, "ROLE"},
		{NULL, C_INT, -1, ""},
		{"time", C_TEXT, 27, "START"},
		{"pid", C_INT, 7, "PID"},
		{"ppid", C_INT, 7, "PPID"},
		{"uid", C_INT, 8, "USER"},
		{"duration_ms", C_REAL, 10, "LIVED_MS"},
		{"exit_code", C_INT, 4, "EXIT"},
		{"signal", C_INT, 3, "SIG"},
		{"comm", C_TEXT, 16, "COMM"},
		{"cmdline", C_TEXT, 0, "CMDLINE"},
		{"key", C_TEXT, -1, ""},
		{"parent_key", C_TEXT, -1, ""},
		{"exit_time", C_TEXT, -1, ""},
		{"exe", C_TEXT, -1, ""},
	};

	return run_query(h, db, sql, cols, sizeof(cols) / sizeof(cols[0]));
}

int cli_history(int argc, char **argv)
{
	enum {
		O_DB = 256,
		O_COMM,
		O_CMD,
		O_USER,
		O_SINCE,
		O_UNTIL,
		O_KEY,
		O_PID,
		O_SHORT,
		O_LINEAGE,
		O_CONTAINER,
		O_ALERTS,
	};
	static const struct option longopts[] = {
		{"db", required_argument, NULL, O_DB},
		{"comm", required_argument, NULL, O_COMM},
		{"cmd", required_argument, NULL, O_CMD},
		{"user", required_argument, NULL, O_USER},
		{"since", required_argument, NULL, O_SINCE},
		{"until", required_argument, NULL, O_UNTIL},
		{"key", required_argument, NULL, O_KEY},
		{"pid", required_argument, NULL, O_PID},
		{"short", optional_argument, NULL, O_SHORT},
		{"lineage", required_argument, NULL, O_LINEAGE},
		{"container", required_argument, NULL, O_CONTAINER},
		{"alerts", no_argument, NULL, O_ALERTS},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct hist h = {.uid = -1, .pid = -1, .short_ms = -1};
	int64_t now = now_us();
	const char *env;
	sqlite3 *db;
	int64_t v = 0;
	int c, r;

	cli_list_longopts(longopts);
	env = getenv("PROCTRAIL_HISTORY");
	h.db = env && env[0] ? env : DEFAULT_DB;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:jh", longopts, NULL)) != -1) {
		switch (c) {
		case O_DB:
			h.db = optarg;
			break;
		case O_COMM:
			h.comm = optarg;
			break;
		case O_CMD:
			h.cmd = optarg;
			break;
		case O_USER:
			h.uid = parse_user(optarg);
			break;
		case O_SINCE:
		case O_UNTIL:
			if (cli_history_parse_time(optarg, now,
						   c == O_SINCE ? &h.since_us : &h.until_us) < 0)
				h_usage_error(
					"--%s: '%s' is not a time (ISO 8601, or 30s, 10m, 2h, "
					"1d, 1w ago)",
					c == O_SINCE ? "since" : "until", optarg);
			break;
		case O_KEY:
			h.key = optarg;
			break;
		case O_PID:
			h.pid = parse_int("--pid", optarg, 1, INT_MAX);
			break;
		case O_SHORT:
			h.short_ms = optarg ? (double)parse_int("--short", optarg, 1, 86400000)
					    : DEFAULT_SHORT_MS;
			break;
		case O_ALERTS:
			h.alerts = true;
			break;
		case O_LINEAGE:
			h.lineage = optarg;
			break;
		case O_CONTAINER:
			if (!*optarg)
				h_usage_error("--container needs an id, a name or host");
			h.container = optarg;
			break;
		case 'j':
			h.json = true;
			break;
		case 'n':
			h.limit = parse_int("-n", optarg, 1, LLONG_MAX);
			break;
		case 'h':
			h_usage(stdout);
			return 0;
		case ':':
			h_usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			h_usage_error("unknown option '%s' (see proctrail history --help)",
				      argv[optind - 1]);
		}
	}
	if (optind < argc)
		h_usage_error("unexpected argument '%s'", argv[optind]);
	if (h.lineage &&
	    (h.comm || h.cmd || h.uid >= 0 || h.since_us || h.until_us || h.key || h.pid >= 0 ||
	     h.short_ms >= 0 || h.limit || h.container))
		h_usage_error("--lineage takes no other filter");
	if (h.alerts &&
	    (h.comm || h.cmd || h.uid >= 0 || h.pid >= 0 || h.short_ms >= 0 || h.container ||
	     h.lineage))
		h_usage_error("--alerts takes --since, --until, --key and -n only");
	if (h.since_us && h.until_us && h.since_us >= h.until_us)
		h_usage_error("--since is not before --until");
	db = open_db(h.db);
	if (h.container && user_version(db, &v) == SQLITE_OK && v < 2) {
		fprintf(stderr,
			"%s: %s: --container: schema version %" PRId64
			" has no containers (proctraild migrates it to version 2 when it opens "
			"it)\n",
			prog, h.db, v);
		sqlite3_close(db);
		return H_EXIT_FAIL;
	}
	if (h.alerts)
		r = q_alerts(&h, db);
	else if (h.lineage)
		r = q_lineage(&h, db);
	else if (h.short_ms >= 0)
		r = q_short(&h, db);
	else
		r = q_execs(&h, db);
	sqlite3_close(db);
	if (fflush(stdout) == EOF && !r) {
		fprintf(stderr, "%s: stdout: %s\n", prog, strerror(errno));
		r = H_EXIT_FAIL;
	}
	return r;
}
