/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sinks: durable outputs of the event stream (issue 12). The contract between
 * the parts:
 *   sink.c          the runner: one bounded queue (outq.h) and one thread per
 *                   sink, batching by count and time, drop accounting, lost
 *                   reports (reason "sink"), status, reopen, stop
 *   sink-file.c     JSON lines with rotation, compression, fsync policy
 *   sink-db.c       the SQL layer (sink-db.h): rows, batches, reconnect, spool
 *   sink-sqlite.c   SQLite, the daemon's default
 *   sink-pg.c       PostgreSQL (libpq), when built with it
 *   sink-spool.c    the bounded on-disk queue of the SQL layer
 *
 * What a sink receives: the event lines `proctrail watch --json` prints, byte
 * for byte, each ending with '\n' (pt_json_event() plus the newline). The
 * monitor's thread renders an event once and pushes the same bytes to every
 * sink and subscriber; it never waits for a sink. A sink's drops (queue full,
 * a failed write, a full spool) are counted, and once the sink takes records
 * again the runner queues a `lost` event line with reason "sink" and the count,
 * which the sink writes like any other event (v_lost shows it).
 */
#ifndef PT_SINK_H
#define PT_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outq.h"
#include "proctrail/proctrail.h"

enum pt_sink_type {
	PT_SINK_FILE, /* --output=FILE, output = FILE */
	PT_SINK_SQLITE, /* --sqlite=PATH, sqlite = PATH */
	PT_SINK_PG, /* --pg=CONNINFO, pg = CONNINFO */
	PT_SINK_TYPES,
};

enum pt_sink_fsync {
	PT_FSYNC_NO, /* leave it to the kernel */
	PT_FSYNC_BATCH, /* fdatasync after every batch written */
	PT_FSYNC_INTERVAL, /* fdatasync at most every fsync_interval_ms */
};

/*
 * One sink's configuration. Every knob of every type is here: the CLI's options
 * and proctrail.conf(5)'s keys fill one of these as defaults for all sinks, and
 * each target given (`--output=A --output=B`) gets a copy with type and target
 * set. Strings are malloc'ed and owned (pt_sink_conf_free).
 * Names in comments: the proctrail.conf key / the watch option.
 */
struct pt_sink_conf {
	enum pt_sink_type type;
	char *target; /* the file path, the SQLite path, the libpq conninfo or URI */

	/* every sink */
	unsigned batch_size; /* sink_batch_size / --batch-size: 100; 1..100000 */
	int64_t flush_ms; /* sink_flush_interval / --flush-interval: 1s; 1ms..1h */
	size_t queue; /* sink_queue / --sink-queue: 16M; PT_OUTQ_MIN..PT_OUTQ_MAX */
	char *host; /* host_name: the host column; NULL: gethostname() */
	/* sink_filter / --sink-filter: a condition (cli-filter.c) the events must
	 * meet, or NULL. Whoever pushes evaluates it, once for all sinks, and tells
	 * each sink what it left out (pt_sink_skip). */
	char *filter;

	/* file */
	uint64_t max_size; /* output_max_size_mb / --output-max-size-mb: 100 MiB; 0: never */
	unsigned max_backups; /* output_max_backups / --output-max-backups: 5; 0: keep none */
	int64_t max_age_ms; /* output_max_age / --output-max-age: 0 (never rotate by age) */
	bool compress; /* output_compress / --output-compress: gzip rotated files; no */
	enum pt_sink_fsync fsync; /* output_fsync / --output-fsync=no|batch|DURATION: batch */
	int64_t fsync_interval_ms; /* with PT_FSYNC_INTERVAL */
	unsigned file_mode; /* output_mode: 0640 */

