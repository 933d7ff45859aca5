/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proctrail: the command-line tool. See proctrail(1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "daemon.h"
#include "outq.h"
#include "alerts.h"
#include "cli-sink.h"
#include "replay.h"
#include "rules.h"

#define EXIT_USAGE 2
#define EXIT_FAIL 1
/* How long the CLI waits for the daemon at each step before giving up. */
#define CLI_TIMEOUT_MS 10000

static struct pt_monitor *the_monitor;
static volatile sig_atomic_t stop_requested;
/* SIGHUP: reopen the sinks (after an external logrotate), when there are any */
static volatile sig_atomic_t reopen_requested;
static bool hup_reopens;
static const char *prog = "proctrail";
static int verbosity = PT_LOG_NOTICE;

static void log_stderr(int level, const char *msg, void *data)
{
	(void)data;
	/* a message may quote what a process chose (a name, a path) */
	fprintf(stderr, "%s: %s", prog, level <= PT_LOG_ERR ? "error: " : "");
	cli_escape_str(stderr, msg);
	fputc('\n', stderr);
}

/* A usage error: one line on stderr, exit status 2. */
__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

bool cli_list_opts;

void cli_print_longopt(const struct option *o)
{
	/* taken only to be refused with the reason: not one to offer */
	if (o->val == CLI_SINK_DB_PASSWORD)
		return;
	printf("--%s%s\n", o->name, o->has_arg == required_argument ? "=" : "");
}

void cli_list_longopts(const struct option *lo)
{
	if (!cli_list_opts)
		return;
	for (; lo->name; lo++)
		cli_print_longopt(lo);
	exit(fflush(stdout) == EOF ? EXIT_FAIL : 0);
}

/*
 * getopt_long's own messages name the program by argv[0], which under libtool
 * is a .libs/ path. Every option string starts with ':' and opterr is 0, so
 * these say what was wrong instead: c is ':' for a missing value, '?' for an
 * unknown option.
 */
static void option_error(const char *cmd, char **argv, int c)
{
	const char *given = argv[optind - 1];
	const char *sep = strcmp(cmd, prog) ? ": " : "";

	if (strcmp(cmd, prog) == 0)
		cmd = "";
	if (c == ':')
		usage_error("%s%soption '%s' needs a value", cmd, sep, given);
	if (optopt)
		usage_error("%s%sunknown option '-%c'", cmd, sep, optopt);
	usage_error("%s%sunknown option '%s'", cmd, sep, given);
}

/* A decimal number in [min, max] with an optional K or M suffix; else exit 2 saying the range. */
static unsigned long parse_num(const char *opt, const char *s, unsigned long min, unsigned long max,
			       bool bytes)
{
	unsigned shift = 0;
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (bytes && (*end == 'K' || *end == 'k'))
		shift = 10, end++;
	else if (bytes && (*end == 'M' || *end == 'm'))
		shift = 20, end++;
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v > (max >> shift) ||
	    (v << shift) < min)
		usage_error("invalid value for %s: '%s' (%lu to %lu%s)", opt, s, min, max,
			    bytes ? " bytes; suffixes K and M" : "");
	return v << shift;
}

static pid_t parse_pid(const char *s)
{
	return (pid_t)parse_num("PID", s, 1, INT_MAX, false);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP && hup_reopens) {
		reopen_requested = 1;
		return;
	}
	stop_requested = 1;
	if (the_monitor)
		pt_monitor_stop(the_monitor);
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void base_options(struct pt_options *o)
{
	pt_options_init(o);
	o->log = log_stderr;
	o->log_level = verbosity;
}

/* ---- output ---- */

/*
 * The output of a command: the format chosen (text or json) writing to stdout,
 * through a stream cutting text lines at the terminal's width when stdout is
 * a terminal.
 */
struct out_opts {
	bool json, ascii, quiet;
	const char *cols; /* -o LIST */
	/* watch's text views: --time, --color, --tree, --compact */
	enum cli_time time;
	enum cli_color color;
	bool time_set, tree, compact;
};

struct cli_fields {
	struct pt_field_ref *v;
	size_t n;
};

/* -o LIST: registry fields by condition name (proc.pid) or JSON name (pid). */
static void parse_cols(const char *list, unsigned need, struct cli_fields *out)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		exit(EXIT_FAIL);
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		struct pt_field_ref ref;
		struct pt_field_ref *nv;
		int r = pt_field_lookup(t, &ref);

		if (r == -ENOENT)
			usage_error("-o: unknown field '%s' (proctrail --fields lists them)", t);
		if (r < 0)
			usage_error("-o: bad argument in '%s': %s", t, strerror(-r));
		if (!(pt_field_def_flags(ref.def) & need))
			usage_error("-o: field '%s' is not a field of %s", t,
				    need == PT_FIELD_PROC ? "a process"
							  : "an event or its process");
		nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv)
			exit(EXIT_FAIL);
		out->v = nv;
		out->v[out->n++] = ref;
	}
	free(copy);
	if (!out->n)
		usage_error("-o needs at least one field");
}

/* The output formats, by name. */
static const struct cli_fmt *const formats[] = {&cli_fmt_text, &cli_fmt_json};

static const struct cli_fmt *format(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return formats[0];
}

static void out_open(struct cli_out *o, const struct out_opts *oo, enum cli_view view,
		     const struct cli_fields *cols)
{
	*o = (struct cli_out){
		.fmt = format(oo->json ? "json" : "text"),
		.f = stdout,
		.view = view,
		.ascii = oo->ascii,
		.header = !oo->quiet,
		.cols = cols && cols->n ? cols->v : NULL,
		.ncols = cols ? cols->n : 0,
		.time = oo->time,
		.tree = oo->tree,
		.compact = oo->compact,
		/* never into JSON */
		.color = !oo->json &&
			cli_color_wanted(oo->color, isatty(STDOUT_FILENO), getenv("NO_COLOR"),
					 getenv("TERM")),
	};
	if (o->fmt->fit && isatty(STDOUT_FILENO)) {
		FILE *fit = cli_fit_open(stdout, cli_term_width(STDOUT_FILENO));

		if (fit)
			o->f = fit;
	} else if (!isatty(STDOUT_FILENO)) {
		/* glibc ignores the size when it allocates the buffer itself
		 * (st_blksize, 4 KiB): give it ours, one write per dispatch */
		static char buf[1 << 16];

		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	}
}

/* Flush; false when the reader has gone (EPIPE). */
static bool out_flush(struct cli_out *o)
{
	if (o->f != stdout && fflush(o->f) == EOF)
		return false;
	return !(fflush(stdout) == EOF && errno == EPIPE);
}

static void out_close(struct cli_out *o)
{
	if (o->f != stdout)
		fclose(o->f);
	fflush(stdout);
	o->f = NULL;
}

/* ---- watch ---- */

struct watch_ctx {
	struct cli_out out;
	struct out_opts oo;
	struct cli_fields cols;
	struct cli_filter *filter;
	struct pt_cond_ctx *cx; /* --filter's and --sink-filter's: each field read once */
	struct pt_options o;
	const char *watch_dirs[33];
	unsigned nwatch;
	double duration;
	struct cli_follow *follow; /* -p, -- CMD; NULL: every process */
	uint64_t printed[PT_EV_COUNT], filtered;
	int error;
	/* the bounded queue between the monitor and stdout (watch_q_*) */
	struct pt_outq *q;
	size_t q_size;
	FILE *stage;
	char *stage_buf;
	size_t stage_len, stage_cap;
	int q_drain; /* 0, or why the last records were given up (-ETIMEDOUT, -EPIPE) */
	/* the daemon's stream (watch_attach): --local, --daemon, --socket */
	enum cli_mode mode;
	const char *socket;
	const char *local_why; /* the first option that configures a local monitor */
	const char
		*filter_expr; /* --filter's condition (with the container checks), for the daemon */
	struct cli_ctr_sel sel; /* --container, --pod, --host-only */
	char *filter_owned; /* filter_expr when the container terms were added */
	unsigned ancestors; /* --ancestors=N */
	bool ctr_col_always; /* --container-column */
	bool events_set; /* --events given */
	struct cli_conn *conn; /* attached: the subscription */
	enum pt_tier remote_tier; /* the daemon's tier */
	uint64_t remote_lost; /* counts of the lost events the daemon sent */
	uint64_t remote_slow; /* of which dropped by the daemon for this slow client */
	uint64_t remote_bad; /* event lines that did not import */
	bool remote_done; /* the daemon ended the stream */
	/* the sinks (--output, --sqlite, --pg...): the --json lines of what is shown */
	struct cli_sinks *sinks;
	bool replay; /* offline: stdout and the sinks are waited for, nothing dropped */
	bool no_stdout; /* replay -q: the sinks only */
	/* --rules, --rules-only (alerts.h): evaluated on the monitor's thread */
	const char **rules_paths;
	size_t nrules_paths;
	struct rules *rules;
	bool rules_only;
	uint64_t alerts; /* alerts shown and sent to the sinks (raised, or the daemon's) */
	uint64_t alerts_recorded; /* replay: alert lines of the input */
	char *alert_buf; /* an alert line and its '\n', for the sinks */
	size_t alert_cap;
};

#define WATCH_SINK_DRAIN_MS 5000 /* at stop: what the sinks may take to write the rest */

/*
 * ---- watch's output: a bounded queue and a writer thread ----
 *
 * The formats write each event into a staging stream; the event's bytes then go
 * into the queue as one record, or are dropped whole when the queue is full.
 * A writer thread (src/outq.c) drains the queue to stdout, so a reader that
 * stalls never blocks the monitor's thread, and stdout keeps its blocking
 * mode (it may be shared with a shell). Drops are reported in the stream as a
 * `lost` event with reason slow-reader once there is room again, and in the
 * summary.
 */
#define WATCH_Q_IDLE_MS 2000 /* at stop: give up on a reader that took nothing this long */

static ssize_t stage_write(void *cookie, const char *buf, size_t len)
{
	struct watch_ctx *w = cookie;

	if (w->stage_len + len > w->stage_cap) {
		size_t cap = (w->stage_len + len) * 2;
		char *n = realloc(w->stage_buf, cap);

		if (!n)
			return -1;
		w->stage_buf = n;
		w->stage_cap = cap;
	}
	memcpy(w->stage_buf + w->stage_len, buf, len);
	w->stage_len += len;
	return (ssize_t)len;
}

/* The staged bytes as one record: an event (counted), or a report of count drops. */
static int stage_commit(struct watch_ctx *w, bool event, uint64_t count)
{
	int r = 0;

	if (fflush(w->out.f) == EOF || (w->out.f != w->stage && fflush(w->stage) == EOF))
		r = -ENOMEM;
	if (r == 0 && w->stage_len)
		r = !event	    ? pt_outq_push_report(w->q, w->stage_buf, w->stage_len, count)
			: w->replay ? pt_outq_push_wait(w->q, w->stage_buf, w->stage_len, -1)
				    : pt_outq_push(w->q, w->stage_buf, w->stage_len);
	else if (r < 0 && event)
		pt_outq_push(w->q, "", 0); /* count it dropped */
	w->stage_len = 0;
	return r;
}

/* Drops not yet told: a lost event, reason slow-reader, when there is room. */
static void watch_q_report(struct watch_ctx *w)
{
	uint64_t n = pt_outq_report_due(w->q);
	struct pt_event ev = {.type = PT_EV_LOST};
	struct timespec ts;

	if (!n)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	ev.pid = ev.tid = -1;
	ev.tier = w->conn ? w->remote_tier : pt_monitor_tier(the_monitor);
	ev.u.lost.count = n;
	ev.u.lost.reason = "slow-reader";
	if (w->out.fmt->event(&w->out, &ev) < 0)
		w->stage_len = 0;
	else
		stage_commit(w, false, n);
}

/*
 * The event to the sinks, when --sink-filter keeps it (evaluated once for all
 * of them): its --json line, the bytes the JSON format has just staged when
 * that is what stdout gets, else rendered once here.
 */
static int watch_sinks_emit(struct watch_ctx *w, struct cli_filter_ev *fe, bool staged)
{
	const struct pt_event *ev = fe->ev;
	size_t len;
	char *json;

	if (!cli_sinks_want(w->sinks, fe))
		return 0;
	if (staged && w->oo.json && !w->oo.cols && w->out.f == w->stage && fflush(w->stage) == 0 &&
	    w->stage_len) {
		cli_sinks_push(w->sinks, w->stage_buf, w->stage_len, w->replay);
		return 0;
	}
	json = pt_json_event(ev, &len);
	if (!json)
		return -ENOMEM;
	json[len] = '\n'; /* over the NUL */
	cli_sinks_push(w->sinks, json, len + 1, w->replay);
	free(json);
	return 0;
}

static int watch_emit(struct watch_ctx *w, struct cli_filter_ev *fe)
{
	const struct pt_event *ev = fe->ev;
	int r;

	if (w->no_stdout)
		return w->sinks ? watch_sinks_emit(w, fe, false) : 0;
	if (!w->q) {
		if (w->sinks)
			watch_sinks_emit(w, fe, false);
		return w->out.fmt->event(&w->out, ev);
	}
	stage_commit(w, false, 0); /* not part of this event */
	watch_q_report(w);
	r = w->out.fmt->event(&w->out, ev);
	if (r < 0) {
		w->stage_len = 0;
		return r;
	}
	if (w->sinks && watch_sinks_emit(w, fe, true) < 0)
		return -ENOMEM;
	r = stage_commit(w, true, 0);
	/* a full queue or a reader gone: counted, never an error of the monitor */
	return r == -ENOMEM ? r : 0;
}

/*
 * Falco's output begins with the time and the priority ("08:01:02.123456789:
 * Warning "): the text line has both already.
 */
static const char *alert_text_output(const char *out, const char *prio)
{
	const char *p = out;
	size_t n = prio ? strlen(prio) : 0;

	if (strlen(p) < 10 || p[2] != ':' || p[5] != ':' || p[8] != '.')
		return out;
	p += 9;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		return out;
	p += 2;
	if (n && strncmp(p, prio, n) == 0 && p[n] == ' ')
		p += n + 1;
	return p;
}

