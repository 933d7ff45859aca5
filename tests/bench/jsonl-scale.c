// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsonl-scale: a larger event stream from a recorded one, for the sinks benchmark
 * (tests/bench/sinks.sh). Reads `proctrail watch --json` lines and writes them COPIES
 * times; in each copy every process gets a pid of its own, its start and time move by the
 * span of the recording, and key / parent_key follow, so every process of the output is
 * distinct and `proctrail replay` imports the stream as COPIES x the recorded processes.
 *
 *   jsonl-scale [-c COPIES] [-p PIDBASE] [-t TAG] [-s SUMMARY] [FILE|-]
 *
 * -t TAG keeps only the processes that exec'd an argv element starting with "TAG-" (a storm's
 * children) and their events. -s writes one JSON line: copies, lines, processes, and the
 * events by type of the output. Lines without a key (lost events) are not copied; they are
 * counted as "skipped". The members rewritten are found as text ("pid": ...), which is safe
 * in our writer's lines: inside a JSON string a quote is escaped, so `"pid":` only matches a
 * member name. Exit status 1 on a line it cannot rewrite or a pid beyond INT_MAX.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ident {
	int64_t pid;
	uint64_t start; /* UINT64_MAX: a pid seen without a start (a ppid without parent_key) */
	uint32_t idx;
	bool used;
};

static struct ident *ids;
static size_t ids_cap, nids;

static uint64_t hash(int64_t pid, uint64_t start)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15ULL ^ start * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 29);
}

static int ident_grow(void);

/* the index of (pid, start), added when missing; -1 on ENOMEM */
static int64_t ident(int64_t pid, uint64_t start)
{
	size_t i;

	if ((nids + 1) * 2 > ids_cap && ident_grow() < 0)
		return -1;
	for (i = hash(pid, start) & (ids_cap - 1);; i = (i + 1) & (ids_cap - 1)) {
		if (!ids[i].used) {
			ids[i] = (struct ident){pid, start, (uint32_t)nids++, true};
			return ids[i].idx;
		}
		if (ids[i].pid == pid && ids[i].start == start)
			return ids[i].idx;
	}
}

static int ident_grow(void)
{
	struct ident *old = ids;
	size_t ocap = ids_cap, i;

	ids_cap = ocap ? ocap * 2 : 4096;
	ids = calloc(ids_cap, sizeof(*ids));
	if (!ids)
		return -1;
	nids = 0;
	for (i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		/* keep the indexes: re-insert in index order is not needed, set them back */
		size_t j;
		for (j = hash(old[i].pid, old[i].start) & (ids_cap - 1); ids[j].used;
		     j = (j + 1) & (ids_cap - 1))
			;
		ids[j] = old[i];
		nids++;
	}
	free(old);
	return 0;
}

/* the value of the first `"name":` member: *vs, *ve around it (quotes excluded for strings) */
static bool member(const char *line, const char *name, const char **vs, const char **ve)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", name);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		e = strchr(p, '"');
		if (!e)
			return false;
	} else {
		e = p;
		if (*e == '-')
			e++;
		while (*e >= '0' && *e <= '9')
			e++;
		if (e == p)
			return false; /* null or another type */
	}
	*vs = p;
	*ve = e;
	return true;
}

static bool member_int(const char *line, const char *name, int64_t *v)
{
	const char *s, *e;

	if (!member(line, name, &s, &e) || s[-1] == '"')
		return false;
	*v = strtoll(s, NULL, 10);
	return true;
}

/* "BOOT:START:PID": boot copied to boot[], start and pid */
static bool parse_key(const char *s, const char *e, char *boot, size_t blen, uint64_t *start,
		      int64_t *pid)
{
	const char *c1 = memchr(s, ':', (size_t)(e - s)), *c2;

	if (!c1 || (size_t)(c1 - s) >= blen)
		return false;
	c2 = memchr(c1 + 1, ':', (size_t)(e - c1 - 1));
	if (!c2)
		return false;
	memcpy(boot, s, (size_t)(c1 - s));
	boot[c1 - s] = '\0';
	*start = strtoull(c1 + 1, NULL, 10);
	*pid = strtoll(c2 + 1, NULL, 10);
	return true;
}

