/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc scanner: compares a listing of /proc with the table and reports
 * the differences through the core entry points (or test hooks).
 *
 * The kernel's "last pid" counter, read at each scan, says which pids were
 * handed out since the previous one: the window (previous counter, counter].
 * Pids in the window that we never saw, as a process or as a thread, are what
 * we missed. A full scan lists all of /proc and reads the counter after the
 * listing, so every listed pid is inside. A fast scan reads the counter first
 * and then only the pids above the previous one; what it finds past the
 * counter belongs to the next window (carry).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

#define RESERVED_PIDS 300 /* kernel/pid.c: where the allocator wraps to */
#define PID_MAX_FALLBACK 4194304 /* PID_MAX_LIMIT on 64-bit */
#define STAT_BUF 1024
#define PF_EXITING 0x00000004u /* stat field 9: in do_exit, its mm about to go */
#define PF_FORKNOEXEC 0x00000040u /* forked and not exec'd yet */
#define PF_KTHREAD 0x00200000u
#define PENDING_MAX 1024
#define PENDING_FAST_US 1000000 /* fast scans recheck a pre-exec process this long */
#define PENDING_KEEP_US 10000000 /* full scans give up on it after this */
#define YOUNG_MAX 256 /* fast scans watch this many new processes for exits */
#define YOUNG_US 500000 /* for this long; full scans see every exit */
#define CARRY_MAX 64
#define NEW_MAX 4096 /* more new pids than this: list everything */

enum { ENT_GONE = 1 << 0 };

struct thr_count {
	pid_t pid;
	unsigned nthreads;
};

struct ident {
	pid_t pid;
	uint64_t start;
	/* young processes only: since_us on CLOCK_MONOTONIC; the wall clock
	 * starts of the scan that read it and of the last one that saw it there */
	int64_t since_us, seen_us, alive_us;
};

/*
 * A process read before its exec (PF_FORKNOEXEC: the argv was the parent's),
 * or in the middle of one (the new mm has no argv yet): read it again soon.
 * An exec seen half done waits here, in info, until its argv is there.
 * Before the exec, lo_us is the start of the last scan that saw the process
 * still without it and hi_us is 0; once the exec is known to have begun,
 * [lo_us, hi_us] is when.
 */
struct pending {
	pid_t pid;
	bool no_args;
	uint64_t start;
	int64_t since_us; /* CLOCK_MONOTONIC */
	int64_t lo_us, hi_us;
	struct pt_proc *info;
};

/* An exec a reader thread saw done, read at seen_us (wall clock). */
struct capture {
	struct pt_proc *info;
	int64_t seen_us;
};

struct pt_scanner {
	const struct pt_procfs *fs;
	struct pt_scan_hooks hooks;
	struct pt_scan_stats st;

	pid_t pid_max;
	bool have_last;
	pid_t last_pid; /* the counter at the previous scan */
	bool have_prev_lo;
	pid_t prev_lo; /* the previous window was (prev_lo, last_pid] */
	/* wall clock starts of the last scan and of the last full one: what a
	 * scan finds happened after the last one that looked at that process */
	int64_t last_scan_us, full_us;
	uint64_t acc_alloc; /* pids handed out since the last report */
	uint64_t acc_seen; /* of which accounted for */
	/* read by a fast scan past the counter it had read: they belong to the
	 * next window, and are counted there */
	pid_t carry[CARRY_MAX];
	size_t ncarry;

	/* a full listing, sorted, and a flag per entry */
	pid_t *pids;
	uint8_t *flags;
	size_t npids, flags_cap;
	/* a fast scan's new pids */
	pid_t *cand;
	size_t ncand, cand_cap;

	/* thread counts at the previous full scan, sorted; the next one */
	struct thr_count *prev, *cur;
	size_t nprev, prev_cap, ncur, cur_cap;

	/* pids that could not be read at the last full scan (fast scans skip them) */
	pid_t *unread, *unread_next;
	size_t nunread, unread_cap, nunread_next, unread_next_cap;

	struct ident *gone;
	size_t ngone, gone_cap;

	struct pending pend[PENDING_MAX];
	size_t npend;
	struct act *act;
	size_t nact, act_cap;
	struct ident young[YOUNG_MAX];
	size_t nyoung;

	/* fast scans: the proc root open for seeking (see pt_pidseek_open) */
	bool seek_tried, seek_ok;
	struct pt_pidseek seek;

	/* exec captures handed in by the inotify tier's readers */
	struct capture *caps;
	size_t ncaps, caps_cap;
	/* processes a scan read from a capture, counted: the listing leaves them be */
	pid_t *counted;
	size_t ncounted, counted_cap;
};

