/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "proctrail/proctrail.h"

/* Bytes a process controls, made safe for a terminal (cli-escape.c). */
size_t cli_safe_len(const char *s, size_t n);
void cli_escape(FILE *f, const char *s, size_t n);
void cli_escape_str(FILE *f, const char *s);
void cli_escape_pad(FILE *f, const char *s, int width);
void cli_quote_arg(FILE *f, const char *a, size_t n);
static inline size_t cli_args_len(const struct pt_proc *p)
{
	size_t len;

	pt_proc_args(p, &len);
	return len;
}

/*
 * Output formats (cli-output.c: text, cli-json.c: json). A command calls the
 * hooks of the format chosen; no command asks which format it is.
 */
enum cli_view {
	CLI_VIEW_WATCH, /* events */
	CLI_VIEW_PS, /* one line per process */
	CLI_VIEW_PROBE, /* tiers */
	CLI_VIEW_ONE, /* show, tree */
};

/* watch's time column (--time): see cli_fmt_time(). */
enum cli_time {
	CLI_TIME_LOCAL, /* 14:03:07.123456, local time of day (the default) */
	CLI_TIME_UTC, /* 13:03:07.123456Z, UTC time of day */
	CLI_TIME_ISO, /* 2026-12-02T14:03:07.123456+01:00, local, with the offset */
	CLI_TIME_RELATIVE, /* 3.141593, seconds since watch was ready */
	CLI_TIME_EPOCH, /* 1764680587.123456, seconds since the epoch */
};

