/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc scanner: compares a listing of /proc with the table and reports
 * the differences through the core's hooks. Full scans list everything and
 * sweep the table for what vanished; fast scans (the inotify tier) look only
 * at the pids handed out since the last one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "scan-priv.h"

struct pt_scanner *pt_scanner_new(const struct pt_procfs *fs, const struct pt_scan_hooks *hooks)
{
	struct pt_scanner *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fs = fs;
	s->hooks = *hooks;
	s->seek.dir_fd = -1;
	if (pt_procfs_pid_max(fs, &s->pid_max) < 0)
		s->pid_max = PID_MAX_FALLBACK;
	/* The first window starts now: what is born from here on counts. */
	s->have_last = pt_procfs_last_pid(fs, &s->last_pid) == 0;
	s->st.last_pid = s->last_pid;
	s->last_scan_us = s->full_us = pt_now_us();
	return s;
}

void pt_scanner_free(struct pt_scanner *s)
{
	if (!s)
		return;
	free(s->pids);
	free(s->flags);
	free(s->cand);
	free(s->prev);
	free(s->cur);
	free(s->unread);
	free(s->unread_next);
	free(s->gone);
	free(s->act);
	for (size_t i = 0; i < s->npend; i++)
		pt_scan_free_info(s->pend[i].info);
	for (size_t i = 0; i < s->ncaps; i++)
		pt_scan_free_info(s->caps[i].info);
	free(s->caps);
	free(s->counted);
	pt_pidseek_close(&s->seek);
	free(s);
}

void pt_scanner_stats(const struct pt_scanner *s, struct pt_scan_stats *st)
{
	*st = s->st;
}

/* A process the table holds: still the same one? Returns 0, or -errno when it
 * could not be read (-ESRCH: gone). */
static int check_known(struct ctx *c, pid_t pid, struct pt_proc *rec, bool fresh)
{
	struct pt_scanner *s = c->s;
	struct pt_stat si;
	struct pending e;
	int r;

	r = pt_procfs_stat(s->fs, pid, &si);
	if (r == -EINVAL) /* malformed: leave it be */
		return 0;
	if (r < 0) {
		if (!pt_scan_is_gone(r))
			pt_scan_unread_push(c, pid);
		return pt_scan_is_gone(r) ? -ESRCH : r;
	}
	if (!pt_same_start(si.start, rec->start)) {
		/* the pid was handed out again: the process we knew is gone */
		pt_scan_vanish(c, rec, pt_scan_last_look(c, pid, rec->start, true), pt_now_us());
		return pt_scan_discover(c, pid, fresh);
	}
	if (c->full) {
		while (c->prev_i < s->nprev && s->prev[c->prev_i].pid < pid)
			c->prev_i++;
		if (c->prev_i < s->nprev && s->prev[c->prev_i].pid == pid &&
		    si.nthreads > (long)s->prev[c->prev_i].nthreads)
			c->seen += (uint64_t)si.nthreads - s->prev[c->prev_i].nthreads;
		pt_scan_cur_push(c, pid, si.nthreads > 0 ? (unsigned)si.nthreads : 1);
	}
	if (c->kind != PT_SCAN_SNAPSHOT && pt_proc_has(rec, PT_F_COMM) &&
	    strncmp(si.comm, rec->comm, PT_COMM_LEN) != 0) {
		if (pt_scan_pending_take(c, pid, &e))
			pt_scan_changed(c, pid, rec, false, &e, false);
		else
			pt_scan_changed(c, pid, rec, false, NULL, false);
		rec = pt_table_get_live(c->t, pid);
	}
	if (c->kind != PT_SCAN_SYNTH && rec && (si.nthreads > 1 || rec->nthreads > 1))
		pt_scan_sync_threads(c, pid);
	return 0;
}

