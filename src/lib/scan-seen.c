/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the scanner remembers between scans (thread counts, unreadable pids,
 * young processes and when a scan last looked at them) and how it reads a
 * process: stat first, then the record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan-priv.h"

int pt_scan_grow(void *pp, size_t *cap, size_t need, size_t size)
{
	void **p = pp;
	size_t n = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return -ENOMEM;
		n *= 2;
	}
	np = realloc(*p, n * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = n;
	return 0;
}

bool pt_scan_is_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

static bool is_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

void pt_scan_free_info(struct pt_proc *info)
{
	if (!info)
		return;
	pt_proc_clear(info);
	free(info);
}

ssize_t pt_scan_find_pid(const pid_t *v, size_t n, pid_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == pid)
			return (ssize_t)mid;
		if (v[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

bool pt_scan_in_list(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

void pt_scan_cur_push(struct ctx *c, pid_t pid, unsigned nthreads)
{
	struct pt_scanner *s = c->s;

	if (!c->full || c->no_cur ||
	    pt_scan_grow(&s->cur, &s->cur_cap, s->ncur + 1, sizeof(*s->cur)) < 0)
		return;
	s->cur[s->ncur++] = (struct thr_count){pid, nthreads};
}

void pt_scan_unread_push(struct ctx *c, pid_t pid)
{
	struct pt_scanner *s = c->s;

	s->st.unreadable++;
	if (!c->full ||
	    pt_scan_grow(&s->unread_next, &s->unread_next_cap, s->nunread_next + 1, sizeof(pid_t)) <
		    0)
		return;
	s->unread_next[s->nunread_next++] = pid;
}

void pt_scan_young_add(struct ctx *c, pid_t pid, uint64_t start)
{
	struct pt_scanner *s = c->s;

	if (s->nyoung == YOUNG_MAX) {
		memmove(s->young, s->young + 1, (YOUNG_MAX - 1) * sizeof(s->young[0]));
		s->nyoung--;
	}
	s->young[s->nyoung++] = (struct ident){pid, start, pt_mono_us(), c->start_us, c->start_us};
}

/*
 * The start of the last scan that looked at a process we know: the last full
 * one, or a later fast one that read it (image) or saw it there (alive only).
 * Fast scans skip the older processes, so the last scan is not the bound.
 */
int64_t pt_scan_last_look(const struct ctx *c, pid_t pid, uint64_t start, bool alive)
{
	const struct pt_scanner *s = c->s;
	int64_t lo = s->full_us;

	for (size_t i = 0; i < s->nyoung; i++) {
		const struct ident *e = &s->young[i];
		int64_t t = alive ? e->alive_us : e->seen_us;

		if (e->pid == pid && pt_same_start(e->start, start) && t > lo)
			lo = t;
	}
	return lo;
}

void pt_scan_young_del(struct pt_scanner *s, pid_t pid)
{
	for (size_t i = 0; i < s->nyoung; i++) {
		if (s->young[i].pid != pid)
			continue;
		memmove(s->young + i, s->young + i + 1, (s->nyoung - i - 1) * sizeof(s->young[0]));
		s->nyoung--;
		return;
	}
}

/* When a process we never saw was born: after the last scan if its pid is new
 * since, else after the last full scan, which would have listed it. */
int64_t pt_scan_fork_lo(const struct ctx *c, const struct pt_proc *info, bool fresh)
{
	long hz = c->s->fs->clk_tck > 0 ? c->s->fs->clk_tck : 100;
	int64_t lo = fresh ? c->s->last_scan_us : c->s->full_us;

	/* older than that (unreadable then): its start time, in ticks, says so */
	if (info->start_us && info->start_us + 2 * 1000000 / hz < lo)
		lo = info->start_us;
	return lo;
}

struct pt_proc *pt_scan_read(const struct pt_procfs *fs, pid_t pid, unsigned fields,
			     struct pt_stat *si, bool *have_si, int *err)
{
	struct pt_proc *info;
	int dfd, r;

	*have_si = false;
	dfd = pt_procfs_pid_open(fs, pid);
	if (dfd < 0) {
		*err = dfd;
		return NULL;
	}
	/* stat before argv: with PF_FORKNOEXEC clear here, the argv read next is
	 * the exec'd one, never the parent's */
	if (si) {
		r = pt_procfs_stat_at(dfd, si);
		if (pt_scan_is_gone(r) || is_denied(r)) {
			close(dfd);
			*err = r;
			return NULL;
		}
		*have_si = r == 0;
	}
	info = malloc(sizeof(*info));
	if (!info) {
		close(dfd);
		*err = -ENOMEM;
		return NULL;
	}
	pt_proc_init(info);
	info->pid = pid;
	r = pt_procfs_read_at(fs, dfd, fields, info);
	close(dfd);
	if (r == -ENOMEM || pt_scan_is_gone(r) || !pt_proc_has(info, PT_F_START)) {
		if (r == -ENOMEM)
			*err = r;
		else if (pt_scan_is_gone(r) || info->why[PT_F_START] == PT_WHY_GONE)
			*err = -ESRCH;
		else if (info->why[PT_F_START] == PT_WHY_PERM)
			*err = -EACCES;
		else
			*err = -EIO;
		pt_proc_clear(info);
		free(info);
		return NULL;
	}
	*err = 0;
	return info;
}

bool pt_scan_same_args(const struct pt_proc *a, const struct pt_proc *b)
{
	return a->args_len == b->args_len &&
		(!a->args_len || memcmp(a->args, b->args, a->args_len) == 0);
}

/* The fields among these that dst lacks and src has, from src. */
void pt_scan_fill_lacking(struct pt_proc *dst, const struct pt_proc *src, unsigned fields)
{
	unsigned lacks = 0;

	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((fields & PT_FMASK(f)) && !pt_proc_has(dst, (enum pt_field)f))
			lacks |= PT_FMASK(f);
	pt_proc_merge(dst, src, lacks); /* merges only what src has */
}