enum cli_color { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

/* watch --tree: lines deeper than this are indented as this deep, with the depth shown. */
#define CLI_TREE_INDENT_MAX 24
/* watch --tree: at most this many ancestors are walked for one process's depth. */
#define CLI_TREE_WALK_MAX 4096

struct cli_tree;

struct cli_out {
	const struct cli_fmt *fmt;
	FILE *f; /* stdout, or a stream cutting lines at the terminal's width */
	const struct pt_monitor *m;
	enum cli_view view;
	bool ascii; /* tree: ASCII drawing */
	bool header; /* text: print the column header (not with -q) */
	const struct pt_field_ref *cols; /* -o: the columns chosen, else NULL */
	size_t ncols;
	bool first; /* probe: nothing written yet */
	/* watch, text format: --time, --color, --tree, --compact */
	enum cli_time time;
	int64_t t0_us; /* --time=relative: 0 until the format's begin() sets it */
	bool color; /* the decision of --color (cli_color_wanted) */
	bool tree, compact;
	/*
	 * --tree: a process for which this says true is a root of the indentation
	 * (depth 0). NULL: the roots are the processes whose parent has no parent
	 * in the table (init's children, kthreadd's children).
	 */
	bool (*tree_root)(const struct pt_proc *p, void *data);
	void *tree_root_data;
	struct cli_tree *tree_cache; /* depths shown so far, freed by end() */
	/* JSON events: --ancestors=N (0: off); ancestors_given: the array the
	 * daemon sent for the event being written (NULL: computed from m) */
	unsigned ancestors;
	const char *ancestors_given;
	/* text: the CONTAINER column (ps: any row in a container; watch: from the
	 * first event in a container on, or always with --container-column) */
	bool ctr_col;
	bool ctr_col_header; /* watch: the header with the column was printed */
	/* lineage: mark records that exited */
	bool mark_exited;
	const struct cli_privs *privs; /* probe: what the capabilities buy, or NULL */
};

/* probe: what the capabilities held buy, tier by tier (cli-privs.c) */
struct cli_privs_in {
	uint64_t eff; /* effective capabilities */
	bool fifo; /* RLIMIT_RTPRIO permits the SCHED_FIFO reader */
	uid_t euid;
	const char *exe; /* readlink of /proc/self/exe */
	const char *bindir; /* where make install puts proctrail */
	int probe[PT_TIER_COUNT]; /* pt_probe() of each tier */
	unsigned missing[PT_TIER_COUNT]; /* pt_tier_event_gaps() of each tier */
};

struct cli_privs {
	uint64_t eff;
	bool fifo; /* the netlink tier may run a SCHED_FIFO reader */
	bool sudo; /* not root: the commands begin with sudo */
	bool build_tree; /* a libtool build tree's binary: path is the installed one */
	bool full; /* full fidelity with what is held */
	bool fixable; /* else: capabilities would give it (the connector said EPERM) */
	int probe[PT_TIER_COUNT];
	unsigned missing[PT_TIER_COUNT];
	uint64_t full_caps; /* what the one command grants */
	char path[16400]; /* the binary, one shell word */
	char setcap[16600]; /* the one command */
	char unit[160]; /* its systemd unit setting */
};

enum cli_fid { CLI_FID_NONE, CLI_FID_PARTIAL, CLI_FID_FULL };

struct cli_fidelity {
	enum cli_fid level;
	char detail[512];
	char raise[16800]; /* the command that would raise it, or "" */
};

void cli_privs_init(struct cli_privs *p, const struct cli_privs_in *in);
int cli_privs_read(struct cli_privs *p, const int probe[PT_TIER_COUNT],
		   const unsigned missing[PT_TIER_COUNT]);
void cli_privs_tier(const struct cli_privs *p, enum pt_tier t, struct cli_fidelity *f);
const char *cli_fid_name(enum cli_fid f);
size_t cli_privs_ncaps(void);
/* the i-th capability of the table: whether it is held, its name, tiers and what it buys */
bool cli_privs_cap(const struct cli_privs *p, size_t i, const char **name, const char **tiers,
		   const char **buys);

struct cli_fmt {
	const char *name;
	bool fit; /* lines may be cut at a terminal's width (not JSON) */
	void (*begin)(struct cli_out *o);
	int (*proc)(struct cli_out *o, const struct pt_proc *p); /* ps */
	int (*event)(struct cli_out *o, const struct pt_event *ev); /* watch */
	int (*show)(struct cli_out *o, const struct pt_proc *p);
	int (*tree)(struct cli_out *o, const struct pt_proc *root);
	/* probe: g says which event types the tier cannot deliver, and why */
	void (*tier)(struct cli_out *o, enum pt_tier t, bool runs, const char *why,
		     const struct pt_event_gaps *g);
	void (*end)(struct cli_out *o, enum pt_tier best); /* best: probe's pick */
};

extern const struct cli_fmt cli_fmt_text, cli_fmt_json;

/* Helpers of the text format (cli-output.c). */
void cli_print_cmdline(FILE *f, const char *args, size_t len, size_t max);
void cli_fmt_duration(char *out, size_t len, int64_t us);

/* The CONTAINER column (cli-output.c): Falco's short id (CLI_CTR_SHORT
 * characters), "-" on the host, "?" when the attribution is unknown. Returns
 * false when buf is too small. */
#define CLI_CTR_SHORT 12
bool cli_proc_ctr_short(const struct pt_proc *p, char *buf, size_t len);

/* watch's text views (cli-output.c). */
int cli_time_from_name(const char *name, enum cli_time *out);
/* One timestamp (us since the epoch) as --time shows it; t0_us: relative's origin. */
void cli_fmt_time(char *buf, size_t len, enum cli_time fmt, int64_t us, int64_t t0_us);
int cli_color_from_name(const char *name, enum cli_color *out);
/* --color: always, never, or auto: a terminal, NO_COLOR unset or empty, TERM not dumb. */
bool cli_color_wanted(enum cli_color mode, bool tty, const char *no_color, const char *term);
/* --tree: the depth of p under its root (0), from the table's lineage; remembered per process. */
unsigned cli_tree_depth(struct cli_out *o, const struct pt_proc *p);
void cli_tree_forget(struct cli_out *o, const struct pt_proc *p);

/*
 * Lineage through the fork-time parent (cli-lineage.c): exited ancestors still
 * retained included. fn gets each ancestor, nearest first, at most
 * CLI_LINEAGE_MAX. 0, fn's non-zero return, or -EINVAL.
 */
#define CLI_LINEAGE_MAX 4096
int cli_foreach_lineage(const struct pt_monitor *m, const struct pt_proc *p, pt_proc_fn fn,
			void *data);
/* --ancestors=N: at most this many (a subscribe request's ancestors member too). */
#define CLI_ANCESTORS_MAX 64
/* fork, exec and exit of a process (not a thread) carry "ancestors". */
bool cli_event_has_ancestors(const struct pt_event *ev);
/* obj (malloc'd JSON object of *len bytes, no newline) with "name":json added
 * before its closing brace; obj is taken over (realloc'd). NULL with errno. */
char *cli_json_splice(char *obj, size_t *len, const char *name, const char *json);
/* pt_json_event(ev) with "ancestors": given (a JSON array, e.g. the daemon's)
 * or pt_json_ancestors(m, ev->proc, n); without it when n is 0 or the event
 * has none. malloc'd, no newline; NULL with errno. */
char *cli_json_event_ancestors(const struct pt_monitor *m, const struct pt_event *ev, unsigned n,
			       const char *given, size_t *len);

/* Lines cut at the terminal's width (cli-fit.c). */
unsigned cli_term_width(int fd);
FILE *cli_fit_open(FILE *f, unsigned width);

/* Records gathered by a pt_proc_fn, sorted by pid with cli_procs_sort(). */
struct cli_procs {
	const struct pt_proc **v;
	size_t n, cap;
};
int cli_procs_add(const struct pt_proc *p, void *data);
void cli_procs_sort(struct cli_procs *k);
const char *cli_signame(int sig);

/*
 * --filter (cli-filter.c): a condition (pt_cond_parse(), strict), or the old
 * KEY=PATTERN terms, which are translated to one. watch, replay, ps, proctraild's
 * ps and subscribe, and the sinks. A blank text keeps everything. On -EINVAL,
 * err says why, with the byte offset ("unknown field 'proc.nam' at 0").
 */
struct cli_filter;
int cli_filter_parse(const char *expr, struct cli_filter **out, char *err, size_t errlen);
void cli_filter_free(struct cli_filter *f);
/* The condition text: the translation when old terms were given. */
const char *cli_filter_text(const struct cli_filter *f);
/* Given as old terms (the CLI says they are deprecated; the daemon does not). */
bool cli_filter_compat(const struct cli_filter *f);
/* An event (lost events always pass; f NULL: everything passes); m serves
 * PT_FIELD_MONITOR fields (proc.pname...). */
bool cli_filter_match(const struct cli_filter *f, const struct pt_monitor *m,
		      const struct pt_event *ev);
/*
 * One event through several filters (--filter, --sink-filter, subscribers'),
 * each field read once: the user's context (one per thread; NULL: none) is set
 * to the event by the first filter that needs it.
 */
struct cli_filter_ev {
	struct pt_cond_ctx *x;
	const struct pt_monitor *m;
	const struct pt_event *ev;
	bool set;
};
bool cli_filter_eval(const struct cli_filter *f, struct cli_filter_ev *e);
/* A record (ps): no event, so evt.* checks are false. */
bool cli_filter_match_proc(const struct cli_filter *f, const struct pt_monitor *m,
			   const struct pt_proc *p);
/* --container, --pod, --host-only of watch and ps: condition text. */
struct cli_ctr_sel {
	const char *container, *pod;
	bool host_only;
};
static inline bool cli_ctr_sel_any(const struct cli_ctr_sel *s)
{
	return s->container || s->pod || s->host_only;
}
/*
 * filter (a condition; may be NULL) and sel's checks joined with `and`
 * (malloc'd), or NULL with errno (EINVAL: err says why: an empty value,
 * exclusive options). host: `container.id = host`; container=X: a prefix of
 * the full id or the exact name; pod=NAME|UID|NS/NAME; with * ? or [ in the
 * value, shell patterns.
 */
char *cli_filter_expr(const char *filter, const struct cli_ctr_sel *sel, char *err, size_t errlen);

/*
 * watch -p and watch -- CMD: follow processes and their descendants
 * (cli-follow.c). The functions the watch loop calls accept NULL (not
 * following).
 */
struct cli_follow;
struct cli_follow *cli_follow_new(const char *prog, bool verbose);
void cli_follow_free(struct cli_follow *f);
int cli_follow_add_pids(struct cli_follow *f, const char *list, char *err, size_t errlen);
bool cli_follow_has_pids(const struct cli_follow *f);
/* 0, or the shell's exit status (127 not found, 126 not executable) after a message */
int cli_follow_cmd(struct cli_follow *f, char **argv, int argc);
bool cli_follow_has_cmd(const struct cli_follow *f);
/* The events to ask the monitor for, given those to print. */
unsigned cli_follow_events(struct cli_follow *f, unsigned events);
/* After the monitor opened: check -p against the table, fork the command (waiting). */
int cli_follow_start(struct cli_follow *f, const struct pt_monitor *m, unsigned interval_ms);
/* Once the output has begun: let the command exec when the monitor has seen it. */
int cli_follow_release(struct cli_follow *f, struct pt_monitor *m);
/* Every event, first: false when it is not to be printed. */
bool cli_follow_event(struct cli_follow *f, const struct pt_event *ev);
int cli_follow_fd(const struct cli_follow *f); /* poll it too; -1: none */
int cli_follow_timeout(const struct cli_follow *f, int wait_ms);
bool cli_follow_done(struct cli_follow *f); /* stop watching now */
bool cli_follow_is_root(const struct pt_proc *p, void *data); /* cli_out.tree_root */
/* Wait for the command, say what was followed; watch's exit status. */
int cli_follow_end(struct cli_follow *f, int rc, bool quiet);

/*
 * The query commands (proctrail.c) and the CLI as proctraild's client
 * (cli-client.c). A query is gathered, from a snapshot of /proc or from the
 * daemon's reply imported into an empty monitor, then rendered by the same
 * code either way, so the output is identical in both modes.
 */
enum cli_qcmd {
	CLI_Q_PS,
	CLI_Q_SHOW,
	CLI_Q_TREE,
	CLI_Q_LINEAGE,
	CLI_Q_CHILDREN,
	CLI_Q_RECENT,
	CLI_Q_SHORT,
	CLI_Q_STATUS,
	CLI_Q_CONTAINERS,
};
extern const char *const cli_qcmd_names[];

/* --local, --daemon, or neither: the daemon when it answers, else a snapshot. */
enum cli_mode { CLI_MODE_AUTO, CLI_MODE_LOCAL, CLI_MODE_DAEMON };

struct cli_query {
	enum cli_qcmd cmd;
	const char *arg; /* the process as given: PID, PID@TIME or KEY */
	struct pt_ref ref; /* arg parsed; tree without arg: pid 1 */
	double secs; /* recent */
	unsigned long ms; /* short */
	const char *filter; /* ps: --container, --pod, --host-only as filter terms */
};

struct cli_result {
	struct pt_monitor *m; /* the snapshot, or the records the daemon sent */
	const struct pt_proc *one; /* show, tree, lineage, children: the process named */
	struct cli_procs k; /* ps, lineage, children, recent, short: the records shown */
	char *status; /* status: one JSON object (malloc'ed) */
	size_t status_len;
	char **ctrs; /* containers: one pt_json_container() object each (malloc'ed) */
	size_t nctrs;
};
/* containers: add one object (a copy of len bytes). 0 or -ENOMEM. */
int cli_result_add_ctr(struct cli_result *res, const char *json, size_t len);
void cli_result_free(struct cli_result *res);

/* The socket: --socket, else $PROCTRAIL_SOCKET when not empty, else the default. */
const char *cli_socket_path(const char *opt);

/* A daemon's error reply: its code (not_found, other_boot, ...) and message. */
struct cli_error {
	char code[32];
	char message[512];
};

enum cli_client_rc {
	CLI_CLIENT_OK = 0,
	CLI_CLIENT_UNREACHABLE, /* nothing answers at the socket: why says; fall back */
	CLI_CLIENT_REFUSED, /* the daemon answered with an error: err */
	CLI_CLIENT_FAILED, /* the conversation broke off: why says */
};

/* Ask the daemon at path for q and fill res (the records imported into an
 * empty monitor opened with base's log settings). timeout_ms bounds each wait
 * for the daemon. */
enum cli_client_rc cli_client_query(const char *path, int timeout_ms, const struct pt_options *base,
				    const struct cli_query *q, struct cli_result *res,
				    struct cli_error *err, char *why, size_t whylen);

/* ---- the protocol's pieces (cli-client.c), unit-tested ---- */

/* A request line: {"cmd":CMD,...} with members added in order; ends in '\n'. */
struct cli_req {
	FILE *f;
	char *buf;
	size_t len;
};
int cli_req_begin(struct cli_req *r, const char *cmd);
void cli_req_str(struct cli_req *r, const char *name, const char *value);
void cli_req_num(struct cli_req *r, const char *name, double value);
void cli_req_raw(struct cli_req *r, const char *name, const char *json);
/* The line (NUL-terminated, r->len bytes with the newline), or NULL; free() it. */
char *cli_req_end(struct cli_req *r);
/* A JSON string of any bytes: invalid UTF-8 and controls as \u escapes. */
void cli_json_string(FILE *f, const char *s);

enum cli_reply_kind {
	CLI_REPLY_RECORD, /* a record (or an event, or the status object) */
	CLI_REPLY_DONE, /* {"done":CMD,"count":N} */
	CLI_REPLY_ERROR, /* {"error":{"code":C,"message":M}} */
	CLI_REPLY_SUBSCRIBED, /* {"subscribed":{...}} */
};
struct cli_reply {
	enum cli_reply_kind kind;
	char done[16]; /* DONE: the command */
	uint64_t count; /* DONE: records sent; SUBSCRIBE's done: events */
	uint64_t lost; /* DONE of subscribe: events the daemon dropped for this client */
	struct cli_error err; /* ERROR */
};
/* Classify one reply line (without its newline). 0, or -EBADMSG with why for a
 * final line that does not parse or a line that is not a JSON object. */
int cli_reply_parse(const char *line, size_t len, struct cli_reply *out, char *why, size_t whylen);

/* A connection: lines in, lines out (cli-client.c). */
struct cli_conn;
int cli_conn_open(const char *path, int timeout_ms, struct cli_conn **out);
void cli_conn_close(struct cli_conn *c);
int cli_conn_fd(const struct cli_conn *c);
int cli_conn_send(struct cli_conn *c, const char *line, size_t len);
/*
 * The next line (without its newline, NUL-terminated, valid until the next
 * call): its length; -EAGAIN when wait is false and no whole line has
 * arrived; -ECONNRESET at end of stream (with a partial line); -ETIMEDOUT;
 * -EMSGSIZE for a line longer than CLI_LINE_MAX.
 */
#define CLI_LINE_MAX (256u << 20)
ssize_t cli_conn_line(struct cli_conn *c, bool wait, char **line);
/* A record line of a reply; a negative return ends the call (why says). */
typedef int (*cli_record_fn)(const char *line, size_t len, void *data, char *why, size_t whylen);
/* Send one request and read its reply up to the final line, each record to fn
 * (may be NULL). UNREACHABLE when nothing was read on c yet or the daemon is busy. */
enum cli_client_rc cli_conn_call(struct cli_conn *c, const char *req, cli_record_fn fn, void *data,
				 struct cli_error *err, char *why, size_t whylen);
/* Send a subscribe request and read its first line: OK once subscribed. */
enum cli_client_rc cli_conn_subscribe(struct cli_conn *c, const char *req, struct cli_error *err,
				      char *why, size_t whylen);
/* An empty monitor to import into (PT_OPEN_EMPTY), and one line into it. */
int cli_open_empty(const struct pt_options *base, struct pt_monitor **m);
int cli_import_event(struct pt_monitor *m, const char *line, size_t len, char *why, size_t whylen);
int cli_import_proc(struct pt_monitor *m, const char *line, size_t len, const struct pt_proc **p,
		    char *why, size_t whylen);

/* proctrail history (cli-history.c): the SQLite history without SQL. */
int cli_history(int argc, char **argv);
/* --since/--until: ISO 8601 (local time unless Z or an offset) or 30s, 10m, 2h,
 * 1d, 1w before now (us since the epoch). 0 or -EINVAL, -ERANGE. */
int cli_history_parse_time(const char *s, int64_t now, int64_t *us);

/*
 * proctrail --list-options COMMAND (proctrail.c), for the shell completion
 * scripts: main sets cli_list_opts and runs the command, whose option parser
 * calls cli_list_longopts() with its own table before it parses anything.
 */
struct option;
extern bool cli_list_opts;
/* One long option, one line: --NAME, or --NAME= when it needs a value;
 * nothing for --db-password, which is only refused. */
void cli_print_longopt(const struct option *o);
/* When cli_list_opts: print every option of lo, then exit 0. */
void cli_list_longopts(const struct option *lo);

#endif
