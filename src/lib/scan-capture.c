/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exec captures: the inotify tier's reader threads read each new process the
 * moment an open in a watched directory wakes them, and again until its exec
 * is done, and hand the core what they saw; the next scan uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan-priv.h"

enum pt_capture pt_scan_capture(const struct pt_procfs *fs, pid_t pid, uint64_t *start,
				struct pt_proc **out)
{
	struct pt_stat si;
	struct pt_proc *info;
	bool have_si, exiting;
	int err;

	*out = NULL;
	/* the stat alone says whether its exec is done: most looks end here */
	err = pt_procfs_stat(fs, pid, &si);
	if (err < 0)
		return pt_scan_is_gone(err) ? PT_CAPTURE_GONE : PT_CAPTURE_SKIP;
	if (*start && !pt_same_start(si.start, *start))
		return PT_CAPTURE_GONE;
	*start = si.start;
	exiting = (si.flags & PF_EXITING) || si.state == 'Z' || si.state == 'X';
	if (si.flags & PF_KTHREAD)
		return PT_CAPTURE_SKIP;
	if (si.flags & PF_FORKNOEXEC) /* before its exec; or it ends without one */
		return exiting ? PT_CAPTURE_SKIP : PT_CAPTURE_WAIT;
	/* its exec has begun: the stat just read stands for the one pt_scan_read
	 * would read before the argv */
	info = pt_scan_read(fs, pid, PT_FMASK_EXEC_CAPTURE, NULL, &have_si, &err);
	if (!info)
		return pt_scan_is_gone(err) ? PT_CAPTURE_GONE : PT_CAPTURE_SKIP;
	if (!pt_same_start(info->start, *start)) {
		/* the pid was handed out again */
		pt_scan_free_info(info);
		return PT_CAPTURE_GONE;
	}
	if (pt_scan_argv_not_yet(info, &si)) {
		/* in the middle of its exec */
		pt_scan_free_info(info);
		return PT_CAPTURE_WAIT;
	}
	if (!pt_proc_has(info, PT_F_ARGV) || info->args_len == 0) {
		/* exiting, its argv gone with its mm: nothing to add */
		pt_scan_free_info(info);
		return PT_CAPTURE_SKIP;
	}
	*out = info;
	return PT_CAPTURE_EXEC;
}

int pt_scanner_add_capture(struct pt_scanner *s, struct pt_proc *info, int64_t seen_us)
{
	if (pt_scan_grow(&s->caps, &s->caps_cap, s->ncaps + 1, sizeof(*s->caps)) < 0) {
		pt_scan_free_info(info);
		return -ENOMEM;
	}
	s->caps[s->ncaps] = (struct capture){info, seen_us, s->ncaps};
	s->ncaps++;
	return 0;
}

