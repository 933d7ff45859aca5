/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proctrail: the command-line tool. See proctrail(1). */
#include <errno.h>
#include <fnmatch.h>
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
#include <unistd.h>

#include "cli.h"

#define EXIT_USAGE 2

static struct pt_monitor *the_monitor;
static volatile sig_atomic_t stop_requested;
static const char *prog = "proctrail";
static int verbosity = PT_LOG_NOTICE;

static void log_stderr(int level, const char *msg, void *data)
{
	(void)data;
	fprintf(stderr, "%s: %s%s\n", prog, level <= PT_LOG_ERR ? "error: " : "", msg);
}

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(EXIT_USAGE);
}

static unsigned long parse_num(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || v > max || s[0] == '-')
		usage_error("invalid value for %s: '%s'", opt, s);
	/* size suffixes for byte options */
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || v > max)
		usage_error("invalid value for %s: '%s'", opt, s);
	return v;
}

static pid_t parse_pid(const char *s)
{
	return (pid_t)parse_num("PID", s, INT_MAX);
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

/* ---- --filter ---- */

enum fkey { FK_PID, FK_PPID, FK_UID, FK_EUID, FK_GID, FK_COMM, FK_EXE, FK_ARGV };

struct fterm {
	enum fkey key;
	bool negate;
	char *pattern;
};

struct cli_filter {
	struct fterm *t;
	size_t n;
};

static const char *const fkey_names[] = {"pid", "ppid", "uid", "euid",
					 "gid", "comm", "exe", "argv"};

void cli_filter_free(struct cli_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->t[i].pattern);
	free(f->t);
	free(f);
}

int cli_filter_parse(const char *expr, struct cli_filter **out, char *err, size_t errlen)
{
	struct cli_filter *f = calloc(1, sizeof(*f));
	char *copy = strdup(expr), *save = NULL, *tok;
	int r = 0;

	if (!f || !copy) {
		r = -ENOMEM;
		goto out;
	}
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		struct fterm t = {0}, *nt;
		size_t k;

		if (!eq || eq == tok) {
			snprintf(err, errlen, "'%s' is not KEY=PATTERN or KEY!=PATTERN", tok);
			r = -EINVAL;
			goto out;
		}
		if (eq[-1] == '!') {
			t.negate = true;
			eq[-1] = 0;
		}
		*eq = 0;
		for (k = 0; k < sizeof(fkey_names) / sizeof(fkey_names[0]); k++)
			if (strcmp(tok, fkey_names[k]) == 0)
				break;
		if (k == sizeof(fkey_names) / sizeof(fkey_names[0])) {
			snprintf(err, errlen,
				 "unknown filter key '%s' (pid, ppid, uid, euid, gid, comm, exe, "
				 "argv)",
				 tok);
			r = -EINVAL;
			goto out;
		}
		t.key = (enum fkey)k;
		t.pattern = strdup(eq + 1);
		nt = realloc(f->t, (f->n + 1) * sizeof(*nt));
		if (!t.pattern || !nt) {
			free(t.pattern);
			r = -ENOMEM;
			goto out;
		}
		f->t = nt;
		f->t[f->n++] = t;
	}
out:
	free(copy);
	if (r < 0) {
		cli_filter_free(f);
		return r;
	}
	*out = f;
	return 0;
}

static bool match_num(const char *pattern, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	return fnmatch(pattern, buf, 0) == 0;
}

static bool term_match(const struct fterm *t, const struct pt_event *ev)
{
	const struct pt_proc *p = ev->proc;
	bool creds = p && pt_proc_src(p, PT_F_CREDS);

	switch (t->key) {
	case FK_PID:
		return match_num(t->pattern, ev->pid);
	case FK_PPID:
		return match_num(t->pattern, ev->ppid);
	case FK_UID:
		return creds && match_num(t->pattern, (long)pt_proc_uid(p));
	case FK_EUID:
		return creds && match_num(t->pattern, (long)pt_proc_euid(p));
	case FK_GID:
		return creds && match_num(t->pattern, (long)pt_proc_gid(p));
	case FK_COMM:
		return p && pt_proc_src(p, PT_F_COMM) &&
			fnmatch(t->pattern, pt_proc_comm(p), 0) == 0;
	case FK_EXE:
		return p && pt_proc_src(p, PT_F_EXE) && pt_proc_exe(p) &&
			fnmatch(t->pattern, pt_proc_exe(p), 0) == 0;
	case FK_ARGV: {
		char *line;
		bool ok;

		if (!p || !pt_proc_src(p, PT_F_ARGV) || !cli_args_len(p))
			return false;
		line = malloc(cli_args_len(p));
		if (!line)
			return false;
		memcpy(line, pt_proc_args(p, NULL), cli_args_len(p));
		for (size_t i = 0; i + 1 < cli_args_len(p); i++)
			if (!line[i])
				line[i] = ' ';
		line[cli_args_len(p) - 1] = 0;
		ok = fnmatch(t->pattern, line, 0) == 0;
		free(line);
		return ok;
	}
	}
	return false;
}

