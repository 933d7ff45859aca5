/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text output of the proctrail command: aligned for people. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char *cli_signame(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",	   [SIGINT] = "SIGINT",	  [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL",	   [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",	   [SIGFPE] = "SIGFPE",	  [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1",	   [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE",	   [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGCHLD] = "SIGCHLD",	   [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
		[SIGTSTP] = "SIGTSTP",	   [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
		[SIGURG] = "SIGURG",	   [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
		[SIGIO] = "SIGIO",	   [SIGPWR] = "SIGPWR",	  [SIGSYS] = "SIGSYS",
	};

	if (sig > 0 && (size_t)sig < sizeof(names) / sizeof(names[0]) && names[sig])
		return names[sig];
	return NULL;
}

void cli_fmt_duration(char *out, size_t len, int64_t us)
{
	if (us < 0)
		snprintf(out, len, "?");
	else if (us < 1000)
		snprintf(out, len, "%" PRId64 "us", us);
	else if (us < 1000000)
		snprintf(out, len, "%.3gms", (double)us / 1000);
	else if (us < 600 * 1000000LL)
		snprintf(out, len, "%.3gs", (double)us / 1e6);
	else
		snprintf(out, len, "%" PRId64 "m%02" PRId64 "s", us / 60000000, us / 1000000 % 60);
}

void cli_print_cmdline(FILE *f, const char *args, size_t len, size_t max)
{
	size_t shown = 0;

	for (const char *a = pt_args_next(args, len, NULL); a; a = pt_args_next(args, len, a)) {
		size_t n = strnlen(a, len - (size_t)(a - args));

		if (a != args)
			fputc(' ', f);
		if (max && shown + n > max) {
			cli_quote_arg(f, a, max > shown ? max - shown : 0);
			fputs("...", f);
			return;
		}
		cli_quote_arg(f, a, n);
		shown += n + 1;
	}
}

/* ---- watch: --time ---- */

static const char *const time_names[] = {
	[CLI_TIME_LOCAL] = "local",	  [CLI_TIME_UTC] = "utc",     [CLI_TIME_ISO] = "iso",
	[CLI_TIME_RELATIVE] = "relative", [CLI_TIME_EPOCH] = "epoch",
};

/* Columns of the time column, so that the header and the lines line up. */
static const int time_width[] = {
	[CLI_TIME_LOCAL] = 15,	  [CLI_TIME_UTC] = 16,	 [CLI_TIME_ISO] = 32,
	[CLI_TIME_RELATIVE] = 12, [CLI_TIME_EPOCH] = 17,
};

int cli_time_from_name(const char *name, enum cli_time *out)
{
	for (size_t i = 0; i < sizeof(time_names) / sizeof(time_names[0]); i++)
		if (strcmp(name, time_names[i]) == 0) {
			*out = (enum cli_time)i;
			return 0;
		}
	return -EINVAL;
}

void cli_fmt_time(char *buf, size_t len, enum cli_time fmt, int64_t us, int64_t t0_us)
{
	int64_t sec, frac;
	struct tm tm;
	time_t t;
	long off;

	if (fmt == CLI_TIME_RELATIVE)
		us -= t0_us;
	/* floor division: a time before the origin is -1 s + a positive fraction */
	sec = us / 1000000;
	frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		sec--;
	}
	t = (time_t)sec;
	switch (fmt) {
	case CLI_TIME_RELATIVE:
		if (us < 0)
			snprintf(buf, len, "-%" PRId64 ".%06" PRId64, -us / 1000000, -us % 1000000);
		else
			snprintf(buf, len, "%" PRId64 ".%06" PRId64, sec, frac);
		return;
	case CLI_TIME_EPOCH:
		snprintf(buf, len, "%" PRId64 ".%06" PRId64, sec, frac);
		return;
	case CLI_TIME_UTC:
		gmtime_r(&t, &tm);
		snprintf(buf, len, "%02d:%02d:%02d.%06dZ", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)frac);
		return;
	case CLI_TIME_ISO:
		localtime_r(&t, &tm);
		off = tm.tm_gmtoff / 60;
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02ld:%02ld",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (int)frac, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
		return;
	case CLI_TIME_LOCAL:
	default:
		localtime_r(&t, &tm);
		snprintf(buf, len, "%02d:%02d:%02d.%06d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)frac);
		return;
	}
}

static int time_col_width(const struct cli_out *o)
{
	return (unsigned)o->time < sizeof(time_width) / sizeof(time_width[0]) ? time_width[o->time]
									      : 15;
}

/* The time column: the time, padded to the column's width. */
static void print_time(const struct cli_out *o, int64_t us)
{
	char buf[64];

	cli_fmt_time(buf, sizeof(buf), o->time, us, o->t0_us);
	fprintf(o->f, "%-*s", time_col_width(o), buf);
}

/* ---- watch: --color ---- */

static const char *const color_names[] = {
	[CLI_COLOR_AUTO] = "auto",
	[CLI_COLOR_ALWAYS] = "always",
	[CLI_COLOR_NEVER] = "never",
};

int cli_color_from_name(const char *name, enum cli_color *out)
{
	for (size_t i = 0; i < sizeof(color_names) / sizeof(color_names[0]); i++)
		if (strcmp(name, color_names[i]) == 0) {
			*out = (enum cli_color)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * auto colours a terminal, unless NO_COLOR is set and not empty
 * (https://no-color.org) or TERM says the terminal has no colour; an explicit
 * --color=always overrides both, as that convention asks.
 */
bool cli_color_wanted(enum cli_color mode, bool tty, const char *no_color, const char *term)
{
	if (mode != CLI_COLOR_AUTO)
		return mode == CLI_COLOR_ALWAYS;
	if (!tty || (no_color && *no_color))
		return false;
	return !term || strcmp(term, "dumb") != 0;
}

/*
 * SGR sequences, written only around text of our own (a status, an event
 * name), never around bytes a process controls: those pass cli_escape(),
 * which writes ESC as \x1b, so a raw ESC in a text line is always ours and
 * the line fitter (cli-fit.c) can count it as zero columns.
 */
#define SGR_FAIL "\033[31m" /* red: exit status not 0, a failed exec */
#define SGR_SIGNAL "\033[35m" /* magenta: killed by a signal */
#define SGR_RESET "\033[0m"

/* The status of an exit as text; *sgr: its colour, NULL for none. */
static void exit_status(const struct pt_event *ev, char *buf, size_t len, const char **sgr)
{
	*sgr = NULL;
	if (ev->u.exit.signal) {
		snprintf(buf, len, "%s%s", cli_signame(ev->u.exit.signal) ?: "signal",
			 ev->u.exit.core_dumped ? ", core dumped" : "");
		*sgr = SGR_SIGNAL;
	} else if (ev->u.exit.exit_code >= 0) {
		snprintf(buf, len, "exit %d", ev->u.exit.exit_code);
		if (ev->u.exit.exit_code)
			*sgr = SGR_FAIL;
	} else {
		snprintf(buf, len, "exit unknown");
	}
}

/* Text of our own, in colour when colour is on and sgr is not NULL. */
static void put_colored(const struct cli_out *o, const char *sgr, const char *text)
{
	if (o->color && sgr)
		fprintf(o->f, "%s%s%s", sgr, text, SGR_RESET);
	else
		fputs(text, o->f);
}

/* Events that are a failure of their own. */
static bool event_is_failure(const struct pt_event *ev)
{
	return ev->type == PT_EV_EXEC_FAILED;
}

/* ---- watch: --tree ---- */

/* Depths already shown, by (pid, start): direct-mapped, a collision replaces. */
#define TREE_SLOTS 4096

struct cli_tree {
	struct {
		pid_t pid;
		unsigned depth;
		uint64_t start;
	} slot[TREE_SLOTS];
};

static bool tree_is_root(const struct cli_out *o, const struct pt_proc *p,
			 const struct pt_proc *parent)
{
	if (!parent)
		return true;
	if (o->tree_root)
		return o->tree_root(p, o->tree_root_data);
	return !pt_parent(o->m, parent);
}

/*
 * The depth of p: how many ancestors lie between p and its root, from the
 * table's lineage (pt_parent), so that parallel children interleaved in the
 * stream still sit under their own parents. A process keeps the depth it was
 * first shown at until its exit line, even if the kernel reparents it when its
 * parent exits first.
 */
unsigned cli_tree_depth(struct cli_out *o, const struct pt_proc *p)
{
	const struct pt_proc *a = p;
	unsigned steps = 0, d;

	if (!o->tree_cache)
		o->tree_cache = calloc(1, sizeof(*o->tree_cache));
	for (;;) {
		const struct pt_proc *parent;

		if (o->tree_cache) {
			pid_t pid = pt_proc_pid(a);
			size_t i = (unsigned)pid % TREE_SLOTS;

			if (o->tree_cache->slot[i].pid == pid &&
			    o->tree_cache->slot[i].start == pt_proc_start(a)) {
				d = o->tree_cache->slot[i].depth + steps;
				break;
			}
		}
		parent = pt_parent(o->m, a);
		if (tree_is_root(o, a, parent) || steps >= CLI_TREE_WALK_MAX) {
			d = steps;
			break;
		}
		steps++;
		a = parent;
	}
	if (o->tree_cache && pt_proc_pid(p) > 0) {
		size_t i = (unsigned)pt_proc_pid(p) % TREE_SLOTS;

		o->tree_cache->slot[i].pid = pt_proc_pid(p);
		o->tree_cache->slot[i].start = pt_proc_start(p);
		o->tree_cache->slot[i].depth = d;
	}
	return d;
}

/* After p's exit line: its pid may come back as another process. */
void cli_tree_forget(struct cli_out *o, const struct pt_proc *p)
{
	size_t i;

	if (!o->tree_cache || !p)
		return;
	i = (unsigned)pt_proc_pid(p) % TREE_SLOTS;
	if (o->tree_cache->slot[i].pid == pt_proc_pid(p) &&
	    o->tree_cache->slot[i].start == pt_proc_start(p))
		o->tree_cache->slot[i].pid = 0;
}

/* Two spaces a level, as extrace; past CLI_TREE_INDENT_MAX the depth in brackets. */
static void print_indent(FILE *f, unsigned depth)
{
	unsigned shown = depth > CLI_TREE_INDENT_MAX ? CLI_TREE_INDENT_MAX : depth;

	fprintf(f, "%*s", (int)(2 * shown), "");
	if (depth > CLI_TREE_INDENT_MAX)
		fprintf(f, "[%u] ", depth);
}

bool cli_proc_ctr_short(const struct pt_proc *p, char *buf, size_t len)
{
	struct pt_field_ref ref;
	struct pt_value v;
	size_t n;

	if (len < 2)
		return false;
	snprintf(buf, len, "?");
	/* container_id: the full id, "host" on the host */
	if (!p || pt_field_lookup("container_id", &ref) < 0 ||
	    pt_field_value(&ref, NULL, p, NULL, &v) < 0)
		return true;
	if (v.known && !v.null && v.s) {
		n = v.len < CLI_CTR_SHORT ? v.len : CLI_CTR_SHORT;
		if (v.len == 4 && memcmp(v.s, "host", 4) == 0)
			snprintf(buf, len, "-");
		else
			snprintf(buf, len, "%.*s", (int)n, v.s);
	} else if (v.known) {
		snprintf(buf, len, "-"); /* known: in no container */
	}
	pt_value_free(&v);
	return true;
}

/* The CONTAINER column's cell, escaped (an id comes from a cgroup name), and a space. */
static void print_ctr_cell(FILE *f, const struct pt_proc *p)
{
	char c[CLI_CTR_SHORT + 1];

	cli_proc_ctr_short(p, c, sizeof(c));
	cli_escape_pad(f, c, CLI_CTR_SHORT);
	fputc(' ', f);
}

static void print_proc_cmd(FILE *f, const struct pt_proc *p)
{
	if (!p) {
		fputs("?", f);
		return;
	}
	if (pt_proc_src(p, PT_F_ARGV) != PT_SRC_NONE && cli_args_len(p)) {
		cli_print_cmdline(f, pt_proc_args(p, NULL), cli_args_len(p), 0);
		if (pt_proc_args_truncated(p))
			fputs(" [truncated]", f);
	} else if (pt_proc_src(p, PT_F_COMM) != PT_SRC_NONE) {
		fputc('[', f);
		cli_escape_str(f, pt_proc_comm(p));
		fputc(']', f);
	} else {
		fputs("?", f);
	}
	if (pt_proc_src(p, PT_F_ARGV) == PT_SRC_NONE && pt_proc_why(p, PT_F_ARGV) != PT_WHY_NONE)
		fprintf(f, " (argv %s)", pt_why_name(pt_proc_why(p, PT_F_ARGV)));
}

static void print_event_header(const struct cli_out *o)
{
	FILE *f = o->f;
	int tw = time_col_width(o);

	if (o->compact && o->tree)
		fprintf(f, "%-*s %s\n", tw, "TIME", "PID STATUS DURATION COMMAND");
	else if (o->compact)
		fprintf(f, "%-*s %7s %7s %-12s %8s  %s\n", tw, "TIME", "PID", "PPID", "STATUS",
			"DURATION", "COMMAND");
	else if (o->tree)
		fprintf(f, "%-*s %s\n", tw, "TIME", "PID EVENT DETAIL");
	else if (o->ctr_col)
		fprintf(f, "%-*s %-8s %7s %7s %6s  %-*s %s\n", tw, "TIME", "EVENT", "PID", "PPID",
			"UID", CLI_CTR_SHORT, "CONTAINER", "DETAIL");
	else
		fprintf(f, "%-*s %-8s %7s %7s %6s  %s\n", tw, "TIME", "EVENT", "PID", "PPID", "UID",
			"DETAIL");
}

static void print_lost(FILE *f, const struct pt_event *ev)
{
	fprintf(f, "%" PRIu64 " events%s: ", ev->u.lost.count,
		ev->u.lost.estimated ? " (estimated)" : "");
	cli_escape_str(f, ev->u.lost.reason ? ev->u.lost.reason : "");
}

/* What follows the columns: the same for the default lines and --tree. */
static void print_detail(const struct cli_out *o, const struct pt_event *ev)
{
	FILE *f = o->f;
	const struct pt_proc *p = ev->proc;
	char dur[32], status[64], tok[80];
	const char *sgr;

	switch (ev->type) {
	case PT_EV_EXEC:
		if (p && pt_proc_exe(p) && pt_proc_src(p, PT_F_EXE) != PT_SRC_NONE &&
		    cli_args_len(p) && strcmp(pt_proc_exe(p), pt_proc_args(p, NULL)) != 0) {
			cli_escape_str(f, pt_proc_exe(p));
			fputs(": ", f);
		}
		print_proc_cmd(f, p);
		break;
	case PT_EV_EXIT:
		if (ev->thread) {
			fprintf(f, "thread of %d", ev->pid);
			break;
		}
		cli_fmt_duration(dur, sizeof(dur), ev->u.exit.duration_us);
		if (p) {
			cli_escape_str(f, pt_proc_comm(p)[0] ? pt_proc_comm(p) : "?");
			fputc(' ', f);
		}
		exit_status(ev, status, sizeof(status), &sgr);
		snprintf(tok, sizeof(tok), "[%s]", status);
		put_colored(o, sgr, tok);
		fprintf(f, " after %s", dur);
		break;
	case PT_EV_FORK:
		if (ev->thread)
			fprintf(f, "thread of %d", ev->pid);
		else
			print_proc_cmd(f, p);
		break;
	case PT_EV_UID:
		fprintf(f, "ruid %u euid %u", (unsigned)ev->u.uid.ruid, (unsigned)ev->u.uid.euid);
		break;
	case PT_EV_GID:
		fprintf(f, "rgid %u egid %u", (unsigned)ev->u.gid.rgid, (unsigned)ev->u.gid.egid);
		break;
	case PT_EV_COMM:
		cli_escape_str(f, ev->u.comm.old[0] ? ev->u.comm.old : "?");
		fputs(" -> ", f);
		cli_escape_str(f, ev->u.comm.comm);
		break;
	case PT_EV_EXEC_FAILED: {
		struct pt_field_ref res;
		struct pt_value v;

		/* the registry's evt.res: ENOENT, E2BIG... */
		if (pt_field_lookup("evt.res", &res) == 0 &&
		    pt_field_value(&res, NULL, NULL, ev, &v) == 0) {
			fprintf(f, "[%.*s] ", (int)v.len, v.s ? v.s : "?");
			pt_value_free(&v);
		}
		cli_escape_str(f, ev->u.exec_failed.path ? ev->u.exec_failed.path : "?");
		if (ev->u.exec_failed.args && ev->u.exec_failed.args_len) {
			fputs(": ", f);
			cli_print_cmdline(f, ev->u.exec_failed.args, ev->u.exec_failed.args_len, 0);
			if (ev->u.exec_failed.args_truncated)
				fputs(" [truncated]", f);
		}
		fputs(" (by ", f);
		cli_escape_str(f, p && pt_proc_src(p, PT_F_COMM) ? pt_proc_comm(p) : "?");
		fputc(')', f);
		break;
	}
	case PT_EV_PTRACE:
		if (ev->u.ptrace.tracer_pid)
			fprintf(f, "traced by %d", ev->u.ptrace.tracer_pid);
		else
			fputs("detached", f);
		break;
	case PT_EV_LOST:
		print_lost(f, ev);
		break;
	default:
		print_proc_cmd(f, p);
		break;
	}
	if (ev->synthesized)
		fputs(" (synthesized)", f);
}

/* The event's name, padded to width; a failure's in colour. */
static void print_event_name(const struct cli_out *o, const struct pt_event *ev, int width)
{
	const char *name =
		ev->thread ? (ev->type == PT_EV_FORK ? "clone" : "texit") : pt_event_name(ev->type);
	bool fail = o->color && event_is_failure(ev);

	fprintf(o->f, "%s%-*s%s", fail ? SGR_FAIL : "", width, name, fail ? SGR_RESET : "");
}

/* The default lines: aligned columns, as forkstat. */
static void print_event(const struct cli_out *o, const struct pt_event *ev)
{
	FILE *f = o->f;
	const struct pt_proc *p = ev->proc;
	char uid[16] = "-";

	print_time(o, ev->time_us);
	if (ev->type == PT_EV_LOST) {
		fprintf(f, " %-8s %7s %7s %6s  ", pt_event_name(ev->type), "-", "-", "-");
		if (o->ctr_col)
			fprintf(f, "%-*s ", CLI_CTR_SHORT, "");
		print_lost(f, ev);
		fputc('\n', f);
		return;
	}
	if (p && pt_proc_src(p, PT_F_CREDS) != PT_SRC_NONE)
		snprintf(uid, sizeof(uid), "%u", (unsigned)pt_proc_uid(p));
	fputc(' ', f);
	print_event_name(o, ev, 8);
	fprintf(f, " %7d %7d %6s  ", ev->thread ? ev->tid : ev->pid, ev->ppid, uid);
	if (o->ctr_col)
		print_ctr_cell(f, p);
	print_detail(o, ev);
	fputc('\n', f);
}

/* --tree: each line indented under its parent, as extrace. */
static void print_tree_event(struct cli_out *o, const struct pt_event *ev)
{
	FILE *f = o->f;

	print_time(o, ev->time_us);
	fputc(' ', f);
	if (ev->type != PT_EV_LOST) {
		/* a thread sits one level under its process */
		if (ev->proc)
			print_indent(f, cli_tree_depth(o, ev->proc) + (ev->thread ? 1 : 0));
		fprintf(f, "%d ", ev->thread ? ev->tid : ev->pid);
	}
	print_event_name(o, ev, 0);
	fputc(' ', f);
	print_detail(o, ev);
	fputc('\n', f);
	if (ev->type == PT_EV_EXIT && !ev->thread)
		cli_tree_forget(o, ev->proc);
}

/*
 * --compact: one line per process, at its exit (the fork and exec lines are
 * left out); other events keep a line each, their name as the status.
 */
static void print_compact(struct cli_out *o, const struct pt_event *ev)
{
	FILE *f = o->f;
	bool exit = ev->type == PT_EV_EXIT;
	char status[64], dur[32] = "-";
	const char *sgr = NULL;
	size_t n;

	if (ev->type == PT_EV_FORK || ev->type == PT_EV_EXEC || (ev->thread && exit))
		return;
	print_time(o, ev->time_us);
	fputc(' ', f);
	if (ev->type == PT_EV_LOST) {
		print_event_name(o, ev, 0);
		fputc(' ', f);
		print_detail(o, ev);
		fputc('\n', f);
		return;
	}
	if (o->tree && ev->proc)
		print_indent(f, cli_tree_depth(o, ev->proc));
	if (o->tree)
		fprintf(f, "%d ", ev->thread ? ev->tid : ev->pid);
	else
		fprintf(f, "%7d %7d ", ev->thread ? ev->tid : ev->pid, ev->ppid);
	if (exit) {
		exit_status(ev, status, sizeof(status), &sgr);
		cli_fmt_duration(dur, sizeof(dur), ev->u.exit.duration_us);
	} else {
		snprintf(status, sizeof(status), "%s",
			 ev->thread ? "clone" : pt_event_name(ev->type));
		sgr = event_is_failure(ev) ? SGR_FAIL : NULL;
	}
	put_colored(o, sgr, status);
	if (o->tree) {
		fprintf(f, " %s ", dur);
	} else {
		for (n = strlen(status); n < 12; n++)
			fputc(' ', f);
		fprintf(f, " %8s  ", dur);
	}
	if (exit)
		print_proc_cmd(f, ev->proc);
	else
		print_detail(o, ev);
	if (exit && ev->synthesized)
		fputs(" (synthesized)", f);
	fputc('\n', f);
	if (exit && o->tree)
		cli_tree_forget(o, ev->proc);
}

static void print_ps_header(const struct cli_out *o)
{
	fprintf(o->f, "%7s %7s %-8s %-8s ", "PID", "PPID", "USER", "START");
	if (o->ctr_col)
		fprintf(o->f, "%-*s ", CLI_CTR_SHORT, "CONTAINER");
	fprintf(o->f, "%-15s %s\n", "COMM", "ARGS");
}

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && strlen(pw->pw_name) <= 8)
		return pw->pw_name;
	snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

static void print_ps(const struct cli_out *o, const struct pt_proc *p)
{
	FILE *f = o->f;
	char ub[16], start[16] = "?";
	const char *user = pt_proc_src(p, PT_F_CREDS) != PT_SRC_NONE
		? user_name(pt_proc_uid(p), ub, sizeof(ub))
		: "?";

	if (pt_proc_start_us(p)) {
		struct tm tm;
		time_t t = (time_t)(pt_proc_start_us(p) / 1000000);

		localtime_r(&t, &tm);
		strftime(start, sizeof(start), t > time(NULL) - 86400 ? "%H:%M:%S" : "%b%d", &tm);
	}
	fprintf(f, "%7d %7d ", pt_proc_pid(p), pt_proc_ppid(p));
	cli_escape_pad(f, user, 8);
	fprintf(f, " %-8s ", start);
	if (o->ctr_col)
		print_ctr_cell(f, p);
	cli_escape_pad(f, pt_proc_comm(p), 15);
	fputc(' ', f);
	print_proc_cmd(f, p);
	if (o->mark_exited && pt_proc_state(p) != PT_STATE_ALIVE)
		fputs(" (exited)", f);
	fputc('\n', f);
}

static void show_str(FILE *f, const char *label, const char *s)
{
	fputs(label, f);
	cli_escape_str(f, s);
	fputc('\n', f);
}

static int text_show(struct cli_out *o, const struct pt_proc *p)
{
	const struct pt_monitor *m = o->m;
	FILE *f = o->f;
	const char *args;
	char tb[64];
	size_t len;

	fprintf(f, "pid:       %d\n", pt_proc_pid(p));
	fprintf(f, "ppid:      %d\n", pt_proc_ppid(p));
	fprintf(f, "state:     %s\n",
		pt_proc_state(p) == PT_STATE_ALIVE	      ? "alive"
			: pt_proc_state(p) == PT_STATE_EXITED ? "exited"
							      : "exit unknown");
	fprintf(f, "start:     %" PRIu64 " ticks", pt_proc_start(p));
	if (pt_proc_start_us(p)) {
		struct tm tm;
		time_t t = (time_t)(pt_proc_start_us(p) / 1000000);

		localtime_r(&t, &tm);
		strftime(tb, sizeof(tb), "%F %T", &tm);
		fprintf(f, " (%s)", tb);
	}
	fputc('\n', f);
	show_str(f, "comm:      ", pt_proc_src(p, PT_F_COMM) ? pt_proc_comm(p) : "?");
	show_str(f,
		 "exe:       ", pt_proc_src(p, PT_F_EXE) && pt_proc_exe(p) ? pt_proc_exe(p) : "?");
	fputs("argv:      ", f);
	print_proc_cmd(f, p);
	fputc('\n', f);
	if (pt_proc_src(p, PT_F_CREDS))
		fprintf(f, "uid:       %u (euid %u)\ngid:       %u (egid %u)\n",
			(unsigned)pt_proc_uid(p), (unsigned)pt_proc_euid(p),
			(unsigned)pt_proc_gid(p), (unsigned)pt_proc_egid(p));
	if (pt_proc_src(p, PT_F_SID))
		fprintf(f, "sid:       %d\npgid:      %d\n", pt_proc_sid(p), pt_proc_pgid(p));
	if (pt_proc_src(p, PT_F_CWD) && pt_proc_cwd(p))
		show_str(f, "cwd:       ", pt_proc_cwd(p));
	if (pt_proc_src(p, PT_F_CGROUP) && pt_proc_cgroup(p))
		show_str(f, "cgroup:    ", pt_proc_cgroup(p));
	if (pt_proc_container_id(p))
		show_str(f, "container: ", pt_proc_container_id(p));
	fprintf(f, "threads:   %u\n", pt_proc_nthreads(p));
	if (pt_proc_state(p) != PT_STATE_ALIVE) {
		cli_fmt_duration(tb, sizeof(tb),
				 pt_proc_start_us(p) ? pt_proc_exit_us(p) - pt_proc_start_us(p)
						     : -1);
		fprintf(f, "lived:     %s\n", tb);
	}
	for (unsigned i = 0; i < pt_proc_nexecs(p); i++) {
		fprintf(f, "exec[%u]:   ", i);
		cli_escape_str(f, pt_exec_exe(pt_proc_exec(p, i)) ?: "?");
		fputs(": ", f);
		args = pt_exec_args(pt_proc_exec(p, i), &len);
		cli_print_cmdline(f, args, len, 200);
		fputc('\n', f);
	}
	fputs("lineage:   ", f);
	fprintf(f, "%d", pt_proc_pid(p));
	for (const struct pt_proc *a = pt_parent(m, p); a; a = pt_parent(m, a)) {
		fprintf(f, " <- %d (", pt_proc_pid(a));
		cli_escape_str(f, pt_proc_comm(a));
		fputc(')', f);
	}
	fputc('\n', f);
	for (unsigned fld = 0; fld < PT_F_COUNT; fld++)
		if (pt_proc_src(p, (enum pt_field)fld) == PT_SRC_NONE)
			fprintf(f, "missing:   %s (%s)\n", pt_field_name((enum pt_field)fld),
				pt_why_name(pt_proc_why(p, (enum pt_field)fld)));
	return 0;
}

/* ---- tree ---- */

int cli_procs_add(const struct pt_proc *p, void *data)
{
	struct cli_procs *k = data;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		const struct pt_proc **v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = p;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct pt_proc *x = *(const struct pt_proc *const *)a;
	const struct pt_proc *y = *(const struct pt_proc *const *)b;

	return (pt_proc_pid(x) > pt_proc_pid(y)) - (pt_proc_pid(x) < pt_proc_pid(y));
}

void cli_procs_sort(struct cli_procs *k)
{
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), by_pid);
}

struct tree_ctx {
	struct cli_out *o;
	char prefix[512];
};

static int tree_node(struct tree_ctx *c, const struct pt_proc *p, size_t plen, bool last,
		     unsigned depth)
{
	FILE *f = c->o->f;
	bool ascii = c->o->ascii;
	struct cli_procs k = {0};
	int r;

	fprintf(f, "%.*s%s%d ", (int)plen, c->prefix,
		depth == 0	? ""
			: ascii ? (last ? "`-" : "|-")
				: (last ? "└─" : "├─"),
		pt_proc_pid(p));
	cli_escape_str(f, pt_proc_comm(p));
	if (pt_proc_src(p, PT_F_ARGV) && cli_args_len(p)) {
		fputs("  ", f);
		cli_print_cmdline(f, pt_proc_args(p, NULL), cli_args_len(p), 120);
	}
	fputc('\n', f);
	r = pt_foreach_child(c->o->m, p, PT_SEL_ALIVE, cli_procs_add, &k);
	if (r < 0)
		goto out;
	cli_procs_sort(&k);
	if (depth > 0) {
		const char *add = last ? "  " : ascii ? "| " : "│ ";
		size_t alen = strlen(add);

		if (plen + alen < sizeof(c->prefix)) {
			memcpy(c->prefix + plen, add, alen);
			plen += alen;
		}
	}
	for (size_t i = 0; i < k.n && depth < 1024; i++) {
		r = tree_node(c, k.v[i], plen, i + 1 == k.n, depth + 1);
		if (r < 0)
			break;
	}
out:
	free(k.v);
	return r < 0 ? r : 0;
}

static int text_tree(struct cli_out *o, const struct pt_proc *root)
{
	struct tree_ctx c = {.o = o};

	return tree_node(&c, root, 0, true, 0);
}

/* ---- -o: columns chosen by field name ---- */

/* The header of a column: its JSON name with the argument, in capitals. */
static void col_name(const struct pt_field_ref *c, char *buf, size_t len)
{
	char *p;

	if (c->arg >= 0)
		snprintf(buf, len, "%s[%d]", pt_field_def_json(c->def), c->arg);
	else
		snprintf(buf, len, "%s", pt_field_def_json(c->def));
	for (p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

/* Width and alignment of a column by type; the last column is not padded. */
static int col_width(const struct pt_field_ref *c, bool *right)
{
	const char *json = pt_field_def_json(c->def);
	char name[64];
	int w;

	*right = false;
	switch (pt_field_def_type(c->def)) {
	case PT_TYPE_INT:
	case PT_TYPE_UINT:
		*right = true;
		w = 7;
		break;
	case PT_TYPE_TIME:
		w = 27;
		break;
	case PT_TYPE_STR:
		w = strcmp(json, "comm") == 0					  ? 15
			: strcmp(json, "user") == 0 || strcmp(json, "group") == 0 ? 8
										  : 20;
		/* a boot id, a colon and two numbers: most keys fit */
		if (strcmp(json, "key") == 0 || strcmp(json, "parent_key") == 0)
			w = PT_BOOT_ID_LEN + 16;
		break;
	default:
		w = 8;
		break;
	}
	col_name(c, name, sizeof(name));
	return (int)strlen(name) > w ? (int)strlen(name) : w;
}

static void cols_header(struct cli_out *o)
{
	for (size_t i = 0; i < o->ncols; i++) {
		char name[64];
		bool right = false;
		int w = col_width(&o->cols[i], &right);

		col_name(&o->cols[i], name, sizeof(name));
		if (i)
			fputc(' ', o->f);
		if (right)
			fprintf(o->f, "%*s", w, name);
		else if (i + 1 < o->ncols)
			fprintf(o->f, "%-*s", w, name);
		else
			fputs(name, o->f);
	}
	fputc('\n', o->f);
}

/*
 * One value: numbers and names as text, strings escaped, argv shell-quoted.
 * "args" (argv joined by spaces, as ps shows it) is shown as the default
 * lines show the command line: each argument shell-quoted, so that arguments
 * holding spaces stay apart.
 */
static void col_value(FILE *f, const struct pt_field_ref *c, const struct pt_value *v,
		      const struct pt_proc *p)
{
	char buf[64];
	size_t alen = 0;

	if (v->known && !v->null && p && strcmp(pt_field_def_json(c->def), "args") == 0 &&
	    pt_proc_args(p, &alen) && alen) {
		cli_print_cmdline(f, pt_proc_args(p, NULL), alen, 0);
		return;
	}

	if (!v->known || v->null ||
	    ((v->type == PT_TYPE_ARGS || v->type == PT_TYPE_STR) && !v->len)) {
		fputc('-', f);
		return;
	}
	switch (v->type) {
	case PT_TYPE_ARGS:
		cli_print_cmdline(f, v->s, v->len, 0);
		break;
	case PT_TYPE_STR:
		cli_escape(f, v->s, v->len);
		break;
	default: {
		int n = pt_value_text(v, buf, sizeof(buf));
		char *big;

		if (n < (int)sizeof(buf)) {
			cli_escape_str(f, buf);
			break;
		}
		big = malloc((size_t)n + 1);
		if (!big)
			break;
		pt_value_text(v, big, (size_t)n + 1);
		cli_escape_str(f, big);
		free(big);
	}
	}
}

static int cols_line(struct cli_out *o, const struct pt_proc *p, const struct pt_event *ev)
{
	for (size_t i = 0; i < o->ncols; i++) {
		struct pt_value v;
		char *buf = NULL;
		size_t len = 0, cols = 0;
		FILE *m;
		bool right = false;
		int w = col_width(&o->cols[i], &right);
		int r = pt_field_value(&o->cols[i], o->m, p, ev, &v);

		if (r < 0)
			return r;
		m = open_memstream(&buf, &len);
		if (!m) {
			pt_value_free(&v);
			return -ENOMEM;
		}
		col_value(m, &o->cols[i], &v, p ? p : ev->proc);
		pt_value_free(&v);
		fclose(m);
		for (size_t k = 0; k < len; k++)
			cols += ((unsigned char)buf[k] & 0xc0) != 0x80;
		if (i)
			fputc(' ', o->f);
		for (; right && (int)cols < w; cols++)
			fputc(' ', o->f);
		fwrite(buf, 1, len, o->f);
		/* the last column is not padded */
		for (; i + 1 < o->ncols && (int)cols < w; cols++)
			fputc(' ', o->f);
		free(buf);
	}
	fputc('\n', o->f);
	return 0;
}

/* ---- the text format ---- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void text_begin(struct cli_out *o)
{
	/* --time=relative counts from here: watch is ready */
	if (!o->t0_us)
		o->t0_us = now_us();
	if (!o->header)
		return;
	if (o->cols && (o->view == CLI_VIEW_PS || o->view == CLI_VIEW_WATCH))
		cols_header(o);
	else if (o->view == CLI_VIEW_PS)
		print_ps_header(o);
	else if (o->view == CLI_VIEW_WATCH)
		print_event_header(o);
	else if (o->view == CLI_VIEW_PROBE)
		fprintf(o->f, "%-8s %-4s %s\n", "TIER", "RUNS", "DETAIL");
}

static int text_proc(struct cli_out *o, const struct pt_proc *p)
{
	if (o->cols)
		return cols_line(o, p, NULL);
	print_ps(o, p);
	return 0;
}

static int text_event(struct cli_out *o, const struct pt_event *ev)
{
	/* an event before begin(): relative time counts from the first line */
	if (!o->t0_us)
		o->t0_us = now_us();
	if (o->cols && ev->type != PT_EV_LOST)
		return cols_line(o, NULL, ev);
	if (!o->ctr_col && !o->compact && !o->tree && ev->proc && ev->type != PT_EV_LOST) {
		char c[CLI_CTR_SHORT + 1];

		/* from the first event in a container on: the column, under a new header */
		cli_proc_ctr_short(ev->proc, c, sizeof(c));
		if (c[0] != '-' && c[0] != '?') {
			o->ctr_col = true;
			if (o->header)
				print_event_header(o);
		}
	}
	if (o->compact)
		print_compact(o, ev);
	else if (o->tree)
		print_tree_event(o, ev);
	else
		print_event(o, ev);
	return 0;
}

static void text_tier(struct cli_out *o, enum pt_tier t, bool runs, const char *why,
		      const struct pt_event_gaps *g)
{
	fprintf(o->f, "%-8s %-4s ", pt_tier_name(t), runs ? "yes" : "no");
	cli_escape_str(o->f, why);
	fputc('\n', o->f);
	if (o->privs) {
		struct cli_fidelity fid;

		cli_privs_tier(o->privs, t, &fid);
		fprintf(o->f, "%-8s   fidelity: %s: %s\n", "", cli_fid_name(fid.level), fid.detail);
		/* the path in it is a shell word already: nothing in it drives a terminal */
		if (fid.raise[0])
			fprintf(o->f, "%-8s   raise: %s\n", "", fid.raise);
	}
	for (unsigned e = 0; g && e < PT_EV_COUNT; e++) {
		if (!(g->missing & PT_EVMASK(e)))
			continue;
		fprintf(o->f, "%-8s   no %s events: ", "", pt_event_name((enum pt_event_type)e));
		cli_escape_str(o->f, g->why[e] ? g->why[e] : "?");
		fputc('\n', o->f);
	}
}

/* probe: the capability table, and the one command that gives full fidelity */
static void print_privs(FILE *f, const struct cli_privs *p)
{
	fprintf(f, "%-15s %-4s %-11s %s\n", "CAPABILITY", "HELD", "TIERS", "BUYS");
	for (size_t i = 0; i < cli_privs_ncaps(); i++) {
		const char *name, *tiers, *buys;
		bool held = cli_privs_cap(p, i, &name, &tiers, &buys);

		fprintf(f, "%-15s %-4s %-11s %s\n", name, held ? "yes" : "no", tiers, buys);
	}
	if (p->full) {
		fputs("full fidelity: yes\n", f);
		return;
	}
	if (!p->fixable) {
		fputs("full fidelity: no, and no capability gives it on this host (see netlink "
		      "above)\n",
		      f);
		return;
	}
	fprintf(f, "full fidelity: no; this command gives it:\n  %s\n", p->setcap);
	fprintf(f, "or, for a systemd service:\n  %s\n", p->unit);
	if (p->build_tree)
		fputs("note: this proctrail runs from a libtool build tree: the command is for the "
		      "installed binary (sudo make install, then sudo make install-caps)\n",
		      f);
}

static void text_end(struct cli_out *o, enum pt_tier best)
{
	free(o->tree_cache);
	o->tree_cache = NULL;
	if (o->view == CLI_VIEW_PROBE)
		fprintf(o->f, "auto: %s\n",
			best == PT_TIER_NONE ? "no tier can run" : pt_tier_name(best));
	if (o->view == CLI_VIEW_PROBE && o->privs)
		print_privs(o->f, o->privs);
}

const struct cli_fmt cli_fmt_text = {
	.name = "text",
	.fit = true,
	.begin = text_begin,
	.proc = text_proc,
	.event = text_event,
	.show = text_show,
	.tree = text_tree,
	.tier = text_tier,
	.end = text_end,
};
