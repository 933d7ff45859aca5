/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proctraild's service, internal: requests (daemon-request.c, no I/O, what the
 * fuzz target drives), output buffers, and the server (daemon-serve.c).
 */
#ifndef PD_SERVE_H
#define PD_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "daemon.h"

/* Bytes waiting to be written: [off, len) of p. */
struct pd_buf {
	char *p;
	size_t off, len, cap;
	bool oom; /* an append failed: the content is incomplete */
};
void pd_buf_add(struct pd_buf *b, const void *s, size_t n);
void pd_buf_adds(struct pd_buf *b, const char *s);
void pd_buf_printf(struct pd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal of s (ASCII or valid UTF-8: control bytes, quote and
 * backslash are escaped, anything else copied). */
void pd_buf_json_str(struct pd_buf *b, const char *s, size_t n);
static inline size_t pd_buf_pending(const struct pd_buf *b)
{
	return b->len - b->off;
}
/* Forget what was written; keep the memory unless it grew large. */
void pd_buf_consumed(struct pd_buf *b, size_t n);
void pd_buf_free(struct pd_buf *b);

enum pd_cmd {
	PD_CMD_PS = 0,
	PD_CMD_SHOW,
	PD_CMD_TREE,
	PD_CMD_LINEAGE,
	PD_CMD_CHILDREN,
	PD_CMD_RECENT,
	PD_CMD_SHORT,
	PD_CMD_STATUS,
	PD_CMD_SUBSCRIBE,
	PD_CMD_VERSION,
	PD_CMD_CONTAINERS,
	PD_CMD_COUNT,
};
const char *pd_cmd_name(enum pd_cmd c);

/* Error codes of the protocol (PROTOCOL.md). */
enum pd_err {
	PD_OK = 0,
	PD_E_BAD_JSON,
	PD_E_BAD_REQUEST,
	PD_E_UNKNOWN_CMD,
	PD_E_TOO_LARGE,
	PD_E_NOT_FOUND,
	PD_E_OTHER_BOOT,
	PD_E_BUSY,
	PD_E_IDLE,
	PD_E_INTERNAL,
	PD_E_COUNT,
};
const char *pd_err_code(enum pd_err e);

/* subscribe: the alert lines of the daemon's rules (event name "alert"); not an
 * event of the library, so above its bits */
#define PD_SUB_ALERT (1u << 31)
_Static_assert(PT_EV_COUNT < 31, "PD_SUB_ALERT is above the events' bits");

/* One request, parsed. */
struct pd_req {
	enum pd_cmd cmd;
	char *id; /* the id member as JSON text, or NULL */
	bool has_ref;
	struct pt_ref ref;
	struct pt_field_ref *fields; /* ps: fields */
	size_t nfields;
	struct cli_filter *filter; /* ps, subscribe: filter */
	char *filter_text;
	unsigned select; /* ps, children: PT_SEL_* */
	double seconds; /* recent */
	double ms; /* short */
	unsigned events; /* subscribe: PT_EVMASK, and PD_SUB_ALERT */
	size_t queue; /* subscribe: bytes asked for, 0: the daemon's */
	unsigned ancestors; /* subscribe: fork, exec, exit events carry this many ancestors */
};
void pd_req_free(struct pd_req *r);

/*
 * Parse one request line (without its newline). PD_OK, or the error with a
 * message in why; r->id is set whenever the line was an object with a valid
 * id, so that the error can echo it. pd_req_free(r) in both cases.
 */
enum pd_err pd_req_parse(const char *line, size_t len, struct pd_req *r, char *why, size_t whylen);

/* What the answers need besides the table. */
struct pd_ctx {
	const struct pt_monitor *m;
	/* status: append ,"daemon":{...} to the object being written */
	void (*status_daemon)(struct pd_buf *out, void *data);
	void *data;
};

/* The final line of an error (with the request's id when not NULL). */
void pd_reply_error(struct pd_buf *out, enum pd_err e, const char *msg, const char *id);
/* The record lines and the final line of a request other than subscribe.
 * PD_OK or the error that was written. */
enum pd_err pd_answer(const struct pd_ctx *ctx, const struct pd_req *r, struct pd_buf *out);
/*
 * A whole line: parse, then answer (subscribe is left to the caller: PD_OK
 * with r->cmd == PD_CMD_SUBSCRIBE and nothing written). r is filled as
 * pd_req_parse leaves it; the caller frees it.
 */
enum pd_err pd_handle_line(const struct pd_ctx *ctx, const char *line, size_t len,
			   struct pd_buf *out, struct pd_req *r);

/* The subscribed line for r, with the queue size granted, and its newline. */
void pd_subscribed_line(struct pd_buf *out, const struct pd_req *r, size_t queue);

/* ---- the server (daemon-serve.c) ---- */

/* proctraild's log (proctraild.c): one line to stderr, when level passes. */
void pd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct pd_server;
struct pd_hooks {
	/* SIGHUP: fill next (zeroed) with the new configuration, keys that need a
	 * restart set to the running values (0), or -errno (logged) */
	int (*reload)(const struct pd_conf *running, struct pd_conf *next, void *data);
	void *data;
};
/* c stays the caller's and must outlive the server; m is served (NULL: attach it later). */
int pd_server_new(struct pd_server **out, const struct pd_conf *c, struct pt_monitor *m,
		  const struct pd_hooks *hooks);
/*
 * Serve m, opened after the socket was bound and the first capability drop
 * (whose threads then inherit no more than opening needed): 0 or -errno.
 */
int pd_server_attach(struct pd_server *s, struct pt_monitor *m);
/* Bind and listen on c->socket_path (0660, socket_group): 0 or -errno (logged). */
int pd_server_listen(struct pd_server *s);
/* The epoll loop until SIGTERM or SIGINT: 0, or -errno of a fatal error. */
int pd_server_run(struct pd_server *s);
/*
 * The sinks, open (pt_sink_open), now the server's: each gets every event the
 * monitor delivers (pt_sink_push) that filter (sink_filter; NULL: none) keeps,
 * is reopened on SIGHUP, shown in status, and closed by pd_server_free with a
 * bounded drain. sinks is malloc'ed (n may be 0); filter is taken over.
 */
struct pt_sink;
void pd_server_set_sinks(struct pd_server *s, struct pt_sink **sinks, size_t n,
			 struct cli_filter *filter);
/*
 * The rules (rules.h) evaluated on every event the monitor delivers (NULL:
 * none), now the server's; the set it replaces (SIGHUP) is freed, its counts
 * kept for status. Each alert's line is rendered once and goes to every sink
 * and to the subscribers whose events include "alert".
 */
struct rules;
void pd_server_set_rules(struct pd_server *s, struct rules *rs);
/* A reload's sink_filter (NULL: every event) in place of the running one,
 * which is freed; taken and freed at once when there is no sink. */
void pd_server_set_sink_filter(struct pd_server *s, struct cli_filter *filter);
/* Subscribers get their final line, clients are closed, the socket file removed,
 * then the sinks drain (5 s at most each) and close. */
void pd_server_free(struct pd_server *s);
/* A new configuration (after SIGHUP), malloc'ed: the server owns it from now
 * on. Its reloadable keys apply; the caller has set the others to what runs. */
void pd_server_reconf(struct pd_server *s, const struct pd_conf *c);

#endif
