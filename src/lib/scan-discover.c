/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process the table does not know is read and handed to the core; one the
 * table knows is gone. The scanner says what it saw (its own image, or one
 * read before or during its exec, and its threads); the core decides what it
 * means and writes the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan-priv.h"

/* Tell the core the threads of pid, as its task directory lists them. */
void pt_scan_sync_threads(struct ctx *c, pid_t pid)
{
	pid_t *tids;
	size_t n;

	if (pt_procfs_list(c->s->fs, pid, &tids, &n) < 0)
		return;
	c->s->hooks.threads(c->m, pid, tids, n);
	free(tids);
}

int pt_scan_discover(struct ctx *c, pid_t pid, bool fresh)
{
	struct pt_scanner *s = c->s;
	struct pt_stat si;
	struct pt_proc *info;
	bool have_si;
	int err;

	info = pt_scan_read(s->fs, pid, PT_FMASK_ALL, &si, &have_si, &err);
	if (!info) {
		if (pt_scan_is_gone(err)) {
			s->st.raced++;
			return -ESRCH;
		}
		pt_scan_unread_push(c, pid);
		return err;
	}
	pt_scan_discover_read(c, pid, fresh, info, have_si ? &si : NULL);
	return 0;
}

/*
 * A process found before its parent, which the table does not hold: the parent
 * is read and reported first, so that its fork comes before its child's (watch
 * -- CMD follows a child whose fork names a followed parent). Captures are
 * taken reader by reader, not in the order of the execs; and a fast scan that
 * lists /proc as the counter hands a pid out misses it, then starts its next
 * window above it. A parent gone, or unreadable, is left to the listing.
 */
void pt_scan_discover_parent(struct ctx *c, const struct pt_proc *info)
{
	pid_t ppid = info->ppid;
	struct pt_stat si;
	struct pt_proc *p;
	bool have_si, no_cur = c->no_cur;
	int err;

	if (ppid <= 0 || ppid == info->pid || !pt_proc_has(info, PT_F_PPID) ||
	    c->parent_depth >= PARENT_DEPTH_MAX || pt_table_get_live(c->t, ppid) ||
	    pt_scan_in_list(c->s->carry, c->s->ncarry, ppid) ||
	    pt_scan_find_pid(c->s->unread, c->s->nunread, ppid) >= 0)
		return;
	p = pt_scan_read(c->s->fs, ppid, PT_FMASK_ALL, &si, &have_si, &err);
	if (!p)
		return;
	if (info->start && p->start > info->start) {
		/* younger than the child: its pid was handed out again */
		pt_scan_free_info(p);
		return;
	}
	c->parent_depth++;
	/* out of pid order: the listing records its thread count when it gets there */
	c->no_cur = true;
	pt_scan_discover_read(c, ppid, pt_scan_fresh_pid(c, ppid, false), p, have_si ? &si : NULL);
	c->no_cur = no_cur;
	c->parent_depth--;
	c->s->st.parents_first++;
	/* seen once: the listing, if it gets to the parent, does not count it again */
	if (!pt_scan_counted_has(c, ppid)) {
		pt_scan_count_seen(c, ppid, 0,
				   c->win && pt_pid_in_window(ppid, c->win_lo, c->win_hi));
		pt_scan_counted_add(c, ppid);
	}
}

/* pt_scan_discover() once it has read the process (consumes info; sip NULL: no stat). */
void pt_scan_discover_read(struct ctx *c, pid_t pid, bool fresh, struct pt_proc *info,
			   const struct pt_stat *sip)
{
	struct pt_scanner *s = c->s;
	struct pending e = {.pid = pid};
	struct pt_stat si = {0};
	enum pt_scan_image img = PT_IMAGE_OWN;
	bool have_si = sip != NULL, watch;
	unsigned nthreads;
	int64_t lo;

	pt_scan_discover_parent(c, info);
	if (sip)
		si = *sip;
	nthreads = info->nthreads ? info->nthreads : 1;
	/* its other threads took pids too, most likely in this window */
	c->seen += nthreads - 1;
	pt_scan_cur_push(c, pid, nthreads);
	lo = pt_scan_fork_lo(c, info, fresh);
	/* scanning tiers read it again for the exec; the others get it as an event */
	watch = c->kind == PT_SCAN_SYNTH && have_si && !(si.flags & PF_KTHREAD) &&
		si.state != 'Z' && si.state != 'X';
	e.start = info->start;
	e.since_us = pt_mono_us();
	if (pt_scan_argv_not_yet(info, have_si ? &si : NULL)) {
		/* the exec began before this read: report it once its argv is there */
		e.no_args = true;
		e.lo_us = lo;
		e.hi_us = pt_now_us();
		if (watch)
			e.info = pt_scan_half_image(info, &si);
		img = PT_IMAGE_MID_EXEC;
	} else if (have_si && (si.flags & PF_FORKNOEXEC)) {
		e.lo_us = c->start_us;
		img = PT_IMAGE_PRE_EXEC;
	} else {
		e.since_us = 0;
	}
	if (watch) {
		pt_scan_young_add(c, pid, info->start);
		if (e.since_us)
			pt_scan_pending_add(c, &e);
	}
	s->hooks.discovered(c->m, info, img, c->kind, lo, c->listed_us);
	s->st.added++;
	c->changes++;
	if (c->kind != PT_SCAN_SYNTH && nthreads > 1)
		pt_scan_sync_threads(c, pid);
}

/* A known process is gone: it exited in [lo, hi]. */
void pt_scan_vanish(struct ctx *c, struct pt_proc *rec, int64_t lo, int64_t hi)
{
	pid_t pid = rec->pid;
	uint64_t start = rec->start;
	struct pending e;

	/* an exec we saw begin happened before the exit */
	if (pt_scan_pending_take(c, pid, &e))
		pt_scan_report_half(c, &e, PT_WHY_GONE);
	rec = pt_table_get_live(c->t, pid);
	if (!rec || rec->start != start)
		return;
	pt_scan_young_del(c->s, rec->pid);
	c->s->hooks.vanished(c->m, rec, c->kind, lo, hi);
	c->s->st.vanished++;
	c->changes++;
}