/* HH:MM:SS.mmm ALERT <Priority> <rule>: <output>, escaped for the terminal. */
static void alert_text(FILE *f, int64_t time_us, const char *prio, const char *rule,
		       const char *output)
{
	time_t t = (time_t)(time_us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	fprintf(f, "%02d:%02d:%02d.%03d ALERT ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(int)(time_us % 1000000 / 1000));
	cli_escape_str(f, prio ? prio : "?");
	fputc(' ', f);
	cli_escape_str(f, rule ? rule : "?");
	fputs(": ", f);
	cli_escape_str(f, alert_text_output(output ? output : "", prio));
	fputc('\n', f);
}

/*
 * One alert: its JSON line (no newline) to the sinks, and to stdout through the
 * bounded queue as an event's bytes go (dropped whole and counted when full):
 * the line itself with --json, else the text line.
 */
static int watch_alert(struct watch_ctx *w, int64_t time_us, const char *prio, const char *rule,
		       const char *output, const char *json, size_t len)
{
	int r;

	w->alerts++;
	if (w->sinks) {
		if (len + 1 > w->alert_cap) {
			char *b = realloc(w->alert_buf, len + 1);

			if (!b)
				return -ENOMEM;
			w->alert_buf = b;
			w->alert_cap = len + 1;
		}
		memcpy(w->alert_buf, json, len);
		w->alert_buf[len] = '\n';
		cli_sinks_push(w->sinks, w->alert_buf, len + 1, w->replay);
	}
	if (w->no_stdout)
		return 0;
	if (w->q) {
		stage_commit(w, false, 0); /* not part of this alert */
		watch_q_report(w);
	}
	if (w->oo.json) {
		fwrite(json, 1, len, w->out.f);
		fputc('\n', w->out.f);
	} else {
		alert_text(w->out.f, time_us, prio, rule, output);
	}
	if (!w->q)
		return 0;
	r = stage_commit(w, true, 0);
	return r == -ENOMEM ? r : 0;
}

static void on_alert(const struct rules_alert *a, void *data)
{
	struct watch_ctx *w = data;
	int r = watch_alert(w, a->time_us, a->priority, a->rule, a->output, a->json, a->json_len);

	if (r < 0 && !w->error)
		w->error = r;
}

/* "2026-12-03T08:01:02.123456000Z": microseconds; 0 when it does not read. */
static int64_t alert_time_us(const char *s)
{
	struct tm tm = {0};
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	int64_t us = 0, scale = 100000;

	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			us += scale ? (*p - '0') * scale : 0;
	return (int64_t)timegm(&tm) * 1000000 + us;
}

/* An alert line from elsewhere (the daemon's, or recorded): shown as raised ones are. */
static int watch_alert_line(struct watch_ctx *w, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
	int r;

	if (!json_is_object(o)) {
		json_decref(o);
		return -EINVAL;
	}
	r = watch_alert(w, alert_time_us(json_string_value(json_object_get(o, "time"))),
			json_string_value(json_object_get(o, "priority")),
			json_string_value(json_object_get(o, "rule")),
			json_string_value(json_object_get(o, "output")), line, len);
	json_decref(o);
	return r;
}

/* --rules: every diagnostic once on stderr (warnings not with -q), escaped. */
static void rules_diag_print(enum rules_level level, const char *line, void *data)
{
	const struct watch_ctx *w = data;

	if (level != RULES_ERROR && w->oo.quiet)
		return;
	fprintf(stderr, "%s: ", prog);
	cli_escape_str(stderr, line);
	fputc('\n', stderr);
}

/* Load and compile the --rules paths; an error exits 2 as a bad option does. */
static void watch_rules_open(struct watch_ctx *w, const char *cmd)
{
	char sum[256];
	int r;

	if (!w->nrules_paths)
		return;
	/* evt.hostname is --host-name's, as the SQL rows' host column (and proctraild's) */
	r = alerts_rules_open(&w->rules, w->rules_paths, w->nrules_paths, cli_sinks_host(w->sinks),
			      rules_diag_print, w);
	if (r == -EINVAL)
		usage_error("%s: --rules: the rules do not load (the errors are above)", cmd);
	if (r < 0) {
		fprintf(stderr, "%s: %s: --rules: %s\n", prog, cmd, strerror(-r));
		exit(EXIT_FAIL);
	}
	if (!w->oo.quiet) {
		alerts_rules_summary(w->rules, sum, sizeof(sum));
		fprintf(stderr, "%s: rules: %s\n", prog, sum);
	}
}

static void watch_rules_free(struct watch_ctx *w)
{
	rules_free(w->rules);
	w->rules = NULL;
	free(w->rules_paths);
	free(w->alert_buf);
}

/* --rules PATH (path), --rules-only (NULL) */
static void rules_option(struct watch_ctx *w, const char *cmd, const char *path)
{
	const char **v;

	if (!path) {
		w->rules_only = true;
		return;
	}
	if (!*path)
		usage_error("%s: --rules needs a file or a directory", cmd);
	v = realloc(w->rules_paths, (w->nrules_paths + 1) * sizeof(*v));
	if (!v)
		exit(EXIT_FAIL);
	w->rules_paths = v;
	v[w->nrules_paths++] = path;
}

static void rules_options_check(const struct watch_ctx *w, const char *cmd)
{
	if (w->rules_only && !w->nrules_paths)
		usage_error("%s: --rules-only prints the alerts of --rules; no --rules given", cmd);
}

/* Put the queue between the formats and stdout (after out_open, before begin). */
static int watch_q_open(struct watch_ctx *w)
{
	static const cookie_io_functions_t io = {.write = stage_write};
	int r;

	r = pt_outq_new(&w->q, w->q_size ? w->q_size : PT_OUTQ_DEFAULT);
	if (r < 0)
		return r;
	w->stage = fopencookie(w, "w", io);
	if (!w->stage)
		return -errno;
	setvbuf(w->stage, NULL, _IOFBF, 1 << 16);
	if (w->out.f != stdout) {
		/* lines cut at the terminal's width: the cutting stream, over the queue */
		FILE *fit = cli_fit_open(w->stage, cli_term_width(STDOUT_FILENO));

		fclose(w->out.f);
		w->out.f = fit ? fit : w->stage;
	} else {
		w->out.f = w->stage;
	}
	return pt_outq_start(w->q, STDOUT_FILENO);
}

/* Queue what the formats wrote outside events (the text header); true when the
 * writer failed (EPIPE: the reader has gone): stop as a direct write would. */
static bool watch_q_flush(struct watch_ctx *w)
{
	struct pt_outq_stats st;

	if (!w->q || !w->stage)
		return false;
	stage_commit(w, false, 0);
	pt_outq_wake(w->q);
	pt_outq_stats(w->q, &st);
	return st.error < 0;
}

/* At stop: what the formats still hold, the drops not yet told, then write
 * it all while the reader takes it; what it does not take is counted. */
static void watch_q_close(struct watch_ctx *w)
{
	if (!w->q || !w->stage)
		return;
	stage_commit(w, false, 0);
	stop_requested = 0; /* a second SIGINT or SIGTERM gives up on the reader */
	w->q_drain = pt_outq_drain(w->q, WATCH_Q_IDLE_MS, &stop_requested);
	if (w->q_drain == 0 && pt_outq_unreported(w->q)) {
		watch_q_report(w);
		w->q_drain = pt_outq_drain(w->q, WATCH_Q_IDLE_MS, &stop_requested);
	}
	pt_outq_stop(w->q);
	if (w->out.f != w->stage)
		fclose(w->out.f);
	fclose(w->stage);
	w->stage = NULL;
	w->out.f = stdout;
}

static void watch_q_free(struct watch_ctx *w)
{
	pt_outq_free(w->q);
	w->q = NULL;
	free(w->stage_buf);
}

static void on_event(const struct pt_event *ev, void *data)
{
	struct watch_ctx *w = data;
	struct cli_filter_ev fe;
	int r;

	if (w->conn && ev->type == PT_EV_LOST) {
		/* the daemon's losses: its source's, and what it dropped for us */
		w->remote_lost += ev->u.lost.count;
		if (ev->u.lost.reason && strcmp(ev->u.lost.reason, "slow-reader") == 0)
			w->remote_slow += ev->u.lost.count;
	}
	if (!cli_follow_event(w->follow, ev))
		return;
	/* before --filter, which selects the events shown, not what rules see */
	if (w->rules)
		rules_eval(w->rules, the_monitor, ev, on_alert, w);
	fe = (struct cli_filter_ev){.x = w->cx, .m = w->out.m, .ev = ev};
	/* attached, the daemon applied the same condition to its own records,
	 * which know more than the members an event line carries */
	if (!w->conn && !cli_filter_eval(w->filter, &fe)) {
		w->filtered++;
		return;
	}
	w->printed[ev->type]++;
	/* --rules-only: the alerts, and the losses that may have hidden some */
	if (w->rules_only && ev->type != PT_EV_LOST)
		r = w->sinks ? watch_sinks_emit(w, &fe, false) : 0;
	else
		r = watch_emit(w, &fe);
	if (r < 0 && !w->error)
		w->error = r;
}

/* What the tier could not deliver of what was asked: never silently absent. */
static void print_gaps(const struct pt_monitor *m)
{
	struct pt_event_gaps g;

	if (pt_monitor_event_gaps(m, &g) < 0 || !g.missing)
		return;
	for (int i = 0; i < PT_EV_COUNT; i++)
		if (g.missing & PT_EVMASK(i))
			fprintf(stderr, "%s: tier %s delivers no %s events: %s\n", prog,
				pt_tier_name(pt_monitor_tier(m)),
				pt_event_name((enum pt_event_type)i), g.why[i] ? g.why[i] : "?");
}

/* The alerts, and what evaluating the rules cost. */
static void print_rules_summary(const struct watch_ctx *w)
{
	struct rules_stats rst;

	if (!w->rules) {
		if (w->alerts && w->conn)
			fprintf(stderr, "%s: %" PRIu64 " alerts of the daemon's rules\n", prog,
				w->alerts);
		return;
	}
	rules_get_stats(w->rules, &rst);
	fprintf(stderr,
		"%s: rules: %" PRIu64 " alerts raised; %" PRIu64 " execs evaluated against %zu "
		"rules, %" PRIu64 " ns per exec\n",
		prog, rst.alerts, rst.evaluated, rules_loaded(w->rules),
		rst.evaluated ? rst.eval_ns / rst.evaluated : 0);
}

/* The summary's "alerts" and "rules" members. */
static void print_rules_json(const struct watch_ctx *w)
{
	struct rules_stats rst;

	fprintf(stderr, ",\"alerts\":%" PRIu64, w->alerts);
	if (!w->rules)
		return;
	rules_get_stats(w->rules, &rst);
	fprintf(stderr,
		",\"rules\":{\"loaded\":%zu,\"evaluated\":%" PRIu64 ",\"alerts\":%" PRIu64
		",\"eval_ns\":%" PRIu64 ",\"eval_ns_per_exec\":%" PRIu64 "}",
		rules_loaded(w->rules), rst.evaluated, rst.alerts, rst.eval_ns,
		rst.evaluated ? rst.eval_ns / rst.evaluated : 0);
}

static void print_summary(const struct watch_ctx *w, const struct pt_monitor *m, double secs)
{
	struct pt_outq_stats qs = {0};
	struct pt_status st;
	uint64_t total = 0;

	pt_monitor_status(m, &st);
	if (w->conn) {
		/* attached: the daemon's tier; its losses are what its lost events told */
		st.tier = w->remote_tier;
		st.lost = w->remote_lost;
		st.malformed += w->remote_bad;
	}
	if (w->q) {
		/* what the monitor saw but stdout did not take counts as lost too */
		pt_outq_stats(w->q, &qs);
		st.lost += qs.dropped;
	}
	/* and what a sink did not write (reason sink) */
	st.lost += cli_sinks_dropped(w->sinks);
	for (int i = 0; i < PT_EV_COUNT; i++)
		total += w->printed[i];
	fprintf(stderr, "%s: %" PRIu64 " events in %.1f s (tier %s):", prog, total, secs,
		pt_tier_name(st.tier));
	for (int i = 0; i < PT_EV_COUNT; i++)
		if (w->printed[i])
			fprintf(stderr, " %s %" PRIu64, pt_event_name((enum pt_event_type)i),
				w->printed[i]);
	if (w->filter)
		fprintf(stderr, "; %" PRIu64 " more left out by --filter", w->filtered);
	fputc('\n', stderr);
	fprintf(stderr,
		"%s: lost %" PRIu64 " (%" PRIu64 " estimated, %" PRIu64
		" by a slow reader of stdout",
		prog, st.lost, st.lost_estimated, qs.dropped);
	if (w->conn)
		fprintf(stderr, ", %" PRIu64 " by the daemon for this slow client", w->remote_slow);
	if (w->sinks)
		fprintf(stderr, ", %" PRIu64 " by sinks", cli_sinks_dropped(w->sinks));
	fprintf(stderr, "), resyncs %" PRIu64 ", malformed %" PRIu64 "\n", st.resyncs,
		st.malformed);
	if (qs.dropped)
		fprintf(stderr,
			"%s: stdout took %" PRIu64 " of %" PRIu64 " events; %" PRIu64
			" dropped (%" PRIu64 " told by lost events in the output)%s; see "
			"--output-buffer\n",
			prog, qs.written, total, qs.dropped, qs.reported,
			w->q_drain == -ETIMEDOUT	   ? ", the reader stalled at the end"
				: w->q_drain == -ECANCELED ? ", a second signal stopped the writing"
				: w->q_drain < 0	   ? ", the reader had gone"
							   : "");
	cli_sinks_summary_text(w->sinks, stderr, prog);
	print_rules_summary(w);
	if (!w->conn)
		print_gaps(m);
	if (st.exec_total)
		fprintf(stderr,
			"%s: argv captured for %" PRIu64 " of %" PRIu64
			" execs (%.2f%%), exe for %" PRIu64 "\n",
			prog, st.exec_args_ok, st.exec_total,
			100.0 * st.exec_args_ok / st.exec_total, st.exec_exe_ok);
	fprintf(stderr, "%s: summary {\"tier\":\"%s\",\"seconds\":%.3f,\"events\":{", prog,
		pt_tier_name(st.tier), secs);
	for (int i = 0; i < PT_EV_COUNT; i++)
		fprintf(stderr, "%s\"%s\":%" PRIu64, i ? "," : "",
			pt_event_name((enum pt_event_type)i), w->printed[i]);
	fprintf(stderr,
		"},\"filtered\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"lost_estimated\":%" PRIu64
		",\"resyncs\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"exec_total\":%" PRIu64
		",\"exec_args_ok\":%" PRIu64 ",\"exec_exe_ok\":%" PRIu64 ",\"alive\":%" PRIu64
		",\"exited\":%" PRIu64 ",\"evicted\":%" PRIu64 ",\"written\":%" PRIu64
		",\"lost_slow_reader\":%" PRIu64 ",\"lost_reported\":%" PRIu64
		",\"daemon\":%s,\"lost_daemon_slow_reader\":%" PRIu64 ",\"missing_events\":[",
		w->filtered, st.lost, st.lost_estimated, st.resyncs, st.malformed, st.exec_total,
		st.exec_args_ok, st.exec_exe_ok, st.alive, st.exited, st.evicted, qs.written,
		qs.dropped, qs.reported, w->conn ? "true" : "false", w->remote_slow);
	for (int i = 0, n = 0; i < PT_EV_COUNT; i++)
		if (st.events_missing & PT_EVMASK(i))
			fprintf(stderr, "%s\"%s\"", n++ ? "," : "",
				pt_event_name((enum pt_event_type)i));
	fputs("]", stderr);
	print_rules_json(w);
	if (w->sinks) {
		fprintf(stderr,
			",\"lost_sink\":%" PRIu64 ",\"sinks\":", cli_sinks_dropped(w->sinks));
		cli_sinks_summary_json(w->sinks, stderr);
	}
	fputs("}\n", stderr);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned parse_events(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	unsigned mask = 0;

	if (!copy)
		exit(EXIT_FAIL);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum pt_event_type e;

		if (strcmp(t, "all") == 0) {
			mask = PT_EVMASK_ALL;
			continue;
		}
		if (pt_event_from_name(t, &e) < 0)
			usage_error("watch: unknown event '%s' (fork, exec, exit, uid, gid, sid, "
				    "comm, ptrace, coredump, lost, exec_failed, all)",
				    t);
		mask |= PT_EVMASK(e);
	}
	free(copy);
	if (!mask)
		usage_error("watch: --events needs at least one event");
	/* a loss is never silent, whatever was asked for */
	return mask | PT_EVMASK(PT_EV_LOST);
}

static double parse_duration(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	/* isfinite() by hand: no libm for one test */
	if (errno || end == s || *end || d != d || d <= 0 || d > 1e9)
		usage_error("watch: invalid --duration '%s' (seconds, more than 0, at most 1e9)",
			    s);
	return d;
}

static void add_watch_dir(struct watch_ctx *w, const char *dir)
{
	struct stat st;

	if (w->nwatch >= 32)
		usage_error("watch: at most 32 --watch-dir options");
	if (stat(dir, &st) < 0)
		usage_error("watch: --watch-dir '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		usage_error("watch: --watch-dir '%s': not a directory", dir);
	w->watch_dirs[w->nwatch++] = dir;
	w->o.watch_dirs = w->watch_dirs;
}

static size_t parse_ring(const char *s)
{
	size_t v = parse_num("--ring-size", s, 4096, 1ul << 30, true);

	if (v & (v - 1))
		usage_error(
			"invalid value for --ring-size: '%s' (a power of two, 4096 to %lu bytes)",
			s, 1ul << 30);
	return v;
}

static void watch_usage(void)
{
	printf("usage: %s watch [--json] [-o FIELDS] [--tier=T] [--events=LIST] "
	       "[--filter=CONDITION]\n"
	       "       [--duration=SECS] [--threads] [--realtime|--no-realtime]\n"
	       "       [--interval=MS] [--args-max=BYTES] [--rcvbuf=BYTES]\n"
	       "       [--ring-size=BYTES] [--watch-dir=DIR] [--readers=N]\n"
	       "       [--output-buffer=BYTES] [--proc-root=DIR] [-q]\n"
	       "       [-p PID[,PID...] | -- CMD [ARGS...]]\n" CLI_SINK_USAGE
	       "       [--tree] [--compact] [--time=local|utc|iso|relative|epoch]\n"
	       "       [--color=auto|always|never] [--local|--daemon] [--socket=PATH]\n"
	       "       [--container=ID|NAME|host] [--pod=NAME|UID] [--host-only]\n"
	       "       [--container-column] [--ancestors=N] [--runtime-root=DIR]\n"
	       "       [--rules=FILE|DIR]... [--rules-only]\n"
	       "  -p, --pid=PID[,PID...]  only these processes and their descendants\n"
	       "  --container=ID|NAME     only processes of this container (id prefix or exact "
	       "name)\n"
	       "  --pod=NAME|UID          only processes of this Kubernetes pod\n"
	       "  --host-only             only processes of the host, in no container\n"
	       "  --ancestors=N           --json fork, exec and exit events carry N ancestors "
	       "(<= 64)\n"
	       "  -- CMD [ARGS...]        run CMD, show it and its descendants, exit with its "
	       "status\n"
	       "  --rules=FILE|DIR        Falco rules evaluated on every exec; alerts among the "
	       "events\n"
	       "  --rules-only            print only the alerts (the sinks still get every event)\n"
	       "  --local                 a monitor of its own, not the daemon's stream\n"
	       "  --daemon                the daemon's stream only: an error when it does not "
	       "answer\n"
	       "  --socket=PATH           the daemon's socket (else $" PD_SOCKET_ENV
	       ", else " PD_SOCKET_PATH ")\n"
	       "  (--tier, --threads, --realtime, --no-realtime, --interval, --args-max, "
	       "--rcvbuf,\n"
	       "   --ring-size, --watch-dir, --readers, --proc-root, --runtime-root, --rules, -p\n"
	       "   and CMD imply --local)\n"
	       "See proctrail(1).\n",
	       prog);
	exit(0);
}

/*
 * --tree, --compact and --time shape the text lines: with --json (whose
 * schema fixes the time) or -o (whose columns are the user's) they are an
 * error, not silently ignored. --color=auto and never are accepted with
 * either and colour nothing; --color=always cannot colour JSON. --compact
 * needs the exit events.
 */
static void view_check(const struct out_opts *oo, unsigned events)
{
	const char *what = oo->tree ? "--tree"
		: oo->compact	    ? "--compact"
		: oo->time_set	    ? "--time"
				    : NULL;

	if (what && oo->json)
		usage_error("watch: %s shapes the text lines; --json has its own schema", what);
	if (what && oo->cols)
		usage_error("watch: %s shapes the default text lines, not -o columns", what);
	if (oo->json && oo->color == CLI_COLOR_ALWAYS)
		usage_error("watch: --color=always: JSON is never coloured");
	if (oo->cols && oo->color == CLI_COLOR_ALWAYS)
		usage_error("watch: --color=always: -o columns are not coloured");
	/* its lines are the exits: without them it would print nothing */
	if (oo->compact && !(events & PT_EVMASK(PT_EV_EXIT)))
		usage_error(
			"watch: --compact prints a line at each exit; --events leaves exit out");
}

/* watch [OPTIONS] -- CMD [ARGS...]: CMD not found exits 127 as a shell would. */
static void watch_parse_cmd(int argc, char **argv, struct watch_ctx *w)
{
	int r;

	if (strcmp(argv[optind - 1], "--") != 0)
		usage_error("watch takes no arguments ('%s'); a command to run follows '--'",
			    argv[optind]);
	if (cli_follow_has_pids(w->follow))
		usage_error("watch: -p and a command exclude each other");
	if (w->duration > 0)
		usage_error("watch: --duration and a command exclude each other");
	if (!w->follow && !(w->follow = cli_follow_new(prog, verbosity >= PT_LOG_INFO)))
		exit(EXIT_FAIL);
	r = cli_follow_cmd(w->follow, argv + optind, argc - optind);
	if (r)
		exit(r);
}

/* Old KEY=PATTERN terms work, with one line saying what they mean now. */
static void filter_deprecated(const char *cmd, const char *opt, const struct cli_filter *f)
{
	const char *text = cli_filter_text(f);

	if (!cli_filter_compat(f))
		return;
	fprintf(stderr,
		"%s: %s: %s: KEY=PATTERN terms are deprecated (proctrail(1), FILTERS); as a "
		"condition: ",
		prog, cmd, opt);
	/* as is, to be copied, unless it holds what a terminal would act on */
	if (cli_safe_len(text, strlen(text)) == strlen(text))
		fputs(text, stderr);
	else
		cli_escape_str(stderr, text);
	fputc('\n', stderr);
}

/* A sink option (cli-sink.c): a bad value exits 2. */
static void watch_sink_option(struct watch_ctx *w, const char *cmd, int c, const char *arg)
{
	char err[512];
	int r;

	if (!w->sinks && !(w->sinks = cli_sinks_new()))
		exit(EXIT_FAIL);
	r = cli_sinks_option(w->sinks, c, arg ? arg : "", err, sizeof(err));
	if (r == -ENOMEM)
		exit(EXIT_FAIL);
	if (r < 0)
		usage_error("%s: %s", cmd, err);
	if (c == CLI_SINK_FILTER)
		filter_deprecated(cmd, "--sink-filter", cli_sinks_filter(w->sinks));
}

/* The sinks' messages, from their threads: -q keeps warnings and errors only. */
static int sink_log_level = PT_LOG_NOTICE;

static void log_sink(int level, const char *msg, void *data)
{
	if (level <= sink_log_level)
		log_stderr(level, msg, data);
}

/* The sinks the options ask for; false (after one line) when one cannot open. */
static bool watch_sinks_open(struct watch_ctx *w, const char *cmd)
{
	char err[512];

	if (w->sinks && !cli_sinks_count(w->sinks)) {
		/* options for sinks, but no sink: nothing to do */
		cli_sinks_free(w->sinks);
		w->sinks = NULL;
	}
	if (!w->sinks)
		return true;
	sink_log_level = w->oo.quiet && verbosity == PT_LOG_NOTICE ? PT_LOG_WARNING : verbosity;
	if (cli_sinks_open(w->sinks, log_sink, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: ", prog, cmd);
		cli_escape_str(stderr, err);
		fputc('\n', stderr);
		return false;
	}
	hup_reopens = true;
	return true;
}

/* SIGHUP with sinks: each reopens its target (after an external logrotate). */
static void watch_sinks_hup(struct watch_ctx *w)
{
	if (!reopen_requested)
		return;
	reopen_requested = 0;
	cli_sinks_reopen(w->sinks);
}

/* --container, --pod, --host-only (what: 'c', 'P', 'H'): once each. */
static void ctr_sel_option(struct cli_ctr_sel *sel, const char *cmd, int what, const char *arg)
{
	const char **slot = what == 'c' ? &sel->container : what == 'P' ? &sel->pod : NULL;

	if (slot && *slot)
		usage_error("%s: --%s given twice", cmd, what == 'c' ? "container" : "pod");
	if (slot)
		*slot = arg;
	else
		sel->host_only = true;
}

static const char *runtime_root_arg(const char *cmd, const char *dir)
{
	struct stat st;

	if (!*dir)
		usage_error("%s: --runtime-root needs a directory", cmd);
	if (stat(dir, &st) < 0)
		usage_error("%s: --runtime-root '%s': %s", cmd, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		usage_error("%s: --runtime-root '%s': not a directory", cmd, dir);
	return dir;
}

/* --filter of watch, replay and ps: a condition, or old terms (translated).
 * Returns the condition's text (*f's). */
static const char *filter_option(const char *cmd, const char *arg, struct cli_filter **f)
{
	char err[512] = "";
	int r;

	if (*f)
		usage_error("%s: --filter given twice; join the conditions with and", cmd);
	r = cli_filter_parse(arg, f, err, sizeof(err));
	if (r == -ENOMEM)
		exit(EXIT_FAIL);
	if (r < 0)
		usage_error("%s: invalid --filter: %s", cmd, err);
	filter_deprecated(cmd, "--filter", *f);
	return cli_filter_text(*f);
}

/* The container checks joined to --filter: one condition, here and for the daemon. */
static char *ctr_filter(const char *cmd, const char *expr, const struct cli_ctr_sel *sel,
			struct cli_filter **filter)
{
	char err[256], *joined;

	if (!cli_ctr_sel_any(sel))
		return NULL;
	joined = cli_filter_expr(expr, sel, err, sizeof(err));
	if (!joined && errno == EINVAL)
		usage_error("%s: %s", cmd, err);
	if (!joined)
		exit(EXIT_FAIL);
	cli_filter_free(*filter);
	*filter = NULL;
	if (cli_filter_parse(joined, filter, err, sizeof(err)) < 0)
		usage_error("%s: invalid --container or --pod: %s", cmd, err);
	return joined;
}

/* After the options: --filter with the container checks, and the context the
 * filters share (without one, each evaluation reads its own fields). */
static void watch_filters(struct watch_ctx *w, const char *cmd)
{
	w->filter_owned = ctr_filter(cmd, w->filter_expr, &w->sel, &w->filter);
	if (w->filter_owned)
		w->filter_expr = w->filter_owned;
	if (w->filter || cli_sinks_filter(w->sinks))
		w->cx = pt_cond_ctx_new();
}

static void watch_parse(int argc, char **argv, struct watch_ctx *w)
{
	enum {
		O_TIER = 256,
		O_EVENTS,
		O_FILTER,
		O_DURATION,
		O_RT,
		O_NORT,
		O_INTERVAL,
		O_ARGSMAX,
		O_PROCROOT,
		O_RCVBUF,
		O_WATCHDIR,
		O_THREADS,
		O_RING,
		O_READERS,
		/* the text views (view_check) */
		O_TREE,
		O_COMPACT,
		O_TIME,
		O_COLOR,
		O_OUTBUF,
		/* the daemon's stream */
		O_WLOCAL,
		O_WDAEMON,
		O_WSOCKET,
		/* containers */
		O_CONTAINER,
		O_POD,
		O_HOSTONLY,
		O_ANCESTORS,
		O_RUNTIMEROOT,
		O_CTRCOL,
		O_RULES,
		O_RULESONLY,
	};
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		/* -o FIELDS has no long form here: --output is the file sink */
		CLI_SINK_LONGOPTS,
		{"tier", required_argument, NULL, O_TIER},
		{"events", required_argument, NULL, O_EVENTS},
		{"filter", required_argument, NULL, O_FILTER},
		{"duration", required_argument, NULL, O_DURATION},
		{"threads", no_argument, NULL, O_THREADS},
		{"realtime", no_argument, NULL, O_RT},
		{"no-realtime", no_argument, NULL, O_NORT},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"args-max", required_argument, NULL, O_ARGSMAX},
		{"rcvbuf", required_argument, NULL, O_RCVBUF},
		{"ring-size", required_argument, NULL, O_RING},
		{"watch-dir", required_argument, NULL, O_WATCHDIR},
		{"readers", required_argument, NULL, O_READERS},
		{"output-buffer", required_argument, NULL, O_OUTBUF},
		{"proc-root", required_argument, NULL, O_PROCROOT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		/* the text views (view_check) */
		{"tree", no_argument, NULL, O_TREE},
		{"compact", no_argument, NULL, O_COMPACT},
		{"time", required_argument, NULL, O_TIME},
		{"color", required_argument, NULL, O_COLOR},
		/* follow (cli-follow.c) */
		{"pid", required_argument, NULL, 'p'},
		/* the daemon's stream */
		{"local", no_argument, NULL, O_WLOCAL},
		{"daemon", no_argument, NULL, O_WDAEMON},
		{"socket", required_argument, NULL, O_WSOCKET},
		/* containers */
		{"container", required_argument, NULL, O_CONTAINER},
		{"pod", required_argument, NULL, O_POD},
		{"host-only", no_argument, NULL, O_HOSTONLY},
		{"ancestors", required_argument, NULL, O_ANCESTORS},
		{"runtime-root", required_argument, NULL, O_RUNTIMEROOT},
		{"container-column", no_argument, NULL, O_CTRCOL},
		{"rules", required_argument, NULL, O_RULES},
		{"rules-only", no_argument, NULL, O_RULESONLY},
		{0},
	};
	/* options that configure the monitor: only a local one has them */
	static const struct {
		int c;
		const char *name;
	} local_opts[] = {
		{O_TIER, "--tier"},
		{O_THREADS, "--threads"},
		{O_RT, "--realtime"},
		{O_NORT, "--no-realtime"},
		{O_INTERVAL, "--interval"},
		{O_ARGSMAX, "--args-max"},
		{O_RCVBUF, "--rcvbuf"},
		{O_RING, "--ring-size"},
		{O_WATCHDIR, "--watch-dir"},
		{O_READERS, "--readers"},
		{O_PROCROOT, "--proc-root"},
		{'p', "-p"},
		{O_RUNTIMEROOT, "--runtime-root"},
		/* rules read ancestors from the table: a monitor of its own */
		{O_RULES, "--rules"},
	};
	char err[256];
	int c;

	cli_list_longopts(longopts);
	/* '+': a command's own options are not ours */
	while ((c = getopt_long(argc, argv, "+:jo:qhp:", longopts, NULL)) != -1) {
		for (size_t i = 0; i < sizeof(local_opts) / sizeof(local_opts[0]); i++)
			if (c == local_opts[i].c && !w->local_why)
				w->local_why = local_opts[i].name;
		switch (c) {
		case O_WLOCAL:
		case O_WDAEMON:
			if (w->mode != CLI_MODE_AUTO &&
			    w->mode != (c == O_WLOCAL ? CLI_MODE_LOCAL : CLI_MODE_DAEMON))
				usage_error("watch: --local and --daemon exclude each other");
			w->mode = c == O_WLOCAL ? CLI_MODE_LOCAL : CLI_MODE_DAEMON;
			break;
		case O_WSOCKET:
			if (!*optarg)
				usage_error("watch: --socket needs a path");
			w->socket = optarg;
			break;
		case 'j':
			w->oo.json = true;
			break;
		case 'o':
			w->oo.cols = optarg;
			break;
		case 'q':
			w->oo.quiet = true;
			break;
		case O_TIER:
			if (pt_tier_from_name(optarg, &w->o.tier) < 0 || w->o.tier == PT_TIER_NONE)
				usage_error(
					"watch: unknown tier '%s' (auto, bpf, netlink, inotify, "
					"poll)",
					optarg);
			break;
		case O_EVENTS:
			w->o.events = parse_events(optarg);
			w->events_set = true;
			break;
		case O_FILTER:
			w->filter_expr = filter_option("watch", optarg, &w->filter);
			break;
		case O_DURATION:
			w->duration = parse_duration(optarg);
			break;
		case O_THREADS:
			w->o.threads = true;
			break;
		case O_RT:
			w->o.realtime = 1;
			break;
		case O_NORT:
			w->o.realtime = 0;
			break;
		case O_INTERVAL:
			w->o.poll_interval_ms =
				(unsigned)parse_num("--interval", optarg, 1, 3600000, false);
			break;
		case O_ARGSMAX:
			w->o.args_max = parse_num("--args-max", optarg, 16, 64ul << 20, true);
			break;
		case O_RCVBUF:
			w->o.rcvbuf = parse_num("--rcvbuf", optarg, 4096, 1ul << 30, true);
			break;
		case O_RING:
			w->o.ring_size = parse_ring(optarg);
			break;
		case O_WATCHDIR:
			add_watch_dir(w, optarg);
			break;
		case O_READERS:
			w->o.readers = (int)parse_num("--readers", optarg, 0, 64, false);
			break;
		case O_OUTBUF:
			w->q_size = parse_num("--output-buffer", optarg, PT_OUTQ_MIN, PT_OUTQ_MAX,
					      true);
			break;
		case O_PROCROOT:
			w->o.proc_root = optarg;
			break;
		case 'h':
			watch_usage();
			break;
		/* the text views (view_check) */
		case O_TREE:
			w->oo.tree = true;
			break;
		case O_COMPACT:
			w->oo.compact = true;
			break;
		case O_TIME:
			if (cli_time_from_name(optarg, &w->oo.time) < 0)
				usage_error(
					"watch: unknown --time '%s' (local, utc, iso, relative, "
					"epoch)",
					optarg);
			w->oo.time_set = true;
			break;
		case O_COLOR:
			if (cli_color_from_name(optarg, &w->oo.color) < 0)
				usage_error("watch: unknown --color '%s' (auto, always, never)",
					    optarg);
			break;
		/* containers */
		case O_CONTAINER:
		case O_POD:
		case O_HOSTONLY:
			ctr_sel_option(&w->sel, "watch",
				       c == O_CONTAINER	    ? 'c'
					       : c == O_POD ? 'P'
							    : 'H',
				       optarg);
			break;
		case O_ANCESTORS:
			w->ancestors = (unsigned)parse_num("--ancestors", optarg, 0,
							   CLI_ANCESTORS_MAX, false);
			break;
		case O_RUNTIMEROOT:
			w->o.runtime_root = runtime_root_arg("watch", optarg);
			break;
		case O_CTRCOL:
			w->ctr_col_always = true;
			break;
		case O_RULES:
		case O_RULESONLY:
			rules_option(w, "watch", c == O_RULES ? optarg : NULL);
			break;
		/* follow (cli-follow.c) */
		case 'p':
			if (!w->follow &&
			    !(w->follow = cli_follow_new(prog, verbosity >= PT_LOG_INFO)))
				exit(EXIT_FAIL);
			if (cli_follow_add_pids(w->follow, optarg, err, sizeof(err)) < 0)
				usage_error("watch: %s", err);
			break;
		default:
			if (c >= CLI_SINK_OPT && c < CLI_SINK_OPT_END) {
				watch_sink_option(w, "watch", c, optarg);
				break;
			}
			option_error("watch", argv, c);
		}
	}
	view_check(&w->oo, w->o.events);
	if (optind < argc && !w->local_why)
		w->local_why = "a command to run";
	if (w->mode == CLI_MODE_DAEMON && w->local_why)
		usage_error("watch: %s configures a local monitor; --daemon attaches to the "
			    "daemon's stream",
			    w->local_why);
	if (w->socket && (w->mode == CLI_MODE_LOCAL || w->local_why))
		usage_error("watch: --socket names the daemon; %s asks for a local monitor",
			    w->mode == CLI_MODE_LOCAL ? "--local" : w->local_why);
	if (w->local_why)
		w->mode = CLI_MODE_LOCAL;
	if (optind < argc)
		watch_parse_cmd(argc, argv, w);
	if (w->follow)
		w->o.events = cli_follow_events(w->follow, w->o.events);
	if (w->oo.cols)
		parse_cols(w->oo.cols, PT_FIELD_EVENT | PT_FIELD_PROC, &w->cols);
	watch_filters(w, "watch");
	rules_options_check(w, "watch");
	if (w->ancestors && !w->oo.json)
		usage_error("watch: --ancestors adds a member to --json events");
}

/*
 * --realtime asks that the exec reader run at real-time priority. Only the
 * netlink tier has such a reader, and the bpf tier needs none (it reads in
 * the kernel); with --tier=auto, a scanning tier chosen because neither could
 * run is not what was asked for.
 */
static int check_realtime(const struct watch_ctx *w, struct pt_monitor *m)
{
	enum pt_tier t = pt_monitor_tier(m);

	if (w->o.realtime != 1 || t == PT_TIER_BPF || t == PT_TIER_NETLINK)
		return 0;
	fprintf(stderr,
		"%s: --realtime: neither the bpf tier nor the netlink tier at real-time "
		"priority can run here (%s); without --realtime, tier %s would run\n",
		prog, w->oo.quiet ? "without -q the notices say why" : "the notices above say why",
		pt_tier_name(t));
	return -EPERM;
}

static int watch_open(struct watch_ctx *w)
{
	int r;

	/* -q: no notices (tiers passed over), still warnings and errors */
	if (w->oo.quiet && verbosity == PT_LOG_NOTICE)
		w->o.log_level = PT_LOG_WARNING;
	r = pt_monitor_open(&the_monitor, &w->o);
	if (r < 0) {
		fprintf(stderr, "%s: cannot start watching: %s\n", prog, strerror(-r));
		return r;
	}
	r = check_realtime(w, the_monitor);
	if (r < 0) {
		pt_monitor_close(the_monitor);
		the_monitor = NULL;
		return r;
	}
	w->out.m = the_monitor;
	return pt_monitor_subscribe(the_monitor, on_event, w);
}

/* Dispatch until a signal, the end of --duration, or an error. */
static int watch_loop(struct watch_ctx *w)
{
	double t0 = mono_s();
	int r = 0;

	/* one writer wakeup per dispatch, not per event (watch_q_flush wakes it) */
	if (w->q)
		pt_outq_set_batched(w->q, true);
	watch_q_flush(w);
	while (!stop_requested && !w->error) {
		struct pollfd pfd[2] = {
			{.fd = pt_monitor_fd(the_monitor), .events = POLLIN},
			{.fd = cli_follow_fd(w->follow), .events = POLLIN},
		};
		int wait = -1;

		if (w->duration > 0) {
			double left = t0 + w->duration - mono_s();

			if (left <= 0)
				break;
			wait = (int)(left * 1000) + 1;
		}
		wait = cli_follow_timeout(w->follow, wait);
		if (poll(pfd, 2, wait) < 0 && errno != EINTR)
			return -errno;
		watch_sinks_hup(w);
		r = pt_monitor_dispatch(the_monitor);
		if (r < 0)
			return r;
		if (!out_flush(&w->out) || watch_q_flush(w) || cli_follow_done(w->follow))
			break;
	}
	/* hand over what the source still holds */
	r = pt_monitor_dispatch(the_monitor);
	return r < 0 ? r : w->error;
}

/* ---- watch: the daemon's stream ---- */

/* The status reply: the daemon's tier, for the ready line and the summary. */
static int status_tier(const char *line, size_t len, void *data, char *why, size_t whylen)
{
	enum pt_tier *t = data;
	json_t *o = json_loadb(line, len, 0, NULL);
	const char *name = json_string_value(json_object_get(o, "tier"));

	(void)why, (void)whylen;
	if (!name || pt_tier_from_name(name, t) < 0)
		*t = PT_TIER_NONE;
	json_decref(o);
	return 0;
}

/* ps's records: the table --tree and -o read ancestors from, as a local monitor's scan. */
static int import_table(const char *line, size_t len, void *data, char *why, size_t whylen)
{
	const struct pt_proc *p;

	return cli_import_proc(data, line, len, &p, why, whylen);
}

/* --events as the daemon takes them: an array of names. */
static char *events_json(unsigned mask)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;

	if (!f)
		return NULL;
	fputc('[', f);
	for (unsigned e = 0; e < PT_EV_COUNT; e++) {
		if (!(mask & PT_EVMASK(e)))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", pt_event_name((enum pt_event_type)e));
		first = false;
	}
	fputc(']', f);
	if (fclose(f) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One request, its reply's records to fn: OK, or not with why. */
static enum cli_client_rc watch_call(struct watch_ctx *w, const char *cmd, cli_record_fn fn,
				     void *data, struct cli_error *err, char *why, size_t whylen)
{
	struct cli_req r;
	enum cli_client_rc rc;
	char *req;

	if (cli_req_begin(&r, cmd) < 0 || !(req = cli_req_end(&r))) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return CLI_CLIENT_FAILED;
	}
	rc = cli_conn_call(w->conn, req, fn, data, err, why, whylen);
	free(req);
	return rc;
}

static enum cli_client_rc watch_subscribe(struct watch_ctx *w, struct cli_error *err, char *why,
					  size_t whylen)
{
	enum cli_client_rc rc = CLI_CLIENT_FAILED;
	struct cli_req r;
	char *ev = NULL, *req = NULL;

	snprintf(why, whylen, "%s", strerror(ENOMEM));
	if (cli_req_begin(&r, "subscribe") < 0)
		return rc;
	/* without --events: what the daemon delivers to watch by default */
	if (w->events_set && (ev = events_json(w->o.events)))
		cli_req_raw(&r, "events", ev);
	if (w->filter_expr)
		cli_req_str(&r, "filter", w->filter_expr);
	if (w->ancestors)
		cli_req_num(&r, "ancestors", w->ancestors);
	req = cli_req_end(&r);
	if (req && (!w->events_set || ev))
		rc = cli_conn_subscribe(w->conn, req, err, why, whylen);
	free(req);
	free(ev);
	return rc;
}

/*
 * Attach to the daemon's stream: its status (the tier), its table when --tree
 * or -o read ancestors, then the subscription; events are imported into an
 * empty monitor whose subscriber is on_event, as a local monitor's are.
 * 0 attached; 1 no daemon (a local monitor instead); < 0 after saying why.
 */
static int watch_attach(struct watch_ctx *w)
{
	const char *path = cli_socket_path(w->socket);
	struct cli_error err = {0};
	enum cli_client_rc rc = CLI_CLIENT_UNREACHABLE;
	char why[512] = "";
	int r;

	r = cli_conn_open(path, CLI_TIMEOUT_MS, &w->conn);
	if (r < 0) {
		snprintf(why, sizeof(why), "no daemon answers at %s: %s", path, strerror(-r));
		goto fail;
	}
	r = cli_open_empty(&w->o, &the_monitor);
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot open a table: %s", strerror(-r));
		rc = CLI_CLIENT_FAILED;
		goto fail;
	}
	rc = watch_call(w, "status", status_tier, &w->remote_tier, &err, why, sizeof(why));
	if (rc == CLI_CLIENT_OK && (w->oo.tree || w->oo.cols))
		rc = watch_call(w, "ps", import_table, the_monitor, &err, why, sizeof(why));
	if (rc == CLI_CLIENT_OK)
		rc = watch_subscribe(w, &err, why, sizeof(why));
	if (rc != CLI_CLIENT_OK)
		goto fail;
	w->out.m = the_monitor;
	r = pt_monitor_subscribe(the_monitor, on_event, w);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", strerror(-r));
		rc = CLI_CLIENT_FAILED;
		goto fail;
	}
	if (verbosity >= PT_LOG_INFO)
		fprintf(stderr, "%s: attached to the daemon at %s\n", prog, path);
	return 0;
fail:
	cli_conn_close(w->conn);
	w->conn = NULL;
	pt_monitor_close(the_monitor);
	the_monitor = NULL;
	if (rc == CLI_CLIENT_UNREACHABLE && w->mode == CLI_MODE_AUTO) {
		if (verbosity >= PT_LOG_INFO) {
			fprintf(stderr, "%s: ", prog);
			cli_escape_str(stderr, why);
			fputs("; watching with a local monitor instead\n", stderr);
		}
		return 1;
	}
	fprintf(stderr, "%s: watch: ", prog);
	if (rc == CLI_CLIENT_REFUSED) {
		fprintf(stderr, "the daemon refused (%s): ", err.code);
		cli_escape_str(stderr, err.message);
	} else {
		cli_escape_str(stderr, why);
		if (rc == CLI_CLIENT_UNREACHABLE)
			fputs(" (--daemon)", stderr);
	}
	fputc('\n', stderr);
	return -1;
}

/*
 * One event line of the daemon into the table (on_event prints it). With
 * --ancestors, the array the daemon wrote goes out as it came: the daemon's
 * table knows the exited ancestors this one never saw.
 */
static int watch_import(struct watch_ctx *w, const char *line, size_t len, char *why, size_t whylen)
{
	json_t *o = NULL, *a;
	char *given = NULL;
	int r;

	if (w->ancestors && w->oo.json && (o = json_loadb(line, len, 0, NULL)) &&
	    json_is_array(a = json_object_get(o, "ancestors")))
		given = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	/* none from the daemon: none (the table here has not the lineage) */
	w->out.ancestors_given = given ? given : "[]";
	r = cli_import_event(the_monitor, line, len, why, whylen);
	w->out.ancestors_given = NULL;
	free(given);
	json_decref(o);
	return r;
}

/*
 * The event lines that have arrived, each imported (and so printed by
 * on_event); at most a bounded number per round, so that a signal or the end
 * of --duration is seen during a flood. 0, or -ECONNRESET after saying why.
 */
static int watch_remote_read(struct watch_ctx *w)
{
	for (unsigned i = 0; i < 4096 && !w->remote_done; i++) {
		struct cli_reply rep;
		char why[256] = "", *line;
		ssize_t n = cli_conn_line(w->conn, false, &line);

		if (n == -EAGAIN)
			return 0;
		if (n < 0) {
			fprintf(stderr, "%s: watch: the daemon %s\n", prog,
				n == -ECONNRESET ? "closed the connection" : strerror((int)-n));
			return -ECONNRESET;
		}
		if (cli_reply_parse(line, (size_t)n, &rep, why, sizeof(why)) == 0 &&
		    rep.kind != CLI_REPLY_RECORD) {
			if (rep.kind == CLI_REPLY_DONE) {
				/* the daemon stopped: what it sent is all there is; drops
				 * it had not yet told in a lost event count too */
				fprintf(stderr, "%s: watch: the daemon ended the stream\n", prog);
				if (rep.lost > w->remote_slow) {
					w->remote_lost += rep.lost - w->remote_slow;
					w->remote_slow = rep.lost;
				}
				w->remote_done = true;
				return 0;
			}
			fprintf(stderr, "%s: watch: the daemon: ", prog);
			cli_escape_str(stderr,
				       rep.kind == CLI_REPLY_ERROR ? rep.err.message
								   : "an unexpected line");
			fputc('\n', stderr);
			return -ECONNRESET;
		}
		/* the daemon's alerts (its rules): shown as they came */
		if (!why[0] && pt_replay_is_alert(line, (size_t)n) &&
		    watch_alert_line(w, line, (size_t)n) == 0)
			continue;
		if (!why[0] && watch_import(w, line, (size_t)n, why, sizeof(why)) == 0)
			continue;
		/* counted in the summary as malformed, never silently */
		if (!w->remote_bad++ || verbosity >= PT_LOG_INFO) {
			fprintf(stderr,
				"%s: watch: an event line from the daemon does not read: ", prog);
			cli_escape_str(stderr, why);
			fputc('\n', stderr);
		}
	}
	return 0;
}

/* Read the daemon's stream until a signal, --duration, or its end. */
static int watch_remote_loop(struct watch_ctx *w)
{
	double t0 = mono_s();
	int r;

	watch_q_flush(w);
	while (!stop_requested && !w->error && !w->remote_done) {
		struct pollfd pfd = {.fd = cli_conn_fd(w->conn), .events = POLLIN};
		int wait = -1;

		if (w->duration > 0) {
			double left = t0 + w->duration - mono_s();

			if (left <= 0)
				break;
			wait = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			return -errno;
		watch_sinks_hup(w);
		r = watch_remote_read(w);
		if (r < 0)
			return r;
		if (!out_flush(&w->out) || watch_q_flush(w))
			break;
	}
	return w->error;
}

static int cmd_watch(int argc, char **argv)
{
	struct watch_ctx w = {0};
	double t0;
	int r, status;

	base_options(&w.o);
	watch_parse(argc, argv, &w);
	watch_rules_open(&w, "watch");
	if (!watch_sinks_open(&w, "watch")) {
		r = -1;
		goto out_sinks;
	}
	out_open(&w.out, &w.oo, CLI_VIEW_WATCH, &w.cols);
	w.out.header = w.out.header && !w.rules_only; /* no event line follows */
	w.out.ancestors = w.ancestors;
	w.out.ctr_col = w.ctr_col_always;
	if (w.follow) { /* --tree: the followed processes at depth 0 */
		w.out.tree_root = cli_follow_is_root;
		w.out.tree_root_data = w.follow;
	}
	r = watch_q_open(&w);
	if (r < 0) {
		fprintf(stderr, "%s: cannot set up the output queue: %s\n", prog, strerror(-r));
		goto out;
	}
	r = w.mode == CLI_MODE_LOCAL ? 1 : watch_attach(&w);
	if (r > 0)
		r = watch_open(&w);
	if (r < 0)
		goto out;
	install_signals();
	r = cli_follow_start(w.follow, the_monitor, w.o.poll_interval_ms);
	if (r < 0) {
		pt_monitor_close(the_monitor);
		the_monitor = NULL;
		goto out;
	}
	fprintf(stderr, "%s: ready (tier %s)\n", prog,
		pt_tier_name(w.conn ? w.remote_tier : pt_monitor_tier(the_monitor)));
	w.out.fmt->begin(&w.out);
	out_flush(&w.out);
	t0 = mono_s();
	r = cli_follow_release(w.follow, the_monitor);
	if (r >= 0)
		r = w.conn ? watch_remote_loop(&w) : watch_loop(&w);
	w.out.fmt->end(&w.out, PT_TIER_NONE);
	watch_q_close(&w);
	out_close(&w.out);
	/* what the sinks hold: a few seconds, or until a second signal (stop_requested
	 * was cleared for the stdout drain, and is set again by a second signal) */
	if (w.sinks)
		cli_sinks_close(w.sinks, WATCH_SINK_DRAIN_MS, &stop_requested);
	/* the daemon's end was said where it was read */
	if (r < 0 && r != -ECONNRESET)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	if (!w.oo.quiet)
		print_summary(&w, the_monitor, mono_s() - t0);
	pt_monitor_close(the_monitor);
	the_monitor = NULL;
out:
	cli_conn_close(w.conn);
	w.conn = NULL;
	watch_q_close(&w);
	if (w.out.f)
		out_close(&w.out);
out_sinks:
	cli_sinks_free(w.sinks);
	hup_reopens = false;
	status = cli_follow_end(w.follow, r, w.oo.quiet);
	cli_follow_free(w.follow);
	watch_q_free(&w);
	cli_filter_free(w.filter);
	pt_cond_ctx_free(w.cx);
	free(w.filter_owned);
	free(w.cols.v);
	watch_rules_free(&w);
	return status;
}

/* ---- replay ---- */

#define REPLAY_BAD_SHOWN 5 /* malformed lines told one by one; the rest in the total */

struct replay_ctx {
	const char *name; /* the file, or "-" */
	uint64_t shown;
};

static void replay_bad(uint64_t line, const char *why, void *data)
{
	struct replay_ctx *rc = data;

	if (rc->shown++ >= REPLAY_BAD_SHOWN)
		return;
	fprintf(stderr, "%s: ", prog);
	cli_escape_str(stderr, rc->name);
	fprintf(stderr, ":%" PRIu64 ": ", line);
	cli_escape_str(stderr, why);
	fputc('\n', stderr);
}

static void replay_usage(void)
{
	printf("usage: %s replay [--json] [-o FIELDS] [--events=LIST] [--filter=CONDITION] "
	       "[--threads]\n"
	       "       [--container=ID|NAME|host] [--pod=NAME|UID] [--host-only]\n"
	       "       [--tree] [--compact] [--time=local|utc|iso|relative|epoch]\n"
	       "       [--color=auto|always|never] [--output-buffer=BYTES] [-q]\n"
	       "       [--rules=FILE|DIR]... [--rules-only]\n" CLI_SINK_USAGE
	       "       FILE.jsonl|-\n"
	       "Feed a recorded `watch --json` stream through the table, the output and the\n"
	       "sinks, as fast as they take it; -q prints nothing to standard output.\n"
	       "--rules evaluates rules on the recorded execs (the recorded alerts are dropped);\n"
	       "without it, recorded alerts are shown as they are.\n"
	       "See proctrail(1).\n",
	       prog);
	exit(0);
}

static const char *replay_parse(int argc, char **argv, struct watch_ctx *w)
{
	enum {
		O_EVENTS = 256,
		O_FILTER,
		O_THREADS,
		O_TREE,
		O_COMPACT,
		O_TIME,
		O_COLOR,
		O_OUTBUF,
		O_CONTAINER,
		O_POD,
		O_HOSTONLY,
		O_RULES,
		O_RULESONLY,
	};
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		CLI_SINK_LONGOPTS,
		{"rules", required_argument, NULL, O_RULES},
		{"rules-only", no_argument, NULL, O_RULESONLY},
		{"container", required_argument, NULL, O_CONTAINER},
		{"pod", required_argument, NULL, O_POD},
		{"host-only", no_argument, NULL, O_HOSTONLY},
		{"events", required_argument, NULL, O_EVENTS},
		{"filter", required_argument, NULL, O_FILTER},
		{"threads", no_argument, NULL, O_THREADS},
		{"tree", no_argument, NULL, O_TREE},
		{"compact", no_argument, NULL, O_COMPACT},
		{"time", required_argument, NULL, O_TIME},
		{"color", required_argument, NULL, O_COLOR},
		{"output-buffer", required_argument, NULL, O_OUTBUF},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	cli_list_longopts(longopts);
	while ((c = getopt_long(argc, argv, ":jo:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			w->oo.json = true;
			break;
		case 'o':
			w->oo.cols = optarg;
			break;
		case 'q':
			w->oo.quiet = true;
			break;
		case O_EVENTS:
			w->o.events = parse_events(optarg);
			break;
		case O_FILTER:
			w->filter_expr = filter_option("replay", optarg, &w->filter);
			break;
		case O_THREADS:
			w->o.threads = true;
			break;
		case O_TREE:
			w->oo.tree = true;
			break;
		case O_COMPACT:
			w->oo.compact = true;
			break;
		case O_TIME:
			if (cli_time_from_name(optarg, &w->oo.time) < 0)
				usage_error(
					"replay: unknown --time '%s' (local, utc, iso, relative, "
					"epoch)",
					optarg);
			w->oo.time_set = true;
			break;
		case O_COLOR:
			if (cli_color_from_name(optarg, &w->oo.color) < 0)
				usage_error("replay: unknown --color '%s' (auto, always, never)",
					    optarg);
			break;
		case O_OUTBUF:
			w->q_size = parse_num("--output-buffer", optarg, PT_OUTQ_MIN, PT_OUTQ_MAX,
					      true);
			break;
		case O_CONTAINER:
		case O_POD:
		case O_HOSTONLY:
			ctr_sel_option(&w->sel, "replay",
				       c == O_CONTAINER	    ? 'c'
					       : c == O_POD ? 'P'
							    : 'H',
				       optarg);
			break;
		case O_RULES:
		case O_RULESONLY:
			rules_option(w, "replay", c == O_RULES ? optarg : NULL);
			break;
		case 'h':
			replay_usage();
			break;
		default:
			if (c >= CLI_SINK_OPT && c < CLI_SINK_OPT_END) {
				watch_sink_option(w, "replay", c, optarg);
				break;
			}
			option_error("replay", argv, c);
		}
	}
	view_check(&w->oo, w->o.events);
	if (optind >= argc)
		usage_error("replay needs a file (FILE.jsonl, or - for standard input)");
	if (optind + 1 < argc)
		usage_error("replay takes one file ('%s' is one too many)", argv[optind + 1]);
	if (w->oo.cols)
		parse_cols(w->oo.cols, PT_FIELD_EVENT | PT_FIELD_PROC, &w->cols);
	watch_filters(w, "replay");
	rules_options_check(w, "replay");
	return argv[optind];
}

/* A recorded alert line: shown as it is, or dropped when --rules raises fresh ones. */
static int replay_alert(const char *line, size_t len, void *data)
{
	struct watch_ctx *w = data;
	int r;

	w->alerts_recorded++;
	if (w->rules)
		return 0;
	r = watch_alert_line(w, line, len);
	/* -EINVAL: not JSON, counted malformed by the reader */
	return r == -ENOMEM || r == -EINVAL ? r : 0;
}

/* Read the stream into the table (so to on_event) until its end or a signal. */
static int replay_read(struct watch_ctx *w, int fd, struct pt_replay *rp)
{
	static char buf[1 << 16];

	while (!stop_requested && !w->error) {
		ssize_t n = read(fd, buf, sizeof(buf));
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return pt_replay_finish(rp);
		r = pt_replay_feed(rp, buf, (size_t)n);
		if (r < 0)
			return r;
		watch_sinks_hup(w);
		/* stdout gone (EPIPE): stop as watch does */
		if (!w->no_stdout && (!out_flush(&w->out) || watch_q_flush(w)))
			break;
	}
	return w->error;
}

static int cmd_replay(int argc, char **argv)
{
	struct watch_ctx w = {0};
	struct replay_ctx rc = {0};
	struct pt_replay rp;
	int fd = -1, r = -1;
	uint64_t total = 0;
	double t0;

	w.replay = true;
	base_options(&w.o);
	rc.name = replay_parse(argc, argv, &w);
	w.no_stdout = w.oo.quiet;
	watch_rules_open(&w, "replay");
	fd = strcmp(rc.name, "-") == 0 ? STDIN_FILENO : open(rc.name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: replay: ", prog);
		cli_escape_str(stderr, rc.name);
		fprintf(stderr, ": %s\n", strerror(errno));
		goto out;
	}
	if (!watch_sinks_open(&w, "replay"))
		goto out;
	r = cli_open_empty(&w.o, &the_monitor);
	if (r < 0) {
		fprintf(stderr, "%s: replay: cannot open a table: %s\n", prog, strerror(-r));
		goto out;
	}
	if (!w.no_stdout) {
		out_open(&w.out, &w.oo, CLI_VIEW_WATCH, &w.cols);
		w.out.header = w.out.header && !w.rules_only;
		r = watch_q_open(&w);
		if (r < 0) {
			fprintf(stderr, "%s: cannot set up the output queue: %s\n", prog,
				strerror(-r));
			goto out;
		}
	}
	w.out.m = the_monitor;
	r = pt_monitor_subscribe(the_monitor, on_event, &w);
	if (r < 0)
		goto out;
	install_signals();
	if (!w.no_stdout) {
		w.out.fmt->begin(&w.out);
		out_flush(&w.out);
		watch_q_flush(&w);
	}
	t0 = mono_s();
	pt_replay_init(&rp, the_monitor, replay_bad, &rc);
	rp.alert = replay_alert;
	rp.alert_data = &w;
	r = replay_read(&w, fd, &rp);
	pt_replay_free(&rp);
	if (r < 0)
		fprintf(stderr, "%s: replay: %s\n", prog, strerror(-r));
	if (!w.no_stdout) {
		w.out.fmt->end(&w.out, PT_TIER_NONE);
		watch_q_close(&w);
		out_close(&w.out);
	}
	/* offline: the sinks get everything, unless a signal stops them */
	stop_requested = 0;
	cli_sinks_close(w.sinks, -1, &stop_requested);
	for (int i = 0; i < PT_EV_COUNT; i++)
		total += w.printed[i];
	if (rp.st.malformed) {
		fprintf(stderr, "%s: replay: ", prog);
		cli_escape_str(stderr, rc.name);
		fprintf(stderr,
			": %" PRIu64 " malformed line%s of %" PRIu64 " (%" PRIu64 " too long)%s\n",
			rp.st.malformed, rp.st.malformed == 1 ? "" : "s", rp.st.lines,
			rp.st.too_long,
			rc.shown > REPLAY_BAD_SHOWN ? "; the first are shown above" : "");
	}
	if (!w.oo.quiet) {
		fprintf(stderr,
			"%s: replay: %" PRIu64 " lines, %" PRIu64 " events imported, %" PRIu64
			" shown in %.1f s; %" PRIu64 " left out by --filter, %" PRIu64
			" malformed\n",
			prog, rp.st.lines, rp.st.imported, total, mono_s() - t0, w.filtered,
			rp.st.malformed);
		if (w.rules || w.alerts_recorded)
			fprintf(stderr,
				"%s: replay: %" PRIu64 " recorded alerts %s, %" PRIu64
				" alerts shown\n",
				prog, w.alerts_recorded,
				w.rules ? "dropped (--rules evaluates afresh)" : "passed through",
				w.alerts);
		print_rules_summary(&w);
		cli_sinks_summary_text(w.sinks, stderr, prog);
	}
	if (r == 0 && (rp.st.malformed || cli_sinks_dropped(w.sinks)))
		r = 1;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	watch_q_close(&w);
	if (w.out.f)
		out_close(&w.out);
	cli_sinks_free(w.sinks);
	hup_reopens = false;
	pt_monitor_close(the_monitor);
	the_monitor = NULL;
	watch_q_free(&w);
	cli_filter_free(w.filter);
	pt_cond_ctx_free(w.cx);
	free(w.filter_owned);
	free(w.cols.v);
	watch_rules_free(&w);
	return r == 0 ? 0 : EXIT_FAIL;
}

/* ---- probe ---- */

static int cmd_probe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const enum pt_tier order[] = {PT_TIER_BPF, PT_TIER_NETLINK, PT_TIER_INOTIFY,
					     PT_TIER_POLL};
	enum { ntiers = sizeof(order) / sizeof(order[0]) };
	enum pt_tier best = PT_TIER_NONE;
	struct out_opts oo = {0};
	static struct cli_privs privs; /* large: not on the stack */
	struct pt_event_gaps g[ntiers];
	int probe[PT_TIER_COUNT] = {0};
	unsigned missing[PT_TIER_COUNT] = {0};
	char why[ntiers][512] = {{0}};
	struct cli_out out;
	struct pt_options o;
	int c;

	cli_list_longopts(longopts);
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		if (c == 'j') {
			oo.json = true;
		} else if (c == 'h') {
			printf("usage: %s probe [--json]\nSee proctrail(1).\n", prog);
			return 0;
		} else {
			option_error("probe", argv, c);
		}
	}
	if (optind < argc)
		usage_error("probe takes no arguments ('%s')", argv[optind]);
	base_options(&o);
	/* every tier first: what each capability buys depends on the others */
	for (size_t i = 0; i < ntiers; i++) {
		enum pt_tier t = order[i];

		probe[t] = pt_probe(t, &o, why[i], sizeof(why[i]));
		if (probe[t] == 0 && best == PT_TIER_NONE)
			best = t;
		if (pt_tier_event_gaps(t, &o, &g[i]) < 0)
			memset(&g[i], 0, sizeof(g[i]));
		missing[t] = g[i].missing;
	}
	cli_privs_read(&privs, probe, missing);
	out_open(&out, &oo, CLI_VIEW_PROBE, NULL);
	out.privs = &privs;
	out.fmt->begin(&out);
	for (size_t i = 0; i < ntiers; i++)
		out.fmt->tier(&out, order[i], probe[order[i]] == 0, why[i], &g[i]);
	out.fmt->end(&out, best);
	out_close(&out);
	return best == PT_TIER_NONE ? EXIT_FAIL : 0;
}

/* ---- queries: ps, tree, show, lineage, children, recent, short, status ---- */

struct snap_opts {
	struct out_opts oo;
	const char *proc_root;
	const char *runtime_root; /* --runtime-root: a snapshot's container state */
	enum cli_mode mode;
	const char *socket; /* --socket */
	struct cli_ctr_sel sel; /* ps: --container, --pod, --host-only */
	const char *filter_text; /* ps: --filter's condition */
	struct cli_filter *filter; /* ps: --filter and sel, one condition */
	char *filter_expr; /* its text, for the daemon */
};

enum {
	O_PROCROOT = 256,
	O_ASCII,
	O_LOCAL,
	O_DAEMON,
	O_SOCKET,
	O_QCONTAINER,
	O_QPOD,
	O_QHOSTONLY,
	O_QFILTER,
	O_QRUNTIMEROOT,
};

/* Options every query command takes: --json, the daemon or a snapshot. */
#define Q_COMMON_OPTS                                                                           \
	{"json", no_argument, NULL, 'j'}, {"proc-root", required_argument, NULL, O_PROCROOT},   \
		{"local", no_argument, NULL, O_LOCAL}, {"daemon", no_argument, NULL, O_DAEMON}, \
		{"socket", required_argument, NULL, O_SOCKET},                                  \
	{                                                                                       \
		"help", no_argument, NULL, 'h'                                                  \
	}

/* The commands that list records in ps's table take -o and -q. */
static bool q_is_list(enum cli_qcmd cmd)
{
	return cmd == CLI_Q_PS || cmd == CLI_Q_LINEAGE || cmd == CLI_Q_CHILDREN ||
		cmd == CLI_Q_RECENT || cmd == CLI_Q_SHORT;
}

/* -o and -q: the lists, and containers */
static bool q_takes_cols(enum cli_qcmd cmd)
{
	return q_is_list(cmd) || cmd == CLI_Q_CONTAINERS;
}

/* Whether the query command takes option c of snap_parse's table: snap_parse
 * refuses the others, and --list-options leaves them out. */
static bool q_takes(enum cli_qcmd cmd, int c)
{
	switch (c) {
	case 'o':
	case 'q':
		return q_takes_cols(cmd);
	case O_ASCII:
		return cmd == CLI_Q_TREE;
	case O_QCONTAINER:
	case O_QPOD:
	case O_QHOSTONLY:
	case O_QFILTER:
		return cmd == CLI_Q_PS;
	case O_QRUNTIMEROOT:
		return cmd == CLI_Q_PS || cmd == CLI_Q_CONTAINERS;
	default:
		return true;
	}
}

static void snap_parse(int argc, char **argv, struct snap_opts *s, enum cli_qcmd cmd,
		       const char *usage)
{
	static const struct option longopts[] = {
		Q_COMMON_OPTS,
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"ascii", no_argument, NULL, O_ASCII},
		{"container", required_argument, NULL, O_QCONTAINER},
		{"pod", required_argument, NULL, O_QPOD},
		{"host-only", no_argument, NULL, O_QHOSTONLY},
		{"filter", required_argument, NULL, O_QFILTER},
		{"runtime-root", required_argument, NULL, O_QRUNTIMEROOT},
		{0},
	};
	const char *name = cli_qcmd_names[cmd];
	int c;

	if (cli_list_opts) {
		for (const struct option *o = longopts; o->name; o++)
			if (q_takes(cmd, o->val))
				cli_print_longopt(o);
		exit(fflush(stdout) == EOF ? EXIT_FAIL : 0);
	}
	while ((c = getopt_long(argc, argv, ":jo:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			s->oo.json = true;
			break;
		case 'o':
			if (!q_takes(cmd, c))
				usage_error("%s: -o is an option of ps, lineage, children, recent, "
					    "short, containers and watch",
					    name);
			s->oo.cols = optarg;
			break;
		case 'q':
			if (!q_takes(cmd, c))
				usage_error("%s: -q is an option of ps, lineage, children, recent, "
					    "short, containers and watch",
					    name);
			s->oo.quiet = true;
			break;
		case O_ASCII:
			if (!q_takes(cmd, c))
				usage_error("%s: --ascii is an option of tree", name);
			s->oo.ascii = true;
			break;
		case O_PROCROOT:
			s->proc_root = optarg;
			break;
		case O_QCONTAINER:
		case O_QPOD:
		case O_QHOSTONLY:
			if (!q_takes(cmd, c))
				usage_error(
					"%s: --container, --pod and --host-only are options of ps "
					"and watch",
					name);
			ctr_sel_option(&s->sel, name,
				       c == O_QCONTAINER     ? 'c'
					       : c == O_QPOD ? 'P'
							     : 'H',
				       optarg);
			break;
		case O_QFILTER:
			if (!q_takes(cmd, c))
				usage_error("%s: --filter is an option of ps, watch and replay",
					    name);
			s->filter_text = filter_option(name, optarg, &s->filter);
			break;
		case O_QRUNTIMEROOT:
			if (!q_takes(cmd, c))
				usage_error("%s: --runtime-root is an option of ps, containers and "
					    "watch",
					    name);
			s->runtime_root = runtime_root_arg(name, optarg);
			break;
		case O_LOCAL:
		case O_DAEMON:
			if (s->mode != CLI_MODE_AUTO &&
			    s->mode != (c == O_LOCAL ? CLI_MODE_LOCAL : CLI_MODE_DAEMON))
				usage_error("%s: --local and --daemon exclude each other", name);
			s->mode = c == O_LOCAL ? CLI_MODE_LOCAL : CLI_MODE_DAEMON;
			break;
		case O_SOCKET:
			if (!*optarg)
				usage_error("%s: --socket needs a path", name);
			s->socket = optarg;
			break;
		case 'h':
			printf("usage: %s %s\n"
			       "  --local          a snapshot of /proc, not the daemon\n"
			       "  --daemon         the daemon only: an error when it does not "
			       "answer\n"
			       "  --socket=PATH    the daemon's socket (else $%s, else %s)\n"
			       "See proctrail(1).\n",
			       prog, usage, PD_SOCKET_ENV, PD_SOCKET_PATH);
			exit(0);
		default:
			option_error(name, argv, c);
		}
	}
	if (s->proc_root && s->mode == CLI_MODE_DAEMON)
		usage_error("%s: --proc-root reads a snapshot; --daemon asks the daemon", name);
	if (s->runtime_root && s->mode == CLI_MODE_DAEMON)
		usage_error("%s: --runtime-root reads a snapshot; --daemon asks the daemon", name);
	if (s->socket && s->mode == CLI_MODE_LOCAL)
		usage_error("%s: --socket names the daemon; --local takes a snapshot", name);
	if (s->socket && (s->proc_root || s->runtime_root))
		usage_error("%s: --socket names the daemon; --%s reads a snapshot", name,
			    s->proc_root ? "proc-root" : "runtime-root");
	/* a fixture tree is never the daemon's */
	if (s->proc_root || s->runtime_root)
		s->mode = CLI_MODE_LOCAL;
	s->filter_expr = ctr_filter(name, s->filter_text, &s->sel, &s->filter);
	if (!s->filter_expr && s->filter && !(s->filter_expr = strdup(s->filter_text)))
		exit(EXIT_FAIL);
}

static struct pt_monitor *snapshot(const struct snap_opts *s)
{
	struct pt_monitor *m;
	struct pt_options o;
	int r;

	base_options(&o);
	o.tier = PT_TIER_NONE;
	if (s->proc_root)
		o.proc_root = s->proc_root;
	if (s->runtime_root)
		o.runtime_root = s->runtime_root;
	r = pt_monitor_open(&m, &o);
	if (r < 0) {
		fprintf(stderr, "%s: cannot read processes: %s\n", prog, strerror(-r));
		exit(EXIT_FAIL);
	}
	return m;
}

void cli_result_free(struct cli_result *res)
{
	for (size_t i = 0; i < res->nctrs; i++)
		free(res->ctrs[i]);
	free(res->ctrs);
	free(res->k.v);
	free(res->status);
	pt_monitor_close(res->m);
	memset(res, 0, sizeof(*res));
}

/* The boot id of this host, for the message about a key of another boot. */
static const char *this_boot(const struct pt_monitor *m, char *buf, size_t len)
{
	FILE *f;

	if (m && pt_monitor_boot_id(m))
		return pt_monitor_boot_id(m);
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f || !fgets(buf, (int)len, f)) {
		if (f)
			fclose(f);
		return "unknown";
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/*
 * The process q names is not there: one line on stderr, the same whether a
 * snapshot or the daemon said so. other_boot: the key is of another boot.
 */
static void say_not_found(const struct cli_query *q, const struct pt_monitor *m, bool other_boot)
{
	char boot[64];

	fprintf(stderr, "%s: ", prog);
	if (q->ref.kind == PT_REF_PID) {
		fprintf(stderr, "no process or thread %d\n", q->ref.pid);
		return;
	}
	if (other_boot)
		fprintf(stderr, "key of another boot (this boot is %s): ",
			this_boot(m, boot, sizeof(boot)));
	else
		fputs("no such process: ", stderr);
	cli_escape_str(stderr, q->arg);
	fputc('\n', stderr);
}

/*
 * The process q names in a snapshot, or NULL after saying why. A pid that is
 * a thread id stands for its process, which is said on stderr; a snapshot
 * holds live processes only.
 */
static const struct pt_proc *snapshot_proc(const struct cli_query *q, const struct pt_monitor *m)
{
	const struct pt_proc *p;

	if (q->ref.kind != PT_REF_PID) {
		p = pt_lookup_ref(m, &q->ref);
		if (!p)
			say_not_found(q, m, errno == EXDEV);
		return p;
	}
	p = pt_lookup(m, q->ref.pid);
	if (!p) {
		p = pt_lookup_tid(m, q->ref.pid);
		if (p && pt_proc_state(p) == PT_STATE_ALIVE)
			fprintf(stderr, "%s: %d is a thread of process %d; showing the process\n",
				prog, q->ref.pid, pt_proc_pid(p));
	}
	if (!p || pt_proc_state(p) != PT_STATE_ALIVE) {
		say_not_found(q, m, false);
		return NULL;
	}
	return p;
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* status: the monitor's counts as one JSON object (a snapshot: what it read),
 * the bytes the daemon's status starts with. */
static int status_json(const struct pt_monitor *m, char **out, size_t *len)
{
	*out = pt_json_status(m, len);
	return *out ? 0 : -errno;
}

/* ps --container, --pod, --host-only: the records the condition keeps. */
struct ps_filter {
	const struct cli_filter *f;
	const struct pt_monitor *m;
	struct cli_procs *k;
};

static int ps_filter_add(const struct pt_proc *p, void *data)
{
	struct ps_filter *pf = data;

	return cli_filter_match_proc(pf->f, pf->m, p) ? cli_procs_add(p, pf->k) : 0;
}

static int ctr_add(const struct pt_container *c, void *data)
{
	char *s = pt_json_container(c);
	int r;

	if (!s)
		return -errno;
	r = cli_result_add_ctr(data, s, strlen(s));
	free(s);
	return r;
}

/* Gather q from a snapshot of /proc. 0, or EXIT_FAIL after saying why. */
static int local_gather(const struct snap_opts *s, const struct cli_query *q,
			struct cli_result *res)
{
	int r = 0;

	res->m = snapshot(s);
	switch (q->cmd) {
	case CLI_Q_PS:
		if (s->filter) {
			struct ps_filter pf = {s->filter, res->m, &res->k};

			r = pt_foreach(res->m, PT_SEL_ALIVE, ps_filter_add, &pf);
		} else {
			r = pt_foreach(res->m, PT_SEL_ALIVE, cli_procs_add, &res->k);
		}
		break;
	case CLI_Q_CONTAINERS:
		r = pt_foreach_container(res->m, ctr_add, res);
		break;
	case CLI_Q_SHOW:
	case CLI_Q_TREE:
	case CLI_Q_LINEAGE:
	case CLI_Q_CHILDREN:
		res->one = snapshot_proc(q, res->m);
		if (!res->one)
			return EXIT_FAIL;
		if (q->cmd == CLI_Q_LINEAGE) {
			r = cli_procs_add(res->one, &res->k);
			if (r == 0)
				r = cli_foreach_lineage(res->m, res->one, cli_procs_add, &res->k);
		} else if (q->cmd == CLI_Q_CHILDREN) {
			r = pt_foreach_child(res->m, res->one, PT_SEL_ALL, cli_procs_add, &res->k);
		}
		break;
	case CLI_Q_RECENT:
		r = pt_foreach_exited(res->m, wall_us() - (int64_t)(q->secs * 1e6), cli_procs_add,
				      &res->k);
		break;
	case CLI_Q_SHORT:
		r = pt_foreach_short(res->m, (int64_t)q->ms, cli_procs_add, &res->k);
		break;
	case CLI_Q_STATUS:
		r = status_json(res->m, &res->status, &res->status_len);
		break;
	}
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
		return EXIT_FAIL;
	}
	if ((q->cmd == CLI_Q_RECENT || q->cmd == CLI_Q_SHORT) && verbosity >= PT_LOG_INFO)
		fprintf(stderr,
			"%s: %s: a snapshot of /proc holds no exited processes; only the daemon "
			"(proctraild) retains them\n",
			prog, cli_qcmd_names[q->cmd]);
	return 0;
}

/* status as text: one "key: value" line per member, nested objects' keys
 * joined by dots, arrays as comma-separated values ("-" when empty). */
static void status_text(FILE *f, const char *prefix, json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		char name[256];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_is_object(v)) {
			status_text(f, name, v);
			continue;
		}
		cli_escape_str(f, name);
		fputs(": ", f);
		if (json_is_array(v) && !json_array_size(v)) {
			fputc('-', f);
		} else if (json_is_array(v)) {
			size_t i;
			json_t *e;

			json_array_foreach(v, i, e)
			{
				char *t = json_is_string(e) ? NULL : json_dumps(e, JSON_ENCODE_ANY);

				if (i)
					fputc(',', f);
				cli_escape_str(f, json_is_string(e) ? json_string_value(e) : t ?: "?");
				free(t);
			}
		} else if (json_is_string(v)) {
			cli_escape_str(f, json_string_value(v));
		} else {
			char *t = json_dumps(v, JSON_ENCODE_ANY);

			cli_escape_str(f, t ? t : "?");
			free(t);
		}
		fputc('\n', f);
	}
}

static int render_status(const struct snap_opts *s, const struct cli_result *res)
{
	json_error_t jerr;
	json_t *obj;

	if (s->oo.json) {
		fwrite(res->status, 1, res->status_len, stdout);
		fputc('\n', stdout);
		return fflush(stdout) == EOF ? EXIT_FAIL : 0;
	}
	obj = json_loadb(res->status, res->status_len, JSON_DECODE_ANY, &jerr);
	if (!json_is_object(obj)) {
		json_decref(obj);
		fprintf(stderr, "%s: status: not a JSON object: %s\n", prog, jerr.text);
		return EXIT_FAIL;
	}
	status_text(stdout, "", obj);
	json_decref(obj);
	return fflush(stdout) == EOF ? EXIT_FAIL : 0;
}

/* ---- containers ---- */

/* The members of pt_json_container() that -o names; the text columns' headers. */
static const struct {
	const char *member, *header;
} ctr_members[] = {
	{"id", "CONTAINER"},
	{"runtime", "RUNTIME"},
	{"name", "NAME"},
	{"image", "IMAGE"},
	{"image_repository", "REPOSITORY"},
	{"image_id", "IMAGE_ID"},
	{"pod_name", "POD"},
	{"ns_name", "NAMESPACE"},
	{"pod_uid", "POD_UID"},
	{"qos", "QOS"},
	{"cgroup", "CGROUP"},
	{"cgroup_id", "CGROUP_ID"},
	{"outer_ids", "OUTER"},
	{"created", "CREATED"},
	{"first_seen", "FIRST_SEEN"},
	{"live", "PROCS"},
	{"missing", "MISSING"},
};
#define CTR_NMEMBERS (sizeof(ctr_members) / sizeof(ctr_members[0]))
/* the default text columns and their order */
static const char *const ctr_default_cols =
	"id,runtime,live,name,image,pod_name,ns_name,first_seen";

/* -o LIST for containers: indexes into ctr_members, or exit 2. */
static size_t ctr_parse_cols(const char *list, size_t *idx, size_t max)
{
	char *copy = strdup(list), *save = NULL;
	size_t n = 0;

	if (!copy)
		exit(EXIT_FAIL);
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < CTR_NMEMBERS; i++)
			if (strcmp(t, ctr_members[i].member) == 0)
				break;
		if (i == CTR_NMEMBERS)
			usage_error(
				"containers: -o: unknown member '%s' (id, runtime, name, image, "
				"image_repository, image_id, pod_name, ns_name, pod_uid, qos, "
				"cgroup, cgroup_id, outer_ids, created, first_seen, live, "
				"missing)",
				t);
		if (n == max)
			usage_error("containers: -o: at most %zu members", max);
		idx[n++] = i;
	}
	free(copy);
	if (!n)
		usage_error("containers: -o needs at least one member");
	return n;
}

