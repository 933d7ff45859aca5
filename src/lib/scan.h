/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc scanner, shared by the initial snapshot, the resync after a loss
 * and the scanning tiers (inotify, poll). It compares /proc with the table
 * and reports differences to the core; the core decides what they mean.
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
};

struct pt_scanner *pt_scanner_new(const struct pt_procfs *fs);
void pt_scanner_free(struct pt_scanner *s);
/*
 * Scan /proc. For every process that the table does not hold alive with the
 * same start time, read it (argv first) and call pt_core_discovered(); for
 * every live record whose process is gone, call pt_core_vanished(). With
 * PT_SCAN_SYNTH the scanner also estimates the pids allocated and never seen
 * since the previous scan and reports them with pt_core_missed().
 * Returns the number of differences or -errno.
 */
int pt_scan(struct pt_monitor *m, struct pt_scanner *s, enum pt_scan_kind kind);
/* A fast scan: only pids above the highest one seen (wrapping), for inotify. */
int pt_scan_new(struct pt_monitor *m, struct pt_scanner *s);
void pt_scanner_stats(const struct pt_scanner *s, struct pt_scan_stats *st);

/*
 * The core entry points a scanner calls; pt_core_* unless replaced (tests
 * observe a scan through these without a monitor).
 */
struct pt_scan_hooks {
	void (*discovered)(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_kind kind,
			   int64_t lo_us, int64_t hi_us);
	void (*vanished)(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
			 int64_t lo_us, int64_t hi_us);
	void (*missed)(struct pt_monitor *m, uint64_t count, const char *reason);
	void (*raw)(struct pt_monitor *m, struct pt_raw *ev); /* an exec of a known process */
	struct pt_table *(*table)(struct pt_monitor *m);
};
/* NULL restores the defaults; a NULL member keeps its default. */
void pt_scanner_set_hooks(struct pt_scanner *s, const struct pt_scan_hooks *h);

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

/* Core entry points the scanner calls (monitor.c). */
void pt_core_discovered(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_kind kind,
			int64_t lo_us, int64_t hi_us); /* consumes info */
void pt_core_vanished(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
		      int64_t lo_us, int64_t hi_us);
void pt_core_missed(struct pt_monitor *m, uint64_t count, const char *reason);
/* Table access for the scanner's diff. */
struct pt_table *pt_core_table(struct pt_monitor *m);

#endif
