/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded queue of output records between the monitor and a reader that may
 * be slow (watch's stdout now; the daemon's subscribers and sinks later). The
 * monitor's thread pushes whole records and never waits: a record that does
 * not fit is dropped whole and counted, and the producer later pushes a
 * report of the drops (a `lost` event, reason slow-reader) once there is room.
 * The reader side either runs a writer thread on a blocking fd
 * (pt_outq_start) or, from its own poll loop, writes a non-blocking fd
 * (pt_outq_write).
 *
 * Memory: cap bytes, allocated once. Each record takes its length rounded up
 * to 8 plus a 16-byte header, and a record never wraps around the end of the
 * ring, so up to one record's size at the end can stay unused.
 *
 * Thread safety: one producer thread and one consumer (the writer thread, or
 * the caller of pt_outq_write); every function may be called from either.
 */
#ifndef PT_OUTQ_H
#define PT_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#define PT_OUTQ_DEFAULT (4u << 20)
#define PT_OUTQ_MIN (64u << 10)
#define PT_OUTQ_MAX (1u << 30)

struct pt_outq;

struct pt_outq_stats {
	size_t cap, used; /* bytes */
	uint64_t pushed; /* event records accepted */
	uint64_t written; /* event records written whole */
	uint64_t dropped; /* event records dropped: no room, or never written at stop */
	uint64_t reported; /* drops told to the reader by report records written or queued */
	uint64_t queued; /* records (events and reports) waiting */
	int error; /* 0, or -errno of the last failed write (-EPIPE: the reader has gone) */
};

/* cap bytes, PT_OUTQ_MIN..PT_OUTQ_MAX (rounded up to 8): 0, -EINVAL, -ENOMEM. */
int pt_outq_new(struct pt_outq **out, size_t cap);
/* Stops the writer thread first (pt_outq_stop). NULL is fine. */
void pt_outq_free(struct pt_outq *q);

/*
 * Queue one event record of len bytes (len > 0). 0; -ENOBUFS when it does not
 * fit: dropped whole and counted; -EPIPE (or the write's -errno) once the
 * writer has failed: dropped and counted too.
 */
int pt_outq_push(struct pt_outq *q, const void *rec, size_t len);
/*
 * pt_outq_push, but when the record does not fit, wait up to wait_ms (-1: no
 * limit) for the consumer to make room (replay: offline, nothing to drop).
 * -ENOBUFS at once for a record larger than the queue, or once stopped.
 */
int pt_outq_push_wait(struct pt_outq *q, const void *rec, size_t len, int wait_ms);
/* Drops not reported yet: what the next report record should say. */
uint64_t pt_outq_unreported(const struct pt_outq *q);
/*
 * The drops a report record should tell now: pt_outq_unreported() once the
 * reader has caught up (half the queue free, so that one report covers a
 * whole stall), else 0. watch and proctraild's subscribers report this way.
 */
uint64_t pt_outq_report_due(const struct pt_outq *q);
/*
 * Queue a record that is not an event: a report of count drops (count 0 for a
 * header line). Nothing is counted when it does not fit (-ENOBUFS): the drops
 * stay unreported and the producer tries again with the next event.
 */
int pt_outq_push_report(struct pt_outq *q, const void *rec, size_t len, uint64_t count);

/*
 * The reader in its own loop: write from the head of the queue to fd (one
 * write(2) or writev(2) of at most max bytes, whole records when they fit, 0:
 * 64 KiB). Bytes written, 0 when empty, or -errno (-EAGAIN from a
 * non-blocking fd). A record cut by a short write goes on at the next call.
 */
ssize_t pt_outq_write(struct pt_outq *q, int fd, size_t max);

/*
 * A writer thread draining q into fd, which stays blocking: watch's stdout
 * may be shared with a shell or other writers, and O_NONBLOCK would leak to
 * them. The thread waits for POLLOUT before each write, and writes at most
 * PIPE_BUF bytes at a time to a pipe, so that a write to a pipe never blocks
 * and the thread can always be stopped between records.
 */
int pt_outq_start(struct pt_outq *q, int fd);
/*
 * Wait until everything queued is written, the writer fails, it makes no
 * progress for idle_ms, or *cancel (when not NULL) becomes non-zero (a signal
 * handler may set it). 0 when empty; -ETIMEDOUT; -ECANCELED; the writer's -errno.
 */
int pt_outq_drain(struct pt_outq *q, int idle_ms, const volatile sig_atomic_t *cancel);
/* Stop the writer thread after its current write; what is still queued is
 * counted as dropped (and unreported). */
void pt_outq_stop(struct pt_outq *q);

void pt_outq_stats(const struct pt_outq *q, struct pt_outq_stats *st);

/*
 * The reader as a batch consumer (the sinks' threads): records are taken from
 * the head without copying, and released once handled.
 */
struct pt_outq_rec {
	const char *p; /* the record's bytes, valid until pt_outq_release() */
	size_t len;
	uint64_t report; /* a report record: the drops it reports; 0 for an event */
	bool is_report;
};
/*
 * Wait until at least min records are queued (min 0 or 1: any), the queue is
 * over half full, stopped or kicked, or wait_ms passes (0: do not wait, -1: no limit); then describe up
 * to max records from the head in recs. Returns how many (0 when none by then),
 * or -ECANCELED once pt_outq_stop() was called and nothing is left. Only the
 * one consumer calls this, and a record described stays in place until
 * released.
 */
int pt_outq_peek(struct pt_outq *q, struct pt_outq_rec *recs, size_t max, size_t min, int wait_ms);
/*
 * Remove the first n records pt_outq_peek() described. written: they were
 * written (counted written); else dropped (event records counted dropped, so
 * that a later report tells them, and reports among them untold again).
 */
void pt_outq_release(struct pt_outq *q, size_t n, bool written);
/* Wake a consumer waiting in pt_outq_peek() (returns what it has, maybe 0). */
void pt_outq_kick(struct pt_outq *q);
/*
 * Batched: a push no longer wakes the writer thread (unless the queue is over
 * half full); the producer calls pt_outq_wake() after each batch of pushes,
 * which saves the writer a wakeup, a poll and a write per record in a storm.
 */
void pt_outq_set_batched(struct pt_outq *q, bool on);
void pt_outq_wake(struct pt_outq *q);

#endif