bool cli_filter_match(const struct cli_filter *f, const struct pt_event *ev)
{
	if (!f || ev->type == PT_EV_LOST)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (term_match(&f->t[i], ev) == f->t[i].negate)
			return false;
	return true;
}

/* ---- watch ---- */

struct watch_ctx {
	bool json;
	struct cli_filter *filter;
	uint64_t printed;
};

static void on_event(const struct pt_event *ev, void *data)
{
	struct watch_ctx *w = data;

	if (!cli_filter_match(w->filter, ev))
		return;
	w->printed++;
	if (w->json) {
		size_t len;
		char *s = pt_json_event(ev, &len);

		if (s) {
			fwrite(s, 1, len, stdout);
			fputc('\n', stdout);
			free(s);
		}
	} else {
		cli_print_event(stdout, ev);
	}
}

static void print_summary(const struct pt_monitor *m, double secs)
{
	struct pt_status st;
	uint64_t total = 0;

	pt_monitor_status(m, &st);
	for (int i = 0; i < PT_EV_COUNT; i++)
		total += st.events[i];
	fprintf(stderr, "%s: %" PRIu64 " events in %.1f s (tier %s):", prog, total, secs,
		pt_tier_name(st.tier));
	for (int i = 0; i < PT_EV_COUNT; i++)
		if (st.events[i])
			fprintf(stderr, " %s %" PRIu64, pt_event_name((enum pt_event_type)i),
				st.events[i]);
	fputc('\n', stderr);
	fprintf(stderr,
		"%s: lost %" PRIu64 " (%" PRIu64 " estimated), resyncs %" PRIu64
		", malformed %" PRIu64 "\n",
		prog, st.lost, st.lost_estimated, st.resyncs, st.malformed);
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
			pt_event_name((enum pt_event_type)i), st.events[i]);
	fprintf(stderr,
		"},\"lost\":%" PRIu64 ",\"lost_estimated\":%" PRIu64 ",\"resyncs\":%" PRIu64
		",\"malformed\":%" PRIu64 ",\"exec_total\":%" PRIu64 ",\"exec_args_ok\":%" PRIu64
		",\"exec_exe_ok\":%" PRIu64 ",\"alive\":%" PRIu64 ",\"exited\":%" PRIu64
		",\"evicted\":%" PRIu64 "}\n",
		st.lost, st.lost_estimated, st.resyncs, st.malformed, st.exec_total,
		st.exec_args_ok, st.exec_exe_ok, st.alive, st.exited, st.evicted);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_watch(int argc, char **argv)
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
		O_READERS
	};
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
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
		{"proc-root", required_argument, NULL, O_PROCROOT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char *watch_dirs[33];
	struct watch_ctx w = {0};
	struct pt_options o;
	unsigned nwatch = 0;
	double duration = 0, t0;
	bool quiet = false;
	int c, r;

	base_options(&o);
	while ((c = getopt_long(argc, argv, "jqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			w.json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case O_TIER:
			if (pt_tier_from_name(optarg, &o.tier) < 0 || o.tier == PT_TIER_NONE)
				usage_error("unknown tier '%s' (auto, bpf, netlink, inotify, poll)",
					    optarg);
			break;
		case O_EVENTS: {
			char *copy = strdup(optarg), *save = NULL;

			o.events = 0;
			for (char *t = strtok_r(copy, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				enum pt_event_type e;

				if (strcmp(t, "all") == 0) {
					o.events = PT_EVMASK_ALL;
					continue;
				}
				if (pt_event_from_name(t, &e) < 0)
					usage_error("unknown event '%s' (fork, exec, exit, uid, "
						    "gid, sid, "
						    "comm, ptrace, coredump, lost, all)",
						    t);
				o.events |= PT_EVMASK(e);
			}
			free(copy);
			if (!o.events)
				usage_error("--events needs at least one event");
			/* a loss is never silent, whatever was asked for */
			o.events |= PT_EVMASK(PT_EV_LOST);
			break;
		}
		case O_FILTER: {
			char err[256];

			if (w.filter)
				usage_error(
					"--filter given twice; put all terms in one expression");
			if (cli_filter_parse(optarg, &w.filter, err, sizeof(err)) < 0)
				usage_error("invalid --filter: %s", err);
			break;
		}
		case O_DURATION: {
			char *end;

			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || duration <= 0)
				usage_error("invalid --duration '%s' (seconds, > 0)", optarg);
			break;
		}
		case O_THREADS:
			o.threads = true;
			break;
		case O_RT:
			o.realtime = 1;
			break;
		case O_NORT:
			o.realtime = 0;
			break;
		case O_INTERVAL:
			o.poll_interval_ms = (unsigned)parse_num("--interval", optarg, 3600000);
			if (!o.poll_interval_ms)
				usage_error("--interval must be at least 1 ms");
			break;
		case O_ARGSMAX:
			o.args_max = parse_num("--args-max", optarg, 64ul << 20);
			if (o.args_max < 16)
				usage_error("--args-max must be at least 16 bytes");
			break;
		case O_RCVBUF:
			o.rcvbuf = parse_num("--rcvbuf", optarg, 1ul << 30);
			break;
		case O_RING:
			o.ring_size = parse_num("--ring-size", optarg, 1ul << 30);
			break;
		case O_WATCHDIR:
			if (nwatch >= 32)
				usage_error("at most 32 --watch-dir options");
			watch_dirs[nwatch++] = optarg;
			o.watch_dirs = watch_dirs;
			break;
		case O_READERS:
			o.readers = (int)parse_num("--readers", optarg, 64);
			break;
		case O_PROCROOT:
			o.proc_root = optarg;
			break;
		case 'h':
			printf("usage: %s watch [--json] [--tier=T] [--events=LIST] "
			       "[--filter=EXPR]\n"
			       "       [--duration=SECS] [--threads] [--realtime|--no-realtime]\n"
			       "       [--interval=MS] [--args-max=BYTES] [--rcvbuf=BYTES]\n"
			       "       [--ring-size=BYTES] [--watch-dir=DIR] [--readers=N]\n"
			       "       [--proc-root=DIR] [-q]\n"
			       "See proctrail(1).\n",
			       prog);
			return 0;
		default:
			usage_error("invalid option for watch");
		}
	}
	if (optind < argc)
		usage_error("watch takes no arguments ('%s')", argv[optind]);
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	r = pt_monitor_open(&the_monitor, &o);
	if (r < 0) {
		fprintf(stderr, "%s: cannot start watching: %s\n", prog, strerror(-r));
		cli_filter_free(w.filter);
		return 1;
	}
	pt_monitor_subscribe(the_monitor, on_event, &w);
	install_signals();
	fprintf(stderr, "%s: ready (tier %s)\n", prog, pt_tier_name(pt_monitor_tier(the_monitor)));
	if (!w.json && !quiet)
		cli_print_event_header(stdout);
	fflush(stdout);

	t0 = mono_s();
	while (!stop_requested) {
		struct pollfd pfd = {.fd = pt_monitor_fd(the_monitor), .events = POLLIN};
		int wait = -1;

		if (duration > 0) {
			double left = t0 + duration - mono_s();

			if (left <= 0)
				break;
			wait = (int)(left * 1000) + 1;
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
		r = pt_monitor_dispatch(the_monitor);
		if (r < 0)
			break;
		if (fflush(stdout) == EOF && errno == EPIPE)
			break;
	}
	/* hand over what the source still holds */
	if (r >= 0)
		r = pt_monitor_dispatch(the_monitor);
	fflush(stdout);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
	if (!quiet)
		print_summary(the_monitor, mono_s() - t0);
	pt_monitor_close(the_monitor);
	the_monitor = NULL;
	cli_filter_free(w.filter);
	return r < 0 ? 1 : 0;
}

/* ---- probe ---- */

/* Reasons are ASCII text from the library; escape what JSON requires. */
static void print_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

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
	struct pt_options o;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h') {
			printf("usage: %s probe [--json]\nSee proctrail(1).\n", prog);
			return 0;
		} else
			usage_error("invalid option for probe");
	}
	if (optind < argc)
		usage_error("probe takes no arguments");
	base_options(&o);
	if (json)
		printf("{\"version\":\"%s\",\"schema\":%d,\"tiers\":[", pt_version(),
		       PT_JSON_SCHEMA_VERSION);
	else
		printf("%-8s %-4s %s\n", "TIER", "RUNS", "DETAIL");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char why[512] = "";
		int r = pt_probe(order[i], &o, why, sizeof(why));

		if (r == 0 && best == PT_TIER_NONE)
			best = order[i];
		if (json) {
			printf("%s{\"tier\":\"%s\",\"available\":%s,\"reason\":", i ? "," : "",
			       pt_tier_name(order[i]), r == 0 ? "true" : "false");
			print_json_string(stdout, why);
			putchar('}');
		} else {
			printf("%-8s %-4s %s\n", pt_tier_name(order[i]), r == 0 ? "yes" : "no",
			       why);
		}
	}
	if (json)
		printf("],\"auto\":%s%s%s}\n", best == PT_TIER_NONE ? "" : "\"",
		       best == PT_TIER_NONE ? "null" : pt_tier_name(best),
		       best == PT_TIER_NONE ? "" : "\"");
	else
		printf("auto: %s\n", best == PT_TIER_NONE ? "no tier can run" : pt_tier_name(best));
	return best == PT_TIER_NONE ? 1 : 0;
}