	/* SQL: SQLite and PostgreSQL */
	int64_t retention_ms; /* db_retention / --db-retention: 0 (keep for ever) */
	uint64_t db_max_size; /* db_max_size / --db-max-size: 0 (no cap); SQLite only */
	bool create_schema; /* db_create_schema / --no-create-schema: yes */
	char *password_file; /* pg_password_file / --db-password-file; NULL: libpq's own
			      * (PGPASSWORD, PGPASSFILE, ~/.pgpass) */
	char *spool_dir; /* spool_dir / --spool-dir: daemon state_dir/spool; watch
			  * ${XDG_STATE_HOME:-~/.local/state}/proctrail/spool */
	uint64_t spool_max; /* spool_max / --spool-max: 256M; 0: no spool */
	bool pg_copy; /* pg_write = copy|insert: copy (the faster, measured in tests/bench) */
};

/* Whether v (n bytes) is a name as the configuration takes them (host_name and
 * --host-name, at most PT_SINK_HOST_NAME_MAX; proctraild's user and
 * socket_group): 1 to max letters, digits, '-', '_' and '.', not starting
 * with '-'. */
#define PT_SINK_HOST_NAME_MAX 253
bool pt_sink_name_ok(const char *v, size_t n, size_t max);

/* Defaults: every member as the comments say; type PT_SINK_FILE, target NULL. */
void pt_sink_conf_init(struct pt_sink_conf *c);
void pt_sink_conf_free(struct pt_sink_conf *c);
/* dst = a deep copy of src with type and target set. 0 or -ENOMEM. */
int pt_sink_conf_copy(struct pt_sink_conf *dst, const struct pt_sink_conf *src,
		      enum pt_sink_type type, const char *target);
const char *pt_sink_type_name(enum pt_sink_type t); /* "file", "sqlite", "pg" */

/* A sink's state, for status. */
enum pt_sink_state {
	PT_SINK_OK, /* writing */
	PT_SINK_CONNECTING, /* not connected yet, or reconnecting with backoff (SQL) */
	PT_SINK_SPOOLING, /* the database is away: batches go to the spool */
	PT_SINK_FAILING, /* the last write failed (full disk...): batches are dropped */
	PT_SINK_STOPPED,
};
const char *pt_sink_state_name(enum pt_sink_state s); /* "ok", "connecting", ... */

struct pt_sink_status {
	enum pt_sink_type type;
	const char *target; /* for display: a conninfo's password is never shown */
	enum pt_sink_state state;
	uint64_t queued; /* records waiting in the queue */
	uint64_t backlog; /* records waiting elsewhere (the spool) */
	uint64_t backlog_bytes;
	uint64_t written; /* event records written (lines, rows of events) */
	uint64_t batches; /* batches written */
	uint64_t dropped; /* event records dropped: queue full, failed writes, spool full */
	uint64_t filtered; /* events left out by the sink filter (pt_sink_skip) */
	uint64_t reported; /* of those, told by lost events written or queued */
	uint64_t errors; /* failed writes and connects */
	uint64_t bytes; /* bytes written (file), or 0 */
	uint64_t rotations; /* file rotations */
	char last_error[256]; /* "" when none; one line */
};

/* ---- the runner (sink.c) ---- */

struct pt_sink;

/*
 * Open the sink (ops->open on the caller's thread, so that a bad path or
 * conninfo is an error at start) and start its thread. A database that is down
 * is not an error: the sink starts connecting (and spooling). 0, or -errno with
 * a one-line reason in err ("--output /x/y: No such file or directory").
 * log (may be NULL) gets the sink's messages, from its thread.
 */
int pt_sink_open(struct pt_sink **out, const struct pt_sink_conf *c, pt_log_fn log, void *logdata,
		 char *err, size_t errlen);
/*
 * The monitor's thread, for each event line (with its '\n'): queue it, never
 * wait. First queues a lost line (reason "sink") for drops not yet told, when
 * there is room. Returns 0 or -ENOBUFS (dropped and counted).
 */
