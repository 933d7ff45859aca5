/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter expressions: KEY=PATTERN and KEY!=PATTERN terms, all of which must
 * hold (shell patterns, fnmatch(3)). Used by `proctrail watch` and by
 * proctraild's ps and subscribe requests.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