/* A member's text: strings raw (escaped when printed), times of day, the rest
 * as JSON; "-" when absent or null. The id column is Falco's short id. malloc'd. */
static char *ctr_cell(json_t *o, const char *member, bool text)
{
	json_t *v = json_object_get(o, member);
	char *s = NULL;

	if (!v || json_is_null(v))
		return strdup("-");
	if (text && json_is_string(v) &&
	    (strcmp(member, "first_seen") == 0 || strcmp(member, "created") == 0)) {
		/* RFC 3339 in UTC: a time of day here, as ps's START */
		struct tm tm = {0};
		const char *end = strptime(json_string_value(v), "%Y-%m-%dT%H:%M:%S", &tm);
		char buf[32];
		time_t t;

		if (end) {
			t = timegm(&tm);
			localtime_r(&t, &tm);
			strftime(buf, sizeof(buf), t > time(NULL) - 86400 ? "%H:%M:%S" : "%Y-%m-%d",
				 &tm);
			return strdup(buf);
		}
	}
	if (json_is_string(v)) {
		s = strdup(json_string_value(v));
		if (s && text && strcmp(member, "id") == 0 && strlen(s) > CLI_CTR_SHORT)
			s[CLI_CTR_SHORT] = 0;
		return s;
	}
	if (text && json_is_integer(v) &&
	    (strcmp(member, "first_seen") == 0 || strcmp(member, "created") == 0)) {
		/* microseconds since the epoch */
		time_t t = (time_t)(json_integer_value(v) / 1000000);
		struct tm tm;
		char buf[32];

		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), t > time(NULL) - 86400 ? "%H:%M:%S" : "%Y-%m-%d", &tm);
		return strdup(buf);
	}
	if (text && json_is_array(v)) {
		size_t i, len = 0;
		json_t *e;
		FILE *f = open_memstream(&s, &len);

		if (!f)
			return NULL;
		json_array_foreach(v, i, e)
		{
			char *d = json_is_string(e) ? NULL : json_dumps(e, JSON_ENCODE_ANY);

			fprintf(f, "%s%s", i ? "," : "", json_is_string(e) ? json_string_value(e) : d ?: "?");
			free(d);
		}
		if (!i)
			fputc('-', f);
		fclose(f);
		return s;
	}
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* Columns a code point each, as cli_escape_pad counts them. */
static int esc_width(const char *s)
{
	char *buf = NULL;
	size_t len = 0, cols = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return (int)strlen(s);
	cli_escape_str(m, s);
	fclose(m);
	for (size_t i = 0; i < len; i++)
		cols += ((unsigned char)buf[i] & 0xc0) != 0x80;
	free(buf);
	return (int)cols;
}

