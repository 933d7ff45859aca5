/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proctrail: the command-line tool. See proctrail(1). */
#include <errno.h>
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

#include "cli.h"
#include "outq.h"

#define EXIT_USAGE 2
#define EXIT_FAIL 1

static struct pt_monitor *the_monitor;
static volatile sig_atomic_t stop_requested;
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
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
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
	(void)sig;
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
};

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
		r = event ? pt_outq_push(w->q, w->stage_buf, w->stage_len)
			  : pt_outq_push_report(w->q, w->stage_buf, w->stage_len, count);
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
	ev.tier = pt_monitor_tier(the_monitor);
	ev.u.lost.count = n;
	ev.u.lost.reason = "slow-reader";
	if (w->out.fmt->event(&w->out, &ev) < 0)
		w->stage_len = 0;
	else
		stage_commit(w, false, n);
}

static int watch_emit(struct watch_ctx *w, const struct pt_event *ev)
{
	int r;

	if (!w->q)
		return w->out.fmt->event(&w->out, ev);
	stage_commit(w, false, 0); /* not part of this event */
	watch_q_report(w);
	r = w->out.fmt->event(&w->out, ev);
	if (r < 0) {
		w->stage_len = 0;
		return r;
	}
	r = stage_commit(w, true, 0);
	/* a full queue or a reader gone: counted, never an error of the monitor */
	return r == -ENOMEM ? r : 0;
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
	int r;

	if (!cli_follow_event(w->follow, ev))
		return;
	if (!cli_filter_match(w->filter, ev)) {
		w->filtered++;
		return;
	}
	w->printed[ev->type]++;
	r = watch_emit(w, ev);
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

static void print_summary(const struct watch_ctx *w, const struct pt_monitor *m, double secs)
{
	struct pt_outq_stats qs = {0};
	struct pt_status st;
	uint64_t total = 0;

	pt_monitor_status(m, &st);
	if (w->q) {
		/* what the monitor saw but stdout did not take counts as lost too */
		pt_outq_stats(w->q, &qs);
		st.lost += qs.dropped;
	}
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
		" by a slow reader of stdout), resyncs %" PRIu64 ", malformed %" PRIu64 "\n",
		prog, st.lost, st.lost_estimated, qs.dropped, st.resyncs, st.malformed);
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
		",\"missing_events\":[",
		w->filtered, st.lost, st.lost_estimated, st.resyncs, st.malformed, st.exec_total,
		st.exec_args_ok, st.exec_exe_ok, st.alive, st.exited, st.evicted, qs.written,
		qs.dropped, qs.reported);
	for (int i = 0, n = 0; i < PT_EV_COUNT; i++)
		if (st.events_missing & PT_EVMASK(i))
			fprintf(stderr, "%s\"%s\"", n++ ? "," : "",
				pt_event_name((enum pt_event_type)i));
	fputs("]}\n", stderr);
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
	       "[--filter=EXPR]\n"
	       "       [--duration=SECS] [--threads] [--realtime|--no-realtime]\n"
	       "       [--interval=MS] [--args-max=BYTES] [--rcvbuf=BYTES]\n"
	       "       [--ring-size=BYTES] [--watch-dir=DIR] [--readers=N]\n"
	       "       [--output-buffer=BYTES] [--proc-root=DIR] [-q]\n"
	       "       [-p PID[,PID...] | -- CMD [ARGS...]]\n"
	       "       [--tree] [--compact] [--time=local|utc|iso|relative|epoch]\n"
	       "       [--color=auto|always|never]\n"
	       "  -p, --pid=PID[,PID...]  only these processes and their descendants\n"
	       "  -- CMD [ARGS...]        run CMD, show it and its descendants, exit with its "
	       "status\n"
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
	};
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
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
		{0},
	};
	char err[256];
	int c;

	/* '+': a command's own options are not ours */
	while ((c = getopt_long(argc, argv, "+:jo:qhp:", longopts, NULL)) != -1) {
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
		case O_TIER:
			if (pt_tier_from_name(optarg, &w->o.tier) < 0 || w->o.tier == PT_TIER_NONE)
				usage_error(
					"watch: unknown tier '%s' (auto, bpf, netlink, inotify, "
					"poll)",
					optarg);
			break;
		case O_EVENTS:
			w->o.events = parse_events(optarg);
			break;
		case O_FILTER:
			if (w->filter)
				usage_error("watch: --filter given twice; put all terms in one "
					    "expression");
			if (cli_filter_parse(optarg, &w->filter, err, sizeof(err)) < 0)
				usage_error("watch: invalid --filter: %s", err);
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
		/* follow (cli-follow.c) */
		case 'p':
			if (!w->follow &&
			    !(w->follow = cli_follow_new(prog, verbosity >= PT_LOG_INFO)))
				exit(EXIT_FAIL);
			if (cli_follow_add_pids(w->follow, optarg, err, sizeof(err)) < 0)
				usage_error("watch: %s", err);
			break;
		default:
			option_error("watch", argv, c);
		}
	}
	view_check(&w->oo, w->o.events);
	if (optind < argc)
		watch_parse_cmd(argc, argv, w);
	if (w->follow)
		w->o.events = cli_follow_events(w->follow, w->o.events);
	if (w->oo.cols)
		parse_cols(w->oo.cols, PT_FIELD_EVENT | PT_FIELD_PROC, &w->cols);
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