int pt_sink_push(struct pt_sink *s, const char *line, size_t len);
/* pt_sink_push, but wait for room instead of dropping (replay: offline). */
int pt_sink_push_wait(struct pt_sink *s, const char *line, size_t len);
/* An event the sink filter left out: counted ("filtered"), not lost. */
void pt_sink_skip(struct pt_sink *s);
/* Ask the sink's thread to reopen (SIGHUP: after an external logrotate). Any thread. */
void pt_sink_reopen(struct pt_sink *s);
void pt_sink_status(struct pt_sink *s, struct pt_sink_status *st);
/* The status as one JSON object (the daemon's status, watch's summary). NULL on ENOMEM. */
char *pt_sink_status_json(struct pt_sink *s, size_t *len);
/* The same of a status already taken (pt_sink_close's final one: set its target). */
char *pt_sink_status_json_of(const struct pt_sink_status *st, size_t *len);
/*
 * Start stopping: write everything queued now, without waiting for a batch to
 * fill (a lost line first for drops not told), and wait up to drain_ms (-1: no
 * limit; 0: do not wait) until the queue is empty or *cancel (may be NULL; a
 * signal handler may set it) becomes non-zero. 0, -ETIMEDOUT or -ECANCELED.
 * Push nothing more; then pt_sink_close (whose drain_ms is the limit left).
 */
int pt_sink_drain(struct pt_sink *s, int drain_ms, const volatile sig_atomic_t *cancel);
/*
 * Stop: give the thread up to drain_ms (-1: no limit) to write what is queued,
 * flush, close, free. What is left is counted as dropped; *st (may be NULL) gets
 * the final status (state: the one it stopped in), with target NULL (freed: keep
 * pt_sink_target_shown()'s copy).
 * NULL is fine.
 */
void pt_sink_close(struct pt_sink *s, int drain_ms, struct pt_sink_status *st);

/* The target as status shows it: a pg conninfo's or URI's password masked as
 * "***". malloc'd; NULL on ENOMEM. */
char *pt_sink_target_shown(enum pt_sink_type type, const char *target);

/* ---- what each sink implements ---- */

/* Given to ops->open: how a sink reports from its thread. */
struct pt_sink_env {
	pt_log_fn log; /* never NULL (a no-op when the caller gave none) */
	void *log_data;
	const char *host; /* the host column, resolved */
	int64_t session_us; /* this sink's start, wall clock: with a batch's seq, its id */
};

/*
 * One sink type. Every callback runs on the sink's thread, except open (the
 * caller's thread, before the thread starts) and status (any thread: it must
 * only read what it can read safely, e.g. under the sink's own lock or with
 * relaxed atomics).
 *   write   a batch of n records (each one line with its '\n'); 0 when the
 *           sink has them (written, or spooled), -errno when it does not: the
 *           runner counts the n as dropped. The sink keeps its last error text
 *           for status. A sink must not block for long: a database away makes
 *           it spool, not wait.
 *   flush   make what write took durable per the policy (fsync, commit). Called
 *           after each batch and at close.
 *   reopen  close and open the target again (SIGHUP); 0 or -errno.
 *   tick    called at least once a second: rotation by age, retention,
 *           reconnect with backoff, spool replay. 0 or -errno.
 *   close   flush and release everything; the state is freed.
 *   status  fill state, backlog, bytes, rotations, last_error.
 */
struct pt_sink_ops {
	enum pt_sink_type type;
	int (*open)(void **state, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		    char *err, size_t errlen);
	int (*write)(void *state, const struct pt_outq_rec *recs, size_t n);
	int (*flush)(void *state);
	int (*reopen)(void *state);
	int (*tick)(void *state, int64_t now_ms);
	void (*close)(void *state);
	void (*status)(void *state, struct pt_sink_status *st);
};

/* pt_sink_open with given ops (tests: a fake sink). */
int pt_sink_open_ops(struct pt_sink **out, const struct pt_sink_ops *ops,
		     const struct pt_sink_conf *c, pt_log_fn log, void *logdata, char *err,
		     size_t errlen);

extern const struct pt_sink_ops pt_sink_file_ops; /* sink-file.c */
extern const struct pt_sink_ops pt_sink_sqlite_ops; /* sink-sqlite.c (via sink-db.c) */
extern const struct pt_sink_ops pt_sink_pg_ops; /* sink-pg.c; open fails with -ENOTSUP
						 * ("built without libpq") when not built */

#endif
