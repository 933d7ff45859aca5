/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SQL layer both SQL sinks share (as ulogd2's util/db.c): an event line
 * decoded into a row, batches with ids, connect and reconnect with backoff, and
 * the bounded on-disk spool that holds batches while the database is away.
 *
 *   sink-db.c      pt_db_row_decode(); pt_db_sink_ops(): a struct pt_sink_ops
 *                  built from a backend; batch ids; reconnect; spool use
 *   sink-spool.c   the spool
 *   sink-sqlite.c  backend "sqlite"; sink-pg.c  backend "pg"
 *
 * Exactly once: each batch has an id (session, seq): session is the sink's
 * start (pt_sink_env.session_us), seq counts its batches from 1. A backend
 * writes a batch's rows and a row of `batches` (host, session, seq) in one
 * transaction, and a batch whose id is already there is not written again
 * (a commit whose acknowledgement was lost, replayed from the spool).
 *
 * The schema, the same in both databases (version 2; the SQLite one migrates
 * with PRAGMA user_version, the PostgreSQL one is contrib/sql/proctrail-pg.sql
 * with its version in meta). Times are microseconds since the epoch (time_us),
 * and the views add `time` as a timestamp (PostgreSQL) or ISO 8601 text
 * (SQLite). Every table has host: one database can hold a fleet.
 *   meta       (name PK, value)                       schema_version, created
 *   batches    (host, session, seq, rows, time_us)     PK (host, session, seq)
 *   processes  (host, key, pid, ppid, parent_key, first_us, exit_us, comm, exe,
 *               cmdline, argv, uid, euid, gid, egid, exit_code, signal,
 *               core_dumped, duration_ms, CTR)        PK (host, key); upserted:
 *               a fork or first sighting inserts, an exec sets comm..egid, an
 *               exit sets exit_*; comm/uid/gid events update those columns;
 *               fork and exec set CTR where the event knows it (a runtime moves
 *               a process into its container between fork and exec)
 *   execs      (host, key, time_us, pid, ppid, parent_key, comm, exe, cmdline,
 *               argv, argv_truncated, uid, euid, gid, egid, CTR)  one row per exec
 *   CTR (version 2): container_id ("host" on the host, NULL when unknown),
 *               container_name, container_image, k8s_pod_name, k8s_ns_name:
 *               the event's JSON members of those names
 *   events     (host, time_us, event, key, pid, tid, ppid, data)  every event;
 *               data is the whole line (TEXT in SQLite, jsonb in PostgreSQL)
 *   alerts     (host, time_us, key, rule, priority, output, data)  one row per
 *               alert line (rules.h); data is the whole line, as in events
 * Views: v_exec_history (every exec with its parent's cmdline and its
 * container), v_short_lived
 * (exited processes with duration_ms, shortest first; filter on duration_ms),
 * v_process_tree (key, ancestor_key, depth: recursive CTE), v_top_spawners
 * (parent_key, minute, children), v_lost (time, count, reason, estimated).
 * argv is a JSON array text; cmdline is argv joined by spaces.
 */
#ifndef PT_SINK_DB_H
#define PT_SINK_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"

#define PT_DB_SCHEMA_VERSION 2

/* One event, decoded from its line. Strings are NUL-terminated and valid until
 * the next decode with the same decoder (or its free); NULL when absent. */
struct pt_db_row {
	enum pt_event_type type; /* an alert: PT_EV_COUNT */
	const char *event; /* "fork", "exec", ..., "alert", as in the line */
	/*
	 * An alert line ("event":"alert", rules.h): a row of alerts, nothing else
	 * (not of events). time_us, key, json are set, and these; pid when given.
	 */
	bool alert;
	const char *rule, *priority, *output;
	int64_t time_us;
	const char *key, *parent_key;
	int64_t pid, tid, ppid; /* -1 when absent */
	const char *comm, *exe;
	/* version 2: the container ("host" on the host), its name, image and pod; NULL absent */
	const char *container_id, *container_name, *container_image, *k8s_pod_name, *k8s_ns_name;
	const char *argv; /* the JSON array, compact */
	const char *cmdline; /* argv joined by spaces */
	bool argv_truncated, thread;
	int64_t uid, euid, gid, egid; /* -1 when absent */
	int64_t exit_code, signal; /* -1 when absent (signal null) */
	bool core_dumped;
	double duration_ms; /* < 0 when absent */
	uint64_t lost_count; /* lost */
	const char *lost_reason;
	bool lost_estimated;
	const char *json; /* the whole line, without its '\n' */
	size_t json_len;
};

struct pt_db_decoder;
int pt_db_decoder_new(struct pt_db_decoder **out);
void pt_db_decoder_free(struct pt_db_decoder *d);
/* 0, or -EINVAL with a reason in why (not JSON, no "event", bad time...). */
int pt_db_row_decode(struct pt_db_decoder *d, const char *line, size_t len, struct pt_db_row *row,
		     char *why, size_t whylen);

/*
 * A database. Called on the sink's thread only (status from any thread reads
 * the layer's own counters, not the backend).
 *   connect   open or connect, then create or migrate the schema (unless
 *             c->create_schema is false: then check it and fail when missing).
 *             0; -errno with err: transient ones (-ECONNREFUSED, -EAGAIN,
 *             -ENOTCONN, -ETIMEDOUT, -EIO) are retried with backoff, others
 *             fail the sink.
 *   write     rows of batch (session, seq) in one transaction, with its row in
 *             batches: 0 written; 1 already there (skipped); -ENOTCONN (or
 *             another transient -errno) when the connection failed: the layer
 *             disconnects, spools the batch and reconnects; another -errno: the
 *             batch is bad for this database and dropped (counted).
 *   housekeep retention by age and size, at most once a minute; 0 or -errno.
 *   disconnect close the connection (the state stays, for a reconnect).
 *   destroy   free the state.
 */
struct pt_db_backend {
	const char *name; /* "sqlite", "pg" */
	int (*create)(void **be, const struct pt_sink_conf *c, const struct pt_sink_env *env,
		      char *err, size_t errlen);
	int (*connect)(void *be, char *err, size_t errlen);
	int (*write)(void *be, int64_t session, uint64_t seq, const struct pt_db_row *rows,
		     size_t n, char *err, size_t errlen);
	int (*housekeep)(void *be, int64_t now_ms, char *err, size_t errlen);
	void (*disconnect)(void *be);
	void (*destroy)(void *be);
};

extern const struct pt_db_backend pt_db_sqlite; /* sink-sqlite.c */
extern const struct pt_db_backend pt_db_pg; /* sink-pg.c, when built with libpq */

/*
 * The sink ops of a backend (sink-db.c): pt_sink_sqlite_ops and pt_sink_pg_ops
 * are these. The layer decodes each record (a line that does not decode is
 * counted malformed and skipped, with a warning at most once a minute), gives
 * each batch its id, and spools batches while the database is away; on
 * reconnect the spool is written first, in order, before anything newer.
 */
int pt_db_open(const struct pt_db_backend *be, void **state, const struct pt_sink_conf *c,
	       const struct pt_sink_env *env, char *err, size_t errlen);
int pt_db_write(void *state, const struct pt_outq_rec *recs, size_t n);
int pt_db_flush(void *state);
int pt_db_reopen(void *state);
int pt_db_tick(void *state, int64_t now_ms);
void pt_db_close(void *state);
void pt_db_status(void *state, struct pt_sink_status *st);

/* ---- the spool (sink-spool.c) ----
 * A directory of batch files, written whole (write to a temporary name, fsync,
 * rename) so that a crash leaves whole batches only; read back in the order
 * they were appended, across restarts. Bounded by max bytes. Not thread-safe:
 * the sink's thread only (counters may be read racily for status).
 */
struct pt_spool;
/* dir is created (0700) when missing. 0 or -errno with err. */
int pt_spool_open(struct pt_spool **out, const char *dir, uint64_t max_bytes, char *err,
		  size_t errlen);
void pt_spool_close(struct pt_spool *s);
/* Append one batch (its id and its lines). 0; -ENOSPC when over max_bytes (or
 * the disk is full); -errno. */
int pt_spool_append(struct pt_spool *s, int64_t session, uint64_t seq,
		    const struct pt_outq_rec *recs, size_t n);
/* The oldest batch: its id and lines, valid until the next call on s. 0; 1 when
 * the spool is empty; -errno (-EBADMSG: a damaged batch file was set aside,
 * renamed *.bad, to be logged by the caller; the next call returns the next one). */
int pt_spool_peek(struct pt_spool *s, int64_t *session, uint64_t *seq,
		  const struct pt_outq_rec **recs, size_t *n);
/* Remove the oldest batch (after it was written). 0 or -errno. */
int pt_spool_pop(struct pt_spool *s);
uint64_t pt_spool_batches(const struct pt_spool *s);
uint64_t pt_spool_records(const struct pt_spool *s);
uint64_t pt_spool_bytes(const struct pt_spool *s);

#endif