static int collect_vanished(const struct pt_proc *p, void *data)
{
	struct ctx *c = data;
	struct pt_scanner *s = c->s;
	ssize_t i = pt_scan_find_pid(s->pids, s->npids, p->pid);

	if (i >= 0 && !(s->flags[i] & ENT_GONE))
		return 0;
	if (pt_scan_grow(&s->gone, &s->gone_cap, s->ngone + 1, sizeof(*s->gone)) < 0)
		return -ENOMEM;
	s->gone[s->ngone++] = (struct ident){.pid = p->pid, .start = p->start};
	return 0;
}

/* Every live record whose process is not in the listing has exited. */
static int sweep(struct ctx *c)
{
	struct pt_scanner *s = c->s;
	int r;

	s->ngone = 0;
	r = pt_table_foreach(c->t, PT_SEL_ALIVE, collect_vanished, c);
	for (size_t i = 0; i < s->ngone; i++) {
		struct ident g = s->gone[i];
		struct pt_proc *rec = pt_table_get_live(c->t, g.pid);
		/* listed, and gone when read: after the listing */
		int64_t hi = pt_scan_find_pid(s->pids, s->npids, g.pid) >= 0 ? pt_now_us()
									     : c->listed_us;

		if (rec && rec->start == g.start)
			pt_scan_vanish(c, rec, pt_scan_last_look(c, g.pid, g.start, true), hi);
	}
	s->ngone = 0;
	return r;
}

/* The processes a fast scan found lately: which of them are gone? */
static void check_young(struct ctx *c)
{
	struct pt_scanner *s = c->s;
	int64_t now = pt_mono_us(), hi;
	size_t keep = 0;

	s->ngone = 0;
	for (size_t i = 0; i < s->nyoung; i++) {
		struct ident e = s->young[i];
		int r;

		if (now - e.since_us > YOUNG_US)
			continue;
		r = pt_procfs_exists(s->fs, e.pid);
		if (r == 0 || !pt_scan_is_gone(r)) {
			e.alive_us = c->start_us;
			s->young[keep++] = e;
			continue;
		}
		if (pt_scan_grow(&s->gone, &s->gone_cap, s->ngone + 1, sizeof(*s->gone)) == 0)
			s->gone[s->ngone++] = e;
	}
	s->nyoung = keep;
	hi = pt_now_us();
	for (size_t i = 0; i < s->ngone; i++) {
		struct ident g = s->gone[i];
		struct pt_proc *rec = pt_table_get_live(c->t, g.pid);
		int64_t lo = g.alive_us > s->full_us ? g.alive_us : s->full_us;

		if (rec && rec->start == g.start)
			pt_scan_vanish(c, rec, lo, hi);
	}
	s->ngone = 0;
}

static int list_proc(struct pt_scanner *s)
{
	int r;

	free(s->pids);
	s->pids = NULL;
	s->npids = 0;
	r = pt_procfs_list(s->fs, 0, &s->pids, &s->npids);
	if (r < 0)
		return r;
	r = pt_scan_grow(&s->flags, &s->flags_cap, s->npids ? s->npids : 1, 1);
	if (r < 0)
		return r;
	memset(s->flags, 0, s->npids);
	return 0;
}

static int cand_push(pid_t pid, void *data)
{
	struct pt_scanner *s = data;

	if (pt_scan_grow(&s->cand, &s->cand_cap, s->ncand + 1, sizeof(pid_t)) < 0)
		return -ENOMEM;
	s->cand[s->ncand++] = pid;
	return 0;
}

/* Append the existing pids from..to (inclusive) to s->cand. */
static int list_range(struct pt_scanner *s, pid_t from, pid_t to)
{
	return pt_pidseek_each(&s->seek, from, to, cand_push, s);
}

/* The pids a fast scan looks at: those above the previous counter (in the
 * allocator's order), and any the table does not know. */