static int render_containers(const struct snap_opts *s, const struct cli_result *res)
{
	size_t idx[CTR_NMEMBERS * 2],
		n = ctr_parse_cols(s->oo.cols ? s->oo.cols : ctr_default_cols, idx,
				   CTR_NMEMBERS * 2);
	int width[CTR_NMEMBERS * 2] = {0};
	json_t **objs = calloc(res->nctrs + 1, sizeof(*objs));
	char **cells = calloc((res->nctrs + 1) * n, sizeof(*cells));
	int rc = 0;

	if (!objs || !cells) {
		free(objs);
		free(cells);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < res->nctrs; i++) {
		objs[i] = json_loads(res->ctrs[i], 0, NULL);
		if (!json_is_object(objs[i])) {
			fprintf(stderr, "%s: containers: a record is not a JSON object\n", prog);
			rc = EXIT_FAIL;
			goto out;
		}
	}
	if (s->oo.json && !s->oo.cols) {
		/* byte for byte what the library (or the daemon) wrote */
		for (size_t i = 0; i < res->nctrs; i++)
			puts(res->ctrs[i]);
		goto out;
	}
	if (s->oo.json) {
		for (size_t i = 0; i < res->nctrs; i++) {
			json_t *sel = json_object();
			char *line;

			for (size_t c = 0; c < n; c++) {
				json_t *v = json_object_get(objs[i], ctr_members[idx[c]].member);

				json_object_set(sel, ctr_members[idx[c]].member,
						v ? v : json_null());
			}
			line = json_dumps(sel, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(sel);
			if (line)
				puts(line);
			free(line);
		}
		goto out;
	}
	for (size_t c = 0; c < n; c++)
		width[c] = s->oo.quiet ? 0 : (int)strlen(ctr_members[idx[c]].header);
	for (size_t i = 0; i < res->nctrs; i++)
		for (size_t c = 0; c < n; c++) {
			char *t = ctr_cell(objs[i], ctr_members[idx[c]].member, true);
			int w = t ? esc_width(t) : 1;

			cells[i * n + c] = t;
			if (w > width[c])
				width[c] = w;
		}
	if (!s->oo.quiet)
		for (size_t c = 0; c < n; c++)
			printf("%-*s%s", c + 1 < n ? width[c] : 0, ctr_members[idx[c]].header,
			       c + 1 < n ? " " : "\n");
	for (size_t i = 0; i < res->nctrs; i++)
		for (size_t c = 0; c < n; c++) {
			const char *t = cells[i * n + c] ? cells[i * n + c] : "?";

			if (strcmp(ctr_members[idx[c]].member, "live") == 0 && c + 1 < n) {
				printf("%*s ", width[c], t); /* a count: right-aligned */
				continue;
			}
			cli_escape_pad(stdout, t, c + 1 < n ? width[c] : 0);
			fputc(c + 1 < n ? ' ' : '\n', stdout);
		}
out:
	for (size_t i = 0; i < res->nctrs; i++) {
		json_decref(objs[i]);
		for (size_t c = 0; c < n; c++)
			free(cells[i * n + c]);
	}
	free(objs);
	free(cells);
	if (fflush(stdout) == EOF)
		rc = EXIT_FAIL;
	return rc;
}

/* ps and watch's CONTAINER column: Falco's short id, "-" on the host, "?" unknown. */
static bool in_container(const struct pt_proc *p)
{
	char c[2];

	return cli_proc_ctr_short(p, c, sizeof(c)) && c[0] != '-' && c[0] != '?';
}

/* Render what was gathered: the same code for a snapshot and for the daemon. */
static int render(const struct snap_opts *s, const struct cli_query *q, struct cli_result *res,
		  const struct cli_fields *cols)
{
	struct cli_out out;
	int r = 0;

	if (q->cmd == CLI_Q_STATUS)
		return render_status(s, res);
	if (q->cmd == CLI_Q_CONTAINERS)
		return render_containers(s, res);
	/* nothing exited to show: nothing at all, not even the header */
	if ((q->cmd == CLI_Q_RECENT || q->cmd == CLI_Q_SHORT) && !res->k.n)
		return 0;
	if (q->cmd != CLI_Q_LINEAGE)
		cli_procs_sort(&res->k);
	out_open(&out, &s->oo, q_is_list(q->cmd) ? CLI_VIEW_PS : CLI_VIEW_ONE, cols);
	out.m = res->m;
	/* the column when any row is in a container; lineage marks what exited */
	for (size_t i = 0; i < res->k.n && !out.ctr_col; i++)
		out.ctr_col = in_container(res->k.v[i]);
	out.mark_exited = q->cmd == CLI_Q_LINEAGE;
	out.fmt->begin(&out);
	if (q->cmd == CLI_Q_SHOW)
		r = out.fmt->show(&out, res->one);
	else if (q->cmd == CLI_Q_TREE)
		r = out.fmt->tree(&out, res->one);
	for (size_t i = 0; q_is_list(q->cmd) && i < res->k.n && r >= 0; i++)
		r = out.fmt->proc(&out, res->k.v[i]);
	out.fmt->end(&out, PT_TIER_NONE);
	out_close(&out);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	return r < 0 ? EXIT_FAIL : 0;
}

/* Gather q: from the daemon when it answers (unless --local), else a snapshot. */
static int gather(const struct snap_opts *s, const struct cli_query *q, struct cli_result *res)
{
	const char *path = cli_socket_path(s->socket);
	const char *name = cli_qcmd_names[q->cmd];
	struct cli_error err = {0};
	enum cli_client_rc rc;
	struct pt_options o;
	char why[512] = "";

	if (s->mode == CLI_MODE_LOCAL)
		return local_gather(s, q, res);
	base_options(&o);
	rc = cli_client_query(path, CLI_TIMEOUT_MS, &o, q, res, &err, why, sizeof(why));
	if (rc == CLI_CLIENT_OK)
		return 0;
	cli_result_free(res);
	if (rc == CLI_CLIENT_UNREACHABLE && s->mode == CLI_MODE_AUTO) {
		if (verbosity >= PT_LOG_INFO) {
			fprintf(stderr, "%s: ", prog);
			cli_escape_str(stderr, why);
			fputs("; reading a snapshot of /proc instead\n", stderr);
		}
		return local_gather(s, q, res);
	}
	if (rc == CLI_CLIENT_REFUSED) {
		/* the same line and status as a snapshot that has no such process */
		if (strcmp(err.code, "not_found") == 0 || strcmp(err.code, "other_boot") == 0) {
			say_not_found(q, NULL, strcmp(err.code, "other_boot") == 0);
			return EXIT_FAIL;
		}
		fprintf(stderr, "%s: %s: the daemon refused (%s): ", prog, name, err.code);
		cli_escape_str(stderr, err.message);
		fputc('\n', stderr);
		return EXIT_FAIL;
	}
	fprintf(stderr, "%s: %s: ", prog, name);
	cli_escape_str(stderr, why);
	fputs(s->mode == CLI_MODE_DAEMON && rc == CLI_CLIENT_UNREACHABLE ? " (--daemon)\n" : "\n",
	      stderr);
	return EXIT_FAIL;
}

static int query_run(const struct snap_opts *s, const struct cli_query *q)
{
	struct cli_result res = {0};
	struct cli_fields cols = {0};
	int rc;

	if (s->oo.cols && q->cmd != CLI_Q_CONTAINERS)
		parse_cols(s->oo.cols, PT_FIELD_PROC, &cols);
	rc = gather(s, q, &res);
	if (rc == 0)
		rc = render(s, q, &res, &cols);
	cli_result_free(&res);
	free(cols.v);
	return rc;
}

/* A process argument: PID, PID@TIME or KEY, or exit 2 saying what is wrong. */
static void parse_ref(const char *cmd, const char *arg, struct cli_query *q)
{
	char why[256];

	q->arg = arg;
	if (pt_ref_parse(arg, &q->ref, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: %s: invalid process '", prog, cmd);
		cli_escape_str(stderr, arg);
		fprintf(stderr, "': %s\n", why);
		exit(EXIT_USAGE);
	}
}

#define Q_USAGE_OPTS "[--json] [--local|--daemon] [--socket=PATH] [--proc-root=DIR]"
#define Q_LIST_OPTS "[--json] [-o FIELDS] [-q] [--local|--daemon] [--socket=PATH] [--proc-root=DIR]"
#define Q_REF_HELP                                                                   \
	"\n  PID@TIME: TIME is epoch seconds (1764662400.5), RFC 3339 with a zone\n" \
	"  (2026-12-02T07:00:00Z) or -SECS before now; KEY: BOOT_ID:START:PID"

static int cmd_ps(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_PS};

	int rc;

	snap_parse(argc, argv, &s, q.cmd,
		   "ps " Q_LIST_OPTS "\n       [--filter=CONDITION] [--container=ID|NAME|host] "
		   "[--pod=NAME|UID] [--host-only] [--runtime-root=DIR]");
	if (optind < argc)
		usage_error("ps takes no arguments ('%s')", argv[optind]);
	q.filter = s.filter_expr;
	rc = query_run(&s, &q);
	cli_filter_free(s.filter);
	free(s.filter_expr);
	return rc;
}

static int cmd_containers(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_CONTAINERS};

	snap_parse(argc, argv, &s, q.cmd,
		   "containers [--json] [-o MEMBERS] [-q] [--local|--daemon] [--socket=PATH]\n"
		   "       [--proc-root=DIR] [--runtime-root=DIR]\n"
		   "  the live containers (and those whose last process exited within the linger)\n"
		   "  with their process counts; -o takes pt_json_container's members");
	if (optind < argc)
		usage_error("containers takes no arguments ('%s')", argv[optind]);
	return query_run(&s, &q);
}

