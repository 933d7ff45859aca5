/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stdio.h>

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
};

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

/* --filter expressions (cli-filter.c): watch, and proctraild's ps and subscribe */
struct cli_filter;
int cli_filter_parse(const char *expr, struct cli_filter **out, char *err, size_t errlen);
bool cli_filter_match(const struct cli_filter *f, const struct pt_event *ev);
void cli_filter_free(struct cli_filter *f);

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

#endif