static int cmd_watch(int argc, char **argv)
{
	struct watch_ctx w = {0};
	double t0;
	int r, status;

	base_options(&w.o);
	watch_parse(argc, argv, &w);
	out_open(&w.out, &w.oo, CLI_VIEW_WATCH, &w.cols);
	if (w.follow) { /* --tree: the followed processes at depth 0 */
		w.out.tree_root = cli_follow_is_root;
		w.out.tree_root_data = w.follow;
	}
	r = watch_q_open(&w);
	if (r < 0) {
		fprintf(stderr, "%s: cannot set up the output queue: %s\n", prog, strerror(-r));
		goto out;
	}
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
	fprintf(stderr, "%s: ready (tier %s)\n", prog, pt_tier_name(pt_monitor_tier(the_monitor)));
	w.out.fmt->begin(&w.out);
	out_flush(&w.out);
	t0 = mono_s();
	r = cli_follow_release(w.follow, the_monitor);
	if (r >= 0)
		r = watch_loop(&w);
	w.out.fmt->end(&w.out, PT_TIER_NONE);
	watch_q_close(&w);
	out_close(&w.out);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	if (!w.oo.quiet)
		print_summary(&w, the_monitor, mono_s() - t0);
	pt_monitor_close(the_monitor);
	the_monitor = NULL;
out:
	watch_q_close(&w);
	if (w.out.f)
		out_close(&w.out);
	status = cli_follow_end(w.follow, r, w.oo.quiet);
	cli_follow_free(w.follow);
	watch_q_free(&w);
	cli_filter_free(w.filter);
	free(w.cols.v);
	return status;
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
	enum pt_tier best = PT_TIER_NONE;
	struct out_opts oo = {0};
	struct cli_out out;
	struct pt_options o;
	int c;

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
	out_open(&out, &oo, CLI_VIEW_PROBE, NULL);
	out.fmt->begin(&out);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char why[512] = "";
		struct pt_event_gaps g;
		int r = pt_probe(order[i], &o, why, sizeof(why));

		if (r == 0 && best == PT_TIER_NONE)
			best = order[i];
		if (pt_tier_event_gaps(order[i], &o, &g) < 0)
			memset(&g, 0, sizeof(g));
		out.fmt->tier(&out, order[i], r == 0, why, &g);
	}
	out.fmt->end(&out, best);
	out_close(&out);
	return best == PT_TIER_NONE ? EXIT_FAIL : 0;
}

/* ---- snapshot queries: ps, tree, show ---- */