/* "2026-12-02T13:11:07.250565Z" <-> microseconds since the epoch */
static bool parse_time(const char *s, const char *e, int64_t *us)
{
	struct tm tm = {0};
	char buf[40], frac[8] = "000000";
	int n = 0;
	size_t i;
	const char *dot;

	if ((size_t)(e - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	if (sscanf(buf, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &n) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	dot = buf + n;
	if (*dot == '.')
		for (i = 0; i < 6 && dot[1 + i] >= '0' && dot[1 + i] <= '9'; i++)
			frac[i] = dot[1 + i];
	*us = (int64_t)timegm(&tm) * 1000000 + strtoll(frac, NULL, 10);
	return true;
}

static void fmt_time(char *buf, size_t len, int64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06" PRId64 "Z", us % 1000000);
}

struct line {
	char *s;
	int64_t pid, tid, ppid, time_us;
	uint64_t start, pstart;
	int64_t idx, tidx, pidx; /* identities; pidx -1: no ppid member */
	bool has_pkey, has_tid, has_time;
	char event[16];
};

struct edit {
	const char *s, *e;
	char text[160];
};

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;
	return (x->s > y->s) - (x->s < y->s);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: jsonl-scale [-c COPIES] [-p PIDBASE] [-t TAG] [-s SUMMARY] [FILE|-]\n");
}

int main(int argc, char **argv)
{
	long copies = 1, pidbase = 1000;
	const char *tag = NULL, *summary = NULL, *path = "-";
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0, i, skipped = 0, kept;
	char *buf = NULL, boot[64] = "";
	size_t blen = 0;
	ssize_t len;
	FILE *in;
	int opt;
	int64_t tmin = INT64_MAX, tmax = INT64_MIN;
	uint64_t smin = UINT64_MAX, smax = 0, sspan, pcount = 0;
	int64_t tspan;
	uint64_t ev_fork = 0, ev_exec = 0, ev_exit = 0, ev_other = 0;
	char **tagkeys = NULL;
	size_t ntagkeys = 0;

	while ((opt = getopt(argc, argv, "c:p:t:s:h")) != -1) {
		switch (opt) {
		case 'c':
			copies = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pidbase = strtol(optarg, NULL, 10);
			break;
		case 't':
			tag = optarg;
			break;
		case 's':
			summary = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind != argc || copies < 1 || pidbase < 1) {
		usage(stderr);
		return 2;
	}
	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "jsonl-scale: %s: %s\n", path, strerror(errno));
		return 1;
	}

	/* with -t: the keys of the processes that exec'd "TAG-..." */
	if (tag) {
		char pat[128];

		snprintf(pat, sizeof(pat), "\"%s-", tag);
		while ((len = getline(&buf, &blen, in)) > 0) {
			const char *ks, *ke, *as, *ae;

			if (!strstr(buf, "\"event\":\"exec\"") || !member(buf, "key", &ks, &ke) ||
			    !(as = strstr(buf, "\"argv\":[")) || !(ae = strchr(as, ']')))
				continue;
			{
				const char *hit = strstr(as, pat);
				if (!hit || hit > ae)
					continue;
			}
			tagkeys = realloc(tagkeys, (ntagkeys + 1) * sizeof(*tagkeys));
			if (!tagkeys || !(tagkeys[ntagkeys] = strndup(ks, (size_t)(ke - ks))))
				return 1;
			ntagkeys++;
		}
		if (in == stdin) {
			fprintf(stderr, "jsonl-scale: -t needs a file, not stdin\n");
			return 2;
		}
		rewind(in);
	}

	while ((len = getline(&buf, &blen, in)) > 0) {
		struct line l = {0};
		const char *ks, *ke, *s, *e;
		char b[64];
		uint64_t kstart;
		int64_t kpid;

		if (buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (!member(buf, "key", &ks, &ke)) {
			skipped++;
			continue;
		}
		if (tag) {
			size_t k;
			for (k = 0; k < ntagkeys; k++)
				if ((size_t)(ke - ks) == strlen(tagkeys[k]) &&
				    !memcmp(ks, tagkeys[k], (size_t)(ke - ks)))
					break;
			if (k == ntagkeys)
				continue;
		}
		if (!parse_key(ks, ke, b, sizeof(b), &kstart, &kpid) ||
		    !member_int(buf, "pid", &l.pid) ||
		    !member_int(buf, "start", (int64_t *)&l.start) || l.pid != kpid ||
		    l.start != kstart) {
			fprintf(stderr, "jsonl-scale: line %zu: no pid, start and matching key\n",
				nlines + skipped + 1);
			return 1;
		}
		if (!boot[0])
			snprintf(boot, sizeof(boot), "%s", b);
		l.idx = ident(l.pid, l.start);
		l.has_tid = member_int(buf, "tid", &l.tid);
		l.tidx = l.has_tid && l.tid != l.pid ? ident(l.tid, UINT64_MAX - 1) : l.idx;
		l.pidx = -1;
		if (member_int(buf, "ppid", &l.ppid)) {
			if (member(buf, "parent_key", &s, &e) &&
			    parse_key(s, e, b, sizeof(b), &l.pstart, &kpid) && kpid == l.ppid) {
				l.has_pkey = true;
				l.pidx = ident(l.ppid, l.pstart);
			} else {
				l.pidx = ident(l.ppid, UINT64_MAX);
			}
		}
		if (l.idx < 0 || l.tidx < 0 || (l.has_pkey && l.pidx < 0))
			return 1;
		if (member(buf, "time", &s, &e) && parse_time(s, e, &l.time_us)) {
			l.has_time = true;
			tmin = l.time_us < tmin ? l.time_us : tmin;
			tmax = l.time_us > tmax ? l.time_us : tmax;
		}
		smin = l.start < smin ? l.start : smin;
		smax = l.start > smax ? l.start : smax;
		if (l.has_pkey) {
			smin = l.pstart < smin ? l.pstart : smin;
			smax = l.pstart > smax ? l.pstart : smax;
		}
		if (member(buf, "event", &s, &e))
			snprintf(l.event, sizeof(l.event), "%.*s", (int)(e - s), s);
		l.s = strdup(buf);
		if (!l.s)
			return 1;
		if (nlines == cap) {
			cap = cap ? cap * 2 : 4096;
			lines = realloc(lines, cap * sizeof(*lines));
			if (!lines)
				return 1;
		}
		lines[nlines++] = l;
	}
	if (!nlines) {
		fprintf(stderr, "jsonl-scale: no event lines with a key in %s\n", path);
		return 1;
	}
	if ((int64_t)pidbase + (int64_t)copies * (int64_t)nids > INT_MAX) {
		fprintf(stderr, "jsonl-scale: %ld copies of %zu pids go beyond INT_MAX\n", copies,
			nids);
		return 1;
	}
	/* one copy after the other, 1 ms apart */
	sspan = smax - smin + 1;
	tspan = tmax >= tmin ? tmax - tmin + 1000 : 0;

	for (long c = 0; c < copies; c++) {
		int64_t pbase = pidbase + c * (int64_t)nids;
		uint64_t sofs = (uint64_t)c * sspan;

		for (i = 0; i < nlines; i++) {
			const struct line *l = &lines[i];
			struct edit ed[8];
			size_t ne = 0, k;
			const char *s, *e, *p;

			if (member(l->s, "pid", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text), "%" PRId64,
					 pbase + l->idx);
			}
			if (l->has_tid && member(l->s, "tid", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text), "%" PRId64,
					 pbase + l->tidx);
			}
			if (l->pidx >= 0 && member(l->s, "ppid", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text), "%" PRId64,
					 pbase + l->pidx);
			}
			if (member(l->s, "start", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text), "%" PRIu64,
					 l->start + sofs);
			}
			if (member(l->s, "key", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text),
					 "%s:%" PRIu64 ":%" PRId64, boot, l->start + sofs,
					 pbase + l->idx);
			}
			if (l->has_pkey && member(l->s, "parent_key", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				snprintf(ed[ne++].text, sizeof(ed[0].text),
					 "%s:%" PRIu64 ":%" PRId64, boot, l->pstart + sofs,
					 pbase + l->pidx);
			}
			if (l->has_time && member(l->s, "time", &s, &e)) {
				ed[ne].s = s, ed[ne].e = e;
				fmt_time(ed[ne++].text, sizeof(ed[0].text), l->time_us + c * tspan);
			}
			qsort(ed, ne, sizeof(ed[0]), cmp_edit);
			p = l->s;
			for (k = 0; k < ne; k++) {
				fwrite(p, 1, (size_t)(ed[k].s - p), stdout);
				fputs(ed[k].text, stdout);
				p = ed[k].e;
			}
			fputs(p, stdout);
			putchar('\n');
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "jsonl-scale: write: %s\n", strerror(errno));
		return 1;
	}

	for (i = 0; i < nlines; i++) {
		if (!strcmp(lines[i].event, "fork"))
			ev_fork++;
		else if (!strcmp(lines[i].event, "exec"))
			ev_exec++;
		else if (!strcmp(lines[i].event, "exit"))
			ev_exit++;
		else
			ev_other++;
	}
	/* processes: the distinct keys of the lines kept */
	{
		bool *seen = calloc(nids ? nids : 1, 1);
		if (!seen)
			return 1;
		for (i = 0; i < nlines; i++)
			if (!seen[lines[i].idx]) {
				seen[lines[i].idx] = true;
				pcount++;
			}
		free(seen);
	}
	kept = nlines;
	if (summary) {
		FILE *f = fopen(summary, "w");
		if (!f) {
			fprintf(stderr, "jsonl-scale: %s: %s\n", summary, strerror(errno));
			return 1;
		}
		fprintf(f,
			"{\"copies\":%ld,\"lines\":%" PRIu64 ",\"processes\":%" PRIu64
			",\"events\":{\"fork\":%" PRIu64 ",\"exec\":%" PRIu64 ",\"exit\":%" PRIu64
			",\"other\":%" PRIu64
			"},\"lines_per_copy\":%zu,\"processes_per_copy\":%" PRIu64
			",\"skipped\":%zu,\"span_us\":%" PRId64 "}\n",
			copies, (uint64_t)kept * (uint64_t)copies, pcount * (uint64_t)copies,
			ev_fork * (uint64_t)copies, ev_exec * (uint64_t)copies,
			ev_exit * (uint64_t)copies, ev_other * (uint64_t)copies, kept, pcount,
			skipped, tspan);
		fclose(f);
	}
	/* freed, so that a sanitized build's leak check stays quiet */
	for (i = 0; i < nlines; i++)
		free(lines[i].s);
	free(lines);
	for (i = 0; i < ntagkeys; i++)
		free(tagkeys[i]);
	free(tagkeys);
	free(ids);
	free(buf);
	if (in != stdin)
		fclose(in);
	return 0;
}