/* ---- snapshot queries: ps, tree, show ---- */

struct snap_opts {
	bool json, ascii;
	const char *proc_root;
};

static void snap_parse(int argc, char **argv, struct snap_opts *s, const char *usage)
{
	enum { O_PROCROOT = 256, O_ASCII };
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"ascii", no_argument, NULL, O_ASCII},
		{"proc-root", required_argument, NULL, O_PROCROOT},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			s->json = true;
			break;
		case O_ASCII:
			s->ascii = true;
			break;
		case O_PROCROOT:
			s->proc_root = optarg;
			break;
		case 'h':
			printf("usage: %s %s\nSee proctrail(1).\n", prog, usage);
			exit(0);
		default:
			usage_error("invalid option");
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
		exit(1);
	}
	return m;
}

static int cmd_ps(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct cli_procs k = {0};
	struct pt_monitor *m;
	int r;

	snap_parse(argc, argv, &s, "ps [--json] [--proc-root=DIR]");
	if (optind < argc)
		usage_error("ps takes no arguments");
	m = snapshot(&s);
	r = pt_foreach(m, PT_SEL_ALIVE, cli_procs_add, &k);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(-r));
		goto out;
	}
	cli_procs_sort(&k);
	if (!s.json)
		cli_print_ps_header(stdout);
	for (size_t i = 0; i < k.n; i++) {
		if (s.json) {
			size_t len;
			char *j = pt_json_proc(k.v[i], &len);

			if (!j) {
				r = -ENOMEM;
				break;
			}
			fwrite(j, 1, len, stdout);
			fputc('\n', stdout);
			free(j);
		} else {
			cli_print_ps(stdout, k.v[i]);
		}
	}