/* By the time a reader saw the exec; handed-over order among equal times */
static int cmp_capture(const void *a, const void *b)
{
	const struct capture *x = a, *y = b;

	if (x->seen_us != y->seen_us)
		return x->seen_us < y->seen_us ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/*
 * A reader saw the exec of a process the core read before it (it waits on the
 * pending list): the capture holds its argv. Whatever a read now adds of the
 * same image (exe, creds) completes it.
 */
/*
 * A capture holds the image only: what the exec may also have changed (the
 * creds of a setuid exec, or of a setresuid just before it) is read now, while
 * the process still shows that image; never from a read made before the exec.
 */
static void complete_capture(struct ctx *c, pid_t pid, uint64_t start, struct pt_proc *info)
{
	struct pt_proc *now;
	struct pt_stat si;
	bool have_si;
	int err;

	now = pt_scan_read(c->s->fs, pid, PT_FMASK_EXEC_READ, &si, &have_si, &err);
	if (now && pt_same_start(now->start, start) && pt_scan_same_args(now, info))
		pt_scan_fill_lacking(info, now, PT_FMASK_EXEC_READ);
	pt_scan_free_info(now);
}

static void captured_exec(struct ctx *c, struct pending *e, struct capture *cap)
{
	struct pt_proc *info = cap->info;

	cap->info = NULL;
	complete_capture(c, e->pid, e->start, info);
	if (e->info)
		pt_scan_complete(info, e->info);
	pt_scan_free_info(e->info);
	e->info = NULL;
	if (!pt_scan_exec_begun(e))
		e->hi_us = cap->seen_us;
	pt_scan_report_exec(c, e->pid, e->start, info, true, e->lo_us, e->hi_us);
}

void pt_scan_counted_add(struct ctx *c, pid_t pid)
{
	struct pt_scanner *s = c->s;

	if (pt_scan_grow(&s->counted, &s->counted_cap, s->ncounted + 1, sizeof(pid_t)) == 0)
		s->counted[s->ncounted++] = pid;
}

bool pt_scan_counted_has(const struct ctx *c, pid_t pid)
{
	return pt_scan_in_list(c->s->counted, c->s->ncounted, pid);
}

/*
 * Execs the readers saw. A process the core knows waiting for its exec gets
 * it; one known with another image had an exec the core missed; one it does
 * not know is read now, or, gone already, known by what the capture holds
 * (and its exit reported by check_young). Others are old news.
 */
void pt_scan_use_captures(struct ctx *c)
{
	struct pt_scanner *s = c->s;

	/*
	 * The readers hand theirs over reader by reader; used in the order they
	 * were seen, the execs of one process by two readers (sh -c 'exec x')
	 * leave its last image, and the stream is in the order of the execs.
	 * Only a step back of the wall clock between two captures can misorder.
	 */
	if (s->ncaps > 1)
		qsort(s->caps, s->ncaps, sizeof(*s->caps), cmp_capture);
	/* the listing that follows records thread counts, in pid order */
	c->no_cur = true;
	for (size_t i = 0; i < s->ncaps; i++) {
		struct capture *cap = &s->caps[i];
		pid_t pid = cap->info->pid;
		uint64_t start = cap->info->start;
		struct pt_proc *rec = pt_table_get_live(c->t, pid);
		bool fresh = pt_scan_fresh_pid(c, pid, false), have_si, exiting;
		struct pt_stat si;
		struct pt_proc *now;
		struct pending e;
		int err;

		if (rec && pt_same_start(rec->start, start)) {
			if (pt_scan_pending_take(c, pid, &e)) {
				captured_exec(c, &e, cap);
			} else if (pt_proc_has(rec, PT_F_ARGV) &&
				   !pt_scan_same_args(rec, cap->info)) {
				/* an exec between the core's read and the reader's */
				complete_capture(c, pid, start, cap->info);
				pt_scan_report_exec(c, pid, start, cap->info, true,
						    pt_scan_last_look(c, pid, start, false),
						    cap->seen_us);
				cap->info = NULL;
			}
			continue;
		}
		if (rec)
			pt_scan_vanish(c, rec, pt_scan_last_look(c, pid, rec->start, true),
				       cap->seen_us);
		if (pt_scan_in_list(s->carry, s->ncarry, pid))
			continue;
		now = pt_scan_read(s->fs, pid, PT_FMASK_ALL, &si, &have_si, &err);
		if (now && !pt_same_start(now->start, start)) {
			pt_scan_free_info(now); /* gone, its pid handed out again */
			now = NULL;
		}
		/* never counted: no scan saw it (or it was gone when read) */
		c->seen++;
		pt_scan_counted_add(c, pid);
		exiting = now &&
			(!have_si || (si.flags & PF_EXITING) || si.state == 'Z' || si.state == 'X');
		if (now && !exiting && pt_scan_same_args(now, cap->info)) {
			/* there, as it was: what was read now */
			pt_scan_discover_read(c, pid, fresh, now, &si);
			continue;
		}
		if (exiting) {
			/* its creds, cwd... are still its own */
			pt_scan_fill_lacking(cap->info, now, PT_FMASK_ALL);
			cap->info->nthreads = now->nthreads;
		}
		/* else gone, or exec'd again: a later scan reads the new image */
		if (!now || exiting) {
			/* what the reader left to the core went with the process */
			for (unsigned f = 0; f < PT_F_COUNT; f++)
				if (!pt_proc_has(cap->info, (enum pt_field)f) &&
				    cap->info->why[f] == PT_WHY_NOT_READ)
					pt_proc_set_missing(cap->info, (enum pt_field)f,
							    PT_WHY_GONE);
			s->st.captured++;
		}
		pt_scan_free_info(now);
		pt_scan_discover_parent(c, cap->info);
		pt_scan_young_add(c, pid, start);
		s->hooks.discovered(c->m, cap->info, PT_IMAGE_OWN, c->kind,
				    pt_scan_fork_lo(c, cap->info, fresh), cap->seen_us);
		cap->info = NULL;
		s->st.added++;
		c->changes++;
	}
	c->no_cur = false;
	for (size_t i = 0; i < s->ncaps; i++)
		pt_scan_free_info(s->caps[i].info);
	s->ncaps = 0;
}