static int list_new(struct ctx *c, pid_t lo, pid_t hi, bool *seeked)
{
	struct pt_scanner *s = c->s;
	int r;

	s->ncand = 0;
	*seeked = false;
	if (!s->seek_tried) {
		s->seek_tried = true;
		s->seek_ok = pt_pidseek_open(&s->seek, s->fs->root_fd) == 0;
	}
	if (s->seek_ok && pt_pid_span(lo, hi, s->pid_max) <= NEW_MAX) {
		r = list_range(s, lo + 1, INT_MAX);
		if (r == 0 && hi < lo)
			r = list_range(s, 1, hi);
		if (r == 0) {
			*seeked = true;
			return 0;
		}
		s->ncand = 0;
	}
	r = list_proc(s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->npids; i++) {
		pid_t pid = s->pids[i];

		if (!(hi >= lo ? pid > lo : pt_pid_in_window(pid, lo, hi)) &&
		    pt_table_get_live(c->t, pid))
			continue;
		if (pt_scan_grow(&s->cand, &s->cand_cap, s->ncand + 1, sizeof(pid_t)) < 0)
			return -ENOMEM;
		s->cand[s->ncand++] = pid;
	}
	return 0;
}

static void finish(struct ctx *c, bool have_now, pid_t now_last)
{
	struct pt_scanner *s = c->s;

	pt_scan_account(c);
	memcpy(s->carry, c->carry, c->ncarry * sizeof(pid_t));
	s->ncarry = c->ncarry;
	if (c->win) {
		s->have_prev_lo = true;
		s->prev_lo = c->win_lo;
	}
	if (have_now) {
		s->have_last = true;
		s->last_pid = now_last;
		s->st.last_pid = now_last;
	}
	s->last_scan_us = c->start_us;
	if (c->full)
		s->full_us = c->start_us;
	s->st.scans++;
	if (c->full) {
		struct thr_count *tc = s->prev;
		pid_t *u = s->unread;
		size_t cap = s->prev_cap;

		s->prev = s->cur;
		s->prev_cap = s->cur_cap;
		s->nprev = s->ncur;
		s->cur = tc;
		s->cur_cap = cap;
		s->ncur = 0;

		cap = s->unread_cap;
		s->unread = s->unread_next;
		s->unread_cap = s->unread_next_cap;
		s->nunread = s->nunread_next;
		s->unread_next = u;
		s->unread_next_cap = cap;
		s->nunread_next = 0;
	}
}

static void ctx_init(struct ctx *c, struct pt_monitor *m, struct pt_scanner *s,
		     enum pt_scan_kind kind, bool full)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->s = s;
	c->kind = kind;
	c->full = full;
	c->t = s->hooks.table(m);
	c->start_us = c->listed_us = pt_now_us();
	s->ncounted = 0;
}

static void full_entry(struct ctx *c, size_t idx)
{
	struct pt_scanner *s = c->s;
	pid_t pid = s->pids[idx];
	bool in_win = c->win && pt_pid_in_window(pid, c->win_lo, c->win_hi);
	struct pt_proc *rec = pt_table_get_live(c->t, pid);
	int r;

	bool fresh = pt_scan_fresh_pid(c, pid, false);

	r = rec ? check_known(c, pid, rec, fresh) : pt_scan_discover(c, pid, fresh);
	if (pt_scan_is_gone(r))
		s->flags[idx] |= ENT_GONE;
	/* one the table held, from before this window, was counted when it was found */
	if (!pt_scan_counted_has(c, pid) && (!rec || in_win))
		pt_scan_count_seen(c, pid, r, in_win);
}

int pt_scan(struct pt_monitor *m, struct pt_scanner *s, enum pt_scan_kind kind)
{
	pid_t now_last = 0;
	struct ctx c;
	bool have_now;
	int r;

	ctx_init(&c, m, s, kind, true);
	if (!c.t)
		return -EINVAL;
	if (pt_procfs_pid_max(s->fs, &s->pid_max) < 0 && !s->pid_max)
		s->pid_max = PID_MAX_FALLBACK;
	s->ncur = 0;
	s->nunread_next = 0;
	if (kind == PT_SCAN_SYNTH) {
		pt_scan_use_captures(&c);
		pt_scan_recheck_pending(&c);
	}

	r = list_proc(s);
	if (r < 0)
		return r;
	c.listed_us = pt_now_us();
	/* after the listing: every listed pid was handed out before this reading */
	have_now = pt_procfs_last_pid(s->fs, &now_last) == 0;
	if (have_now && s->have_last) {
		c.win = true;
		c.win_lo = s->last_pid;
		c.win_hi = now_last;
	}
	for (size_t i = 0; i < s->npids; i++)
		full_entry(&c, i);
	r = sweep(&c);
	finish(&c, have_now, now_last);
	return r < 0 ? r : c.changes;
}