static int cmd_tree(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_TREE, .arg = "1", .ref = {.kind = PT_REF_PID, .pid = 1}};

	snap_parse(argc, argv, &s, q.cmd, "tree [PID] [--ascii] " Q_USAGE_OPTS);
	if (optind + 1 < argc)
		usage_error("tree takes at most one PID");
	if (optind < argc) {
		q.arg = argv[optind];
		q.ref.pid = parse_pid(argv[optind]);
	}
	return query_run(&s, &q);
}

/* show, lineage, children: exactly one process. */
static int cmd_one(int argc, char **argv, enum cli_qcmd cmd, const char *usage)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = cmd};
	const char *name = cli_qcmd_names[cmd];

	snap_parse(argc, argv, &s, cmd, usage);
	if (optind + 1 != argc)
		usage_error("%s needs exactly one %s", name,
			    cmd == CLI_Q_CHILDREN ? "PID" : "PID, PID@TIME or KEY");
	if (cmd == CLI_Q_CHILDREN) {
		q.arg = argv[optind];
		q.ref = (struct pt_ref){.kind = PT_REF_PID, .pid = parse_pid(argv[optind])};
	} else {
		parse_ref(name, argv[optind], &q);
	}
	return query_run(&s, &q);
}

static int cmd_show(int argc, char **argv)
{
	return cmd_one(argc, argv, CLI_Q_SHOW, "show PID|PID@TIME|KEY " Q_USAGE_OPTS Q_REF_HELP);
}