out:
	free(k.v);
	pt_monitor_close(m);
	return r < 0 ? 1 : 0;
}

/* The live process pid in a fresh snapshot, or exit 1 saying it is not there. */
static const struct pt_proc *snapshot_proc(const struct snap_opts *s, pid_t pid,
					   struct pt_monitor **m)
{
	const struct pt_proc *p;

	*m = snapshot(s);
	p = pt_lookup(*m, pid);
	if (!p || pt_proc_state(p) != PT_STATE_ALIVE) {
		fprintf(stderr, "%s: no process %d\n", prog, pid);
		pt_monitor_close(*m);
		exit(1);
	}
	return p;
}

static int cmd_tree(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct pt_monitor *m;
	const struct pt_proc *root;
	pid_t pid = 1;
	int r;

	snap_parse(argc, argv, &s, "tree [PID] [--json] [--ascii] [--proc-root=DIR]");
	if (optind + 1 < argc)
		usage_error("tree takes at most one PID");
	if (optind < argc)
		pid = parse_pid(argv[optind]);
	root = snapshot_proc(&s, pid, &m);
	r = cli_print_tree(stdout, m, root, s.ascii, s.json);
	pt_monitor_close(m);
	return r < 0 ? 1 : 0;
}

static int cmd_show(int argc, char **argv)
{
	struct snap_opts s = {0};
	struct pt_monitor *m;
	const struct pt_proc *p;
	pid_t pid;

	snap_parse(argc, argv, &s, "show PID [--json] [--proc-root=DIR]");
	if (optind + 1 != argc)
		usage_error("show needs exactly one PID");
	pid = parse_pid(argv[optind]);
	p = snapshot_proc(&s, pid, &m);
	if (s.json) {
		char *j = pt_json_proc(p, NULL);

		if (j)
			puts(j);
		free(j);
	} else {
		cli_print_show(stdout, m, p);
	}
	pt_monitor_close(m);
	return 0;
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
		"  show PID   everything known about one process\n"
		"\n"
		"Options:\n"
		"  -h, --help     this help; COMMAND --help for a command's options\n"
		"  -V, --version  version and JSON schema version\n"
		"  -v, --verbose  log which tier was chosen and why (twice: debug)\n"
		"\n"
		"See proctrail(1).\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{0},
	};
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{"watch", cmd_watch}, {"probe", cmd_probe}, {"ps", cmd_ps},
		{"tree", cmd_tree},   {"show", cmd_show},
	};
	int c;

	/* stop at the command: its options are its own */
	while ((c = getopt_long(argc, argv, "+hVv", longopts, NULL)) != -1) {
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
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			char **sub = argv + optind;
			int subc = argc - optind;

			/* 0 makes glibc forget the '+' ordering of the global options */
			optind = 0;
			return cmds[i].fn(subc, sub);
		}
	}
	usage_error("unknown command '%s'", argv[optind]);
	return EXIT_USAGE;
}