struct snap_opts {
	struct out_opts oo;
	const char *proc_root;
};

static void snap_parse(int argc, char **argv, struct snap_opts *s, const char *cmd,
		       const char *usage)
{
	enum { O_PROCROOT = 256, O_ASCII };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"ascii", no_argument, NULL, O_ASCII},
		{"proc-root", required_argument, NULL, O_PROCROOT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool ps = strcmp(cmd, "ps") == 0;
	int c;

	while ((c = getopt_long(argc, argv, ps ? ":jo:qh" : ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			s->oo.json = true;
			break;
		case 'o':
			if (!ps)
				usage_error("%s: -o is an option of ps and watch", cmd);
			s->oo.cols = optarg;
			break;
		case 'q':
			if (!ps)
				usage_error("%s: -q is an option of ps and watch", cmd);
			s->oo.quiet = true;
			break;
		case O_ASCII:
			s->oo.ascii = true;
			break;
		case O_PROCROOT:
			s->proc_root = optarg;
			break;
		case 'h':
			printf("usage: %s %s\nSee proctrail(1).\n", prog, usage);
			exit(0);
		default:
			option_error(cmd, argv, c);
		}
	}
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
	r = pt_monitor_open(&m, &o);
	if (r < 0) {
		fprintf(stderr, "%s: cannot read processes: %s\n", prog, strerror(-r));
		exit(EXIT_FAIL);
	}
	return m;
}

static int cmd_ps(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_procs k = {0};
	struct cli_fields cols = {0};
	struct pt_monitor *m;
	struct cli_out out;
	int r;

	snap_parse(argc, argv, &s, "ps", "ps [--json] [-o FIELDS] [-q] [--proc-root=DIR]");
	if (optind < argc)
		usage_error("ps takes no arguments ('%s')", argv[optind]);
	if (s.oo.cols)
		parse_cols(s.oo.cols, PT_FIELD_PROC, &cols);
	m = snapshot(&s);
	r = pt_foreach(m, PT_SEL_ALIVE, cli_procs_add, &k);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
		goto out;
	}
	cli_procs_sort(&k);
	out_open(&out, &s.oo, CLI_VIEW_PS, &cols);
	out.m = m;
	out.fmt->begin(&out);
	for (size_t i = 0; i < k.n && r >= 0; i++)
		r = out.fmt->proc(&out, k.v[i]);
	out.fmt->end(&out, PT_TIER_NONE);
	out_close(&out);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
out:
	free(k.v);
	free(cols.v);
	pt_monitor_close(m);
	return r < 0 ? EXIT_FAIL : 0;
}

/*
 * The live process pid in a fresh snapshot, or exit 1 saying it is not there.
 * A thread id stands for its process, which is said on stderr.
 */
static const struct pt_proc *snapshot_proc(const struct snap_opts *s, pid_t pid,
					   struct pt_monitor **m)
{
	const struct pt_proc *p;

	*m = snapshot(s);
	p = pt_lookup(*m, pid);
	if (!p) {
		p = pt_lookup_tid(*m, pid);
		if (p && pt_proc_state(p) == PT_STATE_ALIVE)
			fprintf(stderr, "%s: %d is a thread of process %d; showing the process\n",
				prog, pid, pt_proc_pid(p));
	}
	if (!p || pt_proc_state(p) != PT_STATE_ALIVE) {
		fprintf(stderr, "%s: no process or thread %d\n", prog, pid);
		pt_monitor_close(*m);
		exit(EXIT_FAIL);
	}
	return p;
}

/* tree and show: one process and what hangs from it. */
static int snapshot_one(const struct snap_opts *s, pid_t pid, bool tree)
{
	struct pt_monitor *m;
	const struct pt_proc *p = snapshot_proc(s, pid, &m);
	struct cli_out out;
	int r;

	out_open(&out, &s->oo, CLI_VIEW_ONE, NULL);
	out.m = m;
	out.fmt->begin(&out);
	r = tree ? out.fmt->tree(&out, p) : out.fmt->show(&out, p);
	out.fmt->end(&out, PT_TIER_NONE);
	out_close(&out);
	pt_monitor_close(m);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	return r < 0 ? EXIT_FAIL : 0;
}