static int cmd_lineage(int argc, char **argv)
{
	return cmd_one(argc, argv, CLI_Q_LINEAGE,
		       "lineage PID|PID@TIME|KEY " Q_LIST_OPTS Q_REF_HELP);
}

static int cmd_children(int argc, char **argv)
{
	return cmd_one(argc, argv, CLI_Q_CHILDREN, "children PID " Q_LIST_OPTS);
}

/* recent [SECS]: seconds, a number above 0; else exit 2. */
static double parse_secs(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || d != d || d <= 0 || d > 1e9)
		usage_error("recent: invalid SECS '%s' (seconds, more than 0, at most 1e9)", s);
	return d;
}

static int cmd_recent(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_RECENT, .secs = 60};

	snap_parse(argc, argv, &s, q.cmd,
		   "recent [SECS] " Q_LIST_OPTS "\n  SECS: exited within, default 60");
	if (optind + 1 < argc)
		usage_error("recent takes at most one SECS");
	if (optind < argc)
		q.secs = parse_secs(argv[optind]);
	return query_run(&s, &q);
}

static int cmd_short(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_SHORT, .ms = 100};

	snap_parse(argc, argv, &s, q.cmd,
		   "short [MS] " Q_LIST_OPTS "\n  MS: lived less, default 100");
	if (optind + 1 < argc)
		usage_error("short takes at most one MS");
	if (optind < argc)
		q.ms = parse_num("MS", argv[optind], 1, 86400000, false);
	return query_run(&s, &q);
}