struct ctx {
	struct pt_monitor *m;
	struct pt_scanner *s;
	struct pt_table *t;
	enum pt_scan_kind kind;
	bool full;
	bool win; /* the window is known */
	pid_t win_lo, win_hi;
	int64_t start_us; /* wall clock, before anything was read */
	int64_t listed_us; /* after the listing: what it holds existed then */
	size_t prev_i; /* merge cursor into s->prev */
	uint64_t seen; /* window pids accounted for: processes and threads */
	pid_t carry[CARRY_MAX];
	size_t ncarry;
	bool no_cur; /* using captures: not in pid order, thread counts wait */
	int changes;
};

/* What recheck_pending decided: read the process again, or report the exec
 * it holds as it is. */
enum act_kind { ACT_READ, ACT_REPORT };
struct act {
	struct pending e;
	enum act_kind kind;
	bool final; /* read it one last time: report what is there */
};

static const struct pt_scan_hooks default_hooks = {
	.discovered = pt_core_discovered,
	.vanished = pt_core_vanished,
	.missed = pt_core_missed,
	.raw = pt_core_raw,
	.table = pt_core_table,
};

/* ---- small helpers ---- */

static int grow(void *pp, size_t *cap, size_t need, size_t size)
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

static bool is_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

static bool is_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void free_info(struct pt_proc *info)
{
	if (!info)
		return;
	pt_proc_clear(info);
	free(info);
}

static ssize_t find_pid(const pid_t *v, size_t n, pid_t pid)
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

/* ---- pid arithmetic ---- */

static pid_t wrap_base(pid_t to)
{
	return to >= RESERVED_PIDS ? RESERVED_PIDS : 1;
}

uint64_t pt_pid_span(pid_t from, pid_t to, pid_t pid_max)
{
	uint64_t n = 0;
	pid_t base = wrap_base(to);

	if (to >= from)
		return (uint64_t)(to - from);
	if (pid_max - 1 > from)
		n += (uint64_t)(pid_max - 1 - from);
	if (to >= base)
		n += (uint64_t)(to - base + 1);
	return n;
}

bool pt_pid_in_window(pid_t pid, pid_t lo, pid_t hi)
{
	if (hi >= lo)
		return pid > lo && pid <= hi;
	return pid > lo || (pid >= wrap_base(hi) && pid <= hi);
}

/* ---- scanner ---- */

struct pt_scanner *pt_scanner_new(const struct pt_procfs *fs)
{
	struct pt_scanner *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fs = fs;
	s->hooks = default_hooks;
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
		free_info(s->pend[i].info);
	for (size_t i = 0; i < s->ncaps; i++)
		free_info(s->caps[i].info);
	free(s->caps);
	free(s->counted);
	pt_pidseek_close(&s->seek);
	free(s);
}

void pt_scanner_set_hooks(struct pt_scanner *s, const struct pt_scan_hooks *h)
{
	s->hooks = default_hooks;
	if (!h)
		return;
	if (h->discovered)
		s->hooks.discovered = h->discovered;
	if (h->vanished)
		s->hooks.vanished = h->vanished;
	if (h->missed)
		s->hooks.missed = h->missed;
	if (h->raw)
		s->hooks.raw = h->raw;
	if (h->table)
		s->hooks.table = h->table;
}

void pt_scanner_stats(const struct pt_scanner *s, struct pt_scan_stats *st)
{
	*st = s->st;
}

static void cur_push(struct ctx *c, pid_t pid, unsigned nthreads)
{
	struct pt_scanner *s = c->s;

	if (!c->full || c->no_cur || grow(&s->cur, &s->cur_cap, s->ncur + 1, sizeof(*s->cur)) < 0)
		return;
	s->cur[s->ncur++] = (struct thr_count){pid, nthreads};
}

static void unread_push(struct ctx *c, pid_t pid)
{
	struct pt_scanner *s = c->s;

	s->st.unreadable++;
	if (!c->full ||
	    grow(&s->unread_next, &s->unread_next_cap, s->nunread_next + 1, sizeof(pid_t)) < 0)
		return;
	s->unread_next[s->nunread_next++] = pid;
}

static void young_add(struct ctx *c, pid_t pid, uint64_t start)
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
static int64_t last_look(const struct ctx *c, pid_t pid, uint64_t start, bool alive)
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

static void young_del(struct pt_scanner *s, pid_t pid)
{
	for (size_t i = 0; i < s->nyoung; i++) {
		if (s->young[i].pid != pid)
			continue;
		memmove(s->young + i, s->young + i + 1, (s->nyoung - i - 1) * sizeof(s->young[0]));
		s->nyoung--;
		return;
	}
}

