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

/* Text output for people (cli-output.c). */
void cli_print_cmdline(FILE *f, const char *args, size_t len, size_t max);
void cli_print_event(FILE *f, const struct pt_event *ev);
void cli_print_event_header(FILE *f);
void cli_print_ps_header(FILE *f);
void cli_print_ps(FILE *f, const struct pt_proc *p);
void cli_print_show(FILE *f, const struct pt_monitor *m, const struct pt_proc *p);
int cli_print_tree(FILE *f, const struct pt_monitor *m, const struct pt_proc *root, bool ascii,
		   bool json);
void cli_fmt_duration(char *out, size_t len, int64_t us);

/* Records gathered by a pt_proc_fn, sorted by pid with cli_procs_sort(). */
struct cli_procs {
	const struct pt_proc **v;
	size_t n, cap;
};
int cli_procs_add(const struct pt_proc *p, void *data);
void cli_procs_sort(struct cli_procs *k);
const char *cli_signame(int sig);

/* --filter expressions (proctrail.c) */
struct cli_filter;
int cli_filter_parse(const char *expr, struct cli_filter **out, char *err, size_t errlen);
bool cli_filter_match(const struct cli_filter *f, const struct pt_event *ev);
void cli_filter_free(struct cli_filter *f);

#endif
