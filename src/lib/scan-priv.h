/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scanner's own state, shared by its files. Each file does one job and
 * calls only the ones listed before it (no cycles):
 *   scan-seen.c      what the scanner remembers between scans, and its reads
 *   scan-pid.c       pid arithmetic: the window of pids handed out, and misses
 *   scan-exec.c      execs seen half done: pending processes, re-reads, reports
 *   scan-discover.c  a process found or gone: what is handed to the core
 *   scan-capture.c   execs the inotify tier's reader threads captured
 *   scan.c           the scans: full and fast, compared with the table
 * The table is read through hooks.table; every change goes to the core
 * through the hooks.
 */
#ifndef PT_SCAN_PRIV_H
#define PT_SCAN_PRIV_H

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
#define PARENT_DEPTH_MAX 16 /* ancestors read out of turn for one process */
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

/* An exec a reader thread saw done, read at seen_us (wall clock); order is
 * its place among the captures handed over since the last scan. */
struct capture {
	struct pt_proc *info;
	int64_t seen_us;
	size_t order;
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
	unsigned parent_depth; /* pt_scan_discover_parent's recursion */
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

static inline bool pt_scan_exec_begun(const struct pending *e)
{
	return e->hi_us != 0;
}

/* scan-seen.c */
int pt_scan_grow(void *pp, size_t *cap, size_t need, size_t size);
bool pt_scan_is_gone(int err);
void pt_scan_free_info(struct pt_proc *info);
ssize_t pt_scan_find_pid(const pid_t *v, size_t n, pid_t pid);
bool pt_scan_in_list(const pid_t *v, size_t n, pid_t pid);
void pt_scan_cur_push(struct ctx *c, pid_t pid, unsigned nthreads);
void pt_scan_unread_push(struct ctx *c, pid_t pid);
void pt_scan_young_add(struct ctx *c, pid_t pid, uint64_t start);
int64_t pt_scan_last_look(const struct ctx *c, pid_t pid, uint64_t start, bool alive);
void pt_scan_young_del(struct pt_scanner *s, pid_t pid);
int64_t pt_scan_fork_lo(const struct ctx *c, const struct pt_proc *info, bool fresh);
struct pt_proc *pt_scan_read(const struct pt_procfs *fs, pid_t pid, unsigned fields,
			     struct pt_stat *si, bool *have_si, int *err);
bool pt_scan_same_args(const struct pt_proc *a, const struct pt_proc *b);
void pt_scan_fill_lacking(struct pt_proc *dst, const struct pt_proc *src, unsigned fields);

/* scan-pid.c */
void pt_scan_count_seen(struct ctx *c, pid_t pid, int r, bool in_win);
bool pt_scan_fresh_pid(const struct ctx *c, pid_t pid, bool past_counter);
void pt_scan_account(struct ctx *c);

/* scan-exec.c */
void pt_scan_report_exec(struct ctx *c, pid_t pid, uint64_t start, struct pt_proc *info, bool exec,
			 int64_t lo, int64_t hi);
void pt_scan_report_half(struct ctx *c, struct pending *e, enum pt_why why);
bool pt_scan_pending_take(struct ctx *c, pid_t pid, struct pending *e);
void pt_scan_pending_add(struct ctx *c, const struct pending *e);
bool pt_scan_argv_not_yet(const struct pt_proc *info, const struct pt_stat *si);
struct pt_proc *pt_scan_half_image(const struct pt_proc *info, const struct pt_stat *si);
void pt_scan_complete(struct pt_proc *info, const struct pt_proc *half);
void pt_scan_changed(struct ctx *c, pid_t pid, struct pt_proc *rec, bool exec, struct pending *e,
		     bool final);
void pt_scan_recheck_pending(struct ctx *c);

/* scan-discover.c */
void pt_scan_sync_threads(struct ctx *c, pid_t pid);
int pt_scan_discover(struct ctx *c, pid_t pid, bool fresh);
void pt_scan_discover_parent(struct ctx *c, const struct pt_proc *info);
void pt_scan_discover_read(struct ctx *c, pid_t pid, bool fresh, struct pt_proc *info,
			   const struct pt_stat *sip);
void pt_scan_vanish(struct ctx *c, struct pt_proc *rec, int64_t lo, int64_t hi);

/* scan-capture.c */
bool pt_scan_counted_has(const struct ctx *c, pid_t pid);
void pt_scan_counted_add(struct ctx *c, pid_t pid);
void pt_scan_use_captures(struct ctx *c);

#endif