static bool in_list(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/* A pid handed out in the window before this one: counted as missed then. */
static bool late(const struct ctx *c, pid_t pid)
{
	const struct pt_scanner *s = c->s;

	return c->win && s->have_prev_lo && pt_pid_in_window(pid, s->prev_lo, c->win_lo);
}

/* Whether a pid counts against the window: it was handed out and we know of
 * it (read, or unreadable); one that went before we could read it is a miss.
 * Carried pids were counted already. */
static void count_seen(struct ctx *c, pid_t pid, int r, bool in_win)
{
	if (is_gone(r) || in_list(c->s->carry, c->s->ncarry, pid))
		return;
	if (in_win || (r == 0 && late(c, pid)))
		c->seen++;
}

static int collect_tid(pid_t tid, void *data)
{
	struct pt_scanner *s = data;

	if (grow(&s->gone, &s->gone_cap, s->ngone + 1, sizeof(*s->gone)) < 0)
		return -ENOMEM;
	s->gone[s->ngone++] = (struct ident){.pid = tid};
	return 0;
}

/* Record the threads of pid in the table and drop the ones that ended. */
static void sync_threads(struct ctx *c, pid_t pid)
{
	struct pt_scanner *s = c->s;
	pid_t *tids;
	size_t n;

	if (pt_procfs_list(s->fs, pid, &tids, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (tids[i] != pid)
			pt_table_thread_add(c->t, tids[i], pid);
	s->ngone = 0;
	pt_table_foreach_thread(c->t, pid, collect_tid, s);
	for (size_t i = 0; i < s->ngone; i++)
		if (s->gone[i].pid != pid && find_pid(tids, n, s->gone[i].pid) < 0)
			pt_table_thread_del(c->t, s->gone[i].pid);
	s->ngone = 0;
	free(tids);
}

static struct pt_proc *read_info(const struct pt_procfs *fs, pid_t pid, unsigned fields,
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
		if (is_gone(r) || is_denied(r)) {
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
	if (r == -ENOMEM || is_gone(r) || !pt_proc_has(info, PT_F_START)) {
		if (r == -ENOMEM)
			*err = r;
		else if (is_gone(r) || info->why[PT_F_START] == PT_WHY_GONE)
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

/* Report an exec (or only a new comm) of a known process, which happened in
 * [lo, hi]; consumes info. */
static void report_exec(struct ctx *c, pid_t pid, uint64_t start, struct pt_proc *info, bool exec,
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
	free_info(raw.info); /* a hook that did not consume it */
	c->s->st.execs++;
	c->changes++;
}

static bool exec_begun(const struct pending *e)
{
	return e->hi_us != 0;
}

/* An exec whose argv we never got: report what we have, the argv missing
 * for the reason given. Consumes e->info. */
static void report_half(struct ctx *c, struct pending *e, enum pt_why why)
{
	struct pt_proc *info = e->info;

	e->info = NULL;
	if (!info || !exec_begun(e)) {
		free_info(info);
		return;
	}
	pt_proc_set_args(info, NULL, 0, false);
	pt_proc_set_missing(info, PT_F_ARGV, why);
	report_exec(c, e->pid, e->start, info, true, e->lo_us, e->hi_us);
}

/* Take pid's entry off the pending list into *e; the caller owns e->info. */
static bool pending_take(struct ctx *c, pid_t pid, struct pending *e)
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

static void pending_add(struct ctx *c, const struct pending *e)
{
	struct pt_scanner *s = c->s;
	struct pending old;

	if (s->npend == PENDING_MAX && pending_take(c, s->pend[0].pid, &old))
		report_half(c, &old, PT_WHY_NOT_READ);
	s->pend[s->npend++] = *e;
}

/* After the listing, a pid was handed out since the previous scan read the
 * counter, unless the counter went round. */
static bool fresh_pid(const struct ctx *c, pid_t pid, bool past_counter)
{
	if (!c->win ||
	    pt_pid_span(c->win_lo, c->win_hi, c->s->pid_max) > (uint64_t)c->s->pid_max / 2)
		return false;
	return past_counter || pt_pid_in_window(pid, c->win_lo, c->win_hi);
}

/* When a process we never saw was born: after the last scan if its pid is new
 * since, else after the last full scan, which would have listed it. */
static int64_t fork_lo(const struct ctx *c, const struct pt_proc *info, bool fresh)
{
	long hz = c->s->fs->clk_tck > 0 ? c->s->fs->clk_tck : 100;
	int64_t lo = fresh ? c->s->last_scan_us : c->s->full_us;

	/* older than that (unreadable then): its start time, in ticks, says so */
	if (info->start_us && info->start_us + 2 * 1000000 / hz < lo)
		lo = info->start_us;
	return lo;
}

/*
 * Read before its exec, or in the middle of it: what /proc shows is not an
 * image of its own. Its record gets the parent's (a fork copies it), marked
 * inherited, so that the core reports the fork and leaves the exec for later.
 * In the middle of an exec the exe is already the new one and the comm may
 * be, so the parent's replace them.
 */
static void inherit_image(struct ctx *c, struct pt_proc *info, bool mid_exec)
{
	static const enum pt_field image[] = {PT_F_COMM, PT_F_EXE, PT_F_ARGV};
	const struct pt_proc *parent = NULL;

	if (pt_proc_has(info, PT_F_PPID))
		parent = pt_table_get_live(c->t, info->ppid);
	for (size_t i = 0; i < PT_ARRAY_SIZE(image); i++) {
		enum pt_field f = image[i];

		if (parent && pt_proc_has(parent, f) && (mid_exec || !pt_proc_has(info, f)))
			pt_proc_merge(info, parent, PT_FMASK(f));
		if (pt_proc_has(info, f))
			info->src[f] = PT_SRC_INHERITED;
	}
	if (!pt_proc_has(info, PT_F_ARGV)) {
		/* not from the parent: known to be its, empty, and not an exec */
		pt_proc_set_args(info, NULL, 0, false);
		pt_proc_set_known(info, PT_F_ARGV, PT_SRC_INHERITED);
	}
}

/*
 * A live process whose argv reads empty: its exec has begun and the new argv
 * is not there yet. procfs calls the argv known (and empty) only for a kernel
 * thread or a process not exiting, and a zombie's when the exe is not readable
 * either (another user's process): si, when there, says it is not exiting.
 */
static bool argv_not_yet(const struct pt_proc *info, const struct pt_stat *si)
{
	if (si && (si->flags & (PF_EXITING | PF_KTHREAD) || si->state == 'Z' || si->state == 'X'))
		return false;
	if (pt_proc_has(info, PT_F_ARGV))
		return info->args_len == 0 && info->why[PT_F_EXE] != PT_WHY_KERNEL;
	return si && info->why[PT_F_ARGV] == PT_WHY_ZOMBIE && !(si->flags & PF_FORKNOEXEC);
}

/* What a process read in the middle of its exec shows of the new image:
 * the exe, and the comm once PF_FORKNOEXEC is cleared. */
static struct pt_proc *half_image(const struct pt_proc *info, const struct pt_stat *si)
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
		free_info(half);
		return NULL;
	}
	pt_proc_set_missing(half, PT_F_ARGV, PT_WHY_NOT_READ);
	return half;
}

/* Read a process we do not know and hand it to the core. 0 or -errno:
 * -ESRCH it went before we could read it, else it could not be read.
 * fresh: its pid was handed out since the previous scan. */
static void discover_read(struct ctx *c, pid_t pid, bool fresh, struct pt_proc *info,
			  const struct pt_stat *sip);

static int discover(struct ctx *c, pid_t pid, bool fresh)
{
	struct pt_scanner *s = c->s;
	struct pt_stat si;
	struct pt_proc *info;
	bool have_si;
	int err;

	info = read_info(s->fs, pid, PT_FMASK_ALL, &si, &have_si, &err);
	if (!info) {
		if (is_gone(err)) {
			s->st.raced++;
			return -ESRCH;
		}
		unread_push(c, pid);
		return err;
	}
	discover_read(c, pid, fresh, info, have_si ? &si : NULL);
	return 0;
}

/* discover() once it has read the process (consumes info; sip NULL: no stat). */
static void discover_read(struct ctx *c, pid_t pid, bool fresh, struct pt_proc *info,
			  const struct pt_stat *sip)
{
	struct pt_scanner *s = c->s;
	struct pending e = {.pid = pid};
	struct pt_stat si = {0};
	bool have_si = sip != NULL, watch;
	unsigned nthreads;
	int64_t lo;

	if (sip)
		si = *sip;
	nthreads = info->nthreads ? info->nthreads : 1;
	/* its other threads took pids too, most likely in this window */
	c->seen += nthreads - 1;
	cur_push(c, pid, nthreads);
	lo = fork_lo(c, info, fresh);
	/* scanning tiers read it again for the exec; the others get it as an event */
	watch = c->kind == PT_SCAN_SYNTH && have_si && !(si.flags & PF_KTHREAD) &&
		si.state != 'Z' && si.state != 'X';
	e.start = info->start;
	e.since_us = pt_mono_us();
	if (argv_not_yet(info, have_si ? &si : NULL)) {
		/* the exec began before this read: report it once its argv is there */
		e.no_args = true;
		e.lo_us = lo;
		e.hi_us = pt_now_us();
		if (watch)
			e.info = half_image(info, &si);
		inherit_image(c, info, true);
	} else if (have_si && (si.flags & PF_FORKNOEXEC)) {
		e.lo_us = c->start_us;
		inherit_image(c, info, false);
	} else {
		e.since_us = 0;
	}
	if (watch) {
		young_add(c, pid, info->start);
		if (e.since_us)
			pending_add(c, &e);
	}
	s->hooks.discovered(c->m, info, c->kind, lo, c->listed_us);
	s->st.added++;
	c->changes++;
	if (c->kind != PT_SCAN_SYNTH && nthreads > 1)
		sync_threads(c, pid);
}

/* ---- exec captures (the inotify tier's reader threads) ---- */

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
		return is_gone(err) ? PT_CAPTURE_GONE : PT_CAPTURE_SKIP;
	if (*start && !pt_same_start(si.start, *start))
		return PT_CAPTURE_GONE;
	*start = si.start;
	exiting = (si.flags & PF_EXITING) || si.state == 'Z' || si.state == 'X';
	if (si.flags & PF_KTHREAD)
		return PT_CAPTURE_SKIP;
	if (si.flags & PF_FORKNOEXEC) /* before its exec; or it ends without one */
		return exiting ? PT_CAPTURE_SKIP : PT_CAPTURE_WAIT;
	/* its exec has begun: the stat just read stands for the one read_info
	 * would read before the argv */
	info = read_info(fs, pid, PT_FMASK_EXEC_CAPTURE, NULL, &have_si, &err);
	if (!info)
		return is_gone(err) ? PT_CAPTURE_GONE : PT_CAPTURE_SKIP;
	if (!pt_same_start(info->start, *start)) {
		/* the pid was handed out again */
		free_info(info);
		return PT_CAPTURE_GONE;
	}
	if (argv_not_yet(info, &si)) {
		/* in the middle of its exec */
		free_info(info);
		return PT_CAPTURE_WAIT;
	}
	if (!pt_proc_has(info, PT_F_ARGV) || info->args_len == 0) {
		/* exiting, its argv gone with its mm: nothing to add */
		free_info(info);
		return PT_CAPTURE_SKIP;
	}
	*out = info;
	return PT_CAPTURE_EXEC;
}

int pt_scanner_add_capture(struct pt_scanner *s, struct pt_proc *info, int64_t seen_us)
{
	if (grow(&s->caps, &s->caps_cap, s->ncaps + 1, sizeof(*s->caps)) < 0) {
		free_info(info);
		return -ENOMEM;
	}
	s->caps[s->ncaps++] = (struct capture){info, seen_us};
	return 0;
}

/* A known process is gone: it exited in [lo, hi]. */
static void vanish(struct ctx *c, struct pt_proc *rec, int64_t lo, int64_t hi)
{
	pid_t pid = rec->pid;
	uint64_t start = rec->start;
	struct pending e;

	/* an exec we saw begin happened before the exit */
	if (pending_take(c, pid, &e))
		report_half(c, &e, PT_WHY_GONE);
	rec = pt_table_get_live(c->t, pid);
	if (!rec || rec->start != start)
		return;
	young_del(c->s, rec->pid);
	c->s->hooks.vanished(c->m, rec, c->kind, lo, hi);
	c->s->st.vanished++;
	c->changes++;
}

static bool same_args(const struct pt_proc *a, const struct pt_proc *b)
{
	return a->args_len == b->args_len &&
		(!a->args_len || memcmp(a->args, b->args, a->args_len) == 0);
}

/* What a read did not find that the half-read exec had: keep it (the exe of
 * a zombie is gone, but it was read before). Never the argv: it had none. */
/* The fields among these that dst lacks and src has, from src. */
static void fill_lacking(struct pt_proc *dst, const struct pt_proc *src, unsigned fields)
{
	unsigned lacks = 0;

	for (unsigned f = 0; f < PT_F_COUNT; f++)
		if ((fields & PT_FMASK(f)) && !pt_proc_has(dst, (enum pt_field)f))
			lacks |= PT_FMASK(f);
	pt_proc_merge(dst, src, lacks); /* merges only what src has */
}

static void complete(struct pt_proc *info, const struct pt_proc *half)
{
	fill_lacking(info, half, PT_FMASK_EXEC_READ & ~PT_FMASK(PT_F_ARGV));
}

/*
 * A known process changed its name, or the one in e (taken off the pending
 * list, or NULL) may have finished its exec: read it again and report an
 * exec, or only a new comm when image and argv are the same. An exec whose
 * argv is not there yet goes back on the list, unless final.
 */
static void changed(struct ctx *c, pid_t pid, struct pt_proc *rec, bool exec, struct pending *e,
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
		p.lo_us = last_look(c, pid, rec->start, false);
	if (exec_begun(&p))
		exec = true;
	info = read_info(s->fs, pid, PT_FMASK_EXEC_READ, &si, &have_si, &err);
	if (!info || !pt_same_start(info->start, p.start)) {
		/* gone, or its pid handed out again */
		if (info)
			err = -ESRCH;
		free_info(info);
		report_half(c, &p, pt_procfs_why(err));
		return;
	}
	if (!exec_begun(&p))
		p.hi_us = pt_now_us();
	if (p.info)
		complete(info, p.info);
	free_info(p.info);
	p.info = NULL;
	if (!exec && e && have_si && !(si.flags & PF_FORKNOEXEC))
		exec = true; /* it was waiting for it */
	if (!exec)
		exec = !same_str(info->exe, rec->exe) || !same_args(info, rec);
	if (exec && !final && argv_not_yet(info, have_si ? &si : NULL)) {
		/* past the point of no return, before the new argv is set up */
		pt_proc_set_args(info, NULL, 0, false);
		pt_proc_set_missing(info, PT_F_ARGV, PT_WHY_NOT_READ);
		p.no_args = true;
		p.info = info;
		pending_add(c, &p);
		return;
	}
	if (!exec) {
		/* a new name only: when was the name last read? */
		p.lo_us = last_look(c, pid, p.start, false);
		if (e && have_si && (si.flags & PF_FORKNOEXEC)) {
			/* renamed before its exec: still waiting for it */
			struct pending w = p;

			w.lo_us = c->start_us;
			w.hi_us = 0;
			pending_add(c, &w);
		}
	}
	report_exec(c, pid, p.start, info, exec, p.lo_us, p.hi_us);
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
		if (!exec_begun(e) && (si.flags & PF_FORKNOEXEC))
			return ACT_REPORT;
		return ACT_READ;
	}
	if (e->no_args ? pt_procfs_has_args(c->s->fs, e->pid) : !(si.flags & PF_FORKNOEXEC))
		return ACT_READ;
	if (age > PENDING_KEEP_US) {
		/* a worker that never execs, or an argv that stays empty */
		*final = true;
		return exec_begun(e) ? ACT_READ : ACT_REPORT;
	}
	if (!exec_begun(e))
		e->lo_us = c->start_us;
	return -1;
}

/* Processes seen before or during their exec: is it done? */
static void recheck_pending(struct ctx *c)
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
			free_info(e.info);
			continue;
		}
		kind = pending_check(c, &e, age, &final);
		if (kind < 0) {
			s->pend[keep++] = e;
			continue;
		}
		if (grow(&s->act, &s->act_cap, s->nact + 1, sizeof(*s->act)) < 0) {
			free_info(e.info);
			continue;
		}
		s->act[s->nact++] = (struct act){e, (enum act_kind)kind, final};
	}
	s->npend = keep;
	for (size_t i = 0; i < s->nact; i++) {
		struct act a = s->act[i];
		struct pt_proc *rec = pt_table_get_live(c->t, a.e.pid);

		if (!rec || !pt_same_start(rec->start, a.e.start))
			free_info(a.e.info);
		else if (a.kind == ACT_READ)
			changed(c, a.e.pid, rec, true, &a.e, a.final);
		else
			report_half(c, &a.e, PT_WHY_GONE);
	}
	s->nact = 0;
}

