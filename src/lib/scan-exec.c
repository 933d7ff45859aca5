/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Execs a scan sees half done. A process read before its exec (PF_FORKNOEXEC)
 * or in the middle of one (no argv yet) waits on the pending list and is read
 * again; an exec or a new name of a known process is reported to the core as
 * a synthesized raw event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan-priv.h"

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Report an exec (or only a new comm) of a known process, which happened in
 * [lo, hi]; consumes info. */
void pt_scan_report_exec(struct ctx *c, pid_t pid, uint64_t start, struct pt_proc *info, bool exec,
			 int64_t lo, int64_t hi)
{
	struct pt_raw raw;

	memset(&raw, 0, sizeof(raw));
	raw.type = exec ? PT_EV_EXEC : PT_EV_COMM;
	raw.time_us = hi;
	raw.pid = raw.tid = pid;
	raw.ppid = info->ppid;
	raw.start = start;
	raw.synthesized = true;
	raw.lo_us = lo;
	raw.hi_us = hi;
	if (!exec)
		memcpy(raw.u.comm, info->comm, PT_COMM_LEN);
	raw.info = info;
	c->s->hooks.raw(c->m, &raw);
	pt_scan_free_info(raw.info); /* a hook that did not consume it */
	c->s->st.execs++;
	c->changes++;
}

/* An exec whose argv we never got: report what we have, the argv missing
 * for the reason given. Consumes e->info. */
void pt_scan_report_half(struct ctx *c, struct pending *e, enum pt_why why)
{
	struct pt_proc *info = e->info;

	e->info = NULL;
	if (!info || !pt_scan_exec_begun(e)) {
		pt_scan_free_info(info);
		return;
	}
	pt_proc_set_args(info, NULL, 0, false);
	pt_proc_set_missing(info, PT_F_ARGV, why);
	pt_scan_report_exec(c, e->pid, e->start, info, true, e->lo_us, e->hi_us);
}

/* Take pid's entry off the pending list into *e; the caller owns e->info. */
bool pt_scan_pending_take(struct ctx *c, pid_t pid, struct pending *e)
{
	struct pt_scanner *s = c->s;

	for (size_t i = 0; i < s->npend; i++) {
		if (s->pend[i].pid != pid)
			continue;
		*e = s->pend[i];
		memmove(s->pend + i, s->pend + i + 1, (s->npend - i - 1) * sizeof(*e));
		s->npend--;
		return true;
	}
	return false;
}

void pt_scan_pending_add(struct ctx *c, const struct pending *e)
{
	struct pt_scanner *s = c->s;
	struct pending old;

	if (s->npend == PENDING_MAX && pt_scan_pending_take(c, s->pend[0].pid, &old))
		pt_scan_report_half(c, &old, PT_WHY_NOT_READ);
	s->pend[s->npend++] = *e;
}

/*
 * A live process whose argv reads empty: its exec has begun and the new argv
 * is not there yet. procfs calls the argv known (and empty) only for a kernel
 * thread or a process not exiting, and a zombie's when the exe is not readable
 * either (another user's process): si, when there, says it is not exiting.
 */
bool pt_scan_argv_not_yet(const struct pt_proc *info, const struct pt_stat *si)
{
	if (si && (si->flags & (PF_EXITING | PF_KTHREAD) || si->state == 'Z' || si->state == 'X'))
		return false;
	if (pt_proc_has(info, PT_F_ARGV))
		return info->args_len == 0 && info->why[PT_F_EXE] != PT_WHY_KERNEL;
	return si && info->why[PT_F_ARGV] == PT_WHY_ZOMBIE && !(si->flags & PF_FORKNOEXEC);
}

/* What a process read in the middle of its exec shows of the new image:
 * the exe, and the comm once PF_FORKNOEXEC is cleared. */
struct pt_proc *pt_scan_half_image(const struct pt_proc *info, const struct pt_stat *si)
{
	struct pt_proc *half = malloc(sizeof(*half));
	unsigned fields = PT_FMASK_EXEC_READ & ~PT_FMASK(PT_F_ARGV);

	if (!half)
		return NULL;
	pt_proc_init(half);
	half->pid = info->pid;
	if (si->flags & PF_FORKNOEXEC)
		fields &= ~PT_FMASK(PT_F_COMM);
	if (pt_proc_merge(half, info, fields) < 0) {
		pt_scan_free_info(half);
		return NULL;
	}
	pt_proc_set_missing(half, PT_F_ARGV, PT_WHY_NOT_READ);
	return half;
}

void pt_scan_complete(struct pt_proc *info, const struct pt_proc *half)
{
	/* the half read was made mid-exec: its creds and capabilities may be those
	 * from before it (setresuid then exec, or a setuid binary), so they are
	 * never taken */
	pt_scan_fill_lacking(info, half,
			     PT_FMASK_EXEC_READ & ~PT_FMASK(PT_F_ARGV) & ~PT_FMASK(PT_F_CREDS) &
				     ~PT_FMASK(PT_F_CAPS));
	if (!pt_proc_has(info, PT_F_CREDS) && info->why[PT_F_CREDS] == PT_WHY_NOT_READ)
		pt_proc_set_missing(info, PT_F_CREDS, PT_WHY_GONE);
	if (!pt_proc_has(info, PT_F_CAPS) && info->why[PT_F_CAPS] == PT_WHY_NOT_READ)
		pt_proc_set_missing(info, PT_F_CAPS, PT_WHY_GONE);
}