static int cmd_status(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_query q = {.cmd = CLI_Q_STATUS};

	snap_parse(argc, argv, &s, q.cmd, "status " Q_USAGE_OPTS);
	if (optind < argc)
		usage_error("status takes no arguments ('%s')", argv[optind]);
	return query_run(&s, &q);
}

/* ---- fields ---- */

static int cmd_fields(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	cli_list_longopts(longopts);
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: %s fields\nSee proctrail(1), FIELDS.\n", prog);
			return 0;
		}
		option_error("fields", argv, c);
	}
	if (optind < argc)
		usage_error("fields takes no arguments ('%s')", argv[optind]);
	printf("%-22s %-16s %-8s %-13s %s\n", "NAME", "JSON", "TYPE", "OF", "DOC");
	for (unsigned i = 0; i < pt_fields_count(); i++) {
		const struct pt_field_def *d = pt_fields_at(i);
		unsigned fl = pt_field_def_flags(d);
		char name[64];

		snprintf(name, sizeof(name), "%s%s", pt_field_def_name(d),
			 fl & PT_FIELD_ARG ? "[N]" : "");
		printf("%-22s %-16s %-8s %-13s %s\n", name, pt_field_def_json(d),
		       pt_type_name(pt_field_def_type(d)),
		       (fl & PT_FIELD_PROC) && (fl & PT_FIELD_EVENT) ? "process,event"
			       : fl & PT_FIELD_PROC		     ? "process"
								     : "event",
		       pt_field_def_doc(d));
	}
	return fflush(stdout) == EOF ? EXIT_FAIL : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--verbose|--debug] COMMAND [OPTIONS]\n"
		"\n"
		"Commands:\n"
		"  watch      stream process events as they happen\n"
		"  replay FILE  feed a recorded watch --json stream to the output and sinks\n"
		"  probe      say which tiers run here, why not, and what privilege buys\n"
		"  ps         list every process\n"
		"  tree [PID] show the process tree under PID (default 1)\n"
		"  show PID|PID@TIME|KEY     everything known about one process\n"
		"  lineage PID|PID@TIME|KEY  the process and its ancestors up to init\n"
		"  children PID  the process's direct children\n"
		"  recent [SECS] processes that exited within SECS (default 60)\n"
		"  short [MS]    processes that lived less than MS (default 100)\n"
		"  status     the monitor's status and counts\n"
		"  containers the live containers and their process counts\n"
		"  (the query commands ask proctraild when it answers, else read /proc)\n"
		"  fields     list the fields -o accepts\n"
		"  history    execs, short-lived processes and lineage from the history database\n"
		"  rules check PATH...  load Falco rules files: loaded, skipped (why), errors\n"
		"\n"
		"Options:\n"
		"  -h, --help     this help; COMMAND --help for a command's options\n"
		"  -V, --version  version and JSON schema version\n"
		"  -v, --verbose  log which tier was chosen and why (twice: debug)\n"
		"      --debug    debug messages\n"
		"      --fields   the same as the fields command\n"
		"\n"
		"See proctrail(1).\n",
		prog);
}