/*
 * A reader saw the exec of a process the core read before it (it waits on the
 * pending list): the capture holds its argv. Whatever a read now adds of the
 * same image (exe, creds) completes it.
 */
static void captured_exec(struct ctx *c, struct pending *e, struct capture *cap)
{
	struct pt_proc *info = cap->info, *now;
	struct pt_stat si;
	bool have_si;
	int err;

	cap->info = NULL;
	now = read_info(c->s->fs, e->pid, PT_FMASK_EXEC_READ, &si, &have_si, &err);
	if (now && pt_same_start(now->start, e->start) && same_args(now, info))
		fill_lacking(info, now, PT_FMASK_EXEC_READ);
	free_info(now);
	if (e->info)
		complete(info, e->info);
	free_info(e->info);
	e->info = NULL;
	if (!exec_begun(e))
		e->hi_us = cap->seen_us;
	report_exec(c, e->pid, e->start, info, true, e->lo_us, e->hi_us);
}

static void counted_add(struct ctx *c, pid_t pid)
{
	struct pt_scanner *s = c->s;

	if (grow(&s->counted, &s->counted_cap, s->ncounted + 1, sizeof(pid_t)) == 0)
		s->counted[s->ncounted++] = pid;
}

static bool counted_has(const struct ctx *c, pid_t pid)
{
	return in_list(c->s->counted, c->s->ncounted, pid);
}