/*
 * A known process changed its name, or the one in e (taken off the pending
 * list, or NULL) may have finished its exec: read it again and report an
 * exec, or only a new comm when image and argv are the same. An exec whose
 * argv is not there yet goes back on the list, unless final.
 */
void pt_scan_changed(struct ctx *c, pid_t pid, struct pt_proc *rec, bool exec, struct pending *e,
		     bool final)
{
	struct pt_scanner *s = c->s;
	struct pending p = {.pid = pid, .start = rec->start, .since_us = pt_mono_us()};
	struct pt_stat si;
	struct pt_proc *info;
	bool have_si;
	int err;

	if (e)
		p = *e;
	else
		p.lo_us = pt_scan_last_look(c, pid, rec->start, false);
	if (pt_scan_exec_begun(&p))
		exec = true;
	info = pt_scan_read(s->fs, pid, PT_FMASK_EXEC_READ, &si, &have_si, &err);
	if (!info || !pt_same_start(info->start, p.start)) {
		/* gone, or its pid handed out again */
		if (info)
			err = -ESRCH;
		pt_scan_free_info(info);
		pt_scan_report_half(c, &p, pt_procfs_why(err));
		return;
	}
	if (!pt_scan_exec_begun(&p))
		p.hi_us = pt_now_us();
	if (p.info)
		pt_scan_complete(info, p.info);
	pt_scan_free_info(p.info);
	p.info = NULL;
	if (!exec && e && have_si && !(si.flags & PF_FORKNOEXEC))
		exec = true; /* it was waiting for it */
	if (!exec)
		exec = !same_str(info->exe, rec->exe) || !pt_scan_same_args(info, rec);
	if (exec && !final && pt_scan_argv_not_yet(info, have_si ? &si : NULL)) {
		/* past the point of no return, before the new argv is set up */
		pt_proc_set_args(info, NULL, 0, false);
		pt_proc_set_missing(info, PT_F_ARGV, PT_WHY_NOT_READ);
		p.no_args = true;
		p.info = info;
		pt_scan_pending_add(c, &p);
		return;
	}
	if (!exec) {
		/* a new name only: when was the name last read? */
		p.lo_us = pt_scan_last_look(c, pid, p.start, false);
		if (e && have_si && (si.flags & PF_FORKNOEXEC)) {
			/* renamed before its exec: still waiting for it */
			struct pending w = p;

			w.lo_us = c->start_us;
			w.hi_us = 0;
			pt_scan_pending_add(c, &w);
		}
	}
	pt_scan_report_exec(c, pid, p.start, info, exec, p.lo_us, p.hi_us);
}

/* What to do with a pending process: -1 keep waiting, or an act_kind. */
static int pending_check(struct ctx *c, struct pending *e, int64_t age, bool *final)
{
	struct pt_stat si;

	*final = false;
	if (pt_procfs_stat(c->s->fs, e->pid, &si) < 0 || !pt_same_start(si.start, e->start))
		return ACT_REPORT;
	if (si.state == 'Z' || si.state == 'X') {
		/* its comm is still there; PF_FORKNOEXEC says it never exec'd */
		if (!pt_scan_exec_begun(e) && (si.flags & PF_FORKNOEXEC))
			return ACT_REPORT;
		return ACT_READ;
	}
	if (e->no_args ? pt_procfs_has_args(c->s->fs, e->pid) : !(si.flags & PF_FORKNOEXEC))
		return ACT_READ;
	if (age > PENDING_KEEP_US) {
		/* a worker that never execs, or an argv that stays empty */
		*final = true;
		return pt_scan_exec_begun(e) ? ACT_READ : ACT_REPORT;
	}
	if (!pt_scan_exec_begun(e))
		e->lo_us = c->start_us;
	return -1;
}

/* Processes seen before or during their exec: is it done? */
void pt_scan_recheck_pending(struct ctx *c)
{
	struct pt_scanner *s = c->s;
	int64_t now = pt_mono_us();
	size_t keep = 0;

	s->nact = 0;
	for (size_t i = 0; i < s->npend; i++) {
		struct pending e = s->pend[i];
		int64_t age = now - e.since_us;
		struct pt_proc *rec;
		bool final;
		int kind;

		if (!c->full && age > PENDING_FAST_US && age <= PENDING_KEEP_US) {
			s->pend[keep++] = e;
			continue;
		}
		rec = pt_table_get_live(c->t, e.pid);
		if (!rec || !pt_same_start(rec->start, e.start)) {
			pt_scan_free_info(e.info);
			continue;
		}
		kind = pending_check(c, &e, age, &final);
		if (kind < 0) {
			s->pend[keep++] = e;
			continue;
		}
		if (pt_scan_grow(&s->act, &s->act_cap, s->nact + 1, sizeof(*s->act)) < 0) {
			pt_scan_free_info(e.info);
			continue;
		}
		s->act[s->nact++] = (struct act){e, (enum act_kind)kind, final};
	}
	s->npend = keep;
	for (size_t i = 0; i < s->nact; i++) {
		struct act a = s->act[i];
		struct pt_proc *rec = pt_table_get_live(c->t, a.e.pid);

		if (!rec || !pt_same_start(rec->start, a.e.start))
			pt_scan_free_info(a.e.info);
		else if (a.kind == ACT_READ)
			pt_scan_changed(c, a.e.pid, rec, true, &a.e, a.final);
		else
			pt_scan_report_half(c, &a.e, PT_WHY_GONE);
	}
	s->nact = 0;
}