static void fast_entry(struct ctx *c, pid_t pid, pid_t now_last)
{
	struct pt_scanner *s = c->s;
	bool in_win = pt_pid_in_window(pid, c->win_lo, c->win_hi);
	bool past = c->win_hi >= c->win_lo && pid > now_last;
	bool fresh = pt_scan_fresh_pid(c, pid, past);
	struct pt_proc *rec;
	int r;

	if (pt_scan_in_list(s->carry, s->ncarry, pid) || pt_scan_counted_has(c, pid))
		return;
	rec = pt_table_get_live(c->t, pid);
	if (rec) {
		/* in the window, a known pid may have been handed out again */
		if (in_win)
			pt_scan_count_seen(c, pid, check_known(c, pid, rec, fresh), in_win);
		return;
	}
	if (pt_scan_find_pid(s->unread, s->nunread, pid) >= 0) {
		/* unreadable at the last full scan: leave it to the next one */
		pt_scan_count_seen(c, pid, -EACCES, in_win);
		return;
	}
	r = pt_scan_discover(c, pid, fresh);
	if (r == 0 && !in_win && past && c->ncarry < CARRY_MAX) {
		c->carry[c->ncarry++] = pid;
		return;
	}
	pt_scan_count_seen(c, pid, r, in_win);
}

/*
 * The fast scan: read the counter, then every pid above the previous one at
 * once (they are about to go), then the processes caught before or during
 * their exec, then whether the young ones are still there. Exits of older
 * processes wait for the next full scan.
 */
int pt_scan_new(struct pt_monitor *m, struct pt_scanner *s)
{
	pid_t now_last = 0;
	bool seeked;
	struct ctx c;
	int r;

	ctx_init(&c, m, s, PT_SCAN_SYNTH, false);
	if (!c.t)
		return -EINVAL;
	if (!s->have_last || pt_procfs_last_pid(s->fs, &now_last) < 0)
		return pt_scan(m, s, PT_SCAN_SYNTH);
	c.win = true;
	c.win_lo = s->last_pid;
	c.win_hi = now_last;
	pt_scan_use_captures(&c);

	r = list_new(&c, c.win_lo, c.win_hi, &seeked);
	if (r < 0)
		return r;
	c.listed_us = pt_now_us();
	for (size_t i = 0; i < s->ncand; i++)
		fast_entry(&c, s->cand[i], now_last);
	if (seeked)
		s->st.early += s->ncand;
	pt_scan_recheck_pending(&c);
	check_young(&c);
	finish(&c, true, now_last);
	return c.changes;
}

void pt_scan_gaps(const struct pt_options *o, void *priv, struct pt_event_gaps *g)
{
	static const char ids[] = "a /proc scan shows the credentials a process has, not their "
				  "changes (a setuid exec shows as the exec)";
	static const char *const why[PT_EV_COUNT] = {
		[PT_EV_UID] = ids,
		[PT_EV_GID] = ids,
		[PT_EV_SID] = "a /proc scan shows the session, not a setsid() call",
		[PT_EV_PTRACE] = "a /proc scan cannot tell when a tracer attached or detached",
		[PT_EV_COREDUMP] = "a /proc scan sees no core dump (nor an exit status)",
		[PT_EV_EXEC_FAILED] = "a failed exec changes nothing in /proc",
	};

	for (unsigned e = 0; e < PT_EV_COUNT; e++)
		if (why[e] && !(g->missing & PT_EVMASK(e))) {
			g->missing |= PT_EVMASK(e);
			g->why[e] = why[e];
		}
}