/*
 * Execs the readers saw. A process the core knows waiting for its exec gets
 * it; one known with another image had an exec the core missed; one it does
 * not know is read now, or, gone already, known by what the capture holds
 * (and its exit reported by check_young). Others are old news.
 */
static void use_captures(struct ctx *c)
{
	struct pt_scanner *s = c->s;

	/* the listing that follows records thread counts, in pid order */
	c->no_cur = true;
	for (size_t i = 0; i < s->ncaps; i++) {
		struct capture *cap = &s->caps[i];
		pid_t pid = cap->info->pid;
		uint64_t start = cap->info->start;
		struct pt_proc *rec = pt_table_get_live(c->t, pid);
		bool fresh = fresh_pid(c, pid, false), have_si, exiting;
		struct pt_stat si;
		struct pt_proc *now;
		struct pending e;
		int err;

		if (rec && pt_same_start(rec->start, start)) {
			if (pending_take(c, pid, &e)) {
				captured_exec(c, &e, cap);
			} else if (pt_proc_has(rec, PT_F_ARGV) && !same_args(rec, cap->info)) {
				/* an exec between the core's read and the reader's */
				report_exec(c, pid, start, cap->info, true,
					    last_look(c, pid, start, false), cap->seen_us);
				cap->info = NULL;
			}
			continue;
		}
		if (rec)
			vanish(c, rec, last_look(c, pid, rec->start, true), cap->seen_us);
		if (in_list(s->carry, s->ncarry, pid))
			continue;
		now = read_info(s->fs, pid, PT_FMASK_ALL, &si, &have_si, &err);
		if (now && !pt_same_start(now->start, start)) {
			free_info(now); /* gone, its pid handed out again */
			now = NULL;
		}
		/* never counted: no scan saw it (or it was gone when read) */
		c->seen++;
		counted_add(c, pid);
		exiting = now &&
			(!have_si || (si.flags & PF_EXITING) || si.state == 'Z' || si.state == 'X');
		if (now && !exiting && same_args(now, cap->info)) {
			/* there, as it was: what was read now */
			discover_read(c, pid, fresh, now, &si);
			continue;
		}
		if (exiting) {
			/* its creds, cwd... are still its own */
			fill_lacking(cap->info, now, PT_FMASK_ALL);
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
		free_info(now);
		young_add(c, pid, start);
		s->hooks.discovered(c->m, cap->info, c->kind, fork_lo(c, cap->info, fresh),
				    cap->seen_us);
		cap->info = NULL;
		s->st.added++;
		c->changes++;
	}
	c->no_cur = false;
	for (size_t i = 0; i < s->ncaps; i++)
		free_info(s->caps[i].info);
	s->ncaps = 0;
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
		if (!is_gone(r))
			unread_push(c, pid);
		return is_gone(r) ? -ESRCH : r;
	}
	if (!pt_same_start(si.start, rec->start)) {
		/* the pid was handed out again: the process we knew is gone */
		vanish(c, rec, last_look(c, pid, rec->start, true), pt_now_us());
		return discover(c, pid, fresh);
	}
	if (c->full) {
		while (c->prev_i < s->nprev && s->prev[c->prev_i].pid < pid)
			c->prev_i++;
		if (c->prev_i < s->nprev && s->prev[c->prev_i].pid == pid &&
		    si.nthreads > (long)s->prev[c->prev_i].nthreads)
			c->seen += (uint64_t)si.nthreads - s->prev[c->prev_i].nthreads;
		cur_push(c, pid, si.nthreads > 0 ? (unsigned)si.nthreads : 1);
	}
	if (c->kind != PT_SCAN_SNAPSHOT && pt_proc_has(rec, PT_F_COMM) &&
	    strncmp(si.comm, rec->comm, PT_COMM_LEN) != 0) {
		if (pending_take(c, pid, &e))
			changed(c, pid, rec, false, &e, false);
		else
			changed(c, pid, rec, false, NULL, false);
		rec = pt_table_get_live(c->t, pid);
	}
	if (c->kind != PT_SCAN_SYNTH && rec && (si.nthreads > 1 || rec->nthreads > 1))
		sync_threads(c, pid);
	return 0;
}

