/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild's parts, and the contract between them:
 *   proctraild.c, daemon-*.c   the service: epoll loop, socket, clients, commands
 *   daemon-conf.c              proctrail.conf(5): defaults, parsing, reload checks
 *   daemon-caps.c              least privilege: capabilities kept, user switch
 *   daemon-notify.c            sd_notify(3) when built with libsystemd
 */
#ifndef PT_DAEMON_H
#define PT_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctrail/proctrail.h"
#include "sink.h"

/* Defaults a distribution's service uses; documented in proctraild(8). */
#define PD_SOCKET_PATH "/run/proctrail/proctraild.sock"
#define PD_STATE_DIR "/var/lib/proctrail"
#define PD_SOCKET_ENV "PROCTRAIL_SOCKET"
#define PD_PROTOCOL_VERSION 1
#define PD_HISTORY_DB "history.db" /* the default sqlite sink, in state_dir */
#define PD_SPOOL_DIR "spool" /* the default spool_dir, in state_dir */

/* Every key of proctrail.conf(5). Strings are malloc'ed and owned. */
struct pd_conf {
	/* the monitor (a change needs a restart unless marked reloadable) */
	enum pt_tier tier; /* tier = auto */
	unsigned events; /* events = all: PT_EVMASK of events the monitor delivers */
	int64_t retention_ms; /* retention = 10m; reloadable */
	size_t mem_max; /* memory_max = 256M; reloadable */
	size_t args_max; /* args_max = 128K */
	unsigned exec_history; /* exec_history = 4 */
	int realtime; /* realtime = auto|yes|no: -1, 1, 0 */
	int readers; /* readers = auto|N: -1 or N */
	unsigned poll_interval_ms; /* poll_interval = 100ms */
	size_t rcvbuf; /* netlink_rcvbuf = 32M */
	size_t ring_size; /* ring_size = 8M */
	char *runtime_root; /* runtime_root = (none): prefixed to the runtimes' state paths */
	int64_t container_linger_ms; /* container_linger = 30s */
	/* the service */
	char *socket_path; /* socket = PD_SOCKET_PATH */
	char *socket_group; /* socket_group = proctrail ("" keeps the daemon's group) */
	unsigned socket_mode; /* socket_mode = 0660 */
	char *state_dir; /* state_dir = PD_STATE_DIR */
	char *user; /* user = (none): NULL stays root with only the capabilities kept */
	/* clients (reloadable: applies to connections made after the reload) */
	unsigned max_clients; /* max_clients = 256 */
	size_t max_request; /* max_request = 64K: bytes of one request line */
	int64_t client_idle_ms; /* client_idle_timeout = 5m; 0: never (subscribers are never idle) */
	size_t subscriber_queue; /* subscriber_queue = 4M: each subscriber's bounded queue */
	size_t reply_max; /* reply_max = 256M: bytes of replies waiting for one client */
	int log_level; /* log_level = notice (PT_LOG_*); reloadable */
	/*
	 * sinks (issue 12): a change needs a restart; SIGHUP reopens every sink.
	 * sink holds what every sink gets (sink_*, host_name, output_*, db_*,
	 * pg_*, spool_*: the keys are named in sink.h's comments); type and
	 * target stay unset. output, sqlite and pg may repeat, each adding a sink.
	 */
	struct pt_sink_conf sink;
	char **outputs; /* output = FILE ... */
	size_t n_outputs;
	char **sqlites; /* sqlite = PATH ...; none given: state_dir/history.db */
	size_t n_sqlites;
	bool sqlite_none; /* sqlite = none */
	char **pgs; /* pg = CONNINFO ... */
	size_t n_pgs;
	/* rules = PATH ... (issue 14): Falco rules files or directories, loaded in
	 * order; reloadable (SIGHUP reads them again) */
	char **rules;
	size_t n_rules;
};

/* Defaults: every member as the comments above say. */
void pd_conf_init(struct pd_conf *c);
void pd_conf_free(struct pd_conf *c);
/*
 * Parse text (name is the file name for messages) into c, which holds the
 * defaults or an earlier file. 0; -EINVAL with err = "NAME:LINE: why" for a
 * bad line (unknown key, bad value, duplicate key); -ENOMEM.
 */
int pd_conf_parse(struct pd_conf *c, const char *text, size_t len, const char *name, char *err,
		  size_t errlen);
/* Read and parse a file: as pd_conf_parse, and -errno when it cannot be read. */
int pd_conf_load(struct pd_conf *c, const char *path, char *err, size_t errlen);
/*
 * SIGHUP: the keys that differ between the running and the new configuration
 * but need a restart, comma-separated in buf ("" when none). Returns how many.
 */
unsigned pd_conf_restart_keys(const struct pd_conf *running, const struct pd_conf *next, char *buf,
			      size_t len);
/*
 * SIGHUP: set every key of next that needs a restart back to its running
 * value (copies). 0 or -ENOMEM.
 */
int pd_conf_keep_running(const struct pd_conf *running, struct pd_conf *next);
/*
 * The sinks to open, in order: every output, every sqlite (state_dir/history.db
 * when the file named none, nothing after `sqlite = none`), every pg; no SQL
 * sink when no_db (proctraild --no-db). Each is a copy of c->sink with its
 * type and target, and spool_dir state_dir/spool when unset. *out is malloc'ed
 * (NULL when *n is 0): pt_sink_conf_free each, then free it. 0 or -ENOMEM.
 */
int pd_conf_sinks(const struct pd_conf *c, bool no_db, struct pt_sink_conf **out, size_t *n);
/* The key that names a sink of this type: "output", "sqlite", "pg". */
const char *pd_conf_sink_key(enum pt_sink_type t);

/*
 * Keep only the capabilities the tier and its /proc reads need, switch to
 * c->user when set (keeping them), and log at notice what was kept and why.
 * Called once the monitor is open and the socket is bound. 0, or -errno with
 * the reason logged (a configured user that does not exist, ...).
 * Without libcap-ng: logs that nothing was dropped, and refuses c->user.
 */
int pd_caps_drop(const struct pd_conf *c, enum pt_tier tier, pt_log_fn log, void *data);

/* sd_notify(3) with printf formatting; nothing when not built with libsystemd
 * or not run by systemd. */
void pd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
