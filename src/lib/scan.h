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
	PT_SCAN_RESYNC,   /* after a loss: new processes marked PT_WHY_LOST, vanished ones exit-unknown */
	PT_SCAN_SYNTH,    /* scanning tier: fork/exec/exit events synthesised */
};

struct pt_scanner;

struct pt_scan_stats {
	uint64_t scans;
	uint64_t added, vanished;
	uint64_t unreadable;     /* entries we could not read (hidepid, EACCES) */
	uint64_t missed_est;     /* pids used between scans that we never saw */
	pid_t last_pid;          /* highest pid allocated, as last read */
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

/* Core entry points the scanner calls (monitor.c). */
void pt_core_discovered(struct pt_monitor *m, struct pt_proc *info, enum pt_scan_kind kind,
			int64_t lo_us, int64_t hi_us); /* consumes info */
void pt_core_vanished(struct pt_monitor *m, struct pt_proc *rec, enum pt_scan_kind kind,
		      int64_t lo_us, int64_t hi_us);
void pt_core_missed(struct pt_monitor *m, uint64_t count, const char *reason);
/* Table access for the scanner's diff. */
struct pt_table *pt_core_table(struct pt_monitor *m);

#endif