int main(int argc, char **argv)
{
	enum { O_DEBUG = 256, O_FIELDS, O_LISTOPTS };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{"debug", no_argument, NULL, O_DEBUG},
		{"fields", no_argument, NULL, O_FIELDS},
		/* not in --help: for the completion scripts (contrib/completion) */
		{"list-options", no_argument, NULL, O_LISTOPTS},
		{0},
	};
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"watch", cmd_watch},
		{"probe", cmd_probe},
		{"ps", cmd_ps},
		{"tree", cmd_tree},
		{"show", cmd_show},
		{"lineage", cmd_lineage},
		{"children", cmd_children},
		{"recent", cmd_recent},
		{"short", cmd_short},
		{"status", cmd_status},
		{"replay", cmd_replay},
		{"fields", cmd_fields},
		{"history", cli_history},
		{"containers", cmd_containers},
		{"rules", cmd_rules},
	};
	int c;

	opterr = 0;
	/* stop at the command: its options are its own */
	while ((c = getopt_long(argc, argv, "+:hVv", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("proctrail %s (JSON schema %d)\n", pt_version(),
			       PT_JSON_SCHEMA_VERSION);
			return 0;
		case 'v':
			verbosity = verbosity < PT_LOG_INFO ? PT_LOG_INFO : PT_LOG_DEBUG;
			break;
		case O_DEBUG:
			verbosity = PT_LOG_DEBUG;
			break;
		case O_FIELDS: {
			char *sub[] = {argv[0], NULL};

			optind = 0;
			return cmd_fields(1, sub);
		}
		case O_LISTOPTS:
			cli_list_opts = true;
			break;
		default:
			option_error(prog, argv, c);
		}
	}
	/* the commands and the global options; with a command, its options */
	if (cli_list_opts && optind >= argc) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			printf("%s\n", cmds[i].name);
		for (const struct option *o = longopts; o->name; o++)
			if (o->val != O_LISTOPTS)
				cli_print_longopt(o);
		return fflush(stdout) == EOF ? EXIT_FAIL : 0;
	}
	if (cli_list_opts && optind + 1 < argc)
		usage_error("--list-options takes at most one command");
	if (optind >= argc)
		usage_error("no command (watch, probe, ps, tree, show, lineage, children, recent, "
			    "short, status, containers, fields; see %s --help)",
			    prog);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			char **sub = argv + optind;
			int subc = argc - optind;

			/* 0 makes glibc forget the '+' ordering of the global options */
			optind = 0;
			return cmds[i].fn(subc, sub);
		}
	}
	usage_error("unknown command '%s' (watch, probe, ps, tree, show, lineage, children, "
		    "recent, short, status, containers, fields)",
		    argv[optind]);
	return EXIT_USAGE;
}