static int collect_vanished(const struct pt_proc *p, void *data)
{
	struct ctx *c = data;
	struct pt_scanner *s = c->s;
	ssize_t i = find_pid(s->pids, s->npids, p->pid);

	if (i >= 0 && !(s->flags[i] & ENT_GONE))
		return 0;
	if (grow(&s->gone, &s->gone_cap, s->ngone + 1, sizeof(*s->gone)) < 0)
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
		int64_t hi = find_pid(s->pids, s->npids, g.pid) >= 0 ? pt_now_us() : c->listed_us;

		if (rec && rec->start == g.start)
			vanish(c, rec, last_look(c, g.pid, g.start, true), hi);
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
		if (r == 0 || !is_gone(r)) {
			e.alive_us = c->start_us;
			s->young[keep++] = e;
			continue;
		}
		if (grow(&s->gone, &s->gone_cap, s->ngone + 1, sizeof(*s->gone)) == 0)
			s->gone[s->ngone++] = e;
	}
	s->nyoung = keep;
	hi = pt_now_us();
	for (size_t i = 0; i < s->ngone; i++) {
		struct ident g = s->gone[i];
		struct pt_proc *rec = pt_table_get_live(c->t, g.pid);
		int64_t lo = g.alive_us > s->full_us ? g.alive_us : s->full_us;

		if (rec && rec->start == g.start)
			vanish(c, rec, lo, hi);
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
	r = grow(&s->flags, &s->flags_cap, s->npids ? s->npids : 1, 1);
	if (r < 0)
		return r;
	memset(s->flags, 0, s->npids);
	return 0;
}