static int cmd_tree(int argc, char **argv)
{
	struct snap_opts s = {0};
	pid_t pid = 1;

	snap_parse(argc, argv, &s, "tree", "tree [PID] [--json] [--ascii] [--proc-root=DIR]");
	if (optind + 1 < argc)
		usage_error("tree takes at most one PID");
	if (optind < argc)
		pid = parse_pid(argv[optind]);
	return snapshot_one(&s, pid, true);
}

/*
 * show PID@TIME or show KEY: the process that reference names in a fresh
 * snapshot (which holds live processes only), or exit 1 saying why not.
 */
static int show_ref(const struct snap_opts *s, const struct pt_ref *ref, const char *arg)
{
	struct pt_monitor *m = snapshot(s);
	const struct pt_proc *p = pt_lookup_ref(m, ref);
	struct cli_out out;
	int r;

	if (!p) {
		fprintf(stderr, "%s: ", prog);
		if (errno == EXDEV)
			fprintf(stderr, "key of another boot (this boot is %s): ",
				pt_monitor_boot_id(m) ? pt_monitor_boot_id(m) : "unknown");
		else
			fputs("no such process: ", stderr);
		cli_escape_str(stderr, arg);
		fputc('\n', stderr);
		pt_monitor_close(m);
		return EXIT_FAIL;
	}
	out_open(&out, &s->oo, CLI_VIEW_ONE, NULL);
	out.m = m;
	out.fmt->begin(&out);
	r = out.fmt->show(&out, p);
	out.fmt->end(&out, PT_TIER_NONE);
	out_close(&out);
	pt_monitor_close(m);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	return r < 0 ? EXIT_FAIL : 0;
}

static int cmd_show(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct pt_ref ref;
	char why[256];

	snap_parse(argc, argv, &s, "show",
		   "show PID|PID@TIME|KEY [--json] [--proc-root=DIR]\n"
		   "  TIME: epoch seconds (1764662400.5), RFC 3339 with a zone\n"
		   "  (2026-12-02T07:00:00Z) or -SECS before now; KEY: BOOT_ID:START:PID");
	if (optind + 1 != argc)
		usage_error("show needs exactly one PID, PID@TIME or KEY");
	if (pt_ref_parse(argv[optind], &ref, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: show: invalid process '", prog);
		cli_escape_str(stderr, argv[optind]);
		fprintf(stderr, "': %s\n", why);
		exit(EXIT_USAGE);
	}
	if (ref.kind == PT_REF_PID)
		return snapshot_one(&s, ref.pid, false);
	return show_ref(&s, &ref, argv[optind]);
}

/* ---- fields ---- */

static int cmd_fields(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

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
		"  probe      say which event tiers can run here, and why not\n"
		"  ps         list every process (snapshot)\n"
		"  tree [PID] show the process tree under PID (default 1)\n"
		"  show PID|PID@TIME|KEY  everything known about one process\n"
		"  fields     list the fields -o accepts\n"
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
	enum { O_DEBUG = 256, O_FIELDS };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},	 {"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},	 {"debug", no_argument, NULL, O_DEBUG},
		{"fields", no_argument, NULL, O_FIELDS}, {0},
	};
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"watch", cmd_watch}, {"probe", cmd_probe}, {"ps", cmd_ps},
		{"tree", cmd_tree},   {"show", cmd_show},   {"fields", cmd_fields},
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
		default:
			option_error(prog, argv, c);
		}
	}
	if (optind >= argc)
		usage_error("no command (watch, probe, ps, tree, show, fields; see %s --help)",
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
	usage_error("unknown command '%s' (watch, probe, ps, tree, show, fields)", argv[optind]);
	return EXIT_USAGE;
}
