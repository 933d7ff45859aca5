/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc scanner, shared by the initial snapshot, the resync after a loss
 * and the scanning tiers (inotify, poll). It compares /proc with the table
 * and reports differences to the core through its hooks; the core decides
 * what they mean and is the only writer of the table. The scanner's files
 * are listed in scan-priv.h.
 */
#ifndef PT_SCAN_H
#define PT_SCAN_H

#include "internal.h"

enum pt_scan_kind {
	PT_SCAN_SNAPSHOT, /* initial fill: no events are emitted */
	PT_SCAN_RESYNC, /* after a loss: new processes marked PT_WHY_LOST, vanished ones exit-unknown */
	PT_SCAN_SYNTH, /* scanning tier: fork/exec/exit events synthesised */
};

struct pt_scanner;

struct pt_scan_stats {
	uint64_t scans;
	uint64_t added, vanished;
	uint64_t unreadable; /* entries we could not read (hidepid, EACCES) */
	uint64_t missed_est; /* pids used between scans that we never saw */
	pid_t last_pid; /* highest pid allocated, as last read */
	uint64_t execs; /* execs (or comm changes) noticed in known processes */
	uint64_t raced; /* new entries gone before they could be read */
	uint64_t early; /* new pids a fast scan found by seeking past the old ones */
	uint64_t captured; /* processes known only from a reader's capture (gone when read) */
	uint64_t parents_first; /* parents read out of turn: found after a child */
};

void pt_scanner_free(struct pt_scanner *s);
/*
 * Scan /proc. For every process that the table does not hold alive with the
 * same start time, read it (argv first) and call hooks.discovered; for
 * every live record whose process is gone, call hooks.vanished. With
 * PT_SCAN_SYNTH the scanner also estimates the pids allocated and never seen
 * since the previous scan and reports them with hooks.missed.
 * Returns the number of differences or -errno.
 */
int pt_scan(struct pt_monitor *m, struct pt_scanner *s, enum pt_scan_kind kind);
/* The scanning tiers' gaps: what /proc does not show (their .gaps). */
void pt_scan_gaps(const struct pt_options *o, void *priv, struct pt_event_gaps *g);
/* A fast scan: only pids above the highest one seen (wrapping), for inotify. */
int pt_scan_new(struct pt_monitor *m, struct pt_scanner *s);
void pt_scanner_stats(const struct pt_scanner *s, struct pt_scan_stats *st);

/* What a scan saw of a new process's image. */
enum pt_scan_image {
	PT_IMAGE_OWN, /* its own: argv, exe and comm as read */
	PT_IMAGE_PRE_EXEC, /* read before its exec (PF_FORKNOEXEC): still its parent's */
	PT_IMAGE_MID_EXEC, /* read in the middle of its exec: the new exe, no argv yet */
};

/*
 * What a scanner tells the core. The scanner reads the table through table()
 * and never writes it: everything it finds goes through these, in order.
 */
struct pt_scan_hooks {
	/* a process the table does not hold alive; consumes info */
	void (*discovered)(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_image img,
			   enum pt_scan_kind kind, int64_t lo_us, int64_t hi_us);
	/* a live record whose process is gone, exited in [lo_us, hi_us] */
	void (*vanished)(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
			 int64_t lo_us, int64_t hi_us);
	void (*missed)(struct pt_monitor *m, uint64_t count, const char *reason);
	void (*raw)(struct pt_monitor *m, struct pt_raw *ev); /* an exec of a known process */
	/* the threads of pid, sorted, as its task directory lists them */
	void (*threads)(struct pt_monitor *m, pid_t pid, const pid_t *tids, size_t n);
	struct pt_table *(*table)(struct pt_monitor *m);
};

/* Every member of hooks must be set: the core's (pt_core_scan_hooks) or a test's. */
struct pt_scanner *pt_scanner_new(const struct pt_procfs *fs, const struct pt_scan_hooks *hooks);

/* Pid arithmetic, following the allocator: after pid_max - 1 it wraps to 300
 * (RESERVED_PIDS), or to 1 when the counter is still below 300. */
/* How many pids the counter advanced from last pid `from` to `to`. */
uint64_t pt_pid_span(pid_t from, pid_t to, pid_t pid_max);
/* Whether pid lies in (lo, hi], the pids handed out between two readings. */
bool pt_pid_in_window(pid_t pid, pid_t lo, pid_t hi);
/*
 * Exec captures: the inotify tier's reader threads read each new process the
 * moment an open in a watched directory wakes them, and again until its exec
 * is done, and hand the core what they saw. Thread-safe (no table access).
 */
enum pt_capture {
	PT_CAPTURE_EXEC, /* its exec is done: *out holds argv, exe, comm, ppid, start */
	PT_CAPTURE_WAIT, /* before or in the middle of its exec: read it again later */
	PT_CAPTURE_GONE, /* gone, or *start says the pid was handed out again */
	PT_CAPTURE_SKIP, /* unreadable, a kernel thread, or exiting without its argv */
};
/* *start: 0 for a process not read before (then set), else the one expected. */
enum pt_capture pt_scan_capture(const struct pt_procfs *fs, pid_t pid, uint64_t *start,
				struct pt_proc **out);
/* Hand a capture (consumed) to the scanner; the next scan uses it. */
int pt_scanner_add_capture(struct pt_scanner *s, struct pt_proc *info, int64_t seen_us);

/* ---- the inotify tier's watch list (source-inotify.c) ---- */
struct pt_watch_dirs {
	char **path;
	dev_t *dev;
	ino_t *ino;
	size_t n, cap;
	unsigned dups; /* skipped: the same directory under another name */
};
void pt_watch_dirs_init(struct pt_watch_dirs *d);
void pt_watch_dirs_free(struct pt_watch_dirs *d);
/* Add an existing directory unless its (dev, ino) is there: 1 added, 0 not, -errno. */
int pt_watch_dirs_add(struct pt_watch_dirs *d, const char *path);
/* Absolute entries of a colon-separated list such as $PATH. */
int pt_watch_dirs_add_list(struct pt_watch_dirs *d, const char *list);
/* The directories of an ld.so.conf, following its include lines. */
int pt_watch_dirs_add_ldconf(struct pt_watch_dirs *d, const char *conf);
/* What the inotify tier watches: path_env (PATH), the standard bin and lib
 * directories, ld.so.conf's, the multiarch ones, /etc, then extra. */
int pt_watch_dirs_default(struct pt_watch_dirs *d, const char *path_env, const char *const *extra);

/* ---- the core's side (monitor.c), for the scanner's owners ---- */
/* The hooks that apply what a scanner finds to the monitor's table. */
const struct pt_scan_hooks *pt_core_scan_hooks(void);
/*
 * A process read before or during its exec shows no image of its own: its
 * record gets the parent's (a fork copies it), marked inherited, so that the
 * core reports the fork and leaves the exec for later. In the middle of an
 * exec the exe is already the new one and the comm may be, so the parent's
 * replace them. Nothing for PT_IMAGE_OWN.
 */
void pt_core_inherit_image(const struct pt_table *t, struct pt_proc *info, enum pt_scan_image img);

#endif