static int cand_push(pid_t pid, void *data)
{
	struct pt_scanner *s = data;

	if (grow(&s->cand, &s->cand_cap, s->ncand + 1, sizeof(pid_t)) < 0)
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
		if (grow(&s->cand, &s->cand_cap, s->ncand + 1, sizeof(pid_t)) < 0)
			return -ENOMEM;
		s->cand[s->ncand++] = pid;
	}
	return 0;
}

/* ---- the scans ---- */

static void account(struct ctx *c)
{
	struct pt_scanner *s = c->s;
	uint64_t missed;

	if (c->win) {
		s->acc_alloc += pt_pid_span(c->win_lo, c->win_hi, s->pid_max);
		/* what the previous scan read past its counter is in this window */
		s->acc_seen += c->seen + s->ncarry;
	}
	if (c->kind == PT_SCAN_SYNTH && !c->full)
		return;
	if (c->kind == PT_SCAN_SYNTH && s->acc_alloc > s->acc_seen) {
		missed = s->acc_alloc - s->acc_seen;
		s->st.missed_est += missed;
		s->hooks.missed(c->m, missed, "pids handed out between scans that no scan saw");
	}
	s->acc_alloc = s->acc_seen = 0;
}

static void finish(struct ctx *c, bool have_now, pid_t now_last)
{
	struct pt_scanner *s = c->s;

	account(c);
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

	bool fresh = fresh_pid(c, pid, false);

	r = rec ? check_known(c, pid, rec, fresh) : discover(c, pid, fresh);
	if (is_gone(r))
		s->flags[idx] |= ENT_GONE;
	if (!counted_has(c, pid))
		count_seen(c, pid, r, in_win);
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
		use_captures(&c);
		recheck_pending(&c);
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
	bool fresh = fresh_pid(c, pid, past);
	struct pt_proc *rec;
	int r;

	if (in_list(s->carry, s->ncarry, pid) || counted_has(c, pid))
		return;
	rec = pt_table_get_live(c->t, pid);
	if (rec) {
		/* in the window, a known pid may have been handed out again */
		if (in_win)
			count_seen(c, pid, check_known(c, pid, rec, fresh), in_win);
		return;
	}
	if (find_pid(s->unread, s->nunread, pid) >= 0) {
		/* unreadable at the last full scan: leave it to the next one */
		count_seen(c, pid, -EACCES, in_win);
		return;
	}
	r = discover(c, pid, fresh);
	if (r == 0 && !in_win && past && c->ncarry < CARRY_MAX) {
		c->carry[c->ncarry++] = pid;
		return;
	}
	count_seen(c, pid, r, in_win);
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
	use_captures(&c);

	r = list_new(&c, c.win_lo, c.win_hi, &seeked);
	if (r < 0)
		return r;
	c.listed_us = pt_now_us();
	for (size_t i = 0; i < s->ncand; i++)
		fast_entry(&c, s->cand[i], now_last);
	if (seeked)
		s->st.early += s->ncand;
	recheck_pending(&c);
	check_young(&c);
	finish(&c, true, now_last);
	return c.changes;
}
