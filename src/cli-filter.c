/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter expressions: KEY=PATTERN and KEY!=PATTERN terms, all of which must
 * hold (shell patterns, fnmatch(3)). Used by `proctrail watch` and by
 * proctraild's ps and subscribe requests.
 *
 * Two keys are not patterns over one value (proctrail(1), FILTERS):
 *   container=ID|NAME|host  a prefix of the container's full id, or its exact
 *                           name; "host": the record is attributed to the host.
 *                           A pattern with * ? or [ is matched against both.
 *   pod=NAME|UID|NS/NAME    the pod's exact name, uid, or namespace/name.
 * A record whose attribution is unknown matches neither (so != keeps it).
 * watch and ps --container, --pod and --host-only are these terms.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum fkey {
	FK_PID,
	FK_PPID,
	FK_UID,
	FK_EUID,
	FK_GID,
	FK_COMM,
	FK_EXE,
	FK_ARGV,
	FK_CONTAINER,
	FK_POD
};

struct fterm {
	enum fkey key;
	bool negate;
	char *pattern;
};

struct cli_filter {
	struct fterm *t;
	size_t n;
};

static const char *const fkey_names[] = {"pid",	 "ppid", "uid",	 "euid",      "gid",
					 "comm", "exe",	 "argv", "container", "pod"};

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
				 "argv, container, pod)",
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

/* A string field of p by its JSON name into buf ("" unless 1): 1 a value, 0
 * known to be none (null), -1 unknown (or too long to be a name or an id). */
static int field_str(const struct pt_proc *p, const char *name, char *buf, size_t len)
{
	struct pt_field_ref ref;
	struct pt_value v;
	int r = -1;

	buf[0] = 0;
	if (!p || pt_field_lookup(name, &ref) < 0 || pt_field_value(&ref, NULL, p, NULL, &v) < 0)
		return -1;
	if (v.known && (v.null || !v.s)) {
		r = 0;
	} else if (v.known && v.len < len && !memchr(v.s, 0, v.len)) {
		memcpy(buf, v.s, v.len);
		buf[v.len] = 0;
		r = 1;
	}
	pt_value_free(&v);
	return r;
}

#define PT_CTR_ID_MAX_CLI 128 /* container.h's PT_CTR_ID_MAX */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool cli_match_container(const char *pattern, const struct pt_proc *p)
{
	char id[PT_CTR_ID_MAX_CLI + 1], name[256];

	/* container_id: the full id, "host" on the host; unknown: neither */
	int known = field_str(p, "container_id", id, sizeof(id));

	if (known < 0)
		return false;
	if (known == 0 || strcmp(id, "host") == 0)
		return strcmp(pattern, "host") == 0;
	if (strcmp(pattern, "host") == 0)
		return false;
	if (field_str(p, "container_name", name, sizeof(name)) < 1 || strcmp(name, "host") == 0)
		name[0] = 0;
	if (has_glob(pattern))
		return fnmatch(pattern, id, 0) == 0 || (name[0] && fnmatch(pattern, name, 0) == 0);
	return (pattern[0] && strncmp(id, pattern, strlen(pattern)) == 0) ||
		(name[0] && strcmp(name, pattern) == 0);
}

bool cli_match_pod(const char *pattern, const struct pt_proc *p)
{
	char name[256], ns[256], uid[64], both[520];
	const char *slash = strchr(pattern, '/');

	field_str(p, "k8s_pod_name", name, sizeof(name));
	field_str(p, "k8s_ns_name", ns, sizeof(ns));
	field_str(p, "k8s_pod_uid", uid, sizeof(uid));
	if (slash) {
		snprintf(both, sizeof(both), "%s/%s", ns, name);
		return name[0] && ns[0] &&
			(has_glob(pattern) ? fnmatch(pattern, both, 0) == 0
					   : strcmp(pattern, both) == 0);
	}
	if (has_glob(pattern))
		return (name[0] && fnmatch(pattern, name, 0) == 0) ||
			(uid[0] && fnmatch(pattern, uid, 0) == 0);
	return (name[0] && strcmp(name, pattern) == 0) || (uid[0] && strcmp(uid, pattern) == 0);
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
	case FK_CONTAINER:
		return cli_match_container(t->pattern, p);
	case FK_POD:
		return cli_match_pod(t->pattern, p);
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

char *cli_filter_expr(const char *filter, const struct cli_ctr_sel *sel, char *err, size_t errlen)
{
	const char *vals[] = {sel->container, sel->pod}, *sep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < 2; i++) {
		if (vals[i] && (!vals[i][0] || strpbrk(vals[i], " \t\n"))) {
			snprintf(err, errlen, "--%s: '%s' is empty or holds a blank",
				 i ? "pod" : "container", vals[i]);
			errno = EINVAL;
			return NULL;
		}
	}
	if (sel->host_only && sel->container) {
		snprintf(err, errlen, "--host-only and --container exclude each other");
		errno = EINVAL;
		return NULL;
	}
	if (sel->host_only && sel->pod) {
		snprintf(err, errlen, "--host-only and --pod exclude each other");
		errno = EINVAL;
		return NULL;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs(filter ? filter : "", f);
	sep = filter && *filter ? " " : "";
	if (sel->container || sel->host_only) {
		fprintf(f, "%scontainer=%s", sep, sel->host_only ? "host" : sel->container);
		sep = " ";
	}
	if (sel->pod)
		fprintf(f, "%spod=%s", sep, sel->pod);
	if (fclose(f) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}
